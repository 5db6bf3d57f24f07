"""The Gaussian score model of Hyvärinen (2005): s(x) = −P (x − μ), with learnable μ and P.

Its Jacobian is −P everywhere, so tr ∇x s = −tr P and the implicit objective is
    J_I(μ, P) = ½ E[(x − μ)ᵀ P² (x − μ)] − tr P.
Setting the gradients to zero gives μ = the sample mean and P = Σ̂⁻¹, the inverse of the sample
covariance Σ̂ = E[(x − μ)(x − μ)ᵀ] (divided by N, not N − 1), whatever the data's distribution:
the closed form that chapter 3 checks against a numerical minimisation.
"""

import torch
from torch import nn

from scoreedu import validate
from scoreedu.device import get_device


class GaussianScoreModel(nn.Module):
    """s(x) = −(x − μ) P for x: (N, D) -> (N, D), with P symmetric.

    mean: (D,) or None (zeros). precision: (D, D) or None (identity). P is stored as a free
    matrix A and used as (A + Aᵀ)/2, so it stays symmetric under any gradient step.
    jacobian_trace(x) = −tr P for every row: exact, so "auto" traces use it.

    Example: GaussianScoreModel(1, mean=[2.0])(torch.zeros(3, 1)) -> [[2.], [2.], [2.]]
    """

    def __init__(self, dim: int, mean=None, precision=None, device=None, dtype=torch.float64):
        super().__init__()
        validate.count(dim, "dim")
        validate.float_dtype(dtype)
        device = get_device("cpu" if device is None else device)
        make = {"dtype": dtype, "device": device}
        mean = torch.zeros(dim, **make) if mean is None else validate.tensor(mean, "mean", **make)
        if precision is None:
            precision = torch.eye(dim, **make)
        precision = validate.tensor(precision, "precision", **make)
        if tuple(mean.shape) != (dim,):
            raise ValueError(f"mean must have shape ({dim},); got {tuple(mean.shape)}")
        if tuple(precision.shape) != (dim, dim):
            raise ValueError(
                f"precision must have shape ({dim}, {dim}); got {tuple(precision.shape)}"
            )
        if not (torch.isfinite(mean).all() and torch.isfinite(precision).all()):
            raise ValueError("mean and precision must be finite")
        self.dim = dim
        self.mean = nn.Parameter(mean.clone())
        self.raw_precision = nn.Parameter(precision.clone())

    @property
    def precision(self) -> torch.Tensor:
        """P = (A + Aᵀ)/2: (D, D), symmetric."""
        return 0.5 * (self.raw_precision + self.raw_precision.T)

    def _check(self, x):
        validate.batch(x, dim=self.dim, finite=False)
        if x.dtype != self.mean.dtype or x.device != self.mean.device:
            raise ValueError(
                f"x is {x.dtype} on {x.device} but the model is {self.mean.dtype} on "
                f"{self.mean.device}: move one of them (x.to(...) or model.to(...))"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        # linear(v, P) = v Pᵀ = v P (P symmetric); a plain (N, D) @ (D, D) matmul can be much
        # slower for tiny D on a busy multi-threaded CPU.
        return -nn.functional.linear(x - self.mean, self.precision)

    def jacobian_trace(self, x: torch.Tensor) -> torch.Tensor:
        """tr ∇x s(x) = −tr P for every row. x: (N, D) -> (N,)."""
        self._check(x)
        return (-torch.diagonal(self.precision).sum()).expand(x.shape[0])


def closed_form(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Hyvärinen's minimiser of the implicit objective over GaussianScoreModel on data x (N, D).

    Returns (μ, P) = (sample mean (D,), inverse of the 1/N sample covariance (D, D)).
    """
    validate.batch(x)
    if x.shape[0] <= x.shape[1]:
        raise ValueError(
            f"x needs more rows than columns for an invertible covariance; got {tuple(x.shape)}"
        )
    mean = x.mean(0)
    centred = x - mean
    cov = centred.T @ centred / x.shape[0]
    precision, info = torch.linalg.inv_ex(cov)
    if info.item() != 0:
        raise ValueError("x's sample covariance is singular (a constant or repeated column)")
    return mean, precision
