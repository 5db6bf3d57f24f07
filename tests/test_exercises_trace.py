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
    # The chain rule's Jacobian W2 diag(σ'(h1)) W1, D × D, and its trace.
    jac = ex.W2 @ torch.diag(ex.SIGMA_PRIME) @ ex.W1
    assert torch.trace(jac).item() == pytest.approx(expected)
    assert expected == pytest.approx(0.3)
    assert ex.check_structured_trace(0.3)
    assert "cyclic" in ex.check_structured_trace(0.6).message
    assert not ex.check_structured_trace(1.0)
