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
    assert explorer_redraw.positions(toggle, 20) == ["a", "b"]  # a click each, not a drag


def test_table_gives_the_ratio_to_the_reference_and_flags_one_over_a_third():
    # (wall ms, CPU ms, reference wall ms, reference CPU ms) per move
    fast = [(20.0, 15.0, 100.0, 90.0), (30.0, 20.0, 100.0, 90.0)]
    slow = [(50.0, 40.0, 100.0, 90.0), (60.0, 45.0, 100.0, 90.0)]
    results = [
        ("fast", 10.0, (1440, 576), [("x", fast)], 0.1),
        ("slow", 10.0, (1440, 576), [("y", slow), ("z", [])], 0.5),
    ]
    lines = explorer_redraw.table(results).splitlines()
    assert lines[1].split()[:6] == ["fast", "x", "2", "25.0", "100.0", "0.25"]
    assert "OVER" not in lines[1] and "OVER 1/3" in lines[3]
    assert lines[5].startswith("slow") and "(all)" in lines[5] and "50%" in lines[5]
    assert explorer_redraw.over_goal(results) and not explorer_redraw.over_goal(results[:1])


def test_reference_is_a_full_render_at_the_frame_size():
    figure = explorer_redraw.reference_figure(720, 288)
    assert tuple(figure.canvas.get_width_height()) == (720, 288)
    wall, cpu = explorer_redraw.full_render_ms(figure)
    assert wall > 0 and cpu >= 0


@pytest.mark.slow
def test_runs_on_one_explorer_with_few_moves(capsys):
    assert explorer_redraw.main(["energy_explorer", "--moves", "2"]) == 0
    out = capsys.readouterr().out
    assert "energy_explorer" in out and "temperature" in out and "(all)" in out and "ratio" in out
