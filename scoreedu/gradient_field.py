"""A free vector field or the gradient of an energy: what the Jacobian's symmetry tells.

A true score ∇x log p = −∇x f is a gradient, so its Jacobian ∇x s = −∇²f is a Hessian, and a
Hessian is symmetric (the mixed partial derivatives agree). A ScoreMLP maps R^D to R^D with no
such constraint: its Jacobian has an antisymmetric part ½(∇x s − ∇x sᵀ), and where that part
is not zero the field is the gradient of no function, so the score of no density.

Only the symmetric part reaches the trace and the quadratic forms built on it:
    tr A = tr ½(A + Aᵀ),   vᵀ A v = vᵀ ½(A + Aᵀ) v   for every v (vᵀ K v = 0 for K = −Kᵀ),
    A_ii = ½(A + Aᵀ)_ii    (the diagonal that Kingma & LeCun's penalty squares).
"""

import torch

from scoreedu import validate
from scoreedu.score import autograd_score


def _square(matrices: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(matrices, torch.Tensor) or not matrices.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor of shape (D, D) or (N, D, D)")
    if matrices.dim() not in (2, 3) or matrices.shape[-1] != matrices.shape[-2]:
        raise ValueError(f"{name} must have shape (D, D) or (N, D, D); got {tuple(matrices.shape)}")
    if matrices.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} must be float32 or float64; got {matrices.dtype}")
    if not torch.isfinite(matrices).all():
        raise ValueError(f"{name} must be finite; it holds NaN or inf")
    return matrices


def symmetric_part(a: torch.Tensor) -> torch.Tensor:
    """½(A + Aᵀ) of a square matrix or a batch of them: (D, D) or (N, D, D), same shape."""
    a = _square(a, "a")
    return 0.5 * (a + a.transpose(-1, -2))


def antisymmetric_part(a: torch.Tensor) -> torch.Tensor:
    """½(A − Aᵀ), the part the trace and vᵀAv never see: (D, D) or (N, D, D), same shape."""
    a = _square(a, "a")
    return 0.5 * (a - a.transpose(-1, -2))


def asymmetry(a: torch.Tensor) -> torch.Tensor:
    """‖½(A − Aᵀ)‖_F / ‖A‖_F per matrix: 0 for a Hessian, up to 1 for an antisymmetric A.

    a: (N, D, D) -> (N,), or (D, D) -> 0-dim.
    """
    a = _square(a, "a")
    size = a.norm(dim=(-2, -1))
    # a zero matrix is symmetric: 0, not 0/0
    return antisymmetric_part(a).norm(dim=(-2, -1)) / torch.where(size > 0, size, 1.0)


@torch.enable_grad()
def loop_jacobian(f, x: torch.Tensor) -> torch.Tensor:
    """∇x f(x) per row by D backward passes (works for any f autograd can differentiate twice,
    such as a score that is itself a gradient). f: (N, D) -> (N, D). Returns (N, D, D),
    [n, i, j] = ∂f_i/∂x_j, detached.
    """
    validate.callable_(f, "f")
    validate.batch(x)
    leaf = x.detach().requires_grad_(True)
    out = validate.differentiable(validate.like_x(f(leaf), leaf, "f"), "f")
    rows = [
        torch.autograd.grad(out[:, i].sum(), leaf, retain_graph=True)[0] for i in range(x.shape[1])
    ]
    return torch.stack(rows, dim=1).detach()


def energy_score(energy):
    """The energy-parametrised score s(x) = −∇x f(x), as a function (N, D) -> (N, D).

    The graph is kept, so s can be differentiated again in x (its Jacobian is −∇²f) and in the
    energy's parameters θ (to train it).
    """
    validate.callable_(energy, "energy")

    def score(x: torch.Tensor) -> torch.Tensor:
        return autograd_score(lambda t: -energy(t), x, create_graph=True)

    return score


def neural_energy_laplacian(energy, x: torch.Tensor) -> torch.Tensor:
    """Δf = tr ∇²f for NeuralEnergy f(x) = uᵀ tanh(Vx + c) + ½κ‖x‖², in closed form.

    (u, V, c, κ are the energy's w2, w1, b1, alpha; chapter 4 keeps W_l, h_l for ScoreMLP.)
    ∇²f = Vᵀ diag(u ∘ tanh''(Vx + c)) V + κ I with tanh'' = −2 tanh (1 − tanh²),
    so Δf = Σ_j u_j tanh''((Vx + c)_j) ‖V_j‖² + κ D. x: (N, D) -> (N,).
    """
    for name in ("w1", "b1", "w2", "alpha"):
        if not hasattr(energy, name):
            raise TypeError(f"energy must be a scoreedu.energies.NeuralEnergy; it has no {name}")
    validate.batch(x, dim=energy.w1.shape[1])
    w1, b1, w2 = (p.detach().to(x) for p in (energy.w1, energy.b1, energy.w2))
    t = torch.tanh(x @ w1.T + b1)
    second = -2 * t * (1 - t**2)  # tanh''(h): (N, H)
    return second @ (w2 * (w1**2).sum(1)) + energy.alpha * x.shape[1]
