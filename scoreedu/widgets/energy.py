"""The energy explorer of chapter 1: one energy, three views, and log Z live.

Sliders set the double well f(x) = h ((x/c)² - 1)² + t x and the temperature T. The three
panels show the energy f(x)/T (up to 20 above its minimum), the unnormalised density
exp(-f(x)/T) (its scale is arbitrary: it swings over many orders of magnitude as T moves) and
the normalised density p(x) = exp(-f(x)/T - log Z), whose area is always 1. log Z comes from
log_partition_grid on a box wide enough that the tails it leaves out are below float64's
precision.
"""

import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from scoreedu import validate
from scoreedu.energies import DoubleWell, Tempered
from scoreedu.partition import log_partition_grid
from scoreedu.widgets.base import Explorer, float_slider

VIEW = (-3.5, 3.5)  # what the panels show
# What log Z integrates over: beyond it exp(-f/T) < 1e-38 for every slider setting, while Z > 0.1,
# so the tails it leaves out are far below float64's precision.
BOX = (-10.0, 10.0)
N_QUADRATURE = 2001


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
        # Fixed margins instead of the constrained layout, which savefig re-solves with an extra
        # draw on every frame (about 40% of the redraw); these margins fit every slider setting.
        # None, not "none": "none" leaves a placeholder engine that still triggers that draw.
        fig.set_layout_engine(None)
        margins = {"left": 0.085, "right": 0.99, "bottom": 0.16, "top": 0.88, "wspace": 0.38}
        self.axes = fig.subplots(1, 3, gridspec_kw=margins)
        titles = ("energy f(x) / T", "unnormalised exp(-f(x) / T)", "normalised p(x)")
        ylabels = ("energy", "exp(-f / T)", "density")
        self.lines = []
        for ax, title, ylabel, color in zip(self.axes, titles, ylabels, ("C0", "C1", "C2")):
            (line,) = ax.plot([], [], color=color)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("x")
            ax.set_ylabel(ylabel)
            ax.set_xlim(*VIEW)
            # Few ticks: every new tick label is text to lay out, the bulk of a frame's cost.
            ax.set_xticks([-3, -2, -1, 0, 1, 2, 3])
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            self.lines.append(line)
        self.fill = None

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
        x = state["x"]
        for ax, line, key in zip(self.axes, self.lines, ("energy", "unnormalised", "density")):
            y = state[key]
            line.set_data(x, y)
            low, high = float(y.min()), float(y.max())
            if key == "energy":
                # Beyond 20 above the minimum exp(-f/T) < 2e-9 of its peak: nothing to see there.
                high = min(high, low + 20.0)
            pad = 0.05 * (high - low) or 1.0
            ax.set_ylim(low - pad if key == "energy" else min(low - pad, 0.0), high + pad)
        if self.fill is not None:
            self.fill.remove()
        self.fill = self.axes[2].fill_between(x, state["density"], color="C2", alpha=0.25)
        log_z = float(state["log_z"])
        self.axes[2].set_title(f"normalised p(x), log Z = {log_z:.3f}", fontsize=10)
        self.readout.value = (
            f"<b>log Z = {log_z:.4f}</b> (Z = {np.exp(log_z):.4g}); "
            f"P(x &lt; 0) = {float(state['left_mass']):.3f}"
        )


def energy_explorer(**options) -> EnergyExplorer:
    """The chapter 1 explorer: sliders for h, c, t and T of a 1-D double well; log Z live.

    options: height, center, tilt, temperature (initial slider values), n_view (plot points).
    """
    return EnergyExplorer(**options)
