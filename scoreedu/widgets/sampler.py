"""Chapter 5's explorer: Langevin samples over an unbalanced mixture, plain or annealed.

Every frame runs Langevin on the exact score of the noised mixture p_σ (a Gaussian mixture
convolved with N(0, σ² I) is the same mixture with stds √(σ_k² + σ²)), so nothing is trained. The
chains are scoreedu.sampling's langevin and annealed_langevin, same starts, same noise, same
numbers to rounding, run by widgets/chains.py in a twenty-fifth of the time, so that a frame
keeps up with a dragged slider. The left panel shows the samples over the density the sampler
ends on; the right one the share of samples in each mode against the true weights.

The step size ε is the step at the smallest noise level σ_L; at level σ the sampler steps
α = ε σ²/σ_L², as in Song & Ermon (2019), for plain Langevin at a fixed σ too.
"""

import ipywidgets as widgets
import numpy as np
import torch

from scoreedu import validate
from scoreedu.distributions import GaussianMixture
from scoreedu.noise import standard_normal
from scoreedu.plot import grid
from scoreedu.sampling import geometric_sigmas, mode_weights
from scoreedu.widgets.base import Explorer
from scoreedu.widgets.chains import mixture_chains
from scoreedu.widgets.frames import StampedText, keep_static, pixel_image

BOUNDS = ((-4.0, 4.0), (-4.0, 4.0))
# Log-spaced choices; the largest keeps α L < 2 (stable) at every level for σ_L = 0.1.
STEP_SIZES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2)


def default_mixture() -> GaussianMixture:
    """Two modes far apart, weighted 0.8 and 0.2: the chapter's low-density example."""
    return GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.5, 0.5], [0.8, 0.2])


def _slider_style():
    return {"description_width": "initial"}


