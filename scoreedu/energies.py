"""Energies f_θ(x): the models of chapter 1, p_θ(x) = exp(-f_θ(x)) / Z_θ.

Each energy is a torch.nn.Module mapping x of shape (N, D) to f(x) of shape (N,). Its
parameters θ are nn.Parameters (float64 by default), so maximum likelihood can differentiate
f and log Z in θ; they are cast to x's dtype and device on the way, so one energy serves
float32 and float64, CPU and GPU.

    QuadraticEnergy(mean, cov)        ½ (x-μ)ᵀ Σ⁻¹ (x-μ): a Gaussian, log Z in closed form
    DoubleWell(dim, height, center, tilt)
                                      h Σ_d ((x_d/c)² - 1)² + t Σ_d x_d: two wells per axis
    MixtureEnergy(means, stds, weights)
                                      -log Σ_k w_k N(x; μ_k, σ_k² I): normalised, so Z = 1
    NeuralEnergy(dim, hidden, alpha)  w₂ᵀ tanh(W₁x + b₁) + ½ α ‖x‖²: a small network, confined
    Tempered(energy, temperature)     f(x) / T: flatter for T > 1, sharper for T < 1
"""

import math

import torch
from torch import nn

from scoreedu import validate
from scoreedu.device import get_device
from scoreedu.distributions import LOG_2PI, GaussianMixture


def _parameter(value, name: str, device, dtype) -> nn.Parameter:
    try:
        t = torch.as_tensor(value, dtype=dtype, device=device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"{name} must be numbers (a float, a list or a tensor); got {value!r}"
        ) from err
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} must be finite; got {value!r}")
    return nn.Parameter(t.clone())


def _check_dtype(dtype):
    validate.float_dtype(dtype)
    return dtype


class Energy(nn.Module):
    """Base class: forward(x) checks x once, then calls energy(x). Subclasses set self.dim."""

    dim: int

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        validate.batch(x, dim=self.dim)
        return self.energy(x)

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class QuadraticEnergy(Energy):
    """f(x) = ½ (x-μ)ᵀ Σ⁻¹ (x-μ): the energy of the Gaussian N(μ, Σ).

    mean: (D,). cov: (D, D), symmetric positive definite. Parameters θ: the mean μ and the
    lower Cholesky factor L of Σ = L Lᵀ (so every θ gives a valid Σ while L stays invertible).
    log_partition() = D/2 log 2π + ½ log det Σ = D/2 log 2π + Σ_i log |L_ii|, exactly.

    Example: QuadraticEnergy([0.], [[4.]]).log_partition() = ½ log(2π·4) ≈ 1.612
    """

    def __init__(self, mean, cov, device=None, dtype=torch.float64):
        super().__init__()
        dtype, device = _check_dtype(dtype), get_device("cpu" if device is None else device)
        self.mean = _parameter(mean, "mean", device, dtype)
        if self.mean.dim() != 1:
            raise ValueError(f"mean must have shape (D,); got {tuple(self.mean.shape)}")
        self.dim = d = self.mean.shape[0]
        cov = validate.tensor(cov, "cov", device=device)
        if tuple(cov.shape) != (d, d):
            raise ValueError(f"cov must have shape (D, D) = ({d}, {d}); got {tuple(cov.shape)}")
        if not torch.isfinite(cov).all() or not torch.allclose(cov, cov.T):
            raise ValueError("cov must be finite and symmetric")
        chol, info = torch.linalg.cholesky_ex(cov)
        if info.item() != 0:
            raise ValueError("cov must be positive definite")
        self.scale_tril = nn.Parameter(chol.to(dtype))

    def energy(self, x):
        tril = torch.tril(self.scale_tril).to(x)
        # Solve L z = (x - μ) rather than invert Σ: ½‖z‖² is the same number, computed stably.
        z = torch.linalg.solve_triangular(tril, (x - self.mean.to(x)).T, upper=False)
        return 0.5 * (z**2).sum(0)

    def log_partition(self) -> torch.Tensor:
        """log Z = D/2 log 2π + Σ_i log |L_ii|: 0-dim float64, differentiable in θ."""
        diag = torch.diagonal(self.scale_tril).to(torch.float64)
        return 0.5 * self.dim * LOG_2PI + torch.log(diag.abs()).sum()


class DoubleWell(Energy):
    """f(x) = h Σ_d ((x_d / c)² - 1)² + t Σ_d x_d: a quartic with wells near x_d = ±c.

    height h > 0 is the barrier between the wells (in energy units, at tilt 0); center c > 0
    is where the wells sit; tilt t lowers one well against the other. Parameters θ = (h, c, t),
    each 0-dim. A sum over axes, so Z factorises: log Z in D dimensions = D × log Z in 1-D.
    The quartic grows faster than any tilt, so Z is finite for every h > 0.

    Example: DoubleWell()(torch.tensor([[1.0], [0.0]])) = [0., 1.]
    """

    def __init__(
        self, dim: int = 1, height=1.0, center=1.0, tilt=0.0, device=None, dtype=torch.float64
    ):
        super().__init__()
        self.dim = validate.count(dim, "dim")
        dtype, device = _check_dtype(dtype), get_device("cpu" if device is None else device)
        validate.positive(height, "height")
        validate.positive(center, "center")
        self.height = _parameter(height, "height", device, dtype)
        self.center = _parameter(center, "center", device, dtype)
        self.tilt = _parameter(tilt, "tilt", device, dtype)

    def energy(self, x):
        h, c, t = self.height.to(x), self.center.to(x), self.tilt.to(x)
        return (h * ((x / c) ** 2 - 1) ** 2 + t * x).sum(1)


