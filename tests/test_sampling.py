"""Langevin dynamics: samples from known targets, seeded, with clear errors for bad input."""

import math

import pytest
import torch

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.sampling import annealed_langevin, langevin

DTYPES = [torch.float32, torch.float64]


def test_langevin_on_a_gaussian_has_the_known_mean_and_variance():
    # For N(μ, σ²) the unadjusted chain is linear: x ← (1 - a) x + a μ + √(2ε) z, a = ε/σ².
    # Its stationary law is N(μ, σ² / (1 - a/2)): exact, including the step-size bias.
    mu, sigma2, eps = 1.5, 0.8, 0.08
    gauss = Gaussian([mu], [[sigma2]])
    x0 = torch.full((20_000, 1), -4.0, dtype=torch.float64)
    x = langevin(gauss.score, x0, eps, 400, generator=torch.Generator().manual_seed(0))
    stationary = sigma2 / (1 - eps / sigma2 / 2)
    assert abs(x.mean().item() - mu) < 0.03  # se ≈ 0.0065
    assert abs(x.var().item() - stationary) < 0.04  # se ≈ 0.009
    # The bias is real: the variance is measurably above σ² at this step size.
    assert x.var().item() > sigma2 + 0.01


def test_langevin_finds_the_mode_weights_of_a_known_mixture():
    # Every chain starts in the light mode; Langevin must move 70 % of them to the heavy one.
    mix = GaussianMixture([[-1.5, 0.0], [1.5, 0.0]], [0.8, 0.8], [0.3, 0.7])
    x0 = torch.tensor([[-1.5, 0.0]]).repeat(2000, 1)
    x = langevin(mix.score, x0, 0.04, 600, generator=torch.Generator().manual_seed(1))
    # P(x_1 > 0) = Σ_k w_k Φ(μ_k / σ_k)
    phi = [0.5 * (1 + math.erf(m / (0.8 * math.sqrt(2)))) for m in (-1.5, 1.5)]
    expected = 0.3 * phi[0] + 0.7 * phi[1]
    assert abs((x[:, 0] > 0).double().mean().item() - expected) < 0.04  # se ≈ 0.01


def test_langevin_is_reproducible_with_a_seed_and_returns_its_path():
    gauss = Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    x0 = torch.zeros(5, 2, dtype=torch.float64)
    a, path = langevin(
        gauss.score, x0, 0.1, 7, generator=torch.Generator().manual_seed(3), return_path=True
    )
    b = langevin(gauss.score, x0, 0.1, 7, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert tuple(path.shape) == (8, 5, 2)
    assert torch.equal(path[0], x0) and torch.equal(path[-1], a)
    assert torch.equal(langevin(gauss.score, x0, 0.1, 0), x0)


def test_one_langevin_step_is_the_formula():
    # x ← x + ε s(x) + √(2ε) z with z the generator's next standard normal draws.
    x0 = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    eps = 0.3
    x = langevin(lambda x: -x, x0, eps, 1, generator=torch.Generator().manual_seed(5))
    z = torch.randn(1, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    torch.testing.assert_close(x, x0 - eps * x0 + math.sqrt(2 * eps) * z)


@pytest.mark.parametrize("dtype", DTYPES)
def test_langevin_follows_dtype_and_device(dtype, device):
    mix = GaussianMixture([[0.0, 0.0], [2.0, 0.0]], [1.0, 0.5], [0.5, 0.5], device=device)
    x0 = torch.zeros(3, 2, dtype=dtype, device=device)
    x = langevin(mix.score, x0, 0.05, 5)
    assert x.dtype == dtype and x.device == x0.device and torch.isfinite(x).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"step_size": 0.0}, ValueError, "step_size must be a finite number > 0"),
        ({"step_size": -0.1}, ValueError, "step_size must be a finite number > 0"),
        ({"step_size": math.nan}, ValueError, "step_size"),
        ({"step_size": math.inf}, ValueError, "step_size"),
        ({"step_size": "0.1"}, TypeError, "step_size must be a positive number"),
        ({"n_steps": -1}, ValueError, "n_steps must be an int >= 0"),
        ({"n_steps": 2.5}, TypeError, "n_steps must be an int"),
        ({"x0": torch.zeros(4)}, ValueError, r"x0 must have shape \(N, D\)"),
        ({"x0": torch.tensor([[math.nan, 0.0]])}, ValueError, "x0 must be finite"),
        ({"score": "s"}, TypeError, "score must be callable"),
        ({"score": lambda x: x[:, :1]}, ValueError, "score must return the shape of x"),
        ({"generator": 7}, TypeError, "generator must be a torch.Generator"),
    ],
)
def test_langevin_refuses_bad_input(kwargs, error, words):
    args = {"score": lambda x: -x, "x0": torch.zeros(3, 2), "step_size": 0.1, "n_steps": 3}
    args.update(kwargs)
    with pytest.raises(error, match=words):
        langevin(**args)


