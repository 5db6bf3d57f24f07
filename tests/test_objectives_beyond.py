"""Chapter 5's objectives: sliced and denoising score matching, and the noise-conditional one.

Each identity is checked by Monte Carlo in float64 against an exact value, within a few standard
errors; each check also shows it can fail (a wrong formula lies many standard errors away).
"""

import math

import pytest
import torch

from scoreedu.distributions import Gaussian, GaussianMixture
from scoreedu.nets import NoiseConditionalScoreMLP, ScoreMLP
from scoreedu.objectives import (
    denoising_score_matching,
    explicit_score_matching,
    implicit_score_matching,
    noise_conditional_denoising_score_matching,
    sliced_score_matching,
)

F64 = torch.float64


def mean_and_se(values):
    values = torch.stack(values)
    return values.mean().item(), values.std().item() / math.sqrt(len(values))


def small_net(dim, seed, dtype=F64, device="cpu"):
    torch.manual_seed(seed)
    return ScoreMLP(dim, hidden=16, depth=2, dtype=dtype, device=device)


# --- sliced score matching --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("dim", [2, 5])
def test_sliced_equals_implicit_in_expectation(dim):
    net = small_net(dim, seed=dim)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64, dim, generator=g, dtype=F64)
    exact = implicit_score_matching(net, x, trace_method="loop").item()
    estimates = [sliced_score_matching(net, x, n_projections=8, generator=g) for _ in range(100)]
    mean, se = mean_and_se([e.detach() for e in estimates])
    assert abs(mean - exact) < 4 * se, (mean, exact, se)
    # The test has power: dropping the ½ of the second term lands far outside the error bars.
    s = net(x)
    wrong = exact + 0.5 * (s**2).sum(1).mean().item()
    assert abs(mean - wrong) > 20 * se


def test_sliced_variance_falls_as_one_over_the_number_of_projections():
    net = small_net(3, seed=0)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(32, 3, generator=g, dtype=F64)
    spread = {}
    for m in (1, 9):
        draws = [sliced_score_matching(net, x, m, generator=g).detach() for _ in range(100)]
        spread[m] = torch.stack(draws).var().item()
    assert 4.5 < spread[1] / spread[9] < 18  # 9 in expectation


def test_sliced_trains_like_a_loss(device):
    net = small_net(2, seed=0, dtype=torch.float32, device=device)
    x = torch.randn(16, 2, device=device)
    loss = sliced_score_matching(
        net, x, n_projections=2, generator=torch.Generator().manual_seed(0)
    )
    loss.backward()
    assert loss.dim() == 0 and torch.isfinite(loss)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_sliced_is_reproducible_with_a_generator():
    net = small_net(2, seed=0)
    x = torch.randn(8, 2, dtype=F64)
    a = sliced_score_matching(net, x, 3, generator=torch.Generator().manual_seed(5))
    b = sliced_score_matching(net, x, 3, generator=torch.Generator().manual_seed(5))
    assert a.item() == b.item()


# --- denoising score matching -----------------------------------------------------------------

DATA = Gaussian([1.0, -0.5], [[1.0, 0.6], [0.6, 2.0]])


def dsm_gap(model, sigma, noised, batches=40, batch=5000, seed=0):
    """DSM − explicit-on-p_σ, per batch of fresh data, and both objectives' means."""
    g = torch.Generator().manual_seed(seed)
    gaps, dsm, esm = [], [], []
    with torch.no_grad():
        for _ in range(batches):
            x = DATA.sample(batch, generator=g, dtype=F64)
            noisy = noised.sample(batch, generator=g, dtype=F64)
            d = denoising_score_matching(model, x, sigma, generator=g)
            e = explicit_score_matching(model, noisy, noised.score)
            gaps.append(d - e)
            dsm.append(d)
            esm.append(e)
    return mean_and_se(gaps), mean_and_se(dsm)[0], mean_and_se(esm)[0]


def models_for(noised):
    """Score models of clearly different quality: scaled true scores and two random networks."""
    scaled = [lambda x, c=c: c * noised.score(x) for c in (1.0, 0.7, 1.5, 0.0)]
    return scaled + [small_net(2, seed=s) for s in (0, 1)]


@pytest.mark.slow
@pytest.mark.parametrize("sigma", [0.3, 1.0])
def test_denoising_minus_explicit_on_noised_data_is_the_closed_form_constant(sigma):
    noised = DATA.noised(sigma)
    # For Gaussian data: C = ½ E‖z/σ‖² − ½ E‖∇log p_σ‖² = ½ (D/σ² − tr (Σ + σ² I)⁻¹).
    constant = 0.5 * (2 / sigma**2 - torch.trace(noised.precision).item())
    for model in models_for(noised):
        (gap, se), _, _ = dsm_gap(model, sigma, noised)
        assert abs(gap - constant) < 4 * se, (gap, constant, se)
        assert se < 0.02 * constant  # tight enough that a wrong constant would show


def test_denoising_ranks_models_as_the_explicit_objective_on_noised_data_does():
    sigma = 0.5
    noised = DATA.noised(sigma)
    rows = [dsm_gap(m, sigma, noised, batches=10) for m in models_for(noised)]
    dsm = [r[1] for r in rows]
    esm = [r[2] for r in rows]
    assert sorted(range(len(dsm)), key=dsm.__getitem__) == sorted(
        range(len(esm)), key=esm.__getitem__
    )
    assert min(esm) < 1e-12  # the true noised score (c = 1) is the optimum, with no error at all


