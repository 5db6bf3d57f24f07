"""tr ∇x f(x): the term that makes implicit score matching expensive.

A vector-Jacobian product gives one row of the Jacobian per backward pass, so the exact trace of
a black-box f: R^D -> R^D needs D of them. The methods here:
  "loop"        D backward passes, one per coordinate (the definition, and the baseline);
  "vmap"        torch.func's vmap(jacrev(f)): the same arithmetic, batched in one call;
  "hutchinson"  E_v[vᵀ (∇x f) v] with E[v vᵀ] = I: unbiased, n_probes backward passes;
  "structured"  exact and cheap, for a network that provides f.jacobian_trace(x);
  "auto"        "structured" where available, else "vmap".
Every method keeps the graph, so a loss built on the trace trains the network.
"""

import warnings

import torch

from scoreedu import validate
from scoreedu.noise import rademacher, standard_normal

METHODS = ("auto", "loop", "vmap", "hutchinson", "structured")
PROBES = ("gaussian", "rademacher")


def _with_grad(x: torch.Tensor) -> torch.Tensor:
    # A leaf that needs grad, unless the caller already built a graph through x.
    return x if x.requires_grad else x.detach().requires_grad_(True)


def trace_loop(f, x: torch.Tensor) -> torch.Tensor:
    """Σ_i ∂f_i/∂x_i with one backward pass per coordinate i. x: (N, D) -> (N,)."""
    validate.callable_(f, "f")
    validate.batch(x)
    return _trace_loop(f, x)


@torch.enable_grad()  # the trace is a derivative: it needs autograd even under torch.no_grad()
def _trace_loop(f, x: torch.Tensor) -> torch.Tensor:
    x = _with_grad(x)
    out = validate.differentiable(validate.like_x(f(x), x, "f"), "f")
    trace = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for i in range(x.shape[1]):
        # Row i of J is the vector-Jacobian product e_iᵀ J: a whole backward pass for one entry.
        (row,) = torch.autograd.grad(out[:, i].sum(), x, create_graph=True)
        trace = trace + row[:, i]
    return trace


def batch_jacobian(f, x: torch.Tensor, mode: str = "rev") -> torch.Tensor:
    """∇x f(x) for every row at once, by torch.func. x: (N, D) -> (N, D, D), [n, i, j] = ∂f_i/∂x_j.

    mode "rev" (vmap(jacrev)) batches the D vector-Jacobian products, one per row of J;
    mode "fwd" (vmap(jacfwd)) batches D Jacobian-vector products, one per column.
    """
    from torch.func import jacfwd, jacrev, vmap

    validate.callable_(f, "f")
    validate.batch(x)
    if mode not in ("rev", "fwd"):
        raise ValueError(f"mode must be 'rev' or 'fwd'; got {mode!r}")
    jac = {"rev": jacrev, "fwd": jacfwd}[mode]

    def f_single(xi):
        out = f(xi[None])
        if not isinstance(out, torch.Tensor) or out.shape != xi[None].shape:
            # A shape is static under vmap, so this check traces; values would not.
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"f must return the shape of x, (N, {xi.shape[0]}); got {shape}")
        return out[0]

    with warnings.catch_warnings():
        # jacfwd's first call imports torch's forward-mode decompositions, which script
        # themselves with the deprecated torch.jit.script: torch's own warning, not the caller's.
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated", DeprecationWarning)
        return vmap(jac(f_single))(x)


def trace_vmap(f, x: torch.Tensor, mode: str = "rev") -> torch.Tensor:
    """The exact trace from the full per-example Jacobian, built by torch.func. x: (N, D)."""
    return torch.diagonal(batch_jacobian(f, x, mode), dim1=1, dim2=2).sum(1)


def trace_hutchinson(
    f, x: torch.Tensor, n_probes: int = 1, generator=None, probe: str = "gaussian"
) -> torch.Tensor:
    """(1/m) Σ_k v_kᵀ (∇x f) v_k over m = n_probes probes with E[v vᵀ] = I: unbiased, m backward
    passes. x: (N, D)."""
    validate.callable_(f, "f")
    validate.batch(x)
    validate.count(n_probes, "n_probes")
    validate.generator(generator)
    if probe not in PROBES:
        raise ValueError(f"probe must be one of {PROBES}; got {probe!r}")
    return _trace_hutchinson(f, x, n_probes, generator, probe)


