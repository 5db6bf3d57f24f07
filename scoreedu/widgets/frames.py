"""Fast frames for a matplotlib figure that changes only in its data: draw once, then blit.

A frame is two layers. The static layer (axes, ticks, tick labels, titles, axis labels, legends,
colour bar ticks: mostly text, which Agg rasterises glyph by glyph, the bulk of a full render) is
drawn once and cached as pixels. Each frame restores those pixels and draws on top only the data
layer: every line, collection, image, patch and text inside an axes, and the spines (which a full
render draws over the data). The static layer is redrawn when it changes, and only then: when any
axes' limits, scales, ticks, position, visibility, title, axis labels or legend texts differ from
the ones it was drawn with. So a legend is drawn under the data: place it where the data do not go
(outside the axes, or in headroom above the curves).

Encoding a frame at two pixels per CSS pixel as PNG (zlib) costs more than drawing it: for the
sampler's 1440×576 frame, measured in one run, 29 ms at zlib level 6 and 20 ms at level 1 against
1.6 ms as JPEG, so live frames are JPEG; the stored frame stays PNG.
"""

import io
import json
import math
from contextlib import contextmanager

import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import QuadMesh
from matplotlib.colors import to_rgba
from matplotlib.image import AxesImage
from matplotlib.text import Text
from PIL import Image

from scoreedu import validate

JPEG_QUALITY = 90


def data_artists(ax) -> list:
    """The artists of one axes drawn on every frame, in the order a full render draws them.

    Data (lines, collections, images, patches, texts), then, over an image or a colour bar, the
    spines, which a full render draws above the data (zorder 2.5): the image would cover half
    of their width. Lines only touch them where a curve leaves the axes, so elsewhere the
    spines stay in the static layer.
    """
    artists = [*ax.images, *ax.collections, *ax.lines, *ax.patches, *ax.texts, *ax.artists]
    artists = [artist for artist in artists if not getattr(artist, STATIC, False)]
    if any(isinstance(artist, (AxesImage, QuadMesh)) for artist in artists):
        artists += ax.spines.values()
    return sorted(artists, key=lambda artist: artist.get_zorder())


STATIC = "_scoreedu_static"


def keep_static(*artists) -> None:
    """Draw these artists (reference lines, a colour bar's gradient, fixed bars) with the static
    layer, once, instead of on every frame: for data artists that never change."""
    for artist in artists:
        setattr(artist, STATIC, True)


def _legend_texts(legend) -> tuple:
    return () if legend is None else tuple(text.get_text() for text in legend.texts)


def static_signature(figure) -> tuple:
    """What the static layer depends on: equal signatures, equal static pixels."""
    return (
        tuple(
            (
                ax.get_visible(),
                ax.get_position().bounds,
                ax.get_xlim(),
                ax.get_ylim(),
                ax.get_xscale(),
                ax.get_yscale(),
                # the ticks follow from the limits, unless a locator or formatter is replaced
                tuple(map(id, (ax.xaxis.get_major_locator(), ax.yaxis.get_major_locator()))),
                tuple(map(id, (ax.xaxis.get_major_formatter(), ax.yaxis.get_major_formatter()))),
                tuple(text.get_text() for text in (ax.title, ax._left_title, ax._right_title)),
                ax.xaxis.label.get_text(),
                ax.yaxis.label.get_text(),
                _legend_texts(ax.legend_),
            )
            for ax in figure.axes
        )
        + tuple(text.get_text() for text in figure.texts)
        + tuple(map(_legend_texts, figure.legends))
    )


@contextmanager
def hidden(artists):
    """Hide artists for the duration (restoring each one's own visibility afterwards)."""
    visible = [artist.get_visible() for artist in artists]
    for artist in artists:
        artist.set_visible(False)
    try:
        yield
    finally:
        for artist, was_visible in zip(artists, visible):
            artist.set_visible(was_visible)


class Blitter:
    """Renders a figure's frames: the cached static layer plus the data artists drawn over it.

    render() -> (H, W, 4) uint8 RGBA pixels of the current figure; full_draws counts how often the
    static layer had to be drawn (tests and the benchmark read it).
    """

    def __init__(self, figure):
        self.figure = figure
        self.background = None
        self.signature = None
        self.full_draws = 0

    def invalidate(self) -> None:
        """Forget the static layer: the next frame draws it again."""
        self.background = None

    def render(self) -> np.ndarray:
        canvas = self.figure.canvas
        layers = [(ax, data_artists(ax)) for ax in self.figure.axes]
        if self.background is None or static_signature(self.figure) != self.signature:
            with hidden([artist for _, artists in layers for artist in artists]):
                canvas.draw()
            self.background = canvas.copy_from_bbox(self.figure.bbox)
            # read after the draw: a layout engine may have moved the axes while drawing
            self.signature = static_signature(self.figure)
            self.full_draws += 1
        else:
            canvas.restore_region(self.background)
        renderer = canvas.get_renderer()
        for ax, artists in sorted(layers, key=lambda layer: layer[0].get_zorder()):
            if ax.get_visible():
                for artist in artists:
                    # skip hidden ones here: a hidden quiver still lays out its arrows in draw()
                    if artist.get_visible():
                        artist.draw(renderer)
        return np.asarray(canvas.buffer_rgba())


