"""The energy explorer: its numbers are right, not only finite (the contract covers the rest)."""

import math

import numpy as np
import pytest

from scoreedu.widgets import EXPLORERS, energy_explorer


def test_registered():
    assert EXPLORERS["energy_explorer"] is energy_explorer


def test_density_integrates_to_one_and_symmetry_halves_the_mass():
    ex = energy_explorer(tilt=0.0)
    x, p = ex.state["x"], ex.state["density"]
    assert np.trapezoid(p, x) == pytest.approx(1.0, abs=1e-3)  # the view clips tails < 1e-3
    assert float(ex.state["left_mass"]) == pytest.approx(0.5, abs=1e-9)
    ex.controls["tilt"].value = 1.0  # f rises for x > 0: the left well gains mass
    assert float(ex.state["left_mass"]) > 0.8
    assert "log Z" in ex.readout.value


def test_log_z_follows_temperature_like_a_gaussian_near_a_deep_well():
    # At low T, Z ≈ exp(-f_min/T) √(2πT/f''): the Laplace approximation, to a few per cent.
    ex = energy_explorer(height=4.0, center=1.0, tilt=0.0, temperature=0.1)
    laplace = math.log(2 * math.sqrt(2 * math.pi * 0.1 / 32.0))  # two wells, f'' = 8h/c² = 32
    assert float(ex.state["log_z"]) == pytest.approx(laplace, abs=0.05)


def test_extreme_corners_stay_finite():
    ex = energy_explorer()
    for h, c, t, temp in [(0.5, 2.0, -2.0, 0.1), (4.0, 0.5, 2.0, 3.0), (0.5, 0.5, 2.0, 0.1)]:
        for key, value in zip(("height", "center", "tilt", "temperature"), (h, c, t, temp)):
            ex.controls[key].value = value
        assert ex.is_finite()


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"height": "a"}, TypeError, "height must be a number"),
        ({"height": 10.0}, ValueError, "height must lie in \\[0.5, 4.0\\]"),
        ({"temperature": float("nan")}, ValueError, "temperature must be finite"),
        ({"n_view": 2.5}, TypeError, "n_view must be an int"),
        ({"n_view": -1}, ValueError, "n_view must be an int >= 2"),
    ],
)
def test_energy_explorer_names_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        energy_explorer(**options)
