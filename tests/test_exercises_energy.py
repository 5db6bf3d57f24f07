"""Chapter 1's checkers accept the right answers and explain the usual wrong ones."""

import math

import pytest

from scoreedu.exercises.energy import (
    check_gaussian_log_partition,
    check_grid_evaluations,
    check_ml_gradient,
    check_shifted_log_partition,
)

CHECKERS = [
    check_gaussian_log_partition,
    check_shifted_log_partition,
    check_grid_evaluations,
    check_ml_gradient,
]


@pytest.mark.parametrize("checker", CHECKERS)
def test_none_is_not_attempted(checker):
    feedback = checker(None)
    assert not feedback.attempted and not feedback
    assert repr(feedback).startswith("Not attempted yet:")


@pytest.mark.parametrize("checker", CHECKERS)
def test_nonsense_is_wrong_with_a_message(checker):
    for answer in ("abc", float("nan"), 123456.0):
        feedback = checker(answer)
        assert feedback.attempted and not feedback and feedback.message


@pytest.mark.parametrize(
    "checker, right",
    [
        (check_gaussian_log_partition, 1.5 * math.log(2 * math.pi * 4)),
        (check_shifted_log_partition, -5.0),
        (check_grid_evaluations, 100.0**10),
        (check_ml_gradient, 0.5),
    ],
)
def test_right_answers_are_accepted(checker, right):
    feedback = checker(right)
    assert feedback and repr(feedback).startswith("Correct")


@pytest.mark.parametrize(
    "checker, wrong, hint",
    [
        (check_gaussian_log_partition, 0.5 * math.log(2 * math.pi * 4), "1-D value"),
        (check_gaussian_log_partition, 1.5 * math.log(2 * math.pi * 2), "variance"),
        (check_gaussian_log_partition, 1.5 * math.log(4), "2π"),
        (check_gaussian_log_partition, (2 * math.pi * 4) ** 1.5, "that is Z itself"),
        (check_gaussian_log_partition, 3.0, "too small"),
        (check_shifted_log_partition, 5.0, "sign is flipped"),
        (check_shifted_log_partition, 0.0, "Z does"),
        (check_shifted_log_partition, math.exp(-5), "ratio"),
        (check_grid_evaluations, 1000, "n × D"),
        (check_grid_evaluations, 10.0**100, "D^n"),
        (check_grid_evaluations, 20, "log10"),
        (check_ml_gradient, -0.5, "sign is flipped"),
        (check_ml_gradient, 1.0, "log Z term is missing"),
        (check_ml_gradient, 0.1, "too small"),
    ],
)
def test_usual_slips_are_named(checker, wrong, hint):
    feedback = checker(wrong)
    assert not feedback and hint in feedback.message
