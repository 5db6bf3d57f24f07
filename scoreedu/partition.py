"""The partition function Z = ∫ exp(-f(x)) dx, where it can be computed, and what it costs.

log_partition_grid      quadrature on a regular grid of n points per axis: n^D evaluations.
log_partition_importance  Monte Carlo: Z = E_q[exp(-f(x)) / q(x)] with x ~ q, plus its error.
grid_cost               the n^D law turned into evaluations and years, in log10.

Everything is summed in log space: log Z = logsumexp_i(log w_i - f(x_i)). exp(-f) underflows to
0 in float64 once f > 745 and overflows to inf once f < -709, yet log Z is an ordinary number;
the log-sum-exp subtracts the largest term before exponentiating, so it never leaves range.
"""

import math
from collections.abc import Iterator

import torch

from scoreedu import validate
from scoreedu.device import get_device

RULES = ("trapezoid", "simpson")
SECONDS_PER_YEAR = 365.25 * 24 * 3600


def _check_bounds(bounds) -> list[tuple[float, float]]:
    try:
        pairs = [(float(lo), float(hi)) for lo, hi in bounds]
    except (TypeError, ValueError) as err:
        raise TypeError(
            "bounds must be a sequence of D (lo, hi) pairs, e.g. [(-5, 5), (-5, 5)]; "
            f"got {bounds!r}"
        ) from err
    if not pairs:
        raise ValueError("bounds must hold at least one (lo, hi) pair")
    for d, (lo, hi) in enumerate(pairs):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"bounds[{d}] = ({lo}, {hi}) must be finite")
        if lo >= hi:
            raise ValueError(f"bounds[{d}] = ({lo}, {hi}) is empty: it needs lo < hi")
    return pairs


def _axis(lo: float, hi: float, n: int, rule: str, device):
    """Nodes (n,) and log-weights (n,) of a 1-D rule on [lo, hi], both float64."""
    nodes = torch.linspace(lo, hi, n, dtype=torch.float64, device=device)
    h = (hi - lo) / (n - 1)
    if rule == "trapezoid":
        weights = torch.full((n,), h, dtype=torch.float64, device=device)
        weights[[0, -1]] = h / 2
    else:  # Simpson: h/3 · (1, 4, 2, 4, ..., 2, 4, 1)
        weights = torch.full((n,), 2 * h / 3, dtype=torch.float64, device=device)
        weights[1::2] = 4 * h / 3
        weights[[0, -1]] = h / 3
    return nodes, torch.log(weights)


def _default_device(energy):
    """The device of the energy's parameters, if it has any; else the CPU."""
    params = getattr(energy, "parameters", None)
    if callable(params):
        for p in params():
            return p.device
    return torch.device("cpu")


