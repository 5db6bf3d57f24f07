"""scoreedu.contrastive: Langevin chains on p_θ ∝ exp(-f_θ) and the CD-k gradient."""

import pytest
import torch

from scoreedu.contrastive import (
    contrastive_divergence,
    contrastive_loss,
    fit_contrastive_divergence,
    gap_and_standard_error,
    loss_gradient_draws,
    model_chains,
)
from scoreedu.energies import DoubleWell, QuadraticEnergy
from scoreedu.likelihood import negative_log_likelihood, nll_gradient


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_chains_keep_the_gaussian_up_to_the_step_size_bias(one_thread):
    # On f = ½x², one step x' = (1 - ε)x + √(2ε) z keeps the variance v = 1 / (1 - ε/2).
    step = 0.1
    x0 = torch.randn(20_000, 1, generator=gen(1), dtype=torch.float64) * 3 + 2
    x = model_chains(QuadraticEnergy([0.0], [[1.0]]), x0, step, 200, gen(2))
    assert x.mean().item() == pytest.approx(0.0, abs=0.03)
    assert x.var().item() == pytest.approx(1 / (1 - step / 2), rel=0.03)
    assert abs(x.var().item() - 1.0) > 0.03  # the bias is there, and it is the predicted one


def test_zero_steps_return_the_start_and_the_seed_fixes_the_chains():
    energy, x0 = DoubleWell(2), torch.randn(7, 2, generator=gen(), dtype=torch.float64)
    assert torch.equal(model_chains(energy, x0, 0.1, 0), x0)
    a = model_chains(energy, x0, 0.01, 5, gen(3))
    assert torch.equal(a, model_chains(energy, x0, 0.01, 5, gen(3)))
    assert not torch.equal(a, model_chains(energy, x0, 0.01, 5, gen(4)))
    assert not a.requires_grad


def test_contrastive_gradient_is_data_minus_sample_average_of_grad_f():
    # f = ½(x - μ)² gives ∇μ f = μ - x: the CD gradient in μ is mean(samples) - mean(data).
    energy = QuadraticEnergy([0.4], [[1.0]])
    data = torch.randn(50, 1, generator=gen(5), dtype=torch.float64)
    samples = torch.randn(80, 1, generator=gen(6), dtype=torch.float64) + 1
    (grad,) = torch.autograd.grad(contrastive_loss(energy, data, samples), [energy.mean])
    assert grad.item() == pytest.approx((samples.mean() - data.mean()).item(), abs=1e-12)


def test_with_exact_model_samples_it_is_the_maximum_likelihood_gradient():
    # Samples drawn from p_θ itself turn the CD loss into an unbiased estimate of ∇θ L.
    energy = QuadraticEnergy([0.3], [[1.5]])
    data = torch.randn(400, 1, generator=gen(7), dtype=torch.float64) * 0.8 - 0.5
    samples = 0.3 + 1.5**0.5 * torch.randn(400_000, 1, generator=gen(8), dtype=torch.float64)
    loss = contrastive_loss(energy, data, samples)
    grads = dict(
        zip(["mean", "scale_tril"], torch.autograd.grad(loss, [energy.mean, energy.scale_tril]))
    )
    exact = nll_gradient(energy, data, [(-15.0, 15.0)], 801)
    for name in grads:
        assert grads[name].item() == pytest.approx(exact[name].item(), abs=0.01)


def test_cd_learns_a_unimodal_fit_where_short_chains_suffice(one_thread):
    data = torch.randn(1000, 1, generator=gen(9), dtype=torch.float64) * 0.7 + 1.0
    energy = QuadraticEnergy([-1.0], [[2.0]])
    losses = fit_contrastive_divergence(
        energy, data, chain_steps=5, step_size=0.05, seed=1, n_steps=300, batch_size=128, lr=0.05
    )
    assert len(losses) == 300
    assert energy.mean.item() == pytest.approx(1.0, abs=0.1)
    # Adam on a noisy gradient jitters: the variance within 50% of 0.49, far from the start's 2.
    assert torch.tril(energy.scale_tril).item() ** 2 == pytest.approx(0.49, rel=0.5)


