"""What a checker says back: right or not, and why."""

import math
from dataclasses import dataclass


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


def check_number(
    answer, expected: float, name: str, rtol: float = 1e-3, atol: float = 0.0, hint: str = ""
) -> Feedback:
    """Feedback on a numeric answer against the expected value, within rtol/atol."""
    if answer is None:
        return Feedback(False, NOT_ATTEMPTED, attempted=False)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a number; got {answer!r}")
    if not math.isfinite(value):
        return Feedback(False, f"{name} should be finite; got {value}")
    if math.isclose(value, expected, rel_tol=rtol, abs_tol=atol):
        return Feedback(True, f"{name} = {value:.6g}.")
    direction = "too large" if value > expected else "too small"
    return Feedback(False, f"{name} = {value:.6g} is {direction}. {hint}".strip())


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
