"""Densities whose score is known in closed form: the ground truth of every chapter.

Gaussian(mean, cov) and GaussianMixture(means, stds, weights) both give
log_prob(x) -> (N,), score(x) -> (N, D) and sample(n) -> (n, D). They follow the device and
dtype of x, so one object serves float32 and float64, CPU and GPU.
"""

import math

import torch

from scoreedu import validate
from scoreedu.device import get_device
from scoreedu.noise import standard_normal

LOG_2PI = math.log(2 * math.pi)


def _as_tensor(value, name: str, device) -> torch.Tensor:
    try:
        t = torch.as_tensor(value, dtype=torch.float64, device=device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{name} must be numbers (a list or a tensor); got {value!r}") from err
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} must be finite; it holds NaN or inf")
    return t


class Gaussian:
    """N(mean, cov) in D dimensions.

    mean: (D,). cov: (D, D), symmetric positive definite.
    log_prob(x) = -½ (x-μ)ᵀ Σ⁻¹ (x-μ) - ½ log det(2πΣ);  score(x) = -Σ⁻¹ (x-μ).

    Example: Gaussian([0., 0.], [[1., 0.], [0., 4.]]).score(torch.ones(1, 2)) -> [[-1, -0.25]]
    """

    def __init__(self, mean, cov, device=None):
        device = get_device("cpu" if device is None else device)
        self.mean = _as_tensor(mean, "mean", device)
        self.cov = _as_tensor(cov, "cov", device)
        if self.mean.dim() != 1:
            raise ValueError(f"mean must have shape (D,); got {tuple(self.mean.shape)}")
        d = self.mean.shape[0]
        if tuple(self.cov.shape) != (d, d):
            raise ValueError(
                f"cov must have shape (D, D) = ({d}, {d}) to match mean; "
                f"got {tuple(self.cov.shape)}"
            )
        if not torch.allclose(self.cov, self.cov.T):
            raise ValueError("cov must be symmetric")
        chol, info = torch.linalg.cholesky_ex(self.cov)
        if info.item() != 0:
            raise ValueError("cov must be positive definite")
        self.chol = chol
        self.precision = torch.cholesky_inverse(chol)
        self.dim = d

    def _params(self, x):
        return self.mean.to(x), self.precision.to(x)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log N(x; μ, Σ) per row. x: (N, D) -> (N,)."""
        validate.batch(x, dim=self.dim)
        mean, precision = self._params(x)
        diff = x - mean
        maha = ((diff @ precision) * diff).sum(1)
        logdet = 2 * torch.log(torch.diagonal(self.chol)).sum().to(x)
        return -0.5 * (maha + logdet + self.dim * LOG_2PI)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """∇x log N(x; μ, Σ) = -Σ⁻¹(x - μ). x: (N, D) -> (N, D)."""
        validate.batch(x, dim=self.dim)
        mean, precision = self._params(x)
        return -(x - mean) @ precision

    def noised(self, sigma: float) -> "Gaussian":
        """p_σ, the law of x + σz with x ~ this Gaussian and z ~ N(0, I): N(μ, Σ + σ² I)."""
        sigma = validate.positive(sigma, "sigma")
        eye = torch.eye(self.dim, dtype=self.cov.dtype, device=self.cov.device)
        return Gaussian(self.mean, self.cov + sigma**2 * eye, device=self.mean.device)

    def sample(self, n: int, generator=None, dtype=torch.float32) -> torch.Tensor:
        """n draws μ + L z with Σ = L Lᵀ, z ~ N(0, I). Returns (n, D) in dtype."""
        validate.count(n, "n")
        validate.generator(generator)
        validate.float_dtype(dtype)
        like = self.mean.to(dtype)
        z = standard_normal((n, self.dim), like, generator)
        return like + z @ self.chol.to(dtype).T


class GaussianMixture:
    """Σ_k w_k N(μ_k, σ_k² I): a mixture of K isotropic Gaussians in D dimensions.

    means: (K, D). stds: (K,), all > 0. weights: (K,), non-negative, summing to 1.
    log_prob(x) = logsumexp_k [log w_k + log N(x; μ_k, σ_k² I)], computed in log space so it
    stays finite far from every mode.
    score(x) = Σ_k r_k(x) (μ_k - x) / σ_k², with r_k(x) the posterior weight of component k.
    """

    def __init__(self, means, stds, weights, device=None):
        device = get_device("cpu" if device is None else device)
        self.means = _as_tensor(means, "means", device)
        self.stds = _as_tensor(stds, "stds", device)
        self.weights = _as_tensor(weights, "weights", device)
        if self.means.dim() != 2:
            raise ValueError(f"means must have shape (K, D); got {tuple(self.means.shape)}")
        k, self.dim = self.means.shape
        if k == 0 or self.dim == 0:
            raise ValueError(
                f"means must hold at least one (D,) row; got {tuple(self.means.shape)}"
            )
        for name, t in (("stds", self.stds), ("weights", self.weights)):
            if tuple(t.shape) != (k,):
                raise ValueError(
                    f"{name} must have shape (K,) = ({k},) to match means; got {tuple(t.shape)}"
                )
        if (self.stds <= 0).any():
            raise ValueError(f"stds must all be > 0; got {self.stds.tolist()}")
        if (self.weights < 0).any():
            raise ValueError(f"weights must be non-negative; got {self.weights.tolist()}")
        if abs(self.weights.sum().item() - 1.0) > 1e-6:
            raise ValueError(f"weights must sum to 1; they sum to {self.weights.sum().item():.6g}")
        self.n_components = k

    def _component_log_probs(self, x):
        """log w_k + log N(x; μ_k, σ_k² I) for every row and component: (N, K)."""
        means, stds, weights = self.means.to(x), self.stds.to(x), self.weights.to(x)
        # The direct form rather than cdist: cdist loses precision for nearby points in float32,
        # and (N, K, D) is small for the mixtures used here.
        sq = ((x[:, None, :] - means[None]) ** 2).sum(-1)
        log_norm = -self.dim * (torch.log(stds) + 0.5 * LOG_2PI)
        return torch.log(weights) + log_norm - 0.5 * sq / stds**2

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) per row. x: (N, D) -> (N,)."""
        validate.batch(x, dim=self.dim)
        return torch.logsumexp(self._component_log_probs(x), dim=1)

    def responsibilities(self, x: torch.Tensor) -> torch.Tensor:
        """Posterior weights r_k(x) = w_k N_k(x) / p(x). x: (N, D) -> (N, K), rows sum to 1."""
        validate.batch(x, dim=self.dim)
        return torch.softmax(self._component_log_probs(x), dim=1)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """∇x log p(x) = Σ_k r_k(x) (μ_k - x) / σ_k². x: (N, D) -> (N, D)."""
        r = self.responsibilities(x)
        means, var = self.means.to(x), self.stds.to(x) ** 2
        component_scores = (means[None] - x[:, None, :]) / var[None, :, None]
        return (r[:, :, None] * component_scores).sum(1)

    def noised(self, sigma: float) -> "GaussianMixture":
        """p_σ, the law of x + σz with z ~ N(0, I): the same mixture with stds √(σ_k² + σ²)."""
        sigma = validate.positive(sigma, "sigma")
        stds = torch.sqrt(self.stds**2 + sigma**2)
        return GaussianMixture(self.means, stds, self.weights, device=self.means.device)

    def sample(self, n: int, generator=None, dtype=torch.float32, return_labels=False):
        """n draws: pick k with probability w_k, then μ_k + σ_k z. Returns (n, D) (and (n,))."""
        validate.count(n, "n")
        validate.generator(generator)
        validate.float_dtype(dtype)
        where = generator.device if generator is not None else self.weights.device
        labels = torch.multinomial(
            self.weights.to(where), n, replacement=True, generator=generator
        ).to(self.weights.device)
        like = self.means.to(dtype)
        z = standard_normal((n, self.dim), like, generator)
        x = like[labels] + self.stds.to(dtype)[labels, None] * z
        return (x, labels) if return_labels else x
