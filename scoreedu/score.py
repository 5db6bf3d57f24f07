"""The score ∇x log p(x) by automatic differentiation.

log p(x) = -f(x) - log Z, and log Z does not depend on x: so the gradient of an unnormalised
log-density (or of a negative energy) is already the score.
"""

import torch

from scoreedu import validate


def autograd_score(log_density, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """∇x log_density(x) per row, by autograd.

    log_density: (N, D) -> (N,), normalised or not. x: (N, D). Returns (N, D).
    create_graph=True keeps the graph, so the score itself can be differentiated (in θ or x).

    Example: autograd_score(lambda x: -0.5 * (x**2).sum(1), x) equals -x.
    """
    validate.callable_(log_density, "log_density")
    validate.batch(x)
    with torch.enable_grad():
        # With create_graph and an x that already requires grad, differentiate through x itself,
        # so the caller can take derivatives of the score in x (a Laplacian, a Jacobian trace).
        keep = create_graph and x.requires_grad
        leaf = x if keep else x.detach().requires_grad_(True)
        values = validate.per_row(log_density(leaf), leaf, "log_density")
        validate.differentiable(values, "log_density")
        (grad,) = torch.autograd.grad(values.sum(), leaf, create_graph=create_graph)
    return grad


def curl_2d(score, x: torch.Tensor) -> torch.Tensor:
    """The curl of a 2-D vector field, ∂s₂/∂x₁ - ∂s₁/∂x₂, at every row, by autograd.

    score: (N, 2) -> (N, 2), differentiable in x. x: (N, 2). Returns (N,).
    Zero for every gradient field s = ∇g (the mixed partials of g are equal); a free network
    s_θ(x) has no reason to be one.
    """
    validate.callable_(score, "score")
    validate.batch(x, dim=2)
    with torch.enable_grad():
        leaf = x.detach().requires_grad_(True)
        s = validate.differentiable(validate.like_x(score(leaf), leaf, "score"), "score")
        (ds1,) = torch.autograd.grad(s[:, 0].sum(), leaf, retain_graph=True)  # ∇ s₁
        (ds2,) = torch.autograd.grad(s[:, 1].sum(), leaf)  # ∇ s₂
    return (ds2[:, 0] - ds1[:, 1]).detach()
