"""The explorer contract: controls and state (the model), one image (the view).

An explorer computes each frame with the package's functions into `state` (name -> NumPy
array), draws it by updating matplotlib artists in place, and renders one image into an
ipywidgets.Image it owns. Changing any control's .value recomputes and redraws synchronously.

Frames are cheap enough to follow a dragged slider: the static parts of the figure (axes, ticks,
labels) are drawn once and cached, each frame redraws only the data artists over them and is
encoded as JPEG (frames.Blitter), at twice the CSS size it is shown at, so that it is sharp on
high-density screens. No queue of stale frames builds up during a drag: a frame is drawn while the
kernel handles the browser's message, and while the kernel is busy the ipywidgets front end
merges the slider's newer values into one pending message (its "message throttle"), so the next
frame is drawn for the latest value and the values in between are skipped.

Displaying an explorer sends both the live widget view and a PNG of the current frame: JupyterLab,
Voilà and Colab show the widget, and a reader without a kernel (GitHub, nbviewer) sees the PNG.
"""

import base64
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scoreedu import validate
from scoreedu.cost import cpu_threads
from scoreedu.plot import use_style
from scoreedu.widgets.compat import widget_view_bundle
from scoreedu.widgets.frames import Blitter, encode_jpeg


def in_range(value, low: float, high: float, name: str) -> float:
    """Check an explorer option that starts a slider: a finite number in [low, high]."""
    value = validate.real(value, name)
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}] (the slider's range); got {value}")
    return value


def one_of(value, options, name: str):
    """Check an explorer option that starts a toggle or a dropdown: one of options."""
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}; got {value!r}")
    return value


def float_slider(value, low, high, step, description, name=None) -> widgets.FloatSlider:
    """The series' slider: a learner-readable label and a track that fills its grid cell.

    name: the option that gave value, checked to lie in [low, high] (ValueError naming it).
    """
    if name is not None:
        value = in_range(value, low, high, name)
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        readout_format=".2f",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="95%"),
    )


def one_torch_thread():
    """Run torch on one thread, then restore the setting: a frame's tensors (a few thousand
    numbers) are far too small to share, and on a busy machine two threads waiting on each other
    made a redraw several times slower."""
    return cpu_threads(1)


class Explorer:
    """Base class. Subclasses set `title` and implement build(fig), compute(**values), draw(state).

    controls: dict name -> ipywidgets control whose .value is passed to compute as a keyword.
    figsize is in inches at `dpi`: the image is shown at (figsize × dpi) CSS pixels and rendered
    at PIXEL_RATIO times as many, so it stays sharp on high-density screens.
    draw(state) updates artists in place; a frame then redraws every line, collection, image,
    patch and text inside the axes, and redraws the axes themselves (ticks, labels, titles) only
    when their limits, ticks or titles changed (frames.Blitter): keep those fixed across frames
    where the picture allows, so that a move costs only its data. Helpers in frames.py:
    steady_top (axis limits that rarely move), keep_static (artists that never change),
    number_row (numbers in the picture after cached labels), pixel_image (an image that fills
    its axes, copied into the pixels), StampedText (a line whose words recur, stamped from
    cached rasters); widgets/arrows.py draws a quiver's arrows as one path.
    """

    title = "explorer"
    PIXEL_RATIO = 2

    def __init__(self, controls: dict, figsize=(9.0, 3.6), dpi: int = 80):
        use_style()
        self.controls = dict(controls)
        self.state: dict = {}
        self.dpi = dpi
        self.figure = Figure(figsize=figsize, dpi=dpi * self.PIXEL_RATIO, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.blitter = Blitter(self.figure)
        self.frame_count = 0
        width, height = round(figsize[0] * dpi), round(figsize[1] * dpi)
        self.image = widgets.Image(
            format="jpeg",
            layout=widgets.Layout(width=f"{width}px", height=f"{height}px", object_fit="contain"),
        )
        self.readout = widgets.HTML()
        for control in self.controls.values():
            # fill the grid cell: in a slider's default 300 px a long label leaves a stub of track
            if control.layout.width is None:
                control.layout.width = "95%"
            if hasattr(control, "continuous_update"):
                control.continuous_update = True  # follow a drag, not only its release
        box = widgets.GridBox(
            list(self.controls.values()),
            layout=widgets.Layout(
                grid_template_columns="repeat(2, minmax(280px, 1fr))", width=f"{width}px"
            ),
        )
        self.widget = widgets.VBox([box, self.image, self.readout])
        self.widget.add_class("scoreedu-explorer")
        self.build(self.figure)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()  # the constrained layout (if any) is solved once, on this first frame
        # Keep the first frame's layout: only the numbers move. While any layout engine is set
        # (even "none"'s placeholder), every draw solves the layout again.
        self.figure.set_layout_engine(None)

    # --- for subclasses -------------------------------------------------------------------
    def build(self, figure: Figure) -> None:
        """Create the axes and artists once."""
        raise NotImplementedError

    def compute(self, **values) -> dict:
        """The frame for these control values, from the package's functions: name -> array."""
        raise NotImplementedError

    def draw(self, state: dict) -> None:
        """Update the artists (and self.readout.value) from state."""
        raise NotImplementedError

    # --- the machinery ----------------------------------------------------------------------
    @property
    def image(self) -> widgets.Image:
        """The ipywidgets.Image the frame is rendered into: what the browser shows."""
        return self._image

    @image.setter
    def image(self, value) -> None:
        # A subclass that reused the name for a matplotlib artist would leave the browser's
        # picture blank and frozen while every test on ex.image still passed.
        if not isinstance(value, widgets.Image):
            raise TypeError(
                f"{type(self).__name__}: self.image is the ipywidgets.Image the browser shows; "
                f"name the {type(value).__name__} something else (e.g. self.density_image)"
            )
        self._image = value

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:
        """Recompute the state from the controls, redraw, render the frame into self.image."""
        with one_torch_thread():
            state = self.compute(**self.values)
        self.state = {k: np.asarray(v) for k, v in state.items()}
        self.draw(self.state)
        self.frame_count += 1
        # The comment names the values the frame shows: a browser can tell one frame from another.
        tag = {"frame": self.frame_count, "values": self.values}
        self.image.value = encode_jpeg(self.blitter.render(), comment=tag)

    def _on_change(self, change) -> None:
        self.update()

    def png(self) -> bytes:
        """The current frame as a PNG at dpi (one pixel per CSS pixel): the stored picture."""
        buffer = io.BytesIO()
        # zlib level 1 instead of 6: a third more bytes, about 10 ms less per frame.
        self.figure.savefig(buffer, format="png", dpi=self.dpi, pil_kwargs={"compress_level": 1})
        # savefig drew at another resolution: the next live frame draws its static layer again
        self.blitter.invalidate()
        return buffer.getvalue()

    def is_finite(self) -> bool:
        """True when every number in the state is finite (no NaN, no inf)."""
        return all(
            np.isfinite(v).all() for v in self.state.values() if np.issubdtype(v.dtype, np.number)
        )

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"<{type(self).__name__} ({self.title}): {settings}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = widget_view_bundle(self.widget, include, exclude)
        bundle["text/plain"] = repr(self)
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        return bundle
