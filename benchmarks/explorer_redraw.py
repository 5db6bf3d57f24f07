"""How long each explorer takes to redraw when a control moves: median and max ms per control.

    python benchmarks/explorer_redraw.py                          # every registered explorer
    python benchmarks/explorer_redraw.py score_field_explorer     # some of them
    python benchmarks/explorer_redraw.py --moves 8 --strict       # exit 1 if a median > 100 ms

For every explorer in scoreedu.widgets.EXPLORERS, each control is moved through several values
(a slider across its range, a toggle through each option), and each move is timed from setting
`.value` to the new PNG being ready: recompute, redraw and render, as the browser waits for it.
The goal is a 100 ms median on 2 CPU cores, so torch runs with 2 threads by default. Besides
wall-clock ms the table gives the process's CPU ms per move: on a machine busy with other work
the wall clock stretches, the CPU time much less, so compare the two before trusting a number.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoreedu.widgets import EXPLORERS  # noqa: E402

GOAL_MS = 100.0


def positions(control, moves: int) -> list:
    """The values to move a control through: each option, or `moves` points across its range."""
    options = getattr(control, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        # cycle through the options until there are enough moves to time
        return [values[i % len(values)] for i in range(max(moves, len(values)))]
    if hasattr(control, "min") and hasattr(control, "max"):
        grid = np.linspace(control.min, control.max, moves)
        if isinstance(control.value, int) and not isinstance(control.value, bool):
            return sorted({int(round(v)) for v in grid})
        return [float(v) for v in grid]
    if isinstance(control.value, bool):
        return [not control.value, control.value] * max(1, moves // 2)
    raise TypeError(f"do not know how to move {type(control).__name__}")


def time_control(explorer, name: str, moves: int) -> list[tuple[float, float]]:
    """(wall ms, CPU ms) per move of one control (moves to the current value are skipped)."""
    control = explorer.controls[name]
    original = control.value
    timings = []
    for value in positions(control, moves):
        if value == control.value:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        control.value = value
        timings.append((1e3 * (time.perf_counter() - wall), 1e3 * (time.process_time() - cpu)))
    control.value = original
    return timings


def measure(factory, moves: int):
    """(build ms, [(control, [(wall ms, CPU ms) per move])]) for one explorer."""
    start = time.perf_counter()
    explorer = factory()
    build_ms = 1e3 * (time.perf_counter() - start)
    first = next(iter(explorer.controls))
    time_control(explorer, first, 2)  # warm-up: caches (fonts, mathtext) fill on the first frames
    return build_ms, [(name, time_control(explorer, name, moves)) for name in explorer.controls]


def table(results) -> str:
    """results: [(explorer, build ms, [(control, timings)])] -> the printed table."""
    header = f"{'explorer':<24} {'control':<13} {'moves':>5} {'median ms':>9} {'max ms':>7}"
    lines = [f"{header} {'CPU ms':>7}  flag"]

    def row(explorer, control, timings, note=""):
        wall = [w for w, _ in timings]
        cpu = statistics.median(c for _, c in timings)
        return (
            f"{explorer:<24} {control:<13} {len(wall):>5} {statistics.median(wall):>9.1f} "
            f"{max(wall):>7.1f} {cpu:>7.1f}  {note}".rstrip()
        )

    for explorer, build_ms, rows in results:
        every = []
        for control, timings in rows:
            every += timings
            if not timings:
                lines.append(f"{explorer:<24} {control:<13} {0:>5} {'-':>9} {'-':>7} {'-':>7}")
                continue
            over = statistics.median(w for w, _ in timings) > GOAL_MS
            lines.append(row(explorer, control, timings, "OVER 100 ms" if over else ""))
        if every:
            lines.append(row(explorer, "(all)", every, f"build {build_ms:.0f} ms"))
    return "\n".join(lines)


def over_goal(results) -> bool:
    return any(
        timings and statistics.median(w for w, _ in timings) > GOAL_MS
        for _, _, rows in results
        for _, timings in rows
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="explorer names (default: all registered)")
    parser.add_argument("--moves", type=int, default=6, help="values per slider (default 6)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a median > 100 ms")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    names = args.names or sorted(EXPLORERS)
    unknown = sorted(set(names) - set(EXPLORERS))
    if unknown:
        parser.error(f"unknown explorers {unknown}; registered: {sorted(EXPLORERS)}")
    results = []
    for name in names:
        build_ms, rows = measure(EXPLORERS[name], args.moves)
        results.append((name, build_ms, rows))
    print(f"redraw per control move (goal: median < {GOAL_MS:.0f} ms), {args.threads} threads")
    print(table(results))
    return 1 if args.strict and over_goal(results) else 0


if __name__ == "__main__":
    sys.exit(main())
