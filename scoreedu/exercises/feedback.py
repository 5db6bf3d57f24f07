"""What a checker says back: right or not, and why."""

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str
    attempted: bool = True

    def __repr__(self) -> str:
        if not self.attempted:
            return f"Not attempted yet: {self.message}"
        return f"{'Correct' if self.correct else 'Not yet'}: {self.message}"

    def __bool__(self) -> bool:
        return self.correct


NOT_ATTEMPTED = "replace None with your answer and run the cell again."


def parse_number(answer, name: str):
    """(value, None) for a number; (None, Feedback) for None (not attempted yet) or junk."""
    if answer is None:
        return None, Feedback(False, NOT_ATTEMPTED, attempted=False)
    try:
        return float(answer), None
    except (TypeError, ValueError):
        return None, Feedback(False, f"{name} should be a number; got {answer!r}")


def check_number(
    answer,
    expected: float,
    name: str,
    rtol: float = 1e-3,
    atol: float = 0.0,
    hint: str = "",
    digits: int | None = None,
) -> Feedback:
    """Feedback on a numeric answer against the expected value.

    Right: within rtol/atol, or equal to the expected value correctly rounded to `digits`
    significant digits (digits=None: as many as rtol asks for, 3 for rtol = 1e-3). An answer
    that agrees to fewer digits is told it is close and how many digits to give, never "too
    small": 0.93 for 0.928 is a rounding, not a mistake.
    """
    if not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol and atol must be >= 0; got rtol={rtol!r}, atol={atol!r}")
    value, early = parse_number(answer, name)
    if early is not None:
        return early
    if not math.isfinite(value):
        return Feedback(False, f"{name} should be finite; got {value}")
    if digits is None:  # rtol = 0 (an exact answer): rounding never makes it right
        digits = max(1, round(-math.log10(rtol))) if rtol > 0 else 17
    if math.isclose(value, expected, rel_tol=rtol, abs_tol=atol):
        return Feedback(True, f"{name} = {value:.6g}.")
    agreed = significant_digits_agreed(value, expected)
    if agreed >= digits:
        return Feedback(True, f"{name} = {value:.6g}, correctly rounded.")
    if agreed >= 1:
        return Feedback(
            False,
            f"close: {name} = {value:.6g} agrees with the answer to {agreed} significant "
            f"digit{'s' if agreed > 1 else ''}; give {digits}.",
        )
    direction = "too large" if value > expected else "too small"
    return Feedback(False, f"{name} = {value:.6g} is {direction}. {hint}".strip())


def significant_digits_agreed(value: float, expected: float, most: int = 15) -> int:
    """The largest k such that value is expected rounded to k significant digits (0 if none).

    Where expected lies halfway between two k-digit numbers, either counts as its rounding. A
    relative slack of 1e-9 absorbs the binary representation of decimal answers. A NaN or
    infinite value agrees to 0 digits. So 0.93 agrees with 0.928 to 2 digits, 0.95 to none
    (0.928 rounds to 0.9 and 0.93, never 0.95), and 0.996 with 1.0 to none.
    """
    if expected == 0 or not math.isfinite(expected) or not math.isfinite(value):
        return 0
    exponent = math.floor(math.log10(abs(expected)))
    agreed = 0
    for k in range(1, most + 1):
        unit = 10.0 ** (exponent - k + 1)
        below = math.floor(expected / unit) * unit
        roundings = [
            candidate
            for candidate in (below, below + unit)
            if abs(candidate - expected) <= 0.5 * unit * (1 + 1e-9)
        ]
        if any(math.isclose(value, candidate, rel_tol=1e-9) for candidate in roundings):
            agreed = k
    return agreed


def check_number_with_slips(
    answer,
    expected: float,
    name: str,
    slips,
    rtol: float = 1e-3,
    atol: float = 1e-9,
    hint: str = "",
) -> Feedback:
    """check_number, then, when wrong, the message of the first known slip the answer matches.

    slips: (value, message) pairs, the answers that the usual mistakes produce.
    """
    feedback = check_number(answer, expected, name, rtol=rtol, atol=atol, hint=hint)
    if feedback.correct or not feedback.attempted:
        return feedback
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return feedback
    for target, message in slips:
        if math.isclose(value, target, rel_tol=rtol, abs_tol=atol):
            return Feedback(False, f"{name} = {value:.6g}: {message}")
    return feedback


def as_float_array(value) -> np.ndarray:
    """A number, list, NumPy array or torch tensor as a float64 NumPy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)


def check_function(function, cases, name: str, slips=(), rtol: float = 1e-6, atol: float = 1e-9):
    """Feedback on a function the learner wrote: call it on cases it has not seen.

    cases: (args, expected) pairs, args a tuple. slips: (wrong_function, message) pairs, each
    wrong_function the code that a usual mistake produces; when the learner's output matches
    one where it is wrong, the message names that slip.
    """
    if function is None:
        return Feedback(False, NOT_ATTEMPTED, attempted=False)
    if not callable(function):
        return Feedback(False, f"{name} should be a function; got {type(function).__name__}")
    for number, (args, expected) in enumerate(cases, start=1):
        try:
            # a copy each call: a function that edits its input in place spoils no later check
            output = as_float_array(function(*copy.deepcopy(args)))
        except Exception as error:  # the learner's code may fail in any way: say how
            return Feedback(False, f"{name} raised {type(error).__name__}: {error}")
        expected = as_float_array(expected)
        if output.shape != expected.shape:
            return Feedback(
                False, f"{name} returned shape {output.shape}; expected {expected.shape}"
            )
        if np.allclose(output, expected, rtol=rtol, atol=atol):
            continue
        for wrong, message in slips:
            if np.allclose(
                output, as_float_array(wrong(*copy.deepcopy(args))), rtol=rtol, atol=atol
            ):
                return Feedback(False, f"{name}: {message}")
        return Feedback(False, f"{name} is wrong on case {number} of {len(cases)}.")
    return Feedback(True, f"{name} is right on {len(cases)} cases it had not seen.")
