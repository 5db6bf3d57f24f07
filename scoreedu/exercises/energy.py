"""Checkers for the exercises of chapter 1 (energy-based models and the partition function).

Each checker takes the learner's number (None: not attempted) and returns Feedback. Besides
right or wrong, it recognises the usual slips (a missing factor D, σ for σ², Z for log Z, a flipped
sign) and says which one it was.
"""

import math

import torch

from scoreedu.energies import QuadraticEnergy
from scoreedu.exercises.feedback import Feedback, check_number_with_slips

# Exercise 1: the Gaussian energy f(x) = ‖x‖² / (2σ²) in D dimensions.
GAUSSIAN_DIM, GAUSSIAN_SIGMA = 3, 2.0
# Exercise 2: the energy shifted by a constant c.
SHIFT = 5.0
# Exercise 3: a grid of n points per axis in D dimensions.
GRID_N, GRID_DIM = 100, 10
# Exercise 4: f_θ(x) = θ x² / 2 (a Gaussian of precision θ) and data with E_data[x²] = m2.
ML_THETA, ML_SECOND_MOMENT = 1.0, 2.0


def check_gaussian_log_partition(answer) -> Feedback:
    """log Z of f(x) = ‖x‖² / (2σ²) with D = 3, σ = 2: expected D/2 · log(2πσ²) ≈ 4.837."""
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


__all__ = [
    "check_gaussian_log_partition",
    "check_shifted_log_partition",
    "check_grid_evaluations",
    "check_ml_gradient",
]
