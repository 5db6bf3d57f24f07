"""Checkers for chapter 2's exercises: Gaussian and mixture scores, and one Langevin step.

Each takes the learner's answer (None: not attempted) and returns Feedback. Besides right or
wrong, it recognises the usual slips (σ for σ², a flipped sign, prior weights where the posterior
belongs, √ε for √(2ε), +∇f for the score of an energy f) and says which one it was. Numbers are
asked for to 3 significant digits; functions are called on cases the exercise does not show.
"""

import math

import torch

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.energies import DoubleWell, QuadraticEnergy
from scoreedu.exercises.feedback import Feedback, check_function, check_number_with_slips
from scoreedu.score import autograd_score

# Exercise 1: the 1-D Gaussian N(μ, σ²) at x.
GAUSS_MEAN, GAUSS_STD, GAUSS_X = 2.0, 0.5, 3.0
# Exercise 2: ½ N(-2, 1) + ½ N(2, 1) at x = 1.
MIX_MEANS, MIX_X = (-2.0, 2.0), 1.0
# Exercise 4: one Langevin step for N(0, 1) (score -x) from x with step ε and noise draw z.
STEP_X, STEP_EPS, STEP_Z = 1.0, 0.1, 0.5


def _diagnose(answer, name, expected, slips, hint=""):
    return check_number_with_slips(answer, expected, name, slips, atol=1e-6, hint=hint)


def gaussian_score_expected() -> float:
    gauss = Gaussian([GAUSS_MEAN], [[GAUSS_STD**2]])
    return gauss.score(torch.tensor([[GAUSS_X]], dtype=torch.float64)).item()


def check_gaussian_score(answer) -> Feedback:
    """s(3) for N(2, 0.5²): -(x - μ)/σ² = -4."""
    diff = GAUSS_X - GAUSS_MEAN
    slips = [
        (-diff / GAUSS_STD, "divide by the variance σ² = 0.25, not by σ."),
        (
            diff / GAUSS_STD**2,
            "the sign is flipped: x is right of the mean, so the score points left.",
        ),
        (-diff, "that is the score of N(2, 1); the spread σ = 0.5 scales it by 1/σ²."),
    ]
    return _diagnose(answer, "s(3)", gaussian_score_expected(), slips, "Use s(x) = -(x - μ)/σ².")


def mixture_score_expected() -> float:
    mix = GaussianMixture([[MIX_MEANS[0]], [MIX_MEANS[1]]], [1.0, 1.0], [0.5, 0.5])
    return mix.score(torch.tensor([[MIX_X]], dtype=torch.float64)).item()


def check_mixture_score(answer) -> Feedback:
    """s(1) for ½ N(-2, 1) + ½ N(2, 1): Σ_k r_k(1) (μ_k - 1), r the posterior weights."""
    prior_weighted = sum(0.5 * (m - MIX_X) for m in MIX_MEANS)
    slips = [
        (
            prior_weighted,
            "that weights the component scores by the prior weights w_k = ½. The score of a "
            "mixture weights them by the posterior r_k(x) = w_k N_k(x) / p(x): at x = 1 the "
            "component at +2 owns almost all of the point.",
        ),
        (-mixture_score_expected(), "the sign is flipped: the score points toward μ_k - x."),
        (MIX_MEANS[1] - MIX_X, "close: that is the nearest component's score alone (r_2 = 1)."),
    ]
    return _diagnose(
        answer,
        "s(1)",
        mixture_score_expected(),
        slips,
        "Compute r_k(1) first, then Σ r_k (μ_k - x).",
    )


def gaussian_score_cases():
    """Unseen cases (x, mean, cov) -> -(x - μ) Σ⁻¹: five points each in D = 1, 2 and 3."""
    g = torch.Generator().manual_seed(7)
    cases = []
    for d in (1, 2, 3):
        a = torch.randn(d, d, generator=g, dtype=torch.float64)
        cov = a @ a.T + 0.5 * torch.eye(d, dtype=torch.float64)
        mean = torch.randn(d, generator=g, dtype=torch.float64)
        x = torch.randn(5, d, generator=g, dtype=torch.float64)
        cases.append(((x, mean, cov), Gaussian(mean, cov).score(x)))
    return cases