def test_gradient_draws_are_independent_evaluations_in_parameter_order():
    energy = QuadraticEnergy([0.4, -0.2], [[1.0, 0.0], [0.0, 2.0]])
    data, g = torch.randn(300, 2, generator=gen(1), dtype=torch.float64), gen(2)
    exact = nll_gradient(energy, data, [(-12.0, 12.0)] * 2, 161)
    draws = loss_gradient_draws(
        energy, lambda m: negative_log_likelihood(m, data, [(-12.0, 12.0)] * 2, 161), 2
    )
    flat = torch.cat([v.reshape(-1) for v in exact.values()])
    assert draws.shape == (2, flat.numel()) and torch.allclose(draws[1], flat, atol=1e-10)
    cd_loss = contrastive_divergence(3, 0.05, g)
    noisy = loss_gradient_draws(energy, lambda m: cd_loss(m, data), 1)
    assert noisy.dtype == torch.float64 and noisy.shape == (1, flat.numel())


def test_gap_tells_bias_from_noise():
    # Unbiased draws: the gap is about one standard error; shifted draws: many, and it stays.
    noise = torch.randn(400, 10, generator=gen(3), dtype=torch.float64)
    reference = torch.zeros(10, dtype=torch.float64)
    gap, se = gap_and_standard_error(noise, reference)
    assert se == pytest.approx((10 / 400) ** 0.5, rel=0.1) and 0.3 < gap / se < 2.0
    biased_gap, biased_se = gap_and_standard_error(noise + 0.5, reference)
    assert biased_gap / biased_se > 10 and biased_gap == pytest.approx(0.5 * 10**0.5, rel=0.1)
    with pytest.raises(ValueError, match="draws"):
        gap_and_standard_error(noise[:1], reference)
    with pytest.raises(ValueError, match="reference"):
        gap_and_standard_error(noise, reference[:3])


def test_bad_input_is_refused_by_name():
    energy, x = DoubleWell(2), torch.zeros(3, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="chain_steps"):
        contrastive_divergence(0, 0.1)
    with pytest.raises(ValueError, match="step_size"):
        model_chains(energy, x, -0.1, 3)
    with pytest.raises(TypeError, match="generator"):
        model_chains(energy, x, 0.1, 3, generator=5)
    with pytest.raises(ValueError, match="samples"):
        contrastive_loss(energy, x, torch.zeros(3, 1, dtype=torch.float64))
    with pytest.raises(TypeError, match="energy"):
        model_chains("f", x, 0.1, 3)
    with pytest.raises(ValueError, match="n_draws"):
        loss_gradient_draws(energy, lambda m: m(x).sum(), 0)
    with pytest.raises(TypeError, match="loss"):
        loss_gradient_draws(energy, 3, 2)
    with pytest.raises(ValueError, match="diverged"):
        model_chains(DoubleWell(2, height=50.0), x + 3, 10.0, 20, gen())
    with pytest.raises(ValueError, match="loss"):
        loss_gradient_draws(energy, lambda m: m(x), 2)
    with pytest.raises(TypeError, match="energy"):
        loss_gradient_draws("energy", lambda m: m(x).sum(), 2)
    draws = torch.zeros(4, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="reference"):
        gap_and_standard_error(draws, torch.tensor([0.0, float("nan"), 0.0]))
    with pytest.raises(TypeError, match="reference"):
        gap_and_standard_error(draws, "ref")


def test_chains_and_loss_follow_the_device_and_dtype(device):
    # float32 on the test device (CUDA when SCOREEDU_DEVICE=cuda), with a CPU generator.
    energy = DoubleWell(2, device=device, dtype=torch.float32)
    x = torch.randn(16, 2, generator=gen(), dtype=torch.float32).to(device)
    chains = model_chains(energy, x, 0.01, 3, gen(1))
    assert chains.device == x.device and chains.dtype == torch.float32
    loss = contrastive_loss(energy, x, chains)
    loss.backward()
    assert energy.tilt.grad is not None and torch.isfinite(energy.tilt.grad)


@pytest.mark.gpu
def test_cd_trains_on_cuda():
    energy = QuadraticEnergy([-1.0], [[2.0]], device="cuda")
    data = (torch.randn(500, 1, generator=gen(9), dtype=torch.float64) * 0.7 + 1.0).cuda()
    fit_contrastive_divergence(energy, data, 5, 0.05, seed=1, n_steps=200, batch_size=128, lr=0.05)
    assert energy.mean.device.type == "cuda" and abs(energy.mean.item() - 1.0) < 0.2