@torch.enable_grad()
def _trace_hutchinson(f, x, n_probes, generator, probe):
    x = _with_grad(x)
    out = validate.differentiable(validate.like_x(f(x), x, "f"), "f")
    draw = standard_normal if probe == "gaussian" else rademacher
    return _mean_over_probes(out, x, draw((n_probes, *x.shape), x, generator))


def _mean_over_probes(out, x, v):
    total = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    for probe in v:
        (vjp,) = torch.autograd.grad(out, x, grad_outputs=probe, create_graph=True)
        total = total + (vjp * probe).sum(1)
    return total / len(v)


def hutchinson_with_probes(f, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """(1/m) Σ_k v_kᵀ (∇x f) v_k for given probes: Hutchinson's estimator without the draw.

    x: (N, D); v: (m, N, D), probe k of row n is v[k, n]. Returns (N,); m backward passes.
    Averaging over every one of the 2^D sign vectors is the exact expectation of the Rademacher
    estimator, so that average equals tr ∇x f to rounding (chapter 4's check of unbiasedness).
    """
    validate.callable_(f, "f")
    validate.batch(x)
    if isinstance(v, torch.Tensor) and not v.is_floating_point():
        raise TypeError(f"v must hold floating-point probes like x ({x.dtype}); got {v.dtype}")
    v = validate.tensor(v, "v", dtype=x.dtype, device=x.device)
    if v.dim() != 3 or v.shape[1:] != x.shape:
        raise ValueError(
            f"v must be an (m, N, D) tensor with (N, D) = {tuple(x.shape)}; got {tuple(v.shape)}"
        )
    if v.shape[0] < 1:
        raise ValueError("v must hold at least one probe (m >= 1); got m = 0")
    with torch.enable_grad():
        x = _with_grad(x)
        out = validate.differentiable(validate.like_x(f(x), x, "f"), "f")
        return _mean_over_probes(out, x, v)


def has_structured_trace(f) -> bool:
    return callable(getattr(f, "jacobian_trace", None))


def jacobian_trace(
    f,
    x: torch.Tensor,
    method: str = "auto",
    n_probes: int = 1,
    generator=None,
    probe: str = "gaussian",
    vmap_mode: str = "rev",
):
    """tr ∇x f(x) per row. f: (N, D) -> (N, D). x: (N, D). Returns (N,), differentiable.

    method: "auto", "loop", "vmap", "hutchinson" or "structured" (see the module docstring).
    n_probes, generator, probe ("gaussian" or "rademacher"): Hutchinson's estimator only.
    vmap_mode: "rev" (jacrev) or "fwd" (jacfwd), for "vmap" only.

    Example: jacobian_trace(lambda x: 3 * x, torch.randn(5, 4)) -> tensor of 12s, shape (5,).
    """
    validate.callable_(f, "f")
    validate.batch(x)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if probe not in PROBES:
        raise ValueError(f"probe must be one of {PROBES}; got {probe!r}")
    if vmap_mode not in ("rev", "fwd"):
        raise ValueError(f"vmap_mode must be 'rev' or 'fwd'; got {vmap_mode!r}")
    validate.count(n_probes, "n_probes")
    validate.generator(generator)
    if method == "auto":
        method = "structured" if has_structured_trace(f) else "vmap"
    if method == "structured":
        if not has_structured_trace(f):
            raise ValueError(
                f"method='structured' needs a network with a jacobian_trace(x) method, such as "
                f"scoreedu.nets.ScoreMLP; {type(f).__name__} has none: use 'loop', 'vmap' or "
                f"'hutchinson'"
            )
        trace = f.jacobian_trace(x)
    elif method == "loop":
        trace = _trace_loop(f, x)
    elif method == "vmap":
        validate.like_x(f(x), x, "f")
        trace = trace_vmap(f, x, vmap_mode)
    else:
        trace = _trace_hutchinson(f, x, n_probes, generator, probe)
    return validate.per_row(trace, x, "the trace")