def check_gaussian_score_function(answer) -> Feedback:
    """answer(x, mean, cov) -> (N, D): the Gaussian score -(x - μ) Σ⁻¹, checked on unseen cases."""
    slips = [
        (
            lambda x, mean, cov: (x - mean) @ torch.linalg.inv(cov),
            "the sign is flipped: the score points from x toward μ.",
        ),
        (
            lambda x, mean, cov: -(x - mean) @ cov,
            "that multiplies by Σ; the score uses the precision Σ⁻¹.",
        ),
    ]
    name = "your score"
    for d, case in zip((1, 2, 3), gaussian_score_cases()):
        # one case at a time, so that the message can name the dimension
        feedback = check_function(answer, [case], name, slips=slips, rtol=1e-6, atol=1e-8)
        if feedback.correct:
            continue
        if "returned shape" in feedback.message:
            return Feedback(False, f"for x of shape (5, {d}) return (5, {d}); {feedback.message}")
        if "is wrong on case" in feedback.message:
            return Feedback(False, f"wrong values in D = {d}: expected -(x - μ) Σ⁻¹, row by row.")
        return feedback
    return Feedback(True, "your score matches -(x - μ) Σ⁻¹ in D = 1, 2 and 3.")


def langevin_step_expected() -> float:
    return STEP_X + STEP_EPS * (-STEP_X) + math.sqrt(2 * STEP_EPS) * STEP_Z


def check_langevin_step(answer) -> Feedback:
    """x + ε s(x) + √(2ε) z for s(x) = -x, x = 1, ε = 0.1, z = 0.5: about 1.1236."""
    x, eps, z = STEP_X, STEP_EPS, STEP_Z
    slips = [
        (x - eps * x + math.sqrt(eps) * z, "the noise is √(2ε) z, not √ε z."),
        (x - eps * x, "that is gradient ascent: Langevin adds the noise √(2ε) z."),
        (x - eps * x + 2 * eps * z, "the noise scale is the square root √(2ε), not 2ε."),
        (x + eps * x + math.sqrt(2 * eps) * z, "the score of N(0, 1) is -x: the drift is -εx."),
    ]
    return _diagnose(answer, "x after one step", langevin_step_expected(), slips)


def _langevin_step(energy, x, eps, z, noise=None, sign=-1.0):
    """x + ε s(x) + noise · z with s = sign · ∇f: the right step for noise √(2ε) and sign -1."""
    grad_f = -autograd_score(lambda y: -energy(y), x)  # ∇f
    scale = math.sqrt(2 * eps) if noise is None else noise
    return x + eps * sign * grad_f + scale * z


def langevin_step_cases():
    """Unseen cases (energy, x, ε, z) -> x': Gaussian and double-well energies in D = 1, 2, 3."""
    g = torch.Generator().manual_seed(11)
    energies = [
        QuadraticEnergy([0.5], [[0.3]]),
        QuadraticEnergy([1.0, -2.0], [[1.0, 0.4], [0.4, 0.6]]),
        DoubleWell(dim=3, height=1.5, center=0.8, tilt=0.3),
    ]
    cases = []
    for energy, eps in zip(energies, (0.05, 0.2, 0.01)):
        x = torch.randn(4, energy.dim, generator=g, dtype=torch.float64)
        z = torch.randn(4, energy.dim, generator=g, dtype=torch.float64)
        cases.append(((energy, x, eps, z), _langevin_step(energy, x, eps, z)))
    return cases


def check_langevin_step_function(answer) -> Feedback:
    """answer(energy, x, eps, z) -> x + ε s(x) + √(2ε) z with s = -∇f by autograd, (N, D)."""
    slips = [
        (
            lambda f, x, eps, z: _langevin_step(f, x, eps, z, noise=math.sqrt(eps)),
            "the noise is √(2ε) z, not √ε z: with √ε the chain samples p at temperature ½.",
        ),
        (
            lambda f, x, eps, z: _langevin_step(f, x, eps, z, sign=1.0),
            "the sign of the energy: the score is s = -∇f (p ∝ e^(-f)), so the drift is -ε∇f.",
        ),
        (
            lambda f, x, eps, z: _langevin_step(f, x, eps, z, noise=0.0),
            "that is gradient ascent on log p: Langevin adds the noise √(2ε) z.",
        ),
        (
            lambda f, x, eps, z: _langevin_step(f, x, eps, z, noise=2 * eps),
            "the noise scale is the square root √(2ε), not 2ε.",
        ),
    ]
    return check_function(answer, langevin_step_cases(), "your Langevin step", slips=slips)
