"""scoreedu.partition: grid quadrature in log space against closed forms and scipy, Monte Carlo."""

import math

import numpy as np
import pytest
import torch
from scipy.integrate import quad

from scoreedu.distributions import Gaussian
from scoreedu.energies import DoubleWell, MixtureEnergy, NeuralEnergy, QuadraticEnergy, Tempered
from scoreedu.partition import (
    grid_cost,
    log_partition_grid,
    log_partition_importance,
    quadrature_grid,
)


def quad_log_z(f, lo, hi, points):
    """log ∫ exp(-f) by scipy's adaptive quadrature, shifted by min f so nothing overflows."""
    f_min = min(f(x) for x in np.linspace(lo, hi, 20001))
    value, _ = quad(
        lambda x: math.exp(-(f(x) - f_min)),
        lo,
        hi,
        points=points,
        epsabs=0,
        epsrel=1e-13,
        limit=500,
    )
    return math.log(value) - f_min


@pytest.mark.parametrize("rule, n", [("trapezoid", 161), ("simpson", 161)])
def test_gaussian_2d_log_z_within_1e_6_of_closed_form(rule, n):
    energy = QuadraticEnergy([0.5, -1.0], [[2.0, 0.3], [0.3, 0.5]])
    log_z = log_partition_grid(energy, [(-12, 12), (-12, 12)], n, rule=rule)
    assert log_z.shape == () and log_z.dtype == torch.float64
    assert abs(log_z.item() - energy.log_partition().item()) < 1e-6


@pytest.mark.parametrize("temperature", [0.05, 0.02])
@pytest.mark.parametrize("rule", ["trapezoid", "simpson"])
def test_double_well_at_low_temperature_within_1e_6_of_scipy_quad(temperature, rule):
    height, center, tilt = 1.0, 1.0, 0.3
    energy = Tempered(DoubleWell(1, height, center, tilt), temperature)

    def f(x):
        return (height * ((x / center) ** 2 - 1) ** 2 + tilt * x) / temperature

    reference = quad_log_z(f, -3.0, 3.0, points=[-1.0, 1.0])
    log_z = log_partition_grid(energy, [(-3.0, 3.0)], 2001, rule=rule)
    assert abs(log_z.item() - reference) < 1e-6


def test_finite_where_exp_minus_energy_underflows_or_overflows():
    gaussian = QuadraticEnergy([0.0], [[1.0]])
    exact = gaussian.log_partition().item()
    for shift in (1e4, -1e4):
        # exp(-1e4) is 0 and exp(1e4) is inf in float64, yet log Z is just shifted by -shift.
        log_z = log_partition_grid(lambda x, s=shift: gaussian(x) + s, [(-10, 10)], 401)
        assert torch.isfinite(log_z)
        assert log_z.item() == pytest.approx(exact - shift, abs=1e-8)


def test_mixture_energy_has_log_z_zero_in_2d():
    energy = MixtureEnergy([[-1.0, 0.0], [2.0, 1.0]], [0.5, 1.0], [0.3, 0.7])
    assert abs(log_partition_grid(energy, [(-9, 9), (-8, 9)], 241).item()) < 1e-8


def test_double_well_factorises_over_dimensions():
    one = log_partition_grid(DoubleWell(1, tilt=0.3), [(-3, 3)], 61).item()
    three = log_partition_grid(DoubleWell(3, tilt=0.3), [(-3, 3)] * 3, 61).item()
    assert three == pytest.approx(3 * one, abs=1e-10)


def test_neural_energy_log_z_within_the_bound():
    energy = NeuralEnergy(2, seed=1)
    log_z = log_partition_grid(energy, [(-9, 9)] * 2, 241).item()
    bowl = math.log(2 * math.pi / energy.alpha)
    assert abs(log_z - bowl) <= energy.network_bound()


def test_chunking_does_not_change_the_answer():
    energy = DoubleWell(2, tilt=0.2)
    whole = log_partition_grid(energy, [(-3, 3)] * 2, 51)
    chunked = log_partition_grid(energy, [(-3, 3)] * 2, 51, chunk_size=97)
    assert abs(whole.item() - chunked.item()) < 1e-12


def test_quadrature_weights_integrate_constants_and_polynomials():
    # Σ w = box volume for both rules; Simpson is exact for cubics.
    for rule in ("trapezoid", "simpson"):
        chunks = list(quadrature_grid([(-1, 2), (0, 1)], 11, rule=rule, chunk_size=17))
        log_w = torch.cat([w for _, w in chunks])
        points = torch.cat([p for p, _ in chunks])
        assert points.shape == (121, 2)
        assert torch.exp(log_w).sum().item() == pytest.approx(3.0, rel=1e-12)
    points, log_w = next(quadrature_grid([(0, 2)], 5, rule="simpson"))
    assert (torch.exp(log_w) * points[:, 0] ** 3).sum().item() == pytest.approx(4.0, rel=1e-12)


