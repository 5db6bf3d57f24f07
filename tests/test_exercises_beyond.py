"""Chapter 5's exercise checkers accept the right answers and explain the likely wrong ones."""

import pytest
import torch

from scoreedu.denoising_noise import denoising_losses
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
    assert ex.denoising_gap() == pytest.approx(4.8)
    data = Gaussian([0.0, 0.0, 0.0], torch.eye(3).tolist())
    noised = data.noised(ex.GAP_SIGMA)
    g = torch.Generator().manual_seed(0)
    x = data.sample(400_000, generator=g, dtype=torch.float64)
    y = noised.sample(400_000, generator=g, dtype=torch.float64)
    model = lambda z: -0.5 * z  # noqa: E731 any model: the gap does not depend on it
    gap = denoising_score_matching(model, x, ex.GAP_SIGMA, generator=g) - explicit_score_matching(
        model, y, noised.score
    )
    assert gap.item() == pytest.approx(ex.denoising_gap(), abs=0.05)
    assert ex.check_denoising_gap(4.8)
    assert "alone" in ex.check_denoising_gap(6.0).message
    assert "twice" in ex.check_denoising_gap(9.6).message
    assert not ex.check_denoising_gap(1.0)


def test_projections():
    assert ex.check_projections(16)
    assert "halves" in ex.check_projections(4).message
    assert not ex.check_projections(8)


def test_annealed_step():
    assert ex.annealed_first_step() == pytest.approx(3.2)
    assert ex.check_annealed_step(3.2)
    assert "σ_1²/σ_L²" in ex.check_annealed_step(0.08).message
    assert "last level" in ex.check_annealed_step(0.002).message
    assert not ex.check_annealed_step(18)


def test_plain_weight_matches_a_run():
    mixture = GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.5, 0.5], [0.8, 0.2])
    g = torch.Generator().manual_seed(0)
    x0 = 8 * torch.rand(1000, 2, generator=g) - 4
    share = mode_weights(langevin(mixture.score, x0, 0.01, 1000, generator=g), mixture.means)[0]
    assert ex.check_plain_weight(share.item())
    assert ex.check_plain_weight(0.5)
    # the window is symmetric: floating point must not accept one edge and reject the other
    assert ex.check_plain_weight(0.45) and ex.check_plain_weight(0.55)
    assert not ex.check_plain_weight(0.44) and not ex.check_plain_weight(0.56)
    assert "true weight" in ex.check_plain_weight(0.8).message
    assert not ex.check_plain_weight(0.2)


def test_annealed_step_matches_the_sampler_of_section_5():
    from scoreedu.sampling import geometric_sigmas

    sigmas = geometric_sigmas(4.0, 0.1, 10)  # the ladder chapter 5 trains and samples with
    assert (ex.SIGMA_FIRST, ex.SIGMA_LAST) == (sigmas[0].item(), pytest.approx(sigmas[-1].item()))


def _learner_denoising_loss(score, x, z, sigma):
    return 0.5 * ((score(x + sigma * z) + z / sigma) ** 2).sum(1).mean()


def test_denoising_loss_accepts_a_right_answer_in_torch_or_numpy():
    assert ex.check_denoising_loss(_learner_denoising_loss)
    # the package's per-example losses, averaged, are a right answer too
    assert ex.check_denoising_loss(lambda s, x, z, sigma: denoising_losses(s, x, z, sigma).mean())
    assert not ex.check_denoising_loss(None).attempted


@pytest.mark.parametrize(
    ("slip", "words"),
    [(wrong, message.split(":")[0][:20]) for wrong, message in ex.DENOISING_SLIPS],
)
def test_denoising_loss_names_each_slip(slip, words):
    feedback = ex.check_denoising_loss(slip)
    assert not feedback and words in feedback.message


def test_denoising_loss_slips_are_told_apart_from_each_other():
    messages = [ex.check_denoising_loss(wrong).message for wrong, _ in ex.DENOISING_SLIPS]
    assert len(set(messages)) == len(messages)


def test_denoising_loss_other_mistakes_are_wrong_without_a_named_slip():
    feedback = ex.check_denoising_loss(lambda s, x, z, sigma: (s(x) ** 2).sum(1).mean())
    assert not feedback and "wrong on case" in feedback.message
    assert "raised" in ex.check_denoising_loss(lambda s, x, z: 0.0).message
