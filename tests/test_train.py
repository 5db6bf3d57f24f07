"""scoreedu.train: fit (Adam on minibatches, seeded, progress bar) and fit_full_batch (L-BFGS)."""

import numpy as np
import pytest
import torch

from scoreedu.distributions import GaussianMixture
from scoreedu.gaussian_model import GaussianScoreModel, closed_form
from scoreedu.nets import ScoreMLP
from scoreedu.objectives import explicit_score_matching, implicit_score_matching
from scoreedu.train import fit, fit_full_batch

MIXTURE = GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.7, 0.7], [0.5, 0.5])

pytestmark = pytest.mark.usefixtures("one_thread")


def data(n=1000, seed=0, dtype=torch.float32):
    return MIXTURE.sample(n, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def net(seed=0, **kw):
    torch.manual_seed(seed)
    return ScoreMLP(2, hidden=32, **kw)


def test_fit_returns_one_loss_per_step_and_the_implicit_objective_falls():
    model = net()
    losses = fit(model, implicit_score_matching, data(), n_steps=200, lr=3e-3, progress=False)
    assert len(losses) == 200 and all(isinstance(v, float) for v in losses)
    assert sum(losses[-20:]) / 20 < sum(losses[:20]) / 20 - 0.5


def test_fit_lowers_the_fisher_divergence_to_the_true_score():
    model, x, test = net(), data(), data(500, seed=1)
    logged = []

    def log(step, m):
        logged.append((step, explicit_score_matching(m, test, MIXTURE.score).item()))

    before = explicit_score_matching(model, test, MIXTURE.score).item()
    fit(
        model,
        implicit_score_matching,
        x,
        n_steps=300,
        lr=3e-3,
        progress=False,
        every=100,
        callback=log,
    )
    assert [s for s, _ in logged] == [100, 200, 300]
    assert logged[-1][1] < 0.3 * before


def test_fit_is_deterministic_given_the_seed():
    runs = []
    for _ in range(2):
        model = net(seed=3)
        runs.append(fit(model, implicit_score_matching, data(), n_steps=20, seed=7, progress=False))
    assert runs[0] == runs[1]
    other = fit(net(seed=3), implicit_score_matching, data(), n_steps=20, seed=8, progress=False)
    assert other != runs[0]


def test_fit_shows_a_progress_bar_only_when_asked(capsys):
    fit(net(), implicit_score_matching, data(), n_steps=5, progress=False)
    assert "training" not in capsys.readouterr().err
    fit(net(), implicit_score_matching, data(), n_steps=5, progress=True)
    assert "training" in capsys.readouterr().err


def test_fit_moves_data_to_the_model_dtype_and_device(device):
    model = net(device=device, dtype=torch.float64)
    losses = fit(
        model, implicit_score_matching, data(dtype=torch.float32), n_steps=3, progress=False
    )
    assert len(losses) == 3
    assert next(model.parameters()).device.type == device.type


def test_fit_refuses_bad_arguments():
    model, x = net(), data(50)
    with pytest.raises(ValueError, match=r"data must have shape \(N, D\)"):
        fit(model, implicit_score_matching, torch.zeros(10))
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        fit(model, "implicit", x)
    with pytest.raises(ValueError, match="n_steps must be an int >= 1"):
        fit(model, implicit_score_matching, x, n_steps=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        fit(model, implicit_score_matching, x, lr=-1.0)
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit(torch.nn.Identity(), implicit_score_matching, x)
    with pytest.raises(ValueError, match="the loss became nan"):
        fit(model, lambda m, b: m(b).sum() * float("nan"), x, n_steps=2, progress=False)


def test_fit_full_batch_reaches_the_closed_form():
    x = data(800, dtype=torch.float64)
    model = GaussianScoreModel(2)
    losses = fit_full_batch(model, implicit_score_matching, x)
    mean, precision = closed_form(x)
    torch.testing.assert_close(model.mean.detach(), mean, rtol=0, atol=1e-7)
    torch.testing.assert_close(model.precision.detach(), precision, rtol=1e-7, atol=1e-7)
    assert losses[-1] < losses[0]


def test_fit_full_batch_refuses_bad_arguments():
    x = data(50, dtype=torch.float64)
    with pytest.raises(ValueError, match="max_iter must be an int >= 1"):
        fit_full_batch(GaussianScoreModel(2), implicit_score_matching, x, max_iter=0)
    with pytest.raises(ValueError, match="tolerance must be a finite number > 0"):
        fit_full_batch(GaussianScoreModel(2), implicit_score_matching, x, tolerance=0.0)
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit_full_batch(torch.nn.Identity(), implicit_score_matching, x)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"seed": -1}, ValueError, "seed must be an int >= 0"),
        ({"seed": "a"}, TypeError, "seed must be an int"),
        ({"every": -1}, ValueError, "every must be an int >= 0"),
        ({"every": 1.5}, TypeError, "every must be an int"),
        ({"callback": 3, "every": 1}, TypeError, "callback must be callable"),
        ({"device": "gpu0"}, ValueError, "device must be"),
    ],
)
def test_fit_names_bad_options(kwargs, error, match):
    model, x = ScoreMLP(2, hidden=8), torch.randn(10, 2)
    with pytest.raises(error, match=match):
        fit(model, implicit_score_matching, x, n_steps=1, progress=False, **kwargs)


@pytest.mark.parametrize("trainer", [fit, fit_full_batch])
def test_trainers_name_a_bad_model_and_a_non_scalar_loss(trainer):
    x = torch.randn(10, 2, dtype=torch.float64)
    options = {"n_steps": 1, "progress": False} if trainer is fit else {}
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        trainer(lambda x: -x, implicit_score_matching, x, **options)
    with pytest.raises(ValueError, match="loss_fn must return a 0-dim tensor"):
        trainer(GaussianScoreModel(2), lambda m, x: m(x), x, **options)


def test_progress_ends_with_a_summary_line(capsys):
    fit(net(), implicit_score_matching, data(), n_steps=3, progress=True)
    assert "trained 3 steps in" in capsys.readouterr().out
    fit(net(), implicit_score_matching, data(), n_steps=3, progress=False)
    assert capsys.readouterr().out == ""


def test_moving_average_sits_at_the_centre_of_its_window():
    from scoreedu.train import moving_average

    losses = np.arange(1.0, 101.0)  # the loss at step k is k: each mean is its window's centre
    steps, means = moving_average(losses, 10)
    assert len(steps) == 91 and steps[0] == 5.5
    np.testing.assert_allclose(means, steps)
    with pytest.raises(ValueError, match="at least window"):
        moving_average([1.0, 2.0], 5)
    with pytest.raises(ValueError, match="window"):
        moving_average(losses, 0)


def test_moving_average_refuses_non_finite_values():
    from scoreedu.train import moving_average

    with pytest.raises(ValueError, match="values must be finite"):
        moving_average([1.0, float("nan"), 2.0], 2)
    with pytest.raises(TypeError, match="values must be numbers"):
        moving_average(["a", "b"], 1)
