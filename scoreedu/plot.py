"""The drawing every chapter shares: a 2-D density with its score field.

Computation stays outside: these functions take numbers (NumPy arrays) and draw them, so a
static figure and a live explorer use the same code. `grid` builds the evaluation points.
"""

import matplotlib as mpl
import numpy as np
import torch

STYLE = {
    "figure.dpi": 72,
    "savefig.dpi": 72,
    "figure.figsize": (6.0, 4.0),
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": False,
    "image.cmap": "viridis",
    "legend.fontsize": 9,
}


def use_style() -> None:
    """The series' matplotlib defaults: small PNGs that read well on a laptop screen."""
    mpl.rcParams.update(STYLE)


def grid(bounds, n: int, dtype=torch.float64, device="cpu"):
    """A regular n × n grid over bounds ((x_lo, x_hi), (y_lo, y_hi)).

    Returns (xs (n,), ys (n,), points (n*n, 2)), points in row-major order: reshape a per-point
    value to (n, n) to get value[i_y, i_x], the layout imshow and contour expect.
    """
    (x_lo, x_hi), (y_lo, y_hi) = bounds
    if not (x_lo < x_hi and y_lo < y_hi):
        raise ValueError(f"bounds must be ((x_lo, x_hi), (y_lo, y_hi)) with lo < hi; got {bounds}")
    xs = torch.linspace(x_lo, x_hi, n, dtype=dtype, device=device)
    ys = torch.linspace(y_lo, y_hi, n, dtype=dtype, device=device)
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    return xs, ys, torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)


def normalise_arrows(u, v, mode: str = "raw"):
    """Arrow components for drawing: "raw" keeps lengths; "unit" makes every arrow length 1."""
    if mode == "raw":
        return u, v
    if mode != "unit":
        raise ValueError(f"mode must be 'raw' or 'unit'; got {mode!r}")
    norm = np.hypot(u, v)
    norm = np.where(norm > 0, norm, 1.0)
    return u / norm, v / norm


def draw_density(ax, xs, ys, density, title="", cmap="viridis", label="density p(x)"):
    """Draw an (n_y, n_x) density over the grid xs, ys as an image. Returns the AxesImage."""
    xs, ys = np.asarray(xs), np.asarray(ys)
    image = ax.imshow(
        np.asarray(density),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        extent=(xs[0], xs[-1], ys[0], ys[-1]),
        interpolation="bilinear",
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    image.set_label(label)
    return image


def draw_field(
    ax, xs, ys, u, v, style: str = "arrows", color="white", mode: str = "raw", scale=None
):
    """Draw a vector field (u, v), each (n_y, n_x), as "arrows" (quiver) or "streamlines".

    Returns the artist (a Quiver, or the StreamplotSet).
    """
    xs, ys = np.asarray(xs), np.asarray(ys)
    u, v = normalise_arrows(np.asarray(u), np.asarray(v), mode)
    if style == "arrows":
        xx, yy = np.meshgrid(xs, ys)
        return ax.quiver(xx, yy, u, v, color=color, angles="xy", scale=scale, width=0.004)
    if style == "streamlines":
        return ax.streamplot(xs, ys, u, v, color=color, density=1.0, linewidth=0.8, arrowsize=0.8)
    raise ValueError(f"style must be 'arrows' or 'streamlines'; got {style!r}")


def density_and_score(
    ax, xs, ys, density, score_u, score_v, title="", style="arrows", mode="raw", step: int = 1
):
    """The series' standard picture: a density as an image, its score as arrows on top.

    density, score_u, score_v: (n_y, n_x) arrays over the grid xs (n_x,), ys (n_y,).
    step thins the arrows (every step-th grid point) so they stay readable.
    """
    draw_density(ax, xs, ys, density, title=title)
    sl = slice(None, None, step)
    xs_, ys_ = np.asarray(xs)[sl], np.asarray(ys)[sl]
    u, v = np.asarray(score_u)[sl, sl], np.asarray(score_v)[sl, sl]
    if style == "streamlines":
        return draw_field(ax, xs, ys, score_u, score_v, style=style, mode=mode)
    return draw_field(ax, xs_, ys_, u, v, style=style, mode=mode)
