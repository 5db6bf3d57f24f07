"""The denoiser E[x | x̃], Tweedie's formula and Vincent's identity, against closed forms.

For p the empirical law of points x_1..x_M, p_σ is exactly the mixture Σ_i (1/M) N(x_i, σ² I):
its score and gradient are closed forms (GaussianMixture), so the identities hold to float64.
"""

import pytest
import torch

from scoreedu.denoiser import (
    noised_density_gradient,
    posterior_mean,
    posterior_weights,
    tweedie_score,
)
from scoreedu.distributions import GaussianMixture

F64 = torch.float64

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny tensors: one thread is fastest


def points(m=40, d=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(m, d, generator=g, dtype=F64), torch.randn(9, d, generator=g, dtype=F64)


@pytest.mark.parametrize("sigma", [0.1, 0.5, 2.0])
def test_tweedie_is_the_score_of_the_noised_empirical_law(sigma):
    clean, noisy = points()
    m = clean.shape[0]
    exact = GaussianMixture(clean, [sigma] * m, [1.0 / m] * m).score(noisy)
    torch.testing.assert_close(tweedie_score(noisy, clean, sigma), exact)
    # the rival, the prior mean in place of the posterior mean, is far off
    rival = (clean.mean(0) - noisy) / sigma**2
    assert (rival - exact).abs().max() > 0.1


def test_vincent_gradient_is_the_gradient_of_the_noised_density():
    clean, noisy = points(d=3)
    sigma, m = 0.7, clean.shape[0]
    noised = GaussianMixture(clean, [sigma] * m, [1.0 / m] * m)
    y = noisy.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(noised.log_prob(y).exp().sum(), y)
    torch.testing.assert_close(noised_density_gradient(noisy, clean, sigma), grad)


def test_tweedie_by_monte_carlo_matches_a_gaussian_closed_form():
    g = torch.Generator().manual_seed(1)
    clean = 1.0 + 0.5 * torch.randn(200_000, 2, generator=g, dtype=F64)  # N(1, 0.25 I)
    noisy = torch.tensor([[0.0, 0.0], [1.5, 2.0], [-1.0, 1.0]], dtype=F64)
    sigma = 0.6
    exact = -(noisy - 1.0) / (0.25 + sigma**2)
    torch.testing.assert_close(tweedie_score(noisy, clean, sigma), exact, atol=0.05, rtol=0)


def test_posterior_weights_and_mean():
    clean, noisy = points()
    w = posterior_weights(noisy, clean, 0.3)
    torch.testing.assert_close(w.sum(1), torch.ones(9, dtype=F64))
    torch.testing.assert_close(posterior_mean(noisy, clean, 0.3), w @ clean)
    # a tiny σ: the denoiser snaps to the nearest clean point
    nearest = clean[torch.cdist(noisy, clean).argmin(1)]
    torch.testing.assert_close(posterior_mean(noisy, clean, 1e-3), nearest)


def test_float32_small_sigma_stays_finite():
    clean, noisy = points()
    out = tweedie_score(noisy.float(), clean.float(), 0.01)
    assert torch.isfinite(out).all()


def test_bad_input_is_named():
    clean, noisy = points()
    with pytest.raises(ValueError, match="sigma"):
        tweedie_score(noisy, clean, 0.0)
    with pytest.raises(ValueError, match="x_clean"):
        tweedie_score(noisy, clean[:, :1], 0.5)
    with pytest.raises(ValueError, match="x_clean"):
        posterior_mean(noisy, clean.float(), 0.5)
    with pytest.raises(ValueError, match="x_noisy"):
        noised_density_gradient(noisy[0], clean, 0.5)
