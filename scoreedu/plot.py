"""The drawing every chapter shares: a 2-D density with its score field.

Computation stays outside: these functions take numbers (NumPy arrays) and draw them, so a
static figure and a live explorer use the same code. `grid` builds the evaluation points and
`field_on_grid` evaluates a distribution on them (density and score) for drawing.
"""

import matplotlib as mpl
import numpy as np
import torch
from matplotlib.patches import FancyArrowPatch

from scoreedu import validate
from scoreedu.device import get_device

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
    try:
        (x_lo, x_hi), (y_lo, y_hi) = [(float(lo), float(hi)) for lo, hi in bounds]
    except (TypeError, ValueError) as err:
        raise TypeError(f"bounds must be ((x_lo, x_hi), (y_lo, y_hi)); got {bounds!r}") from err
    if not (x_lo < x_hi and y_lo < y_hi and np.isfinite([x_lo, x_hi, y_lo, y_hi]).all()):
        raise ValueError(f"bounds must be ((x_lo, x_hi), (y_lo, y_hi)) with lo < hi; got {bounds}")
    validate.count(n, "n", minimum=2)
    validate.float_dtype(dtype)
    device = get_device(device)
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
    xs, ys, density = np.asarray(xs), np.asarray(ys), np.asarray(density)
    if density.shape != (ys.size, xs.size):
        raise ValueError(
            f"density must have shape (n_y, n_x) = ({ys.size}, {xs.size}); got {density.shape}"
        )
    image = ax.imshow(
        density,
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
    ax,
    xs,
    ys,
    u,
    v,
    style: str = "arrows",
    color="white",
    mode: str = "raw",
    scale=None,
    scale_units=None,
    linewidth=0.8,
    density: float = 1.0,
):
    """Draw a vector field (u, v), each (n_y, n_x), as "arrows" (quiver) or "streamlines".

    scale, scale_units: passed to quiver (scale=1, scale_units="xy" draws (u, v) in data units;
    the default autoscales). linewidth: a number or an (n_y, n_x) array, for streamlines.
    density: how closely streamlines are packed (matplotlib's streamplot density).
    Returns the artist (a Quiver, or the StreamplotSet).
    """
    xs, ys = np.asarray(xs), np.asarray(ys)
    u, v = normalise_arrows(np.asarray(u), np.asarray(v), mode)
    if style == "arrows":
        xx, yy = np.meshgrid(xs, ys)
        return ax.quiver(
            xx,
            yy,
            u,
            v,
            color=color,
            angles="xy",
            scale=scale,
            scale_units=scale_units,
            width=0.004,
        )
    if style == "streamlines":
        return ax.streamplot(
            xs, ys, u, v, color=color, density=density, linewidth=linewidth, arrowsize=0.8
        )
    raise ValueError(f"style must be 'arrows' or 'streamlines'; got {style!r}")


def remove_streamlines(ax, stream) -> None:
    """Take a StreamplotSet off ax: its line collection and its arrow patches.

    streamplot adds each arrow head to the axes as its own patch, so all arrow patches on ax
    are removed: keep other FancyArrowPatch artists off an axes that redraws streamlines.
    """
    stream.lines.remove()
    for patch in list(ax.patches):
        if isinstance(patch, FancyArrowPatch):
            patch.remove()


def arrow_vectors(
    u, v, mode: str = "raw", length: float = 1.0, reference: float = 1.0, max_length=None
):
    """Arrows in data units, ready for quiver(..., scale=1, scale_units="xy").

    "raw": (u, v) · length / reference, so a vector of size `reference` is drawn `length` long and
    the lengths compare across frames; arrows longer than max_length are shortened to it (their
    direction kept). "unit": every arrow `length` long, only the direction shows.
    Returns (u, v, clipped) with clipped a boolean array: the arrows that were shortened.
    """
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    norm = np.hypot(u, v)
    if mode == "unit":
        u, v = normalise_arrows(u, v, "unit")
        return u * length, v * length, np.zeros(u.shape, dtype=bool)
    if mode != "raw":
        raise ValueError(f"mode must be 'raw' or 'unit'; got {mode!r}")
    drawn = norm * length / reference
    cap = np.inf if max_length is None else max_length
    clipped = drawn > cap
    shrink = np.where(clipped, cap / np.where(drawn > 0, drawn, 1.0), 1.0)
    factor = length / reference * shrink
    return u * factor, v * factor, clipped


