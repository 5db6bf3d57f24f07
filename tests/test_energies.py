"""scoreedu.energies: shapes, closed forms, dtypes and devices, gradients in θ, bad input."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreedu.distributions import Gaussian
from scoreedu.energies import DoubleWell, MixtureEnergy, NeuralEnergy, QuadraticEnergy, Tempered


def all_energies(device="cpu"):
    return [
        QuadraticEnergy([0.5, -1.0], [[2.0, 0.3], [0.3, 0.5]], device=device),
        DoubleWell(2, height=1.5, center=1.2, tilt=0.3, device=device),
        MixtureEnergy([[-1.0, 0.0], [2.0, 1.0]], [0.5, 1.0], [0.3, 0.7], device=device),
        NeuralEnergy(2, hidden=8, device=device),
        Tempered(DoubleWell(2), 0.5),
    ]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_every_energy_maps_n_by_d_to_n_in_the_dtype_and_device_of_x(dtype, device):
    x = torch.randn(7, 2, dtype=dtype, device=device)
    for energy in all_energies(device):
        f = energy(x)
        assert f.shape == (7,) and f.dtype == dtype and f.device == x.device
        assert torch.isfinite(f).all()


@given(st.lists(st.floats(-5, 5), min_size=6, max_size=6))
@settings(max_examples=25, deadline=None)
def test_quadratic_energy_is_minus_gaussian_log_prob_up_to_log_z(values):
    mean, cov = [0.5, -1.0], [[2.0, 0.3], [0.3, 0.5]]
    energy, gaussian = QuadraticEnergy(mean, cov), Gaussian(mean, cov)
    x = torch.tensor(values, dtype=torch.float64).reshape(3, 2)
    # log p = -f - log Z: the Gaussian's log-density fixes the closed-form log Z.
    torch.testing.assert_close(
        -energy(x) - energy.log_partition(), gaussian.log_prob(x), rtol=1e-12, atol=1e-12
    )


def test_quadratic_log_partition_closed_form():
    energy = QuadraticEnergy([0.0], [[4.0]])
    assert energy.log_partition().item() == pytest.approx(0.5 * math.log(2 * math.pi * 4), 1e-14)


def test_double_well_values_and_factorisation():
    well = DoubleWell(1, height=2.0, center=1.5, tilt=0.0)
    x = torch.tensor([[1.5], [-1.5], [0.0]], dtype=torch.float64)
    torch.testing.assert_close(well(x), torch.tensor([0.0, 0.0, 2.0], dtype=torch.float64))
    tilted = DoubleWell(2, tilt=0.5)
    x2 = torch.randn(5, 2, dtype=torch.float64)
    one = DoubleWell(1, tilt=0.5)
    torch.testing.assert_close(tilted(x2), one(x2[:, :1]) + one(x2[:, 1:]))


def test_mixture_energy_is_minus_the_mixture_log_prob():
    energy = MixtureEnergy([[-1.0, 0.0], [2.0, 1.0]], [0.5, 1.0], [0.3, 0.7])
    x = torch.randn(20, 2, dtype=torch.float64) * 5
    torch.testing.assert_close(-energy(x), energy.mixture().log_prob(x), rtol=1e-12, atol=1e-12)
    assert energy.log_partition().item() == 0.0
    far = torch.full((1, 2), 60.0, dtype=torch.float64)
    assert torch.isfinite(energy(far)).all()


def test_neural_energy_is_seeded_and_confined():
    a, b = NeuralEnergy(2, seed=3), NeuralEnergy(2, seed=3)
    x = torch.randn(4, 2, dtype=torch.float64)
    torch.testing.assert_close(a(x), b(x))
    assert not torch.equal(a(x), NeuralEnergy(2, seed=4)(x))
    # |network part| <= B, so f lies within B of the bowl ½α‖x‖².
    bowl = 0.5 * a.alpha * (x**2).sum(1)
    assert ((a(x) - bowl).abs() <= a.network_bound() + 1e-12).all()


def test_tempered_divides_by_temperature():
    well = DoubleWell(1, tilt=0.4)
    x = torch.randn(6, 1, dtype=torch.float64)
    torch.testing.assert_close(Tempered(well, 0.25)(x), well(x) / 0.25)


def test_energies_are_differentiable_in_their_parameters():
    x = torch.randn(5, 2, dtype=torch.float64)
    for energy in all_energies():
        params = [p for p in energy.parameters()]
        grads = torch.autograd.grad(energy(x).sum(), params)
        assert all(torch.isfinite(g).all() for g in grads)
        assert any(g.abs().sum() > 0 for g in grads)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: QuadraticEnergy([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
        (lambda: QuadraticEnergy([0.0, 0.0], [[1.0, 0.0]]), "cov must have shape"),
        (lambda: QuadraticEnergy([[0.0]], [[1.0]]), "mean must have shape"),
        (lambda: QuadraticEnergy([float("nan")], [[1.0]]), "mean must be finite"),
        (lambda: DoubleWell(1, height=-1.0), "height"),
        (lambda: DoubleWell(1, center=0.0), "center"),
        (lambda: DoubleWell(0), "dim"),
        (lambda: MixtureEnergy([[0.0]], [1.0], [0.5]), "weights must sum to 1"),
        (lambda: NeuralEnergy(1, alpha=0.0), "alpha"),
        (lambda: Tempered(DoubleWell(), 0.0), "temperature"),
    ],
)
def test_bad_construction_is_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_x_is_refused():
    well = DoubleWell(2)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        well(torch.zeros(3, 1))
    with pytest.raises(ValueError, match="shape"):
        well(torch.zeros(3))
    with pytest.raises(TypeError, match="float32 or float64"):
        well(torch.zeros(3, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match="finite"):
        well(torch.tensor([[float("nan"), 0.0]]))
    with pytest.raises(TypeError, match="dtype"):
        DoubleWell(1, dtype=torch.int32)


@pytest.mark.gpu
def test_energies_on_cuda():
    x = torch.randn(5, 2, device="cuda")
    for energy in all_energies("cuda"):
        assert energy(x).device.type == "cuda"


@pytest.mark.parametrize("cov", ["abc", None])
def test_quadratic_energy_names_a_non_numeric_cov(cov):
    with pytest.raises(TypeError, match="cov must be numbers"):
        QuadraticEnergy([0.0], cov)
