"""The fair-comparison harness: same start per seed, checkpoints, budgets, separated ranges."""

import time

import pytest
import torch

from scoreedu.comparison import (
    Contender,
    Curves,
    at_budget,
    fisher_curves,
    seconds_per_step,
    separated,
    summary,
)
from scoreedu.distributions import Gaussian
from scoreedu.nets import ScoreMLP
from scoreedu.objectives import denoising_score_matching, explicit_score_matching

GAUSS = Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
DATA = GAUSS.sample(256, generator=torch.Generator().manual_seed(0))
TEST = GAUSS.sample(256, generator=torch.Generator().manual_seed(1))

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny tensors: one thread is fastest


def make_model():
    return ScoreMLP(2, hidden=8)


def frozen(model, x):
    return 0.0 * model(x).sum()  # no gradient: Adam leaves the initial weights as they are


def test_every_contender_starts_a_seed_from_the_same_weights():
    a = fisher_curves(Contender(frozen, 32, 20), make_model, DATA, TEST, GAUSS.score, (0, 1), 10)
    b = fisher_curves(Contender(frozen, 64, 30), make_model, DATA, TEST, GAUSS.score, (0, 1), 10)
    assert a.fisher.shape == (2, 2) and b.fisher.shape == (2, 3)
    torch.testing.assert_close(a.fisher, b.fisher[:, :2])  # the same start per seed
    assert a.fisher[0, 0] != a.fisher[1, 0]  # and different seeds, different starts


def test_training_lowers_the_divergence_and_is_reproducible():
    dsm = Contender(lambda m, x: denoising_score_matching(m, x, 0.3), 64, 200)
    one = fisher_curves(dsm, make_model, DATA, TEST, GAUSS.score, (0,), every=100)
    two = fisher_curves(dsm, make_model, DATA, TEST, GAUSS.score, (0,), every=100)
    torch.testing.assert_close(one.fisher, two.fisher)
    assert one.steps.tolist() == [100, 200] and len(one.models) == 1
    torch.testing.assert_close(
        one.at_step(200), torch.tensor([_fisher(one.models[0])], dtype=torch.float64)
    )
    torch.manual_seed(0)
    start = explicit_score_matching(make_model(), TEST, GAUSS.score).item()
    assert one.at_step(200).item() < 0.5 * start
    with pytest.raises(ValueError, match="step"):
        one.at_step(150)
    with pytest.raises(TypeError, match="step"):
        one.at_step("a")


def _fisher(model):
    with torch.no_grad():
        return explicit_score_matching(model, TEST, GAUSS.score).item()


def test_at_budget_takes_the_last_checkpoint_within_the_budget():
    curves = Curves(torch.tensor([100, 200, 300]), torch.tensor([[3.0, 2.0, 1.0]]), [])
    assert at_budget(curves, 0.01, 2.5) == (200, torch.tensor([2.0]))
    assert at_budget(curves, 0.01, 3.0)[0] == 300  # the boundary is inside
    assert at_budget(curves, 0.001, 100.0)[0] == 300
    with pytest.raises(ValueError, match="budget"):
        at_budget(curves, 0.01, 0.5)


def test_at_budget_interpolates_between_checkpoints_when_asked():
    curves = Curves(torch.tensor([100, 200, 300]), torch.tensor([[3.0, 2.0, 1.0]]), [])
    steps, values = at_budget(curves, 0.01, 2.5, interpolate=True)
    assert steps == 250 and values.item() == pytest.approx(1.5)  # halfway from 200 to 300
    assert at_budget(curves, 0.01, 2.0, interpolate=True)[0] == 200  # on a checkpoint: its value
    assert at_budget(curves, 0.001, 100.0, interpolate=True) == (
        300,
        torch.tensor([1.0]),
    )  # no more


def test_seconds_per_step_sees_a_slower_loss():
    def slow(model, x):
        time.sleep(0.003)
        return frozen(model, x)

    options = dict(n_steps=5, repeats=2, warmup=2)
    quick = seconds_per_step(Contender(frozen), make_model, DATA, **options)
    slower = seconds_per_step(Contender(slow), make_model, DATA, **options)
    assert slower >= 0.003 and slower > quick
    # the thread's CPU clock does not count a sleep (nor time taken by other programs)
    assert seconds_per_step(Contender(slow), make_model, DATA, clock="cpu", **options) < 0.003
    with pytest.raises(ValueError, match="clock"):
        seconds_per_step(Contender(frozen), make_model, DATA, clock="gpu", **options)


def test_separated_and_summary():
    assert separated(torch.tensor([0.1, 0.2]), torch.tensor([0.3, 0.5]))
    assert not separated(torch.tensor([0.1, 0.4]), torch.tensor([0.3, 0.5]))
    assert summary(torch.tensor([0.1, 0.2, 0.3])) == "0.2 (0.1–0.3)"


def test_bad_arguments_are_named():
    args = (make_model, DATA, TEST, GAUSS.score)
    with pytest.raises(ValueError, match="every"):
        fisher_curves(Contender(frozen, 32, 20), *args, (0,), 30)  # no checkpoint at all
    with pytest.raises(ValueError, match="test"):
        fisher_curves(
            Contender(frozen, 32, 20), make_model, DATA, TEST[:, :1], GAUSS.score, every=10
        )
    with pytest.raises(TypeError, match="make_model"):
        fisher_curves(Contender(frozen, 32, 20), None, DATA, TEST, GAUSS.score, every=10)
    with pytest.raises(TypeError, match="contender"):
        fisher_curves(frozen, *args)
    with pytest.raises(TypeError, match="seeds"):
        fisher_curves(Contender(frozen, 32, 20), *args, 3, 10)
    with pytest.raises(TypeError, match="seeds"):
        fisher_curves(Contender(frozen, 32, 20), *args, ("a",), 10)
    with pytest.raises(TypeError, match="curves"):
        at_budget(torch.zeros(3), 0.1, 1.0)
    with pytest.raises(ValueError, match="lower"):
        separated(torch.tensor([float("nan")]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="higher"):
        separated(torch.tensor([0.1]), torch.tensor([]))
    with pytest.raises(ValueError, match="values"):
        summary([])
    with pytest.raises(ValueError, match="n_steps"):
        seconds_per_step(Contender(frozen), make_model, DATA, n_steps=0)
    with pytest.raises(ValueError, match="warmup"):
        seconds_per_step(Contender(frozen), make_model, DATA, warmup=-1)
    assert seconds_per_step(Contender(frozen), make_model, DATA, n_steps=2, repeats=1, warmup=0) > 0
