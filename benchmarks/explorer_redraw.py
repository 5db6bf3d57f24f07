"""How long each explorer takes per control move, against one full matplotlib render.

    python benchmarks/explorer_redraw.py                          # every registered explorer
    python benchmarks/explorer_redraw.py score_field_explorer     # some of them
    python benchmarks/explorer_redraw.py --moves 10 --strict      # exit 1 if a ratio > 1/3

For every explorer in scoreedu.widgets.EXPLORERS, each control is moved across its range as a
drag would move it (a slider through `moves` evenly spaced values, a toggle to each option once),
and each move is timed from setting `.value` to the new frame being ready: recompute, redraw and
encode, as the browser waits for it. The yardstick is measured in the same run: one full render
(`savefig` to PNG) of a bare two-panel figure (a 200×200 image with a 25×25 quiver, and a line
plot) at the same pixel size as the explorer's frame, timed once after every move, so the two
share the machine's load. The goal: each explorer's median move at most a third of the median
reference render. Times are wall-clock; the CPU ms column is the process's CPU time per move:
on a machine busy with other work the wall clock stretches, the CPU time much less.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoreedu.plot import use_style  # noqa: E402
from scoreedu.widgets import EXPLORERS  # noqa: E402

GOAL_RATIO = 1 / 3


def positions(control, moves: int) -> list:
    """The values to move a control through: each option once (a click each), or `moves` points
    across its range (a drag)."""
    options = getattr(control, "options", None)
    if options:
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if hasattr(control, "min") and hasattr(control, "max"):
        grid = np.linspace(control.min, control.max, moves)
        if isinstance(control.value, int) and not isinstance(control.value, bool):
            return sorted({int(round(v)) for v in grid})
        return [float(v) for v in grid]
    if isinstance(control.value, bool):
        return [not control.value, control.value] * max(1, moves // 2)
    raise TypeError(f"do not know how to move {type(control).__name__}")


def reference_figure(width_px: int, height_px: int, dpi: float = 160.0) -> Figure:
    """The yardstick: a bare two-panel figure, a 200×200 image with a 25×25 quiver and a line."""
    use_style()
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    xs = np.linspace(-4, 4, 200)
    left.imshow(np.exp(-(xs[None] ** 2 + xs[:, None] ** 2)), extent=(-4, 4, -4, 4))
    grid = np.linspace(-4, 4, 25)
    xx, yy = np.meshgrid(grid, grid)
    left.quiver(xx, yy, -xx, -yy, color="white")
    right.plot(xs, np.sin(xs))
    return figure


def full_render_ms(figure) -> tuple[float, float]:
    """(wall ms, CPU ms) of one full render of figure: savefig to PNG (matplotlib's defaults)."""
    wall, cpu = time.perf_counter(), time.process_time()
    figure.savefig(io.BytesIO(), format="png")
    return 1e3 * (time.perf_counter() - wall), 1e3 * (time.process_time() - cpu)


def time_control(explorer, name: str, moves: int, reference=None) -> list[tuple]:
    """(wall ms, CPU ms, reference wall ms, reference CPU ms) per move of one control (moves to
    the current value are skipped): one full render of the reference figure is timed after each
    move (None, None without one)."""
    control = explorer.controls[name]
    original = control.value
    timings = []
    for value in positions(control, moves):
        if value == control.value:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        control.value = value
        move = (1e3 * (time.perf_counter() - wall), 1e3 * (time.process_time() - cpu))
        timings.append((*move, *(full_render_ms(reference) if reference else (None, None))))
    control.value = original
    return timings


def measure(factory, moves: int):
    """(build ms, frame pixel size, [(control, timings)], full draws per move) for one explorer."""
    start = time.perf_counter()
    explorer = factory()
    build_ms = 1e3 * (time.perf_counter() - start)
    height, width = explorer.blitter.render().shape[:2]
    reference = reference_figure(width, height)
    first = next(iter(explorer.controls))
    time_control(explorer, first, 2)  # warm-up: caches (fonts, mathtext) fill on the first frames
    full_render_ms(reference)
    draws, frames = explorer.blitter.full_draws, explorer.frame_count
    rows = [(name, time_control(explorer, name, moves, reference)) for name in explorer.controls]
    share = (explorer.blitter.full_draws - draws) / max(1, explorer.frame_count - frames)
    return build_ms, (width, height), rows, share


def _median(timings, i):
    return statistics.median(t[i] for t in timings)


def table(results) -> str:
    """results: [(explorer, build ms, (w, h), [(control, timings)], full-draw share)] -> text."""
    header = f"{'explorer':<24} {'control':<13} {'moves':>5} {'median ms':>9} {'ref ms':>7}"
    lines = [f"{header} {'ratio':>6} {'CPU ms':>7} {'ref CPU':>7} {'ratio':>6}  note"]

    def row(explorer, control, timings, note=""):
        wall, ref, cpu, ref_cpu = (_median(timings, i) for i in (0, 2, 1, 3))
        flag = "  OVER 1/3" if wall / ref > GOAL_RATIO else ""
        return (
            f"{explorer:<24} {control:<13} {len(timings):>5} {wall:>9.1f} {ref:>7.1f} "
            f"{wall / ref:>6.2f} {cpu:>7.1f} {ref_cpu:>7.1f} {cpu / ref_cpu:>6.2f}{flag}  "
            f"{note}".rstrip()
        )

    for explorer, build_ms, (width, height), rows, share in results:
        every = []
        for control, timings in rows:
            every += timings
            if timings:
                lines.append(row(explorer, control, timings))
            else:
                lines.append(f"{explorer:<24} {control:<13} {0:>5} {'-':>9}")
        if every:
            note = f"{width}×{height} px, static layer redrawn on {share:.0%} of moves"
            lines.append(row(explorer, "(all)", every, f"{note}; build {build_ms:.0f} ms"))
    return "\n".join(lines)


def over_goal(results) -> bool:
    """True when some explorer's median move exceeds GOAL_RATIO of its median reference."""
    return any(
        _median(every, 0) > GOAL_RATIO * _median(every, 2)
        for every in ([t for _, timings in rows for t in timings] for *_, rows, _ in results)
        if every
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="explorer names (default: all registered)")
    parser.add_argument("--moves", type=int, default=20, help="values per slider (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a ratio > 1/3")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = args.names or sorted(EXPLORERS)
    unknown = sorted(set(names) - set(EXPLORERS))
    if unknown:
        parser.error(f"unknown explorers {unknown}; registered: {sorted(EXPLORERS)}")
    results = [(name, *measure(EXPLORERS[name], args.moves)) for name in names]
    print(
        f"ms per control move against one full render (savefig to PNG) of a bare two-panel "
        f"figure of the same pixel size, timed after each move; goal: ratio <= 1/3; "
        f"{args.threads} torch threads"
    )
    print(table(results))
    return 1 if args.strict and over_goal(results) else 0


if __name__ == "__main__":
    sys.exit(main())
