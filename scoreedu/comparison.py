"""A fair comparison of score-matching objectives: same network, data, optimiser and seeds.

Every contender trains the same architecture from the same initial weights (one set per seed),
on the same batches, and its Fisher divergence ½ E‖s_θ(x) − ∇x log p(x)‖² on held-out points is
logged every `every` steps. One set of runs then gives two views:
  equal steps:  the divergence at a step count (the last checkpoint, or any checkpoint);
  equal time:   the divergence at the checkpoint a time budget reaches, with the seconds per
                step measured apart (after a warm-up, the fastest of a few repeats).
A ranking is reported only when the seed ranges separate: every seed of one below every seed
of the other.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from scoreedu import validate
from scoreedu.objectives import explicit_score_matching
from scoreedu.train import fit

CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


@dataclass(frozen=True)
class Contender:
    """One objective to compare: loss(model, x_batch) -> 0-dim tensor, with its batch and steps."""

    loss: Callable
    batch_size: int = 128
    n_steps: int = 1000


@dataclass
class Curves:
    """Fisher divergence during training: fisher[i, j] for seed i at steps[j]."""

    steps: torch.Tensor  # (C,) the checkpoints, in steps
    fisher: torch.Tensor  # (S, C) one row per seed
    models: list  # the trained model of every seed, in the order of the rows

    def at_step(self, step: int) -> torch.Tensor:
        """The divergence of every seed at a logged step: (S,)."""
        validate.count(step, "step", minimum=0)
        hits = (self.steps == step).nonzero()
        if hits.numel() == 0:
            raise ValueError(
                f"step must be one of the checkpoints {self.steps.tolist()}; got {step}"
            )
        return self.fisher[:, hits[0, 0]]


def fisher_curves(
    contender: Contender,
    make_model: Callable,
    data: torch.Tensor,
    test: torch.Tensor,
    true_score: Callable,
    seeds=(0, 1, 2, 3),
    every: int = 100,
    lr: float = 3e-3,
) -> Curves:
    """Train one model per seed with contender.loss; log the test Fisher divergence every steps.

    make_model() -> a fresh network; called after torch.manual_seed(seed), so every contender
    starts a given seed from the same weights. data, test: (N, D). true_score: (N, D) -> (N, D).
    """
    if not isinstance(contender, Contender):
        raise TypeError(f"contender must be a Contender; got {type(contender).__name__}")
    validate.callable_(make_model, "make_model")
    validate.count(every, "every")
    if every > contender.n_steps:
        raise ValueError(
            f"every must be <= the contender's n_steps ({contender.n_steps}); got {every}"
        )
    validate.batch(data, "data")
    validate.batch(test, "test", dim=data.shape[1])
    if isinstance(seeds, (int, str)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of ints >= 0, e.g. (0, 1, 2); got {seeds!r}")
    seeds = [validate.count(seed, "seeds", minimum=0) for seed in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    rows, models = [], []
    for seed in seeds:
        torch.manual_seed(seed)
        net, log = make_model(), []
        fit(
            net, contender.loss, data, n_steps=contender.n_steps, batch_size=contender.batch_size,
            lr=lr, seed=seed, progress=False, every=every,
            callback=lambda step, m, log=log: log.append(_fisher(m, test, true_score)),
        )  # fmt: skip
        rows.append(log)
        models.append(net)
    steps = torch.arange(1, len(rows[0]) + 1) * every
    return Curves(steps, torch.tensor(rows, dtype=torch.float64), models)


def _fisher(model, test, true_score) -> float:
    with torch.no_grad():
        return explicit_score_matching(model, test, true_score).item()


def seconds_per_step(
    contender: Contender,
    make_model: Callable,
    data: torch.Tensor,
    n_steps: int = 50,
    repeats: int = 5,
    warmup: int = 20,
    clock: str = "wall",
) -> float:
    """Seconds of one training step (loss, backward, Adam), the fastest of repeats.

    A warm-up run first: the first steps of a process pay for allocations and caches (2-3x).
    The fastest repeat is the least disturbed by other work on the machine.
    clock: "wall" (time.perf_counter), or "cpu", the calling thread's CPU time
    (time.thread_time): with torch on one CPU thread it is the wall-clock time the step takes
    on an idle machine, and it does not count the time other programs take on a busy one.
    """
    if not isinstance(contender, Contender):
        raise TypeError(f"contender must be a Contender; got {type(contender).__name__}")
    validate.callable_(make_model, "make_model")
    validate.count(n_steps, "n_steps")
    validate.count(repeats, "repeats")
    validate.count(warmup, "warmup", minimum=0)
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {tuple(CLOCKS)}; got {clock!r}")
    now = CLOCKS[clock]
    torch.manual_seed(0)
    net = make_model()
    options = dict(batch_size=contender.batch_size, lr=1e-3, progress=False)
    if warmup > 0:
        fit(net, contender.loss, data, n_steps=warmup, **options)
    best = float("inf")
    for _ in range(repeats):
        start = now()
        fit(net, contender.loss, data, n_steps=n_steps, **options)
        best = min(best, now() - start)
    return best / n_steps


def at_budget(
    curves: Curves, step_seconds: float, budget: float, interpolate: bool = False
) -> tuple[int, torch.Tensor]:
    """(steps, divergences (S,)) of every seed when budget seconds run out.

    Default: the last checkpoint whose steps fit in the budget. interpolate=True: the steps the
    budget buys, floor(budget / step_seconds) up to the last checkpoint, and each seed's curve
    read there by linear interpolation between its two neighbouring checkpoints, so that a dear
    objective is not cut back to the checkpoint below (up to every - 1 steps lost).
    """
    if not isinstance(curves, Curves):
        raise TypeError(f"curves must be Curves (from fisher_curves); got {type(curves).__name__}")
    step_seconds = validate.positive(step_seconds, "step_seconds")
    budget = validate.positive(budget, "budget")
    within = (curves.steps * step_seconds <= budget * (1 + 1e-9)).nonzero()
    if within.numel() == 0:
        raise ValueError(
            f"budget {budget:.3g} s is shorter than the first checkpoint "
            f"({int(curves.steps[0])} steps = {curves.steps[0].item() * step_seconds:.3g} s)"
        )
    j = within[-1, 0].item()
    if not interpolate or j == len(curves.steps) - 1:
        return int(curves.steps[j]), curves.fisher[:, j]
    steps = int(budget * (1 + 1e-9) / step_seconds)
    lo, hi = curves.steps[j].item(), curves.steps[j + 1].item()
    t = (steps - lo) / (hi - lo)  # in [0, 1): the share of the way to the next checkpoint
    return steps, (1 - t) * curves.fisher[:, j] + t * curves.fisher[:, j + 1]


def separated(lower: torch.Tensor, higher: torch.Tensor) -> bool:
    """True when every value of lower is below every value of higher (the seed ranges apart)."""
    lower, higher = _values(lower, "lower"), _values(higher, "higher")
    return bool(lower.max() < higher.min())


def summary(values: torch.Tensor) -> str:
    """'mean (min–max)' to 2 significant digits: the seeds' spread is the result's precision."""
    values = _values(values, "values")
    return f"{values.mean():.2g} ({values.min():.2g}–{values.max():.2g})"


def _values(values, name: str) -> torch.Tensor:
    """values as a finite float64 tensor with at least one element."""
    values = validate.tensor(values, name)
    if values.numel() == 0:
        raise ValueError(f"{name} must hold at least one value; got none")
    return values
