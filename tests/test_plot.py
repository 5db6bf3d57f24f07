"""scoreedu.plot: the grid, the field on it, arrow lengths, streamlines and the drawing calls."""

import matplotlib as mpl
import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scoreedu import plot
from scoreedu.distributions import Gaussian, GaussianMixture

BOUNDS = ((-2.0, 3.0), (-1.0, 1.0))


def axes():
    fig = Figure()
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def test_grid_is_row_major_over_the_bounds():
    xs, ys, points = plot.grid(BOUNDS, 5)
    assert xs[0] == -2.0 and xs[-1] == 3.0 and ys[0] == -1.0 and ys[-1] == 1.0
    assert tuple(points.shape) == (25, 2)
    values = points[:, 0] + 10 * points[:, 1]
    # reshape to (n, n) gives [i_y, i_x]
    torch.testing.assert_close(values.reshape(5, 5)[3, 1], xs[1] + 10 * ys[3])


@pytest.mark.parametrize("bounds", [((1.0, 1.0), (0.0, 1.0)), ((0.0, 1.0), (2.0, -2.0))])
def test_grid_refuses_empty_bounds(bounds):
    with pytest.raises(ValueError, match="lo < hi"):
        plot.grid(bounds, 4)


def test_normalise_arrows():
    u, v = np.array([3.0, 0.0, -1.0]), np.array([4.0, 0.0, 0.0])
    ru, rv = plot.normalise_arrows(u, v, "raw")
    assert ru is u and rv is v
    nu, nv = plot.normalise_arrows(u, v, "unit")
    np.testing.assert_allclose(np.hypot(nu, nv), [1.0, 0.0, 1.0])  # a zero vector stays zero
    np.testing.assert_allclose(nu[0] / nv[0], 3 / 4)
    with pytest.raises(ValueError, match="mode must be 'raw' or 'unit'"):
        plot.normalise_arrows(u, v, "long")


def test_arrow_vectors_scale_and_shorten_raw_arrows_and_keep_directions():
    u, v = np.array([1.0, 30.0, 0.0]), np.array([0.0, 40.0, 0.0])
    au, av, clipped = plot.arrow_vectors(u, v, "raw", length=0.5, reference=2.0, max_length=1.0)
    # |(1, 0)| = 1 is half the reference: drawn 0.25 long. |(30, 40)| = 50: shortened to 1.0.
    np.testing.assert_allclose(np.hypot(au, av), [0.25, 1.0, 0.0])
    np.testing.assert_allclose(au[1] / av[1], 30 / 40)
    assert clipped.tolist() == [False, True, False]
    uu, uv, none = plot.arrow_vectors(u, v, "unit", length=0.3)
    np.testing.assert_allclose(np.hypot(uu, uv), [0.3, 0.3, 0.0])
    assert not none.any()
    with pytest.raises(ValueError, match="mode"):
        plot.arrow_vectors(u, v, "log")


def test_field_on_grid_is_the_distribution_on_the_grid():
    gauss = Gaussian([0.5, 0.0], [[0.3, 0.1], [0.1, 0.2]])
    bounds = ((-4.0, 5.0), (-4.0, 4.0))
    field = plot.field_on_grid(gauss, bounds, 81)
    xs, ys, points = plot.grid(bounds, 81)
    cell = float((xs[1] - xs[0]) * (ys[1] - ys[0]))
    assert abs(field["density"].sum() * cell - 1.0) < 1e-12
    # The box holds all the mass, so grid normalisation recovers the true density.
    true = gauss.log_prob(points).exp().reshape(81, 81).numpy()
    np.testing.assert_allclose(field["density"], true, rtol=1e-3, atol=1e-6)
    score = gauss.score(points).numpy()
    np.testing.assert_allclose(field["score_u"], score[:, 0].reshape(81, 81))
    np.testing.assert_allclose(field["score_v"], score[:, 1].reshape(81, 81))


def test_field_on_grid_without_the_score_draws_the_same_density():
    mix = GaussianMixture([[-1.0, 0.0], [1.5, 0.5]], [0.5, 0.8], [0.3, 0.7])
    both = plot.field_on_grid(mix, ((-4.0, 4.0), (-4.0, 4.0)), 31, temperature=0.5)
    density = plot.field_on_grid(mix, ((-4.0, 4.0), (-4.0, 4.0)), 31, 0.5, with_score=False)
    assert set(both) - set(density) == {"score_u", "score_v"}
    for key in density:
        np.testing.assert_array_equal(density[key], both[key])


