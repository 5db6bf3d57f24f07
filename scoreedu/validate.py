"""Checks at the public boundary, with messages a learner can act on.

Public functions call these once on their inputs; internal code trusts its callers.
"""

import math
from numbers import Real

import torch


def batch(x, name: str = "x", dim: int | None = None, finite: bool = True) -> torch.Tensor:
    """Check that x is a floating (N, D) tensor (with D == dim when given); return it.

    finite=True also refuses NaN and inf; networks pass False, because that check is
    data-dependent control flow, which torch.func's vmap cannot trace.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (N, D); got {type(x).__name__}")
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (N, D); got {tuple(x.shape)}")
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} must be float32 or float64; got {x.dtype}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} must have shape (N, {dim}); got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one row; got shape {tuple(x.shape)}")
    if finite and not torch.isfinite(x).all():
        raise ValueError(f"{name} must be finite; it holds NaN or inf")
    return x


def positive(value, name: str) -> float:
    """Check that value is a finite real number > 0; return it as float."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive number; got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return float(value)


def count(value, name: str, minimum: int = 1) -> int:
    """Check that value is an int >= minimum; return it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value}")
    return value


def per_row(values, x: torch.Tensor, name: str) -> torch.Tensor:
    """Check that a function's output has shape (N,) for x of shape (N, D) and is finite."""
    n = x.shape[0]
    if not isinstance(values, torch.Tensor) or tuple(values.shape) != (n,):
        shape = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(
            f"{name} must return shape (N,) = ({n},) for x of shape {tuple(x.shape)}; got {shape}"
        )
    if not torch.isfinite(values).all():
        raise ValueError(f"{name} returned NaN or inf values")
    return values


def like_x(values, x: torch.Tensor, name: str) -> torch.Tensor:
    """Check that a score's output has the shape of x, (N, D)."""
    if not isinstance(values, torch.Tensor) or values.shape != x.shape:
        shape = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(f"{name} must return the shape of x, {tuple(x.shape)}; got {shape}")
    return values


def callable_(f, name: str):
    if not callable(f):
        raise TypeError(f"{name} must be callable; got {type(f).__name__}")
    return f


def generator(gen, name: str = "generator"):
    if gen is not None and not isinstance(gen, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None; got {type(gen).__name__}")
    return gen


def float_dtype(dtype, name: str = "dtype"):
    """Check that dtype is torch.float32 or torch.float64; return it."""
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name} must be torch.float32 or torch.float64; got {dtype!r}")
    return dtype


def tensor(value, name: str, dtype=torch.float64, device=None) -> torch.Tensor:
    """value (numbers, a list or a tensor) as a finite tensor of dtype; TypeError if not numbers."""
    try:
        t = torch.as_tensor(value, dtype=dtype, device=device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{name} must be numbers (a list or a tensor); got {value!r}") from err
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} must be finite; it holds NaN or inf")
    return t


def real(value, name: str) -> float:
    """Check that value is a finite real number (a 1-element tensor counts); return it as float."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number; got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}")
    return float(value)


def differentiable(values: torch.Tensor, name: str) -> torch.Tensor:
    """Check that values carry an autograd graph back to the input (else no derivative exists)."""
    if not values.requires_grad:
        raise ValueError(
            f"{name}'s output does not depend on x through autograd (it is constant, detached "
            f"or computed outside torch): build it from torch operations on x"
        )
    return values


def scalar_loss(loss, name: str) -> torch.Tensor:
    """Check that a loss function returned a 0-dim (or 1-element) tensor."""
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ValueError(f"{name} must return a 0-dim tensor (a scalar loss); got {shape}")
    return loss.reshape(())


def module(model, name: str = "model"):
    """Check that model is a torch.nn.Module with trainable parameters; return them."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module; got {type(model).__name__}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError(f"{name} has no trainable parameters")
    return params