def test_noised_mixture_is_the_convolution_with_the_noise():
    mix = GaussianMixture([[-1.0, 0.0], [1.5, 1.0]], [0.4, 0.7], [0.3, 0.7])
    sigma = 0.6
    # p_σ(y) = ∫ p(x) N(y; x, σ² I) dx on a fine grid (trapezoid weights are ~uniform here).
    xs = torch.linspace(-5, 6, 441, dtype=F64)
    xx, yy = torch.meshgrid(xs, xs, indexing="ij")
    points = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)
    cell = (xs[1] - xs[0]) ** 2
    ys = torch.tensor([[0.0, 0.0], [-1.0, 1.0], [2.0, 2.0]], dtype=F64)
    kernel = torch.exp(-0.5 * torch.cdist(ys, points) ** 2 / sigma**2) / (2 * math.pi * sigma**2)
    numeric = (kernel * mix.log_prob(points).exp()[None]).sum(1) * cell
    assert torch.allclose(mix.noised(sigma).log_prob(ys).exp(), numeric, rtol=1e-6)


# --- the noise-conditional objective ----------------------------------------------------------


def test_noise_conditional_objective_is_the_sigma_squared_weighted_mean_of_denoising():
    torch.manual_seed(0)
    net = NoiseConditionalScoreMLP(2, hidden=16, dtype=F64)
    sigmas = [2.0, 0.7, 0.2]
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        nc, per_level = [], []
        for _ in range(40):
            x = DATA.sample(4000, generator=g, dtype=F64)
            nc.append(noise_conditional_denoising_score_matching(net, x, sigmas, generator=g))
            per_level.append(
                sum(
                    s**2 * denoising_score_matching(lambda y, s=s: net(y, s), x, s, generator=g)
                    for s in sigmas
                )
                / len(sigmas)
            )
    (a, se_a), (b, se_b) = mean_and_se(nc), mean_and_se(per_level)
    assert abs(a - b) < 4 * math.hypot(se_a, se_b)


def test_noise_conditional_objective_at_the_true_scores_is_the_closed_form_constant():
    sigmas = [3.0, 1.0, 0.3, 0.1]

    def true_score(x, sigma):  # sigma: (N,) levels, one per row
        out = torch.empty_like(x)
        for s in sigma.unique():
            rows = sigma == s
            out[rows] = DATA.noised(s.item()).score(x[rows])
        return out

    g = torch.Generator().manual_seed(4)
    values = [
        noise_conditional_denoising_score_matching(
            true_score, DATA.sample(5000, generator=g, dtype=F64), sigmas, generator=g
        )
        for _ in range(20)
    ]
    mean, se = mean_and_se(values)
    # σ² C(σ) = ½ (D − σ² tr (Σ + σ² I)⁻¹), averaged over the levels.
    expected = sum(
        0.5 * (2 - s**2 * torch.trace(DATA.noised(s).precision).item()) for s in sigmas
    ) / len(sigmas)
    assert abs(mean - expected) < 4 * se, (mean, expected, se)


def test_noise_conditional_objective_trains_on_any_device_and_dtype(device):
    for dtype in (torch.float32, F64):
        torch.manual_seed(0)
        net = NoiseConditionalScoreMLP(2, hidden=8, dtype=dtype, device=device)
        x = torch.randn(32, 2, dtype=dtype, device=device)
        loss = noise_conditional_denoising_score_matching(
            net, x, torch.tensor([1.0, 0.1]), generator=torch.Generator().manual_seed(0)
        )
        loss.backward()
        assert loss.dtype == dtype and torch.isfinite(loss)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.0, -1.0, float("nan"), float("inf")])
def test_denoising_refuses_a_sigma_that_is_not_positive(sigma):
    with pytest.raises(ValueError, match="sigma"):
        denoising_score_matching(lambda x: x, torch.zeros(3, 2), sigma)


def test_denoising_refuses_a_sigma_that_is_not_a_number():
    with pytest.raises(TypeError, match="sigma"):
        denoising_score_matching(lambda x: x, torch.zeros(3, 2), "0.1")


@pytest.mark.parametrize("n", [0, -2])
def test_sliced_refuses_fewer_than_one_projection(n):
    with pytest.raises(ValueError, match="n_projections"):
        sliced_score_matching(lambda x: x, torch.zeros(3, 2), n_projections=n)


def test_sliced_refuses_a_fractional_number_of_projections():
    with pytest.raises(TypeError, match="n_projections"):
        sliced_score_matching(lambda x: x, torch.zeros(3, 2), n_projections=1.5)


@pytest.mark.parametrize("sigmas", [[], [1.0, 0.0], [1.0, -0.1], [float("nan")]])
def test_noise_conditional_refuses_bad_sigmas(sigmas):
    with pytest.raises(ValueError, match="sigmas"):
        noise_conditional_denoising_score_matching(lambda x, s: x, torch.zeros(3, 2), sigmas)


def test_objectives_refuse_a_score_of_the_wrong_shape():
    with pytest.raises(ValueError, match="score_model"):
        denoising_score_matching(lambda x: x[:, :1], torch.zeros(3, 2), 0.5)
    with pytest.raises(ValueError, match="score_model"):
        noise_conditional_denoising_score_matching(lambda x, s: x[:1], torch.zeros(3, 2), [1.0])