class MixtureEnergy(Energy):
    """f(x) = -log Σ_k w_k N(x; μ_k, σ_k² I): the negative log-density of a Gaussian mixture.

    means: (K, D); stds: (K,) > 0; weights: (K,) summing to 1. exp(-f) is already a density,
    so Z = 1 and log_partition() = 0 exactly: a check for any estimator of Z.
    Parameters θ: the means, log σ_k and the logits of the weights (softmax gives w), so every
    θ is a valid mixture. mixture() returns the matching GaussianMixture, to sample from it.
    """

    def __init__(self, means, stds, weights, device=None, dtype=torch.float64):
        super().__init__()
        dtype, device = _check_dtype(dtype), get_device("cpu" if device is None else device)
        reference = GaussianMixture(means, stds, weights, device=device)  # validates the inputs
        self.dim = reference.dim
        self.means = nn.Parameter(reference.means.to(dtype))
        self.log_stds = nn.Parameter(torch.log(reference.stds).to(dtype))
        # log 0 = -inf would poison the gradients: a weight of 0 becomes a very negative logit.
        self.logits = nn.Parameter(torch.log(reference.weights.clamp_min(1e-300)).to(dtype))

    def energy(self, x):
        means, log_stds = self.means.to(x), self.log_stds.to(x)
        log_w = torch.log_softmax(self.logits.to(x), dim=0)
        sq = ((x[:, None, :] - means[None]) ** 2).sum(-1)  # (N, K)
        log_n = -self.dim * (log_stds + 0.5 * LOG_2PI) - 0.5 * sq * torch.exp(-2 * log_stds)
        # log-sum-exp: finite far from every mode, where each exp(log_n) underflows to 0.
        return -torch.logsumexp(log_w + log_n, dim=1)

    def log_partition(self) -> torch.Tensor:
        """log Z = 0: the mixture's density is normalised."""
        return torch.zeros((), dtype=torch.float64, device=self.means.device)

    def mixture(self) -> GaussianMixture:
        """The GaussianMixture with the current parameters (detached), e.g. to draw samples."""
        with torch.no_grad():
            weights = torch.softmax(self.logits.double(), 0)
            return GaussianMixture(
                self.means.double(),
                torch.exp(self.log_stds.double()),
                weights / weights.sum(),
                device=self.means.device,
            )


class NeuralEnergy(Energy):
    """f(x) = w₂ᵀ tanh(W₁ x + b₁) + ½ α ‖x‖²: a one-hidden-layer network plus a confining bowl.

    The network part is bounded, |w₂ᵀ tanh(·)| ≤ B = Σ_j |w₂_j|, so the quadratic term wins far
    out and Z is finite: (2π/α)^(D/2) e^(-B) ≤ Z ≤ (2π/α)^(D/2) e^(B). Without the bowl
    (α = 0) nothing stops exp(-f) from staying large at infinity and Z would diverge.
    Weights are drawn from a seeded generator: W₁ ~ N(0, scale²), b₁ ~ N(0, scale²),
    w₂ ~ N(0, 1/hidden) · gain. Parameters θ: W₁, b₁, w₂ (α stays fixed).
    """

    def __init__(
        self,
        dim: int = 1,
        hidden: int = 32,
        alpha=1.0,
        scale=2.0,
        gain=3.0,
        seed: int = 0,
        device=None,
        dtype=torch.float64,
    ):
        super().__init__()
        self.dim = validate.count(dim, "dim")
        self.hidden = validate.count(hidden, "hidden")
        self.alpha = validate.positive(alpha, "alpha")
        scale, gain = validate.positive(scale, "scale"), validate.positive(gain, "gain")
        validate.count(seed, "seed", minimum=0)
        dtype, device = _check_dtype(dtype), get_device("cpu" if device is None else device)
        g = torch.Generator().manual_seed(seed)
        self.w1 = nn.Parameter((scale * torch.randn(hidden, dim, generator=g)).to(device, dtype))
        self.b1 = nn.Parameter((scale * torch.randn(hidden, generator=g)).to(device, dtype))
        w2 = gain * torch.randn(hidden, generator=g) / math.sqrt(hidden)
        self.w2 = nn.Parameter(w2.to(device, dtype))

    def energy(self, x):
        hidden = torch.tanh(x @ self.w1.to(x).T + self.b1.to(x))
        return hidden @ self.w2.to(x) + 0.5 * self.alpha * (x**2).sum(1)

    def network_bound(self) -> float:
        """B = Σ_j |w₂_j|, the most the network part can add to or take from the bowl."""
        return self.w2.detach().abs().sum().item()


class Tempered(Energy):
    """f(x) / T: the same landscape at temperature T > 0.

    exp(-f/T) = exp(-f)^(1/T): T > 1 flattens the density towards uniform over the wells,
    T < 1 sharpens it onto the deepest minimum. The inner energy's parameters stay its own.
    """

    def __init__(self, energy: Energy, temperature=1.0):
        super().__init__()
        validate.callable_(energy, "energy")
        if not hasattr(energy, "dim"):
            raise TypeError("energy must be a scoreedu energy with a .dim attribute")
        self.inner = energy
        self.dim = energy.dim
        self.temperature = validate.positive(temperature, "temperature")

    def energy(self, x):
        return self.inner(x) / self.temperature
