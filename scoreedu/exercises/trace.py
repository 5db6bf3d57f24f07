"""Checkers for chapter 4's exercises: the price of the trace.

1. backward passes: the exact trace of one 64×64 RGB image by the loop;
2. Hutchinson's variance with Rademacher probes for a small non-symmetric Jacobian;
3. the structured trace of a one-hidden-layer network, by hand.
"""

import torch

from scoreedu.exercises.feedback import NOT_ATTEMPTED, Feedback, check_number

# Exercise 2: a Jacobian that is not symmetric, so only its symmetric part should matter.
JACOBIAN = torch.tensor([[2.0, 3.0], [-1.0, 3.0]], dtype=torch.float64)

# Exercise 3: s(x) = W2 σ(W1 x + b1) + b2 with D = 3, H = 2, and σ'(h1) at some x.
W1 = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]], dtype=torch.float64)  # (H, D)
W2 = torch.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]], dtype=torch.float64)  # (D, H)
SIGMA_PRIME = torch.tensor([0.5, 0.1], dtype=torch.float64)  # σ'(h1): (H,)


def _integer(answer, name):
    if answer is None:
        return None, Feedback(False, NOT_ATTEMPTED, attempted=False)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None, Feedback(False, f"{name} should be a number; got {answer!r}")
    return value, None


def check_backward_passes(answer) -> Feedback:
    """Exercise 1: backward passes the loop needs for one 64×64 RGB image: D = 64·64·3."""
    value, early = _integer(answer, "the number of backward passes")
    if early is not None:
        return early
    expected = 64 * 64 * 3
    if value == expected:
        return Feedback(True, f"D = 64·64·3 = {expected:,}: one backward pass per coordinate.")
    if value == 64:
        return Feedback(
            False,
            "64 is the side of the image, the seed post's slip: D counts every "
            "pixel of every channel.",
        )
    if value == 64 * 64:
        return Feedback(False, "64·64 counts the pixels of one channel; an RGB image has three.")
    return Feedback(
        False, f"{value:g} is not D = H·W·C for this image. Multiply height, width and channels."
    )


def hutchinson_rademacher_variance() -> float:
    """Var(vᵀJv) for one Rademacher probe: 2(‖S‖_F² − Σ S_ii²) with S = (J + Jᵀ)/2."""
    sym = 0.5 * (JACOBIAN + JACOBIAN.T)
    return float(2 * ((sym**2).sum() - (torch.diagonal(sym) ** 2).sum()))


def check_rademacher_variance(answer) -> Feedback:
    """Exercise 2: the single-probe Rademacher variance of Hutchinson's estimate for JACOBIAN."""
    value, early = _integer(answer, "the variance")
    if early is not None:
        return early
    sym = 0.5 * (JACOBIAN + JACOBIAN.T)
    gaussian = float(2 * (sym**2).sum())
    unsymmetrised = float(2 * ((JACOBIAN**2).sum() - (torch.diagonal(JACOBIAN) ** 2).sum()))
    if abs(value - gaussian) < 1e-6:
        return Feedback(
            False,
            f"{value:g} is the Gaussian probes' variance 2‖S‖_F². With v_i = ±1, "
            f"v_i² = 1 and the diagonal adds no noise: remove its share.",
        )
    if abs(value - unsymmetrised) < 1e-6:
        return Feedback(
            False,
            f"{value:g} uses J itself. vᵀJv = vᵀSv with S = (J + Jᵀ)/2: only "
            f"the symmetric part of J enters the variance.",
        )
    return check_number(
        value,
        hutchinson_rademacher_variance(),
        "the variance",
        rtol=1e-6,
        hint="Var = 2(‖S‖_F² − Σ_i S_ii²) with S = (J + Jᵀ)/2.",
    )


def structured_depth_one_trace() -> float:
    """tr J for s(x) = W2 σ(W1 x + b1) + b2: tr(W2 D W1) = tr(W1 W2 D) = Σ_i (W1 W2)_ii σ'_i."""
    return float(torch.diagonal(W1 @ W2) @ SIGMA_PRIME)


def check_structured_trace(answer) -> Feedback:
    """Exercise 3: tr ∇x s(x) for the one-hidden-layer network given by W1, W2 and σ'(h1)."""
    value, early = _integer(answer, "tr J")
    if early is not None:
        return early
    wrong_order = float(torch.diagonal(W2 @ W1)[:2] @ SIGMA_PRIME)
    if abs(value - wrong_order) < 1e-9 and abs(wrong_order - structured_depth_one_trace()) > 1e-9:
        return Feedback(
            False,
            "W2 W1 is D × D; the cyclic property moves W1 to the front: "
            "tr(W2 D W1) = tr(W1 W2 D), an H × H product.",
        )
    return check_number(
        value,
        structured_depth_one_trace(),
        "tr J",
        rtol=1e-6,
        hint="tr J = Σ_i (W1 W2)_ii σ'(h1)_i.",
    )
