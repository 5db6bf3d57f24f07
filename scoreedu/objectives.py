"""Score-matching objectives: each the mean over a batch, differentiable in the model's θ.

score_model is any callable (N, D) -> (N, D); x is (N, D) data.
  explicit   ½ E‖s(x) − ∇x log p(x)‖²          needs the true score (chapter 3)
  implicit   E[½‖s(x)‖² + tr ∇x s(x)]           Hyvärinen (2005): the same up to a constant
  sliced     E_v[vᵀ ∇x s(x) v + ½ (vᵀ s(x))²]   Song et al. (2019): implicit, in expectation
  denoising  ½ E‖s(x + σz) + z/σ‖²              Vincent (2011): explicit on p_σ, up to a constant
  noise-conditional  (1/L) Σ_i σ_i² · ½ E‖s(x + σ_i z, σ_i) + z/σ_i‖²
             Song & Ermon (2019): denoising at every level of a ladder, for s(x, σ)
"""

import torch

from scoreedu import validate
from scoreedu.noise import random_indices, standard_normal
from scoreedu.trace import jacobian_trace


def _scores(score_model, x, name="score_model"):
    validate.callable_(score_model, name)
    validate.batch(x)
    return validate.like_x(score_model(x), x, name)


def explicit_score_matching(score_model, x: torch.Tensor, true_score) -> torch.Tensor:
    """½ E‖s(x) − true_score(x)‖², the Fisher divergence estimated on the batch x.

    x: (N, D). true_score: a callable (N, D) -> (N, D), or its values as an (N, D) tensor.
    Returns a 0-dim tensor.
    """
    s = _scores(score_model, x)
    target = true_score if isinstance(true_score, torch.Tensor) else None
    if target is None:
        validate.callable_(true_score, "true_score")
        target = true_score(x)
    validate.like_x(target, x, "true_score")
    if not torch.isfinite(target).all():
        raise ValueError("true_score must be finite; it holds NaN or inf")
    return 0.5 * ((s - target.detach()) ** 2).sum(1).mean()


def implicit_score_matching(
    score_model, x: torch.Tensor, trace_method: str = "auto", **trace_options
) -> torch.Tensor:
    """Hyvärinen's objective E[½‖s(x)‖² + tr ∇x s(x)], mean over the batch.

    x: (N, D). score_model: (N, D) -> (N, D). trace_method: as in scoreedu.trace.jacobian_trace
    (trace_options such as n_probes go there too). Returns a 0-dim tensor.
    """
    s = _scores(score_model, x)
    trace = jacobian_trace(score_model, x, method=trace_method, **trace_options)
    return (0.5 * (s**2).sum(1) + trace).mean()


def sliced_score_matching(
    score_model, x: torch.Tensor, n_projections: int = 1, generator=None
) -> torch.Tensor:
    """E_v[vᵀ ∇x s(x) v + ½ (vᵀ s(x))²] with v ~ N(0, I), mean over the batch and projections.

    x: (N, D). Costs n_projections backward passes, whatever D. Returns a 0-dim tensor.
    """
    validate.count(n_projections, "n_projections")
    validate.generator(generator)
    validate.batch(x)
    x = x.detach().requires_grad_(True)
    s = validate.differentiable(_scores(score_model, x), "score_model")
    v = standard_normal((n_projections, *x.shape), x, generator)
    total = x.new_zeros(())
    for m in range(n_projections):
        vs = (v[m] * s).sum(1)
        (vjp,) = torch.autograd.grad(vs.sum(), x, create_graph=True)
        total = total + ((vjp * v[m]).sum(1) + 0.5 * vs**2).mean()
    return total / n_projections


def denoising_score_matching(
    score_model, x: torch.Tensor, sigma: float, generator=None
) -> torch.Tensor:
    """½ E‖s(x + σz) + z/σ‖² with z ~ N(0, I): the target -z/σ is the score of the noising kernel.

    x: (N, D) clean data. sigma > 0. Returns a 0-dim tensor.
    """
    sigma = validate.positive(sigma, "sigma")
    validate.generator(generator)
    validate.batch(x)
    z = standard_normal(x.shape, x, generator)
    noisy = x + sigma * z
    s = _scores(score_model, noisy)
    return 0.5 * ((s + z / sigma) ** 2).sum(1).mean()


def noise_conditional_denoising_score_matching(
    score_model, x: torch.Tensor, sigmas, generator=None
) -> torch.Tensor:
    """Song & Ermon's objective: (1/L) Σ_i σ_i² · ½ E‖s(x + σ_i z, σ_i) + z/σ_i‖².

    One network s(x, σ) learns the score of every noised density p_σ_i at once. The weight
    λ(σ) = σ² makes every level's term of order one (the target z/σ has size 1/σ), so no level
    dominates; σ² · ½‖s + z/σ‖² = ½‖σ s + z‖². Each row draws its level uniformly from sigmas,
    an unbiased estimate of the mean over levels.

    x: (N, D) clean data. score_model: (x (N, D), sigma (N,)) -> (N, D). sigmas: L > 0 levels.
    Returns a 0-dim tensor.
    """
    validate.callable_(score_model, "score_model")
    validate.generator(generator)
    validate.batch(x)
    levels = _noise_levels(sigmas, x)
    sigma = levels[random_indices(levels.numel(), x.shape[0], x, generator)]
    z = standard_normal(x.shape, x, generator)
    s = validate.like_x(score_model(x + sigma[:, None] * z, sigma), x, "score_model")
    return 0.5 * ((sigma[:, None] * s + z) ** 2).sum(1).mean()


def _noise_levels(sigmas, x: torch.Tensor) -> torch.Tensor:
    try:
        levels = torch.as_tensor(sigmas, dtype=x.dtype, device=x.device).flatten()
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"sigmas must be a sequence of numbers > 0; got {sigmas!r}") from err
    if levels.numel() == 0 or not torch.isfinite(levels).all() or (levels <= 0).any():
        raise ValueError(f"sigmas must be finite numbers > 0; got {levels.tolist()}")
    return levels