def test_langevin_says_when_the_step_size_is_too_large():
    # For s(x) = -x/σ² with σ = 0.01 a step of 1 multiplies x by about -10⁴ each step.
    with pytest.raises(ValueError, match="smaller step_size"):
        langevin(lambda x: -x / 1e-4, torch.ones(2, 1), 1.0, 200)


# --- annealed Langevin ---------------------------------------------------------------------
def test_annealed_langevin_ends_at_the_last_noise_level():
    # Target N(0, 1) blurred by σ: N(0, 1 + σ²), score -x / (1 + σ²). The last level is the
    # same linear chain as above, so its stationary variance is known exactly.
    sigmas, eps = [3.0, 1.0, 0.1], 0.005
    x0 = 10 * torch.randn(20_000, 1, generator=torch.Generator().manual_seed(0)).double()

    def score(x, sigma):
        return -x / (1 + sigma**2)

    # 1500 steps at the last level: the variance relaxes as (1 - a)^(2n), a ≈ 0.005.
    x = annealed_langevin(score, x0, sigmas, eps, 1500, generator=torch.Generator().manual_seed(1))
    _, path = annealed_langevin(score, x0[:5], sigmas, eps, 4, return_path=True)
    assert tuple(path.shape) == (3 * 4 + 1, 5, 1)
    var_last = 1 + 0.1**2
    stationary = var_last / (1 - eps / var_last / 2)
    assert abs(x.mean().item()) < 0.03
    assert abs(x.var().item() - stationary) < 0.04


@pytest.mark.parametrize(
    ("sigmas", "step_size", "error", "words"),
    [
        ([1.0, 2.0], 0.1, ValueError, "strictly decreasing"),
        ([1.0, 1.0], 0.1, ValueError, "strictly decreasing"),
        ([1.0, -0.5], 0.1, ValueError, "sigmas must be finite numbers > 0"),
        ([], 0.1, ValueError, "sigmas"),
        ([[3.0, 2.0], [4.0, 1.0]], 0.1, ValueError, "sigmas must be 1-D"),
        ([1.0, 0.5], 0.0, ValueError, "step_size"),
        ([1.0, 0.5], -1.0, ValueError, "step_size"),
    ],
)
def test_annealed_langevin_refuses_bad_input(sigmas, step_size, error, words):
    with pytest.raises(error, match=words):
        annealed_langevin(lambda x, s: -x, torch.zeros(2, 2), sigmas, step_size, 3)


@pytest.mark.parametrize("sigmas", ["abc", None])
def test_annealed_langevin_names_non_numeric_sigmas(sigmas):
    with pytest.raises(TypeError, match="sigmas must be a sequence of numbers"):
        annealed_langevin(lambda x, s: -x, torch.randn(4, 2), sigmas, 0.1, 1)


def test_geometric_sigmas_refuses_an_integer_dtype():
    from scoreedu.sampling import geometric_sigmas

    with pytest.raises(TypeError, match="dtype must be"):
        geometric_sigmas(2.0, 1.0, 3, dtype=torch.int64)


@pytest.mark.parametrize(
    "means, error, match",
    [
        ("abc", TypeError, "means must be numbers"),
        ([[math.nan, 0.0]], ValueError, "means must be finite"),
        (torch.zeros(0, 2), ValueError, "means must have shape \\(K, 2\\)"),
    ],
)
def test_mode_weights_names_bad_means(means, error, match):
    from scoreedu.sampling import mode_weights

    with pytest.raises(error, match=match):
        mode_weights(torch.randn(5, 2), means)
