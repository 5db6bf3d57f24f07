"""Hyvärinen's lemma checked by quadrature: every step of the proof as a number.

In 1-D, on a grid over [lo, hi], for a density p with score ψ = ∂x log p and a model s:
  explicit     J_E = ½ ∫ p (s − ψ)² dx
  expanded     J_E = ½ ∫ p s² dx − ∫ p s ψ dx + ½ ∫ p ψ² dx
  cross term   ∫ p s ψ dx = ∫ s ∂x p dx                      because p ψ = ∂x p
  by parts     ∫ s ∂x p dx = [p s]_lo^hi − ∫ p ∂x s dx
  result       J_E = ∫ p (½ s² + ∂x s) dx + ½ ∫ p ψ² dx − [p s]_lo^hi = J_I + C − [p s]_lo^hi
The boundary term [p s] vanishes when p s → 0 at both ends (a density on all of R with tails
that beat the model's growth); on a bounded support it need not, and then the implicit
objective is not the explicit one plus a constant. TruncatedNormal is such a density.

quadrature_objectives does the D-dimensional version (D = 1 or 2) on a tensor grid, and
coordinate_terms checks its step, integration by parts in one coordinate at a time, in 2-D.
Quadrature runs in float64: the identities hold to ~1e-10 there, far below any effect shown.
"""

import math

import torch
from torch import nn

from scoreedu import validate
from scoreedu.device import get_device
from scoreedu.gradient_field import loop_jacobian
from scoreedu.plot import grid
from scoreedu.trace import jacobian_trace


def grid_1d(lo: float, hi: float, n: int = 4001, dtype=torch.float64, device="cpu"):
    """n equally spaced points from lo to hi, as a column: (n, 1), the (N, D) layout with D = 1."""
    validate.count(n, "n", minimum=3)
    lo, hi = validate.real(lo, "lo"), validate.real(hi, "hi")
    if not lo < hi:
        raise ValueError(f"lo and hi must be finite with lo < hi; got lo={lo}, hi={hi}")
    validate.float_dtype(dtype)
    return torch.linspace(lo, hi, n, dtype=dtype, device=get_device(device))[:, None]


