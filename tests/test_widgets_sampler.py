"""The sampler explorer shows what chapter 5 claims: plain Langevin at a small noise level misses
the 0.8 / 0.2 mode weights, annealed Langevin from a large one recovers them. The generic
contract (every control changes state and picture) is in test_explorer_contract.py."""

import numpy as np
import pytest
import torch

from scoreedu.distributions import GaussianMixture
from scoreedu.widgets.sampler import sampler_explorer


@pytest.fixture(scope="module")
def explorer():
    return sampler_explorer()


def test_plain_misses_and_annealed_recovers_the_mode_weights(explorer):
    explorer.controls["method"].value = "plain"
    explorer.controls["sigma"].value = 0.1
    plain = explorer.state["weights"][0]
    explorer.controls["method"].value = "annealed"
    explorer.controls["sigma"].value = 3.0
    annealed = explorer.state["weights"][0]
    assert abs(plain - 0.8) > 0.15
    assert abs(annealed - 0.8) < 0.08
    assert np.isclose(explorer.state["weights"].sum(), 1.0)
    assert explorer.state["sigmas"][0] == pytest.approx(3.0)
    assert explorer.state["sigmas"][-1] == pytest.approx(0.1)


def test_plain_is_one_level_and_the_readout_names_it(explorer):
    explorer.controls["method"].value = "plain"
    explorer.controls["sigma"].value = 2.0
    assert explorer.state["sigmas"].tolist() == pytest.approx([2.0])
    assert "plain" in explorer.readout.value and "0.80 / 0.20" in explorer.readout.value
    explorer.controls["method"].value = "annealed"


def test_steps_slider_plays_the_plain_chains_frame_by_frame():
    """The same seed every frame: n steps continue the chains of fewer steps, so the number-of-
    steps slider of the plain sampler is a frame slider."""
    from scoreedu.sampling import langevin

    ex = sampler_explorer(n_samples=50)
    ex.controls["method"].value = "plain"
    ex.controls["n_steps"].value = 20
    first = ex.state["samples"].copy()
    level = ex.state["sigmas"][0]
    score = ex.mixture.noised(level).score
    alpha = ex.controls["step_size"].value * level**2 / ex.sigma_min**2
    g = torch.Generator().manual_seed(ex.seed + 1)
    _, path = langevin(score, ex.x0, alpha, 40, generator=g, return_path=True)
    assert np.allclose(path[20].numpy(), first)
    ex.controls["n_steps"].value = 40
    assert np.allclose(path[40].numpy(), ex.state["samples"])


def test_redraw_restores_the_thread_setting():
    before = torch.get_num_threads()
    ex = sampler_explorer(n_samples=20)
    ex.controls["n_steps"].value = 20
    assert torch.get_num_threads() == before


def test_refuses_a_mixture_that_is_not_2d():
    mixture = GaussianMixture([[0.0, 0.0, 0.0]], [1.0], [1.0])
    with pytest.raises(ValueError, match="2-D"):
        sampler_explorer(mixture=mixture)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"mixture": 3}, TypeError, "mixture must be a GaussianMixture"),
        ({"n_samples": -5}, ValueError, "n_samples must be an int >= 1"),
        ({"seed": "a"}, TypeError, "seed must be an int"),
        ({"sigma_min": 0.0}, ValueError, "sigma_min must be a finite number > 0"),
        ({"sigma_min": 3.5}, ValueError, "sigma_min must be below 3.0"),
        ({"n_levels": 1}, ValueError, "n_levels must be an int >= 2"),
    ],
)
def test_sampler_explorer_names_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        sampler_explorer(**options)
