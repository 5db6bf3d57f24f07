"""scoreedu.lemma: each step of Hyvärinen's 1-D proof holds by quadrature; the truncated normal."""

import math

import pytest
import torch

from scoreedu.distributions import GaussianMixture
from scoreedu.gaussian_model import GaussianScoreModel
from scoreedu.lemma import (
    TruncatedNormal,
    boundary_term,
    derivative,
    grid_1d,
    integrate,
    lemma_terms,
    quadrature_objectives,
    trapezoid_weights,
)
from scoreedu.nets import ScoreMLP

MIXTURE_1D = GaussianMixture([[-2.0], [1.5]], [0.6, 1.0], [0.4, 0.6])


def test_integrate_and_derivative_on_known_functions():
    x = grid_1d(-10, 10, 2001)
    gauss = torch.exp(-0.5 * x[:, 0] ** 2)
    assert integrate(gauss, x).item() == pytest.approx(math.sqrt(2 * math.pi), rel=1e-12)
    assert integrate(x[:, 0] ** 2, x).item() == pytest.approx(2000 / 3, rel=1e-5)
    torch.testing.assert_close(derivative(torch.sin, x), torch.cos(x[:, 0]))
    assert boundary_term(x[:, 0] ** 2).item() == 0.0
    assert boundary_term(x).item() == 20.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_step_of_the_lemma_holds_on_a_mixture(seed):
    torch.manual_seed(seed)
    model = ScoreMLP(1, hidden=16, dtype=torch.float64)
    t = lemma_terms(MIXTURE_1D, model, grid_1d(-14, 14, 4001))
    expanded = t["model_term"] - t["cross_term"] + t["constant"]
    assert t["explicit"].item() == pytest.approx(expanded.item(), abs=1e-12)
    assert t["cross_term"].item() == pytest.approx(t["cross_by_dp"].item(), abs=1e-10)
    by_parts = t["boundary"] - t["trace_term"]
    assert t["cross_by_dp"].item() == pytest.approx(by_parts.item(), abs=1e-10)
    assert abs(t["boundary"].item()) < 1e-20
    assert (t["explicit"] - t["implicit"]).item() == pytest.approx(t["constant"].item(), abs=1e-10)


def test_the_boundary_term_survives_on_the_half_normal():
    x = grid_1d(0, 14, 8001)
    for theta in (0.5, 2.0):
        t = lemma_terms(TruncatedNormal(0.0), GaussianScoreModel(1, mean=[theta]), x)
        # [p s]_0^∞ = −p(0) s_θ(0) = −√(2/π) θ
        assert t["boundary"].item() == pytest.approx(-math.sqrt(2 / math.pi) * theta, rel=1e-12)
        gap = t["explicit"] - t["implicit"]
        assert gap.item() == pytest.approx(t["constant"].item() - t["boundary"].item(), abs=1e-6)


def test_quadrature_objectives_in_1d_match_lemma_terms():
    model = GaussianScoreModel(1, mean=[0.7], precision=[[1.3]])
    x = grid_1d(-14, 14, 4001)
    t = lemma_terms(MIXTURE_1D, model, x)
    q = quadrature_objectives(model, MIXTURE_1D, [(-14, 14)], n=4001)
    for name in ("explicit", "implicit", "constant"):
        assert q[name].item() == pytest.approx(t[name].item(), abs=1e-12)


