"""Checkers for chapter 6's exercises: real data.

1. the network calls of the probability-flow ODE solve (Heun) on 40 levels, before Tweedie's step;
2. the noise level in the model's units y = 2x − 1 for noise σ on the pixels;
3. write Tweedie's denoiser E[x | x̃] = x̃ + σ² s(x̃, σ), checked on Gaussians.
"""

import torch

from scoreedu import validate
from scoreedu.distributions import Gaussian
from scoreedu.exercises.feedback import (
    NOT_ATTEMPTED,
    Feedback,
    check_function,
    check_number_with_slips,
)

LEVELS = 40  # Exercise 1: not the chapter's 30, so the answer is not in the text
PIXEL_SIGMA = 0.15  # Exercise 2


def network_calls(levels: int = LEVELS, denoise: bool = True) -> int:
    """Heun: 2 calls per interval but the last (Euler, 1): 2(L − 2) + 1; then 1 for Tweedie's
    step if denoise. With Tweedie the total 2(L − 1) equals "Heun on every interval, no Tweedie",
    so Exercise 1 asks for the solve alone (denoise=False), where the two slips differ."""
    validate.count(levels, "levels", minimum=2)
    return 2 * (levels - 2) + 1 + int(denoise)


def check_network_calls(answer) -> Feedback:
    """Exercise 1: network calls of probability_flow's ODE solve on 40 levels, before Tweedie.

    A count, so only the exact number is right (77.04 is not 77).
    """
    if answer is None:
        return Feedback(False, NOT_ATTEMPTED, attempted=False)
    name = "the number of calls"
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a number; got {answer!r}")
    right = network_calls(denoise=False)
    if value == right:
        return Feedback(True, f"{name} = {right}: 2 per interval but the last, which takes 1.")
    slips = [
        (2 * LEVELS, "that is two calls per level; there are L − 1 intervals, not L."),
        (
            right + 1,
            "the last interval is an Euler step (one call, not two); or, if you counted "
            "Tweedie's step, the question stops before it.",
        ),
        (LEVELS - 1, "one call per interval is Euler's method; Heun's takes two (but the last)."),
    ]
    for target, message in slips:
        if value == target:
            return Feedback(False, f"{name} = {value:g}: {message}")
    if not value.is_integer():
        return Feedback(False, f"{name} = {value:g}: a count of calls is a whole number.")
    direction = "too large" if value > right else "too small"
    return Feedback(False, f"{name} = {value:g} is {direction}.")


def check_model_sigma(answer) -> Feedback:
    """Exercise 2: pixels x̃ = x + σz with σ = 0.15 give ỹ = 2x̃ − 1 with noise 2σ = 0.3."""
    slips = [
        (PIXEL_SIGMA, "y = 2x − 1 doubles every difference, the noise included."),
        (PIXEL_SIGMA / 2, "the other way round: y = 2x − 1 stretches, so the noise doubles."),
        (4 * PIXEL_SIGMA**2, "that is the variance (2σ)²; the question asks for the std."),
        (2 * PIXEL_SIGMA - 1, "the shift by −1 moves the image, not the noise's size."),
    ]
    return check_number_with_slips(answer, 2 * PIXEL_SIGMA, "the model's σ", slips)


def _noised_score(prior: Gaussian):
    """The score the learner's denoiser is given: s(x̃, σ) = ∇ log p_σ(x̃) for this prior."""

    def score(x, sigma):
        return prior.noised(sigma).score(x)

    return score


def _tweedie_cases():
    """((score, x̃, σ), E[x | x̃]) on Gaussian priors, E[x | x̃] = μ + Σ (Σ + σ² I)⁻¹ (x̃ − μ).

    No σ is 1: there σ s equals σ² s, and that slip would pass.
    """
    g = torch.Generator().manual_seed(11)
    cases = []
    for d, sigma in ((1, 0.3), (3, 0.7), (5, 2.5)):
        a = torch.randn(d, d, generator=g, dtype=torch.float64)
        prior = Gaussian(torch.randn(d, generator=g, dtype=torch.float64), a @ a.T + torch.eye(d))
        noisy = prior.noised(sigma).sample(6, generator=g, dtype=torch.float64)
        gain = prior.cov @ torch.linalg.inv(prior.cov + sigma**2 * torch.eye(d))
        expected = prior.mean + (noisy - prior.mean) @ gain.T
        cases.append(((_noised_score(prior), noisy, sigma), expected))
    return cases


TWEEDIE_SLIPS = (
    (lambda score, x, s: x + s * score(x, s), "that steps by σ s; Tweedie's step is σ² s."),
    (
        lambda score, x, s: x - s**2 * score(x, s),
        "the sign: the score points toward the data, so add σ² s.",
    ),
    (lambda score, x, s: s**2 * score(x, s), "that is only the correction σ² s: add it to x̃."),
)


def check_tweedie(answer) -> Feedback:
    """Exercise 3: answer(score, x_noisy, sigma) -> E[x | x̃], checked on Gaussian priors in D = 1,
    3 and 5, where E[x | x̃] is known in closed form."""
    return check_function(
        answer, _tweedie_cases(), "tweedie(score, x_noisy, sigma)", slips=TWEEDIE_SLIPS, atol=1e-8
    )
