"""Chapter 6's samplers on a known target: an unbalanced Gaussian mixture in 64-D.

The exact noised score is known (the mixture convolved with N(0, σ² I) is the same mixture with
stds √(σ_k² + σ²)), so a correct sampler must recover the mixture's weights AND the width of each
mode. A sampler that drops its noise (or a wrong variance increment) collapses the modes; one
that forgets the last Tweedie step leaves them too wide by σ_min: the checks tell these apart.
"""

import pytest
import torch

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.sampling import (
    karras_sigmas,
    mode_weights,
    probability_flow,
    reverse_diffusion,
    tweedie_denoise,
)

D = 64
_g = torch.Generator().manual_seed(0)
MEANS = 3 * torch.randn(3, D, generator=_g, dtype=torch.float64) / D**0.5 * 2
MIXTURE = GaussianMixture(MEANS, [0.3, 0.3, 0.3], [0.6, 0.3, 0.1])
SIGMAS = karras_sigmas(20.0, 0.05, 40)
# The SDE samplers' Euler–Maruyama error widens the modes by ~8 % at 40 levels, ~2 % at 200;
# the ODE's second-order steps are within 1 % at 40.
SDE_SIGMAS = karras_sigmas(20.0, 0.05, 200)


def noised_score(x, sigma):
    return MIXTURE.noised(sigma).score(x)


def start(n, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return 20.0 * torch.randn(n, D, generator=g, dtype=dtype)


def within_mode_std(x):
    nearest = ((x[:, None] - MEANS[None]) ** 2).sum(-1).argmin(1)
    return (x - MEANS[nearest]).std().item()


@pytest.fixture(scope="module")
def draws():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(1)
    out = {
        "reverse": reverse_diffusion(noised_score, start(2000), SDE_SIGMAS, generator=g),
        "pc": reverse_diffusion(
            noised_score, start(2000), SDE_SIGMAS, generator=g, corrector_steps=1
        ),
        "flow": probability_flow(noised_score, start(2000), SIGMAS),
    }
    torch.set_num_threads(before)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["reverse", "pc", "flow"])
def test_sampler_recovers_mixture_weights_and_mode_width(draws, name):
    x = draws[name]
    weights = mode_weights(x, MEANS)
    # Sampling error at n = 2000 is about 0.011 for the 0.6 weight.
    assert torch.allclose(weights, torch.tensor([0.6, 0.3, 0.1], dtype=x.dtype), atol=0.04)
    # After Tweedie's step at σ_min = 0.05 the exact width is 0.3²/√(0.3² + 0.05²) = 0.296;
    # a sampler without its noise collapses the modes (below 0.2, the next test).
    assert abs(within_mode_std(x) - 0.296) < 0.015, within_mode_std(x)


@pytest.mark.slow
def test_dropping_the_noise_of_the_reverse_sde_collapses_the_modes(one_thread):
    # The rival: a "sampler" that only follows the score (gradient ascent with the same steps)
    # lands near the modes' centres; the check above would catch it.
    x = start(500)
    for hi, lo in zip(SIGMAS.tolist(), SIGMAS.tolist()[1:]):
        x = x + (hi**2 - lo**2) * noised_score(x, hi)
    assert within_mode_std(x) < 0.2


def test_tweedie_denoise_is_the_gaussian_posterior_mean():
    g = torch.Generator().manual_seed(3)
    a = torch.randn(4, 4, generator=g, dtype=torch.float64)
    prior = Gaussian(torch.randn(4, generator=g, dtype=torch.float64), a @ a.T + torch.eye(4))
    sigma = 0.7
    noisy = prior.noised(sigma).sample(10, generator=g, dtype=torch.float64)
    got = tweedie_denoise(lambda x, s: prior.noised(s).score(x), noisy, sigma)
    cov = prior.cov
    gain = cov @ torch.linalg.inv(cov + sigma**2 * torch.eye(4, dtype=cov.dtype))
    expected = prior.mean + (noisy - prior.mean) @ gain.T
    assert torch.allclose(got, expected, atol=1e-10)


def test_karras_sigmas_endpoints_order_and_rho():
    s = karras_sigmas(80.0, 0.002, 18)
    assert s[0].item() == pytest.approx(80.0) and s[-1].item() == pytest.approx(0.002)
    assert (s[1:] < s[:-1]).all()
    linear = karras_sigmas(2.0, 1.0, 5, rho=1.0)
    assert torch.allclose(linear, torch.tensor([2.0, 1.75, 1.5, 1.25, 1.0], dtype=torch.float64))
    # ρ = 7 crowds the levels at small σ: the ladder's middle lies far below the arithmetic mean.
    assert s[9].item() < 2.0


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: karras_sigmas(1.0, 2.0, 5), ValueError, "sigma_min"),
        (lambda: karras_sigmas(2.0, 1.0, 1), ValueError, "n"),
        (lambda: reverse_diffusion(noised_score, start(2), [1.0]), ValueError, "two levels"),
        (lambda: reverse_diffusion(noised_score, start(2), [1.0, 2.0]), ValueError, "decreasing"),
        (lambda: reverse_diffusion("s", start(2), SIGMAS), TypeError, "score"),
        (lambda: reverse_diffusion(noised_score, start(2), SIGMAS, corrector_steps=-1),
         ValueError, "corrector_steps"),
        (lambda: probability_flow(noised_score, torch.zeros(3), SIGMAS), ValueError, "x0"),
        (lambda: probability_flow(lambda x, s: x[:, :2], start(2), SIGMAS), ValueError, "score"),
        (lambda: tweedie_denoise(noised_score, start(2), -1.0), ValueError, "sigma"),
        (lambda: tweedie_denoise(lambda x, s: x / 0.0, start(2), 0.5), ValueError, "score"),
        (lambda: probability_flow(noised_score, start(2), [[1.0, 0.5]]), ValueError, "1-D"),
        (lambda: reverse_diffusion(noised_score, start(2), [[1.0], [0.5]]), ValueError, "1-D"),
    ],
)  # fmt: skip
def test_samplers_name_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_samplers_follow_the_device_and_dtype(device):
    x = start(50, dtype=torch.float32).to(device)
    mixture = GaussianMixture(MEANS.float(), [0.3, 0.3, 0.3], [0.6, 0.3, 0.1], device=device)
    score = lambda x, s: mixture.noised(s).score(x)  # noqa: E731
    for out in (reverse_diffusion(score, x, SIGMAS), probability_flow(score, x, SIGMAS)):
        assert out.device == x.device and out.dtype == torch.float32
        assert torch.isfinite(out).all()
