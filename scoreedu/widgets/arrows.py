"""A field of arrows drawn as one path: a quiver cheap enough to redraw on every frame.

matplotlib's quiver builds one Path object per arrow on every draw (about 10 ms for 17 × 17
arrows on this machine, a third of an explorer's frame). Here every arrow is a 7-sided polygon
(shaft and head) computed with NumPy in pixels and all of them go to Agg as one compound path.
The look is the quiver's with angles="xy", scale=1, scale_units="xy" and pivot="tail": an arrow
from (x, y) to (x + u, y + v) in data coordinates, its shaft `width` of the axes' width thick.
"""

import numpy as np
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform

HEAD_LENGTH, HEAD_WIDTH = 4.5, 3.0  # in shaft widths, as quiver's headaxislength and headwidth
# One arrow: tail, shaft end, head corner, tip, head corner, shaft end, tail, back to the start.
CODES = [Path.MOVETO] + [Path.LINETO] * 6 + [Path.CLOSEPOLY]


def arrow_polygons(tails: np.ndarray, tips: np.ndarray, width: float) -> np.ndarray:
    """(M, 8, 2) polygon vertices of M arrows from tails to tips (M, 2), in pixels.

    width: shaft width in pixels. An arrow shorter than its head (HEAD_LENGTH widths) is drawn
    smaller, all its widths scaled by length / head length, so that a zero vector draws nothing.
    """
    along = tips - tails
    length = np.hypot(along[:, 0], along[:, 1])[:, None]
    unit = along / np.where(length > 0, length, 1.0)
    normal = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
    scale = np.minimum(1.0, length / (HEAD_LENGTH * width)) * width
    shaft, head = 0.5 * scale * normal, 0.5 * HEAD_WIDTH * scale * normal
    neck = tips - HEAD_LENGTH * scale * unit
    corners = [tails + shaft, neck + shaft, neck + head, tips, neck - head, neck - shaft]
    corners += [tails - shaft, tails + shaft]
    return np.stack(corners, axis=1)


class Arrows(PathPatch):
    """Arrows from the points (x, y) along (u, v) on ax, all in data units; set_UVC(u, v) moves
    them, like a quiver's. x, y, u, v: arrays of one shape (M values each)."""

    def __init__(self, ax, x, y, width: float = 0.004, color="white"):
        super().__init__(Path(np.zeros((1, 2))), facecolor=color, edgecolor="none")
        self.set_transform(IdentityTransform())  # the polygons are computed in pixels
        self.points = np.column_stack([np.ravel(x), np.ravel(y)]).astype(float)
        self.vectors = np.zeros_like(self.points)
        self.width = width
        ax.add_artist(self)  # not add_patch: the arrows must not move the axes' limits

    def set_UVC(self, u, v) -> None:
        self.vectors = np.column_stack([np.ravel(u), np.ravel(v)]).astype(float)
        self.stale = True

    def draw(self, renderer):
        # In pixels at draw time: right at any resolution (the live frame and the stored PNG).
        to_pixels = self.axes.transData.transform
        polygons = arrow_polygons(
            to_pixels(self.points),
            to_pixels(self.points + self.vectors),
            self.width * self.axes.bbox.width,
        )
        self.set_path(Path(polygons.reshape(-1, 2), np.tile(CODES, len(polygons))))
        super().draw(renderer)
