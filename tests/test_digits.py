"""Chapter 6's data, model and sampler: the split, the training call, the samplers' output."""

import inspect

import pytest
import torch

from scoreedu import digits
from scoreedu.denoiser_mlp import EMA, DenoiserMLP, denoiser_loss


def test_split_is_fixed_stratified_disjoint_and_complete():
    train, train_y = digits.load_digits("train", return_labels=True)
    test, test_y = digits.load_digits("test", return_labels=True)
    assert train.shape == (1352, 64) and test.shape == (445, 64) and len(test) >= 350
    assert train.dtype == torch.float32 and train_y.dtype == torch.int64
    assert 0 <= train.min() and train.max() <= 1 and test.max() == 1
    # No image in both (the digits hold no duplicates, so rows identify images).
    assert torch.cdist(train, test).min() > 0
    # Stratified: each class's share of the test set within one image of a quarter.
    for c in range(10):
        total = (train_y == c).sum() + (test_y == c).sum()
        assert abs((test_y == c).sum().item() - total.item() / 4) <= 1
    assert torch.equal(digits.load_digits("test"), test)


def test_load_digits_names_a_bad_split():
    with pytest.raises(ValueError, match="split"):
        digits.load_digits("validation")


def test_public_signatures_are_the_apis():
    def params(f):
        return list(inspect.signature(f).parameters)

    assert params(digits.load_digits)[:2] == ["split", "return_labels"]
    assert params(digits.train_score_model)[:4] == ["x", "steps", "generator", "progress"]
    assert params(digits.sample)[:3] == ["model", "n", "generator"]
    defaults = {
        digits.load_digits: {"split": "train", "return_labels": False},
        digits.train_score_model: {"steps": None, "generator": None, "progress": False},
        digits.sample: {"generator": None},
    }
    for f, expected in defaults.items():
        params = inspect.signature(f).parameters
        assert {k: params[k].default for k in expected} == expected, f.__name__


def test_denoiser_score_is_tweedies_formula_of_its_denoiser():
    model = DenoiserMLP(8, hidden=16, depth=2, dtype=torch.float64)
    x = torch.randn(5, 8, dtype=torch.float64)
    sigma = torch.rand(5, dtype=torch.float64) + 0.1
    expected = (model.denoise(x, sigma) - x) / sigma[:, None] ** 2
    assert torch.allclose(model(x, sigma), expected)
    # At σ → 0 the preconditioning makes D the identity: nothing left to remove.
    assert torch.allclose(model.denoise(x, 1e-6), x, atol=1e-5)


def test_denoiser_loss_is_weighted_denoising_score_matching():
    # ½ λ(σ)‖D − x‖² equals σ⁴ λ(σ) · ½‖s + z/σ‖²: the chapter-5 objective, reweighted.
    model = DenoiserMLP(4, hidden=8, depth=1, sigma_data=0.7, dtype=torch.float64)
    x, z = torch.randn(6, 4, dtype=torch.float64), torch.randn(6, 4, dtype=torch.float64)
    sigma = torch.rand(6, dtype=torch.float64) + 0.2
    s = model(x + sigma[:, None] * z, sigma)
    lam = (sigma**2 + 0.49) / (sigma * 0.7) ** 2
    dsm = (sigma**4 * lam * 0.5 * ((s + z / sigma[:, None]) ** 2).sum(1)).mean()
    assert torch.allclose(denoiser_loss(model, x, sigma, z), dsm)


def test_ema_averages_the_weights():
    model = torch.nn.Linear(2, 1)
    ema = EMA(model, decay=0.5)
    before = ema.model.weight.clone()
    with torch.no_grad():
        model.weight.add_(2.0)
    ema.update(model)
    assert torch.allclose(ema.model.weight, before + 1.0)


def test_denoiser_loss_and_ema_name_bad_input():
    model = DenoiserMLP(4, hidden=8, depth=1)
    x, sigma = torch.randn(6, 4), torch.rand(6) + 0.2
    with pytest.raises(TypeError, match="model"):
        denoiser_loss(lambda y, s: y, x, sigma, x)
    with pytest.raises(ValueError, match="x"):
        denoiser_loss(model, x[:, :3], sigma, x)
    with pytest.raises(ValueError, match="z"):
        denoiser_loss(model, x, sigma, x[:3])
    with pytest.raises(ValueError, match="z"):
        denoiser_loss(model, x, sigma, torch.full_like(x, float("nan")))
    with pytest.raises(ValueError, match="sigma"):
        denoiser_loss(model, x, sigma[:3], x)
    with pytest.raises(TypeError, match="float32"):
        model.denoise(x.double(), 0.5)
    with pytest.raises(TypeError, match="model"):
        EMA("model")
    with pytest.raises(ValueError, match="decay"):
        EMA(model, decay=1.0)
    with pytest.raises(TypeError, match="decay"):
        EMA(model, decay="0.9")
    ema = EMA(model)
    with pytest.raises(ValueError, match="decay"):
        ema.update(model, decay=2.0)
    with pytest.raises(TypeError, match="model"):
        ema.update("model")
    with pytest.raises(ValueError, match="architecture"):
        ema.update(DenoiserMLP(model.dim + 1, hidden=8, depth=1))


