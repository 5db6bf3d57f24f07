"""The shared feedback: rounded answers, and functions the learner writes."""

import math

import pytest
import torch

from scoreedu.exercises.feedback import check_function, check_number, significant_digits_agreed


@pytest.mark.parametrize(
    "value, expected, agreed",
    [(0.928, 0.928, 15), (0.93, 0.928, 2), (0.9, 0.928, 1), (0.8, 0.928, 0), (0.101, 0.1005, 3)]
    + [(math.nan, 0.928, 0), (math.inf, 0.928, 0)]
    # within half a unit of the 1st or 2nd digit, yet not a rounding of expected: 0 digits
    + [(0.95, 0.928, 0), (4.5, 4.836, 0), (0.996, 1.0, 0), (1.0, 0.996, 2)],
)
def test_significant_digits_agreed(value, expected, agreed):
    assert significant_digits_agreed(value, expected) == agreed


def test_a_correctly_rounded_answer_is_right_even_outside_rtol():
    # 0.101 is 0.1005 to 3 digits but 0.5 % away: rtol alone would call it too large.
    assert not math.isclose(0.101, 0.1005, rel_tol=1e-3)
    feedback = check_number(0.101, 0.1005, "p")
    assert feedback and "correctly rounded" in feedback.message


def test_too_few_digits_is_close_not_too_small():
    feedback = check_number(0.93, 0.928, "p")
    assert not feedback
    assert "close" in feedback.message and "give 3" in feedback.message
    assert "too" not in feedback.message


def test_a_wrong_answer_says_which_way():
    assert "too small" in check_number(0.5, 0.928, "p").message
    assert "too large" in check_number(2.0, 0.928, "p").message


def test_an_answer_that_is_no_rounding_is_not_close():
    # 0.996 is within half a unit of 1.0 in the 3rd digit, but 1.0 to 3 digits is 1.00.
    feedback = check_number(0.996, 1.0, "x")
    assert not feedback and "too small" in feedback.message


def test_digits_can_be_asked_for():
    assert check_number(0.93, 0.928, "p", digits=2)
    assert not check_number(0.928, 0.92849, "p", rtol=1e-6, digits=5)


def square(x):
    return x**2


CASES = [((torch.tensor([1.0, -2.0]),), torch.tensor([1.0, 4.0])), ((3.0,), 9.0)]


def test_check_function_accepts_a_right_function_and_counts_cases():
    feedback = check_function(square, CASES, "square")
    assert feedback and "2 cases" in feedback.message


def test_check_function_names_the_slip():
    slips = [(lambda x: 2 * x, "that is 2x, the derivative; square instead.")]
    feedback = check_function(lambda x: x + x, CASES, "square", slips=slips)
    assert not feedback and "derivative" in feedback.message


def test_check_function_reports_errors_shapes_and_unknown_mistakes():
    assert not check_function(None, CASES, "square").attempted
    assert "should be a function" in check_function(3.0, CASES, "square").message
    assert "ZeroDivisionError" in check_function(lambda x: 1 / 0, CASES, "square").message
    assert "shape" in check_function(lambda x: torch.zeros(3), CASES, "square").message
    assert "case 1 of 2" in check_function(lambda x: x**3, CASES, "square").message


def test_check_function_gives_each_call_a_fresh_copy():
    def in_place(x):
        if isinstance(x, torch.Tensor):
            x.mul_(x)
            return x
        return x**2

    slips = [(lambda x: x, "unchanged")]
    assert check_function(in_place, CASES, "square", slips=slips)


def test_check_number_with_rtol_zero_wants_the_exact_value():
    assert check_number(77, 77.0, "the count", rtol=0).correct
    assert not check_number(77.04, 77.0, "the count", rtol=0).correct
    with pytest.raises(ValueError, match="rtol"):
        check_number(77, 77.0, "the count", rtol=-1e-3)
