"""Walking-network distances from residences to greenspace entrances (helper of greenspace).

The street/path lines are noded at every crossing (:func:`shapely.node`) and every
straight segment becomes an undirected graph edge weighted by its length (metres).
Residences and entrances are *snapped* to the nearest point of the nearest segment;
the straight snap distance is added to the path. For each tier one multi-source
Dijkstra run (:func:`scipy.sparse.csgraph.dijkstra`, from a virtual node joined to
both ends of every qualifying entrance's segment with the entrance's offset) gives
the walking distance to the nearest qualifying entrance for every node at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["StreetGraph", "Snap", "NetworkSites", "site_entrances"]


@dataclass(frozen=True)
class Snap:
    """Points snapped to graph segments: segment, offsets to both ends, snap distance (m)."""

    segment: NDArray[np.int64]
    to_start: NDArray[np.float64]
    to_end: NDArray[np.float64]
    snap: NDArray[np.float64]

    def subset(self, keep: NDArray[np.bool_]) -> Snap:
        """Return the snapped points where ``keep`` is true."""
        return Snap(self.segment[keep], self.to_start[keep], self.to_end[keep], self.snap[keep])


class StreetGraph:
    """Noded street/path network as a weighted undirected graph.

    Parameters
    ----------
    lines : numpy.ndarray
        (Multi)linestrings of the network, metres.
    """

    def __init__(self, lines: NDArray[np.object_]) -> None:
        noded = shapely.get_parts(shapely.node(shapely.union_all(lines)))
        coords, part = shapely.get_coordinates(noded, return_index=True)
        same = part[1:] == part[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        keep = np.any(a != b, axis=1)
        a, b = a[keep], b[keep]
        nodes, inverse = np.unique(np.vstack([a, b]), axis=0, return_inverse=True)
        self.start, self.end = np.split(inverse.ravel(), 2)
        self.length = np.hypot(*(b - a).T)
        self.nodes = nodes
        self.segments = shapely.linestrings(np.stack([a, b], axis=1))
        self._tree = shapely.STRtree(self.segments)

    def snap(self, points: NDArray[np.object_]) -> Snap:
        """Snap points to the nearest point of the network."""
        (_, seg), dist = self._tree.query_nearest(points, return_distance=True, all_matches=False)
        along = shapely.line_locate_point(self.segments[seg], points)
        return Snap(seg, along, self.length[seg] - along, dist)

    def from_sources(self, sources: Snap) -> NDArray[np.float64]:
        """Shortest distance (m) from the nearest source, including its snap, to every node."""
        n = len(self.nodes)
        frame = pd.DataFrame(
            {
                "i": np.concatenate([self.start, np.full(2 * len(sources.segment), n)]),
                "j": np.concatenate(
                    [self.end, self.start[sources.segment], self.end[sources.segment]]
                ),
                "w": np.concatenate(
                    [
                        self.length,
                        sources.snap + sources.to_start,
                        sources.snap + sources.to_end,
                    ]
                ),
            }
        )
        edges = frame.groupby(["i", "j"], sort=False)["w"].min().reset_index()
        graph = csr_array(
            (edges["w"].to_numpy(), (edges["i"].to_numpy(), edges["j"].to_numpy())),
            shape=(n + 1, n + 1),
        )
        return dijkstra(graph, directed=False, indices=n)[:n]


@dataclass
class NetworkSites:
    """Entrances of sites prepared for repeated walking-distance queries from fixed residences.

    Parameters
    ----------
    graph : StreetGraph
        The street network.
    residences : Snap
        Residences snapped to ``graph``.
    entrances : Snap
        Entrances (access points, and for sites without any, street nodes inside the
        site) snapped to ``graph``.
    entrance_site : numpy.ndarray
        Site position of each entrance.
    """

    graph: StreetGraph
    residences: Snap
    entrances: Snap
    entrance_site: NDArray[np.int64]
    _same_segment: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        res = pd.DataFrame(
            {"seg": self.residences.segment, "r": np.arange(len(self.residences.segment))}
        )
        ent = pd.DataFrame(
            {"seg": self.entrances.segment, "e": np.arange(len(self.entrances.segment))}
        )
        self._same_segment = res.merge(ent, on="seg")

    def distance(self, qualifies: NDArray[np.bool_]) -> NDArray[np.float64]:
        r"""Return the walking distance (m) from each residence to the nearest qualifying entrance.

        Notes
        -----
        .. math:: d(r) = s_r + \min\big(a_r + D(u_r),\ b_r + D(v_r)\big)

        with :math:`s_r` the snap distance, :math:`a_r, b_r` the distances along its
        segment :math:`(u_r, v_r)` to the ends, and :math:`D` the multi-source Dijkstra
        distance; a residence on an entrance's own segment may also walk straight
        along it: :math:`s_r + |a_r - a_e| + s_e`. ``inf`` where no entrance is reachable.
        """
        use = qualifies[self.entrance_site]
        res = self.residences
        if not use.any():
            return np.full(len(res.segment), np.inf)
        node = self.graph.from_sources(self.entrances.subset(use))
        via_ends = np.minimum(
            res.to_start + node[self.graph.start[res.segment]],
            res.to_end + node[self.graph.end[res.segment]],
        )
        dist = res.snap + via_ends
        pairs = self._same_segment[use[self._same_segment["e"].to_numpy()]]
        if len(pairs):
            r, e = pairs["r"].to_numpy(), pairs["e"].to_numpy()
            direct = (
                res.snap[r]
                + np.abs(res.to_start[r] - self.entrances.to_start[e])
                + self.entrances.snap[e]
            )
            np.minimum.at(dist, r, direct)
        return dist


def site_entrances(
    graph: StreetGraph,
    geoms: NDArray[np.object_],
    ap_xy: NDArray[np.float64],
    ap_site: NDArray[np.int64],
) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Entrance points of every site and the site of each.

    A site's entrances are its access points; a site without any is entered at
    every network node on or inside it (a path through a park), and is
    unreachable when the network never touches it.
    """
    no_ap = np.ones(len(geoms), dtype=bool)
    no_ap[ap_site] = False
    node_points = shapely.points(graph.nodes)
    node, site = shapely.STRtree(node_points).query(geoms[no_ap], predicate="covers")
    return (
        np.concatenate([shapely.points(ap_xy), node_points[site]]),
        np.concatenate([ap_site, np.flatnonzero(no_ap)[node]]),
    )
