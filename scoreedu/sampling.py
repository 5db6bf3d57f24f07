"""Langevin dynamics: follow the score, plus just enough noise to land on samples of p.

langevin:          x ← x + ε s(x) + √(2ε) z, z ~ N(0, I), for n_steps steps.
annealed_langevin: the same through decreasing noise levels σ_1 > ... > σ_L with the
                   noise-conditional score s(x, σ_i) and step α_i = ε σ_i² / σ_L²
                   (Song & Ermon, 2019).
geometric_sigmas:  the ladder σ_1 > ... > σ_L with a constant ratio.
mode_weights:      the share of samples nearest each mode, to check a sampler's weights.

Samplers for a noise-conditional score s(x, σ) of the noised densities p_σ (chapter 6), each
run through a decreasing ladder of σ and ended by Tweedie's denoising step:
karras_sigmas:      the ladder of Karras et al. (2022), dense at small σ.
reverse_diffusion:  the reverse-time SDE of the variance-exploding diffusion (Song et al., 2021):
                    x ← x + (σ_i² − σ_{i+1}²) s(x, σ_i) + √(σ_i² − σ_{i+1}²) z; with
                    corrector_steps > 0, Langevin corrector steps at each σ_i (predictor–corrector).
probability_flow:   the deterministic ODE dx/dσ = −σ s(x, σ) with the same marginals p_σ,
                    integrated by Heun's second-order method.
tweedie_denoise:    E[x | x̃] = x̃ + σ² s(x̃, σ), the last step that removes the last σ of noise.
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
        sigmas = torch.as_tensor(sigmas, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"sigmas must be a sequence of numbers > 0; got {sigmas!r}") from err
    if sigmas.dim() > 1:
        raise ValueError(f"sigmas must be 1-D, (L,); got shape {tuple(sigmas.shape)}")
    sigmas = sigmas.flatten()  # a single level may come as a number
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


def _ladder_steps(sigma_max, sigma_min, n, dtype):
    """Checked ends of a noise ladder and its n positions (i-1)/(n-1), i = 1..n, in float64."""
    sigma_max = validate.positive(sigma_max, "sigma_max")
    sigma_min = validate.positive(sigma_min, "sigma_min")
    validate.count(n, "n", minimum=2)
    validate.float_dtype(dtype)
    if sigma_min >= sigma_max:
        raise ValueError(
            f"sigma_min must be smaller than sigma_max; got sigma_max={sigma_max}, "
            f"sigma_min={sigma_min}"
        )
    return sigma_max, sigma_min, torch.arange(n, dtype=torch.float64) / (n - 1)


def geometric_sigmas(
    sigma_max: float, sigma_min: float, n: int, dtype=torch.float64, device=None
) -> torch.Tensor:
    """n noise levels from sigma_max down to sigma_min with a constant ratio (Song & Ermon, 2019).

    σ_i = σ_max (σ_min/σ_max)^((i-1)/(n-1)), i = 1..n: every level is the same fraction of the
    one before, so each p_σ overlaps the next equally and the sampler hands over smoothly.
    Returns (n,), strictly decreasing, on device (default CPU).
    """
    sigma_max, sigma_min, steps = _ladder_steps(sigma_max, sigma_min, n, dtype)
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


def karras_sigmas(
    sigma_max: float, sigma_min: float, n: int, rho: float = 7.0, dtype=torch.float64, device=None
) -> torch.Tensor:
    """n noise levels σ_i = (σ_max^(1/ρ) + (i-1)/(n-1) (σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ, i = 1..n.

    Karras et al. (2022): with ρ = 7 the steps crowd at small σ, where the details of the data
    are decided, and few are spent at large σ, where p_σ is nearly Gaussian. ρ = 1 is a linear
    ladder; ρ → ∞ tends to geometric_sigmas. Returns (n,), strictly decreasing.
    """
    rho = validate.positive(rho, "rho")
    sigma_max, sigma_min, steps = _ladder_steps(sigma_max, sigma_min, n, dtype)
    hi, lo = sigma_max ** (1 / rho), sigma_min ** (1 / rho)
    sigmas = (hi + steps * (lo - hi)) ** rho
    return sigmas.to(dtype=dtype, device=get_device("cpu" if device is None else device))


def _noise_conditional_score(score, x, sigma):
    return validate.like_x(score(x, sigma), x, "score").detach()


def _check_sampler(score, x0, sigmas, generator):
    validate.callable_(score, "score")
    validate.batch(x0, "x0")
    validate.generator(generator)
    checked = _check_sigmas(sigmas)
    if checked.numel() < 2:
        raise ValueError("sigmas must hold at least two levels (a start and an end)")
    return checked.tolist()


def tweedie_denoise(score, x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Tweedie's formula E[x_0 | x̃] = x̃ + σ² s(x̃, σ) for x̃ = x_0 + σz.

    score: (x (N, D), sigma float) -> (N, D). x: (N, D). Returns (N, D). The posterior mean
    removes the noise a sampler leaves at its last level σ_min (a grain of size σ_min √D).
    """
    validate.callable_(score, "score")
    validate.batch(x)
    sigma = validate.positive(sigma, "sigma")
    out = x + sigma**2 * _noise_conditional_score(score, x, sigma)
    if not torch.isfinite(out).all():
        raise ValueError(
            f"score returned NaN or inf at sigma = {sigma:g}: Tweedie's step is not finite"
        )
    return out


def _corrector(score, x, sigma, snr, generator):
    # Song et al. (2021), Algorithm 4: a step whose noise is `snr` times the drift's size.
    s = _noise_conditional_score(score, x, sigma)
    z = standard_normal(x.shape, x, generator)
    ratio = z.norm(dim=1, keepdim=True) / s.norm(dim=1, keepdim=True).clamp(min=1e-12)
    eps = 2 * (snr * ratio) ** 2
    return x + eps * s + (2 * eps).sqrt() * z


def reverse_diffusion(
    score,
    x0: torch.Tensor,
    sigmas,
    generator=None,
    corrector_steps: int = 0,
    snr: float = 0.16,
    denoise: bool = True,
):
    """The reverse-time SDE of the variance-exploding diffusion, optionally with a corrector.

    score: (x (N, D), sigma float) -> (N, D). x0: (N, D), a draw of N(0, σ_1² I) (p_σ1 for a
    large σ_1). sigmas: decreasing levels σ_1 > ... > σ_L. Predictor, for i = 1..L-1:
        x ← x + (σ_i² − σ_{i+1}²) s(x, σ_i) + √(σ_i² − σ_{i+1}²) z,
    preceded by `corrector_steps` Langevin steps at σ_i with signal-to-noise ratio `snr`
    (the predictor–corrector sampler). denoise=True ends with tweedie_denoise at σ_L.
    Returns (N, D).
    """
    sigmas = _check_sampler(score, x0, sigmas, generator)
    validate.count(corrector_steps, "corrector_steps", minimum=0)
    snr = validate.positive(snr, "snr")
    x = x0.detach()
    for hi, lo in zip(sigmas, sigmas[1:]):
        for _ in range(corrector_steps):
            x = _corrector(score, x, hi, snr, generator)
        var = hi**2 - lo**2
        s = _noise_conditional_score(score, x, hi)
        x = x + var * s + var**0.5 * standard_normal(x.shape, x, generator)
        _check_finite(x, "reverse_diffusion")
    return tweedie_denoise(score, x, sigmas[-1]) if denoise else x


def probability_flow(score, x0: torch.Tensor, sigmas, denoise: bool = True):
    """The probability-flow ODE dx/dσ = −σ s(x, σ), integrated by Heun's method from σ_1 to σ_L.

    Its solution has the same marginals p_σ as the diffusion, without noise: each step costs two
    score calls (Euler, then the trapezoid of the two slopes; the last step is Euler only), and
    the second-order accuracy lets a few tens of steps do the work of hundreds.
    score: (x (N, D), sigma float) -> (N, D). x0: (N, D), a draw of N(0, σ_1² I). sigmas:
    decreasing levels. denoise=True ends with tweedie_denoise at σ_L. Returns (N, D).
    """
    sigmas = _check_sampler(score, x0, sigmas, None)
    x = x0.detach()
    last = len(sigmas) - 2
    for i, (hi, lo) in enumerate(zip(sigmas, sigmas[1:])):
        slope = -hi * _noise_conditional_score(score, x, hi)
        x_euler = x + (lo - hi) * slope
        if i < last:
            slope_lo = -lo * _noise_conditional_score(score, x_euler, lo)
            x = x + (lo - hi) * (slope + slope_lo) / 2
        else:
            x = x_euler
        _check_finite(x, "probability_flow")
    return tweedie_denoise(score, x, sigmas[-1]) if denoise else x
