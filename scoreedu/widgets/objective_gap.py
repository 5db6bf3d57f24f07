"""Chapter 3's explorer: explicit and implicit score matching as two curves a constant apart.

The model family is s_θ(x) = −(x − θ) in 1-D (a unit-precision Gaussian model with mean θ).
For each θ the explicit objective ½ E_p (s_θ − ψ)² and the implicit one E_p[½ s_θ² + ∂x s_θ]
are integrals against p, computed by scoreedu.lemma.quadrature_objectives. On a density over
all of R the two curves differ by C = ½ E_p ψ² for every θ; on the half-normal, whose density
jumps at 0, the gap moves with θ by the boundary term p(0) θ and the minimisers part.
"""

import ipywidgets as widgets
import numpy as np

from scoreedu import validate
from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.gaussian_model import GaussianScoreModel
from scoreedu.lemma import TruncatedNormal, grid_1d, quadrature_objectives
from scoreedu.widgets.base import Explorer, in_range, one_of

# name -> (density, quadrature box holding its mass, x range drawn on the left)
DATA = {
    "gaussian": (lambda: Gaussian([0.5], [[1.0]]), (-10.5, 11.5), (-4.0, 4.0)),
    "mixture": (
        lambda: GaussianMixture([[-1.5], [1.5]], [0.6, 0.8], [0.5, 0.5]),
        (-10.0, 10.0),
        (-4.0, 4.0),
    ),
    "half-normal": (lambda: TruncatedNormal(0.0), (0.0, 12.0), (0.0, 4.0)),
}
LABELS = [
    ("Gaussian N(0.5, 1)", "gaussian"),
    ("two-bump mixture", "mixture"),
    ("half-normal (support x ≥ 0)", "half-normal"),
]
THETA_RANGE = (-3.0, 3.0)


def objectives_at(density, bounds, theta: float, n: int = 801) -> dict:
    """Explicit, implicit and C for s_θ(x) = −(x − θ) on density, by quadrature over bounds."""
    model = GaussianScoreModel(1, mean=[validate.real(theta, "theta")])
    return {k: v.item() for k, v in quadrature_objectives(model, density, [bounds], n).items()}


