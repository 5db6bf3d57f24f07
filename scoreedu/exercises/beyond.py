"""Checkers for chapter 5's exercises: beyond the trace.

1. the constant gap between denoising and explicit score matching, for Gaussian data;
2. how many random projections quarter the spread of the sliced estimate;
3. the first step of annealed Langevin, α_1 = ε σ_1²/σ_L²;
4. the mode weight plain Langevin gives the heavy mode when the chains start uniformly;
5. code: the denoising loss ½ mean‖s(x + σz) + z/σ‖², run on cases the learner has not seen.
"""

import torch

from scoreedu.denoising_noise import denoising_losses
from scoreedu.exercises.feedback import Feedback, check_function, check_number, parse_number

# Exercise 1: data N(0, I) in D = 3 dimensions, noised with σ = 0.5.
GAP_DIM, GAP_SIGMA = 3, 0.5
# Exercise 3: the ladder and step of the chapter's section 6 (σ from 4 down to 0.1, ε = 0.002).
EPSILON, SIGMA_FIRST, SIGMA_LAST = 0.002, 4.0, 0.1
# Exercise 4: a share is right within this window around the half the chains start on.
PLAIN_WINDOW = 0.05


def denoising_gap(dim: int = GAP_DIM, sigma: float = GAP_SIGMA) -> float:
    """C_σ = ½ E‖z/σ‖² − ½ E‖∇log p_σ‖² = ½ (D/σ² − D/(1 + σ²)) for data N(0, I)."""
    return 0.5 * (dim / sigma**2 - dim / (1 + sigma**2))


def check_denoising_gap(answer) -> Feedback:
    """Exercise 1: DSM − explicit-on-p_σ for data N(0, I), D = 3, σ = 0.5 (3 digits)."""
    value, early = parse_number(answer, "the gap C_σ")
    if early is not None:
        return early
    expected = denoising_gap()
    if abs(value - 0.5 * GAP_DIM / GAP_SIGMA**2) < 1e-3:
        return Feedback(
            False,
            f"{value:g} is ½E‖z/σ‖² alone. The explicit objective's own constant, "
            "½E‖∇log p_σ‖², comes off it: p_σ = N(0, (1 + σ²) I).",
        )
    if abs(value - 2 * expected) < 1e-3:
        return Feedback(False, f"{value:g} is twice the gap: both objectives carry a ½.")
    return check_number(
        value, expected, "the gap C_σ", hint="Use C_σ = ½(D/σ² − tr (Σ + σ²I)⁻¹) with Σ = I."
    )


def check_projections(answer) -> Feedback:
    """Exercise 2: projections that bring the sliced estimate's standard deviation to a quarter."""
    value, early = parse_number(answer, "the number of projections")
    if early is not None:
        return early
    if value == 16:
        return Feedback(True, "16: the variance falls like 1/m, so the spread like 1/√m.")
    if value == 4:
        return Feedback(
            False, "4 projections quarter the variance; the standard deviation only halves."
        )
    return Feedback(
        False, f"{value:g} is not it: m projections divide the standard deviation by √m."
    )


def annealed_first_step() -> float:
    """α_1 = ε σ_1²/σ_L² for the exercise's ε, σ_1 and σ_L."""
    return EPSILON * SIGMA_FIRST**2 / SIGMA_LAST**2


def check_annealed_step(answer) -> Feedback:
    """Exercise 3: annealed Langevin's step at the first level, ε = 0.002, σ_1 = 4, σ_L = 0.1."""
    value, early = parse_number(answer, "the step α_1")
    if early is not None:
        return early
    if abs(value - EPSILON * SIGMA_FIRST / SIGMA_LAST) < 1e-9:
        return Feedback(
            False,
            f"{value:g} scales ε by σ_1/σ_L; the step grows with the variance, σ_1²/σ_L², "
            "because p_σ's curvature shrinks like 1/σ² (its score like 1/σ): then √α·‖s‖, "
            "the drift against the noise, is the same at every level.",
        )
    if abs(value - EPSILON) < 1e-12:
        return Feedback(False, "ε is the step at the last level σ_L; the first is larger.")
    return check_number(value, annealed_first_step(), "the step α_1", hint="α_i = ε σ_i²/σ_L².")


