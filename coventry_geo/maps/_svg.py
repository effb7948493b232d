"""Small inline SVG maps for the ward profiles (no script, prints crisply, escaped text).

Polygons in a projected CRS are scaled into a fixed view box (y flipped) and
written as ``<path>`` elements with ``fill-rule="evenodd"`` (holes stay holes),
each with an escaped ``<title>`` that browsers show on hover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from coventry_geo.maps._html import escape_html

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["SvgShape", "svg_map"]


@dataclass(frozen=True)
class SvgShape:
    """One polygon to draw: geometry, fill, outline colour and width, hover title."""

    geometry: shapely.Geometry
    fill: str
    stroke: str = "#4d4d4d"
    width: float = 0.6
    title: str = ""


def svg_map(
    shapes: Sequence[SvgShape], *, width: int, height: int, label: str, pad: float = 4.0
) -> str:
    """Return an ``<svg>`` element drawing the shapes fitted into ``width`` x ``height``.

    Parameters
    ----------
    shapes : sequence of SvgShape
        Drawn in order (later ones on top).
    width, height : int
        View box size (the element scales with CSS).
    label : str
        Accessible name of the picture (``aria-label``).
    pad : float
        Margin inside the view box.

    Returns
    -------
    str
    """
    geoms = np.asarray([s.geometry for s in shapes], dtype=object)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    scale = min(
        (width - 2 * pad) / max(maxx - minx, 1e-9), (height - 2 * pad) / max(maxy - miny, 1e-9)
    )
    ox = pad + ((width - 2 * pad) - (maxx - minx) * scale) / 2
    oy = pad + ((height - 2 * pad) - (maxy - miny) * scale) / 2

    def path_data(geom: shapely.Geometry) -> str:
        parts = []
        for ring in _rings(geom):
            xy = shapely.get_coordinates(ring)
            px = np.round(ox + (xy[:, 0] - minx) * scale, 1)
            py = np.round(oy + (maxy - xy[:, 1]) * scale, 1)
            pts = " ".join(f"{x:g},{y:g}" for x, y in zip(px, py, strict=True))
            parts.append(f"M{pts}Z")
        return "".join(parts)

    body = []
    for shape in shapes:
        title = f"<title>{escape_html(shape.title)}</title>" if shape.title else ""
        body.append(
            f'<path d="{path_data(shape.geometry)}" fill="{escape_html(shape.fill)}" '
            f'stroke="{escape_html(shape.stroke)}" stroke-width="{shape.width:g}" '
            f'fill-rule="evenodd">{title}</path>'
        )
    return (
        f'<svg viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape_html(label)}">' + "".join(body) + "</svg>"
    )


def _rings(geom: shapely.Geometry) -> list[shapely.Geometry]:
    polygons = shapely.get_parts(geom)
    rings = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        rings.append(polygon.exterior)
        rings.extend(polygon.interiors)
    return rings
