"""Exact straight-line distances from many points to polygon boundaries, fast.

Every ring of every polygon is cut into *pieces* of at most ``PIECE_SEGMENTS``
consecutive whole segments, starting a new piece every ``PIECE_LENGTH_M`` of
ring (the vertices are kept as they are, never densified or simplified). A GEOS
STRtree over the pieces answers, for each point, the exact distance to the
nearest piece by branch and bound on the pieces' envelopes; each exact
evaluation touches only one short piece, so the cost does not grow with the
number of vertices of a site (real OS Open Greenspace outlines carry a vertex
every metre or two). Queries run on all cores in threads (GEOS releases the GIL).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["PIECE_SEGMENTS", "PIECE_LENGTH_M", "boundary_pieces", "BoundaryIndex"]

#: Segments per boundary piece (speed only, never accuracy).
PIECE_SEGMENTS = 8
#: Largest length of boundary run per piece, metres (speed only, never accuracy).
PIECE_LENGTH_M = 50.0
_MIN_POINTS_PER_THREAD = 20_000


def boundary_pieces(
    geoms: NDArray[np.object_],
    *,
    max_segments: int = PIECE_SEGMENTS,
    max_length_m: float = PIECE_LENGTH_M,
) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Cut every ring of an array of (multi)polygons into short runs of whole segments.

    A new piece starts after ``max_segments`` segments and wherever the length run
    along the ring crosses a multiple of ``max_length_m``, so that pieces are short
    both on densely noded outlines and on outlines of long straight edges.

    Returns
    -------
    tuple of numpy.ndarray
        The pieces (consecutive pieces share an end vertex) and the position in
        ``geoms`` of the polygon owning each.
    """
    lines, owner = shapely.get_parts(shapely.boundary(geoms), return_index=True)
    coords, line = shapely.get_coordinates(lines, return_index=True)
    is_seg = np.flatnonzero(line[1:] == line[:-1])  # segment coords[i] -> coords[i + 1]
    seg_line = line[is_seg]
    length = np.hypot(*(coords[is_seg + 1] - coords[is_seg]).T)
    run = np.cumsum(length) - length
    line_first = np.r_[True, seg_line[1:] != seg_line[:-1]]
    run -= np.maximum.accumulate(np.where(line_first, run, 0.0))
    stretch = np.floor(run / max_length_m).astype(np.int64)
    new_stretch = line_first | np.r_[True, stretch[1:] != stretch[:-1]]
    stretch_id = np.cumsum(new_stretch) - 1
    rank = np.arange(len(is_seg)) - np.flatnonzero(new_stretch)[stretch_id]
    piece_start = new_stretch | (rank % max_segments == 0)
    piece = np.cumsum(piece_start) - 1
    first_seg = np.flatnonzero(piece_start)
    size = np.bincount(piece) + 1  # vertices per piece
    take = np.repeat(is_seg[first_seg] - np.cumsum(size) + size, size) + np.arange(size.sum())
    pieces = shapely.linestrings(coords[take], indices=np.repeat(np.arange(len(size)), size))
    return pieces, owner[seg_line[first_seg]]


class BoundaryIndex:
    """Exact nearest-boundary distance queries against a fixed set of boundary pieces.

    Parameters
    ----------
    pieces : numpy.ndarray
        Boundary pieces (linestrings, at least one), e.g. from :func:`boundary_pieces`.
    owner : numpy.ndarray
        Position of the polygon owning each piece.
    """

    def __init__(self, pieces: NDArray[np.object_], owner: NDArray[np.int64]) -> None:
        self._tree = shapely.STRtree(pieces)
        self._owner = owner

    def distance(
        self, points: NDArray[np.object_]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Exact distance (metres) from each point to the nearest piece, and that piece's owner.

        Parameters
        ----------
        points : numpy.ndarray
            Shapely points; spatially sorted points query fastest.

        Returns
        -------
        tuple of numpy.ndarray
            Distances (metres) and owner positions, each of length ``len(points)``.
        """
        if not len(points):
            return np.empty(0), np.empty(0, dtype=np.int64)
        n_threads = int(np.clip(len(points) // _MIN_POINTS_PER_THREAD, 1, os.cpu_count() or 1))
        with ThreadPoolExecutor(n_threads) as pool:
            parts = list(pool.map(self._query, np.array_split(points, n_threads)))
        dist = np.concatenate([d for d, _ in parts])
        piece = np.concatenate([p for _, p in parts])
        return dist, self._owner[piece]

    def _query(self, points: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Nearest piece of each point (one thread's share)."""
        (point, piece), dist = self._tree.query_nearest(
            points, return_distance=True, all_matches=False
        )
        out_piece = np.empty(len(points), dtype=np.int64)
        out_dist = np.empty(len(points))
        out_piece[point] = piece
        out_dist[point] = dist
        return out_dist, out_piece