@pytest.fixture(scope="module")
def small_model():
    x = digits.load_digits("train")
    return digits.train_score_model(x, steps=30, generator=torch.Generator().manual_seed(0),
                                    hidden=32, depth=2)  # fmt: skip


def test_train_score_model_returns_a_trained_ema_model(small_model):
    assert isinstance(small_model, DenoiserMLP) and len(small_model.losses) == 30
    assert not any(p.requires_grad for p in small_model.parameters())
    assert small_model.losses[-1] < small_model.losses[0]


def test_training_is_deterministic_given_a_generator(small_model, one_thread):
    x = digits.load_digits("train")
    a, b = (
        digits.train_score_model(x, steps=5, generator=torch.Generator().manual_seed(1), hidden=8)
        for _ in range(2)
    )
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("sampler", list(digits.SAMPLERS))
def test_every_sampler_returns_pixels(small_model, sampler, one_thread):
    out = digits.sample(small_model, 7, torch.Generator().manual_seed(0), sampler=sampler)
    assert out.shape == (7, 64) and 0 <= out.min() and out.max() <= 1


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda m: digits.sample(m, 0), ValueError, "n"),
        (lambda m: digits.sample("model", 3), TypeError, "model"),
        (lambda m: digits.sample(m, 3, sampler="euler"), ValueError, "sampler"),
        (lambda m: digits.sample(m, 3, generator=0), TypeError, "generator"),
        (lambda m: digits.train_score_model(torch.zeros(3)), ValueError, "x"),
        (lambda m: digits.train_score_model(torch.zeros(3, 64), steps=0), ValueError, "steps"),
        (lambda m: digits.train_score_model(torch.zeros(3, 64), widht=3), TypeError, "widht"),
        (lambda m: digits.gaussian_baseline(torch.zeros(3, 64), -1), ValueError, "n"),
    ],
)  # fmt: skip
def test_bad_input_is_named(small_model, call, error, words):
    with pytest.raises(error, match=words):
        call(small_model)


def test_gaussian_baseline_has_the_training_moments():
    x = digits.load_digits("train")
    g = torch.Generator().manual_seed(0)
    draws = digits.gaussian_baseline(x, 20000, g)
    assert draws.shape == (20000, 64) and 0 <= draws.min() and draws.max() <= 1
    # Clipping to [0, 1] moves the means a little; unclipped they would match to ~0.01.
    assert (draws.mean(0) - x.mean(0)).abs().max() < 0.1


@pytest.mark.slow
def test_default_model_beats_the_gaussian_fit(one_thread):
    from scoreedu.metrics import quality, train_classifier

    x, y = digits.load_digits("train", return_labels=True)
    test = digits.load_digits("test")
    classifier = train_classifier(x, y)
    model = digits.train_score_model(x, generator=torch.Generator().manual_seed(0))
    ours = quality(classifier, digits.sample(model, 1000, torch.Generator().manual_seed(1)),
                   test, x)  # fmt: skip
    gauss = quality(classifier, digits.gaussian_baseline(x, 1000, torch.Generator()), test, x)
    assert ours["frechet"] < gauss["frechet"] / 2
    assert ours["confidence"] > gauss["confidence"]
    assert 0.05 <= ours["min_share"] and ours["max_share"] <= 0.15


def test_denoise_and_inpaint_keep_shapes_and_known_pixels(small_model, one_thread):
    test = digits.load_digits("test")[:6]
    known = torch.arange(64) < 32
    filled = digits.inpaint(small_model, test, known, torch.Generator().manual_seed(0), levels=5)
    assert filled.shape == (6, 64) and torch.equal(filled[:, known], test[:, known])
    assert 0 <= filled.min() and filled.max() <= 1
    assert digits.denoise(small_model, test, 0.1).shape == (6, 64)
    with pytest.raises(ValueError, match="known"):
        digits.inpaint(small_model, test, known.float())


def test_gaussian_rivals_are_exact_for_gaussian_data():
    # For x_train drawn from a Gaussian, the Wiener filter shrinks toward the mean by Σ(Σ+σ²I)⁻¹.
    x = digits.load_digits("train")
    noisy = x[:4] + 0.1
    out = digits.gaussian_denoise(x, noisy, 1e3)  # huge noise: the posterior mean is the mean
    assert torch.allclose(out, x.mean(0).expand(4, 64), atol=1e-3)
    known = torch.arange(64) < 32
    filled = digits.gaussian_inpaint(x, x[:4], known)
    assert torch.equal(filled[:, known], x[:4, known])


