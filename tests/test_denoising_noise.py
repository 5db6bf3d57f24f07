"""The noise of the denoising objective: per-example losses, spreads and slopes."""

import math

import pytest
import torch

from scoreedu.denoising_noise import (
    denoising_losses,
    gradient_spread,
    log_log_slope,
    loss_difference_spread,
    loss_spread,
)
from scoreedu.nets import ScoreMLP
from scoreedu.objectives import denoising_score_matching

F64 = torch.float64

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny tensors: one thread is fastest


def gaussian_data(n=4000, d=2, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64)


def test_denoising_losses_average_to_the_objective_with_the_same_noise():
    x = gaussian_data(50)
    model = lambda y: -0.7 * y  # noqa: E731
    z = torch.randn(x.shape, generator=torch.Generator().manual_seed(3), dtype=F64)
    expected = denoising_score_matching(model, x, 0.4, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(denoising_losses(model, x, z, 0.4).mean(), expected)


def test_loss_difference_spread_matches_its_closed_form():
    # data N(0, I): the optimum a(x̃) = −x̃/(1 + σ²); b = a + c. Per example the difference is
    # ½‖c‖² + cᵀ(a(x̃) + z/σ), whose variance is ‖c‖² / (σ²(1 + σ²)).
    sigma, c, n = 0.3, torch.tensor([0.4, -0.3], dtype=F64), 64
    a = lambda y: -y / (1 + sigma**2)  # noqa: E731
    b = lambda y: a(y) + c  # noqa: E731
    g = torch.Generator().manual_seed(0)
    mean, std = loss_difference_spread(a, b, gaussian_data(), sigma, n, 400, g)
    expected_std = c.norm().item() / (sigma * math.sqrt(1 + sigma**2) * math.sqrt(n))
    assert mean == pytest.approx(0.5 * c.norm().item() ** 2, abs=4 * expected_std / 20)
    assert std == pytest.approx(expected_std, rel=0.15)
    # the same model twice: no difference at all
    assert loss_difference_spread(a, a, gaussian_data(), sigma, n, 5, g) == (0.0, 0.0)


def test_loss_spread_grows_like_one_over_sigma_squared_and_the_gradient_like_one_over_sigma():
    x, g = gaussian_data(), torch.Generator().manual_seed(1)
    torch.manual_seed(0)
    net = ScoreMLP(2, hidden=16, dtype=F64)
    levels = (0.02, 0.04, 0.08)
    loss = [loss_spread(net, x, s, 128, 60, g) for s in levels]
    grad = [gradient_spread(net, x, s, 128, 60, g) for s in levels]
    assert log_log_slope(levels, loss) == pytest.approx(-2, abs=0.3)
    assert log_log_slope(levels, grad) == pytest.approx(-1, abs=0.3)


def test_log_log_slope_of_a_power_law():
    xs = [0.1, 0.5, 2.0]
    assert log_log_slope(xs, [3 * v**-1.5 for v in xs]) == pytest.approx(-1.5)
    with pytest.raises(ValueError, match="two points"):
        log_log_slope([1.0], [1.0])
    with pytest.raises(ValueError, match="same length"):
        log_log_slope([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="> 0"):
        log_log_slope([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="xs must not all be equal"):
        log_log_slope([2.0, 2.0], [1.0, 3.0])  # 0/0: a NaN slope before
    with pytest.raises(TypeError, match="xs must be numbers"):
        log_log_slope("a", [1.0])


def test_bad_input_is_named():
    x = gaussian_data(10)
    with pytest.raises(ValueError, match="sigma"):
        denoising_losses(lambda y: y, x, x, -1.0)
    with pytest.raises(ValueError, match="z"):
        denoising_losses(lambda y: y, x, x[:, :1], 0.5)
    with pytest.raises(ValueError, match="n_batches"):
        loss_spread(lambda y: y, x, 0.5, 4, 1)
    with pytest.raises(TypeError, match="model"):
        gradient_spread(lambda y: y, x, 0.5)


def test_bad_noise_and_data_are_named():
    x = gaussian_data(10)
    with pytest.raises(TypeError, match="z"):
        denoising_losses(lambda y: y, x, x.long(), 0.5)
    with pytest.raises(ValueError, match="z"):
        denoising_losses(lambda y: y, x, torch.full_like(x, float("nan")), 0.5)
    with pytest.raises(TypeError, match="x"):
        loss_spread(lambda y: y, x.tolist(), 0.5, 4, 2)
    with pytest.raises(TypeError, match="x"):
        loss_difference_spread(lambda y: y, lambda y: y, x.long(), 0.5, 4, 2)
    with pytest.raises(TypeError, match="x"):
        gradient_spread(ScoreMLP(2), x.long(), 0.5, 4, 2)
