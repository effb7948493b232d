"""The demo city's greenspace and nature reserves, residential land and heat network zones.

Greenspace follows OS Open Greenspace's functions. Inside the city there are
riverside parks and nature reserves, one large park, some 150 sites from pocket
parks (0.1 ha) up, and a few parcels that touch or lie a few metres apart (so
that merging parcels into sites matters). Outside the city, up to 10 km from
its boundary, there is a forest of about 600 ha, sites of 100 ha and more,
20 ha and more, village sites, and four small woods near 9.9 km in each compass
direction so the layer reaches 10 km beyond the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from coventry_geo.demo.city import CENTRE
from coventry_geo.demo.shapes import GRID_M, blob, corridor, place_names, sample_points, stream

__all__ = [
    "GREENSPACE_TYPES",
    "greenspace_table",
    "access_point_table",
    "nature_reserve_table",
    "residential_land_table",
    "heat_network_table",
]

GREENSPACE_TYPES = (
    "Public Park Or Garden",
    "Playing Field",
    "Allotments Or Community Growing Spaces",
    "Nature Reserve",
    "Woodland",
    "Cemetery",
    "Golf Course",
    "Play Space",
    "Religious Grounds",
)
_PARK, _FIELD, _ALLOT, _RESERVE, _WOOD, _CEMETERY, _GOLF, _PLAY, _RELIGIOUS = GREENSPACE_TYPES

#: type -> (share of sites in the city, median area ha, log-sd, chance of public access).
_CITY_MIX = {
    _PARK: (0.30, 2.5, 1.0, 1.0),
    _FIELD: (0.20, 3.0, 0.6, 0.6),
    _ALLOT: (0.12, 1.5, 0.6, 0.0),
    _RESERVE: (0.05, 6.0, 0.6, 1.0),
    _WOOD: (0.08, 3.0, 0.8, 0.8),
    _CEMETERY: (0.04, 6.0, 0.5, 1.0),
    _GOLF: (0.01, 40.0, 0.2, 0.0),
    _PLAY: (0.10, 0.2, 0.4, 1.0),
    _RELIGIOUS: (0.10, 0.3, 0.5, 0.5),
}
_SUFFIX = {
    _PARK: "Park",
    _FIELD: "Playing Fields",
    _ALLOT: "Allotments",
    _RESERVE: "Local Nature Reserve",
    _WOOD: "Wood",
    _CEMETERY: "Cemetery",
    _GOLF: "Golf Club",
    _PLAY: "Play Area",
    _RELIGIOUS: "Churchyard",
}
_MAX_COVER = 0.6


@dataclass
class _Sites:
    """Greenspace sites under construction, with the checks that place them."""

    rng: np.random.Generator
    cells: np.ndarray
    names: list[str]
    geoms: list[BaseGeometry]
    types: list[str]
    public: list[bool]

    def __post_init__(self) -> None:
        self.tree = shapely.STRtree(self.cells)
        self.cover = np.zeros(len(self.cells))
        self.cell_area = shapely.area(self.cells)

    def fits(self, geom: BaseGeometry, room: BaseGeometry, gap: float) -> bool:
        """Whether ``geom`` lies in ``room``, ``gap`` m from every site, and leaves homes room."""
        if not room.contains(geom):
            return False
        if self.geoms and shapely.dwithin(np.asarray(self.geoms), geom, gap).any():
            return False
        idx = self.tree.query(geom, predicate="intersects")
        extra = shapely.area(shapely.intersection(self.cells[idx], geom))
        return bool(((self.cover[idx] + extra) / self.cell_area[idx] <= _MAX_COVER).all())

    def add(self, geom: BaseGeometry, kind: str, *, public: bool) -> None:
        """Add a site (and count its area against the small areas it covers)."""
        idx = self.tree.query(geom, predicate="intersects")
        self.cover[idx] += shapely.area(shapely.intersection(self.cells[idx], geom))
        self.geoms.append(geom)
        self.types.append(kind)
        self.public.append(public)

    def place(
        self, room: BaseGeometry, area_m2: float, kind: str, *, gap: float = 20.0, tries: int = 15
    ) -> BaseGeometry | None:
        """Place a blob of ``area_m2`` somewhere in ``room``; return it (None if it never fits)."""
        access = _CITY_MIX[kind][3]
        for xy in sample_points(self.rng, room, tries):
            geom = blob(self.rng, (xy[0], xy[1]), area_m2, aspect=self.rng.uniform(1.0, 2.2))
            if self.fits(geom, room, gap):
                self.add(geom, kind, public=bool(self.rng.uniform() < access))
                return geom
        return None


def greenspace_table(
    seed: int, city: Polygon, cells: np.ndarray, rivers: list[LineString]
) -> tuple[pd.DataFrame, list[BaseGeometry]]:
    """Return the greenspace sites, and the larger city parks (to hold ponds).

    Parameters
    ----------
    seed : int
    city : shapely.Polygon
        The city boundary.
    cells : numpy.ndarray of shapely geometries
        The small areas (no site may cover more than 60 % of one).
    rivers : list of shapely.LineString

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``name``, ``type``, ``access``, ``natural``, ``geometry``.
    list of shapely geometries
        Parks of 3 ha or more inside the city.
    """
    rng = stream(seed, 30)
    sites = _Sites(rng, cells, place_names(rng, 400), [], [], [])
    inner = city.buffer(-15.0)
    _riverside(sites, inner, rivers)
    sites.place(inner.difference(Point(CENTRE).buffer(1500.0)), 600_000.0, _PARK, tries=40)
    core = Point(CENTRE).buffer(1200.0).intersection(inner)
    for _ in range(6):
        sites.place(core, rng.uniform(1000, 3000), _PARK)
    _city_mix(sites, inner, 260)
    _adjoining(sites)
    kinds = zip(sites.geoms, sites.types, strict=True)
    ponds = [g for g, t in kinds if t == _PARK and g.area > 3e4]
    _countryside(sites, city)
    return _site_frame(sites), ponds


def _riverside(sites: _Sites, inner: BaseGeometry, rivers: list[LineString]) -> None:
    for river, start in zip(rivers, (0.42, 0.25), strict=True):
        for kind, offset in ((_RESERVE, 0.0), (_PARK, 0.1)):
            piece = substring(river, start + offset, start + offset + 0.06, normalized=True)
            width = sites.rng.uniform(60, 110) + 20 * np.sin(np.linspace(0, 3, len(piece.coords)))
            geom = corridor(piece, width).intersection(inner, grid_size=GRID_M)
            if isinstance(geom, Polygon) and sites.fits(geom, inner, 20.0):
                sites.add(geom, kind, public=True)


def _city_mix(sites: _Sites, inner: BaseGeometry, n: int) -> None:
    rng = sites.rng
    kinds = list(_CITY_MIX)
    share = np.array([v[0] for v in _CITY_MIX.values()])
    core = Point(CENTRE).buffer(3000.0)
    for kind in rng.choice(kinds, size=n, p=share / share.sum()):
        _, median_ha, sd, _ = _CITY_MIX[kind]
        area = np.clip(rng.lognormal(np.log(median_ha), sd), 0.1, 60.0) * 1e4
        room = inner.difference(core) if kind in (_GOLF, _WOOD, _CEMETERY) else inner
        sites.place(room, area, str(kind))


def _adjoining(sites: _Sites) -> None:
    """Split two parks into touching parcels and two more into parcels 6 m apart."""
    big = [
        i
        for i, (g, t) in enumerate(zip(sites.geoms, sites.types, strict=True))
        if t == _PARK and 30_000 < g.area < 300_000
    ]
    for n, i in enumerate(big[:4]):
        first, second = _cut(sites.geoms[i], sites.rng.uniform(0, np.pi), gap=0.0 if n < 2 else 3.0)
        sites.geoms[i] = first
        sites.geoms.append(second)
        sites.types.append(_FIELD)
        sites.public.append(True)
        sites.names.insert(len(sites.geoms) - 1, sites.names[i])


def _cut(geom: BaseGeometry, angle: float, *, gap: float) -> tuple[BaseGeometry, BaseGeometry]:
    """Cut a polygon across its centroid into two parcels ``2 * gap`` metres apart."""
    c = geom.centroid
    d = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-d[1], d[0]])
    far = 1e5
    halves = []
    for side in (1.0, -1.0):
        base = np.array([c.x, c.y]) + side * gap * n
        quad = [
            base - far * d,
            base + far * d,
            base + far * d + side * far * n,
            base - far * d + side * far * n,
        ]
        part = geom.intersection(Polygon(quad), grid_size=GRID_M)
        parts = shapely.get_parts(part)
        halves.append(parts[np.argmax(shapely.area(parts))])
    return halves[0], halves[1]


def _countryside(sites: _Sites, city: Polygon) -> None:
    """Place the sites outside the city, up to 10 km from its boundary."""
    rng = sites.rng
    ring = city.buffer(10_000.0).difference(city.buffer(200.0))
    far = ring.difference(city.buffer(4_000.0))
    plan = [(far, 6.0e6, _WOOD, 1.0)]
    plan += [
        (ring, rng.uniform(1.0e6, 2.5e6), k, a)
        for k, a in ((_PARK, 1.0), (_RESERVE, 1.0), (_GOLF, 0.0), (_WOOD, 1.0))
    ]
    plan += [(ring, rng.uniform(2e5, 6e5), k, 1.0) for k in (_PARK, _WOOD, _RESERVE, _FIELD) * 2]
    kinds = rng.choice([_PARK, _FIELD, _WOOD, _RELIGIOUS, _ALLOT], size=40)
    plan += [(ring, rng.uniform(5e3, 8e4), str(k), 0.7) for k in kinds]
    for room, area, kind, access in plan:
        for xy in sample_points(rng, room, 30):
            geom = blob(rng, (xy[0], xy[1]), area, aspect=rng.uniform(1.0, 1.8))
            if sites.fits(geom, ring, 50.0):
                sites.add(geom, kind, public=bool(rng.uniform() < access))
                break
    _compass_woods(sites, city)


def _compass_woods(sites: _Sites, city: Polygon) -> None:
    """Place a 2 ha wood about 10.15 km beyond the city's extreme point in each direction.

    The greenspace layer then reaches past 10 km on every side, so the 10 km
    ANGSt tier can be judged for every residence.
    """
    xy = shapely.get_coordinates(city)
    for axis, sign in ((0, 1), (0, -1), (1, 1), (1, -1)):
        extreme = xy[np.argmax(sign * xy[:, axis])].copy()
        extreme[axis] += sign * 10_150.0
        wood = blob(sites.rng, (extreme[0], extreme[1]), 20_000.0, wobble=0.1)
        sites.add(wood, _WOOD, public=True)


def _site_frame(sites: _Sites) -> pd.DataFrame:
    n = len(sites.geoms)
    natural = [t in (_RESERVE, _WOOD) for t in sites.types]
    return pd.DataFrame(
        {
            "site_id": [f"DEMO-G{i + 1:04d}" for i in range(n)],
            "name": [_site_name(s, t) for s, t in zip(sites.names, sites.types, strict=False)],
            "type": sites.types,
            "access": [_access(t, p) for t, p in zip(sites.types, sites.public, strict=True)],
            "natural": natural,
            "geometry": sites.geoms,
        }
    )


def _site_name(stem: str, kind: str) -> str:
    if kind == _RELIGIOUS:
        return f"St {stem}'s {_SUFFIX[kind]}"
    return f"{stem} {_SUFFIX[kind]}"


def _access(kind: str, public: bool) -> str:
    if public:
        return "public"
    return "private" if kind in (_GOLF, _WOOD) else "restricted"


def access_point_table(seed: int, greenspace: pd.DataFrame) -> pd.DataFrame:
    r"""Return entrances on the boundaries of the public sites.

    A site of perimeter :math:`P` (m) has :math:`\\min(10, \\max(1, \\lfloor P/400 \\rceil))`
    entrances spread along its outline; on sites of 5 ha or more the first is a
    "Motor Vehicle And Pedestrian" entrance, the others "Pedestrian".

    Parameters
    ----------
    seed : int
    greenspace : pandas.DataFrame
        From :func:`greenspace_table`.

    Returns
    -------
    pandas.DataFrame
        ``access_id``, ``site_id``, ``access_type``, ``geometry``.
    """
    rng = stream(seed, 31)
    public = greenspace[greenspace["access"] == "public"]
    rows: list[tuple[str, str, Point]] = []
    for site_id, geom in zip(public["site_id"], public["geometry"], strict=True):
        ring = geom.exterior
        n = int(np.clip(round(ring.length / 400.0), 1, 10))
        where = (np.arange(n) + rng.uniform(0.2, 0.8, n)) / n
        points = shapely.line_interpolate_point(ring, where, normalized=True)
        points = shapely.set_precision(points, GRID_M)
        first = "Motor Vehicle And Pedestrian" if geom.area >= 5e4 else "Pedestrian"
        rows += [(site_id, first if k == 0 else "Pedestrian", p) for k, p in enumerate(points)]
    return pd.DataFrame(
        {
            "access_id": [f"DEMO-A{i + 1:05d}" for i in range(len(rows))],
            "site_id": [r[0] for r in rows],
            "access_type": [r[1] for r in rows],
            "geometry": [r[2] for r in rows],
        }
    )


def nature_reserve_table(seed: int, greenspace: pd.DataFrame, city: Polygon) -> pd.DataFrame:
    """Return Local Nature Reserves in Natural England's published columns.

    Two in three of the nature-reserve sites within 2 km of the city are declared
    LNRs (their whole site), and so is the northern half of the city's largest
    public park, as councils often declare part of a park. Reserves further out
    are left out, as a download clipped to the city and its surroundings would.

    Parameters
    ----------
    seed : int
    greenspace : pandas.DataFrame
        From :func:`greenspace_table`.
    city : shapely.Polygon

    Returns
    -------
    pandas.DataFrame
        ``LNR_NAME``, ``LNR_AREA`` (ha, 2 decimals), ``REFERENCE`` (4-figure grid
        reference), ``STATUS`` ("Declared"), ``geometry``.
    """
    rng = stream(seed, 33)
    near = shapely.dwithin(np.asarray(greenspace["geometry"]), city, 2000.0)
    reserves = greenspace[near & (greenspace["type"] == _RESERVE).to_numpy()]
    chosen = reserves[rng.uniform(size=len(reserves)) < 2 / 3]
    names, geoms = list(chosen["name"]), list(chosen["geometry"])
    inside = shapely.within(np.asarray(greenspace["geometry"]), city)
    parks = greenspace[inside & (greenspace["type"] == _PARK).to_numpy()]
    park = parks.loc[parks["geometry"].map(lambda g: g.area).idxmax()]
    minx, miny, maxx, maxy = park["geometry"].bounds
    north = shapely.box(minx, (miny + maxy) / 2, maxx, maxy)
    names.append(f"{str(park['name']).removesuffix(' Park')} Meadows Local Nature Reserve")
    geoms.append(park["geometry"].intersection(north, grid_size=GRID_M))
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(geoms)))
    return pd.DataFrame(
        {
            "LNR_NAME": names,
            "LNR_AREA": np.round(shapely.area(np.asarray(geoms)) / 1e4, 2),
            "REFERENCE": [_grid_reference(x, y) for x, y in centres],
            "STATUS": "Declared",
            "geometry": geoms,
        }
    )


def _grid_reference(x: float, y: float) -> str:
    """Four-figure Ordnance Survey grid reference in the SP square (the demo lies in it)."""
    return f"SP{int(x - 400_000) // 1000:02d}{int(y - 200_000) // 1000:02d}"


def residential_land_table(
    city: Polygon, greenspace: pd.DataFrame, water: pd.DataFrame
) -> pd.DataFrame:
    """Return residential land as OpenStreetMap's ``landuse=residential`` would draw it.

    The city less its greenspace and water, in separate polygons. The demo's
    residences stand on exactly this land (and off 10 m river banks), so an
    estimate restricted to it is as good as a residential layer can make it.

    Parameters
    ----------
    city : shapely.Polygon
    greenspace, water : pandas.DataFrame
        From :func:`greenspace_table` and :func:`coventry_geo.demo.water.water_bodies`.

    Returns
    -------
    pandas.DataFrame
        ``landuse`` ("residential") and ``geometry``, one row per polygon.
    """
    taken = shapely.union_all([*greenspace["geometry"], *water["geometry"]], grid_size=GRID_M)
    land = shapely.difference(city, taken, grid_size=GRID_M)
    parts = shapely.get_parts(land)
    parts = parts[shapely.area(parts) > 0]
    return pd.DataFrame({"landuse": "residential", "geometry": list(parts)})


def heat_network_table(seed: int, city: Polygon) -> pd.DataFrame:
    r"""Return four heat network zones over the dense centre.

    Zone demand is its area times a heat-demand density that falls from
    90,000 MWh/km²/year at the centre:

    .. math:: D = A_{km^2} \\cdot 90\\,000\\, e^{-d/3000}

    with :math:`d` the distance (m) of the zone's centroid to the centre.

    Parameters
    ----------
    seed : int
    city : shapely.Polygon

    Returns
    -------
    pandas.DataFrame
        ``zone_id``, ``name``, ``heat_demand`` (MWh/year), ``geometry``.
    """
    rng = stream(seed, 32)
    names = ["City Centre"] + place_names(rng, 3)
    angles = rng.uniform(0, 2 * np.pi) + np.array([0.0, 2.1, 4.2])
    centres = [CENTRE] + [
        (CENTRE[0] + 2000 * np.cos(a), CENTRE[1] + 2000 * np.sin(a)) for a in angles
    ]
    taken: BaseGeometry = Polygon()
    geoms = []
    for centre, area in zip(centres, (3.0e6, 1.2e6, 1.0e6, 0.8e6), strict=True):
        zone = blob(rng, centre, area, wobble=0.3, aspect=rng.uniform(1.0, 1.6))
        zone = zone.difference(taken, grid_size=GRID_M).intersection(city, grid_size=GRID_M)
        parts = shapely.get_parts(zone)
        geoms.append(parts[np.argmax(shapely.area(parts))])
        taken = taken.union(geoms[-1])
    d = np.hypot(*(shapely.get_coordinates(shapely.centroid(geoms)) - CENTRE).T)
    demand = shapely.area(geoms) / 1e6 * 90_000.0 * np.exp(-d / 3000.0)
    return pd.DataFrame(
        {
            "zone_id": [f"DEMO-HNZ{i + 1}" for i in range(len(geoms))],
            "name": [f"{n} Heat Network Zone" for n in names],
            "heat_demand": np.round(demand, 0),
            "geometry": geoms,
        }
    )
