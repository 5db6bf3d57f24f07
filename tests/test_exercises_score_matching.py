"""Chapter 3's checkers accept the right answers and say what is wrong with the usual wrong ones."""

import math

import torch

from scoreedu.exercises import score_matching as ex


def test_not_attempted():
    for check in (
        ex.check_constant,
        ex.check_half_normal_minimiser,
        ex.check_regularised_precision,
    ):
        feedback = check(None)
        assert not feedback.attempted and "Not attempted yet" in repr(feedback)
    assert not ex.check_precision(None, torch.randn(10, 2)).attempted


def test_constant():
    assert ex.check_constant(0.125)
    assert "without the ½" in repr(ex.check_constant(0.25))
    assert "E[x²] = σ² = 4" in repr(ex.check_constant(1 / 32))
    assert "too large" in repr(ex.check_constant(7.0))
    assert "should be a number" in repr(ex.check_constant("C"))


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


def test_half_normal_minimiser():
    assert ex.check_half_normal_minimiser(math.sqrt(2 / math.pi))
    assert "explicit objective" in repr(ex.check_half_normal_minimiser(0.0))
    assert "too small" in repr(ex.check_half_normal_minimiser(0.5))


def test_regularised_precision():
    assert ex.check_regularised_precision(2 / 3)
    assert "unregularised" in repr(ex.check_regularised_precision(1.0))
    assert "2λP" in repr(ex.check_regularised_precision(0.8))
