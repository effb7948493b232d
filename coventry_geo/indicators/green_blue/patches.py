"""Vectorising a canopy raster tile by tile (helpers of :mod:`coventry_geo.indicators.green_blue`).

A 1 m city raster has about 10^8 pixels, so it is read in square tiles. In each
tile the canopy pixels are labelled into 4-connected components
(:func:`scipy.ndimage.label`) and counted. A component that does not touch the
tile's edge is complete: it is kept when it has at least ``min_px`` pixels and
vectorised (:func:`rasterio.features.shapes`, 4-connectivity). A component that
touches the edge may continue in the next tile: it is vectorised whatever its
size, and joined to the pieces it meets across the edge (pixel pairs that are
both canopy on either side). After the last tile, joined pieces form one patch
(union of the pieces), kept when its total pixel count reaches ``min_px``.

Geometries are built in integer pixel coordinates, so pieces of one patch meet
exactly on tile edges, and are moved to map coordinates at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely
from affine import Affine
from rasterio.features import shapes
from rasterio.windows import Window
from scipy import ndimage
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["PatchBuilder", "canopy_mask", "tiles", "to_map_coordinates"]

logger = logging.getLogger(__name__)

_NO_PIXEL = -1


def tiles(window: Window, size: int) -> Iterator[Window]:
    """Square tiles of ``size`` pixels covering a window, row by row."""
    row0, col0 = int(window.row_off), int(window.col_off)
    height, width = int(window.height), int(window.width)
    for row in range(row0, row0 + height, size):
        for col in range(col0, col0 + width, size):
            yield Window(col, row, min(size, col0 + width - col), min(size, row0 + height - row))


def canopy_mask(
    dn: NDArray[np.generic], *, nodata: float | None, scale: float, offset: float, threshold: float
) -> NDArray[np.bool_]:
    r"""Canopy pixels of a tile: valid and with a canopy fraction of at least ``threshold``.

    .. math:: \text{canopy}_p = [\,v_p \ne \text{nodata}\,] \wedge [\,v_p s + o \ge t\,]

    compared in stored units (:math:`v_p \ge (t - o)/s`, scale :math:`s > 0`) so that
    the tile is never converted to floating point. NaN values are never canopy.
    """
    canopy = dn >= (threshold - offset) / scale
    if nodata is not None and not np.isnan(nodata):
        canopy &= dn != nodata
    return canopy


@dataclass
class PatchBuilder:
    """Accumulate canopy patches tile by tile; :meth:`finish` returns them.

    Parameters
    ----------
    min_px : int
        Smallest patch kept, in pixels.
    """

    min_px: int
    _geoms: list[shapely.Geometry] = field(default_factory=list)
    _n_px: list[int] = field(default_factory=list)
    _edge_geoms: list[shapely.Geometry] = field(default_factory=list)
    _edge_n_px: list[int] = field(default_factory=list)
    _edge_gid: list[int] = field(default_factory=list)
    _pairs: list[NDArray[np.int64]] = field(default_factory=list)
    _next_gid: int = 0
    _right_edge: dict[tuple[int, int], NDArray[np.int64]] = field(default_factory=dict)
    _bottom_edge: dict[tuple[int, int], NDArray[np.int64]] = field(default_factory=dict)

    def add_tile(self, mask: NDArray[np.bool_], window: Window) -> None:
        """Label one tile's canopy, vectorise its pieces and join them to their neighbours."""
        row, col = int(window.row_off), int(window.col_off)
        labels, n = ndimage.label(mask)
        self._join(self._right_edge.pop((row, col), None), self._gids(labels[:, 0]))
        self._join(self._bottom_edge.pop((row, col), None), self._gids(labels[0, :]))
        self._right_edge[(row, col + mask.shape[1])] = self._gids(labels[:, -1])
        self._bottom_edge[(row + mask.shape[0], col)] = self._gids(labels[-1, :])
        if n:
            self._vectorise(labels, n, row, col)
        self._next_gid += n

    def _gids(self, labels: NDArray[np.int32]) -> NDArray[np.int64]:
        """Global ids of a row or column of labels (``-1`` where there is no canopy)."""
        return np.where(labels > 0, labels.astype(np.int64) + self._next_gid, _NO_PIXEL)

    def _join(self, before: NDArray[np.int64] | None, after: NDArray[np.int64]) -> None:
        if before is None:
            return
        both = (before != _NO_PIXEL) & (after != _NO_PIXEL)
        if both.any():
            self._pairs.append(np.stack([before[both], after[both]]))

    def _vectorise(self, labels: NDArray[np.int32], n: int, row: int, col: int) -> None:
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
        edge = np.zeros(n + 1, dtype=bool)
        for side in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
            edge[side] = True
        edge[0] = False
        wanted = edge | (sizes >= self.min_px)
        wanted[0] = False
        selected = wanted[labels]
        if not selected.any():
            return
        origin = Affine.translation(col, row)
        features = list(shapes(labels, mask=selected, connectivity=4, transform=origin))
        geoms = _polygons([geojson["coordinates"] for geojson, _ in features])
        label = np.asarray([value for _, value in features], dtype=np.int64)
        on_edge = edge[label]
        self._edge_geoms += list(geoms[on_edge])
        self._edge_n_px += sizes[label[on_edge]].tolist()
        self._edge_gid += (label[on_edge] + self._next_gid).tolist()
        self._geoms += list(geoms[~on_edge])
        self._n_px += sizes[label[~on_edge]].tolist()

    def finish(self) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
        """Return the patches (pixel coordinates) and their pixel counts, in raster order.

        Raster order: by the top row of the patch, then its left column, then its
        bottom row and right column; it does not depend on the tile size.
        """
        joined, joined_px = self._joined_edge_patches()
        geoms = np.array([*self._geoms, *joined], dtype=object)
        n_px = np.array([*self._n_px, *joined_px], dtype=np.int64)
        if not len(geoms):
            return geoms, n_px
        col0, row0, col1, row1 = shapely.bounds(geoms).T
        order = np.lexsort((-n_px, col1, row1, col0, row0))
        return geoms[order], n_px[order]

    def _joined_edge_patches(self) -> tuple[list[shapely.Geometry], list[int]]:
        if not self._edge_gid:
            return [], []
        gid = np.asarray(self._edge_gid, dtype=np.int64)
        n_px = np.asarray(self._edge_n_px, dtype=np.int64)
        pieces = np.asarray(self._edge_geoms, dtype=object)
        order = np.argsort(gid)
        pairs = np.concatenate(self._pairs, axis=1) if self._pairs else np.empty((2, 0), np.int64)
        left, right = (order[np.searchsorted(gid, p, sorter=order)] for p in pairs)
        graph = coo_array((np.ones(len(left), np.int8), (left, right)), shape=(len(gid),) * 2)
        n_groups, group = connected_components(graph, directed=False)
        group_px = np.bincount(group, weights=n_px, minlength=n_groups).astype(np.int64)
        kept = np.flatnonzero(group_px >= self.min_px)
        by_group = np.argsort(group, kind="stable")
        members = np.split(by_group, np.flatnonzero(np.diff(group[by_group])) + 1)
        geoms = [_union(pieces[members[g]]) for g in kept]
        logger.debug("%d tile-edge pieces joined into %d patches", len(gid), n_groups)
        return geoms, group_px[kept].tolist()


def _polygons(features: list[list[list[tuple[float, float]]]]) -> NDArray[np.object_]:
    """Build polygons from the GeoJSON rings of each (two shapely calls in all)."""
    rings = [np.asarray(ring, dtype=np.float64) for feature in features for ring in feature]
    if not rings:
        return np.empty(0, dtype=object)
    ring_of_point = np.repeat(np.arange(len(rings)), [len(ring) for ring in rings])
    polygon_of_ring = np.repeat(np.arange(len(features)), [len(feature) for feature in features])
    linear = shapely.linearrings(np.concatenate(rings), indices=ring_of_point)
    return shapely.polygons(linear, indices=polygon_of_ring)  # first ring shell, others holes


def _union(pieces: NDArray[np.object_]) -> shapely.Geometry:
    return pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)


def to_map_coordinates(geoms: NDArray[np.object_], transform: Affine) -> NDArray[np.object_]:
    """Move geometries from (column, row) pixel coordinates to the raster's CRS."""
    a, b, c, d, e, f = transform[:6]

    def _apply(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack([a * xy[:, 0] + b * xy[:, 1] + c, d * xy[:, 0] + e * xy[:, 1] + f])

    return shapely.transform(geoms, _apply)
