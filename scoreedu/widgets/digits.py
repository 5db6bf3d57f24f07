"""Chapter 6's explorer: a held-out digit, noised at σ, the model's denoised estimate and score.

Each frame noises one test digit, x̃ = x + σ z (a fixed z per digit, so only σ and the digit move
the picture), and reads the trained model: Tweedie's E[x | x̃] (scoreedu.digits.denoise) and the
score s(x̃, σ) in pixel units, which points from x̃ toward the digits: E[x | x̃] − x̃ = σ² s.
Without a model it trains a quick small one once (a few seconds), good enough to see the idea.
"""

import functools

import ipywidgets as widgets
import numpy as np
import torch

from scoreedu import digits, validate
from scoreedu.denoiser_mlp import DenoiserMLP
from scoreedu.widgets.base import Explorer, float_slider, one_torch_thread
from scoreedu.widgets.frames import pixel_image


@functools.lru_cache(maxsize=1)
def quick_model() -> DenoiserMLP:
    """A small model (128 units, 400 steps) for an explorer opened without the chapter's one."""
    with one_torch_thread():
        x = digits.load_digits("train")
        g = torch.Generator().manual_seed(0)
        return digits.train_score_model(x, steps=400, generator=g, hidden=128, depth=2)


class DigitDenoisingExplorer(Explorer):
    title = "digit denoiser"

    def __init__(self, model=None, index: int = 0, sigma: float = 0.2, seed: int = 0):
        # every option checked before the quick model's few seconds of training
        if model is not None and not isinstance(model, DenoiserMLP):
            raise TypeError(f"model must be a DenoiserMLP; got {type(model).__name__}")
        if model is not None and model.dim != 64:
            raise ValueError(
                f"model must be a DenoiserMLP for 8×8 digits (dim 64); got dim {model.dim}"
            )
        test = digits.load_digits("test")
        validate.count(index, "index", minimum=0)
        if index >= len(test):
            raise ValueError(f"index must be below {len(test)}; got {index}")
        validate.count(seed, "seed", minimum=0)
        controls = {
            "index": widgets.IntSlider(
                value=index, min=0, max=len(test) - 1, description="test digit #",
                style={"description_width": "initial"},
            ),
            "sigma": float_slider(sigma, 0.02, 1.0, 0.02, "noise level σ (pixels)", "sigma"),
        }  # fmt: skip
        self.model = quick_model() if model is None else model
        self.test = test.to(next(self.model.parameters()))
        g = torch.Generator().manual_seed(seed)
        self.noise = torch.randn(self.test.shape, generator=g).to(self.test)
        super().__init__(controls, figsize=(9.0, 2.9))

    def compute(self, index, sigma):
        x = self.test[index : index + 1]
        noisy = x + sigma * self.noise[index : index + 1]
        denoised = digits.denoise(self.model, noisy, sigma)
        score = (denoised - noisy) / sigma**2  # Tweedie: σ² s = E[x | x̃] − x̃
        as_image = lambda t: t.reshape(8, 8).cpu().numpy()  # noqa: E731
        return {
            "clean": as_image(x),
            "noisy": as_image(noisy),
            "denoised": as_image(denoised),
            "score": as_image(score),
            "errors": np.array([
                (noisy - x).pow(2).mean().sqrt().item(),
                (denoised - x).pow(2).mean().sqrt().item(),  # unclipped, as in the chapter
            ]),
        }  # fmt: skip

    def build(self, figure):
        axes = figure.subplots(1, 4)
        titles = ["clean digit x", "noisy x̃ = x + σz", "denoised E[x | x̃]", "score s(x̃, σ)"]
        self.images = {}
        for ax, key, title in zip(axes, ["clean", "noisy", "denoised", "score"], titles):
            cmap, limits = ("RdBu_r", (-1, 1)) if key == "score" else ("gray_r", (0, 1))
            # copied into the pixels (frames.PixelImage): imshow's resampling of four images
            # was three quarters of a frame
            image = pixel_image(ax, np.zeros((8, 8)), (0, 8, 0, 8), cmap=cmap, origin="upper")
            image.set_clim(*limits)
            ax.set_aspect("equal")
            self.images[key] = image
            ax.set_title(title)
            ax.set_xlabel("pixel column")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0].set_ylabel("pixel row")
        figure.suptitle("Denoising a held-out digit with the trained score model")

    def draw(self, state):
        for key, image in self.images.items():
            image.set_data(state[key])
        bound = float(np.abs(state["score"]).max()) or 1.0
        self.images["score"].set_clim(-bound, bound)
        noisy, denoised = state["errors"]
        self.readout.value = (
            f"RMS error: noisy {noisy:.3f}, denoised {denoised:.3f} (pixels in [0, 1]); "
            f"score colour scale ±{bound:.3g}"
        )


def digit_denoising_explorer(model=None, index: int = 0, sigma: float = 0.2, seed: int = 0):
    """The chapter-6 explorer: pick a held-out digit and a noise level σ; see x̃, E[x | x̃], s.

    model: a trained DenoiserMLP (default: a quick small one, trained once per session).
    """
    return DigitDenoisingExplorer(model, index, sigma, seed)
