"""Chapter 3's checkers accept the right answers and say what is wrong with the usual wrong ones."""

import math

import pytest
import torch

from scoreedu.exercises import score_matching as ex
from scoreedu.objectives import implicit_score_matching


def test_not_attempted():
    for check in (
        ex.check_implicit_objective,
        ex.check_truncated_minimiser,
        ex.check_regularised_precision,
    ):
        feedback = check(None)
        assert not feedback.attempted and "Not attempted yet" in repr(feedback)
    assert not ex.check_precision(None, torch.randn(10, 2)).attempted


def _values_and_derivative(model, x):
    x = x.detach().requires_grad_(True)
    s = model(x)[:, 0]
    (ds,) = torch.autograd.grad(s.sum(), x)
    return s, ds[:, 0]


def test_implicit_objective_accepts_right_code_and_names_the_slips():
    def right(model, x):
        s, ds = _values_and_derivative(model, x)
        return (0.5 * s**2 + ds).mean()

    def by_the_package(model, x):
        return implicit_score_matching(model, x, trace_method="loop")

    assert ex.check_implicit_objective(right)
    assert ex.check_implicit_objective(by_the_package)
    slips = {
        "½": lambda s, ds: (s**2 + ds).mean(),
        "plus sign": lambda s, ds: (0.5 * s**2 - ds).mean(),
        "mean": lambda s, ds: (0.5 * s**2 + ds).sum(),
        "Kingma": lambda s, ds: (0.5 * s**2 + ds**2).mean(),
        "derivative of ½s²": lambda s, ds: (0.5 * s**2 + s * ds).mean(),
        "only the model term": lambda s, ds: (0.5 * s**2).mean(),
    }
    for words, formula in slips.items():
        feedback = ex.check_implicit_objective(
            lambda model, x, formula=formula: formula(*_values_and_derivative(model, x))
        )
        assert not feedback and words in feedback.message, (words, feedback)
    assert "case 1" in ex.check_implicit_objective(lambda model, x: torch.tensor(3.0)).message
    assert "raised" in ex.check_implicit_objective(lambda model, x: 1 / 0).message


def test_precision():
    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x[:, 1] += 0.5 * x[:, 0]
    centred = x - x.mean(0)
    cov = centred.T @ centred / 200
    assert ex.check_precision(torch.linalg.inv(cov), x)
    assert ex.check_precision(torch.linalg.inv(cov).tolist(), x)
    assert "covariance S itself" in repr(ex.check_precision(cov, x))
    unbiased = centred.T @ centred / 199
    assert "N − 1" in repr(ex.check_precision(torch.linalg.inv(unbiased), x))
    assert "gradient" in repr(ex.check_precision(torch.eye(2), x))
    assert "matrix" in repr(ex.check_precision([1.0, 2.0, 3.0], x))


def test_regularised_precision():
    assert ex.check_regularised_precision(2 / 3)
    assert "unregularised" in repr(ex.check_regularised_precision(1.0))
    assert "2λP" in repr(ex.check_regularised_precision(0.8))


def test_truncated_minimiser():
    expected = 0.24197072451914337 / 0.15865525393145707  # φ(1) / (1 − Φ(1))
    assert ex.check_truncated_minimiser(expected)
    assert ex.check_truncated_minimiser(1.525)  # 4 significant digits, as asked
    assert "close" in repr(ex.check_truncated_minimiser(1.5))
    assert "explicit objective" in repr(ex.check_truncated_minimiser(0.0))
    assert "edge of the support" in repr(ex.check_truncated_minimiser(1.0))
    assert "half-normal" in repr(ex.check_truncated_minimiser(math.sqrt(2 / math.pi)))


def test_implicit_objective_names_a_batch_of_the_wrong_shape():
    with pytest.raises(ValueError, match="x must have shape"):
        ex.implicit_objective_1d(lambda t: t, torch.ones(4, 2))
    with pytest.raises(TypeError, match="model must be callable"):
        ex.implicit_objective_1d(3, torch.ones(4, 1))
