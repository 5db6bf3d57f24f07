"""The sampler explorer's fast chains are scoreedu.sampling's samplers: same starts and noise,
the same numbers to rounding, for two components of equal and unequal widths and for three."""

import numpy as np
import pytest
import torch

from scoreedu.distributions import GaussianMixture
from scoreedu.noise import standard_normal
from scoreedu.sampling import annealed_langevin, geometric_sigmas, langevin
from scoreedu.widgets.chains import mixture_chains

MIXTURES = {
    "two, equal widths": GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.5, 0.5], [0.8, 0.2]),
    "two, unequal widths": GaussianMixture([[-1.0, 1.0], [2.0, -0.5]], [0.3, 0.9], [0.35, 0.65]),
    "three": GaussianMixture(
        [[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]], [0.5, 0.4, 0.7], [0.5, 0.3, 0.2]
    ),
    "one weight zero": GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], [0.5, 0.5], [1.0, 0.0]),
}


def starts_and_noise(n_steps, seed=0, n=64):
    u = torch.rand(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x0 = 8 * u - 4
    g = torch.Generator().manual_seed(seed + 1)
    # drawn step by step, as the samplers draw them
    noise = np.stack([standard_normal((n, 2), x0, g).numpy() for _ in range(n_steps)])
    return x0, noise


@pytest.mark.parametrize("name", list(MIXTURES))
def test_annealed_chains_are_annealed_langevin(name):
    mixture = MIXTURES[name]
    sigmas = geometric_sigmas(3.0, 0.1, 5)
    x0, noise = starts_and_noise(5 * 40)
    g = torch.Generator().manual_seed(1)
    expected = annealed_langevin(
        lambda x, s: mixture.noised(s).score(x), x0, sigmas, 2e-3, 40, generator=g
    )
    alphas = 2e-3 * sigmas**2 / sigmas[-1] ** 2
    fast = mixture_chains(mixture, x0.numpy(), sigmas.numpy(), alphas.numpy(), 40, noise)
    assert np.abs(fast - expected.numpy()).max() < 1e-9
    assert np.abs(fast - x0.numpy()).max() > 0.5  # the chains moved: the check is not vacuous


@pytest.mark.parametrize("name", list(MIXTURES))
def test_plain_chains_are_langevin(name):
    mixture = MIXTURES[name]
    x0, noise = starts_and_noise(300)
    g = torch.Generator().manual_seed(1)
    expected = langevin(mixture.noised(0.4).score, x0, 0.02, 300, generator=g)
    fast = mixture_chains(mixture, x0.numpy(), [0.4], [0.02], 300, noise)
    assert np.abs(fast - expected.numpy()).max() < 1e-9


def test_a_wrong_drift_would_be_caught():
    """The rival: chains that drop the score's pull (pure noise) drift far from the sampler's."""
    mixture = MIXTURES["two, equal widths"]
    x0, noise = starts_and_noise(300)
    expected = langevin(mixture.noised(0.4).score, x0, 0.02, 300, torch.Generator().manual_seed(1))
    no_drift = x0.numpy() + np.sqrt(2 * 0.02) * noise.sum(0)
    assert np.abs(no_drift - expected.numpy()).max() > 1.0


def test_diverging_chains_are_named():
    mixture = MIXTURES["two, equal widths"]
    x0, noise = starts_and_noise(200)
    with pytest.raises(ValueError, match="diverged"):
        mixture_chains(mixture, x0.numpy(), [0.1], [50.0], 200, noise)
