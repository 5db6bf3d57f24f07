"""The frame pipeline (scoreedu/widgets/frames.py): a blitted frame is the picture a full render
would draw, the static layer is redrawn only when it changes, and the live image is a JPEG at
twice the shown size that names the values it shows."""

import io

import numpy as np
import pytest
from PIL import Image

from scoreedu.widgets import EXPLORERS, Explorer, frames
from scoreedu.widgets.base import float_slider

NAMES = sorted(EXPLORERS)


def extremes(control):
    if getattr(control, "options", None):
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    return [control.max, control.min]


def full_render(explorer) -> np.ndarray:
    """Every artist drawn the ordinary way, after the explorer's own frame."""
    explorer.figure.canvas.draw()
    pixels = np.array(explorer.figure.canvas.buffer_rgba(), dtype=int)
    explorer.blitter.invalidate()  # the canvas now holds a full render, not the static layer
    return pixels


def share_differing(a, b, levels=32) -> float:
    return float((np.abs(a.astype(int) - b.astype(int)).max(-1) > levels).mean())


@pytest.mark.parametrize("name", NAMES)
def test_every_blitted_frame_is_the_full_render(name):
    ex = EXPLORERS[name]()
    for control in ex.controls.values():
        for value in extremes(control):
            control.value = value
            blitted = np.array(ex.blitter.render())
            assert share_differing(blitted, full_render(ex)) < 0.002, f"{name}: {value!r}"


def test_a_stale_static_layer_would_be_caught(monkeypatch):
    """The rival: a blitter that never notices a change of limits or titles. The comparison above
    tells it apart (its frames keep the old tick labels)."""
    ex = EXPLORERS["energy_explorer"]()
    monkeypatch.setattr(frames, "static_signature", lambda figure: ())
    ex.blitter.render()
    ex.controls["temperature"].value = 0.1  # the energy axis moves to new limits
    stale = np.array(ex.blitter.render())
    assert share_differing(stale, full_render(ex)) > 0.002


def test_the_static_layer_is_redrawn_only_when_it_changes():
    ex = EXPLORERS["objective_gap_explorer"]()
    before = ex.blitter.full_draws
    for theta in np.linspace(-3, 3, 13):
        ex.controls["theta"].value = float(theta)
    assert ex.blitter.full_draws == before  # θ moves only the data
    ex.controls["data"].value = "half-normal"  # new title and limits
    assert ex.blitter.full_draws == before + 1


def test_a_drag_redraws_the_static_layer_on_few_moves():
    ex = EXPLORERS["score_field_explorer"]()
    control = ex.controls["temperature"]
    before = ex.blitter.full_draws
    for value in np.linspace(control.min, control.max, 20):
        control.value = float(value)
    assert ex.blitter.full_draws - before <= 6


class Minimal(Explorer):
    """An explorer written against the plain build/compute/draw contract, with a title and
    limits that change every frame: the pipeline must still show the right picture."""

    title = "minimal"

    def __init__(self):
        super().__init__({"a": float_slider(1.0, 0.5, 3.0, 0.1, "a")}, figsize=(4, 3))

    def build(self, figure):
        self.ax = figure.subplots()
        (self.line,) = self.ax.plot([], [])

    def compute(self, a):
        x = np.linspace(0, 1, 50)
        return {"x": x, "y": a * x**2}

    def draw(self, state):
        self.line.set_data(state["x"], state["y"])
        self.ax.set_xlim(0, 1)
        self.ax.set_ylim(0, float(state["y"].max()))
        self.ax.set_title(f"a = {state['y'][-1]:.2f}")


def test_a_subclass_on_the_plain_contract_gets_correct_frames():
    ex = Minimal()
    for value in (2.0, 3.0, 0.5):
        ex.controls["a"].value = value
        assert ex.state["y"][-1] == pytest.approx(value)
        blitted = np.array(ex.blitter.render())
        assert share_differing(blitted, full_render(ex)) < 0.002


@pytest.mark.parametrize("name", NAMES)
def test_live_frames_are_jpeg_at_twice_the_shown_size_and_name_their_values(name):
    ex = EXPLORERS[name]()
    shown = (int(ex.image.layout.width[:-2]), int(ex.image.layout.height[:-2]))
    live = Image.open(io.BytesIO(ex.image.value))
    assert ex.image.format == "jpeg" and live.format == "JPEG"
    assert live.size == (2 * shown[0], 2 * shown[1])
    stored = Image.open(io.BytesIO(ex.png()))  # what a reader without a kernel sees
    assert stored.format == "PNG" and stored.size == shown
    key, control = next(iter(ex.controls.items()))
    control.value = extremes(control)[0]
    tag = frames.jpeg_comment(ex.image.value)
    assert tag["values"] == ex.values and tag["frame"] == ex.frame_count


@pytest.mark.parametrize("name", NAMES)
def test_every_slider_follows_a_drag(name):
    ex = EXPLORERS[name]()
    sliders = [c for c in ex.controls.values() if hasattr(c, "continuous_update")]
    assert sliders and all(c.continuous_update for c in sliders)


def test_steady_top_keeps_its_value_inside_the_window_and_recentres_outside():
    assert frames.steady_top(None, 3.0) == pytest.approx(5.0)  # peak at 0.6 of the height
    assert frames.steady_top(5.0, 2.0) == 5.0 and frames.steady_top(5.0, 4.0) == 5.0
    assert frames.steady_top(5.0, 4.5) == pytest.approx(7.5)  # above 0.8: move up
    assert frames.steady_top(5.0, 1.0) == pytest.approx(1.7)  # below 0.4: move down
    top = frames.steady_top(None, 0.3, low=0.3, high=0.55)
    assert 0.3 * top <= 0.3 <= 0.55 * top


