"""The demo city's water: rivers, canal, water bodies, SuDS and flood extents.

Two rivers cross the city: one from the north to the south along the east side
and one from the west, through the centre, to a confluence with the first. A
canal runs north from a basin by the centre. Flood Zone 3 is a corridor of
varying width along each river; Flood Zone 2 is a wider corridor that *contains*
Flood Zone 3, as in the Environment Agency's Flood Map for Planning (separate
FZ2 and FZ3 features, where the FZ2 extent covers the FZ3 area too). Surface
water risk is scattered patches with nested High / Medium / Low extents,
published as non-overlapping polygons, each area carrying its highest band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.affinity import scale
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from coventry_geo.demo.city import CENTRE
from coventry_geo.demo.shapes import GRID_M, blob, corridor, meander, sample_points, stream

__all__ = [
    "blue_lines",
    "water_bodies",
    "flood_zone_table",
    "surface_water_table",
]

_RIVER_NAMES = ("River Sowbourne", "River Shernal")


def blue_lines(seed: int) -> pd.DataFrame:
    """Return the two rivers and the canal as lines.

    Parameters
    ----------
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``blue_id``, ``name``, ``type`` ("river" or "canal"), ``geometry``.
    """
    rng = stream(seed, 20)
    cx, cy = CENTRE
    east = meander(
        rng,
        np.array([[cx + 2600, cy + 9500], [cx + 3400, cy], [cx + 2800, cy - 9500]]),
        amplitude=450.0,
    )
    confluence = shapely.get_coordinates(east.interpolate(0.62, normalized=True))[0]
    west = meander(
        rng,
        np.array([[cx - 9500, cy + 900], [cx - 300, cy - 350], confluence]),
        amplitude=350.0,
    )
    canal = meander(
        rng,
        np.array([[cx + 150, cy + 350], [cx - 400, cy + 4500], [cx - 900, cy + 9500]]),
        amplitude=150.0,
        n=120,
    )
    return pd.DataFrame(
        {
            "blue_id": ["DEMO-B01", "DEMO-B02", "DEMO-B03"],
            "name": [*_RIVER_NAMES, "Demo Canal"],
            "type": ["river", "river", "canal"],
            "geometry": [east, west, canal],
        }
    )


def water_bodies(
    seed: int, city: Polygon, parks: list[BaseGeometry], avoid: BaseGeometry
) -> pd.DataFrame:
    """Return ponds and a lake (``water_body``) and SuDS basins (``suds``).

    Ponds (0.05-1.5 ha) lie inside the given parks; the lake (about 8 ha) and
    the SuDS basins (0.05-0.4 ha, in the outer city) avoid ``avoid``.

    Parameters
    ----------
    seed : int
    city : shapely.Polygon
        The city boundary.
    parks : list of shapely geometries
        Parks that may hold a pond.
    avoid : shapely geometry
        Where the lake and SuDS must not be (greenspace, rivers).

    Returns
    -------
    pandas.DataFrame
        ``blue_id``, ``name``, ``type``, ``geometry``.
    """
    rng = stream(seed, 21)
    geoms: list[BaseGeometry] = []
    types: list[str] = []
    for park in parks:
        pond = _inside(rng, park.buffer(-25.0), rng.uniform(500, 15_000))
        if pond is not None:
            geoms.append(pond)
            types.append("water_body")
    outer = city.difference(shapely.Point(CENTRE).buffer(3500.0)).difference(avoid).buffer(-20.0)
    lake = _inside(rng, city.difference(avoid).buffer(-60.0), 80_000.0)
    for geom, kind in [(lake, "water_body")] + [
        (_inside(rng, outer, rng.uniform(500, 4000)), "suds") for _ in range(8)
    ]:
        if geom is not None:
            geoms.append(geom)
            types.append(kind)
    label = {"water_body": "Pond", "suds": "SuDS basin"}
    names = [f"{label[t]} {i + 1}" for i, t in enumerate(types)]
    return pd.DataFrame(
        {
            "blue_id": [f"DEMO-P{i + 1:02d}" for i in range(len(geoms))],
            "name": names,
            "type": types,
            "geometry": geoms,
        }
    )


def _inside(rng: np.random.Generator, room: BaseGeometry, area_m2: float) -> BaseGeometry | None:
    """Return a blob of ``area_m2`` inside ``room`` (None when there is no room)."""
    if room.is_empty or room.area < 4 * area_m2:
        return None
    for xy in sample_points(rng, room, 12):
        shape = blob(rng, (xy[0], xy[1]), area_m2, wobble=0.3, aspect=rng.uniform(1, 2))
        if room.contains(shape):
            return shape
    return None


def flood_zone_table(seed: int, rivers: list[LineString], extent: BaseGeometry) -> pd.DataFrame:
    """Return Flood Zone 3 and Flood Zone 2 polygons along the rivers.

    FZ3 half-widths vary smoothly from 40 to 160 m; FZ2 adds 40 to 220 m more.
    The FZ2 features cover the FZ3 area too (the Environment Agency's
    convention).

    Parameters
    ----------
    seed : int
    rivers : list of shapely.LineString
    extent : shapely geometry
        The flood extents are clipped to it.

    Returns
    -------
    pandas.DataFrame
        ``fz_id``, ``flood_zone`` (2 or 3), ``geometry``; one polygon per row.
    """
    rng = stream(seed, 22)
    fz3, fz2 = [], []
    for river in rivers:
        n = len(shapely.get_coordinates(river))
        w3 = 100.0 + 60.0 * _smooth_wave(rng, n)
        w2 = w3 + 130.0 + 90.0 * _smooth_wave(rng, n)
        fz3.append(corridor(river, w3))
        fz2.append(corridor(river, w2))
    rows = []
    for zone, parts in ((3, fz3), (2, fz2)):
        merged = shapely.intersection(shapely.union_all(parts), extent, grid_size=GRID_M)
        rows += [(zone, geom) for geom in shapely.get_parts(merged)]
    return pd.DataFrame(
        {
            "fz_id": [f"DEMO-FZ{i + 1:03d}" for i in range(len(rows))],
            "flood_zone": [r[0] for r in rows],
            "geometry": [r[1] for r in rows],
        }
    )


def _smooth_wave(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return a smooth random series in [-1, 1] of length n."""
    s = np.linspace(0.0, 1.0, n)
    waves = rng.uniform(1.5, 6.0, 3)
    phases = rng.uniform(0.0, 2 * np.pi, 3)
    return np.sin(2 * np.pi * waves[:, None] * s + phases[:, None]).mean(0)