def quadrature_grid(
    bounds,
    n_per_dim: int,
    rule: str = "trapezoid",
    dtype=torch.float64,
    device=None,
    chunk_size: int = 1 << 16,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The tensor-product grid, chunk by chunk: yields (points (M, D) in dtype, log w (M,) float64).

    The weight of a grid point is the product of its axes' 1-D weights, so its log is a sum.
    Chunks keep memory bounded however large n^D is; nothing of size n^D is ever built.
    """
    pairs = _check_bounds(bounds)
    validate.count(n_per_dim, "n_per_dim", minimum=2)
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {rule!r}")
    if rule == "simpson" and n_per_dim % 2 == 0:
        raise ValueError(f"rule='simpson' needs an odd n_per_dim (even intervals); got {n_per_dim}")
    validate.float_dtype(dtype)
    validate.count(chunk_size, "chunk_size")
    device = get_device("cpu" if device is None else device)
    axes = [_axis(lo, hi, n_per_dim, rule, device) for lo, hi in pairs]
    total = n_per_dim ** len(pairs)
    for start in range(0, total, chunk_size):
        # Flat index -> one index per axis (the last axis varies fastest), by repeated divmod.
        flat = torch.arange(start, min(start + chunk_size, total), device=device)
        columns, log_w = [], torch.zeros(flat.shape[0], dtype=torch.float64, device=device)
        for nodes, log_weights in reversed(axes):
            flat, i = torch.div(flat, n_per_dim, rounding_mode="floor"), flat % n_per_dim
            columns.append(nodes[i])
            log_w = log_w + log_weights[i]
        yield torch.stack(columns[::-1], dim=1).to(dtype), log_w


def log_partition_grid(
    energy,
    bounds,
    n_per_dim: int,
    rule: str = "trapezoid",
    dtype=torch.float64,
    device=None,
    chunk_size: int = 1 << 16,
    max_points: float = 1e10,
) -> torch.Tensor:
    """log ∫_box exp(-energy(x)) dx by quadrature on n_per_dim points per axis: 0-dim float64.

    log Z ≈ logsumexp_i (log w_i - f(x_i)) over the n^D grid points x_i of the box `bounds`
    (D (lo, hi) pairs), with trapezoid or Simpson weights w_i (Simpson needs n odd).
    energy: (N, D) -> (N,), evaluated in `dtype` (float64 by default: quadrature to 1e-6 needs
    it) and summed in float64, chunk by chunk (chunk_size points at a time), so memory stays
    bounded and exp(-f) never under- or overflows. Differentiable in the energy's parameters
    when called with gradients enabled. device: where the grid is built (default: the energy's
    parameters' device, else the CPU). Refuses a grid of more than max_points points.

    Example: log_partition_grid(lambda x: 0.5 * (x**2).sum(1), [(-8, 8)], 201) ≈ ½ log 2π
    """
    validate.callable_(energy, "energy")
    pairs = _check_bounds(bounds)
    validate.count(n_per_dim, "n_per_dim", minimum=2)
    max_points = validate.positive(max_points, "max_points")
    total = float(n_per_dim) ** len(pairs)
    if total > max_points:
        raise ValueError(
            f"a grid of n_per_dim^D = {n_per_dim}^{len(pairs)} = {total:.3g} points exceeds "
            f"max_points = {max_points:.3g}: that is the curse of dimensionality"
        )
    device = _default_device(energy) if device is None else device
    chunk_logs = []
    for points, log_w in quadrature_grid(pairs, n_per_dim, rule, dtype, device, chunk_size):
        values = validate.per_row(energy(points), points, "energy")
        chunk_logs.append(torch.logsumexp(log_w - values.to(torch.float64), dim=0))
    return torch.logsumexp(torch.stack(chunk_logs), dim=0)


def log_partition_importance(
    energy, proposal, n_samples: int, generator=None, dtype=torch.float64, batches: int = 1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Importance-sampling estimate of log Z, with its standard error: two 0-dim float64 tensors.

    Z = ∫ exp(-f(x)) dx = E_q[w(x)] with w(x) = exp(-f(x)) / q(x) and x ~ q (the proposal).
    Estimate: log Ẑ = logsumexp_i(-f(x_i) - log q(x_i)) - log n.
    Standard error of log Ẑ (delta method): std(w) / (√n · mean(w)), the relative error of Ẑ.
    It is itself estimated from the samples, so when q misses where exp(-f) lives (high D) it
    can be badly optimistic: compare against a known Z, as chapter 1 does.
    proposal: any object with sample(n, generator=None, dtype=...) -> (n, D) and
    log_prob(x) -> (n,), such as scoreedu.distributions.Gaussian.
    batches > 1 gives that many independent estimates, each from its own n_samples draws, in one
    pass (one call to energy): both results then have shape (batches,), to measure the spread.
    """
    validate.callable_(energy, "energy")
    for method in ("sample", "log_prob"):
        if not callable(getattr(proposal, method, None)):
            raise TypeError(f"proposal must have a .{method}() method, like distributions.Gaussian")
    validate.count(n_samples, "n_samples", minimum=2)
    validate.count(batches, "batches")
    validate.generator(generator)
    validate.float_dtype(dtype)
    x = proposal.sample(batches * n_samples, generator=generator, dtype=dtype)
    values = validate.per_row(energy(x), x, "energy").to(torch.float64)
    log_w = (-values - proposal.log_prob(x).to(torch.float64)).reshape(batches, n_samples)
    log_z = torch.logsumexp(log_w, dim=1, keepdim=True) - math.log(n_samples)
    relative_w = torch.exp(log_w - log_z)  # w / mean(w): mean 1, never overflows
    standard_error = relative_w.std(dim=1) / math.sqrt(n_samples)
    if batches == 1:
        return log_z[0, 0], standard_error[0]
    return log_z[:, 0], standard_error


def grid_cost(n_per_dim, dim, seconds_per_evaluation) -> tuple[float, float]:
    """(log10 of the evaluations, log10 of the years) a grid of n_per_dim^dim points costs.

    evaluations = n^D, so log10 evaluations = D · log10 n; years = evaluations · seconds per
    evaluation / seconds per year (365.25 days). Logs, because the numbers do not fit a float.
    """
    n = validate.positive(n_per_dim, "n_per_dim")
    d = validate.count(dim, "dim")
    t = validate.positive(seconds_per_evaluation, "seconds_per_evaluation")
    log10_evaluations = d * math.log10(n)
    return log10_evaluations, log10_evaluations + math.log10(t / SECONDS_PER_YEAR)
