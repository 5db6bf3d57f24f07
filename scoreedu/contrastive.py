"""Maximum likelihood with model samples instead of Z: contrastive divergence.

The gradient of the average negative log-likelihood of p_θ(x) = exp(-f_θ(x)) / Z_θ is

    ∇θ L = E_data[∇θ f_θ(x)] - E_{p_θ}[∇θ f_θ(x)].

Without a grid, the second expectation is an average over samples x⁻ of the model, drawn by
Langevin dynamics on p_θ: x ← x - ε ∇x f_θ(x) + √(2ε) z (chapter 2). Contrastive divergence
CD-k (Hinton, 2002) starts the chains at the data batch and runs only k such steps per
parameter update. k short steps do not reach p_θ, so the gradient is biased; each step costs a
forward and a backward pass of f per chain. Chapter 1 measures both against the exact gradient
that quadrature gives in 2-D.
"""

import math

import torch

from scoreedu import validate
from scoreedu.noise import standard_normal
from scoreedu.train import fit


def model_chains(energy, x0: torch.Tensor, step_size: float, n_steps: int, generator=None):
    """n_steps of Langevin dynamics on p_θ ∝ exp(-f_θ) from x0: x ← x - ε ∇x f_θ(x) + √(2ε) z.

    x0: (N, D). Returns (N, D), detached. The update of scoreedu.sampling.langevin with the
    score -∇x f_θ (Z drops out), without its per-step checks: here it runs inside every
    parameter update, where those checks would cost more than the 2-D energy itself.
    """
    validate.callable_(energy, "energy")
    validate.batch(x0, "x0")
    step_size = validate.positive(step_size, "step_size")
    validate.count(n_steps, "n_steps", minimum=0)
    validate.generator(generator)
    x = x0.detach()
    for _ in range(n_steps):
        if not torch.isfinite(x).all():  # name the cause before the energy refuses inf
            raise ValueError(f"the chains diverged: lower step_size (got {step_size})")
        with torch.enable_grad():
            leaf = x.requires_grad_(True)
            (grad,) = torch.autograd.grad(energy(leaf).sum(), leaf)
        noise = standard_normal(x.shape, x, generator)
        x = (x - step_size * grad + (2 * step_size) ** 0.5 * noise).detach()
    if not torch.isfinite(x).all():
        raise ValueError(f"the chains diverged: lower step_size (got {step_size})")
    return x


def contrastive_loss(energy, data: torch.Tensor, samples: torch.Tensor) -> torch.Tensor:
    """mean_i f_θ(data_i) - mean_j f_θ(samples_j), samples held fixed: a 0-dim tensor.

    data: (N, D), samples: (M, D). Its θ-gradient is E_data[∇θ f_θ] - E_samples[∇θ f_θ]: the
    maximum-likelihood gradient with the model's expectation replaced by an average over samples.
    """
    validate.callable_(energy, "energy")
    validate.batch(data, "data")
    validate.batch(samples, "samples", dim=data.shape[1])
    data_values = validate.per_row(energy(data), data, "energy")
    sample_values = validate.per_row(energy(samples.detach()), samples, "energy")
    return data_values.mean() - sample_values.mean()


def contrastive_divergence(chain_steps: int, step_size: float, generator=None):
    """The CD-k loss for scoreedu.train.fit: (energy, batch) -> 0-dim tensor.

    Each call runs k = chain_steps Langevin steps of size step_size on p_θ from the batch
    itself, x⁻ = model_chains(energy, batch, ...), and returns contrastive_loss(energy, batch, x⁻).
    """
    chain_steps = validate.count(chain_steps, "chain_steps")
    step_size = validate.positive(step_size, "step_size")
    validate.generator(generator)

    def loss(energy, batch):
        samples = model_chains(energy, batch, step_size, chain_steps, generator)
        return contrastive_loss(energy, batch, samples)

    return loss


def fit_contrastive_divergence(
    energy, data: torch.Tensor, chain_steps: int, step_size: float, seed: int = 0, **fit_options
) -> list[float]:
    """Train energy by CD-k with Adam (scoreedu.train.fit, progress off); return its losses.

    data: (N, D). The chains' noise and the minibatches are seeded by seed; fit_options go to
    fit (n_steps, batch_size, lr). Each update costs batch_size × chain_steps evaluations of
    ∇x f_θ for the chains, plus the two batches' θ-gradients.
    """
    validate.count(seed, "seed", minimum=0)
    generator = torch.Generator().manual_seed(seed)
    loss = contrastive_divergence(chain_steps, step_size, generator)
    return fit(energy, loss, data, seed=seed, **{"progress": False, **fit_options})


def loss_gradient_draws(energy, loss, n_draws: int) -> torch.Tensor:
    """n_draws independent evaluations of ∇θ loss(energy), flattened: (n_draws, P) float64.

    loss: a function energy -> 0-dim tensor that draws its own randomness at each call (fresh
    chains for CD-k, a minibatch for the exact gradient). P counts the trainable parameters,
    concatenated in named_parameters order. The rows' mean estimates E[∇θ loss], their spread
    its noise: gap_and_standard_error tells the two apart.
    """
    validate.callable_(loss, "loss")
    n_draws = validate.count(n_draws, "n_draws")
    params = validate.module(energy, "energy")
    rows = []
    for _ in range(n_draws):
        grads = torch.autograd.grad(validate.scalar_loss(loss(energy), "loss"), params)
        rows.append(torch.cat([g.reshape(-1) for g in grads]).to(torch.float64))
    return torch.stack(rows)


def gap_and_standard_error(draws: torch.Tensor, reference: torch.Tensor) -> tuple[float, float]:
    """(‖mean_r draws_r - reference‖, √(Σ_p var_p / R)) for draws (R, P) and reference (P,).

    For unbiased draws E‖mean - reference‖² = Σ_p var_p / R: the gap is about one standard
    error and both shrink as 1/√R. A gap many standard errors wide that stays put as R grows
    is a bias of the draws, not their noise. R >= 2.
    """
    validate.batch(draws, "draws")
    if draws.shape[0] < 2:
        raise ValueError(f"draws needs at least 2 rows to measure a spread; got {draws.shape[0]}")
    reference = validate.tensor(reference, "reference", dtype=draws.dtype, device=draws.device)
    if reference.shape != draws.shape[1:]:
        raise ValueError(
            f"reference must have shape ({draws.shape[1]},) like a row of draws; "
            f"got {tuple(reference.shape)}"
        )
    gap = (draws.mean(0) - reference).norm().item()
    return gap, math.sqrt(draws.var(0).sum().item() / draws.shape[0])
