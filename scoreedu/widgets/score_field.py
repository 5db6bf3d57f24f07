"""The score field explorer of chapter 2: a two-component mixture, its density and its score.

Sliders set the mixture p(x) = w N(μ_1, σ_1² I) + (1 - w) N(μ_2, σ_2² I) in 2-D (the second
weight is 1 - w, so the weights always sum to one) and a temperature T: the picture shows the
tempered density p_T(x) ∝ p(x)^(1/T), whose score is ∇x log p(x) / T. Toggles draw the score as
arrows or streamlines, and with raw or unit lengths. The right panel follows the line through the
two centres: the score's component along it and the density along it.
"""

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.collections import LineCollection

from scoreedu import plot
from scoreedu.distributions import GaussianMixture
from scoreedu.widgets.arrows import Arrows
from scoreedu.widgets.base import Explorer, float_slider, one_of
from scoreedu.widgets.frames import keep_static, number_row, pixel_image, steady_top

BOUNDS = ((-4.0, 4.0), (-4.0, 4.0))
# The image: fine enough to show unsmoothed (nearest pixel, 4.5 pixels a cell at 2x), since
# smoothing it while drawing (bilinear) costs more per frame than a grid twice as fine.
N_DENSITY = 96
N_FIELD = 17  # the arrows: a coarse grid keeps them readable
# Streamlines start from an 8 x 8 grid of seeds and run STREAM_STEPS steps of STREAM_STEP each
# way: traced all at once (plot.trace_streamlines), since matplotlib's streamplot costs ~100 ms.
SEEDS = np.stack(np.meshgrid(np.linspace(-3.5, 3.5, 8), np.linspace(-3.5, 3.5, 8)), -1).reshape(
    -1, 2
)
STREAM_STEP, STREAM_STEPS = 0.08, 12
N_LINE = 200
# Raw arrow lengths: a score of size REFERENCE is drawn one grid spacing long, on every frame,
# so lengths compare across settings; longer arrows are shortened to MAX_SPACINGS spacings.
REFERENCE = 4.0
MAX_SPACINGS = 1.6
# The line panel's limits stay put while each curve's peak lies in this share of its axis.
LINE_WINDOW = (0.3, 0.85)


def _pair(value, name: str):
    try:
        first, second = value
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an (x₁, x₂) pair of numbers; got {value!r}") from err
    return first, second


def _toggle(value, options, description, name):
    one_of(value, options, name)
    return widgets.ToggleButtons(
        value=value,
        options=options,
        description=description,
        style={"description_width": "initial", "button_width": "100px"},
    )


