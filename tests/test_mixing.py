"""Mixing diagnostics: component shares, the first step a chain stays mixed, Langevin's bias."""

import math

import pytest
import torch

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.mixing import component_shares, gaussian_langevin_variance, steps_to_mix
from scoreedu.sampling import langevin


def test_component_shares_count_the_most_probable_component():
    mix = GaussianMixture([[-2.0], [2.0]], [0.5, 0.5], [0.5, 0.5])
    x = torch.tensor([[-3.0], [-1.0], [0.5], [2.0], [9.0]], dtype=torch.float64)
    torch.testing.assert_close(component_shares(mix, x), torch.tensor([0.4, 0.6]).double())


def test_component_shares_of_exact_samples_approach_the_weights():
    mix = GaussianMixture([[-4.0, 0.0], [4.0, 0.0], [0.0, 4.0]], [0.5] * 3, [0.2, 0.3, 0.5])
    x = mix.sample(20_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    shares = component_shares(mix, x)
    assert abs(shares.sum().item() - 1) < 1e-12
    torch.testing.assert_close(shares, mix.weights, atol=0.015, rtol=0)  # se ≈ 0.0035


def test_component_shares_refuse_what_is_not_a_mixture():
    with pytest.raises(TypeError, match="responsibilities"):
        component_shares(Gaussian([0.0], [[1.0]]), torch.zeros(3, 1))
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        component_shares(GaussianMixture([[0.0]], [1.0], [1.0]), torch.zeros(3))

    class Flat:
        def responsibilities(self, x):
            return torch.ones(x.shape[0])

    with pytest.raises(ValueError, match="responsibilities"):
        component_shares(Flat(), torch.zeros(3, 1))


def test_steps_to_mix_is_the_start_of_the_last_run_of_near_values():
    steps = [0, 100, 200, 300, 400, 500]
    values = [1.0, 0.42, 0.5, 0.41, 0.39, 0.40]  # near at 100, away at 200, near from 300 on
    assert steps_to_mix(steps, values, 0.4, atol=0.03) == 300
    assert steps_to_mix(steps, values, 0.4, atol=0.2) == 100
    assert steps_to_mix(steps, [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], 0.4, atol=0.03) is None


def test_steps_to_mix_needs_every_entry_near():
    steps = [0, 10, 20]
    values = [[1.0, 0.0], [0.45, 0.55], [0.41, 0.59]]
    assert steps_to_mix(steps, values, [0.4, 0.6], atol=0.02) == 20
    assert steps_to_mix(steps, values, [0.4, 0.6], atol=0.06) == 10


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (([0, 1], [0.1], 0.0, 0.1), ValueError, "one row per step"),
        (([1, 0], [0.1, 0.2], 0.0, 0.1), ValueError, "increasing"),
        (([0, 1], [0.1, 0.2], 0.0, 0.0), ValueError, "atol"),
        (([0, 1], [0.1, math.nan], 0.0, 0.1), ValueError, "values must be finite"),
        (([0, 1], "ab", 0.0, 0.1), TypeError, "values must be numbers"),
        (([[0, 1]], [0.1, 0.2], 0.0, 0.1), ValueError, "steps must be 1-D"),
        (([0, 1], [[[0.1]], [[0.2]]], 0.0, 0.1), ValueError, "values must have shape"),
        (([0, 1], [[0.1, 0.2], [0.3, 0.4]], [0.0, 0.1, 0.2], 0.1), ValueError, "target"),
        (([0, 1], [0.1, 0.2], [0.0, 0.1], 0.1), ValueError, "target"),
    ],
)
def test_steps_to_mix_refuses_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        steps_to_mix(*args)


def test_gaussian_langevin_variance_is_the_fixed_point_of_one_step():
    for eps, var in [(0.01, 1.0), (0.5, 1.0), (0.3, 0.4), (1.9, 1.0)]:
        v = gaussian_langevin_variance(eps, var)
        a = eps / var
        assert (1 - a) ** 2 * v + 2 * eps == pytest.approx(v, rel=1e-12)
    assert gaussian_langevin_variance(0.5) == pytest.approx(1 / 0.75)
    # The bias is first order in the step: v - σ² ≈ σ² a / 2.
    assert gaussian_langevin_variance(1e-4) - 1 == pytest.approx(0.5e-4, rel=1e-3)


def test_gaussian_langevin_variance_matches_a_long_chain():
    eps = 0.4
    gauss = Gaussian([0.0], [[1.0]])
    x0 = torch.zeros(40_000, 1, dtype=torch.float64)
    x = langevin(gauss.score, x0, eps, 100, generator=torch.Generator().manual_seed(0))
    se = math.sqrt(2 / 40_000) * gaussian_langevin_variance(eps)  # se of a Gaussian variance
    assert abs(x.var().item() - gaussian_langevin_variance(eps)) < 4 * se
    assert abs(x.var().item() - 1.0) > 10 * se  # and not the target's variance 1


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((2.0, 1.0), ValueError, "below 2 × variance"),
        ((0.0, 1.0), ValueError, "step_size"),
        ((0.1, -1.0), ValueError, "variance"),
        (("0.1", 1.0), TypeError, "step_size"),
    ],
)
def test_gaussian_langevin_variance_refuses_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        gaussian_langevin_variance(*args)
