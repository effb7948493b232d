"""Polygons drawn straight into matplotlib axes, without geopandas' plot machinery.

``GeoDataFrame.plot`` asks the canvas for a draw after each call (a full render of
the figure, ticks included); report maps and profile pages draw a few polygon
layers each, so they build one :class:`~matplotlib.collections.PathCollection` per
layer instead, with holes kept as holes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely
from matplotlib.collections import PathCollection
from matplotlib.path import Path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes

__all__ = ["draw_polygons", "polygon_path"]


def polygon_path(geom: shapely.Geometry) -> Path:
    """Return a compound path of a (multi)polygon's rings: exterior and holes."""
    vertices, codes = [], []
    for polygon in shapely.get_parts(geom):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = shapely.get_coordinates(ring)
            ring_codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            ring_codes[0], ring_codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return Path(np.zeros((0, 2)))
    return Path(np.concatenate(vertices), np.concatenate(codes))


def draw_polygons(
    ax: Axes,
    geoms: Sequence[shapely.Geometry],
    facecolors: Sequence[str],
    *,
    edgecolors: str | Sequence[str] = "#4d4d4d",
    linewidths: float | Sequence[float] = 0.5,
) -> PathCollection:
    """Add the polygons to ``ax`` as one collection and fit the data limits to them.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    geoms : sequence of shapely geometries
        Polygons or multipolygons, in the axes' data coordinates.
    facecolors : sequence of str
        One fill per polygon.
    edgecolors, linewidths
        Outline colour(s) and width(s) in points.

    Returns
    -------
    matplotlib.collections.PathCollection
    """
    paths = [polygon_path(g) for g in geoms]
    collection = PathCollection(
        paths, facecolors=list(facecolors), edgecolors=edgecolors, linewidths=linewidths
    )
    ax.add_collection(collection, autolim=False)
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    ax.update_datalim([(minx, miny), (maxx, maxy)])
    ax.autoscale_view()
    return collection
