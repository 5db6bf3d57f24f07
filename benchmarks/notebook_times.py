"""How long each notebook takes, and how much memory its kernel needs, in a fresh kernel.

    python benchmarks/notebook_times.py                 # every notebook of the series
    python benchmarks/notebook_times.py 02_the_score    # some of them (name or path)
    python benchmarks/notebook_times.py --strict        # exit 1 when any budget is exceeded

Each notebook runs top to bottom as tools/execute_notebooks.py runs it (its outputs are not
saved). The budgets are for 2 CPU cores: the whole series in under 5 minutes, and every kernel
under 1 GB, since a Binder session has 1-2 GB of memory.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from execute_notebooks import execute  # noqa: E402

from scoreedu.chapters import filenames  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
SECONDS_BUDGET = {
    "00_start_here.ipynb": 15,
    "01_energy_based_models.ipynb": 30,
    "02_the_score.ipynb": 30,
    "03_score_matching.ipynb": 60,
    "04_trace_cost.ipynb": 60,
    "05_beyond_the_trace.ipynb": 90,
    "06_digits.ipynb": 150,
    "playground.ipynb": 30,
}
TOTAL_SECONDS_BUDGET = 480
MEMORY_BUDGET_MB = 1024


def resolve(arg: str) -> Path:
    path = Path(arg)
    if path.exists():
        return path
    name = path.name if path.name.endswith(".ipynb") else f"{path.name}.ipynb"
    return NOTEBOOKS / name


def table(rows) -> str:
    """rows: (name, seconds, peak MB) -> the printed table, budgets and flags included."""
    lines = [f"{'notebook':<32} {'seconds':>8} {'budget':>7} {'peak MB':>8}  flag"]
    for name, seconds, peak in rows:
        budget = SECONDS_BUDGET.get(name)
        flags = []
        if budget is not None and seconds > budget:
            flags.append("OVER TIME")
        if peak > MEMORY_BUDGET_MB:
            flags.append("OVER 1 GB")
        shown = f"{budget:>7}" if budget is not None else f"{'-':>7}"
        lines.append(
            f"{name:<32} {seconds:>8.1f} {shown} {peak:>8.0f}  {', '.join(flags)}".rstrip()
        )
    total = sum(seconds for _, seconds, _ in rows)
    peak_all = max((peak for _, _, peak in rows), default=0.0)
    flag = "OVER TIME" if total > TOTAL_SECONDS_BUDGET else ""
    lines.append(
        f"{'total':<32} {total:>8.1f} {TOTAL_SECONDS_BUDGET:>7} {peak_all:>8.0f}  {flag}".rstrip()
    )
    return "\n".join(lines)


def over_budget(rows) -> bool:
    return (
        any(s > SECONDS_BUDGET.get(n, float("inf")) or p > MEMORY_BUDGET_MB for n, s, p in rows)
        or sum(s for _, s, _ in rows) > TOTAL_SECONDS_BUDGET
    )


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="names or paths (default: all)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when over any budget")
    args = parser.parse_args(argv)
    paths = [resolve(a) for a in args.notebooks] or [NOTEBOOKS / n for n in filenames()]
    rows = []
    for path in paths:
        if not path.exists():
            print(f"{path.name}: missing, skipped", file=sys.stderr)
            continue
        seconds, peak = execute(path, save=False)
        print(f"{path.name}: {seconds:.1f} s, {peak:.0f} MB", file=sys.stderr, flush=True)
        rows.append((path.name, seconds, peak))
    print(table(rows))
    return 1 if args.strict and over_budget(rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
