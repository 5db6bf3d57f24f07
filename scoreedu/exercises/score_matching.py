"""Checkers for chapter 3's exercises: the constant C, Hyvärinen's Gaussian fit, the boundary.

Each takes the learner's answer (None = not attempted) and returns Feedback.
"""

import math

import torch

from scoreedu.exercises.feedback import NOT_ATTEMPTED, Feedback, check_number
from scoreedu.gaussian_model import closed_form

# Exercise 1: data N(0, σ²) with σ = 2 in 1-D. ψ(x) = −x/σ², so C = ½ E[x²]/σ⁴ = 1/(2σ²).
SIGMA = 2.0


def check_constant(answer) -> Feedback:
    """C = ½ E_p ψ(x)² for p = N(0, 4): expected 1/(2σ²) = 0.125."""
    expected = 1 / (2 * SIGMA**2)
    hints = {
        1 / SIGMA**2: "that is E ψ², without the ½.",
        0.5 / SIGMA**4: "E[x²] = σ² = 4, not 1: ψ² = x²/σ⁴ has mean σ²/σ⁴.",
        SIGMA**2 / 2: "ψ(x) = −x/σ² divides by σ², it does not multiply.",
    }
    return _with_hints(answer, expected, "C", hints, "Write ψ(x) = −x/σ² and use E[x²] = σ².")


def check_precision(answer, x: torch.Tensor) -> Feedback:
    """P of s(x) = −P(x − μ) that minimises the implicit objective on x (N, D): S⁻¹ (1/N)."""
    if answer is None:
        return Feedback(False, NOT_ATTEMPTED, attempted=False)
    _, expected = closed_form(x.to(torch.float64))
    try:
        value = torch.as_tensor(answer, dtype=torch.float64).reshape(expected.shape)
    except (TypeError, ValueError, RuntimeError):
        return Feedback(False, f"P should be a {tuple(expected.shape)} matrix; got {answer!r}")
    if torch.allclose(value, expected, rtol=1e-4, atol=1e-8):
        return Feedback(True, "P = S⁻¹, the inverse of the sample covariance.")
    n = x.shape[0]
    centred = x.to(torch.float64) - x.to(torch.float64).mean(0)
    cov = centred.T @ centred / n
    if torch.allclose(value, cov, rtol=1e-4):
        return Feedback(False, "that is the covariance S itself; the precision is its inverse.")
    if torch.allclose(value, expected * (n - 1) / n, rtol=1e-4):
        return Feedback(
            False, "you divided by N − 1; the implicit objective's minimiser divides by N."
        )
    return Feedback(False, "set the gradient of ½ tr(P S P) − tr P to zero: ½(PS + SP) = I.")


def check_half_normal_minimiser(answer) -> Feedback:
    """argmin over θ of the implicit objective for s_θ(x) = −(x − θ) on the half-normal."""
    expected = math.sqrt(2 / math.pi)
    hints = {
        0.0: (
            "0 minimises the explicit objective (the truth); the implicit one is E[½(x − θ)²] − 1."
        ),
    }
    return _with_hints(
        answer, expected, "θ", hints, "The implicit objective is minimised at θ = E[x]."
    )


def check_regularised_precision(answer) -> Feedback:
    """1-D, data variance v = 1, λ = 0.25: argmin_P ½P²v − P + λP² = 1/(v + 2λ) = 2/3."""
    v, lam = 1.0, 0.25
    hints = {1 / v: "that is the unregularised answer: the penalty λP² pulls P down."}
    hints[1 / (v + lam)] = "the derivative of λP² is 2λP."
    return _with_hints(answer, 1 / (v + 2 * lam), "P", hints, "Set d/dP (½P²v − P + λP²) = 0.")


def _with_hints(answer, expected, name, hints: dict, hint: str) -> Feedback:
    if answer is not None:
        try:
            value = float(answer)
        except (TypeError, ValueError):
            value = None
        for wrong, message in hints.items():
            if value is not None and math.isclose(value, wrong, rel_tol=1e-3, abs_tol=1e-9):
                if not math.isclose(wrong, expected, rel_tol=1e-3):
                    return Feedback(False, f"{name} = {value:.6g}: {message}")
    return check_number(answer, expected, name, rtol=1e-3, hint=hint)
