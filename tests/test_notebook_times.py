"""The notebook benchmark flags what it should (the timings themselves run in `make bench`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import notebook_times  # noqa: E402

from scoreedu.chapters import CHAPTERS  # noqa: E402


def test_every_chapter_has_a_budget_and_they_fit_the_total():
    budgets = notebook_times.SECONDS_BUDGET
    assert {name for name, _, _ in CHAPTERS} <= set(budgets)
    assert sum(budgets[name] for name, _, _ in CHAPTERS) < notebook_times.TOTAL_SECONDS_BUDGET


def test_table_flags_time_and_memory_over_budget():
    rows = [("00_start_here.ipynb", 20.0, 300.0), ("02_the_score.ipynb", 10.0, 1500.0)]
    lines = notebook_times.table(rows).splitlines()
    assert lines[1].startswith("00_start_here.ipynb") and lines[1].endswith("OVER TIME")
    assert lines[2].endswith("OVER 1 GB")
    assert lines[3].split()[:2] == ["total", "30.0"]
    assert notebook_times.over_budget(rows)
    assert not notebook_times.over_budget([("00_start_here.ipynb", 5.0, 300.0)])


def test_a_slow_series_is_flagged_on_its_total():
    # each under no budget of its own, together over the series' total
    rows = [(f"extra_{i}.ipynb", 100.0, 100.0) for i in range(5)]
    assert sum(seconds for _, seconds, _ in rows) > notebook_times.TOTAL_SECONDS_BUDGET
    assert notebook_times.table(rows).splitlines()[-1].endswith("OVER TIME")
    assert notebook_times.over_budget(rows)
