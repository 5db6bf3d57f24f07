"""scoreedu.gradient_field: a ScoreMLP's Jacobian is not symmetric, an energy's score's is."""

import pytest
import torch

from scoreedu import gradient_field as gf
from scoreedu.energies import NeuralEnergy
from scoreedu.nets import ScoreMLP
from scoreedu.trace import batch_jacobian, jacobian_trace


def test_parts_add_up_and_only_the_symmetric_part_reaches_quadratic_forms():
    a = torch.randn(7, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    sym, anti = gf.symmetric_part(a), gf.antisymmetric_part(a)
    torch.testing.assert_close(sym + anti, a)
    torch.testing.assert_close(sym, sym.transpose(1, 2))
    v = torch.randn(7, 4, dtype=torch.float64)
    quad = torch.einsum("ni,nij,nj->n", v, a, v)
    torch.testing.assert_close(quad, torch.einsum("ni,nij,nj->n", v, sym, v))
    assert torch.einsum("ni,nij,nj->n", v, anti, v).abs().max() < 1e-12
    assert anti.abs().max() > 0.5  # the antisymmetric part is not small, only invisible


def test_asymmetry_is_zero_for_a_hessian_and_large_for_an_mlp():
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    energy = NeuralEnergy(2, hidden=16, seed=0)
    hessian = gf.loop_jacobian(gf.energy_score(energy), x)
    assert gf.asymmetry(hessian).max() < 1e-12
    torch.manual_seed(0)
    net = ScoreMLP(2, hidden=32, dtype=torch.float64)
    assert gf.asymmetry(batch_jacobian(net, x)).min() > 0.05
    antisym = torch.tensor([[0.0, 1.0], [-1.0, 0.0]])
    assert gf.asymmetry(antisym).item() == pytest.approx(1.0)
    assert gf.asymmetry(torch.zeros(3, 2, 2)).tolist() == [0.0, 0.0, 0.0]


def test_loop_jacobian_matches_torch_func_and_the_energy_score_is_minus_the_hessian():
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    torch.manual_seed(1)
    net = ScoreMLP(3, hidden=8, dtype=torch.float64)
    torch.testing.assert_close(gf.loop_jacobian(net, x), batch_jacobian(net, x).detach())
    energy = NeuralEnergy(3, hidden=8, seed=3)
    jac = gf.loop_jacobian(gf.energy_score(energy), x)
    for xi, ji in zip(x, jac):
        hess = torch.autograd.functional.hessian(lambda t: energy(t[None])[0], xi)
        torch.testing.assert_close(ji, -hess)


def test_the_laplacian_closed_form_is_minus_the_trace_of_the_energy_score():
    x = torch.randn(9, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    energy = NeuralEnergy(2, hidden=12, alpha=0.5, seed=1)
    trace = jacobian_trace(gf.energy_score(energy), x, method="loop").detach()
    torch.testing.assert_close(gf.neural_energy_laplacian(energy, x), -trace)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="a must have shape"):
        gf.symmetric_part(torch.zeros(2, 3))
    with pytest.raises(TypeError, match="a must be a floating"):
        gf.asymmetry([[1.0]])
    with pytest.raises(TypeError, match="energy must be"):
        gf.energy_score(3)
    with pytest.raises(TypeError, match="NeuralEnergy"):
        gf.neural_energy_laplacian(ScoreMLP(2), torch.zeros(1, 2))
    with pytest.raises(ValueError, match="x must have shape"):
        gf.loop_jacobian(lambda t: t, torch.zeros(3))


def test_everything_follows_the_device(device):
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    x = x.to(device)
    energy = NeuralEnergy(2, hidden=8, seed=2, device=device)
    jac = gf.loop_jacobian(gf.energy_score(energy), x)
    assert jac.device.type == device.type and jac.shape == (4, 2, 2)
    assert gf.asymmetry(jac).max() < 1e-12
    laplacian = gf.neural_energy_laplacian(energy, x)
    assert laplacian.device.type == device.type
    torch.testing.assert_close(laplacian, -torch.diagonal(jac, dim1=1, dim2=2).sum(1))


def test_jacobians_must_be_float_and_finite_and_f_differentiable():
    with pytest.raises(TypeError, match="a must be float32 or float64"):
        gf.antisymmetric_part(torch.zeros(2, 2, dtype=torch.float16))
    with pytest.raises(ValueError, match="a must be finite"):
        gf.asymmetry(torch.tensor([[float("nan"), 0.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="f's output does not depend on x"):
        gf.loop_jacobian(lambda t: t.detach() ** 2, torch.ones(3, 2))
