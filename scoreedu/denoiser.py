"""The denoiser E[x | x̃] and the score of the noised data it gives (Vincent; Tweedie).

x̃ = x + σz with x ~ p and z ~ N(0, I), so q(x̃ | x) = N(x̃; x, σ² I) and
p_σ(x̃) = ∫ p(x) q(x̃ | x) dx. Differentiating under the integral (Vincent's identity),
    p_σ(x̃) ∇log p_σ(x̃) = ∫ p(x) q(x̃ | x) ∇x̃ log q(x̃ | x) dx,
and dividing by p_σ(x̃) turns p(x) q(x̃ | x) / p_σ(x̃) into the posterior p(x | x̃) (Tweedie):
    ∇log p_σ(x̃) = E[∇x̃ log q(x̃ | x) | x̃] = (E[x | x̃] − x̃) / σ².
Here p is given by samples x_1..x_M (the empirical distribution, or a Monte Carlo stand-in for
p): the posterior weights are w_i ∝ q(x̃ | x_i), a softmax of −‖x̃ − x_i‖² / (2σ²).
"""

import math

import torch

from scoreedu import validate


def _check(x_noisy, x_clean, sigma):
    sigma = validate.positive(sigma, "sigma")
    validate.batch(x_noisy, "x_noisy")
    validate.batch(x_clean, "x_clean", dim=x_noisy.shape[1])
    if x_clean.dtype != x_noisy.dtype or x_clean.device != x_noisy.device:
        raise ValueError(
            f"x_clean is {x_clean.dtype} on {x_clean.device} but x_noisy is {x_noisy.dtype} "
            f"on {x_noisy.device}: give both the same dtype and device"
        )
    return sigma


def _log_kernel(x_noisy, x_clean, sigma):
    """log q(x̃_n | x_i) up to the constant −(D/2) log(2πσ²): (N, M)."""
    # The direct difference, not cdist: cdist's fast path loses the small distances that
    # decide the weights at a small σ in float32.
    return -0.5 * ((x_noisy[:, None, :] - x_clean[None]) ** 2).sum(-1) / sigma**2


def posterior_weights(x_noisy: torch.Tensor, x_clean: torch.Tensor, sigma: float) -> torch.Tensor:
    """p(x_i | x̃_n) ∝ q(x̃_n | x_i) for p the empirical law of x_clean: (N, M), rows sum to 1.

    x_noisy: (N, D) noised points x̃. x_clean: (M, D) samples of p. sigma > 0.
    """
    sigma = _check(x_noisy, x_clean, sigma)
    return torch.softmax(_log_kernel(x_noisy, x_clean, sigma), dim=1)


def posterior_mean(x_noisy: torch.Tensor, x_clean: torch.Tensor, sigma: float) -> torch.Tensor:
    """The denoiser E[x | x̃] = Σ_i w_i x_i with w = posterior_weights: (N, D).

    Exact when p is the empirical law of x_clean; a Monte Carlo estimate of p's denoiser when
    x_clean are many draws of p.
    """
    return posterior_weights(x_noisy, x_clean, sigma) @ x_clean


def tweedie_score(x_noisy: torch.Tensor, x_clean: torch.Tensor, sigma: float) -> torch.Tensor:
    """∇log p_σ(x̃) = (E[x | x̃] − x̃) / σ², Tweedie's formula, for p given by x_clean: (N, D)."""
    return (posterior_mean(x_noisy, x_clean, sigma) - x_noisy) / sigma**2


def noised_density_gradient(
    x_noisy: torch.Tensor, x_clean: torch.Tensor, sigma: float
) -> torch.Tensor:
    """Vincent's right-hand side, (1/M) Σ_i q(x̃ | x_i) ∇x̃ log q(x̃ | x_i), which is ∇p_σ(x̃).

    ∇x̃ log q(x̃ | x) = −(x̃ − x) / σ². x_noisy: (N, D). x_clean: (M, D). Returns (N, D).
    """
    sigma = _check(x_noisy, x_clean, sigma)
    dim = x_noisy.shape[1]
    kernel = torch.exp(_log_kernel(x_noisy, x_clean, sigma)) / (2 * math.pi * sigma**2) ** (dim / 2)
    kernel_score = -(x_noisy[:, None, :] - x_clean[None]) / sigma**2  # (N, M, D)
    return (kernel[:, :, None] * kernel_score).mean(1)
