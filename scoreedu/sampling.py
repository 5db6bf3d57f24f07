"""Langevin dynamics: follow the score, plus just enough noise to land on samples of p.

langevin:          x ← x + ε s(x) + √(2ε) z, z ~ N(0, I), for n_steps steps.
annealed_langevin: the same through decreasing noise levels σ_1 > ... > σ_L with the
                   noise-conditional score s(x, σ_i) and step α_i = ε σ_i² / σ_L²
                   (Song & Ermon, 2019).
geometric_sigmas:  the ladder σ_1 > ... > σ_L with a constant ratio.
mode_weights:      the share of samples nearest each mode, to check a sampler's weights.
"""

import torch

from scoreedu import validate
from scoreedu.device import get_device
from scoreedu.noise import standard_normal


def _step(score_values, x, step_size, generator):
    z = standard_normal(x.shape, x, generator)
    return x + step_size * score_values + (2 * step_size) ** 0.5 * z


def langevin(
    score,
    x0: torch.Tensor,
    step_size: float,
    n_steps: int,
    generator=None,
    return_path: bool = False,
):
    """Unadjusted Langevin dynamics from x0.

    score: (N, D) -> (N, D). x0: (N, D). step_size ε > 0. Returns x after n_steps, (N, D);
    with return_path=True also every state, (n_steps + 1, N, D).
    """
    validate.callable_(score, "score")
    validate.batch(x0, "x0")
    step_size = validate.positive(step_size, "step_size")
    validate.count(n_steps, "n_steps", minimum=0)
    validate.generator(generator)
    x, path = x0.detach(), [x0.detach()]
    for _ in range(n_steps):
        s = validate.like_x(score(x), x, "score").detach()
        x = _step(s, x, step_size, generator)
        # Every step, so a diverging chain is named as such before the score sees NaN or inf.
        _check_finite(x, "langevin")
        if return_path:
            path.append(x)
    _check_finite(x, "langevin")
    return (x, torch.stack(path)) if return_path else x


def _check_sigmas(sigmas) -> torch.Tensor:
    try:
        sigmas = torch.as_tensor(sigmas, dtype=torch.float64).flatten()
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"sigmas must be a sequence of numbers > 0; got {sigmas!r}") from err
    if sigmas.numel() == 0 or not torch.isfinite(sigmas).all() or (sigmas <= 0).any():
        raise ValueError(f"sigmas must be finite numbers > 0; got {sigmas.tolist()}")
    if (sigmas[1:] >= sigmas[:-1]).any():
        raise ValueError(f"sigmas must be strictly decreasing; got {sigmas.tolist()}")
    return sigmas


def annealed_langevin(
    score,
    x0: torch.Tensor,
    sigmas,
    step_size: float,
    n_steps_each: int,
    generator=None,
    return_path: bool = False,
):
    """Annealed Langevin dynamics (Song & Ermon, 2019).

    score: (x (N, D), sigma float) -> (N, D). sigmas: decreasing noise levels.
    For each σ_i, n_steps_each steps of x ← x + α_i s(x, σ_i) + √(2α_i) z, α_i = ε σ_i²/σ_L².
    The paper's Algorithm 1 writes the step x + (α_i/2) s + √α_i z: its α_i and ε are twice these.
    Returns x, (N, D); with return_path=True also every state, (L·n_steps_each + 1, N, D).
    """
    validate.callable_(score, "score")
    validate.batch(x0, "x0")
    step_size = validate.positive(step_size, "step_size")
    validate.count(n_steps_each, "n_steps_each")
    validate.generator(generator)
    sigmas = _check_sigmas(sigmas)
    x, path = x0.detach(), [x0.detach()]
    for sigma in sigmas.tolist():
        alpha = step_size * sigma**2 / sigmas[-1].item() ** 2
        for _ in range(n_steps_each):
            s = validate.like_x(score(x, sigma), x, "score").detach()
            x = _step(s, x, alpha, generator)
            _check_finite(x, "annealed_langevin")
            if return_path:
                path.append(x)
    _check_finite(x, "annealed_langevin")
    return (x, torch.stack(path)) if return_path else x


def _check_finite(x, name):
    if not torch.isfinite(x).all():
        raise ValueError(
            f"{name} diverged to NaN or inf: the step size is too large for this "
            f"score; try a smaller step_size"
        )


def geometric_sigmas(
    sigma_max: float, sigma_min: float, n: int, dtype=torch.float64, device=None
) -> torch.Tensor:
    """n noise levels from sigma_max down to sigma_min with a constant ratio (Song & Ermon, 2019).

    σ_i = σ_max (σ_min/σ_max)^((i-1)/(n-1)), i = 1..n: every level is the same fraction of the
    one before, so each p_σ overlaps the next equally and the sampler hands over smoothly.
    Returns (n,), strictly decreasing, on device (default CPU).
    """
    sigma_max = validate.positive(sigma_max, "sigma_max")
    sigma_min = validate.positive(sigma_min, "sigma_min")
    validate.count(n, "n", minimum=2)
    validate.float_dtype(dtype)
    if sigma_min >= sigma_max:
        raise ValueError(
            f"sigma_min must be smaller than sigma_max; got sigma_max={sigma_max}, "
            f"sigma_min={sigma_min}"
        )
    steps = torch.arange(n, dtype=torch.float64) / (n - 1)
    return (sigma_max * (sigma_min / sigma_max) ** steps).to(
        dtype=dtype, device=get_device("cpu" if device is None else device)
    )


def mode_weights(x: torch.Tensor, means) -> torch.Tensor:
    """The share of the samples x nearest each mean: (K,), summing to 1.

    x: (N, D) samples. means: (K, D), e.g. a GaussianMixture's means. For well-separated modes
    this estimates the mixture weights a sampler reproduces.
    """
    validate.batch(x)
    means = validate.tensor(means, "means").to(x)
    if means.dim() != 2 or means.shape[1] != x.shape[1] or means.shape[0] == 0:
        raise ValueError(f"means must have shape (K, {x.shape[1]}); got {tuple(means.shape)}")
    nearest = ((x[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    return torch.bincount(nearest, minlength=means.shape[0]).to(x.dtype) / x.shape[0]
