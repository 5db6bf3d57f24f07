"""How a learned score field differs from the true one, point by point: length and direction.

Arrows drawn at unit length show only direction; these maps show what they hide.
    magnitude ratio   ‖s_θ(x)‖ / ‖∇x log p(x)‖        (1: the right length)
    cosine            s_θ(x)·∇x log p(x) / (‖s_θ(x)‖ ‖∇x log p(x)‖)   (1: the right direction)
    angle             arccos(cosine), in degrees
"""

import torch
from matplotlib.colors import TwoSlopeNorm

from scoreedu import validate


def _pair(model_score, true_score):
    validate.batch(model_score, "model_score")
    validate.batch(true_score, "true_score")
    if model_score.shape != true_score.shape:
        raise ValueError(
            f"model_score and true_score must have the same shape (N, D); got "
            f"{tuple(model_score.shape)} and {tuple(true_score.shape)}"
        )
    return model_score.detach(), true_score.detach().to(model_score)


def magnitude_ratio(model_score: torch.Tensor, true_score: torch.Tensor) -> torch.Tensor:
    """‖s_θ(x)‖ / ‖∇x log p(x)‖ per row. Both (N, D). Returns (N,); inf where the truth is 0."""
    model_score, true_score = _pair(model_score, true_score)
    return model_score.norm(dim=1) / true_score.norm(dim=1)


def cosine(model_score: torch.Tensor, true_score: torch.Tensor) -> torch.Tensor:
    """The cosine of the angle between s_θ(x) and ∇x log p(x) per row. Both (N, D) -> (N,).

    A zero vector (a learned field or a true score that vanishes, as at a mode) has no
    direction: its cosine is 0 (an angle of 90°), not 0/0 = NaN, so grids that pass through a
    mode still give finite maps.
    """
    model_score, true_score = _pair(model_score, true_score)
    norms = model_score.norm(dim=1) * true_score.norm(dim=1)
    norms = torch.where(norms > 0, norms, 1.0)  # a zero vector: 0 / 1 = 0, not NaN
    return ((model_score * true_score).sum(1) / norms).clamp(-1.0, 1.0)


def angle_degrees(model_score: torch.Tensor, true_score: torch.Tensor) -> torch.Tensor:
    """The angle between s_θ(x) and ∇x log p(x) per row, in degrees (0 to 180). (N,)."""
    return torch.rad2deg(torch.arccos(cosine(model_score, true_score)))


def draw_error_maps(
    axes, xs, ys, ratio, angle, density, level: float = 1e-4, ratio_limit=1.5, angle_limit=45.0
):
    """Two maps on the grid xs, ys: the magnitude ratio (white at 1, red longer, blue shorter,
    clipped to [1/ratio_limit, ratio_limit]) and the angle in degrees (clipped at angle_limit),
    each with the contour p = level that marks where the data thin out. The clipping keeps the
    modes, where the true score passes through 0 and both maps blow up, from hiding the rest.

    axes: two matplotlib Axes. ratio, angle, density: (n_y, n_x) arrays. Returns the two images
    (for colour bars).
    """
    extent = (xs[0], xs[-1], ys[0], ys[-1])
    norm = TwoSlopeNorm(vcenter=1.0, vmin=1 / ratio_limit, vmax=ratio_limit)
    images = [
        axes[0].imshow(
            ratio, origin="lower", aspect="auto", extent=extent, cmap="RdBu_r", norm=norm
        ),
        axes[1].imshow(
            angle,
            origin="lower",
            aspect="auto",
            extent=extent,
            cmap="magma_r",
            vmin=0.0,
            vmax=angle_limit,
        ),
    ]
    titles = (r"length ratio $\|s_\theta\| / \|\nabla_x \log p\|$", "angle between them (°)")
    for ax, title in zip(axes, titles):
        ax.contour(xs, ys, density, levels=[level], colors="k", linewidths=1.0)
        ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    return images