def test_field_on_grid_tempers_density_and_score():
    # N(0, I)^(1/T) ∝ N(0, T I): at T = 2 the density is N(0, 2 I) and the score is -x / 2.
    gauss = Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    bounds = ((-9.0, 9.0), (-9.0, 9.0))
    field = plot.field_on_grid(gauss, bounds, 91, temperature=2.0)
    _, _, points = plot.grid(bounds, 91)
    wide = Gaussian([0.0, 0.0], [[2.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(
        field["density"], wide.log_prob(points).exp().reshape(91, 91).numpy(), atol=1e-4
    )
    np.testing.assert_allclose(field["score_u"], -points[:, 0].reshape(91, 91).numpy() / 2)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="temperature must be > 0"):
            plot.field_on_grid(gauss, bounds, 5, temperature=bad)


def test_field_on_grid_stays_finite_for_a_sharp_mixture_at_low_temperature():
    mix = GaussianMixture([[-3.0, 0.0], [3.0, 0.0]], [0.05, 0.2], [0.5, 0.5])
    field = plot.field_on_grid(mix, ((-60.0, 60.0), (-60.0, 60.0)), 41, temperature=0.25)
    assert all(np.isfinite(v).all() for v in field.values())


def inward(xs, ys):
    xx, yy = np.meshgrid(xs, ys)
    return -xx, -yy


def test_streamlines_run_along_the_field_and_stop_at_its_zero():
    xs = ys = np.linspace(-3, 3, 31)
    u, v = inward(xs, ys)
    seeds = np.array([[2.5, 0.0], [-1.0, 2.0], [0.3, -0.4]])
    lines = plot.trace_streamlines(xs, ys, u, v, seeds, step=0.1, n_steps=60)
    assert lines.shape == (3, 121, 2)
    np.testing.assert_array_equal(lines[:, 60], seeds)
    radius = np.linalg.norm(lines, axis=2)
    # Along the field (toward the origin) the radius never grows; the ends rest at the zero.
    assert (np.diff(radius, axis=1) <= 1e-12).all()
    assert (radius[:, -1] < 0.02).all()
    # Backwards the lines leave toward the box edge and stay inside it.
    assert (np.abs(lines) <= 3.0 + 1e-12).all()
    assert radius[0, 0] > 2.9


def test_streamlines_follow_a_rotation_on_circles():
    # u = -y, v = x: circles around the origin; bilinear interpolation is exact for it.
    xs = ys = np.linspace(-2, 2, 21)
    xx, yy = np.meshgrid(xs, ys)
    seeds = np.array([[1.0, 0.0], [0.0, -1.5]])
    lines = plot.trace_streamlines(xs, ys, -yy, xx, seeds, step=0.02, n_steps=50)
    radius = np.linalg.norm(lines, axis=2)
    np.testing.assert_allclose(radius, np.array([[1.0], [1.5]]) * np.ones((1, 101)), rtol=1e-3)
    # counter-clockwise: from (1, 0) forward the angle grows
    assert lines[0, -1, 1] > 0 and lines[0, 0, 1] < 0


def test_streamline_segments_join_consecutive_points():
    lines = np.arange(2 * 4 * 2, dtype=float).reshape(2, 4, 2)
    segments = plot.streamline_segments(lines)
    assert segments.shape == (6, 2, 2)
    np.testing.assert_array_equal(segments[4], [lines[1, 1], lines[1, 2]])


def test_drawing_functions_return_their_artists():
    xs, ys = np.linspace(-1, 1, 9), np.linspace(-1, 2, 11)
    density = np.random.default_rng(0).random((11, 9))
    u, v = inward(xs, ys)
    fig, ax = axes()
    image = plot.draw_density(ax, xs, ys, density, title="p")
    assert isinstance(image, mpl.image.AxesImage) and ax.get_title() == "p"
    assert image.get_extent() == [-1.0, 1.0, -1.0, 2.0]
    quiver = plot.draw_field(ax, xs, ys, u, v, scale=1.0, scale_units="xy")
    assert isinstance(quiver, mpl.quiver.Quiver)
    stream = plot.density_and_score(ax, xs, ys, density, u, v, style="streamlines", mode="unit")
    assert ax.patches and stream.lines in ax.collections
    plot.remove_streamlines(ax, stream)
    assert not ax.patches and stream.lines not in ax.collections
    thinned = plot.density_and_score(ax, xs, ys, density, u, v, step=2)
    assert thinned.N == 5 * 6
    fig.canvas.draw()
    with pytest.raises(ValueError, match="style must be 'arrows' or 'streamlines'"):
        plot.draw_field(ax, xs, ys, u, v, style="dots")


def test_use_style_sets_the_series_defaults():
    with mpl.rc_context():
        plot.use_style()
        assert mpl.rcParams["figure.dpi"] == 72 and mpl.rcParams["savefig.dpi"] == 72


@pytest.mark.parametrize(
    "bounds, n, kwargs, error, match",
    [
        ([(0, 1)], 5, {}, TypeError, "bounds must be \\(\\(x_lo, x_hi\\), \\(y_lo, y_hi\\)\\)"),
        ("ab", 5, {}, TypeError, "bounds must be"),
        ([(0, 1), (0, 1)], 1, {}, ValueError, "n must be an int >= 2"),
        ([(0, 1), (0, 1)], 2.5, {}, TypeError, "n must be an int"),
        ([(0, 1), (0, 1)], 5, {"device": "gpu0"}, ValueError, "device must be"),
    ],
)
def test_grid_names_bad_arguments(bounds, n, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.grid(bounds, n, **kwargs)


def test_field_on_grid_names_a_distribution_without_log_prob():
    with pytest.raises(TypeError, match="distribution must have a .log_prob"):
        plot.field_on_grid(3, [(0, 1), (0, 1)], 5)


@pytest.mark.parametrize(
    "step, n_steps, error, match",
    [
        (0.0, 5, ValueError, "step must be a finite number > 0"),
        (0.1, -1, ValueError, "n_steps must be an int >= 1"),
    ],
)
def test_trace_streamlines_names_bad_steps(step, n_steps, error, match):
    xs = np.linspace(0, 1, 5)
    field = np.ones((5, 5))
    with pytest.raises(error, match=match):
        plot.trace_streamlines(xs, xs, field, field, np.array([[0.5, 0.5]]), step, n_steps)


def test_field_on_grid_names_a_non_numeric_temperature():
    with pytest.raises(ValueError, match="temperature must be > 0"):
        plot.field_on_grid(Gaussian([0.0, 0.0], torch.eye(2)), [(0, 1), (0, 1)], 5, "warm")


def test_draw_density_names_a_density_of_the_wrong_shape():
    fig = Figure()
    ax = fig.subplots()
    xs = np.linspace(0, 1, 5)
    with pytest.raises(ValueError, match="density must have shape \\(n_y, n_x\\) = \\(5, 5\\)"):
        plot.draw_density(ax, xs, xs, np.ones(3))
