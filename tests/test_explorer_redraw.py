"""The redraw benchmark moves every control and flags slow ones (timings run in `make bench`)."""

import sys
from pathlib import Path

import ipywidgets as widgets
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import explorer_redraw  # noqa: E402


def test_positions_cover_a_slider_and_every_option():
    slider = widgets.FloatSlider(value=0.5, min=0.0, max=2.0)
    assert explorer_redraw.positions(slider, 5) == [0.0, 0.5, 1.0, 1.5, 2.0]
    ints = widgets.IntSlider(value=1, min=1, max=3)
    assert explorer_redraw.positions(ints, 6) == [1, 2, 3]
    toggle = widgets.ToggleButtons(options=["a", "b"], value="a")
    assert set(explorer_redraw.positions(toggle, 4)) == {"a", "b"}


def test_table_flags_a_median_over_the_goal():
    results = [
        ("fast", 10.0, [("x", [(20.0, 15.0), (30.0, 20.0)])]),
        ("slow", 10.0, [("y", [(150.0, 90.0), (160.0, 95.0)]), ("z", [])]),
    ]
    lines = explorer_redraw.table(results).splitlines()
    assert "OVER" not in lines[1] and lines[1].split()[:4] == ["fast", "x", "2", "25.0"]
    assert lines[3].startswith("slow") and lines[3].endswith("OVER 100 ms")
    assert explorer_redraw.over_goal(results) and not explorer_redraw.over_goal(results[:1])


@pytest.mark.slow
def test_runs_on_one_explorer_with_few_moves(capsys):
    assert explorer_redraw.main(["score_field_explorer", "--moves", "2"]) == 0
    out = capsys.readouterr().out
    assert "score_field_explorer" in out and "temperature" in out and "(all)" in out