class ObjectiveGapExplorer(Explorer):
    title = "explicit vs implicit score matching"

    def __init__(self, theta: float = 1.0, data: str = "mixture", n_thetas: int = 61):
        one_of(data, tuple(DATA), "data")
        theta = in_range(theta, *THETA_RANGE, "theta")
        validate.count(n_thetas, "n_thetas", minimum=2)
        self.thetas = np.linspace(*THETA_RANGE, n_thetas)
        self._curves: dict = {}  # data name -> (explicit, implicit) over self.thetas
        style = {"description_width": "initial"}
        controls = {
            "theta": widgets.FloatSlider(
                value=theta,
                min=THETA_RANGE[0],
                max=THETA_RANGE[1],
                step=0.05,
                description="model centre θ",
                style=style,
                continuous_update=True,
            ),
            "data": widgets.Dropdown(
                options=LABELS, value=data, description="data density p", style=style
            ),
        }
        super().__init__(controls, figsize=(9.0, 3.4))

    def build(self, figure):
        self.ax_score, self.ax_obj = figure.subplots(1, 2)
        self.ax_density = self.ax_score.twinx()
        (self.density_line,) = self.ax_density.plot([], [], color="0.6", lw=1, label="p(x)")
        (self.true_line,) = self.ax_score.plot([], [], color="k", lw=2, label="true score ψ(x)")
        (self.model_line,) = self.ax_score.plot([], [], color="C3", lw=2, label="model s_θ(x)")
        self.ax_score.set(xlabel="x", ylabel="score", ylim=(-5, 5))
        self.ax_density.set_ylabel("density p(x)", color="0.5")
        self.ax_score.legend(loc="upper right")
        (self.explicit_line,) = self.ax_obj.plot(
            self.thetas, self.thetas, color="C0", label="explicit J(θ)"
        )
        (self.implicit_line,) = self.ax_obj.plot(
            self.thetas, self.thetas, color="C1", label="implicit J_I(θ)"
        )
        (self.gap_line,) = self.ax_obj.plot([], [], color="C2", lw=3, label="gap J − J_I")
        (self.points,) = self.ax_obj.plot([], [], "o", color="k", ms=6)
        self.ax_obj.set(
            xlabel="model centre θ", ylabel="objective", title="two objectives, one minimiser?"
        )
        self.ax_obj.legend(loc="upper center", fontsize=8)

    def _curves_for(self, data):
        if data not in self._curves:
            make, bounds, _ = DATA[data]
            density = make()
            values = [objectives_at(density, bounds, float(t)) for t in self.thetas]
            self._curves[data] = (
                np.array([v["explicit"] for v in values]),
                np.array([v["implicit"] for v in values]),
            )
        return self._curves[data]

    def compute(self, theta, data):
        make, bounds, (lo, hi) = DATA[data]
        density = make()
        explicit, implicit = self._curves_for(data)
        now = objectives_at(density, bounds, float(theta))
        x = grid_1d(lo, hi, 200)
        return {
            "data": np.array(data),
            "theta": np.array(theta),
            "thetas": self.thetas,
            "explicit_curve": explicit,
            "implicit_curve": implicit,
            "explicit": np.array(now["explicit"]),
            "implicit": np.array(now["implicit"]),
            "constant": np.array(now["constant"]),
            "x": x[:, 0].numpy(),
            "density": density.log_prob(x).exp().numpy(),
            "true_score": density.score(x)[:, 0].numpy(),
            "model_score": GaussianScoreModel(1, mean=[theta])(x)[:, 0].detach().numpy(),
        }

    def draw(self, state):
        x = state["x"]
        self.density_line.set_data(x, state["density"])
        self.true_line.set_data(x, state["true_score"])
        self.model_line.set_data(x, state["model_score"])
        self.ax_score.set_xlim(x[0], x[-1])
        # Headroom: the density stays below the legend, which is drawn under the data.
        self.ax_density.set_ylim(0, 1.7 * state["density"].max())
        # The title changes with the data only: a move of θ redraws no axes (frames.Blitter).
        self.ax_score.set_title(f"scores on the {state['data']} data")

        explicit, implicit = state["explicit_curve"], state["implicit_curve"]
        self.explicit_line.set_ydata(explicit)
        self.implicit_line.set_ydata(implicit)
        theta, e, i = float(state["theta"]), float(state["explicit"]), float(state["implicit"])
        self.gap_line.set_data([theta, theta], [i, e])
        self.points.set_data([theta, theta], [i, e])
        lo = min(explicit.min(), implicit.min())
        hi = max(explicit.max(), implicit.max())
        self.ax_obj.set_ylim(lo - 0.05 * (hi - lo), hi + 0.25 * (hi - lo))
        gaps = explicit - implicit
        self.readout.value = (
            f"θ = {theta:.2f}: explicit J = {e:.3f}, implicit J_I = {i:.3f}, "
            f"gap J − J_I = {e - i:.3f}; C = ½ E ψ² = {float(state['constant']):.3f}. "
            f"Over all θ the gap runs from {gaps.min():.3f} to {gaps.max():.3f}; "
            f"argmin J = {self.thetas[explicit.argmin()]:.2f}, "
            f"argmin J_I = {self.thetas[implicit.argmin()]:.2f}."
        )


def objective_gap_explorer(theta: float = 1.0, data: str = "mixture") -> ObjectiveGapExplorer:
    """The explorer of chapter 3: slide θ, watch both objectives; pick a density.

    data: "gaussian", "mixture" or "half-normal" (bounded support: the gap is not constant).
    """
    return ObjectiveGapExplorer(theta=theta, data=data)
