"""What tr ∇x s(x) costs: backward passes counted, training steps timed, variance predicted.

Chapter 4 and benchmarks/trace_cost.py share these, so the notebook and the benchmark report the
same measurement. A "training step" is what implicit score matching pays per batch:
forward + trace + backward + optimizer step of the loss E[½‖s(x)‖² + tr ∇x s(x)].

STEP_METHODS names the ways to pay for the trace:
  "loop"        D backward passes, one per coordinate;
  "vmap-rev"    torch.func vmap(jacrev): the same D vector-Jacobian products, batched;
  "vmap-fwd"    torch.func vmap(jacfwd): D Jacobian-vector products (forward mode), batched;
  "hutchinson"  one Gaussian probe: one backward pass, unbiased, noisy;
  "structured"  ScoreMLP's exact cyclic-trace formula: no backward pass through x;
  "plain"       no trace at all (the loss ½‖s(x)‖²): the floor, a forward + backward.
"""

import time
from contextlib import contextmanager

import torch

from scoreedu import validate
from scoreedu.device import get_device
from scoreedu.nets import ScoreMLP
from scoreedu.objectives import implicit_score_matching

STEP_METHODS = ("loop", "vmap-rev", "vmap-fwd", "hutchinson", "structured", "plain")
_TRACE_OPTIONS = {
    "loop": {"trace_method": "loop"},
    "vmap-rev": {"trace_method": "vmap", "vmap_mode": "rev"},
    "vmap-fwd": {"trace_method": "vmap", "vmap_mode": "fwd"},
    "hutchinson": {"trace_method": "hutchinson", "n_probes": 1},
    "structured": {"trace_method": "structured"},
}


class BackwardCount:
    """The number of backward passes that reached x (read .count)."""

    def __init__(self):
        self.count = 0

    def __repr__(self) -> str:
        return f"BackwardCount({self.count})"


@contextmanager
def count_backward_passes(x: torch.Tensor):
    """Count the backward passes that compute a gradient with respect to x inside the block.

    x: a tensor that requires grad. A hook on x fires once each time autograd sends a gradient
    into x, that is, once per backward pass (torch.autograd.grad or .backward()) through it.
    torch.func transforms (vmap, jacrev) work on wrapped copies of x and are not seen.

    Example:
        with count_backward_passes(x) as passes:
            jacobian_trace(net, x, method="loop")
        passes.count == x.shape[1]
    """
    if not isinstance(x, torch.Tensor) or not x.requires_grad:
        raise ValueError("x must be a tensor with requires_grad=True (x.requires_grad_(True))")
    counter = BackwardCount()

    def hook(grad):
        counter.count += 1

    handle = x.register_hook(hook)
    try:
        yield counter
    finally:
        handle.remove()


def _check_method(method: str) -> str:
    if method not in STEP_METHODS:
        raise ValueError(f"method must be one of {STEP_METHODS}; got {method!r}")
    return method


def step_loss(model, x: torch.Tensor, method: str) -> torch.Tensor:
    """The loss one training step minimises: implicit score matching with the trace from
    `method`, or ½‖s(x)‖² alone for "plain". x: (N, D). Returns a 0-dim tensor."""
    _check_method(method)
    if method == "plain":
        validate.callable_(model, "model")
        validate.batch(x)
        return 0.5 * (model(x) ** 2).sum(1).mean()
    return implicit_score_matching(model, x, **_TRACE_OPTIONS[method])


def training_step(model, optimizer, x: torch.Tensor, method: str) -> float:
    """One step: forward + trace + backward + optimizer step. Returns the loss as a float."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer; got {type(optimizer).__name__}"
        )
    optimizer.zero_grad(set_to_none=True)
    loss = step_loss(model, x, method)
    loss.backward()
    optimizer.step()
    return loss.item()  # .item() waits for the device, so a timer around this call is honest


def _seeded_model(dim, hidden, depth, device, seed):
    # Initialised on the CPU from its own seed, so measuring leaves the caller's random stream
    # alone and every device starts from the same weights.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = ScoreMLP(dim, hidden=hidden, depth=depth)
    return model.to(device)


def backward_passes(method: str, dim: int, device="cpu") -> int | None:
    """Backward passes through x that one trace of `method` needs at dimension dim, counted with
    count_backward_passes on a small batch. None for the torch.func methods, which hide them
    (vmap-rev runs its dim vector-Jacobian products as one batched call)."""
    _check_method(method)
    validate.count(dim, "dim")
    if method.startswith("vmap"):
        return None
    device = get_device(device)
    gen = torch.Generator().manual_seed(0)
    model = _seeded_model(dim, 8, 2, device, seed=0)
    x = torch.randn(2, dim, generator=gen).to(device).requires_grad_(True)
    cuda = [device] if device.type == "cuda" else []
    with count_backward_passes(x) as passes, torch.random.fork_rng(devices=cuda):
        if method != "plain":
            implicit_score_matching(model, x, **_TRACE_OPTIONS[method])
    return passes.count


def time_training_step(
    dim: int,
    method: str,
    batch: int = 128,
    hidden: int = 128,
    depth: int = 2,
    repeats: int = 5,
    budget_s: float = 1.0,
    device="cpu",
    seed: int = 0,
) -> float:
    """Milliseconds of one training step of ScoreMLP(dim, hidden, depth) on a batch: the fastest
    of the timed steps, since other processes on the machine can only ever add time.

    One untimed warm-up step, then up to `repeats` timed ones, stopping early once more than
    `budget_s` seconds and more than three times the fastest step have been spent: slow methods
    stay affordable, and one step stalled by another process does not end the measurement.
    """
    _check_method(method)
    validate.count(dim, "dim")
    validate.count(batch, "batch")
    validate.count(repeats, "repeats")
    validate.count(seed, "seed", minimum=0)
    budget_s = validate.positive(budget_s, "budget_s")
    device = get_device(device)
    gen = torch.Generator().manual_seed(seed)
    model = _seeded_model(dim, hidden, depth, device, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, dim, generator=gen).to(device)
    times = []
    # Hutchinson's probes come from the global generator: fork it, so timing changes no stream.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        training_step(model, optimizer, x, method)
        start = time.perf_counter()
        for _ in range(repeats):
            t0 = time.perf_counter()
            training_step(model, optimizer, x, method)
            times.append(time.perf_counter() - t0)
            spent = time.perf_counter() - start
            if spent > budget_s and spent > 3 * min(times):
                break
    return 1000 * min(times)


@contextmanager
def cpu_threads(threads: int | None):
    """Run the block with torch using `threads` CPU threads (None: leave the setting alone)."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(validate.count(threads, "threads"))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def measure(dims, methods=STEP_METHODS, threads: int | None = None, **timing_options) -> list:
    """Time a training step for every (dim, method) pair; count its backward passes.

    threads: CPU threads for torch while measuring (None: as set). On a machine busy with other
    work, one thread gives steadier numbers: threads that wait for each other's cores stall.
    Returns a list of rows {"D", "method", "ms", "backward_passes"}; timing_options go to
    time_training_step (batch, hidden, depth, repeats, budget_s, device, seed).
    """
    if isinstance(dims, int) or isinstance(methods, str):
        raise TypeError(
            f"dims and methods must be sequences, e.g. [2, 8] and ['loop']; got {dims!r}, "
            f"{methods!r}"
        )
    for method in methods:
        _check_method(method)
    rows = []
    with cpu_threads(threads):
        for dim in dims:
            for method in methods:
                ms = time_training_step(dim, method, **timing_options)
                passes = backward_passes(method, dim, device=timing_options.get("device", "cpu"))
                rows.append({"D": dim, "method": method, "ms": ms, "backward_passes": passes})
    return rows