def field_on_grid(
    distribution, bounds, n: int, temperature: float = 1.0, dtype=torch.float64, with_score=True
):
    """A distribution's density and score on an n × n grid, as NumPy arrays for drawing.

    distribution: anything with log_prob(x) -> (N,) and score(x) -> (N, D=2).
    temperature T tempers it: p_T(x) ∝ p(x)^(1/T), so log p_T = log p / T + const and the score
    is score / T. The density is normalised over the grid (its sum times the cell area is 1).
    Returns a dict: xs (n,), ys (n,), log_density (n, n) (log p / T, unnormalised),
    density (n, n), score_u (n, n), score_v (n, n), indexed [i_y, i_x]; with_score=False leaves
    out the score (most of the cost) for a picture of the density alone.
    """
    for method in ("log_prob", "score"):
        if not callable(getattr(distribution, method, None)):
            raise TypeError(
                f"distribution must have a .{method}(x) method, like distributions.Gaussian; "
                f"got {type(distribution).__name__}"
            )
    if isinstance(temperature, (bool, str)) or not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature!r}")
    xs, ys, points = grid(bounds, n, dtype=dtype)
    with torch.no_grad():
        log_p = distribution.log_prob(points) / temperature
        score = distribution.score(points) / temperature if with_score else None
    cell = float((xs[1] - xs[0]) * (ys[1] - ys[0]))
    density = torch.softmax(log_p, dim=0) / cell
    field = {
        "xs": xs.cpu().numpy(),
        "ys": ys.cpu().numpy(),
        "log_density": log_p.reshape(n, n).cpu().numpy(),
        "density": density.reshape(n, n).cpu().numpy(),
    }
    if with_score:
        field["score_u"] = score[:, 0].reshape(n, n).cpu().numpy()
        field["score_v"] = score[:, 1].reshape(n, n).cpu().numpy()
    return field


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


def _interpolate(xs, ys, field, points):
    """Bilinear interpolation of a gridded field (n_y, n_x, C) [i_y, i_x] at points (M, 2)."""
    fx = np.clip((points[:, 0] - xs[0]) / (xs[1] - xs[0]), 0.0, len(xs) - 1.000001)
    fy = np.clip((points[:, 1] - ys[0]) / (ys[1] - ys[0]), 0.0, len(ys) - 1.000001)
    ix, iy = fx.astype(int), fy.astype(int)
    tx, ty = (fx - ix)[:, None], (fy - iy)[:, None]
    top = field[iy, ix] * (1 - tx) + field[iy, ix + 1] * tx
    bottom = field[iy + 1, ix] * (1 - tx) + field[iy + 1, ix + 1] * tx
    return top * (1 - ty) + bottom * ty


def trace_streamlines(xs, ys, u, v, seeds, step: float, n_steps: int, halvings: int = 6):
    """Streamlines of a gridded field (u, v) through each seed, all seeds at once.

    Each step moves up to `step` along the field's direction (midpoint rule on the bilinear
    interpolant), backwards and forwards from the seed. A step that would cross a zero of the
    field (the direction there reverses: a mode of the density) is halved, up to `halvings`
    times, then skipped, so a line comes to rest at the zero instead of jittering around it.
    Points stay inside the grid's box.
    xs (n_x,), ys (n_y,), u, v (n_y, n_x), seeds (M, 2). Returns (M, 2 n_steps + 1, 2): the
    backward part reversed, then the seed, then the forward part, so each row runs along the field.
    matplotlib's streamplot avoids overlaps but costs about 100 ms a frame; this costs a few.
    """
    step = validate.positive(step, "step")
    validate.count(n_steps, "n_steps")
    validate.count(halvings, "halvings", minimum=0)
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    field = np.stack([np.asarray(u, dtype=float), np.asarray(v, dtype=float)], axis=-1)
    lo, hi = np.array([xs[0], ys[0]]), np.array([xs[-1], ys[-1]])
    seeds = np.asarray(seeds, dtype=float)

    def direction(points, sign):
        f = _interpolate(xs, ys, field, points)
        norm = np.linalg.norm(f, axis=1, keepdims=True)
        return sign * f / np.where(norm > 0, norm, 1.0)

    halves = []
    for sign in (-1.0, 1.0):
        points, path = seeds, []
        for _ in range(n_steps):
            here = direction(points, sign)
            h = np.full((len(points), 1), float(step))
            for attempt in range(halvings + 1):
                middle = np.clip(points + 0.5 * h * here, lo, hi)
                towards = direction(middle, sign)
                moved = np.clip(points + h * towards, lo, hi)
                reverses = ((towards * here).sum(1, keepdims=True) < 0) | (
                    (direction(moved, sign) * here).sum(1, keepdims=True) < 0
                )
                if not reverses.any():
                    break
                if attempt < halvings:
                    h = np.where(reverses, 0.5 * h, h)
            points = np.where(reverses, points, moved)
            path.append(points)
        halves.append(np.stack(path, axis=1))
    return np.concatenate([halves[0][:, ::-1], seeds[:, None, :], halves[1]], axis=1)


def streamline_segments(lines):
    """(M, L, 2) polylines -> (M (L - 1), 2, 2) segments for a LineCollection."""
    lines = np.asarray(lines)
    return np.stack([lines[:, :-1], lines[:, 1:]], axis=2).reshape(-1, 2, 2)