def encode_jpeg(rgba: np.ndarray, comment: dict | None = None) -> bytes:
    """JPEG bytes of (H, W, 4) RGBA pixels; comment (JSON) goes into the file's COM segment.

    The comment names the control values the frame shows, so a browser test can tell which
    frame it is looking at from the bytes alone.
    """
    height, width = rgba.shape[:2]
    # RGBX reads the RGBA buffer in place (the alpha byte is padding): no conversion copy
    image = Image.frombuffer("RGBX", (width, height), rgba, "raw", "RGBX", 0, 1)
    buffer = io.BytesIO()
    extra = {} if comment is None else {"comment": json.dumps(comment, sort_keys=True)}
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, **extra)
    return buffer.getvalue()


def jpeg_comment(data: bytes) -> dict | None:
    """The JSON comment encode_jpeg stored in a JPEG, or None."""
    comment = Image.open(io.BytesIO(data)).info.get("comment")
    return None if comment is None else json.loads(comment)


def steady_top(current: float | None, peak: float, low: float = 0.4, high: float = 0.8) -> float:
    """An axis top that moves only when it must, so that the static layer is rarely redrawn.

    Keeps `current` while peak lies in [low, high] × current (the curve fills at least `low` of
    the height and stays below `high`, under a legend); else returns the top that puts the peak
    half-way between the two, rounded to two significant digits. peak must be > 0.
    """
    peak = validate.positive(peak, "peak")
    if current is not None and low * current <= peak <= high * current:
        return current
    return float(f"{peak / (0.5 * (low + high)):.2g}")


def number_row(
    ax, y: float, labels, fontsize: float = 8, room: str = "00000.0", x: float = 0.01
) -> list:
    """A readout row in the picture: static labels, each followed by a number drawn per frame.

    Agg rasterises text glyph by glyph (about 0.08 ms a glyph at 2× here), so the labels are
    figure texts, cached with the static layer, and only the numbers (texts of ax, which the
    data layer draws) cost each frame. x, y: where the row starts, in figure coordinates.
    Returns the number texts (PlainText, in ax.artists), empty: set_text() them in draw().
    """
    figure = ax.figure
    renderer = figure.canvas.get_renderer()
    to_figure = figure.transFigure.inverted()
    numbers = []
    style = {"fontsize": fontsize, "va": "baseline"}
    for label in labels:
        text = figure.text(x, y, f"{label} ", **style)
        x = to_figure.transform(text.get_window_extent(renderer))[1][0]
        number = PlainText(x, y, "", transform=figure.transFigure, clip_on=False, **style)
        ax.add_artist(number)
        numbers.append(number)
        spacer = figure.text(0, 0, f"{room}   ", **style)
        x += np.ptp(to_figure.transform(spacer.get_window_extent(renderer))[:, 0])
        spacer.remove()
    return numbers


class PixelImage(AxesImage):
    """An image that fills its axes, copied into Agg's pixel buffer by nearest-pixel indexing.

    matplotlib's own image path resamples the data, normalises and colour-maps at the output
    resolution and blends the result: about 7 ms a frame for a 128 × 128 image drawn 430 px wide
    at 2× here; a NumPy copy of the colour-mapped data is about 1 ms. For an image whose extent
    is its axes' limits, shown without smoothing (interpolation "nearest") and opaque; row 0 of
    the data at the bottom (origin "lower") or at the top ("upper"). Renderers without a pixel
    buffer (PDF, SVG) get the ordinary path.
    """

    def draw(self, renderer):
        if not self.get_visible() or not hasattr(renderer, "buffer_rgba"):
            return super().draw(renderer)
        pixels = np.asarray(renderer.buffer_rgba())
        box = self.axes.bbox
        height = pixels.shape[0]
        left, right = round(box.x0), round(box.x1)
        top, bottom = height - round(box.y1), height - round(box.y0)  # buffer rows run downwards
        data = self.to_rgba(self.get_array(), bytes=True)
        rows = np.arange(bottom - top)
        if self.origin == "lower":  # buffer row 0 is the top: the data's last row goes there
            rows = rows[::-1]
        rows = ((rows + 0.5) * data.shape[0] / (bottom - top)).astype(int)
        cols = ((np.arange(right - left) + 0.5) * data.shape[1] / (right - left)).astype(int)
        # two takes, not data[rows[:, None], cols]: a twentieth of the time for a 400² copy
        pixels[top:bottom, left:right] = data.take(rows, axis=0).take(cols, axis=1)
        self.stale = False


