"""Per-tier nearest-site distances and coverage margins (helpers of indicators.greenspace).

Distances are exact straight-line distances: to a site's boundary (0 inside it)
for sites without access points, and to the nearest access point for sites with
them. Boundary distances come from :mod:`coventry_geo.indicators.greenspace.distance` (an STRtree
over short boundary pieces);
access-point distances from a k-d tree (exact for points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.spatial import cKDTree

from coventry_geo.indicators.greenspace.distance import BoundaryIndex, boundary_pieces

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["SiteSet", "coverage_margin", "spatial_order"]

_ORDER_CELL_M = 250.0


def spatial_order(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Return a permutation sorting points cell by cell (neighbours in space, in memory)."""
    cell = np.floor((xy - xy.min(axis=0)) / _ORDER_CELL_M).astype(np.int64)
    return np.lexsort((xy[:, 0], cell[:, 0], cell[:, 1]))


@dataclass
class SiteSet:
    """Accessible sites prepared for repeated nearest-site queries from fixed residences.

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` residence coordinates, metres.
    points : numpy.ndarray
        The same residences as shapely points.
    geoms : numpy.ndarray
        Site polygons.
    ap_xy : numpy.ndarray
        ``(m, 2)`` access point coordinates (may be empty).
    ap_site : numpy.ndarray
        Position in ``geoms`` of each access point's site.
    """

    xy: NDArray[np.float64]
    points: NDArray[np.object_]
    geoms: NDArray[np.object_]
    ap_xy: NDArray[np.float64]
    ap_site: NDArray[np.int64]
    has_ap: NDArray[np.bool_] = field(init=False)
    _pieces: NDArray[np.object_] = field(init=False)
    _piece_site: NDArray[np.int64] = field(init=False)
    _inside_site: NDArray[np.int64] = field(init=False)
    _inside_point: NDArray[np.int64] = field(init=False)
    _cache: dict[bytes, tuple[NDArray[np.float64], NDArray[np.int64]]] = field(init=False)

    def __post_init__(self) -> None:
        self.has_ap = np.zeros(len(self.geoms), dtype=bool)
        self.has_ap[self.ap_site] = True
        self._pieces, self._piece_site = boundary_pieces(self.geoms)
        self._inside_site, self._inside_point = shapely.STRtree(self.points).query(
            self.geoms, predicate="contains"
        )
        self._cache = {}

    def nearest(
        self, qualifies: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Distance (m) from each residence to the nearest qualifying site, and that site.

        Residences with no qualifying site at all get ``inf`` and site ``-1``. Results
        are cached by ``qualifies``, so tiers with the same sites share the work.
        """
        key = np.packbits(qualifies).tobytes()
        if key not in self._cache:
            by_boundary = self._boundary_nearest(qualifies & ~self.has_ap)
            by_point = self._access_point_nearest(qualifies & self.has_ap)
            use_point = by_point[0] < by_boundary[0]
            self._cache[key] = (
                np.where(use_point, by_point[0], by_boundary[0]),
                np.where(use_point, by_point[1], by_boundary[1]),
            )
        return self._cache[key]

    def _boundary_nearest(
        self, qualifies: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Nearest boundary of the qualifying sites (0, and that site, inside one)."""
        dist = np.full(len(self.xy), np.inf)
        site = np.full(len(self.xy), -1, dtype=np.int64)
        if not qualifies.any():
            return dist, site
        hit = qualifies[self._inside_site]
        dist[self._inside_point[hit]] = 0.0
        site[self._inside_point[hit]] = self._inside_site[hit]
        outside = np.flatnonzero(site < 0)
        keep = qualifies[self._piece_site]
        index = BoundaryIndex(self._pieces[keep], self._piece_site[keep])
        dist[outside], site[outside] = index.distance(self.points[outside])
        return dist, site

    def _access_point_nearest(
        self, qualifies: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Nearest access point of the qualifying sites."""
        points = qualifies[self.ap_site]
        if not points.any():
            return np.full(len(self.xy), np.inf), np.full(len(self.xy), -1, dtype=np.int64)
        dist, idx = cKDTree(self.ap_xy[points]).query(self.xy, k=1, workers=-1)
        return dist, self.ap_site[points][idx]


def coverage_margin(
    xy: NDArray[np.float64],
    points: NDArray[np.object_],
    coverage: shapely.Geometry | None,
    bounds: NDArray[np.float64],
) -> NDArray[np.float64]:
    """How far each point is inside the covered area, metres (0 outside it).

    A disc of radius ``d`` around a point lies within the covered area exactly when
    the margin is at least ``d``. The covered area is ``coverage`` when given, else
    the rectangle ``bounds`` (``minx, miny, maxx, maxy``).
    """
    if coverage is None:
        margin = np.minimum(
            np.minimum(xy[:, 0] - bounds[0], bounds[2] - xy[:, 0]),
            np.minimum(xy[:, 1] - bounds[1], bounds[3] - xy[:, 1]),
        )
        return np.maximum(margin, 0.0)
    shapely.prepare(coverage)
    inside = shapely.contains_xy(coverage, xy[:, 0], xy[:, 1])
    margin = np.zeros(len(xy))
    if inside.any():
        boundary = shapely.boundary(coverage)
        shapely.prepare(boundary)
        margin[inside] = shapely.distance(points[inside], boundary)
    return margin