def test_gaussian_inpaint_samples_the_conditional_gaussian():
    # Data far from the clipping bounds: the draws' covariance is Σ_uu − Σ_uk Σ_kk⁻¹ Σ_ku.
    g = torch.Generator().manual_seed(0)
    mix = torch.randn(64, 64, generator=g, dtype=torch.float64) / 64
    x = (0.5 + 0.5 * torch.randn(4000, 64, generator=g, dtype=torch.float64) @ mix).float()
    known = torch.arange(64) < 32
    one = x[:1].expand(4000, 64)
    draws = digits.gaussian_inpaint(x, one, known, torch.Generator().manual_seed(1)).double()
    cov = torch.cov(x.double().T)
    k, u = known, ~known
    expected = cov[u][:, u] - cov[u][:, k] @ torch.linalg.solve(cov[k][:, k], cov[k][:, u])
    assert torch.allclose(torch.cov(draws[:, u].T), expected, atol=0.1 * expected.diag().max())
    mean_fill = digits.gaussian_inpaint(x, x[:1], known)
    assert torch.allclose(draws.mean(0), mean_fill[0].double(), atol=0.01)
    assert torch.equal(draws[:, known], one[:, known]) and draws.std(0)[u].min() > 0


def test_image_grid_places_tiles_with_gaps():
    x = torch.zeros(3, 64)
    x[1, 0] = 1.0  # top-left pixel of the second image
    grid = digits.image_grid(x, columns=2)
    assert grid.shape == (17, 17) and grid[0, 9] == 1.0 and grid.sum() == 1.0


def test_sigma_max_exceeds_every_distance_between_training_digits():
    # The samplers start from N(0, σ_max² I): it must cover every pair of digits (chapter 6).
    y = digits.to_model_space(digits.load_digits("train")).double()
    assert torch.pdist(y).max().item() < digits.SETTINGS["sigma_max"]


def test_chapter_functions_follow_the_device(device, one_thread):
    from scoreedu.metrics import quality, train_classifier

    x, y = digits.load_digits("train", return_labels=True)
    x, y = x[:200].to(device), y[:200].to(device)
    model = digits.train_score_model(x, steps=3, hidden=8, depth=1)
    known = torch.arange(64, device=device) < 32
    outputs = [
        digits.sample(model, 4, sampler="predictor-corrector"),
        digits.inpaint(model, x[:4], known, levels=3),
        digits.denoise(model, x[:4], 0.1),
        digits.gaussian_baseline(x, 4),
        digits.gaussian_denoise(x, x[:4], 0.1),
        digits.gaussian_inpaint(x, x[:4], known),
    ]
    assert all(o.device == x.device and o.shape == (4, 64) for o in outputs)
    q = quality(train_classifier(x, y, steps=3), outputs[0], x[:50], x)
    assert all(isinstance(v, float) for v in q.values())


def test_network_calls_per_sampler_are_as_the_chapter_lists():
    # Chapter 6, section 6: 251, 200, 199 and 58 calls per batch, the final Tweedie step included.
    model = digits.train_score_model(digits.load_digits("train")[:64], steps=1, hidden=8, depth=1)
    calls = []
    model.register_forward_hook(lambda module, inputs, output: calls.append(1))
    counted = {}
    for name in digits.SAMPLERS:
        calls.clear()
        digits.sample(model, 2, torch.Generator().manual_seed(0), sampler=name)
        counted[name] = len(calls)
    expected = [251, 200, 199, 58]
    assert counted == dict(zip(digits.SAMPLERS, expected))


TRAIN, WIDE, NARROW = torch.rand(5, 64), torch.zeros(2, 64), torch.zeros(2, 8)
KNOWN = torch.ones(64)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda m: digits.gaussian_baseline(TRAIN[:1], 3), ValueError, "x must hold at least 2"),
        (lambda m: digits.denoise("model", WIDE, 0.1), TypeError, "model"),
        (lambda m: digits.denoise(m, NARROW, 0.1), ValueError, "x_noisy"),
        (lambda m: digits.gaussian_denoise(TRAIN, NARROW, 0.1), ValueError, "x_noisy"),
        (lambda m: digits.gaussian_denoise(TRAIN[:1], WIDE, 0.1), ValueError, "x_train"),
        (lambda m: digits.gaussian_inpaint(TRAIN, WIDE, KNOWN), ValueError, "known"),
        (lambda m: digits.gaussian_inpaint(NARROW, WIDE, KNOWN.bool()), ValueError, "x_train"),
        (lambda m: digits.train_score_model(WIDE, batch_size=0), ValueError, "batch_size"),
        (lambda m: digits.train_score_model(WIDE, steps=2.5), TypeError, "steps"),
        (lambda m: digits.train_score_model(WIDE, lr=-1.0), ValueError, "lr"),
        (lambda m: digits.train_score_model(WIDE, ema=1.0), ValueError, "ema"),
        (lambda m: digits.train_score_model(WIDE, ema="slow"), TypeError, "ema"),
        (lambda m: digits.train_score_model(WIDE, sigma_max=-5), TypeError, "sigma_max"),
        (lambda m: digits.train_score_model(WIDE, log_sigma_std="a"), TypeError, "log_sigma_std"),
        (lambda m: digits.train_score_model(WIDE, log_sigma_std=0.0), ValueError, "log_sigma_std"),
        (lambda m: digits.train_score_model(WIDE, log_sigma_mean=None), TypeError, "log_sigma_"),
    ],
)
def test_bad_input_to_the_rivals_and_the_settings_is_named(small_model, call, error, words):
    with pytest.raises(error, match=words):
        call(small_model)