class SamplerExplorer(Explorer):
    title = "Langevin sampler"

    def __init__(
        self,
        mixture: GaussianMixture | None = None,
        n_samples: int = 400,
        sigma_min: float = 0.1,
        n_levels: int = 10,
        seed: int = 0,
        grid_size: int = 160,
    ):
        self.mixture = default_mixture() if mixture is None else mixture
        if not isinstance(self.mixture, GaussianMixture):
            raise TypeError(f"mixture must be a GaussianMixture; got {type(mixture).__name__}")
        validate.count(n_samples, "n_samples")
        if validate.positive(sigma_min, "sigma_min") >= 3.0:
            raise ValueError(
                f"sigma_min must be below 3.0, where the σ slider starts; got {sigma_min}"
            )
        validate.count(n_levels, "n_levels", minimum=2)
        validate.count(seed, "seed", minimum=0)
        validate.count(grid_size, "grid_size", minimum=2)
        if self.mixture.dim != 2:
            raise ValueError(f"mixture must be 2-D; got dim {self.mixture.dim}")
        self.sigma_min, self.n_levels, self.seed = sigma_min, n_levels, seed
        g = torch.Generator().manual_seed(seed)
        (x_lo, x_hi), (y_lo, y_hi) = BOUNDS
        # The same uniform starting points every frame: only the controls change the picture.
        u = torch.rand(n_samples, 2, generator=g, dtype=torch.float64)
        self.x0 = torch.stack([x_lo + (x_hi - x_lo) * u[:, 0], y_lo + (y_hi - y_lo) * u[:, 1]], 1)
        self.xs, self.ys, self.points = grid(BOUNDS, grid_size)
        self._generator = torch.Generator().manual_seed(seed + 1)
        self._noise = np.zeros((0, *self.x0.shape))
        self._densities: dict[float, np.ndarray] = {}
        style = _slider_style()
        controls = {
            "step_size": widgets.SelectionSlider(
                options=[(f"{e:.0e}", e) for e in STEP_SIZES], value=5e-3,
                description="step size ε (at σ_L)", style=style,
            ),
            "n_steps": widgets.IntSlider(
                value=300, min=10, max=1000, step=10, description="number of steps", style=style
            ),
            "sigma": widgets.FloatSlider(
                value=3.0, min=sigma_min, max=4.0, step=0.1, description="noise level σ",
                style=style,
            ),
            "method": widgets.ToggleButtons(
                options=[("annealed", "annealed"), ("plain", "plain")], value="annealed",
                description="sampler", style=style,
            ),
        }  # fmt: skip
        super().__init__(controls, figsize=(9.0, 3.6))

    # --- the model ------------------------------------------------------------------------
    def ladder(self, sigma: float, method: str) -> torch.Tensor:
        """The noise levels the sampler visits: σ alone (plain), or σ down to σ_L (annealed)."""
        if method == "plain" or sigma <= self.sigma_min * 1.001:
            return torch.tensor([max(sigma, self.sigma_min)], dtype=torch.float64)
        return geometric_sigmas(sigma, self.sigma_min, self.n_levels)

    def noise(self, n_steps: int) -> np.ndarray:
        """The standard normals of steps 0..n_steps-1, (n_steps, N, 2): the same every frame
        (only the controls change the picture), drawn once, step by step from one seeded
        generator as scoreedu.sampling's samplers draw them."""
        more = [
            standard_normal(self.x0.shape, self.x0, self._generator).numpy()
            for _ in range(n_steps - len(self._noise))
        ]
        if more:
            self._noise = np.concatenate([self._noise, np.stack(more)])
        return self._noise[:n_steps]

    def density(self, level: float) -> np.ndarray:
        """p_σ on the grid at σ = level, (n, n): computed once per level."""
        if level not in self._densities:
            n = len(self.xs)
            log_p = self.mixture.noised(level).log_prob(self.points)
            self._densities[level] = log_p.exp().reshape(n, n).numpy()
        return self._densities[level]

    def compute(self, step_size, n_steps, sigma, method):
        sigmas = self.ladder(sigma, method)
        # plain: ε σ²/σ_L² at its one level; annealed: annealed_langevin's α_i = ε σ_i²/σ_L²
        alphas = step_size * sigmas**2 / (self.sigma_min if len(sigmas) == 1 else sigmas[-1]) ** 2
        each = n_steps if len(sigmas) == 1 else max(1, n_steps // len(sigmas))
        steps = each * len(sigmas)
        x = mixture_chains(
            self.mixture, self.x0.numpy(), sigmas.numpy(), alphas.numpy(), each, self.noise(steps)
        )
        return {
            "samples": x,
            "weights": mode_weights(torch.from_numpy(x), self.mixture.means).numpy(),
            "true_weights": self.mixture.weights.numpy(),
            "sigmas": sigmas.numpy(),
            "density": self.density(sigmas[-1].item()),
            "method": np.array(method),
            "steps_taken": np.array(steps),
        }

    # --- the view -------------------------------------------------------------------------
    def build(self, figure):
        self.ax, self.bar_ax = figure.subplots(1, 2, width_ratios=(1.6, 1))
        n = len(self.xs)
        # Copied into the frame's pixels, unsmoothed (4 pixels a cell at 2x): smoothing while
        # drawing (bilinear) cost a fifth of the frame.
        self.density_image = pixel_image(self.ax, np.zeros((n, n)), (*BOUNDS[0], *BOUNDS[1]))
        self.ax.set(xlabel="$x_1$", ylabel="$x_2$")
        # Relative colours: the bar's scale stays put (no redraw of the axes) whatever the peak.
        self.density_image.set_clim(0.0, 1.0)
        colorbar = figure.colorbar(self.density_image, ax=self.ax, ticks=[0, 0.5, 1], pad=0.02)
        colorbar.set_label("p_σ(x) / max p_σ at the last level", fontsize=9)
        keep_static(*colorbar.ax.collections)  # a fixed scale: its gradient never changes
        # Markers of a line, not a scatter: a scatter measures its marker's Bézier extents on
        # every draw, 0.8 ms of a frame here; the picture is the same.
        (self.samples,) = self.ax.plot(
            [], [], "o", ms=6**0.5, mfc="white", mec="black", mew=0.3, ls="none"
        )
        self.ax.set_xlim(*BOUNDS[0])
        self.ax.set_ylim(*BOUNDS[1])
        # Few tick labels: rendering text is the largest part of a full redraw.
        self.ax.set_xticks(np.linspace(*BOUNDS[0], 5))
        self.ax.set_yticks(np.linspace(*BOUNDS[1], 5))
        self.ax.set_title("samples over the density they should follow")
        # What ran, in the picture, drawn with the data on every frame: stamped from cached words,
        # a tenth of the cost of rasterising the line again (frames.StampedText).
        self.what = StampedText(
            0.025, 0.93, "", transform=self.ax.transAxes, fontsize=8,
            background=(1.0, 1.0, 1.0, 0.8),
        )  # fmt: skip
        self.ax.add_artist(self.what)
        k = self.mixture.n_components
        where = np.arange(k)
        true = self.mixture.weights.numpy()
        keep_static(
            *self.bar_ax.bar(where - 0.2, true, width=0.4, label="true weight", color="tab:gray")
        )
        self.bars = self.bar_ax.bar(where + 0.2, np.zeros(k), width=0.4, label="samples")
        self.bar_ax.set_xticks(where, [f"mode {i + 1}" for i in range(k)])
        self.bar_ax.set_ylim(0, 1.25)  # room for the legend above a share of 1
        self.bar_ax.set_yticks([0, 0.5, 1])
        self.bar_ax.set_ylabel("share of samples")
        self.bar_ax.set_title("mode weights")
        self.bar_ax.legend(loc="upper right", ncol=2, fontsize=8)

    def draw(self, state):
        density = state["density"]
        self.density_image.set_data(density / density.max())
        self.samples.set_data(*state["samples"].T)
        for bar, height in zip(self.bars, state["weights"]):
            bar.set_height(height)
        sigmas = state["sigmas"]
        method = str(state["method"])
        if len(sigmas) == 1:
            what = f"plain Langevin on p_σ, σ = {sigmas[0]:.2g}"
        else:
            what = f"annealed, σ = {sigmas[0]:.2g} → {sigmas[-1]:.2g} ({len(sigmas)} levels)"
        self.what.set_text(f"{what}; {int(state['steps_taken'])} steps")
        shares = " / ".join(f"{w:.2f}" for w in state["weights"])
        truth = " / ".join(f"{w:.2f}" for w in state["true_weights"])
        self.readout.value = (
            f"<b>{method}</b>: {int(state['steps_taken'])} steps; mode weights of the samples "
            f"{shares} against the truth {truth}."
        )


def sampler_explorer(**options) -> SamplerExplorer:
    """Langevin samples and mode weights: step size, number of steps, noise level, plain or
    annealed. options: mixture, n_samples, sigma_min, n_levels, seed, grid_size."""
    return SamplerExplorer(**options)