def check_plain_weight(answer) -> Feedback:
    """Exercise 4: the heavy mode's share after plain Langevin from uniform starting points."""
    value, early = parse_number(answer, "the share")
    if early is not None:
        return early
    if abs(value - 0.8) < 0.03:
        return Feedback(
            False,
            "0.8 is the true weight, what a perfect sampler would give. Can a chain cross "
            "the empty gap between the modes in 1,000 small steps?",
        )
    # the window is symmetric up to rounding: 0.45 and 0.55 are both within it
    if abs(value - 0.5) <= PLAIN_WINDOW + 1e-9:
        return Feedback(
            True,
            f"about {value:g}: each chain stays in the mode whose side it started on, and half "
            "the uniform starts lie on each side.",
        )
    return Feedback(
        False,
        f"{value:g} is off. Where do the chains start, and which mode does each one reach?",
    )


def _reference_loss(score, x, z, sigma):
    return denoising_losses(score, x, z, sigma).mean()


# The usual slips, each as the code it produces.
DENOISING_SLIPS = (
    (
        lambda score, x, z, sigma: 0.5 * ((score(x + sigma * z) - z / sigma) ** 2).sum(1).mean(),
        "the sign of the target: the noising kernel's score is −(x̃ − x)/σ² = −z/σ, so the "
        "residual is s(x̃) + z/σ.",
    ),
    (
        lambda score, x, z, sigma: 0.5 * ((score(x + sigma * z) + z / sigma**2) ** 2).sum(1).mean(),
        "z/σ², not z/σ: x̃ − x = σz, so −(x̃ − x)/σ² = −z/σ.",
    ),
    (
        lambda score, x, z, sigma: ((score(x + sigma * z) + z / sigma) ** 2).sum(1).mean(),
        "twice the answer: the loss carries a ½.",
    ),
    (
        lambda score, x, z, sigma: 0.5 * ((score(x) + z / sigma) ** 2).sum(1).mean(),
        "the score is evaluated at the clean x; evaluate it at the noised x̃ = x + σz.",
    ),
    (
        lambda score, x, z, sigma: 0.5 * ((score(x + sigma * z) + z / sigma) ** 2).sum(),
        "a sum over the batch: take the mean over rows (the sum over coordinates stays).",
    ),
    (
        lambda score, x, z, sigma: 0.5 * ((score(x + sigma * z) + z / sigma) ** 2).mean(),
        "a mean over coordinates too: ‖·‖² sums the D coordinates; only the rows are averaged.",
    ),
)


def _denoising_cases():
    """Unseen cases: (score, x, z, σ) with scores of different shapes, σ ≠ 1 so σ and σ² differ."""
    g = torch.Generator().manual_seed(5)
    matrix = torch.randn(3, 3, generator=g, dtype=torch.float64)
    scores = (
        lambda y: -y,  # the score of N(0, I)
        lambda y: -(y - 1.0) / 0.25,  # N(1, 0.25 I)
        lambda y: torch.tanh(y @ matrix),  # a field that is no score
    )
    cases = []
    for score, (n, d), sigma in zip(scores, ((5, 2), (7, 1), (4, 3)), (0.3, 1.7, 0.6)):
        x = torch.randn(n, d, generator=g, dtype=torch.float64)
        z = torch.randn(n, d, generator=g, dtype=torch.float64)
        cases.append(((score, x, z, sigma), _reference_loss(score, x, z, sigma)))
    return cases


def check_denoising_loss(function) -> Feedback:
    """Exercise 5: function(score, x, z, sigma) -> ½ mean over rows of ‖s(x + σz) + z/σ‖².

    score: (N, D) -> (N, D). x, z: (N, D) tensors. sigma: a float. Returns a 0-dim tensor.
    """
    return check_function(function, _denoising_cases(), "denoising_loss", DENOISING_SLIPS)
