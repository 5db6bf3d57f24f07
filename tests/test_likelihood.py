"""scoreedu.likelihood: the ML objective and its gradient E_data[∇θ f] - E_pθ[∇θ f]."""

import math

import pytest
import torch

from scoreedu.distributions import GaussianMixture
from scoreedu.energies import DoubleWell, NeuralEnergy, QuadraticEnergy
from scoreedu.likelihood import finite_difference_gradient, negative_log_likelihood, nll_gradient
from scoreedu.train import fit

BOUNDS = [(-6.0, 6.0)]


def bimodal_data(n=400, seed=0):
    mixture = GaussianMixture([[-1.5], [1.2]], [0.5, 0.4], [0.35, 0.65])
    return mixture, mixture.sample(n, torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_nll_of_a_gaussian_energy_matches_the_gaussian_log_likelihood():
    energy = QuadraticEnergy([0.3], [[1.7]])
    _, data = bimodal_data()
    nll = negative_log_likelihood(energy, data, [(-15.0, 15.0)], 801)
    exact = (energy(data).mean() + energy.log_partition()).item()
    assert nll.item() == pytest.approx(exact, abs=1e-9)


@pytest.mark.parametrize(
    "energy", [DoubleWell(1, 1.5, 1.2, 0.2), NeuralEnergy(1, hidden=6, alpha=0.5, seed=2)]
)
def test_gradient_formula_matches_finite_differences_and_autograd(energy):
    _, data = bimodal_data()
    formula = nll_gradient(energy, data, BOUNDS, 401)
    numeric = finite_difference_gradient(
        lambda: negative_log_likelihood(energy, data, BOUNDS, 401), energy
    )
    nll = negative_log_likelihood(energy, data, BOUNDS, 401)
    names = [name for name, _ in energy.named_parameters()]
    auto = dict(zip(names, torch.autograd.grad(nll, list(energy.parameters()))))
    for name in names:
        torch.testing.assert_close(formula[name], numeric[name], rtol=1e-6, atol=1e-7)
        torch.testing.assert_close(formula[name], auto[name], rtol=1e-10, atol=1e-12)


def test_gradient_vanishes_at_the_maximum_likelihood_gaussian():
    # For a Gaussian model, ML sets μ and Σ to the data's mean and (biased) variance.
    _, data = bimodal_data()
    mean, var = data.mean().item(), data.var(unbiased=False).item()
    grads = nll_gradient(QuadraticEnergy([mean], [[var]]), data, [(-12.0, 12.0)], 801)
    assert all(g.abs().max().item() < 1e-8 for g in grads.values())


def test_fit_by_maximum_likelihood_approaches_the_true_density():
    mixture, data = bimodal_data(1000)
    _, held_out = bimodal_data(1000, seed=1)
    energy = NeuralEnergy(1, hidden=16, alpha=0.25, gain=1.0, scale=1.5)
    before = negative_log_likelihood(energy, held_out, BOUNDS, 241).item()
    fit(
        energy,
        lambda m, x: negative_log_likelihood(m, x, BOUNDS, 241),
        data,
        n_steps=150,
        batch_size=500,
        lr=0.05,
        progress=False,
    )
    with torch.no_grad():
        after = negative_log_likelihood(energy, held_out, BOUNDS, 241).item()
    best = -mixture.log_prob(held_out).mean().item()
    assert after < before - 0.1
    assert after - best < 0.1


def test_bad_input():
    energy = DoubleWell()
    with pytest.raises(ValueError, match="data must have shape"):
        negative_log_likelihood(energy, torch.zeros(5), BOUNDS, 11)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        nll_gradient(lambda x: x.sum(1), torch.zeros(5, 1), BOUNDS, 11)
    with pytest.raises(ValueError, match="no trainable parameters"):
        nll_gradient(DoubleWell().requires_grad_(False), torch.zeros(5, 1), BOUNDS, 11)
    with pytest.raises(ValueError, match="eps"):
        finite_difference_gradient(lambda: torch.zeros(()), energy, eps=-1.0)
    assert math.isfinite(negative_log_likelihood(energy, torch.zeros(3, 1), BOUNDS, 11).item())


@pytest.mark.parametrize(
    "loss, error, match",
    [
        (lambda energy, data: energy(data), ValueError, "loss must return a 0-dim tensor"),
        (lambda energy, data: torch.tensor(math.nan), ValueError, "loss\\(\\) must be finite"),
        (lambda energy, data: "small", TypeError, "loss\\(\\) must be a number"),
    ],
    ids=["vector", "nan", "string"],
)
def test_finite_difference_gradient_names_a_bad_loss(loss, error, match):
    energy, data = DoubleWell(1), torch.randn(5, 1, dtype=torch.float64)
    with pytest.raises(error, match=match):
        finite_difference_gradient(lambda: loss(energy, data), energy)
