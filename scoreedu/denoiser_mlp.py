"""A noise-conditional score network for real data, written as a denoiser.

Tweedie's formula ties the score of the noised data p_σ to the best denoiser:
    E[x | x̃] = x̃ + σ² ∇ log p_σ(x̃),   so   s(x̃, σ) = (D(x̃, σ) − x̃) / σ².
The network predicts D with the preconditioning of Karras et al. (2022, "EDM"):
    D(x̃, σ) = c_skip(σ) x̃ + c_out(σ) F(c_in(σ) x̃, log σ),
    c_skip = σ_d² / (σ² + σ_d²),  c_out = σ σ_d / √(σ² + σ_d²),  c_in = 1 / √(σ² + σ_d²),
with σ_d the data's standard deviation: F's input and target both have unit scale at every σ,
and D ≈ x̃ at small σ (nothing left to remove), D ≈ the mean at large σ.
Training is denoising score matching, ½ λ(σ) ‖D(x + σz, σ) − x‖² with λ = 1 / c_out², which is
σ⁴ / c_out² · ½‖s + z/σ‖²: the same objective as chapter 5, weighted so every σ counts alike.
"""

import copy
import math

import torch
from torch import nn

from scoreedu import validate
from scoreedu.nets import check_input, noise_levels, silu_mlp


class DenoiserMLP(nn.Module):
    """D(x̃, σ) and s(x̃, σ) = (D − x̃)/σ² for data of dimension `dim` (see the module docstring).

    F is an MLP with `depth` hidden layers of width `hidden` (SiLU) on [c_in x̃, embedding of
    log σ]; the embedding is `n_freq` sine/cosine pairs. sigma_data: σ_d, the data's std.
    forward(x, sigma) is the score (N, D); denoise(x, sigma) is D (N, D).
    """

    def __init__(
        self,
        dim: int,
        hidden: int = 256,
        depth: int = 3,
        sigma_data: float = 0.5,
        n_freq: int = 16,
        device=None,
        dtype=torch.float32,
    ):
        super().__init__()
        validate.count(dim, "dim")
        validate.count(n_freq, "n_freq")
        self.dim, self.sigma_data = dim, validate.positive(sigma_data, "sigma_data")
        self.net = silu_mlp(dim + 2 * n_freq, hidden, depth, dim, device, dtype)
        device = self.net[0].weight.device
        freqs = torch.exp(torch.linspace(0, math.log(100), n_freq, dtype=dtype, device=device))
        self.register_buffer("freqs", freqs)

    def _embed(self, sigma):
        angle = torch.log(sigma) / 4 * self.freqs
        return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1)

    def denoise(self, x: torch.Tensor, sigma) -> torch.Tensor:
        """D(x̃, σ) ≈ E[x | x̃]: (N, D)."""
        return self._denoise(x, self._sigma_column(x, sigma))

    def forward(self, x: torch.Tensor, sigma) -> torch.Tensor:
        """The score s(x̃, σ) = (D(x̃, σ) − x̃) / σ²: (N, D)."""
        sigma = self._sigma_column(x, sigma)
        return (self._denoise(x, sigma) - x) / sigma**2

    def _sigma_column(self, x, sigma) -> torch.Tensor:
        """Checks x against the model and returns σ as an (N, 1) column."""
        if x.dtype == torch.float64 and self.freqs.dtype == torch.float32:
            # the likeliest slip with digits loaded in float64: say how to fix it
            raise TypeError(
                f"x is float64 but the model is {self.freqs.dtype}: pass x.float() "
                f"(or build the model with dtype=torch.float64)"
            )
        check_input(x, self.dim, self.net[0].weight)
        return noise_levels(sigma, x)[:, None]

    def _denoise(self, x, sigma):
        var = sigma**2 + self.sigma_data**2
        c_skip, c_out = self.sigma_data**2 / var, sigma * self.sigma_data / var.sqrt()
        f = self.net(torch.cat([x / var.sqrt(), self._embed(sigma)], dim=1))
        return c_skip * x + c_out * f


def denoiser_loss(model: DenoiserMLP, x: torch.Tensor, sigma: torch.Tensor, z: torch.Tensor):
    """½ mean of λ(σ) ‖D(x + σz, σ) − x‖², λ = (σ² + σ_d²)/(σ σ_d)². x, z: (N, D); sigma: (N,)."""
    if not isinstance(model, DenoiserMLP):
        raise TypeError(f"model must be a DenoiserMLP; got {type(model).__name__}")
    validate.batch(x, dim=model.dim)
    validate.batch(z, "z", dim=model.dim)
    validate.like_x(z, x, "z")
    s = model._sigma_column(x, sigma)
    weight = (s**2 + model.sigma_data**2) / (s * model.sigma_data) ** 2
    return 0.5 * (weight * (model._denoise(x + s * z, s) - x) ** 2).sum(1).mean()


class EMA:
    """An exponential moving average of a model's weights, θ̄ ← β θ̄ + (1 − β) θ.

    Averaging the last few thousand Adam steps removes most of the noise of the final iterate;
    samplers are sensitive to that noise at small σ.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999):
        validate.module(model)
        self.model, self.decay = copy.deepcopy(model).eval(), _decay(decay)
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, decay: float | None = None):
        """θ̄ ← β θ̄ + (1 − β) θ for the weights θ of model (the one the average was made of)."""
        validate.module(model)
        beta = self.decay if decay is None else _decay(decay)
        averages, weights = list(self.model.parameters()), list(model.parameters())
        if [a.shape for a in averages] != [p.shape for p in weights]:
            raise ValueError("model must have the architecture of the model the EMA was made of")
        for avg, p in zip(averages, weights):
            avg.lerp_(p.detach(), 1 - beta)


def _decay(decay) -> float:
    decay = validate.real(decay, "decay")
    if not 0 <= decay < 1:
        raise ValueError(f"decay must be a number in [0, 1); got {decay}")
    return decay
