"""Gaussian and GaussianMixture: closed forms against autograd and finite differences.

The reference values are computed in float64 from the formulas, independently of the class's
own code path (torch.distributions for the log-density, central differences for the score).
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.score import autograd_score

DTYPES = [torch.float32, torch.float64]


def central_differences(log_density, x, h=1e-5):
    """∂/∂x_j log_density(x) ≈ (f(x + h e_j) - f(x - h e_j)) / 2h, column by column: (N, D)."""
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    return torch.stack(
        [(log_density(x + h * e) - log_density(x - h * e)) / (2 * h) for e in eye], 1
    )


def random_gaussian(seed, d):
    g = torch.Generator().manual_seed(seed)
    mean = torch.randn(d, generator=g, dtype=torch.float64)
    a = torch.randn(d, d, generator=g, dtype=torch.float64)
    cov = a @ a.T + 0.5 * torch.eye(d, dtype=torch.float64)
    return Gaussian(mean, cov), g


def random_mixture(seed, k, d):
    g = torch.Generator().manual_seed(seed)
    means = 3 * torch.randn(k, d, generator=g, dtype=torch.float64)
    stds = 0.3 + torch.rand(k, generator=g, dtype=torch.float64)
    weights = torch.rand(k, generator=g, dtype=torch.float64) + 0.1
    return GaussianMixture(means, stds, weights / weights.sum()), g


# --- Gaussian ------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), d=st.integers(1, 4))
def test_gaussian_log_prob_matches_torch_distributions(seed, d):
    gauss, g = random_gaussian(seed, d)
    x = 2 * torch.randn(7, d, generator=g, dtype=torch.float64)
    reference = torch.distributions.MultivariateNormal(gauss.mean, gauss.cov).log_prob(x)
    torch.testing.assert_close(gauss.log_prob(x), reference, rtol=1e-10, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), d=st.integers(1, 4))
def test_gaussian_score_closed_form_autograd_and_finite_differences_agree(seed, d):
    gauss, g = random_gaussian(seed, d)
    x = 2 * torch.randn(7, d, generator=g, dtype=torch.float64)
    closed = gauss.score(x)
    by_hand = -torch.linalg.solve(gauss.cov, (x - gauss.mean).T).T  # -Σ⁻¹(x - μ)
    torch.testing.assert_close(closed, by_hand, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(autograd_score(gauss.log_prob, x), closed, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(central_differences(gauss.log_prob, x), closed, rtol=1e-6, atol=1e-6)


def test_gaussian_score_example_from_the_docstring():
    gauss = Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 4.0]])
    score = gauss.score(torch.ones(1, 2, dtype=torch.float64))
    torch.testing.assert_close(score, torch.tensor([[-1.0, -0.25]], dtype=torch.float64))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_follows_dtype_and_device(dtype, device):
    gauss = Gaussian([1.0, -1.0], [[2.0, 0.3], [0.3, 1.0]], device=device)
    x = torch.randn(5, 2, dtype=dtype, device=device)
    for out, shape in ((gauss.log_prob(x), (5,)), (gauss.score(x), (5, 2))):
        assert out.dtype == dtype and out.device == x.device and tuple(out.shape) == shape
    sample = gauss.sample(3, dtype=dtype)
    assert sample.dtype == dtype and tuple(sample.shape) == (3, 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_is_finite_far_from_the_mode(dtype):
    gauss = Gaussian([0.0, 0.0], [[0.01, 0.0], [0.0, 0.01]])
    x = torch.tensor([[60.0, -60.0], [-60.0, 0.0]], dtype=dtype)
    assert torch.isfinite(gauss.log_prob(x)).all() and torch.isfinite(gauss.score(x)).all()
    torch.testing.assert_close(gauss.score(x), -x / 0.01)


def test_gaussian_sample_moments_with_a_seeded_generator():
    gauss = Gaussian([1.0, -2.0], [[2.0, 0.6], [0.6, 0.5]])
    x = gauss.sample(40_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    # standard errors: about 0.007 for the mean, about 0.015 for the covariance entries
    torch.testing.assert_close(x.mean(0), gauss.mean, rtol=0, atol=0.04)
    torch.testing.assert_close(torch.cov(x.T), gauss.cov, rtol=0, atol=0.06)
    again = gauss.sample(40_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.equal(again, x), "the same seed must give the same draws"


@pytest.mark.parametrize(
    ("mean", "cov", "error", "words"),
    [
        ([0.0, 0.0], [[1.0, 0.0], [0.0, -1.0]], ValueError, "positive definite"),
        ([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], ValueError, "symmetric"),
        ([0.0, 0.0], [[1.0, 0.0, 0.0]] * 3, ValueError, "cov must have shape"),
        ([[0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], ValueError, "mean must have shape"),
        ([0.0, float("nan")], [[1.0, 0.0], [0.0, 1.0]], ValueError, "mean must be finite"),
        ([0.0, 0.0], "identity", TypeError, "cov must be numbers"),
    ],
)
def test_gaussian_refuses_bad_parameters(mean, cov, error, words):
    with pytest.raises(error, match=words):
        Gaussian(mean, cov)


def test_gaussian_refuses_bad_x():
    gauss = Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        gauss.score(torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        gauss.log_prob(torch.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        gauss.score(torch.tensor([[0.0, float("nan")]]))
    with pytest.raises(TypeError, match="float32 or float64"):
        gauss.score(torch.zeros(3, 2, dtype=torch.int64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        gauss.score(np.zeros((3, 2)))


# --- GaussianMixture -----------------------------------------------------------------------
def mixture_log_prob_by_hand(mix, x):
    """log Σ_k w_k N(x; μ_k, σ_k² I) from torch.distributions, in float64."""
    comps = torch.distributions.Independent(
        torch.distributions.Normal(mix.means, mix.stds[:, None].expand_as(mix.means)), 1
    )
    per_k = comps.log_prob(x[:, None, :].double()) + torch.log(mix.weights)
    return torch.logsumexp(per_k, 1)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 4), d=st.integers(1, 3))
def test_mixture_log_prob_matches_torch_distributions(seed, k, d):
    mix, g = random_mixture(seed, k, d)
    x = 3 * torch.randn(9, d, generator=g, dtype=torch.float64)
    torch.testing.assert_close(mix.log_prob(x), mixture_log_prob_by_hand(mix, x))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 4), d=st.integers(1, 3))
def test_mixture_score_closed_form_autograd_and_finite_differences_agree(seed, k, d):
    mix, g = random_mixture(seed, k, d)
    x = 3 * torch.randn(9, d, generator=g, dtype=torch.float64)
    closed = mix.score(x)
    torch.testing.assert_close(autograd_score(mix.log_prob, x), closed, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(central_differences(mix.log_prob, x), closed, rtol=1e-5, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 4))
def test_mixture_responsibilities_are_a_posterior(seed, k):
    mix, g = random_mixture(seed, k, 2)
    x = 3 * torch.randn(9, 2, generator=g, dtype=torch.float64)
    r = mix.responsibilities(x)
    torch.testing.assert_close(r.sum(1), torch.ones(9, dtype=torch.float64))
    # Bayes by hand: w_k N_k(x) / p(x)
    comps = torch.distributions.Independent(
        torch.distributions.Normal(mix.means, mix.stds[:, None].expand_as(mix.means)), 1
    )
    joint = comps.log_prob(x[:, None, :]) + torch.log(mix.weights)
    torch.testing.assert_close(r, torch.exp(joint - mix.log_prob(x)[:, None]))


def test_mixture_of_one_component_is_the_gaussian():
    mix = GaussianMixture([[1.0, -1.0]], [0.7], [1.0])
    gauss = Gaussian([1.0, -1.0], [[0.49, 0.0], [0.0, 0.49]])
    x = torch.randn(6, 2, dtype=torch.float64)
    torch.testing.assert_close(mix.log_prob(x), gauss.log_prob(x))
    torch.testing.assert_close(mix.score(x), gauss.score(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_mixture_is_finite_and_right_at_abs_x_60(dtype):
    # Narrow, well-separated modes: exp(log p) underflows far away; log-sum-exp must not.
    mix = GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.1, 0.3], [0.3, 0.7])
    x = torch.tensor([[60.0, 60.0], [-60.0, 0.0], [0.0, -60.0], [60.0, -60.0]], dtype=dtype)
    log_p, score = mix.log_prob(x), mix.score(x)
    assert torch.isfinite(log_p).all() and torch.isfinite(score).all()
    assert torch.isfinite(autograd_score(mix.log_prob, x)).all()
    # Far away the widest component owns the point: the score tends to its score (μ_2 - x)/σ_2².
    expected = (torch.tensor([2.0, 0.0], dtype=dtype) - x) / 0.3**2
    torch.testing.assert_close(score, expected, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(
        log_p.double(), mixture_log_prob_by_hand(mix, x.double()), rtol=1e-5, atol=1e-3
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_mixture_follows_dtype_and_device(dtype, device):
    mix = GaussianMixture([[0.0, 0.0], [1.0, 1.0]], [1.0, 0.5], [0.5, 0.5], device=device)
    x = torch.randn(4, 2, dtype=dtype, device=device)
    for out, shape in ((mix.log_prob(x), (4,)), (mix.score(x), (4, 2))):
        assert out.dtype == dtype and out.device == x.device and tuple(out.shape) == shape
    sample = mix.sample(3, dtype=dtype)
    assert sample.dtype == dtype and tuple(sample.shape) == (3, 2)


def test_float32_and_float64_agree():
    mix, g = random_mixture(3, 3, 2)
    x = 3 * torch.randn(50, 2, generator=g, dtype=torch.float64)
    torch.testing.assert_close(mix.score(x.float()).double(), mix.score(x), rtol=1e-4, atol=1e-4)


def test_mixture_sample_weights_with_a_seeded_generator():
    mix = GaussianMixture([[-5.0, 0.0], [5.0, 0.0], [0.0, 5.0]], [0.5, 1.0, 0.8], [0.2, 0.5, 0.3])
    x, labels = mix.sample(
        30_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64, return_labels=True
    )
    freq = torch.bincount(labels, minlength=3).double() / 30_000
    torch.testing.assert_close(freq, mix.weights, rtol=0, atol=0.015)  # se ≈ 0.003
    for k in range(3):
        within = x[labels == k] - mix.means[k]
        assert abs(within.std().item() - mix.stds[k].item()) < 0.03


@pytest.mark.parametrize(
    ("means", "stds", "weights", "error", "words"),
    [
        ([[0.0], [1.0]], [1.0, 1.0], [0.5, 0.6], ValueError, "sum to 1"),
        ([[0.0], [1.0]], [1.0, 1.0], [0.3, 0.3], ValueError, "sum to 1"),
        ([[0.0], [1.0]], [1.0, 1.0], [1.5, -0.5], ValueError, "non-negative"),
        ([[0.0], [1.0]], [1.0, 0.0], [0.5, 0.5], ValueError, "stds must all be > 0"),
        ([[0.0], [1.0]], [1.0, -2.0], [0.5, 0.5], ValueError, "stds must all be > 0"),
        ([[0.0], [1.0]], [1.0], [0.5, 0.5], ValueError, r"stds must have shape \(K,\) = \(2,\)"),
        ([[0.0], [1.0]], [1.0, 1.0], [1.0], ValueError, r"weights must have shape \(K,\)"),
        ([0.0, 1.0], [1.0, 1.0], [0.5, 0.5], ValueError, r"means must have shape \(K, D\)"),
        ([[0.0], [math.nan]], [1.0, 1.0], [0.5, 0.5], ValueError, "means must be finite"),
        ([[0.0], [1.0]], [1.0, math.nan], [0.5, 0.5], ValueError, "stds must be finite"),
        ([[0.0], [1.0]], [1.0, 1.0], [math.inf, 0.5], ValueError, "weights must be finite"),
        ([[0.0], [1.0]], [1.0, 1.0], "equal", TypeError, "weights must be numbers"),
    ],
)
def test_mixture_refuses_bad_parameters(means, stds, weights, error, words):
    with pytest.raises(error, match=words):
        GaussianMixture(means, stds, weights)


def test_mixture_refuses_bad_x_and_bad_sample_arguments():
    mix = GaussianMixture([[0.0, 0.0], [1.0, 1.0]], [1.0, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        mix.score(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="finite"):
        mix.log_prob(torch.tensor([[math.inf, 0.0]]))
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        mix.sample(0)
    with pytest.raises(TypeError, match="generator"):
        mix.sample(3, generator=0)


@pytest.mark.parametrize(
    "dist",
    [Gaussian([0.0], [[1.0]]), GaussianMixture([[0.0]], [1.0], [1.0])],
    ids=["gaussian", "mixture"],
)
@pytest.mark.parametrize("dtype", [torch.int64, "float32"])
def test_sample_refuses_a_non_float_dtype(dist, dtype):
    with pytest.raises(TypeError, match="dtype must be torch.float32 or torch.float64"):
        dist.sample(3, dtype=dtype)


def test_mixture_names_empty_means():
    with pytest.raises(ValueError, match="means must hold at least one"):
        GaussianMixture(torch.zeros(0, 2), [], [])
