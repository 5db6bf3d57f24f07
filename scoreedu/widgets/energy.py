"""The energy explorer of chapter 1: one energy, three views, and log Z live.

Sliders set the double well f(x) = h ((x/c)² - 1)² + t x and the temperature T. The three
panels show the energy f(x)/T (at least 20 above its minimum), the unnormalised density
exp(-f(x)/T) on a log axis fixed for every setting (its scale is arbitrary: its peak swings
over 22 orders of magnitude as the sliders move) and the normalised density
p(x) = exp(-f(x)/T - log Z), whose area is always 1, with its mass left of 0 shaded. log Z comes
from log_partition_grid on a box wide enough that the tails it leaves out are below float64's
precision.
"""

import numpy as np
import torch
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from scoreedu import validate
from scoreedu.energies import DoubleWell, Tempered
from scoreedu.partition import log_partition_grid
from scoreedu.widgets.base import Explorer, float_slider
from scoreedu.widgets.frames import keep_static, number_row, steady_top

VIEW = (-3.5, 3.5)  # what the panels show
# What log Z integrates over: beyond it exp(-f/T) < 1e-38 for every slider setting, while Z > 0.1,
# so the tails it leaves out are far below float64's precision.
BOX = (-10.0, 10.0)
N_QUADRATURE = 2001
# The unnormalised panel's fixed log axis: every slider setting's peak exp(-min f/T) lies in
# [1, 5e22]; tails below 1e-10 leave the panel.
UNNORMALISED_RANGE = (1e-10, 1e25)
ENERGY_WINDOW = 25.0  # the energy panel shows [low, low + 25], low a multiple of 5 below min f/T


class EnergyExplorer(Explorer):
    title = "energy explorer"

    def __init__(self, height=1.0, center=1.0, tilt=0.3, temperature=1.0, n_view: int = 300):
        validate.count(n_view, "n_view", minimum=2)
        self.xs = torch.linspace(*VIEW, n_view, dtype=torch.float64)
        controls = {
            "height": float_slider(height, 0.5, 4.0, 0.05, "barrier height h", name="height"),
            "center": float_slider(center, 0.5, 2.0, 0.05, "well position c", name="center"),
            "tilt": float_slider(tilt, -2.0, 2.0, 0.05, "tilt t", name="tilt"),
            "temperature": float_slider(
                temperature, 0.1, 3.0, 0.05, "temperature T", name="temperature"
            ),
        }
        super().__init__(controls, figsize=(9.0, 3.0))

    def build(self, fig):
        # Fixed margins instead of the constrained layout, which re-solves with an extra draw on
        # every full frame; these margins fit every slider setting.
        fig.set_layout_engine(None)
        margins = {"left": 0.075, "right": 0.99, "bottom": 0.16, "top": 0.88, "wspace": 0.38}
        self.axes = fig.subplots(1, 3, gridspec_kw=margins)
        titles = ("energy f(x) / T", "unnormalised exp(-f(x) / T)", "normalised p(x)")
        ylabels = ("energy", "exp(-f / T), log scale", "density")
        self.lines = []
        for ax, title, ylabel, color in zip(self.axes, titles, ylabels, ("C0", "C1", "C2")):
            (line,) = ax.plot([], [], color=color)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("x")
            ax.set_ylabel(ylabel)
            ax.set_xlim(*VIEW)
            # Few ticks: every new tick label is text to lay out, the bulk of a full frame.
            ax.set_xticks([-3, -2, -1, 0, 1, 2, 3])
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            self.lines.append(line)
        unnormalised = self.axes[1]
        unnormalised.set_yscale("log")
        unnormalised.set_ylim(*UNNORMALISED_RANGE)
        unnormalised.set_yticks([1e-10, 1e0, 1e10, 1e20])
        keep_static(unnormalised.axhline(1.0, color="grey", linewidth=0.6, ls=":"))
        self.fills = []
        left_patch = Patch(color="C2", alpha=0.55)
        self.axes[2].legend(
            [self.lines[2], left_patch], ["p(x)", "mass P(x < 0)"], loc="upper right", fontsize=8
        )
        # The numbers, drawn with the data on every frame, below the legend.
        box = self.axes[2].get_position()
        self.numbers = [
            *number_row(
                self.axes[2], box.y0 + 0.665 * box.height, ["log Z ="], x=box.x0 + 0.5 * box.width
            ),
            *number_row(
                self.axes[2],
                box.y0 + 0.585 * box.height,
                ["P(x < 0) ="],
                x=box.x0 + 0.5 * box.width,
            ),
        ]

    def compute(self, height, center, tilt, temperature):
        energy = Tempered(DoubleWell(1, height, center, tilt), temperature)
        with torch.no_grad():
            f = energy(self.xs[:, None])
            log_z = log_partition_grid(energy, [BOX], N_QUADRATURE)
            log_z_left = log_partition_grid(energy, [(BOX[0], 0.0)], N_QUADRATURE)
        return {
            "x": self.xs.numpy(),
            "energy": f.numpy(),
            "unnormalised": torch.exp(-f).numpy(),
            "density": torch.exp(-f - log_z).numpy(),
            "log_z": log_z.numpy(),
            "left_mass": torch.exp(log_z_left - log_z).numpy(),
        }

    def draw(self, state):
        x, energy, density = state["x"], state["energy"], state["density"]
        self.lines[0].set_data(x, energy)
        # Limits on a grid of 5: the axes (and their tick labels) are redrawn only when the
        # minimum crosses a multiple of 5, not on every move.
        low = 5.0 * np.floor((float(energy.min()) - 1.0) / 5.0)
        self.axes[0].set_ylim(low, low + ENERGY_WINDOW)
        # exp(-f/T) underflows to 0 far out: hold it at the panel's floor (a log axis has no 0).
        floor = UNNORMALISED_RANGE[0] / 10
        self.lines[1].set_data(x, np.maximum(state["unnormalised"], floor))
        self.lines[2].set_data(x, density)
        ax = self.axes[2]
        top = ax.get_ylim()[1] if self.fills else None  # None: the first frame
        ax.set_ylim(0.0, steady_top(top, float(density.max()), 0.3, 0.55))  # under the legend
        for fill in self.fills:
            fill.remove()
        split = int(np.searchsorted(x, 0.0, side="right"))  # the two fills share one point
        self.fills = [
            ax.fill_between(x[:split], density[:split], color="C2", alpha=0.55, linewidth=0),
            ax.fill_between(x[split - 1 :], density[split - 1 :], color="C2", alpha=0.2, lw=0),
        ]
        log_z, left_mass = float(state["log_z"]), float(state["left_mass"])
        self.numbers[0].set_text(f"{log_z:.3f}")
        self.numbers[1].set_text(f"{left_mass:.3f}")
        self.readout.value = (
            f"<b>log Z = {log_z:.4f}</b> (Z = {np.exp(log_z):.4g}); P(x &lt; 0) = {left_mass:.3f}"
        )


def energy_explorer(**options) -> EnergyExplorer:
    """The chapter 1 explorer: sliders for h, c, t and T of a 1-D double well; log Z live.

    options: height, center, tilt, temperature (initial slider values), n_view (plot points).
    """
    return EnergyExplorer(**options)
