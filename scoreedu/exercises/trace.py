"""Checkers for chapter 4's exercises: the price of the trace.

1. backward passes: the exact trace of one 64×64 RGB image by the loop;
2. Hutchinson's variance with Rademacher probes for a small non-symmetric matrix A = ∇x s;
3. the structured trace of a one-hidden-layer network, by hand;
4. Hutchinson's estimate vᵀ (∇x f) v, written by the learner, run on functions it has not seen.
"""

import torch

from scoreedu import validate
from scoreedu.cost import hutchinson_variance
from scoreedu.exercises.feedback import Feedback, check_function, check_number, parse_number
from scoreedu.nets import ScoreMLP
from scoreedu.trace import hutchinson_with_probes, jacobian_trace

# Exercise 2: a Jacobian A = ∇x s that is not symmetric, so only its symmetric part matters.
JACOBIAN = torch.tensor([[2.0, 3.0], [-1.0, 3.0]], dtype=torch.float64)

# Exercise 3: s(x) = W2 φ(W1 x + b1) + b2 with D = 3, H = 2 (L = 1 hidden layer, so W2 is the
# output layer W_{L+1}), and φ'(h1) at some x.
W1 = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]], dtype=torch.float64)  # (H, D)
W2 = torch.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]], dtype=torch.float64)  # (D, H)
PHI_PRIME = torch.tensor([0.5, 0.1], dtype=torch.float64)  # φ'(h1): (H,)


def check_backward_passes(answer) -> Feedback:
    """Exercise 1: backward passes the loop needs for one 64×64 RGB image: D = 64·64·3."""
    value, early = parse_number(answer, "the number of backward passes")
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
    """Var(vᵀAv) for one Rademacher probe: 2(‖B‖_F² − Σ B_ii²) with B = ½(A + Aᵀ)."""
    return hutchinson_variance(JACOBIAN[None], "rademacher").item()


def check_rademacher_variance(answer) -> Feedback:
    """Exercise 2: the single-probe Rademacher variance of Hutchinson's estimate for JACOBIAN."""
    value, early = parse_number(answer, "the variance")
    if early is not None:
        return early
    gaussian = hutchinson_variance(JACOBIAN[None], "gaussian").item()
    unsymmetrised = float(2 * ((JACOBIAN**2).sum() - (torch.diagonal(JACOBIAN) ** 2).sum()))
    if abs(value - gaussian) < 1e-6:
        return Feedback(
            False,
            f"{value:g} is the Gaussian probes' variance 2‖½(A + Aᵀ)‖_F². With v_i = ±1, "
            f"v_i² = 1 and the diagonal adds no noise: remove its share.",
        )
    if abs(value - unsymmetrised) < 1e-6:
        return Feedback(
            False,
            f"{value:g} uses A itself. vᵀAv = vᵀ ½(A + Aᵀ) v: only "
            f"the symmetric part of A enters the variance.",
        )
    return check_number(
        value,
        hutchinson_rademacher_variance(),
        "the variance",
        rtol=1e-6,
        hint="Var = 2(‖B‖_F² − Σ_i B_ii²) with B = ½(A + Aᵀ).",
    )


def structured_depth_one_trace() -> float:
    """tr ∇x s for s(x) = W2 φ(W1 x + b1) + b2, Λ1 = diag(φ'(h1)):
    tr(W2 Λ1 W1) = tr(W1 W2 Λ1) = Σ_i (W1 W2)_ii φ'(h1)_i."""
    return float(torch.diagonal(W1 @ W2) @ PHI_PRIME)


