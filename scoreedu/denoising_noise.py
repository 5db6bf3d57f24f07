"""How noisy the denoising objective is, measured the way training feels it.

The per-example loss ½‖s(x + σz) + z/σ‖² holds the term ½‖z/σ‖², of size D/(2σ²), that no
parameter touches: the spread of the batch loss grows like 1/σ² but has no gradient. Training
sees two other things, both of which grow like 1/σ:
  the gradient in θ, (s + z/σ)ᵀ ∂s/∂θ, whose residual s + z/σ has size about √D/σ;
  the difference of two models' losses on the same batch (same z), where ½‖z/σ‖² cancels:
  ½‖s_b‖² − ½‖s_a‖² + (s_b − s_a)ᵀ z/σ (at x̃ = x + σz), whose noise is the last term.
"""

import math

import torch

from scoreedu import validate
from scoreedu.noise import random_indices, standard_normal


def denoising_losses(score_model, x: torch.Tensor, z: torch.Tensor, sigma: float) -> torch.Tensor:
    """Per-example denoising loss ½‖s(x + σz) + z/σ‖² for given noise z: (N,).

    x, z: (N, D). The mean over rows is denoising_score_matching with this z.
    """
    sigma = validate.positive(sigma, "sigma")
    validate.callable_(score_model, "score_model")
    validate.batch(x)
    validate.batch(z, "z", dim=x.shape[1])
    validate.like_x(z, x, "z")
    s = validate.like_x(score_model(x + sigma * z), x, "score_model")
    return 0.5 * ((s + z / sigma) ** 2).sum(1)


def _batches(x, batch_size, n_batches, generator):
    validate.batch(x)
    validate.count(batch_size, "batch_size")
    validate.count(n_batches, "n_batches", minimum=2)
    validate.generator(generator)
    for _ in range(n_batches):
        batch = x[random_indices(x.shape[0], batch_size, x, generator)]
        yield batch, standard_normal(batch.shape, batch, generator)


def loss_spread(score_model, x, sigma, batch_size=128, n_batches=50, generator=None) -> float:
    """Standard deviation over batches of the batch-mean denoising loss of one model."""
    with torch.no_grad():
        values = [
            denoising_losses(score_model, b, z, sigma).mean()
            for b, z in _batches(x, batch_size, n_batches, generator)
        ]
    return torch.stack(values).std().item()


def loss_difference_spread(
    model_a, model_b, x, sigma, batch_size=128, n_batches=50, generator=None
) -> tuple[float, float]:
    """(mean, standard deviation) over batches of L_b − L_a, both on the same batch and noise.

    The mean estimates how much worse b is than a; the spread is the noise a batch adds to
    that comparison. The θ-free ½‖z/σ‖² cancels in the difference.
    """
    with torch.no_grad():
        values = torch.stack(
            [
                (
                    denoising_losses(model_b, b, z, sigma) - denoising_losses(model_a, b, z, sigma)
                ).mean()
                for b, z in _batches(x, batch_size, n_batches, generator)
            ]
        )
    return values.mean().item(), values.std().item()


def gradient_spread(
    model: torch.nn.Module, x, sigma, batch_size=128, n_batches=50, generator=None
) -> float:
    """√(E‖g − E g‖²) over batches, g the gradient in all of model's parameters of the batch loss.

    The size of the gradient noise an optimiser sees at these parameters.
    """
    params = validate.module(model, "model")
    grads = []
    for b, z in _batches(x, batch_size, n_batches, generator):
        loss = denoising_losses(model, b, z, sigma).mean()
        grads.append(torch.cat([g.flatten() for g in torch.autograd.grad(loss, params)]))
    g = torch.stack(grads)
    return ((g - g.mean(0)) ** 2).sum(1).mean().sqrt().item()


def log_log_slope(xs, ys) -> float:
    """Least-squares slope of log y against log x: y ∝ x^slope. xs, ys: positive numbers."""
    xs = validate.tensor(xs, "xs").flatten().tolist()
    ys = validate.tensor(ys, "ys").flatten().tolist()
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError(
            f"xs and ys need the same length, at least two points; got {len(xs)}, {len(ys)}"
        )
    if min(xs) <= 0 or min(ys) <= 0 or not all(map(math.isfinite, xs + ys)):
        raise ValueError("xs and ys must be finite numbers > 0 (their logs are taken)")
    lx = torch.tensor([math.log(v) for v in xs], dtype=torch.float64)
    ly = torch.tensor([math.log(v) for v in ys], dtype=torch.float64)
    lx, ly = lx - lx.mean(), ly - ly.mean()
    if (lx**2).sum() == 0:
        raise ValueError("xs must not all be equal: a slope needs two different x")
    return ((lx * ly).sum() / (lx**2).sum()).item()
