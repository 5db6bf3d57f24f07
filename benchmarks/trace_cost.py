"""The price of tr ∇x s(x): milliseconds per training step of implicit score matching against D.

    python benchmarks/trace_cost.py                 # on scoreedu.get_device() (CUDA if present)
    python benchmarks/trace_cost.py --device cpu --dims 8 32 128 512

One training step = forward + trace + backward + optimizer step, for ScoreMLP(D, hidden=128,
depth=2) on a batch of 128, with 2 CPU threads. Prints a table (D, method, ms per step, backward
passes the trace needs), writes a log-log plot to benchmarks/results/trace_cost.png, and checks the
three performance goals of chapter 4:
  1. structured at least 50x faster than the loop at D = 512;
  2. structured at most 3x a plain forward + backward (+ optimizer step) of the same network;
  3. Hutchinson at D = 512 at most 3x its cost at D = 8.
Exits with status 1 when a goal is missed.
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoreedu import get_device  # noqa: E402
from scoreedu.cost import STEP_METHODS, draw_cost, format_table, lookup, measure  # noqa: E402
from scoreedu.plot import use_style  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def goals(rows):
    """The three goals as (description, measured value, passed)."""
    loop, structured = lookup(rows, 512, "loop"), lookup(rows, 512, "structured")
    plain = lookup(rows, 512, "plain")
    hutch_small, hutch_large = lookup(rows, 8, "hutchinson"), lookup(rows, 512, "hutchinson")
    return [
        ("structured >= 50x faster than loop at D=512", loop / structured, loop / structured >= 50),
        (
            "structured <= 3x plain forward+backward, D=512",
            structured / plain,
            structured <= 3 * plain,
        ),
        (
            "hutchinson(D=512) <= 3x hutchinson(D=8)",
            hutch_large / hutch_small,
            hutch_large <= 3 * hutch_small,
        ),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="default: scoreedu.get_device()")
    parser.add_argument("--dims", type=int, nargs="+", default=[8, 32, 128, 512])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per (D, method)")
    args = parser.parse_args(argv)
    for needed in (8, 512):
        if needed not in args.dims:
            args.dims.append(needed)  # the goals are stated at D = 8 and D = 512
    device = get_device(args.device)
    print(
        f"device: {device}, torch {torch.__version__}, {args.threads} CPU threads, "
        f"batch 128, hidden 128, depth 2"
    )
    rows = measure(
        sorted(set(args.dims)),
        STEP_METHODS,
        threads=args.threads,
        batch=128,
        hidden=128,
        depth=2,
        repeats=args.repeats,
        budget_s=args.budget,
        device=device,
    )
    print(format_table(rows))

    RESULTS.mkdir(parents=True, exist_ok=True)
    use_style()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    draw_cost(ax, rows, title=f"Training step of implicit score matching ({device.type})")
    fig.tight_layout()
    fig.savefig(RESULTS / "trace_cost.png")
    print(f"plot: {(RESULTS / 'trace_cost.png').relative_to(ROOT)}")

    failed = 0
    for text, ratio, ok in goals(rows):
        print(f"{'PASS' if ok else 'MISS'}  {text}: ratio {ratio:.3g}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