def check_structured_trace(answer) -> Feedback:
    """Exercise 3: tr ∇x s(x) for the one-hidden-layer network given by W1, W2 and φ'(h1)."""
    value, early = parse_number(answer, "tr ∇x s")
    if early is not None:
        return early
    wrong_order = float(torch.diagonal(W2 @ W1)[:2] @ PHI_PRIME)
    if abs(value - wrong_order) < 1e-9 and abs(wrong_order - structured_depth_one_trace()) > 1e-9:
        return Feedback(
            False,
            "W2 W1 is D × D; the cyclic property moves W1 to the front: "
            "tr(W2 Λ1 W1) = tr(W1 W2 Λ1), an H × H product.",
        )
    return check_number(
        value,
        structured_depth_one_trace(),
        "tr ∇x s",
        rtol=1e-6,
        hint="tr ∇x s = Σ_i (W1 W2)_ii φ'(h1)_i.",
    )


# Exercise 4: one probe of Hutchinson's estimator, vᵀ (∇x f(x)) v per row, in code.


def hutchinson_estimate(f, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """vᵀ (∇x f(x)) v per row with one backward pass: the vector-Jacobian product vᵀ∇x f, then
    its dot product with v. f: (N, D) -> (N, D); x, v: (N, D). Returns (N,)."""
    validate.callable_(f, "f")
    validate.like_x(v, validate.batch(x), "v")
    return hutchinson_with_probes(f, x.detach(), v[None])


def _vjp(f, x, v):
    x = x.detach().requires_grad_(True)
    (vjp,) = torch.autograd.grad(f(x), x, grad_outputs=v)
    return vjp


def _exact_trace(f, x, v):
    return jacobian_trace(f, x.detach(), "loop")


HUTCHINSON_SLIPS = (
    (
        _exact_trace,
        "that is the exact trace tr ∇x f; one probe estimates it by vᵀ (∇x f) v, which is a "
        "different number for a given v (only its mean over probes is the trace).",
    ),
    (
        lambda f, x, v: (f(x) * v).sum(1),
        "vᵀ f(x) has no derivative in it: differentiate vᵀ f(x) in x (one backward pass, "
        "grad_outputs=v), then take the dot product with v.",
    ),
    (
        lambda f, x, v: _vjp(f, x, v).sum(1),
        "you summed the entries of vᵀ ∇x f; take its dot product with v instead.",
    ),
    (
        lambda f, x, v: (_vjp(f, x, v) ** 2).sum(1),
        "‖vᵀ ∇x f‖² is not vᵀ (∇x f) v: multiply by v, not by the product itself.",
    ),
)


class _Skew(torch.nn.Module):
    """f(x) = tanh(x Aᵀ) + ½x², with A not symmetric: a nonlinear field, no gradient of anything."""

    def __init__(self, a):
        super().__init__()
        self.a = a

    def forward(self, x):
        return torch.tanh(x @ self.a.T) + 0.5 * x**2


def _hutchinson_cases():
    g = torch.Generator().manual_seed(44)
    a = torch.randn(3, 3, generator=g, dtype=torch.float64)
    torch_state = torch.random.get_rng_state()
    torch.manual_seed(44)  # the network's initial weights, without disturbing the caller's seed
    net = ScoreMLP(4, hidden=8, dtype=torch.float64)
    torch.random.set_rng_state(torch_state)
    cases = []
    for f, dim in ((_Linear(a), 3), (_Skew(a), 3), (net, 4)):
        x = torch.randn(6, dim, generator=g, dtype=torch.float64)
        v = torch.randn(6, dim, generator=g, dtype=torch.float64)
        cases.append(((f, x, v), hutchinson_estimate(f, x, v)))
    return cases


class _Linear(torch.nn.Module):
    """f(x) = x Aᵀ: its Jacobian is A everywhere, and vᵀAv is the answer by hand."""

    def __init__(self, a):
        super().__init__()
        self.a = a

    def forward(self, x):
        return x @ self.a.T


def check_hutchinson(function) -> Feedback:
    """Exercise 4: the learner's hutchinson(f, x, v), run on three fields it has not seen."""
    return check_function(
        function, _hutchinson_cases(), "hutchinson(f, x, v)", slips=HUTCHINSON_SLIPS, rtol=1e-6
    )
