"""autograd_score: the gradient of a log-density, normalised or not, by autograd."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.energies import NeuralEnergy
from scoreedu.score import autograd_score, curl_2d

DTYPES = [torch.float32, torch.float64]


def central_differences(log_density, x, h=1e-5):
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    return torch.stack(
        [(log_density(x + h * e) - log_density(x - h * e)) / (2 * h) for e in eye], 1
    )


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), d=st.integers(1, 5))
def test_quadratic_energy_score_is_minus_its_gradient(seed, d):
    # f(x) = ½ xᵀ A x + bᵀ x, so ∇x log p = -∇f = -(A x + b) for symmetric A.
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(d, d, generator=g, dtype=torch.float64)
    a = a + a.T
    b = torch.randn(d, generator=g, dtype=torch.float64)
    x = torch.randn(6, d, generator=g, dtype=torch.float64)

    def neg_energy(x):
        return -(0.5 * ((x @ a) * x).sum(1) + x @ b)

    expected = -(x @ a + b)
    torch.testing.assert_close(autograd_score(neg_energy, x), expected)
    torch.testing.assert_close(central_differences(neg_energy, x), expected, rtol=1e-6, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    log_z=st.floats(-1e3, 1e3, allow_nan=False),
)
def test_the_normalising_constant_drops_out(seed, log_z):
    # log p = -f - log Z: any constant log Z leaves the score unchanged.
    g = torch.Generator().manual_seed(seed)
    mix = GaussianMixture(torch.randn(3, 2, generator=g), [0.5, 1.0, 2.0], [0.2, 0.3, 0.5])
    x = 2 * torch.randn(8, 2, generator=g, dtype=torch.float64)
    shifted = autograd_score(lambda x: mix.log_prob(x) + log_z, x)
    torch.testing.assert_close(shifted, mix.score(x), rtol=1e-9, atol=1e-9)


def test_unnormalised_gaussian_gives_the_normalised_score():
    # exp(-½ (x-μ)ᵀ Σ⁻¹ (x-μ)) without its 1/sqrt(det 2πΣ) has the same score as N(μ, Σ).
    gauss = Gaussian([1.0, -0.5], [[1.0, 0.4], [0.4, 0.5]])
    x = torch.randn(10, 2, dtype=torch.float64)

    def unnormalised(x):
        diff = x - gauss.mean
        return -0.5 * ((diff @ gauss.precision) * diff).sum(1)

    torch.testing.assert_close(autograd_score(unnormalised, x), gauss.score(x))
    torch.testing.assert_close(autograd_score(gauss.log_prob, x), gauss.score(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_follows_dtype_and_device_and_leaves_x_alone(dtype, device):
    x = torch.randn(5, 3, dtype=dtype, device=device)
    before = x.clone()
    score = autograd_score(lambda x: -0.5 * (x**2).sum(1), x)
    assert score.dtype == dtype and score.device == x.device
    torch.testing.assert_close(score, -x)
    assert torch.equal(x, before) and not x.requires_grad and x.grad is None
    assert not score.requires_grad


def test_works_inside_no_grad():
    with torch.no_grad():
        score = autograd_score(lambda x: -(x**4).sum(1), torch.ones(2, 2))
    torch.testing.assert_close(score, torch.full((2, 2), -4.0))


def test_create_graph_gives_second_derivatives():
    # The Laplacian of log N(μ, Σ) is -tr Σ⁻¹ everywhere.
    gauss = Gaussian([0.0, 0.0], [[2.0, 0.0], [0.0, 0.5]])
    x = torch.randn(4, 2, dtype=torch.float64).requires_grad_(True)
    score = autograd_score(gauss.log_prob, x, create_graph=True)
    lap = sum(
        torch.autograd.grad(score[:, j].sum(), x, retain_graph=True)[0][:, j] for j in range(2)
    )
    torch.testing.assert_close(lap, torch.full((4,), -2.5, dtype=torch.float64))


@pytest.mark.parametrize("dtype", DTYPES)
def test_finite_far_from_the_modes(dtype):
    mix = GaussianMixture([[-1.0, 0.0], [1.0, 0.0]], [0.05, 0.2], [0.5, 0.5])
    x = torch.tensor([[60.0, 0.0], [-60.0, 60.0]], dtype=dtype)
    score = autograd_score(mix.log_prob, x)
    assert torch.isfinite(score).all()
    torch.testing.assert_close(score, mix.score(x), rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize(
    ("log_density", "x", "error", "words"),
    [
        ("not a function", torch.zeros(2, 2), TypeError, "log_density must be callable"),
        (lambda x: x, torch.zeros(2, 2), ValueError, r"log_density must return shape \(N,\)"),
        (lambda x: x.sum(), torch.zeros(2, 2), ValueError, r"shape \(N,\) = \(2,\)"),
        (lambda x: x.sum(1) / 0.0, torch.ones(2, 2), ValueError, "NaN or inf"),
        (lambda x: x.sum(1), torch.zeros(3), ValueError, r"x must have shape \(N, D\)"),
        (lambda x: x.sum(1), torch.zeros(0, 2), ValueError, "at least one row"),
        (lambda x: x.sum(1), torch.tensor([[math.nan, 0.0]]), ValueError, "x must be finite"),
        (lambda x: x.sum(1), torch.zeros(2, 2, dtype=torch.long), TypeError, "float32 or"),
        (lambda x: x.sum(1), [[0.0, 0.0]], TypeError, "x must be a torch.Tensor"),
    ],
)
def test_refuses_bad_input(log_density, x, error, words):
    with pytest.raises(error, match=words):
        autograd_score(log_density, x)


@pytest.mark.parametrize(
    "log_density",
    [lambda x: torch.ones(x.shape[0]), lambda x: (x.detach() ** 2).sum(1)],
    ids=["constant", "detached"],
)
def test_autograd_score_names_a_log_density_without_a_graph(log_density):
    with pytest.raises(ValueError, match="log_density's output does not depend on x"):
        autograd_score(log_density, torch.randn(4, 2))


def test_curl_of_a_gradient_field_is_zero_and_of_a_rotation_is_two():
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    mix = GaussianMixture([[-1.0, 0.0], [1.0, 1.0]], [0.5, 1.0], [0.3, 0.7])
    assert curl_2d(mix.score, x).abs().max() < 1e-12
    energy = NeuralEnergy(dim=2)
    learned = curl_2d(lambda y: autograd_score(lambda t: -energy(t), y, create_graph=True), x)
    assert learned.abs().max() < 1e-10
    # s(x) = (-x₂, x₁) turns around the origin: ∂s₂/∂x₁ - ∂s₁/∂x₂ = 1 - (-1) = 2.
    rotation = curl_2d(lambda y: torch.stack([-y[:, 1], y[:, 0]], 1), x)
    torch.testing.assert_close(rotation, torch.full((64,), 2.0, dtype=torch.float64))


def test_curl_refuses_bad_input():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        curl_2d(lambda y: y, torch.zeros(4, 3))
    with pytest.raises(ValueError, match="score must return the shape of x"):
        curl_2d(lambda y: y[:, 0], torch.zeros(4, 2))
    with pytest.raises(TypeError, match="score must be callable"):
        curl_2d(3, torch.zeros(4, 2))


def test_curl_names_a_score_that_cannot_be_differentiated():
    with pytest.raises(ValueError, match="score"):
        curl_2d(lambda y: y.detach() * 2, torch.zeros(4, 2))
