"""Explicit and implicit score matching: Hyvärinen's identity and his Gaussian closed form.

explicit − implicit is one constant C = ½ E‖ψ‖² for every model: exactly by quadrature, and on
samples within Monte Carlo error. Minimising the implicit objective over s(x) = −P(x − μ) gives
the sample mean and the inverse (1/N) sample covariance on any data, Gaussian or not.
"""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.gaussian_model import GaussianScoreModel, closed_form
from scoreedu.lemma import TruncatedNormal, quadrature_objectives
from scoreedu.nets import ScoreMLP
from scoreedu.objectives import explicit_score_matching, implicit_score_matching
from scoreedu.trace import jacobian_trace
from scoreedu.train import fit_full_batch

MIXTURE = GaussianMixture([[-2.0, 0.0], [1.5, 1.0]], [0.6, 1.0], [0.4, 0.6])
BOX = [(-9.0, 8.0), (-7.0, 9.0)]

pytestmark = pytest.mark.usefixtures("one_thread")


def models(dtype=torch.float64):
    torch.manual_seed(0)
    return [
        GaussianScoreModel(2, dtype=dtype),
        GaussianScoreModel(2, mean=[1.0, -1.0], precision=[[2.0, 0.5], [0.5, 1.0]], dtype=dtype),
        ScoreMLP(2, hidden=16, dtype=dtype),
        ScoreMLP(2, hidden=16, depth=3, activation="tanh", dtype=dtype),
        lambda x: torch.tanh(x.flip(1)) - 0.3 * x**3,  # no parameters, no structured trace
    ]


def test_explicit_minus_implicit_is_one_constant_by_quadrature():
    gaps, implicit_values = [], []
    for model in models():
        q = quadrature_objectives(model, MIXTURE, BOX, n=201)
        assert abs(q["mass"].item() - 1) < 1e-9
        gaps.append((q["explicit"] - q["implicit"]).item())
        implicit_values.append(q["implicit"].item())
        constant = q["constant"].item()
    assert max(implicit_values) - min(implicit_values) > 1.0  # the models really differ
    for gap in gaps:
        assert gap == pytest.approx(constant, abs=1e-7)


MIXTURE_1D = GaussianMixture([[-2.0], [1.5]], [0.6, 1.0], [0.4, 0.6])
C_1D = quadrature_objectives(GaussianScoreModel(1), MIXTURE_1D, [(-14, 14)], 4001)["constant"]


@settings(max_examples=25, deadline=None)
@given(mean=st.floats(-5, 5), precision=st.floats(-3, 3))
def test_the_gap_is_c_for_any_gaussian_model(mean, precision):
    model = GaussianScoreModel(1, mean=[mean], precision=[[precision]])
    q = quadrature_objectives(model, MIXTURE_1D, [(-14, 14)], 4001)
    assert (q["explicit"] - q["implicit"]).item() == pytest.approx(C_1D.item(), abs=1e-9)


