"""scoreedu.field_error: length ratio and angle between a learned and a true score field."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from scoreedu import field_error as fe  # noqa: E402


def test_ratio_cosine_and_angle_on_known_vectors():
    true = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    model = torch.tensor([[2.0, 0.0], [1.0, 0.0], [-3.0, -4.0]])
    torch.testing.assert_close(fe.magnitude_ratio(model, true), torch.tensor([2.0, 0.5, 1.0]))
    torch.testing.assert_close(fe.cosine(model, true), torch.tensor([1.0, 0.0, -1.0]))
    torch.testing.assert_close(fe.angle_degrees(model, true), torch.tensor([0.0, 90.0, 180.0]))


def test_mismatched_shapes_are_named():
    with pytest.raises(ValueError, match="same shape"):
        fe.cosine(torch.zeros(3, 2), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="true_score must have shape"):
        fe.magnitude_ratio(torch.zeros(3, 2), torch.zeros(3))


def test_draw_error_maps_draws_two_titled_images():
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
    ratio = np.full((4, 5), 1.2)
    angle = np.zeros((4, 5))
    density = np.exp(-(xs[None] ** 2 + ys[:, None] ** 2))
    fig, axes = plt.subplots(1, 2)
    images = fe.draw_error_maps(axes, xs, ys, ratio, angle, density, level=0.5)
    assert len(images) == 2 and all(ax.get_title() for ax in axes)
    plt.close(fig)


def test_the_measures_follow_the_device(device):
    true = torch.tensor([[1.0, 0.0], [0.0, 2.0]], device=device)
    model = torch.tensor([[1.0, 1.0], [0.0, 1.0]], device=device)
    ratio, angle = fe.magnitude_ratio(model, true), fe.angle_degrees(model, true)
    assert ratio.device.type == angle.device.type == device.type
    torch.testing.assert_close(angle.cpu(), torch.tensor([45.0, 0.0]))


def test_a_zero_vector_has_cosine_zero_not_nan():
    s = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    t = torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    torch.testing.assert_close(fe.cosine(s, t), torch.zeros(3))
    torch.testing.assert_close(fe.angle_degrees(s, t), torch.full((3,), 90.0))
