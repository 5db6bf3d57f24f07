"""Chapter 1's checkers accept the right answers and explain the usual wrong ones."""

import math

import pytest
import torch

from scoreedu.exercises.energy import (
    check_gaussian_log_partition,
    check_grid_evaluations,
    check_logsumexp,
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


def right_logsumexp(a):
    m = a.max()
    return m + torch.log(torch.exp(a - m).sum())


def test_logsumexp_from_scratch_is_accepted_and_not_attempted_is_said():
    assert check_logsumexp(right_logsumexp)
    assert check_logsumexp(lambda a: float(right_logsumexp(a)))  # a float is fine too
    assert not check_logsumexp(None).attempted


@pytest.mark.parametrize(
    "wrong, slip",
    [
        (lambda a: torch.log(torch.exp(a).sum()), "forgot the max shift"),
        (lambda a: math.log(sum(math.exp(v) for v in a.tolist())), "forgot the max shift"),
        (lambda a: torch.log(torch.exp(a - a.max()).sum()), "not added back"),
        (lambda a: torch.log(torch.exp(a - a.max()).sum()) - a.max(), "wrong sign when adding"),
        (lambda a: a.max() + torch.log(torch.exp(a.max() - a).sum()), "in the exponent"),
        (lambda a: a.max() + torch.log(torch.exp(a - a.max()).mean()), "mean"),
        (lambda a: a.max(), "only the largest term"),
        (lambda a: right_logsumexp(a) + 1e-3, "wrong on case 1"),
    ],
)
def test_logsumexp_slips_are_named(wrong, slip):
    feedback = check_logsumexp(wrong)
    assert not feedback and slip in feedback.message


def test_the_max_shift_case_is_one_the_naive_sum_fails():
    # The rival (no shift) is right on ordinary inputs: only the huge and tiny cases expose it.
    a = torch.tensor([0.3, -1.2, 2.5], dtype=torch.float64)
    assert torch.log(torch.exp(a).sum()).item() == pytest.approx(right_logsumexp(a).item())
    huge = torch.tensor([1000.0, 1000.5], dtype=torch.float64)
    assert torch.isinf(torch.log(torch.exp(huge).sum()))


def test_a_correctly_rounded_answer_is_right_and_too_few_digits_is_close():
    exact = 1.5 * math.log(2 * math.pi * 4)  # 4.8363...
    assert check_gaussian_log_partition(round(exact, 2))  # 4.84: the 3 digits the text asks for
    feedback = check_gaussian_log_partition(round(exact, 1))  # 4.8
    assert not feedback and "close" in feedback.message and "give 3" in feedback.message
    # 4.5 is within half a unit of 4.836 in the 1st digit, but 4.836 rounds to 5, not 4.5
    feedback = check_gaussian_log_partition(4.5)
    assert not feedback and "close" not in feedback.message and "too small" in feedback.message
    # 0.45 is no rounding of 0.5 either
    feedback = check_ml_gradient(0.45)
    assert not feedback and "close" not in feedback.message and "too small" in feedback.message