def test_float32_grid_and_gradient_in_theta():
    energy = DoubleWell(1, tilt=0.3)
    log_z32 = log_partition_grid(energy, [(-3, 3)], 401, dtype=torch.float32)
    log_z64 = log_partition_grid(energy, [(-3, 3)], 401)
    assert log_z32.dtype == torch.float64 and abs(log_z32.item() - log_z64.item()) < 1e-5
    # ∂ log Z / ∂ tilt = -E_p[x]: compare autograd with the grid's own expectation.
    (grad,) = torch.autograd.grad(log_z64, [energy.tilt])
    points, log_w = next(quadrature_grid([(-3, 3)], 401))
    with torch.no_grad():
        p = torch.softmax(log_w - energy(points), 0)
    assert grad.item() == pytest.approx(-(p * points[:, 0]).sum().item(), abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"bounds": [(1, 1)]}, r"bounds\[0\] = \(1.0, 1.0\) is empty"),
        ({"bounds": [(0, 1), (2, -2)]}, r"bounds\[1\].*lo < hi"),
        ({"bounds": []}, "at least one"),
        ({"bounds": [(0, float("inf"))]}, "finite"),
        ({"n_per_dim": 1}, "n_per_dim must be an int >= 2"),
        ({"rule": "midpoint"}, "rule must be one of"),
        ({"rule": "simpson", "n_per_dim": 10}, "odd n_per_dim"),
        ({"energy": lambda x: x}, r"energy must return shape \(N,\)"),
        ({"energy": lambda x: x.sum(1)[:-1]}, r"energy must return shape \(N,\)"),
        ({"energy": lambda x: x.sum(1) * float("nan")}, "NaN or inf"),
        ({"energy": lambda x: x.sum(1) * float("inf")}, "NaN or inf"),
        ({"bounds": [(-1, 1)] * 12, "n_per_dim": 100}, "curse of dimensionality"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, match):
    args = {"energy": lambda x: (x**2).sum(1), "bounds": [(-1, 1)], "n_per_dim": 11}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        log_partition_grid(**args)


def test_bad_types_are_refused():
    with pytest.raises(TypeError, match="energy must be callable"):
        log_partition_grid(3.0, [(-1, 1)], 11)
    with pytest.raises(TypeError, match="bounds must be a sequence"):
        log_partition_grid(lambda x: x.sum(1), 5, 11)
    with pytest.raises(TypeError, match="n_per_dim"):
        log_partition_grid(lambda x: x.sum(1), [(-1, 1)], 10.5)


def test_importance_sampling_is_unbiased_within_its_standard_error():
    energy = QuadraticEnergy([0.5, -1.0], [[2.0, 0.3], [0.3, 0.5]])
    proposal = Gaussian([0.0, 0.0], [[4.0, 0.0], [0.0, 4.0]])
    exact = energy.log_partition().item()
    errors = []
    for seed in range(20):
        log_z, se = log_partition_importance(
            energy, proposal, 4000, generator=torch.Generator().manual_seed(seed)
        )
        assert log_z.shape == () and se.shape == () and 0 < se.item() < 0.1
        errors.append((log_z.item() - exact) / se.item())
    # Standardised errors: mean near 0, spread near 1 (generous bands for 20 draws).
    assert abs(np.mean(errors)) < 0.8 and 0.5 < np.std(errors) < 1.6


def test_importance_sampling_batches_are_independent_estimates():
    energy = QuadraticEnergy([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    proposal = Gaussian([0.0, 0.0], [[2.0, 0.0], [0.0, 2.0]])
    log_z, se = log_partition_importance(
        energy, proposal, 500, torch.Generator().manual_seed(0), batches=4
    )
    assert log_z.shape == (4,) and se.shape == (4,)
    assert len(set(log_z.tolist())) == 4
    # The same draws, one batch at a time, give the same estimates.
    generator = torch.Generator().manual_seed(0)
    x = proposal.sample(2000, generator=generator, dtype=torch.float64)
    first = torch.logsumexp(-energy(x[:500]) - proposal.log_prob(x[:500]), 0) - math.log(500)
    assert log_z[0].item() == pytest.approx(first.item(), abs=1e-12)


def test_importance_sampling_error_grows_with_dimension():
    def rel_error(dim):
        energy = QuadraticEnergy(torch.zeros(dim), torch.eye(dim))
        proposal = Gaussian(torch.zeros(dim), 4 * torch.eye(dim))
        log_z, _ = log_partition_importance(
            energy, proposal, 2000, torch.Generator().manual_seed(0), batches=10
        )
        return (log_z - energy.log_partition()).abs().mean().item()

    assert rel_error(16) > 5 * rel_error(1)


def test_importance_sampling_bad_input():
    energy = QuadraticEnergy([0.0], [[1.0]])
    with pytest.raises(TypeError, match="proposal must have a .sample"):
        log_partition_importance(energy, object(), 10)
    with pytest.raises(ValueError, match="n_samples"):
        log_partition_importance(energy, Gaussian([0.0], [[1.0]]), 1)
    with pytest.raises(ValueError, match="batches"):
        log_partition_importance(energy, Gaussian([0.0], [[1.0]]), 10, batches=0)


def test_grid_cost_arithmetic():
    log10_evals, log10_years = grid_cost(10, 784, 1e-9)
    assert log10_evals == pytest.approx(784.0)
    assert log10_years == pytest.approx(784 - 9 - math.log10(365.25 * 86400))
    with pytest.raises(ValueError, match="dim"):
        grid_cost(10, 0, 1e-9)


@pytest.mark.gpu
def test_grid_on_cuda():
    energy = QuadraticEnergy([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], device="cuda")
    log_z = log_partition_grid(energy, [(-9, 9)] * 2, 121)
    assert log_z.device.type == "cuda"
    assert abs(log_z.item() - energy.log_partition().item()) < 1e-6


def test_log_partition_grid_refuses_a_bad_max_points():
    with pytest.raises(TypeError, match="max_points"):
        log_partition_grid(lambda x: 0.5 * (x**2).sum(1), [(-1, 1)], 11, max_points="many")


def test_log_partition_importance_refuses_an_integer_dtype():
    with pytest.raises(TypeError, match="dtype must be"):
        log_partition_importance(
            lambda x: 0.5 * (x**2).sum(1), Gaussian([0.0], [[1.0]]), 10, dtype=torch.int64
        )
