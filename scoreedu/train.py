"""A small, seeded, device-aware training loop with a progress bar."""

import time

import numpy as np
import torch
from tqdm.auto import tqdm

from scoreedu import validate
from scoreedu.device import get_device


def _trainable_parameters(model) -> list:
    return validate.module(model, "model")


def fit(
    model,
    loss_fn,
    data: torch.Tensor,
    n_steps: int = 1000,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    progress: bool = True,
    device=None,
    every: int = 0,
    callback=None,
) -> list[float]:
    """Train model with Adam on minibatches of data; return the loss of every step.

    loss_fn(model, x_batch) -> 0-dim tensor, e.g. lambda m, x: implicit_score_matching(m, x).
    data: (N, D). device: where to train (default: the model's device); data is moved there.
    every/callback: callback(step, model) runs every `every` steps (e.g. to log a divergence).
    """
    validate.callable_(loss_fn, "loss_fn")
    validate.batch(data, "data")
    validate.count(n_steps, "n_steps")
    validate.count(batch_size, "batch_size")
    lr = validate.positive(lr, "lr")
    validate.count(seed, "seed", minimum=0)
    validate.count(every, "every", minimum=0)
    if callback is not None:
        validate.callable_(callback, "callback")
    params = _trainable_parameters(model)
    if device is not None:
        model.to(get_device(device))
    where = params[0].device
    data = data.to(device=where, dtype=params[0].dtype)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(params, lr=lr)
    losses = []
    start = time.perf_counter()
    for step in tqdm(range(n_steps), disable=not progress, desc="training", leave=False):
        idx = torch.randint(
            0, data.shape[0], (min(batch_size, data.shape[0]),), generator=generator
        )
        loss = validate.scalar_loss(loss_fn(model, data[idx.to(where)]), "loss_fn")
        if not torch.isfinite(loss):
            raise ValueError(f"the loss became {loss.item()} at step {step}: lower lr")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if callback is not None and every and (step + 1) % every == 0:
            callback(step + 1, model)
    if progress:
        # A stored notebook keeps the bar's first frame (0%); this line records how it ended.
        seconds = time.perf_counter() - start
        print(f"trained {n_steps} steps in {seconds:.1f} s; last loss {losses[-1]:.4g}")
    return losses


def fit_full_batch(
    model, loss_fn, data: torch.Tensor, max_iter: int = 200, tolerance: float = 1e-10
) -> list[float]:
    """Minimise loss_fn(model, data) on all of data at once with L-BFGS; return its losses.

    For small smooth problems (a Gaussian model, a closed form to compare with) where the exact
    minimiser on these samples matters, not a stochastic approximation of it. data: (N, D).
    Stops when every gradient entry is below tolerance, or after max_iter iterations.
    """
    validate.callable_(loss_fn, "loss_fn")
    validate.batch(data, "data")
    validate.count(max_iter, "max_iter")
    tolerance = validate.positive(tolerance, "tolerance")
    params = _trainable_parameters(model)
    data = data.to(device=params[0].device, dtype=params[0].dtype)
    optimizer = torch.optim.LBFGS(
        params,
        max_iter=max_iter,
        tolerance_grad=tolerance,
        # not on a small change of the loss: near a minimum the loss moves by the square of the
        # parameters' error, so that test stops with the parameters still ~1e-7 off.
        tolerance_change=0.0,
        history_size=50,
        line_search_fn="strong_wolfe",
    )
    losses = []

    def closure():
        optimizer.zero_grad(set_to_none=True)
        loss = validate.scalar_loss(loss_fn(model, data), "loss_fn")
        if not torch.isfinite(loss):
            raise ValueError(f"the loss became {loss.item()}: start closer to a minimum")
        loss.backward()
        losses.append(loss.item())
        return loss

    optimizer.step(closure)
    return losses


def moving_average(values, window: int):
    """The mean of each run of `window` consecutive values, placed at the run's centre.

    values: per-step losses, step k = 1, 2, ... Returns (steps, means), both NumPy arrays of
    length len(values) − window + 1; steps[j] = j + (window + 1)/2 is the centre of steps
    j + 1 .. j + window, so the curve lines up with the raw losses instead of lagging by
    window/2 (or leading it, when drawn from step 0).
    """
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"values must be numbers (per-step losses); got {values!r:.80}") from err
    validate.count(window, "window")
    if values.ndim != 1 or values.size < window:
        raise ValueError(f"values must be a 1-D sequence of at least window={window} numbers")
    if not np.isfinite(values).all():
        raise ValueError("values must be finite; they hold NaN or inf (did the training diverge?)")
    means = np.convolve(values, np.ones(window) / window, mode="valid")
    return np.arange(means.size) + (window + 1) / 2, means
