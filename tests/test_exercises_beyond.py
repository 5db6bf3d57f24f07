"""Chapter 5's exercise checkers accept the right answers and explain the likely wrong ones."""

import pytest
import torch

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.exercises import beyond as ex
from scoreedu.objectives import denoising_score_matching, explicit_score_matching
from scoreedu.sampling import langevin, mode_weights

CHECKS = [
    ex.check_denoising_gap,
    ex.check_projections,
    ex.check_annealed_step,
    ex.check_plain_weight,
]


@pytest.mark.parametrize("check", CHECKS)
def test_none_is_not_attempted_and_junk_is_explained(check):
    feedback = check(None)
    assert not feedback and not feedback.attempted
    assert repr(feedback).startswith("Not attempted yet")
    assert "number" in check("many").message


def test_denoising_gap_agrees_with_monte_carlo():
    assert ex.denoising_gap() == pytest.approx(3.2)
    data = Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    noised = data.noised(ex.GAP_SIGMA)
    g = torch.Generator().manual_seed(0)
    x = data.sample(400_000, generator=g, dtype=torch.float64)
    y = noised.sample(400_000, generator=g, dtype=torch.float64)
    model = lambda z: -0.5 * z  # noqa: E731 any model: the gap does not depend on it
    gap = denoising_score_matching(model, x, ex.GAP_SIGMA, generator=g) - explicit_score_matching(
        model, y, noised.score
    )
    assert gap.item() == pytest.approx(ex.denoising_gap(), abs=0.05)
    assert ex.check_denoising_gap(3.2)
    assert "alone" in ex.check_denoising_gap(4.0).message
    assert "twice" in ex.check_denoising_gap(6.4).message
    assert not ex.check_denoising_gap(1.0)


def test_projections():
    assert ex.check_projections(16)
    assert "halves" in ex.check_projections(4).message
    assert not ex.check_projections(8)


def test_annealed_step():
    assert ex.annealed_first_step() == pytest.approx(1.8)
    assert ex.check_annealed_step(1.8)
    assert "σ_1²/σ_L²" in ex.check_annealed_step(0.06).message
    assert "last level" in ex.check_annealed_step(0.002).message
    assert not ex.check_annealed_step(18)


def test_plain_weight_matches_a_run():
    mixture = GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.5, 0.5], [0.8, 0.2])
    g = torch.Generator().manual_seed(0)
    x0 = 8 * torch.rand(1000, 2, generator=g) - 4
    share = mode_weights(langevin(mixture.score, x0, 0.01, 1000, generator=g), mixture.means)[0]
    assert ex.check_plain_weight(share.item())
    assert ex.check_plain_weight(0.5)
    assert "true weight" in ex.check_plain_weight(0.8).message
    assert not ex.check_plain_weight(0.2)
