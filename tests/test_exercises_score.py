"""Chapter 2's checkers accept the right answers and explain the usual wrong ones."""

import math

import pytest
import torch

from scoreedu.exercises import score as ex


def test_expected_values_from_the_formulas():
    assert ex.gaussian_score_expected() == pytest.approx(-(3.0 - 2.0) / 0.25)
    # r_2(1) = 1 / (1 + e^(-4)) for ½ N(-2, 1) + ½ N(2, 1)
    r2 = 1 / (1 + math.exp(-4))
    assert ex.mixture_score_expected() == pytest.approx((1 - r2) * -3.0 + r2 * 1.0)
    assert ex.langevin_step_expected() == pytest.approx(0.9 + math.sqrt(0.2) * 0.5)


@pytest.mark.parametrize(
    ("checker", "right", "wrong", "words"),
    [
        (ex.check_gaussian_score, -4.0, -2.0, "variance"),
        (ex.check_gaussian_score, -4.0, 4.0, "sign"),
        (ex.check_gaussian_score, -4.0, -1.0, "spread"),
        (ex.check_gaussian_score, -4.0, 7.0, "too large"),
        (ex.check_mixture_score, 0.92806, -1.0, "posterior"),
        (ex.check_mixture_score, 0.92806, -0.92806, "sign"),
        (ex.check_mixture_score, 0.92806, 1.0, "nearest component"),
        (ex.check_langevin_step, 1.12361, 0.9 + math.sqrt(0.1) * 0.5, "√(2ε)"),
        (ex.check_langevin_step, 1.12361, 0.9, "gradient ascent"),
        (ex.check_langevin_step, 1.12361, 1.0, "square root"),
        (ex.check_langevin_step, 1.12361, 1.1 + math.sqrt(0.2) * 0.5, "-x"),
        (ex.check_langevin_step, 1.12361, "one", "should be a number"),
    ],
)
def test_number_checkers(checker, right, wrong, words):
    good = checker(right)
    assert good.correct and good.attempted and repr(good).startswith("Correct")
    bad = checker(wrong)
    assert not bad.correct and bad.attempted and words in bad.message
    assert repr(bad).startswith("Not yet")
    blank = checker(None)
    assert not blank.attempted and repr(blank).startswith("Not attempted yet")


def test_score_function_checker():
    def right(x, mean, cov):
        return -torch.linalg.solve(cov, (x - mean).T).T

    assert ex.check_gaussian_score_function(right).correct
    cases = [
        (lambda x, m, c: -right(x, m, c), "sign"),
        (lambda x, m, c: -(x - m) @ c, "precision"),
        (lambda x, m, c: right(x, m, c)[:, 0], "return (5, "),
        (lambda x, m, c: right(x, m, c) * 2, "wrong values"),
        (lambda x, m, c: 1 / 0, "ZeroDivisionError"),
        (3.0, "should be a function"),
    ]
    for answer, words in cases:
        feedback = ex.check_gaussian_score_function(answer)
        assert not feedback.correct and words in feedback.message, feedback.message
    assert not ex.check_gaussian_score_function(None).attempted


def test_score_function_checker_spans_three_dimensions_and_copies_its_inputs():
    cases = ex.gaussian_score_cases()
    assert [args[0].shape[1] for args, _ in cases] == [1, 2, 3]

    def flipped_in_place(x, mean, cov):
        x -= mean  # edits its input: the slip must be judged on a fresh copy of x
        return torch.linalg.solve(cov, x.T).T

    feedback = ex.check_gaussian_score_function(flipped_in_place)
    assert not feedback.correct and "sign" in feedback.message, feedback.message


def _right_langevin_step(energy, x, eps, z):
    x = x.clone().requires_grad_(True)
    (grad_f,) = torch.autograd.grad(energy(x).sum(), x)
    return (x - eps * grad_f + math.sqrt(2 * eps) * z).detach()


def test_langevin_step_function_checker_accepts_the_step_and_names_the_slips():
    assert ex.check_langevin_step_function(_right_langevin_step).correct
    # The cases span D = 1, 2, 3 and more than one kind of energy.
    cases = ex.langevin_step_cases()
    assert {args[1].shape[1] for args, _ in cases} == {1, 2, 3}
    slips = [
        (lambda f, x, eps, z: _right_langevin_step(f, x, eps, z / math.sqrt(2)), "√(2ε) z, not √ε"),
        (lambda f, x, eps, z: 2 * x - _right_langevin_step(f, x, eps, -z), "sign of the energy"),
        (lambda f, x, eps, z: _right_langevin_step(f, x, eps, 0 * z), "gradient ascent"),
        (lambda f, x, eps, z: _right_langevin_step(f, x, eps, z * math.sqrt(2 * eps)), "not 2ε"),
        (lambda f, x, eps, z: x, "wrong on case 1"),
        (lambda f, x, eps, z: x[:, 0], "shape"),
        (lambda f, x, eps, z: 1 / 0, "ZeroDivisionError"),
        ("x + eps", "should be a function"),
    ]
    for answer, words in slips:
        feedback = ex.check_langevin_step_function(answer)
        assert not feedback.correct and words in feedback.message, (words, feedback.message)
    assert not ex.check_langevin_step_function(None).attempted