def test_number_row_caches_the_labels_and_redraws_only_the_numbers():
    ex = EXPLORERS["score_field_explorer"]()
    labels = [t.get_text() for t in ex.figure.texts]
    assert any("largest |s|" in label for label in labels)
    assert all(number in ex.ax.texts for number in ex.numbers)
    ex.controls["lengths"].value = "unit"
    assert ex.numbers[1].get_text() == "unit lengths"
    assert [t.get_text() for t in ex.figure.texts] == labels


def test_python_sets_update_state_and_picture_before_returning():
    ex = EXPLORERS["energy_explorer"]()
    picture = ex.image.value
    ex.controls["temperature"].value = 2.0
    assert frames.jpeg_comment(ex.image.value)["values"]["temperature"] == 2.0
    assert ex.image.value != picture and ex.state["energy"].max() > 0


@pytest.mark.parametrize("origin", ["lower", "upper"])
def test_pixel_image_draws_what_imshow_draws(origin):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = np.random.default_rng(0).random((40, 50))
    pictures = []
    for fast in (True, False):
        figure = Figure(figsize=(4, 3), dpi=160)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0.1, 0.1, 0.8, 0.8))
        if fast:
            frames.pixel_image(ax, data, (-4, 4, -3, 3), origin=origin)
        else:
            ax.imshow(data, origin=origin, extent=(-4, 4, -3, 3), interpolation="nearest")
            ax.set_aspect("auto")
        figure.canvas.draw()
        pictures.append(np.array(figure.canvas.buffer_rgba()))
    assert share_differing(*pictures, levels=0) == 0.0
    # the rival, upside down (the other origin), differs: the comparison can tell
    assert share_differing(pictures[0], pictures[0][::-1], levels=0) > 0.1


def test_arrow_polygons_run_from_tail_to_tip_and_vanish_for_a_zero_vector():
    from scoreedu.widgets.arrows import HEAD_LENGTH, arrow_polygons

    tails = np.array([[10.0, 10.0], [50.0, 50.0], [0.0, 0.0]])
    tips = np.array([[110.0, 10.0], [50.0, 80.0], [0.0, 0.0]])
    polygons = arrow_polygons(tails, tips, width=2.0)
    assert polygons.shape == (3, 8, 2)
    np.testing.assert_allclose(polygons[:, 3], tips)  # the tip
    np.testing.assert_allclose(polygons[:2, [0, 6]].mean(1), tails[:2])  # the tail's middle
    assert np.ptp(polygons[0, :, 1]) == pytest.approx(3.0 * 2.0)  # the head: 3 widths wide
    assert polygons[0, 2, 0] == pytest.approx(110.0 - HEAD_LENGTH * 2.0)  # 4.5 widths long
    np.testing.assert_allclose(polygons[2], 0.0)  # a zero vector draws nothing


def test_plain_text_draws_what_text_draws():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    pictures = []
    for plain in (True, False):
        figure = Figure(figsize=(3, 1), dpi=160)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0.2, 0.2, 0.6, 0.6))
        where = {"transform": figure.transFigure, "fontsize": 8, "va": "baseline"}
        if plain:
            ax.add_artist(frames.PlainText(0.05, 0.1, "max p_T 0.178", clip_on=False, **where))
        else:
            ax.text(0.05, 0.1, "max p_T 0.178", **where)
        figure.canvas.draw()
        pictures.append(np.array(figure.canvas.buffer_rgba()))
    assert share_differing(*pictures, levels=0) == 0.0
    assert (pictures[0][..., 0] < 128).sum() > 100  # and it did draw something


def _text_picture(artist_type, text, **options):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 1), dpi=160)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    # at whole pixels (32, 64): where a stamped word lands exactly where Agg draws it
    ax.add_artist(artist_type(0.05, 0.4, text, transform=figure.transFigure, fontsize=8, **options))
    figure.canvas.draw()
    return np.array(figure.canvas.buffer_rgba())


def test_stamped_text_draws_what_plain_text_draws():
    line = "annealed, σ = 3 → 0.1 (10 levels); 300 steps"
    stamped = _text_picture(frames.StampedText, line)
    assert share_differing(stamped, _text_picture(frames.PlainText, line), levels=0) == 0.0
    # the rival, one character changed, differs: the comparison can tell
    other = _text_picture(frames.PlainText, line.replace("0.1", "0.2"))
    assert share_differing(stamped, other, levels=0) > 0
    assert (stamped[..., 0] < 128).sum() > 500  # and it did draw the line


def test_stamped_text_rasterises_each_word_once_and_fills_its_background():
    frames.StampedText._masks.clear()
    _text_picture(frames.StampedText, "σ = 3 → 0.1; 300 steps")
    seen = len(frames.StampedText._masks)
    _text_picture(frames.StampedText, "σ = 3 → 0.2; 300 steps")
    assert len(frames.StampedText._masks) == seen + 1  # only "0.2;" is new
    grey = {"background": (0.5, 0.5, 0.5, 1.0)}
    boxed = _text_picture(frames.StampedText, "300 steps", **grey)
    grey_pixels = (boxed[..., 0] == 128).sum()
    assert 1000 < grey_pixels < 4000  # a box behind the two words, not the whole picture


def test_steady_top_needs_a_positive_peak():
    with pytest.raises(ValueError, match="peak"):
        frames.steady_top(5.0, 0.0)
    with pytest.raises(ValueError, match="peak"):
        frames.steady_top(None, float("nan"))