def pixel_image(ax, density, extent, cmap="viridis", origin="lower") -> PixelImage:
    """Add a PixelImage of density (n_y, n_x) over extent (x0, x1, y0, y1) = ax's limits;
    origin: where row 0 of density goes, "lower" (a function on a grid) or "upper" (a picture)."""
    image = PixelImage(ax, cmap=cmap, origin=origin, extent=extent, interpolation="nearest")
    image.set_data(density)
    ax.add_image(image)
    ax.set_xlim(*extent[:2])
    ax.set_ylim(*extent[2:])
    return image


class PlainText(Text):
    """One line of text, left-aligned on its baseline, unrotated, drawn straight by the renderer.

    A Text lays itself out anew for every new string (font metrics, line boxes: about 1.5 ms a
    draw here, three times the glyphs' own cost); a number in a readout needs none of that.
    """

    def draw(self, renderer):
        if not self.get_visible() or not self.get_text():
            return
        if not hasattr(renderer, "buffer_rgba"):  # PDF, SVG: the ordinary path
            return super().draw(renderer)
        x, y = self.get_transform().transform(self.get_unitless_position())
        if renderer.flipy():  # as Text.draw does: Agg counts rows from the top
            y = renderer.get_canvas_width_height()[1] - y
        gc = renderer.new_gc()
        gc.set_foreground(self.get_color())
        self._set_gc_clip(gc)
        renderer.draw_text(gc, x, y, self.get_text(), self.get_fontproperties(), 0.0)
        gc.restore()
        self.stale = False


class StampedText(PlainText):
    """PlainText whose words are rasterised once each, cached, and stamped into the pixels.

    A line of 45 characters costs about 4 ms a frame at 2× here (Agg renders it glyph by glyph),
    a quarter of a frame. The words of a readout recur from frame to frame ("levels", "steps",
    most numbers), so each word's coverage mask is drawn once into a small buffer and blended into
    the frame with NumPy (tens of µs); only a word never seen before is rasterised. Words are
    placed at whole pixels, a shift of under half a pixel against Text's own layout.
    background: an RGBA colour (0-1) filling the line's box, as a Text's bbox would, or None.
    """

    PAD = 2  # pixels around each word's mask and around the background box
    _masks: dict = {}  # (word, font properties, dpi) -> (coverage (h, w), baseline row, width)

    def __init__(self, *args, background=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.background = background

    def draw(self, renderer):
        if not self.get_visible() or not self.get_text():
            return
        if not hasattr(renderer, "buffer_rgba"):  # PDF, SVG: the ordinary path
            return super().draw(renderer)
        pixels = np.asarray(renderer.buffer_rgba())
        x, y = self.get_transform().transform(self.get_unitless_position())
        x, y = round(x), round(pixels.shape[0] - y)  # the baseline; Agg counts rows downwards
        words = [self._mask(word, renderer) for word in self.get_text().split(" ")]
        space = self._mask(" ", renderer)[2]
        if self.background is not None:
            line, baseline, _ = self._mask("Ålpy", renderer)  # the tallest and deepest glyphs
            width = round(sum(word[2] for word in words) + space * (len(words) - 1))
            box = np.ones((line.shape[0], width + 2 * self.PAD))
            _blend(pixels, box, x - self.PAD, y - baseline, self.background)
        color = to_rgba(self.get_color(), self.get_alpha())
        for coverage, baseline, width in words:
            _blend(pixels, coverage, x - self.PAD, y - baseline, color)
            x += round(width + space)
        self.stale = False

    def _mask(self, word: str, renderer) -> tuple:
        """(coverage (h, w) in [0, 1], row of the baseline, advance width in pixels) of a word."""
        prop = self.get_fontproperties()
        key = (word, hash(prop), renderer.dpi)
        if key not in self._masks:
            if len(self._masks) > 4096:  # a long session's numbers: start again
                self._masks.clear()
            width, height, descent = renderer.get_text_width_height_descent(word, prop, False)
            baseline = self.PAD + math.ceil(height - descent)
            small = RendererAgg(
                math.ceil(width) + 2 * self.PAD, baseline + math.ceil(descent) + self.PAD,
                renderer.dpi,
            )  # fmt: skip
            small.draw_text(small.new_gc(), self.PAD, baseline, word, prop, 0.0)
            coverage = np.asarray(small.buffer_rgba())[..., 3] / 255.0
            self._masks[key] = (coverage, baseline, width)
        return self._masks[key]


def _blend(pixels: np.ndarray, coverage: np.ndarray, left: int, top: int, color) -> None:
    """Paint color (RGBA, 0-1) over pixels (H, W, 4) where coverage (h, w) lies, its top-left
    corner at (row top, column left); the parts outside the picture are cut off."""
    rows = slice(max(top, 0), min(top + coverage.shape[0], pixels.shape[0]))
    cols = slice(max(left, 0), min(left + coverage.shape[1], pixels.shape[1]))
    if rows.start >= rows.stop or cols.start >= cols.stop:
        return
    alpha = coverage[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]
    alpha = (color[3] * alpha)[..., None]
    under = pixels[rows, cols, :3]
    under[...] = np.rint(under + alpha * (255 * np.asarray(color[:3]) - under))