def test_explicit_minus_implicit_on_samples_is_constant_within_monte_carlo_error():
    x = MIXTURE.sample(20000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    psi = MIXTURE.score(x)
    gaps, errors = [], []
    for model in models()[:4]:
        gap = explicit_score_matching(model, x, MIXTURE.score) - implicit_score_matching(model, x)
        # per-sample terms of the gap, for its standard error
        s = model(x).detach()
        terms = 0.5 * (psi**2).sum(1) - (s * psi).sum(1) - jacobian_trace(model, x).detach()
        assert gap.item() == pytest.approx(terms.mean().item(), abs=1e-10)
        gaps.append(gap.item())
        errors.append(terms.std().item() / math.sqrt(x.shape[0]))
    constant = quadrature_objectives(models()[0], MIXTURE, BOX, n=201)["constant"].item()
    for gap, err in zip(gaps, errors):
        assert abs(gap - constant) < 5 * err


def test_gap_is_not_constant_on_bounded_support():
    half_normal = TruncatedNormal(0.0)
    gaps = []
    for theta in (0.0, 1.0, 2.0):
        q = quadrature_objectives(GaussianScoreModel(1, mean=[theta]), half_normal, [(0, 12)], 4001)
        gaps.append((q["explicit"] - q["implicit"]).item())
    # explicit − implicit = C − [p s]_0^∞ = ½ + p(0) θ, with p(0) = √(2/π). The trapezoid
    # rule is only O(h²) here: the integrands jump at the edge x = 0.
    for theta, gap in zip((0.0, 1.0, 2.0), gaps):
        assert gap == pytest.approx(0.5 + math.sqrt(2 / math.pi) * theta, abs=1e-5)


@pytest.mark.parametrize("data", ["mixture", "gaussian", "half-normal"])
def test_hyvarinen_gaussian_closed_form(data):
    g = torch.Generator().manual_seed(2)
    if data == "mixture":
        x = MIXTURE.sample(1500, generator=g, dtype=torch.float64)
    elif data == "gaussian":
        x = Gaussian([1.0, -2.0], [[2.0, 0.6], [0.6, 0.5]]).sample(1500, g, torch.float64)
    else:
        h = TruncatedNormal(0.0).sample(1500, g, torch.float64)
        e = torch.randn(1500, 1, generator=g, dtype=torch.float64)
        x = torch.cat([h, h**2 + 0.5 * e], 1)  # skewed, bounded below, correlated
    model = GaussianScoreModel(2)
    losses = fit_full_batch(model, implicit_score_matching, x)
    mean, precision = closed_form(x)
    torch.testing.assert_close(model.mean.detach(), mean, rtol=0, atol=1e-7)
    torch.testing.assert_close(model.precision.detach(), precision, rtol=1e-7, atol=1e-7)
    # J_I at the minimum = ½ tr(P S P) − tr P = −½ tr S⁻¹
    assert losses[-1] == pytest.approx(-0.5 * torch.trace(precision).item(), rel=1e-9)


def test_implicit_objective_of_the_gaussian_model_matches_its_formula():
    x = MIXTURE.sample(300, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    model = GaussianScoreModel(2, mean=[0.3, -0.2], precision=[[1.5, 0.2], [0.2, 0.7]])
    p, d = model.precision.detach(), x - model.mean.detach()
    want = 0.5 * ((d @ p @ p) * d).sum(1).mean() - torch.trace(p)
    assert implicit_score_matching(model, x).item() == pytest.approx(want.item(), rel=1e-12)
    for method in ("loop", "vmap"):
        other = implicit_score_matching(model, x, trace_method=method).item()
        assert other == pytest.approx(want.item(), rel=1e-12)


def test_explicit_is_zero_for_the_true_score_and_accepts_values():
    x = MIXTURE.sample(100, generator=torch.Generator().manual_seed(4))
    assert explicit_score_matching(MIXTURE.score, x, MIXTURE.score).item() == 0.0
    values = MIXTURE.score(x)
    a = explicit_score_matching(lambda t: -t, x, MIXTURE.score)
    b = explicit_score_matching(lambda t: -t, x, values)
    assert a.item() == b.item() > 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_objectives_follow_device_and_dtype_and_train(device, dtype):
    torch.manual_seed(0)
    net = ScoreMLP(2, hidden=8, device=device, dtype=dtype)
    x = torch.randn(16, 2, device=device, dtype=dtype)
    for loss in (implicit_score_matching(net, x), explicit_score_matching(net, x, lambda t: -t)):
        assert loss.dtype == dtype and loss.device.type == device.type and loss.dim() == 0
        loss.backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())
        net.zero_grad()


@pytest.mark.parametrize("objective", ["explicit", "implicit"])
def test_bad_inputs_are_refused_with_clear_messages(objective):
    def call(model, x):
        if objective == "explicit":
            return explicit_score_matching(model, x, lambda t: -t)
        return implicit_score_matching(model, x)

    net = ScoreMLP(2, hidden=4)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        call(net, torch.zeros(5))
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        call(net, torch.zeros(2, 3, 2))
    with pytest.raises(ValueError, match="x must be finite"):
        call(net, torch.tensor([[0.0, float("nan")]]))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        call(net, [[0.0, 1.0]])
    with pytest.raises(TypeError, match="x must be float32 or float64"):
        call(net, torch.zeros(3, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"score_model must return the shape of x, \(4, 2\)"):
        call(lambda t: t[:, :1], torch.zeros(4, 2))
    with pytest.raises(TypeError, match="score_model must be callable"):
        call("not a model", torch.zeros(4, 2))


def test_explicit_refuses_a_true_score_of_the_wrong_shape():
    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match=r"true_score must return the shape of x"):
        explicit_score_matching(lambda t: -t, x, lambda t: t[:, :1])
    with pytest.raises(ValueError, match=r"true_score must return the shape of x"):
        explicit_score_matching(lambda t: -t, x, torch.zeros(3, 2))
    with pytest.raises(TypeError, match="true_score must be callable"):
        explicit_score_matching(lambda t: -t, x, 3.0)


def test_explicit_score_matching_refuses_a_nan_true_score():
    model = GaussianScoreModel(2)
    x = torch.randn(5, 2, dtype=torch.float64)
    target = torch.full((5, 2), math.nan, dtype=torch.float64)
    with pytest.raises(ValueError, match="true_score must be finite"):
        explicit_score_matching(model, x, target)


def test_sliced_score_matching_names_a_model_without_a_graph():
    from scoreedu.objectives import sliced_score_matching

    with pytest.raises(ValueError, match="score_model's output does not depend on x"):
        sliced_score_matching(lambda x: torch.zeros_like(x), torch.randn(5, 2))