def test_truncated_normal_density_score_moments_and_samples():
    tn = TruncatedNormal(lo=-0.5, hi=2.0, mean=0.3, std=0.8)
    x = grid_1d(-0.5, 2.0, 4001)
    assert integrate(tn.log_prob(x).exp(), x).item() == pytest.approx(1.0, abs=1e-6)
    mean = integrate(x[:, 0] * tn.log_prob(x).exp(), x).item()
    assert tn.expected_value() == pytest.approx(mean, abs=1e-6)
    torch.testing.assert_close(tn.score(x)[:, 0], derivative(tn.log_prob, x))
    draws = tn.sample(40000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert draws.min() >= -0.5 and draws.max() <= 2.0
    assert draws.mean().item() == pytest.approx(tn.expected_value(), abs=0.01)
    outside = torch.tensor([[-1.0], [3.0]], dtype=torch.float64)
    assert torch.isneginf(tn.log_prob(outside)).all()
    assert TruncatedNormal(0.0).expected_value() == pytest.approx(math.sqrt(2 / math.pi))


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="lo < hi"):
        grid_1d(1.0, 0.0)
    with pytest.raises(ValueError, match="n must be an int >= 3"):
        grid_1d(0.0, 1.0, 2)
    with pytest.raises(ValueError, match="one entry per grid point"):
        integrate(torch.zeros(5), grid_1d(0.0, 1.0, 4))
    with pytest.raises(ValueError, match="increasing grid"):
        integrate(torch.zeros(3), torch.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1\)"):
        derivative(torch.sin, torch.zeros(4, 2))
    with pytest.raises(ValueError, match="std must be a finite number > 0"):
        TruncatedNormal(0.0, std=0.0)
    with pytest.raises(ValueError, match="lo < hi"):
        TruncatedNormal(1.0, 0.0)
    with pytest.raises(ValueError, match="bounds must hold 1 or 2"):
        quadrature_objectives(lambda t: -t, MIXTURE_1D, [(0, 1)] * 3)


def test_truncated_normal_follows_the_device(device):
    tn = TruncatedNormal(0.0)
    draws = tn.sample(10, generator=torch.Generator().manual_seed(0), device=device)
    assert draws.device.type == device.type and draws.dtype == torch.float32
    assert tn.log_prob(draws).device.type == device.type
    assert tn.score(draws).shape == (10, 1)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lo": "a", "hi": 1.0}, TypeError, "lo must be a number"),
        ({"lo": 0.0, "hi": None}, TypeError, "hi must be a number"),
        ({"lo": 0.0, "hi": 1.0, "dtype": torch.int64}, TypeError, "dtype must be"),
        ({"lo": 0.0, "hi": 1.0, "device": "gpu0"}, ValueError, "device must be"),
    ],
)
def test_grid_1d_names_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        grid_1d(**kwargs)


@pytest.mark.parametrize(
    "values, error, match",
    [
        ("abc", TypeError, "values must be a torch.Tensor"),
        (torch.ones(5, dtype=torch.int64), TypeError, "values must be float32 or float64"),
        (torch.ones(5, 2), ValueError, "values must have shape \\(n,\\) or \\(n, 1\\)"),
        (torch.zeros(0), ValueError, "values must hold at least 2 grid points"),
    ],
    ids=["string", "int", "two-columns", "empty"],
)
def test_grid_helpers_name_bad_values(values, error, match):
    x = grid_1d(0.0, 1.0, 5)
    with pytest.raises(error, match=match):
        boundary_term(values)
    with pytest.raises(error, match=match):
        integrate(values, x)


def test_integrate_refuses_nan_values_and_a_non_tensor_grid():
    x = grid_1d(0.0, 1.0, 5)
    with pytest.raises(ValueError, match="values must be finite"):
        integrate(torch.tensor([1.0, math.nan, 1.0, 1.0, 1.0], dtype=torch.float64), x)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        trapezoid_weights([0.0, 1.0])


def test_derivative_names_an_f_without_a_graph():
    with pytest.raises(ValueError, match="f's output does not depend on x"):
        derivative(lambda t: torch.ones(t.shape[0]), grid_1d(0.0, 1.0, 5))


