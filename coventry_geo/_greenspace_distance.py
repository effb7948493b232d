"""Exact straight-line distances from many points to polygon boundaries, fast.

The boundary of every polygon is kept as its own straight segments (never
densified). Each segment gets *key points*: the centres of ``ceil(L / step)``
equal pieces, so every point of the segment lies within ``step / 2`` of one of
its keys. A k-d tree over the keys finds, for each query point, the ``k`` nearest
keys; the exact point-to-segment distance is computed for their segments. Every
other segment is at least ``d_k - step / 2`` away (``d_k``: distance to the k-th
key), so when the best exact distance found is no more than that bound it is the
exact minimum. Points that fail the test are retried with four times more keys,
until every point is certified or all keys were examined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Segments", "boundary_segments", "BoundaryIndex", "point_segment_distance2"]

_FIRST_K = 8
_K_GROWTH = 4


@dataclass(frozen=True)
class Segments:
    """Straight boundary segments ``a -> a + (dx, dy)`` and the polygon owning each.

    Components are kept as separate contiguous arrays so that distance evaluation
    streams through memory; ``inv_len2`` is ``1 / (dx² + dy²)`` (0 for a
    zero-length segment, whose distance is then the distance to ``a``).
    """

    ax: NDArray[np.float64]
    ay: NDArray[np.float64]
    dx: NDArray[np.float64]
    dy: NDArray[np.float64]
    inv_len2: NDArray[np.float64]
    owner: NDArray[np.int64]

    @classmethod
    def from_coords(
        cls, a: NDArray[np.float64], b: NDArray[np.float64], owner: NDArray[np.int64]
    ) -> Segments:
        """Segments from ``(n, 2)`` start and end coordinates."""
        d = b - a
        len2 = d[:, 0] ** 2 + d[:, 1] ** 2
        inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)
        return cls(a[:, 0].copy(), a[:, 1].copy(), d[:, 0].copy(), d[:, 1].copy(), inv, owner)

    def __len__(self) -> int:
        return len(self.owner)

    def subset(self, owners: NDArray[np.bool_]) -> Segments:
        """Segments of the polygons where ``owners`` (a mask over polygon positions) is true."""
        keep = owners[self.owner]
        return Segments(
            self.ax[keep],
            self.ay[keep],
            self.dx[keep],
            self.dy[keep],
            self.inv_len2[keep],
            self.owner[keep],
        )


def boundary_segments(geoms: NDArray[np.object_]) -> Segments:
    """Every ring segment of an array of (multi)polygons, labelled by array position."""
    lines, owner = shapely.get_parts(shapely.boundary(geoms), return_index=True)
    coords, line = shapely.get_coordinates(lines, return_index=True)
    same_line = line[1:] == line[:-1]
    return Segments.from_coords(
        coords[:-1][same_line], coords[1:][same_line], owner[line[:-1][same_line]]
    )


def point_segment_distance2(
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    segments: Segments,
    seg: NDArray[np.int64],
) -> NDArray[np.float64]:
    r"""Squared distance from points ``(px, py)`` to segments ``seg`` (any equal shapes).

    Notes
    -----
    .. math:: t = \operatorname{clip}\left(\frac{(p-a)\cdot(b-a)}{\lVert b-a\rVert^2},
              0, 1\right), \quad d^2 = \lVert p - a - t\,(b-a) \rVert^2
    """
    dx = segments.dx[seg]
    dy = segments.dy[seg]
    ex = px - segments.ax[seg]
    ey = py - segments.ay[seg]
    t = (ex * dx + ey * dy) * segments.inv_len2[seg]
    np.clip(t, 0.0, 1.0, out=t)
    ex -= t * dx
    ey -= t * dy
    return ex * ex + ey * ey


class BoundaryIndex:
    """Exact nearest-boundary distance queries against a fixed set of segments.

    Parameters
    ----------
    segments : Segments
        The boundary segments (at least one).
    step_m : float
        Largest spacing of key points along a segment, metres. Only speed depends
        on it, never the answer.
    """

    def __init__(self, segments: Segments, *, step_m: float) -> None:
        self.segments = segments
        length = np.hypot(segments.dx, segments.dy)
        pieces = np.maximum(np.ceil(length / step_m), 1).astype(np.int64)
        self._key_seg = np.repeat(np.arange(len(pieces)), pieces)
        starts = np.cumsum(pieces) - pieces
        frac = (np.arange(len(self._key_seg)) - starts[self._key_seg] + 0.5) / pieces[self._key_seg]
        keys = np.column_stack(
            (
                segments.ax[self._key_seg] + frac * segments.dx[self._key_seg],
                segments.ay[self._key_seg] + frac * segments.dy[self._key_seg],
            )
        )
        self._tree = cKDTree(keys)
        self._half_step = 0.5 * step_m

    def distance(self, xy: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Exact distance from each point to the nearest segment, and that segment's owner.

        Parameters
        ----------
        xy : numpy.ndarray
            ``(n, 2)`` point coordinates, metres.

        Returns
        -------
        tuple of numpy.ndarray
            Distances (metres) and owner positions, each of length ``n``.
        """
        dist = np.empty(len(xy))
        owner = np.empty(len(xy), dtype=np.int64)
        todo = np.arange(len(xy))
        k = _FIRST_K
        while todo.size:
            done, best, seg = self._try(xy[todo], k)
            dist[todo[done]] = best[done]
            owner[todo[done]] = self.segments.owner[seg[done]]
            todo = todo[~done]
            k *= _K_GROWTH
        return dist, owner

    def _try(
        self, xy: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.int64]]:
        """Best exact distance over the segments of the ``k`` nearest keys, and if it is certain."""
        k = min(k, self._tree.n)
        key_dist, key_idx = self._tree.query(xy, k=k, workers=-1)
        key_dist = key_dist.reshape(len(xy), k)
        seg = self._key_seg[key_idx.reshape(len(xy), k)]
        d2 = point_segment_distance2(xy[:, :1], xy[:, 1:], self.segments, seg)
        col = d2.argmin(axis=1)
        rows = np.arange(len(xy))
        best = np.sqrt(d2[rows, col])
        if k == self._tree.n:
            return np.ones(len(xy), dtype=bool), best, seg[rows, col]
        return best <= key_dist[:, -1] - self._half_step, best, seg[rows, col]
