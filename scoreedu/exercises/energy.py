"""Checkers for the exercises of chapter 1 (energy-based models and the partition function).

Each checker takes the learner's number (None: not attempted) and returns Feedback. Besides
right or wrong, it recognises the usual slips (a missing factor D, σ for σ², Z for log Z, a flipped
sign) and says which one it was.
"""

import math

import torch

from scoreedu.energies import QuadraticEnergy
from scoreedu.exercises.feedback import Feedback, check_function, check_number_with_slips

# Exercise 1: the Gaussian energy f(x) = ‖x‖² / (2σ²) in D dimensions.
GAUSSIAN_DIM, GAUSSIAN_SIGMA = 3, 2.0
# Exercise 2: the energy shifted by a constant c.
SHIFT = 5.0
# Exercise 3: a grid of n points per axis in D dimensions.
GRID_N, GRID_DIM = 100, 10
# Exercise 4: f_θ(x) = θ x² / 2 (a Gaussian of precision θ) and data with E_data[x²] = m2.
ML_THETA, ML_SECOND_MOMENT = 1.0, 2.0


def check_gaussian_log_partition(answer) -> Feedback:
    """log Z of f(x) = ‖x‖² / (2σ²) with D = 3, σ = 2: expected D/2 · log(2πσ²) ≈ 4.836."""
    d, sigma = GAUSSIAN_DIM, GAUSSIAN_SIGMA
    expected = QuadraticEnergy(torch.zeros(d), sigma**2 * torch.eye(d)).log_partition().item()
    slips = [
        (
            0.5 * math.log(2 * math.pi * sigma**2),
            "that is the 1-D value. Z is a product over the "
            "D independent axes, so log Z is a sum: D times the 1-D value.",
        ),
        (0.5 * d * math.log(2 * math.pi * sigma), "use the variance σ² = 4, not σ."),
        (0.5 * d * math.log(sigma**2), "the 2π of ∫ exp(-u²/2) du = √(2π) is missing."),
        (math.exp(expected), "that is Z itself; the question asks for log Z."),
        (-expected, "the sign is flipped: Z > 1 here, so log Z > 0."),
    ]
    hint = "Z is a product of D one-dimensional integrals ∫ exp(-u²/(2σ²)) du = √(2πσ²)."
    return check_number_with_slips(answer, expected, "log Z", slips, hint=hint)


def check_shifted_log_partition(answer) -> Feedback:
    """log Z' - log Z when the energy becomes f + c, c = 5: Z' = e^(-c) Z, so the answer is -c."""
    slips = [
        (SHIFT, "the sign is flipped: exp(-(f + c)) = e^(-c) exp(-f) makes Z smaller."),
        (0.0, "p(x) does not change, but Z does: Z' = ∫ exp(-f - c) dx = e^(-c) Z."),
        (math.exp(-SHIFT), "that is the ratio Z'/Z; the question asks for the difference of logs."),
    ]
    return check_number_with_slips(answer, -SHIFT, "log Z' - log Z", slips)


def check_grid_evaluations(answer) -> Feedback:
    """Energy evaluations of a grid with n = 100 points per axis in D = 10: n^D = 1e20."""
    n, d = GRID_N, GRID_DIM
    slips = [
        (n * d, "that is n × D. A grid holds every combination of the axes' points: n^D."),
        (float(d) ** n, "that is D^n; the grid has n choices on each of D axes: n^D."),
        (d * math.log10(n), "that is log10 of the answer; give the number of evaluations."),
    ]
    return check_number_with_slips(answer, float(n) ** d, "evaluations", slips, rtol=1e-6)


def check_ml_gradient(answer) -> Feedback:
    """∂L/∂θ for f_θ(x) = θ x²/2 with θ = 1 and E_data[x²] = 2: E_data[x²/2] - E_pθ[x²/2] = 0.5.

    p_θ is N(0, 1/θ), so E_pθ[x²/2] = 1/(2θ).
    """
    data_term = ML_SECOND_MOMENT / 2
    model_term = 1 / (2 * ML_THETA)
    slips = [
        (
            model_term - data_term,
            "the sign is flipped: ∇θ L = E_data[∇θ f] - E_pθ[∇θ f]; the data "
            "term pushes the energy down where the data are.",
        ),
        (data_term, "the log Z term is missing: ∇θ log Z = -E_pθ[∇θ f] = -1/(2θ)."),
    ]
    hint = "∇θ f = x²/2; p_θ = N(0, 1/θ), so E_pθ[x²/2] = 1/(2θ)."
    return check_number_with_slips(answer, data_term - model_term, "∂L/∂θ", slips, hint=hint)


def _logsumexp_cases() -> list:
    """Cases the learner has not seen: small, huge, tiny, mixed and one-element inputs."""
    inputs = [
        torch.tensor([0.3, -1.2, 2.5, 0.0, 1.1]),
        torch.tensor([1000.0, 1000.5, 999.0]),  # exp overflows to inf without the max shift
        torch.tensor([-1000.0, -1002.0, -1001.5]),  # exp underflows to 0: log 0 = -inf
        torch.tensor([-50.0, 0.0, 2.0, 700.0, 712.0]),
        torch.tensor([3.0]),
        torch.zeros(4),
    ]
    return [((a.double(),), torch.logsumexp(a.double(), 0)) for a in inputs]


# The usual slips, each as the code that makes it, with what to say about it.
LOGSUMEXP_SLIPS = [
    (
        lambda a: torch.log(torch.exp(a).sum()),
        "forgot the max shift: exp(a_i) overflows to inf once a_i > 709 (and underflows to 0 "
        "below -745, so log gives -inf). Subtract m = max a_i before exp, add m back after.",
    ),
    (
        lambda a: torch.log(torch.exp(a - a.max()).sum()),
        "the shift is not added back: log Σ exp(a_i) = m + log Σ exp(a_i - m).",
    ),
    (
        lambda a: torch.log(torch.exp(a - a.max()).sum()) - a.max(),
        "wrong sign when adding m back: log Σ exp(a_i) = m + log Σ exp(a_i - m), plus m.",
    ),
    (
        lambda a: a.max() + torch.log(torch.exp(a.max() - a).sum()),
        "wrong sign in the exponent: exp(a_i - m), not exp(m - a_i).",
    ),
    (
        lambda a: a.max() + torch.log(torch.exp(a - a.max()).mean()),
        "that is log of the mean of exp(a_i); the log-sum-exp sums, with no 1/n.",
    ),
    (lambda a: a.max(), "that is only the largest term m; add log Σ exp(a_i - m) ≥ 0 to it."),
]


def check_logsumexp(function) -> Feedback:
    """A learner's log-sum-exp, called on cases it has not seen: log Σ_i exp(a_i) for a (n,).

    Expected: m + log Σ_i exp(a_i - m) with m = max_i a_i, as a 0-dim tensor or a float; the
    cases include a_i near ±1000, where the sum without the shift leaves float64's range.
    """
    feedback = check_function(
        function, _logsumexp_cases(), "logsumexp", slips=LOGSUMEXP_SLIPS, rtol=1e-9, atol=1e-9
    )
    if "OverflowError" in feedback.message:  # math.exp(1000) raises rather than give inf
        return Feedback(False, f"logsumexp: {LOGSUMEXP_SLIPS[0][1]}")
    return feedback


__all__ = [
    "check_logsumexp",
    "check_gaussian_log_partition",
    "check_shifted_log_partition",
    "check_grid_evaluations",
    "check_ml_gradient",
]
