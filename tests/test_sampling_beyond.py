"""Chapter 5's sampling: annealed Langevin on an unbalanced mixture, the noise ladder, refusals.

With the exact noised scores (a Gaussian mixture convolved with N(0, σ² I) is the same mixture
with stds √(σ_k² + σ²)), annealed Langevin must recover the mixture's unbalanced mode weights and
moments where plain Langevin, started from the same points, cannot.
"""

import pytest
import torch

from scoreedu.distributions import GaussianMixture
from scoreedu.sampling import annealed_langevin, geometric_sigmas, langevin, mode_weights

MIXTURE = GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.5, 0.5], [0.8, 0.2])
SIGMAS = geometric_sigmas(4.0, 0.1, 10)


def noised_score(x, sigma):
    return MIXTURE.noised(sigma).score(x)


def uniform_start(n, seed=0, dtype=torch.float32, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return (8 * torch.rand(n, 2, generator=g, dtype=dtype) - 4).to(device)


@pytest.fixture(scope="module")
def samples():
    x0 = uniform_start(2000)
    g = torch.Generator().manual_seed(1)
    plain = langevin(MIXTURE.score, x0, 0.01, 1000, generator=g)
    annealed = annealed_langevin(noised_score, x0, SIGMAS, 0.002, 100, generator=g)
    return plain, annealed


def test_annealed_langevin_recovers_unbalanced_mode_weights(samples):
    _, annealed = samples
    weights = mode_weights(annealed, MIXTURE.means)
    # Sampling error alone is about 0.009 at n = 2000; the rest is the finite annealing.
    assert abs(weights[0].item() - 0.8) < 0.04, weights


def test_plain_langevin_keeps_the_weights_of_its_starting_points(samples):
    plain, _ = samples
    weights = mode_weights(plain, MIXTURE.means)
    # Half the uniform starts lie on each side and a chain almost never crosses the gap.
    assert abs(weights[0].item() - 0.5) < 0.05, weights
    assert abs(weights[0].item() - 0.8) > 0.2


def test_annealed_langevin_matches_the_mixture_moments(samples):
    _, annealed = samples
    w, mu, sd = MIXTURE.weights, MIXTURE.means, MIXTURE.stds
    mean = (w[:, None] * mu).sum(0)
    second = (w[:, None] * (mu**2 + sd[:, None] ** 2)).sum(0)
    var = second - mean**2  # (0.25 + 4 - 1.44, 0.25) = (2.81, 0.25)
    got_mean, got_var = annealed.double().mean(0), annealed.double().var(0)
    assert torch.allclose(got_mean, mean, atol=0.15), got_mean
    assert torch.allclose(got_var, var, rtol=0.1), got_var


def test_each_mode_of_plain_langevin_has_the_right_spread(samples):
    plain, _ = samples
    left = plain[plain[:, 0] < 0].double()
    assert torch.allclose(left.mean(0), MIXTURE.means[0], atol=0.05)
    assert torch.allclose(left.std(0), MIXTURE.stds[0].expand(2), rtol=0.1)


def test_annealed_langevin_on_any_device_and_dtype(device):
    for dtype in (torch.float32, torch.float64):
        x0 = uniform_start(64, dtype=dtype, device=device)
        out = annealed_langevin(
            noised_score, x0, SIGMAS, 0.002, 5, generator=torch.Generator().manual_seed(0)
        )
        assert out.dtype == dtype and out.device == x0.device and torch.isfinite(out).all()


def test_annealed_langevin_path_has_one_state_per_step():
    x0 = uniform_start(8)
    out, path = annealed_langevin(noised_score, x0, SIGMAS[:3], 0.002, 4, return_path=True)
    assert path.shape == (3 * 4 + 1, 8, 2)
    assert torch.equal(path[0], x0) and torch.equal(path[-1], out)


# --- the noise ladder and the mode weights -----------------------------------------------------


def test_geometric_sigmas_has_the_end_points_and_a_constant_ratio():
    sigmas = geometric_sigmas(4.0, 0.1, 10)
    assert sigmas.shape == (10,) and sigmas.dtype == torch.float64
    assert sigmas[0].item() == pytest.approx(4.0) and sigmas[-1].item() == pytest.approx(0.1)
    ratios = sigmas[1:] / sigmas[:-1]
    assert torch.allclose(ratios, torch.full_like(ratios, (0.1 / 4.0) ** (1 / 9)))


@pytest.mark.parametrize(
    "args, error",
    [
        ((0.1, 4.0, 10), ValueError),  # increasing
        ((1.0, 1.0, 10), ValueError),  # equal
        ((-1.0, 0.1, 10), ValueError),
        ((1.0, 0.0, 10), ValueError),
        ((1.0, 0.1, 1), ValueError),
        ((1.0, 0.1, 2.5), TypeError),
    ],
)
def test_geometric_sigmas_refuses_bad_input(args, error):
    with pytest.raises(error, match="sigma|n"):
        geometric_sigmas(*args)


def test_mode_weights_counts_the_nearest_mean():
    x = torch.tensor([[-1.9, 0.1], [-0.1, 0.0], [0.1, 0.0], [3.0, 3.0]])
    weights = mode_weights(x, MIXTURE.means)
    assert torch.equal(weights, torch.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="means"):
        mode_weights(x, torch.zeros(2, 3))


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sigmas", [[1.0, 2.0], [1.0, 1.0], [1.0, -0.5], [], [float("nan")]])
def test_annealed_langevin_refuses_sigmas_that_do_not_decrease_to_positive_levels(sigmas):
    with pytest.raises(ValueError, match="sigmas"):
        annealed_langevin(noised_score, uniform_start(4), sigmas, 0.01, 2)


@pytest.mark.parametrize("step_size", [0.0, -0.01, float("inf")])
def test_samplers_refuse_a_step_size_that_is_not_positive(step_size):
    with pytest.raises(ValueError, match="step_size"):
        annealed_langevin(noised_score, uniform_start(4), SIGMAS, step_size, 2)
    with pytest.raises(ValueError, match="step_size"):
        langevin(MIXTURE.score, uniform_start(4), step_size, 2)


def test_annealed_langevin_refuses_zero_steps_per_level():
    with pytest.raises(ValueError, match="n_steps_each"):
        annealed_langevin(noised_score, uniform_start(4), SIGMAS, 0.01, 0)


def test_annealed_langevin_says_when_the_step_is_too_large():
    with pytest.raises(ValueError, match="step_size"):
        annealed_langevin(noised_score, uniform_start(4), SIGMAS, 5.0, 50)
