"""Ward name labels on static maps that do not collide.

Each label starts at its polygon's pole of inaccessibility (the centre of the
largest inscribed circle, :func:`shapely.maximum_inscribed_circle`), which lies
inside even a U-shaped ward. When any two labels overlap, they are moved apart by
:func:`adjustText.adjust_text` (deterministic: a fixed iteration limit, and its
own seeded random shifts), with a thin leader line back to the point when a
label had to move far. A white halo keeps the text legible on every class colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely
from adjustText import adjust_text
from matplotlib import patheffects

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.text import Text
    from numpy.typing import NDArray

__all__ = ["label_points", "place_labels", "overlapping_pairs"]

_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def label_points(geoms: Sequence[shapely.Geometry]) -> NDArray[np.float64]:
    """Return one label point per polygon: the centre of its largest inscribed circle.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        Polygons in a projected CRS.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates.
    """
    arr = np.asarray(geoms, dtype=object)
    tolerance = np.sqrt(shapely.area(arr)) / 100.0
    circles = shapely.maximum_inscribed_circle(arr, tolerance)
    starts = shapely.get_point(circles, 0)
    return shapely.get_coordinates(starts)


def place_labels(
    ax: Axes, names: Sequence[str], points: NDArray[np.float64], *, fontsize: float = 7.0
) -> list[Text]:
    """Write the names at their points and move overlapping ones apart.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map axes (limits and aspect already set).
    names : sequence of str
    points : numpy.ndarray
        ``(n, 2)`` label points in data coordinates.
    fontsize : float
        Text size in points.

    Returns
    -------
    list of matplotlib.text.Text
    """
    texts = [
        ax.text(x, y, name, fontsize=fontsize, ha="center", va="center", path_effects=_HALO)
        for name, (x, y) in zip(names, points, strict=True)
    ]
    if overlapping_pairs(ax, texts):
        adjust_text(
            texts,
            x=points[:, 0],
            y=points[:, 1],
            ax=ax,
            expand=(1.08, 1.3),
            iter_lim=300,
            min_arrow_len=12,
            arrowprops={"arrowstyle": "-", "color": "#222222", "lw": 0.5},
        )
    return texts


def overlapping_pairs(ax: Axes, texts: Sequence[Text]) -> list[tuple[int, int]]:
    """Pairs of labels whose drawn boxes overlap (for checks and tests)."""
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
