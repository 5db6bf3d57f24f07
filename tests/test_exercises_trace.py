"""Chapter 4's exercise checkers accept the right answers and explain the likely wrong ones."""

import pytest
import torch

from scoreedu.cost import hutchinson_variance
from scoreedu.exercises import trace as ex
from scoreedu.trace import jacobian_trace


@pytest.mark.parametrize(
    "check", [ex.check_backward_passes, ex.check_rademacher_variance, ex.check_structured_trace]
)
def test_none_is_not_attempted_and_junk_is_explained(check):
    feedback = check(None)
    assert not feedback and not feedback.attempted
    assert repr(feedback).startswith("Not attempted yet")
    assert "number" in check("many").message


def test_backward_passes():
    assert ex.check_backward_passes(12288)
    assert ex.check_backward_passes(64 * 64 * 3.0)
    assert "seed post" in ex.check_backward_passes(64).message
    assert "three" in ex.check_backward_passes(4096).message
    assert not ex.check_backward_passes(3)


def test_rademacher_variance_agrees_with_the_package_and_sampling():
    expected = ex.hutchinson_rademacher_variance()
    assert expected == pytest.approx(4.0)
    assert hutchinson_variance(ex.JACOBIAN[None], "rademacher").item() == pytest.approx(expected)
    gen = torch.Generator().manual_seed(0)
    x = torch.zeros(20000, 2, dtype=torch.float64)
    draws = jacobian_trace(
        lambda x: x @ ex.JACOBIAN.T, x, "hutchinson", generator=gen, probe="rademacher"
    )
    assert draws.var().item() == pytest.approx(expected, rel=0.05)
    assert ex.check_rademacher_variance(4)
    assert "Gaussian" in ex.check_rademacher_variance(30).message
    assert "symmetric" in ex.check_rademacher_variance(20).message
    assert not ex.check_rademacher_variance(5)


def test_structured_trace_agrees_with_autograd():
    expected = ex.structured_depth_one_trace()
    # The chain rule's Jacobian W2 diag(φ'(h1)) W1, D × D, and its trace.
    jac = ex.W2 @ torch.diag(ex.PHI_PRIME) @ ex.W1
    assert torch.trace(jac).item() == pytest.approx(expected)
    assert expected == pytest.approx(0.3)
    assert ex.check_structured_trace(0.3)
    assert "cyclic" in ex.check_structured_trace(0.6).message
    assert not ex.check_structured_trace(1.0)


def _vjp(f, x, v):
    x = x.detach().requires_grad_(True)
    (vjp,) = torch.autograd.grad(f(x), x, grad_outputs=v)
    return vjp


def test_hutchinson_accepts_right_code_and_names_the_slips():
    assert ex.check_hutchinson(lambda f, x, v: (_vjp(f, x, v) * v).sum(1))
    slips = {
        "exact trace": lambda f, x, v: jacobian_trace(f, x.detach(), "loop").detach(),
        "no derivative": lambda f, x, v: (f(x) * v).sum(1),
        "summed the entries": lambda f, x, v: _vjp(f, x, v).sum(1),
        "‖vᵀ ∇x f‖²": lambda f, x, v: (_vjp(f, x, v) ** 2).sum(1),
    }
    for words, wrong in slips.items():
        feedback = ex.check_hutchinson(wrong)
        assert not feedback and words in feedback.message, (words, feedback)
    assert "shape" in ex.check_hutchinson(lambda f, x, v: (_vjp(f, x, v) * v).sum()).message
    assert not ex.check_hutchinson(None).attempted
    assert "case 1" in ex.check_hutchinson(lambda f, x, v: (_vjp(f, x, v) * v).sum(1) + 1).message


def test_hutchinson_cases_average_to_the_trace():
    # the reference is one probe of an unbiased estimator: over many probes it is the trace
    (f, x, _), _ = ex._hutchinson_cases()[1]
    v = torch.randn(4000, *x.shape, generator=torch.Generator().manual_seed(0), dtype=x.dtype)
    estimates = torch.stack([ex.hutchinson_estimate(f, x, vi) for vi in v[:400]])
    exact = jacobian_trace(f, x, "loop").detach()
    error = estimates.std(0) / 20
    assert ((estimates.mean(0) - exact).abs() < 4 * error).all()


def test_hutchinson_estimate_names_a_probe_of_the_wrong_shape():
    with pytest.raises(ValueError, match="v must"):
        ex.hutchinson_estimate(lambda t: t**2, torch.ones(3, 2), torch.ones(3, 5))
    with pytest.raises(TypeError, match="f must be callable"):
        ex.hutchinson_estimate(None, torch.ones(3, 2), torch.ones(3, 2))