def _grid_values(values, name: str) -> torch.Tensor:
    """values on a 1-D grid, (n,) or (n, 1), as (n,): a floating tensor of at least 2 entries."""
    if not isinstance(values, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (n,) or (n, 1); got {values!r}")
    if not values.is_floating_point():
        raise TypeError(f"{name} must be float32 or float64; got {values.dtype}")
    if values.dim() not in (1, 2) or (values.dim() == 2 and values.shape[1] != 1):
        raise ValueError(f"{name} must have shape (n,) or (n, 1); got {tuple(values.shape)}")
    if values.shape[0] < 2:
        raise ValueError(f"{name} must hold at least 2 grid points; got {values.shape[0]}")
    return values.reshape(-1)


def trapezoid_weights(x: torch.Tensor) -> torch.Tensor:
    """Weights w with Σ w f(x_i) ≈ ∫ f dx on the sorted 1-D grid x ((n,) or (n, 1)): (n,)."""
    x = _grid_values(x, "x")
    if not (x[1:] > x[:-1]).all():
        raise ValueError("x must be an increasing grid of at least 2 points")
    dx = x[1:] - x[:-1]
    w = torch.zeros_like(x)
    w[:-1] += 0.5 * dx
    w[1:] += 0.5 * dx
    return w


def integrate(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """∫ values dx by the trapezoid rule on the 1-D grid x. values: (n,) or (n, 1). Returns 0-dim.

    For integrands that decay to ~0 at both ends of the grid the trapezoid rule is accurate to
    far better than its O(h²) worst case (the error terms cancel in pairs).
    """
    values, weights = _grid_values(values, "values"), trapezoid_weights(x)
    if values.numel() != weights.numel():
        raise ValueError(
            f"values must have one entry per grid point ({weights.numel()}); got {values.numel()}"
        )
    if not torch.isfinite(values).all():
        raise ValueError("values must be finite; they hold NaN or inf")
    return (weights * values).sum()


def derivative(f, x: torch.Tensor) -> torch.Tensor:
    """d f / dx at each point of the 1-D grid x (n, 1), by autograd. Returns (n,).

    f maps (n, 1) to (n,) or (n, 1), each output depending on its own row only, so the gradient
    of the sum is the pointwise derivative.
    """
    validate.callable_(f, "f")
    validate.batch(x, dim=1)
    with torch.enable_grad():
        leaf = x.detach().requires_grad_(True)
        values = validate.differentiable(f(leaf), "f")
        (grad,) = torch.autograd.grad(values.sum(), leaf)
    return grad[:, 0]


def boundary_term(values: torch.Tensor) -> torch.Tensor:
    """[f]_lo^hi = f(hi) − f(lo) for values f on a grid. values: (n,) or (n, 1). Returns 0-dim."""
    values = _grid_values(values, "values")
    return values[-1] - values[0]


def _check_density(density) -> None:
    for method in ("log_prob", "score"):
        if not callable(getattr(density, method, None)):
            raise TypeError(
                f"density must have a .{method}(x) method, like TruncatedNormal or "
                f"distributions.Gaussian; got {type(density).__name__}"
            )


def lemma_terms(density, score_model, x: torch.Tensor) -> dict:
    """Every quantity of the 1-D proof (module docstring) on the grid x (n, 1), by quadrature.

    density: log_prob (n, 1) -> (n,) and score (n, 1) -> (n, 1). score_model: (n, 1) -> (n, 1).
    Returns name -> 0-dim tensor: explicit, model_term (½∫ps²), cross_term (∫psψ), constant
    (½∫pψ²), cross_by_dp (∫s ∂x p), boundary ([ps]), trace_term (∫p ∂x s), implicit.
    """
    _check_density(density)
    validate.callable_(score_model, "score_model")
    validate.batch(x, dim=1)
    p = density.log_prob(x).exp()
    psi = density.score(x)[:, 0]
    s = validate.like_x(score_model(x), x, "score_model")[:, 0].detach()
    dp = derivative(lambda t: density.log_prob(t).exp(), x)
    ds = derivative(lambda t: score_model(t)[:, 0], x)
    model_term = integrate(0.5 * p * s**2, x)
    trace_term = integrate(p * ds, x)
    return {
        "explicit": integrate(0.5 * p * (s - psi) ** 2, x),
        "model_term": model_term,
        "cross_term": integrate(p * s * psi, x),
        "constant": integrate(0.5 * p * psi**2, x),
        "cross_by_dp": integrate(s * dp, x),
        "boundary": boundary_term(p * s),
        "trace_term": trace_term,
        "implicit": model_term + trace_term,
    }


def quadrature_objectives(score_model, density, bounds, n: int = 201) -> dict:
    """Explicit and implicit objectives as integrals against p on a tensor grid (D = 1 or 2).

    bounds: D pairs (lo, hi) that hold almost all of p's mass. Returns name -> 0-dim float64:
      explicit  ½ ∫ p ‖s − ψ‖²,   implicit  ∫ p (½‖s‖² + tr ∇x s),   constant  ½ ∫ p ‖ψ‖²,
      mass      ∫ p (≈ 1 when the box holds the density).
    The model's score and trace come from the same calls implicit_score_matching makes.
    """
    validate.callable_(score_model, "score_model")
    _check_density(density)
    try:
        bounds = [(float(lo), float(hi)) for lo, hi in bounds]
    except (TypeError, ValueError) as err:
        raise TypeError(f"bounds must be D (lo, hi) pairs, e.g. [(-5, 5)]; got {bounds!r}") from err
    validate.count(n, "n", minimum=3)
    if len(bounds) not in (1, 2):
        raise ValueError(f"bounds must hold 1 or 2 (lo, hi) pairs; got {len(bounds)}")
    if len(bounds) == 1:
        x = grid_1d(*bounds[0], n)
        w = trapezoid_weights(x)
    else:
        xs, ys, x = grid(bounds, n)  # row-major: x_1 varies fastest
        w = (trapezoid_weights(ys)[:, None] * trapezoid_weights(xs)[None, :]).reshape(-1)
    wp = w * density.log_prob(x).exp()
    param = next(score_model.parameters(), None) if isinstance(score_model, nn.Module) else None
    xm = x if param is None else x.to(param)  # the model's dtype; the sums stay float64
    # In chunks, each detached: a 201 × 201 grid through a network with its autograd graph
    # would otherwise hold gigabytes at once.
    s, trace = [], []
    for chunk in torch.split(xm, 4096):
        s.append(score_model(chunk).detach().to(x))
        trace.append(jacobian_trace(score_model, chunk).detach().to(x))
    s, trace = torch.cat(s), torch.cat(trace)
    psi = density.score(x)
    return {
        "explicit": (wp * 0.5 * ((s - psi) ** 2).sum(1)).sum(),
        "implicit": (wp * (0.5 * (s**2).sum(1) + trace)).sum(),
        "constant": (wp * 0.5 * (psi**2).sum(1)).sum(),
        "mass": wp.sum(),
    }


def sampled_gap(score_model, x: torch.Tensor, true_score) -> tuple[float, float]:
    """J_E − J_I on the samples x, with its Monte Carlo standard error.

    Per sample, ½‖s − ψ‖² − (½‖s‖² + tr ∇x s) = ½‖ψ‖² − s·ψ − tr ∇x s, with ψ = true_score(x);
    its mean over the samples estimates C = ½ E‖ψ‖² for every model (the lemma), and its
    standard deviation / √N is the error of that estimate. x: (N, D). Returns (mean, s.e.).
    """
    validate.callable_(score_model, "score_model")
    validate.callable_(true_score, "true_score")
    validate.batch(x)
    if x.shape[0] < 2:
        raise ValueError(f"x needs at least 2 rows for a standard error; got {x.shape[0]}")
    psi = validate.batch(true_score(x), "true_score", dim=x.shape[1])
    psi = validate.like_x(psi, x, "true_score").detach()
    s = validate.like_x(score_model(x), x, "score_model").detach()
    per_sample = 0.5 * (psi**2).sum(1) - (s * psi).sum(1) - jacobian_trace(score_model, x).detach()
    return per_sample.mean().item(), per_sample.std().item() / math.sqrt(x.shape[0])


def coordinate_terms(score_model, density, bounds, n: int = 201) -> dict:
    """The D-dimensional step of the lemma, one coordinate pair at a time, on a 2-D grid.

    Integrating by parts in x_j, the other coordinates held fixed, gives for every i and j
        ∫ p s_i ∂_j log p dx = ∫ s_i ∂_j p dx = B_ij − ∫ p ∂_j s_i dx,
    with B_ij = ∫ [p s_i] from x_j = lo to x_j = hi, integrated over the other coordinate.
    The lemma's cross term E[s · ∇x log p] is the trace (i = j) of the left side, so it equals
    tr B − E[tr ∇x s_θ], and tr B → 0 when p s_θ vanishes at the edges.
    bounds: two (lo, hi) pairs. Returns name -> float64 tensor:
      cross     (2, 2)  [i, j] = E[s_i ∂_j log p]
      jacobian  (2, 2)  [i, j] = E[∂_j s_i], the mean Jacobian of the model
      boundary  (2, 2)  [i, j] = B_ij
    """
    validate.callable_(score_model, "score_model")
    _check_density(density)
    if len(bounds) != 2:
        raise ValueError(f"bounds must hold 2 (lo, hi) pairs; got {len(bounds)}")
    validate.count(n, "n", minimum=3)
    xs, ys, x = grid(bounds, n)  # row-major: x_1 varies fastest
    wx, wy = trapezoid_weights(xs), trapezoid_weights(ys)
    p = density.log_prob(x).exp()
    param = next(score_model.parameters(), None) if isinstance(score_model, nn.Module) else None
    xm = x if param is None else x.to(param)
    s = torch.cat([score_model(c).detach().to(x) for c in torch.split(xm, 4096)])
    jac = torch.cat([loop_jacobian(score_model, c).to(x) for c in torch.split(xm, 4096)])
    wp = (wy[:, None] * wx[None, :]).reshape(-1) * p
    ps = (p[:, None] * s).reshape(n, n, 2)  # [i_y, i_x, i]
    edges_x1 = wy @ (ps[:, -1, :] - ps[:, 0, :])  # [p s_i] across x_1, integrated over x_2
    edges_x2 = wx @ (ps[-1, :, :] - ps[0, :, :])  # [p s_i] across x_2, integrated over x_1
    return {
        "cross": torch.einsum("n,ni,nj->ij", wp, s, density.score(x)),
        "jacobian": torch.einsum("n,nij->ij", wp, jac),
        "boundary": torch.stack([edges_x1, edges_x2], dim=1),
    }


class TruncatedNormal:
    """N(mean, std²) restricted to [lo, hi] (hi may be math.inf): a density with a hard edge.

    log_prob(x) = −(x − mean)² / (2 std²) − log(std √(2π) Z) inside, −inf outside, with
    Z = Φ((hi − mean)/std) − Φ((lo − mean)/std). score(x) = −(x − mean)/std² inside the support
    (the formula is returned everywhere; outside, p = 0 and the score has no meaning).
    p(lo) > 0, so p s does not vanish at lo: the boundary condition of the lemma fails.
    x: (N, 1). Example: TruncatedNormal(0.0) is the half-normal on [0, ∞), mean √(2/π).
    """

    dim = 1

    def __init__(self, lo: float = 0.0, hi: float = math.inf, mean: float = 0.0, std: float = 1.0):
        self.std = validate.positive(std, "std")
        lo, mean = validate.real(lo, "lo"), validate.real(mean, "mean")
        if isinstance(hi, bool) or not isinstance(hi, (int, float)) or math.isnan(hi):
            raise TypeError(f"hi must be a number or math.inf; got {hi!r}")
        if not lo < hi:
            raise ValueError(f"need finite lo and mean, and lo < hi; got lo={lo}, hi={hi}")
        self.lo, self.hi, self.mean = float(lo), float(hi), float(mean)
        a, b = self._standard(self.lo), self._standard(self.hi)
        self.cdf_lo = 0.5 * math.erfc(-a / math.sqrt(2))
        self.cdf_hi = 0.5 * math.erfc(-b / math.sqrt(2)) if math.isfinite(b) else 1.0
        self.log_norm = math.log(self.std * math.sqrt(2 * math.pi) * (self.cdf_hi - self.cdf_lo))

    def _standard(self, value):
        return (value - self.mean) / self.std

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) per row; −inf outside [lo, hi]. x: (N, 1) -> (N,)."""
        validate.batch(x, dim=1)
        inside = (x[:, 0] >= self.lo) & (x[:, 0] <= self.hi)
        values = -0.5 * self._standard(x[:, 0]) ** 2 - self.log_norm
        return torch.where(inside, values, torch.full_like(values, -math.inf))

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """∂x log p = −(x − mean)/std² (inside the support). x: (N, 1) -> (N, 1)."""
        validate.batch(x, dim=1)
        return -(x - self.mean) / self.std**2

    def expected_value(self) -> float:
        """E[x] = mean + std (φ(a) − φ(b)) / Z, with a, b the standardised ends."""
        a, b = self._standard(self.lo), self._standard(self.hi)
        phi_a = math.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
        phi_b = math.exp(-0.5 * b * b) / math.sqrt(2 * math.pi) if math.isfinite(b) else 0.0
        return self.mean + self.std * (phi_a - phi_b) / (self.cdf_hi - self.cdf_lo)

    def sample(self, n: int, generator=None, dtype=torch.float32, device=None) -> torch.Tensor:
        """n draws by the inverse CDF: x = mean + std Φ⁻¹(u), u ~ U(Φ(a), Φ(b)). Returns (n, 1).

        Drawn in float64 on the generator's device (so a seed gives the same numbers anywhere),
        then moved to device (default: the CPU) and dtype.
        """
        validate.count(n, "n")
        validate.generator(generator)
        validate.float_dtype(dtype)
        where = generator.device if generator is not None else "cpu"
        u = torch.rand(n, 1, generator=generator, dtype=torch.float64, device=where)
        u = self.cdf_lo + (self.cdf_hi - self.cdf_lo) * u
        x = self.mean + self.std * torch.special.ndtri(u)
        return x.clamp(self.lo, self.hi).to(device=get_device(device or "cpu"), dtype=dtype)