def lookup(rows, dim: int, method: str) -> float:
    """The milliseconds of the (dim, method) row of measure()'s table."""
    for row in rows:
        if row["D"] == dim and row["method"] == method:
            return row["ms"]
    raise KeyError(f"no row for D={dim}, method={method!r}")


def format_table(rows) -> str:
    """measure()'s rows as a fixed-width text table (ms to 4 significant digits)."""
    lines = [f"{'D':>7}  {'method':<11} {'ms/step':>9}  backward passes (trace)"]
    for row in rows:
        passes = row["backward_passes"]
        if passes is None:
            passes = f"{row['D']} batched" if row["method"] == "vmap-rev" else "0 (forward mode)"
        lines.append(f"{row['D']:>7}  {row['method']:<11} {row['ms']:>9.4g}  {passes}")
    return "\n".join(lines)


def draw_cost(ax, rows, title="Cost of one training step"):
    """Log-log plot of milliseconds per training step against D, one line per method."""
    methods = list(dict.fromkeys(row["method"] for row in rows))
    for method in methods:
        pts = [(row["D"], row["ms"]) for row in rows if row["method"] == method]
        ax.loglog(*zip(*pts), marker="o", label=method)
    loop = [(row["D"], row["ms"]) for row in rows if row["method"] == "loop"]
    if len(loop) > 1:  # a guide of slope 1 through the loop's last point: cost ∝ D
        dims = [d for d, _ in loop]
        d_max, ms_max = max(loop)
        ax.loglog(dims, [ms_max * d / d_max for d in dims], "k:", label="∝ D")
    ax.set_xlabel("dimension D")
    ax.set_ylabel("ms per training step")
    ax.set_title(title)
    ax.legend(ncol=2)
    return ax


def hutchinson_variance(jacobian: torch.Tensor, probe: str = "gaussian", n_probes: int = 1):
    """The variance of Hutchinson's estimate of tr A with n_probes probes, from A = ∇x s itself.

    jacobian: (N, D, D). Only the symmetric part B = ½(A + Aᵀ) matters, since vᵀAv = vᵀBv:
      Gaussian v:    Var = 2 ‖B‖_F² / m
      Rademacher v:  Var = 2 (‖B‖_F² − Σ_i B_ii²) / m   (v_i² = 1 removes the diagonal's share)
    m = n_probes. Returns (N,).
    """
    if probe not in ("gaussian", "rademacher"):
        raise ValueError(f"probe must be 'gaussian' or 'rademacher'; got {probe!r}")
    validate.count(n_probes, "n_probes")
    if not isinstance(jacobian, torch.Tensor):
        raise TypeError(f"jacobian must be a tensor of shape (N, D, D); got {jacobian!r}")
    if jacobian.dim() != 3 or jacobian.shape[1] != jacobian.shape[2]:
        raise ValueError(f"jacobian must have shape (N, D, D); got {tuple(jacobian.shape)}")
    if not jacobian.is_floating_point():
        raise TypeError(f"jacobian must be float32 or float64; got {jacobian.dtype}")
    if not torch.isfinite(jacobian).all():
        raise ValueError("jacobian must be finite; it holds NaN or inf")
    sym = 0.5 * (jacobian + jacobian.transpose(1, 2))
    frob = (sym**2).sum((1, 2))
    if probe == "rademacher":
        frob = frob - (torch.diagonal(sym, dim1=1, dim2=2) ** 2).sum(1)
    return 2 * frob / n_probes