class ScoreFieldExplorer(Explorer):
    title = "score field explorer"

    def __init__(
        self,
        mean1=(-1.5, -0.5),
        mean2=(1.5, 1.0),
        spread1=0.6,
        spread2=1.0,
        weight1=0.4,
        temperature=1.0,
        style="arrows",
        lengths="raw",
    ):
        mean1, mean2 = _pair(mean1, "mean1"), _pair(mean2, "mean2")
        controls = {
            "x1": float_slider(mean1[0], -3.0, 3.0, 0.1, "centre 1: x₁", name="mean1"),
            "y1": float_slider(mean1[1], -3.0, 3.0, 0.1, "centre 1: x₂", name="mean1"),
            "x2": float_slider(mean2[0], -3.0, 3.0, 0.1, "centre 2: x₁", name="mean2"),
            "y2": float_slider(mean2[1], -3.0, 3.0, 0.1, "centre 2: x₂", name="mean2"),
            "spread1": float_slider(spread1, 0.2, 2.0, 0.05, "spread σ₁", name="spread1"),
            "spread2": float_slider(spread2, 0.2, 2.0, 0.05, "spread σ₂", name="spread2"),
            "weight1": float_slider(
                weight1, 0.05, 0.95, 0.05, "weight w₁ (w₂ = 1 − w₁)", name="weight1"
            ),
            "temperature": float_slider(
                temperature, 0.25, 4.0, 0.05, "temperature T", name="temperature"
            ),
            "style": _toggle(style, ["arrows", "streamlines"], "draw the score as", "style"),
            "lengths": _toggle(lengths, ["raw", "unit"], "arrow lengths", "lengths"),
        }
        super().__init__(controls, figsize=(9.0, 4.4))

    def build(self, fig):
        # Fixed axes rectangles and no layout engine: re-solving the layout costs a draw, and the
        # legends below the panels keep the data clear.
        fig.set_layout_engine(None)
        self.ax = fig.add_axes((0.065, 0.34, 0.3, 0.57))
        colorbar_ax = fig.add_axes((0.375, 0.34, 0.012, 0.57))
        self.ax_line = fig.add_axes((0.54, 0.34, 0.37, 0.57))
        empty = np.zeros((N_DENSITY, N_DENSITY))
        # Drawn by a NumPy copy into the frame's pixels: a third of the frame's cost otherwise.
        self.density_image = pixel_image(self.ax, empty, (*BOUNDS[0], *BOUNDS[1]))
        self.density_image.set_label("density p(x)")
        self.ax.set(xlabel="$x_1$", ylabel="$x_2$", title="density p_T and score s / T")
        # Relative colours: the scale stays put (no redraw of the bar) whatever the peak.
        self.density_image.set_clim(0.0, 1.0)
        colorbar = fig.colorbar(self.density_image, cax=colorbar_ax, ticks=[0, 0.5, 1])
        colorbar.set_label("p_T(x) / max p_T", fontsize=9)
        keep_static(*colorbar_ax.collections)  # a fixed scale: its gradient never changes
        # One path for all the arrows: a quiver costs a third of a frame (widgets/arrows.py).
        field_x, field_y = np.meshgrid(*[np.linspace(*BOUNDS[0], N_FIELD)] * 2)
        self.quiver = Arrows(self.ax, field_x, field_y, width=0.004)
        self.stream = LineCollection([], colors="white", linewidths=1.0, visible=False)
        self.ax.add_collection(self.stream)
        self.heads = Arrows(self.ax, SEEDS[:, 0], SEEDS[:, 1], width=0.005)
        self.heads.set_visible(False)
        (self.through,) = self.ax.plot(
            [], [], color="red", ls="--", lw=1.2, label="line x = c + t e, e = (μ₂−μ₁)/|μ₂−μ₁|"
        )
        (self.centres,) = self.ax.plot([], [], "r+", markersize=9, mew=2, label="centres μ₁, μ₂")
        (self.midpoint,) = self.ax.plot(
            [], [], "o", color="red", markersize=4, label="c = (μ₁ + μ₂) / 2"
        )
        self.ax.set_xlim(*BOUNDS[0])
        self.ax.set_ylim(*BOUNDS[1])
        self.ax.legend(
            handles=[self.centres, self.midpoint, self.through],
            loc="upper left",
            bbox_to_anchor=(-0.2, -0.16),
            fontsize=8,
            frameon=False,
        )
        # The readout, in the picture: what the arrows' lengths and the colours mean.
        self.numbers = number_row(
            self.ax,
            0.03,
            [
                "largest |s| on the arrow grid:",
                f"raw arrows shortened to {MAX_SPACINGS} grid spacings:",
                "max p_T (colour 1.0):",
            ],
        )
        ax = self.ax_line
        (self.score_line,) = ax.plot([], [], color="C0", label="score along the line, s·e")
        keep_static(ax.axhline(0.0, color="grey", linewidth=0.6))
        ax.set_xlabel("t: distance from c along e")
        ax.set_ylabel("score component s·e", color="C0")
        ax.set_title("along the line x = c + t e", fontsize=10)
        ax.set_xlim(-5.0, 5.0)
        # p_T on an axis of its own (right): its units are not the score's.
        self.ax_density = ax.twinx()
        (self.density_line,) = self.ax_density.plot([], [], color="C1", label="p_T along the line")
        self.ax_density.set_ylabel("density p_T (on the line)", color="C1")
        self.centre_marks = [ax.axvline(0.0, color="red", linewidth=0.8, ls=":") for _ in range(2)]
        self.centre_marks[0].set_label("t of the centres μ₁, μ₂")
        self.ax_density.legend(
            handles=[self.score_line, self.density_line, self.centre_marks[0]],
            loc="upper left",
            bbox_to_anchor=(0.0, -0.16),
            fontsize=8,
            frameon=False,
            ncol=2,
        )

    def compute(self, x1, y1, x2, y2, spread1, spread2, weight1, temperature, style, lengths):
        means = torch.tensor([[x1, y1], [x2, y2]], dtype=torch.float64)
        mixture = GaussianMixture(means, [spread1, spread2], [weight1, 1.0 - weight1])
        # float32 for the picture: a fifth faster, and 7 digits are more than colours show; the
        # score on this fine grid (two thirds of its cost) only for the streamlines
        streamlines = style == "streamlines"
        image = plot.field_on_grid(
            mixture, BOUNDS, N_DENSITY, temperature, torch.float32, with_score=streamlines
        )
        field = plot.field_on_grid(mixture, BOUNDS, N_FIELD, temperature)
        spacing = (BOUNDS[0][1] - BOUNDS[0][0]) / (N_FIELD - 1)
        u, v, clipped = plot.arrow_vectors(
            field["score_u"], field["score_v"], lengths, spacing, REFERENCE, MAX_SPACINGS * spacing
        )
        # The line through both centres (along x₁ when they coincide), centred between them.
        centre = means.mean(0)
        direction = means[1] - means[0]
        length = float(direction.norm())
        e = direction / length if length > 1e-9 else torch.tensor([1.0, 0.0], dtype=torch.float64)
        t = torch.linspace(-5.0, 5.0, N_LINE, dtype=torch.float64)
        along = centre + t[:, None] * e
        inside = ((along.abs() <= BOUNDS[0][1]).all(1)).nonzero()[:, 0]  # the part drawn left
        with torch.no_grad():
            score_along = mixture.score(along) @ e / temperature
            log_p_along = mixture.log_prob(along) / temperature
        # The same grid normalisation as the image, so the two panels show the same p_T.
        log_z = float(torch.logsumexp(torch.as_tensor(image["log_density"]).flatten(), 0))
        cell = float((image["xs"][1] - image["xs"][0]) ** 2)
        density_along = torch.exp(log_p_along - log_z) / cell
        return {
            "means": means.numpy(),
            "stds": np.array([spread1, spread2]),
            "weights": np.array([weight1, 1.0 - weight1]),
            "temperature": np.array(temperature),
            "xs": image["xs"],
            "ys": image["ys"],
            "density": image["density"],
            "field_xs": field["xs"],
            "field_ys": field["ys"],
            "score_u": field["score_u"],
            "score_v": field["score_v"],
            "arrow_u": u,
            "arrow_v": v,
            "clipped": clipped,
            "t": t.numpy(),
            "centre_t": ((means - centre) @ e).numpy(),
            "line_x": along[[int(inside[0]), int(inside[-1])]].numpy(),
            "score_along": score_along.numpy(),
            "density_along": density_along.numpy(),
            "style": np.array(style),
            "lengths": np.array(lengths),
            # Streamlines cost a third of the frame: trace them only when they are shown.
            **(self._streamlines(mixture, image, temperature, lengths) if streamlines else {}),
        }

    def _streamlines(self, mixture, image, temperature, lengths):
        """Streamlines through SEEDS on the image's grid, their widths and their arrow heads."""
        lines = plot.trace_streamlines(
            image["xs"],
            image["ys"],
            image["score_u"],
            image["score_v"],
            SEEDS,
            STREAM_STEP,
            STREAM_STEPS,
        )
        with torch.no_grad():
            on_lines = mixture.score(torch.as_tensor(lines.reshape(-1, 2))) / temperature
            at_seeds = mixture.score(torch.as_tensor(SEEDS)) / temperature
        speed = on_lines.norm(dim=1).reshape(lines.shape[:2]).numpy()
        head_u, head_v, _ = plot.arrow_vectors(at_seeds[:, 0], at_seeds[:, 1], "unit", 0.3)
        return {
            "streamlines": lines,
            "streamline_widths": self._linewidths(speed[:, :-1], lengths).reshape(-1),
            "head_u": head_u,
            "head_v": head_v,
        }

    def draw(self, state):
        density = state["density"]
        peak = float(density.max())
        self.density_image.set_data(density / peak)
        means = state["means"]
        self.centres.set_data(means[:, 0], means[:, 1])
        self.midpoint.set_data([means[:, 0].mean()], [means[:, 1].mean()])
        self.through.set_data(state["line_x"][:, 0], state["line_x"][:, 1])
        arrows = str(state["style"]) == "arrows"
        self.quiver.set_visible(arrows)
        self.stream.set_visible(not arrows)
        self.heads.set_visible(not arrows)
        if arrows:
            self.quiver.set_UVC(state["arrow_u"], state["arrow_v"])
        else:
            self.stream.set_segments(plot.streamline_segments(state["streamlines"]))
            self.stream.set_linewidths(state["streamline_widths"])
            self.heads.set_UVC(state["head_u"], state["head_v"])
        self._draw_line_panel(state)
        magnitude = np.hypot(state["score_u"], state["score_v"])
        w = state["weights"]
        clipped = int(state["clipped"].sum())
        unit = str(state["lengths"]) == "unit"
        for text, number in zip(
            self.numbers,
            (
                f"{magnitude.max():.3g}",
                "unit lengths" if unit else clipped if arrows else "none (streamlines)",
                peak,
            ),
        ):
            text.set_text(number if isinstance(number, str) else f"{number:.3g}")
        self.readout.value = (
            f"weights w = ({w[0]:.2f}, {w[1]:.2f}) sum to {w.sum():.2f}; "
            f"T = {float(state['temperature']):.2f}; "
            f"largest |score| on the arrow grid: {magnitude.max():.3g}"
            + (f"; {clipped} raw arrows shortened to fit" if clipped else "")
        )

    def _draw_line_panel(self, state):
        """The score along the line (left axis) and p_T on it (right axis), on steady limits:
        the axes are redrawn only when a curve outgrows its axis or shrinks below 30 % of it,
        and then all three limits are recentred at once, so that their redraws coincide."""
        t, score, along = state["t"], state["score_along"], state["density_along"]
        self.score_line.set_data(t, score)
        self.density_line.set_data(t, along)
        for mark, where in zip(self.centre_marks, state["centre_t"]):
            mark.set_xdata([where, where])
        peaks = [max(float(score.max()), 1e-3), max(-float(score.min()), 1e-3), float(along.max())]
        low, high = self.ax_line.get_ylim()
        tops = [high, -low, self.ax_density.get_ylim()[1]]
        if self.frame_count == 0 or any(
            steady_top(top, peak, LINE_WINDOW[0], LINE_WINDOW[1]) != top
            for top, peak in zip(tops, peaks)
        ):
            tops = [steady_top(None, peak, *LINE_WINDOW) for peak in peaks]
        self.ax_line.set_ylim(-tops[1], tops[0])
        self.ax_density.set_ylim(0.0, tops[2])

    @staticmethod
    def _linewidths(speed, lengths):
        """Streamline widths: growing with |score| ("raw", capped) or all equal ("unit")."""
        if lengths == "unit":
            return np.ones_like(speed)
        return 0.4 + 2.0 * np.minimum(speed / (MAX_SPACINGS * REFERENCE), 1.0)


def score_field_explorer(**options) -> ScoreFieldExplorer:
    """The chapter 2 explorer: a 2-D two-component mixture's density and score field, live.

    options: mean1, mean2 ((x₁, x₂) pairs), spread1, spread2, weight1 (the second weight is
    1 - weight1), temperature, style ("arrows" or "streamlines"), lengths ("raw" or "unit").
    """
    return ScoreFieldExplorer(**options)