def surface_water_table(seed: int, city: Polygon) -> pd.DataFrame:
    """Return surface-water risk patches, one polygon per band and patch.

    Each of 260 patches is an elongated Low-risk extent (0.1-4 ha) with a
    Medium extent inside it and often a High extent inside that; the polygons
    are published without overlaps (Low = Low extent minus Medium extent ...).

    Parameters
    ----------
    seed : int
    city : shapely.Polygon

    Returns
    -------
    pandas.DataFrame
        ``risk_band`` ("High", "Medium", "Low"), ``geometry``.
    """
    rng = stream(seed, 23)
    rows: list[tuple[str, BaseGeometry]] = []
    taken: list[BaseGeometry] = []
    for xy in sample_points(rng, city.buffer(-100.0), 260):
        area = rng.lognormal(np.log(9000), 0.8)
        low = blob(rng, (xy[0], xy[1]), area, aspect=rng.uniform(1.5, 4))
        if low.area > 60_000 or (taken and shapely.dwithin(np.asarray(taken), low, 15.0).any()):
            continue
        taken.append(low)
        medium = shapely.set_precision(scale(low, 0.6, 0.6, origin=(xy[0], xy[1])), GRID_M)
        high = shapely.set_precision(scale(low, 0.3, 0.3, origin=(xy[0], xy[1])), GRID_M)
        rows.append(("Low", low.difference(medium, grid_size=GRID_M)))
        if rng.uniform() < 0.7:
            rows += [("Medium", medium.difference(high, grid_size=GRID_M)), ("High", high)]
        else:
            rows.append(("Medium", medium))
    return pd.DataFrame({"risk_band": [r[0] for r in rows], "geometry": [r[1] for r in rows]})