def test_lemma_terms_and_quadrature_objectives_name_bad_arguments():
    density, x = TruncatedNormal(0.0), grid_1d(0.0, 5.0, 11)
    with pytest.raises(TypeError, match="density must have a .log_prob"):
        lemma_terms(3, lambda t: -t, x)
    with pytest.raises(TypeError, match="score_model must be callable"):
        lemma_terms(density, 3, x)
    with pytest.raises(ValueError, match="score_model must return the shape of x"):
        lemma_terms(density, lambda t: -t[:, 0], x)
    with pytest.raises(TypeError, match="density must have a .log_prob"):
        quadrature_objectives(lambda t: -t, 3, [(0.0, 5.0)])
    with pytest.raises(TypeError, match="bounds must be D \\(lo, hi\\) pairs"):
        quadrature_objectives(lambda t: -t, density, "ab")
    with pytest.raises(ValueError, match="n must be an int >= 3"):
        quadrature_objectives(lambda t: -t, density, [(0.0, 5.0)], 1)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"lo": "a"}, TypeError, "lo must be a number"),
        ({"mean": "a"}, TypeError, "mean must be a number"),
        ({"hi": math.nan}, TypeError, "hi must be a number or math.inf"),
    ],
)
def test_truncated_normal_names_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        TruncatedNormal(**kwargs)


def test_truncated_normal_sample_refuses_an_integer_dtype():
    with pytest.raises(TypeError, match="dtype must be"):
        TruncatedNormal(0.0).sample(3, dtype=torch.int64)


def test_the_d_dimensional_step_holds_entry_by_entry_in_2d():
    from scoreedu.lemma import coordinate_terms

    mix = GaussianMixture([[-1.0, 0.0], [1.5, 1.0]], [0.6, 0.8], [0.5, 0.5])
    torch.manual_seed(0)
    model = ScoreMLP(2, hidden=8, dtype=torch.float64)
    t = coordinate_terms(model, mix, [(-7.0, 7.0), (-7.0, 8.0)], n=121)
    assert t["boundary"].abs().max() < 1e-9  # p s vanishes at the box's edges
    torch.testing.assert_close(t["cross"], t["boundary"] - t["jacobian"], atol=1e-9, rtol=0)
    # the cross term of the lemma is the trace, not the sum of every entry
    assert abs(t["cross"].trace() + t["jacobian"].sum()) > 1e-3


def test_the_d_dimensional_boundary_term_shows_on_a_box_too_small():
    from scoreedu.lemma import coordinate_terms

    mix = GaussianMixture([[0.0, 0.0]], [1.0], [1.0])
    t = coordinate_terms(GaussianScoreModel(2, mean=[1.0, -1.0]), mix, [(-1.0, 1.0)] * 2, n=101)
    assert t["boundary"].abs().max() > 0.1
    torch.testing.assert_close(t["cross"], t["boundary"] - t["jacobian"], atol=1e-4, rtol=0)


def test_sampled_gap_estimates_the_same_constant_for_every_model():
    from scoreedu.lemma import sampled_gap

    mix = GaussianMixture([[0.0, 0.0]], [0.5], [1.0])  # C = ½ E‖x‖²/σ⁴ = D / (2σ²) = 4
    x = mix.sample(20_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for model in (GaussianScoreModel(2), GaussianScoreModel(2, mean=[1.0, 0.5])):
        gap, error = sampled_gap(model, x, mix.score)
        assert abs(gap - 4.0) < 4 * error and 0 < error < 0.1
    with pytest.raises(ValueError, match="true_score"):
        sampled_gap(GaussianScoreModel(2), x, lambda t: t[:, 0])
    with pytest.raises(ValueError, match="true_score must be finite"):
        sampled_gap(GaussianScoreModel(2), x, lambda t: t / 0.0)
    with pytest.raises(TypeError, match="true_score"):
        sampled_gap(GaussianScoreModel(2), x, lambda t: t.tolist())
    with pytest.raises(ValueError, match="at least 2 rows"):
        sampled_gap(GaussianScoreModel(2), x[:1], mix.score)


def test_sampled_gap_follows_the_device(device):
    from scoreedu.lemma import sampled_gap

    mix = GaussianMixture([[0.0, 0.0]], [1.0], [1.0], device=device)
    x = mix.sample(500, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    gap, error = sampled_gap(GaussianScoreModel(2, device=device), x.to(device), mix.score)
    assert abs(gap - 1.0) < 5 * error  # C = D / 2 for N(0, I)
