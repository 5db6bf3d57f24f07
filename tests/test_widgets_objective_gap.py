"""Chapter 3's explorer: its curves are the package's quadrature, the gap is flat on densities
over all of R and a line on the half-normal, and the controls do what their labels say."""

import math

import numpy as np
import pytest

from scoreedu.distributions import GaussianMixture
from scoreedu.gaussian_model import GaussianScoreModel
from scoreedu.lemma import quadrature_objectives
from scoreedu.widgets import EXPLORERS
from scoreedu.widgets.objective_gap import objective_gap_explorer


def test_registered():
    assert EXPLORERS["objective_gap_explorer"] is objective_gap_explorer


@pytest.mark.parametrize("data", ["gaussian", "mixture"])
def test_gap_is_constant_where_the_lemma_holds(data):
    ex = objective_gap_explorer(theta=0.3, data=data)
    gaps = ex.state["explicit_curve"] - ex.state["implicit_curve"]
    assert np.ptp(gaps) < 1e-8
    assert float(ex.state["explicit"] - ex.state["implicit"]) == pytest.approx(gaps[0], abs=1e-8)
    assert float(ex.state["constant"]) == pytest.approx(gaps[0], abs=1e-8)


def test_gaussian_curves_have_the_closed_form():
    # p = N(0.5, 1), s_θ = −(x − θ): J = ½(θ − 0.5)², J_I = ½(1 + (θ − 0.5)²) − 1, C = ½
    ex = objective_gap_explorer(data="gaussian")
    t = ex.state["thetas"]
    np.testing.assert_allclose(ex.state["explicit_curve"], 0.5 * (t - 0.5) ** 2, atol=1e-9)
    np.testing.assert_allclose(
        ex.state["implicit_curve"], 0.5 * (1 + (t - 0.5) ** 2) - 1, atol=1e-9
    )


def test_mixture_point_matches_the_package():
    ex = objective_gap_explorer(theta=-1.25, data="mixture")
    density = GaussianMixture([[-1.5], [1.5]], [0.6, 0.8], [0.5, 0.5])
    q = quadrature_objectives(GaussianScoreModel(1, mean=[-1.25]), density, [(-10, 10)], 801)
    assert float(ex.state["explicit"]) == pytest.approx(q["explicit"].item(), rel=1e-12)
    assert float(ex.state["implicit"]) == pytest.approx(q["implicit"].item(), rel=1e-12)


def test_half_normal_gap_is_the_boundary_line_and_minimisers_part():
    ex = objective_gap_explorer(data="half-normal")
    t = ex.state["thetas"]
    gaps = ex.state["explicit_curve"] - ex.state["implicit_curve"]
    np.testing.assert_allclose(gaps, 0.5 + math.sqrt(2 / math.pi) * t, atol=1e-3)
    assert t[ex.state["explicit_curve"].argmin()] == pytest.approx(0.0, abs=1e-9)
    assert t[ex.state["implicit_curve"].argmin()] == pytest.approx(math.sqrt(2 / math.pi), abs=0.06)
    assert "argmin J_I = 0.80" in ex.readout.value


def test_controls_move_the_model_and_the_data():
    ex = objective_gap_explorer(theta=1.0, data="mixture")
    ex.controls["theta"].value = 2.0
    assert float(ex.state["theta"]) == 2.0
    np.testing.assert_allclose(ex.state["model_score"], -(ex.state["x"] - 2.0))
    ex.controls["data"].value = "half-normal"
    assert str(ex.state["data"]) == "half-normal" and ex.state["x"].min() == 0.0
    assert "θ = 2.00" in ex.readout.value


def test_unknown_data_is_refused():
    with pytest.raises(ValueError, match="data must be one of"):
        objective_gap_explorer(data="uniform")


def test_objectives_at_names_a_nan_theta():
    from scoreedu.lemma import TruncatedNormal
    from scoreedu.widgets.objective_gap import objectives_at

    with pytest.raises(ValueError, match="theta must be finite"):
        objectives_at(TruncatedNormal(0.0), (0.0, 5.0), math.nan)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"theta": "a"}, TypeError, "theta must be a number"),
        ({"theta": 10.0}, ValueError, "theta must lie in"),
        ({"data": ["mixture"]}, ValueError, "data must be one of"),
    ],
)
def test_objective_gap_explorer_names_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        objective_gap_explorer(**options)
