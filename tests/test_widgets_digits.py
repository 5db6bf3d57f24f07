"""Chapter 6's explorer: its frame is Tweedie's formula on a noised held-out digit."""

import numpy as np
import pytest

from scoreedu.denoiser_mlp import DenoiserMLP
from scoreedu.widgets import digit_denoising_explorer
from scoreedu.widgets import digits as digits_widget


@pytest.fixture(scope="module")
def explorer():
    return digit_denoising_explorer(index=5, sigma=0.3)


def test_frame_is_noisy_digit_its_denoised_estimate_and_the_score(explorer):
    state, sigma = explorer.state, explorer.controls["sigma"].value
    assert {"clean", "noisy", "denoised", "score"} <= set(state)
    assert all(state[k].shape == (8, 8) for k in ("clean", "noisy", "denoised", "score"))
    np.testing.assert_allclose(
        state["score"], (state["denoised"] - state["noisy"]) / sigma**2, rtol=1e-4, atol=1e-4
    )
    # Even the quick model removes much of the noise: the estimate is nearer the digit.
    noisy_error, denoised_error = state["errors"]
    assert denoised_error < 0.7 * noisy_error


def test_more_noise_moves_the_noisy_digit_further(explorer):
    explorer.controls["sigma"].value = 0.1
    low = explorer.state["errors"][0]
    explorer.controls["sigma"].value = 0.8
    assert explorer.state["errors"][0] > 4 * low


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"index": 10_000}, ValueError, "index"),
        ({"sigma": 5.0}, ValueError, "sigma"),
        ({"model": "net"}, TypeError, "model"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_bad_options_are_named(options, error, words):
    with pytest.raises(error, match=words):
        digit_denoising_explorer(**options)


def test_a_model_for_other_data_is_refused_by_its_dim():
    with pytest.raises(
        ValueError, match=r"model must be a DenoiserMLP for 8×8 digits \(dim 64\); got dim 2"
    ):
        digit_denoising_explorer(model=DenoiserMLP(2, hidden=8, depth=1))


@pytest.mark.parametrize("options", [{"index": 10_000}, {"sigma": 5.0}, {"seed": -1}])
def test_bad_options_are_named_before_the_quick_model_is_trained(options, monkeypatch):
    def no_training():
        raise AssertionError("the quick model was trained before the options were checked")

    monkeypatch.setattr(digits_widget, "quick_model", no_training)
    with pytest.raises(ValueError):
        digit_denoising_explorer(**options)
