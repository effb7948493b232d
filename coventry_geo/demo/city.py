"""The demo city's zones and people: boundary, wards, small areas, residences.

Small areas are the Voronoi cells of 200 seeds, clipped to an irregular city
boundary; seeds are denser where the (invented) population density is higher,
so small areas hold similar numbers of people. Wards are groups of whole small
areas, so the nesting is exact and the 18 wards tile the city without gaps or
overlaps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2
from scipy.stats import lognorm
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from coventry_geo.demo.shapes import GRID_M, place_names, sample_points, stream

__all__ = [
    "CENTRE",
    "CITY_AREA_M2",
    "POPULATION",
    "N_RESIDENCES",
    "N_WARDS",
    "N_SMALL_AREAS",
    "city_boundary",
    "small_area_cells",
    "ward_groups",
    "ward_table",
    "small_area_table",
    "residence_table",
    "postcode_table",
]

#: Centre of the demo city (E, N in EPSG:27700): Coventry's location.
CENTRE = (433_500.0, 279_000.0)
CITY_AREA_M2 = 100e6
POPULATION = 345_000
N_RESIDENCES = 140_000
N_WARDS = 18
N_SMALL_AREAS = 200
#: Number of LSOAs in England (IMD 2019), for national ranks and deciles.
N_NATIONAL = 32_844
_NATIONAL_MEDIAN_SCORE = 17.5
_NATIONAL_SIGMA = 0.52


def _distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.hypot(x - CENTRE[0], y - CENTRE[1])


def city_boundary(seed: int) -> Polygon:
    """Return the irregular city boundary, about 100 km² around :data:`CENTRE`.

    Parameters
    ----------
    seed : int

    Returns
    -------
    shapely.Polygon
    """
    rng = stream(seed, 1)
    theta = np.linspace(0.0, 2.0 * np.pi, 720, endpoint=False)
    k = np.arange(2, 41)[:, None]
    amp = rng.uniform(0.3, 1.0, (k.size, 1)) * 0.13 / (k - 1.0) ** 1.2
    radius = 1.0 + (amp * np.cos(k * theta + rng.uniform(0, 2 * np.pi, (k.size, 1)))).sum(0)
    unit = Polygon(np.column_stack([radius * np.cos(theta), radius * np.sin(theta)]))
    scale = np.sqrt(CITY_AREA_M2 / unit.area)
    xy = np.column_stack([radius * np.cos(theta), radius * np.sin(theta)]) * scale + CENTRE
    return shapely.set_precision(Polygon(xy), GRID_M)


def population_density(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Return the relative residential density at points (1 near the centre).

    .. math:: \\rho(d) = e^{-d/3500}\\,(1 - 0.6\\,e^{-(d/700)^2})

    with :math:`d` the distance to the centre in metres (the commercial core is
    less residential).
    """
    d = _distance(x, y)
    return np.exp(-d / 3500.0) * (1.0 - 0.6 * np.exp(-((d / 700.0) ** 2)))


def _density_sample(rng: np.random.Generator, boundary: Polygon, n: int) -> np.ndarray:
    xy = sample_points(rng, boundary, 4 * n)
    keep = rng.uniform(size=len(xy)) < population_density(xy[:, 0], xy[:, 1])
    return xy[keep][:n]


def _kmeans(sample: np.ndarray, k: int) -> np.ndarray:
    """Return k-means centres of a random sample, started from its first k points."""
    centres, _ = kmeans2(sample, sample[:k].copy(), iter=20, minit="matrix")
    return centres


def small_area_cells(seed: int, boundary: Polygon) -> np.ndarray:
    """Return the small-area polygons: Voronoi cells of density-weighted seeds.

    Parameters
    ----------
    seed : int
    boundary : shapely.Polygon

    Returns
    -------
    numpy.ndarray of shapely geometries
        :data:`N_SMALL_AREAS` polygons tiling ``boundary``, in the order of
        their seeds.
    """
    rng = stream(seed, 2)
    seeds = _kmeans(_density_sample(rng, boundary, 12_000), N_SMALL_AREAS)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=boundary.buffer(5_000), ordered=True
    )
    clipped = shapely.intersection(np.asarray(cells.geoms), boundary)
    return shapely.set_precision(clipped, GRID_M)


def ward_groups(seed: int, cells: np.ndarray, boundary: Polygon) -> np.ndarray:
    """Return the ward number (0-based) of each small area.

    Ward centres are k-means centres of a density-weighted sample (so wards
    hold similar populations); each small area joins the nearest centre; then
    small areas cut off from the rest of their ward move to a neighbouring ward
    so that every ward is one piece. Wards are numbered north to south.

    Parameters
    ----------
    seed : int
    cells : numpy.ndarray of shapely geometries
        The small areas.
    boundary : shapely.Polygon

    Returns
    -------
    numpy.ndarray of int
    """
    rng = stream(seed, 3)
    centres = _kmeans(_density_sample(rng, boundary, 12_000), N_WARDS)
    xy = shapely.get_coordinates(shapely.point_on_surface(cells))
    group = np.argmin(np.hypot(*(xy[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)), 1)
    group = _make_contiguous(cells, group)
    order = np.lexsort((centres[:, 0], -np.round(centres[:, 1] / 2500.0)))
    rank = np.empty(N_WARDS, dtype=int)
    rank[order] = np.arange(N_WARDS)
    return rank[group]


def _make_contiguous(cells: np.ndarray, group: np.ndarray) -> np.ndarray:
    group = group.copy()
    tree = shapely.STRtree(cells)
    for _ in range(10):
        moved = False
        for g in np.unique(group):
            parts = shapely.get_parts(shapely.union_all(cells[group == g]))
            if len(parts) == 1:
                continue
            main = parts[np.argmax(shapely.area(parts))]
            for i in np.flatnonzero(group == g):
                if not main.contains(shapely.point_on_surface(cells[i])):
                    group[i] = _longest_neighbour(cells, tree, group, int(i))
                    moved = True
        if not moved:
            break
    return group


def _longest_neighbour(cells: np.ndarray, tree: shapely.STRtree, group: np.ndarray, i: int) -> int:
    near = [j for j in tree.query(cells[i], predicate="touches") if group[j] != group[i]]
    shared = shapely.length(shapely.intersection(cells[near], cells[i].boundary))
    return int(group[near[int(np.argmax(shared))]])


def ward_table(seed: int, cells: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """Return the wards: ``ward_id``, ``ward_name`` and the union of their small areas.

    Parameters
    ----------
    seed : int
    cells : numpy.ndarray of shapely geometries
    group : numpy.ndarray of int
        Ward number of each small area.

    Returns
    -------
    pandas.DataFrame
        Columns ``ward_id``, ``ward_name``, ``geometry``.
    """
    names = place_names(stream(seed, 4), N_WARDS)
    geoms = [shapely.union_all(cells[group == g], grid_size=GRID_M) for g in range(N_WARDS)]
    return pd.DataFrame(
        {
            "ward_id": [f"DEMO-W{g + 1:02d}" for g in range(N_WARDS)],
            "ward_name": names,
            "geometry": geoms,
        }
    )


def _deprived_wards(rng: np.random.Generator, wards: pd.DataFrame) -> np.ndarray:
    xy = shapely.get_coordinates(shapely.centroid(np.asarray(wards["geometry"])))
    d = _distance(xy[:, 0], xy[:, 1])
    ring = np.flatnonzero((d > 2000) & (d < 4500))
    return rng.choice(ring, size=2, replace=False)


def imd_scores(seed: int, xy: np.ndarray, ward_of: np.ndarray, wards: pd.DataFrame) -> np.ndarray:
    r"""Return invented IMD scores (higher is more deprived) of small areas.

    .. math:: s = 14 + 30\\,e^{-(d/3000)^2} + 20\\,[\\text{deprived ward}]
              - 7\\,[\\text{leafy south-west}]
              + \\varepsilon,\\quad \\varepsilon \\sim N(0, 6^2)

    clipped to at least 2, where :math:`d` is the distance (m) of the small
    area to the centre. Two wards 2-4.5 km from the centre are the deprived ones.
    """
    rng = stream(seed, 5)
    d = _distance(xy[:, 0], xy[:, 1])
    hot = np.isin(ward_of, _deprived_wards(rng, wards))
    leafy = (xy[:, 0] < CENTRE[0] - 500) & (xy[:, 1] < CENTRE[1] - 1000) & ~hot
    score = 14.0 + 30.0 * np.exp(-((d / 3000.0) ** 2)) + 20.0 * hot - 7.0 * leafy
    return np.round(np.clip(score + rng.normal(0.0, 6.0, len(d)), 2.0, None), 3)


def national_rank(score: np.ndarray) -> np.ndarray:
    """Return the national IMD rank (1 = most deprived) of scores.

    Ranks place each score in an assumed national lognormal score distribution
    (median 17.5, log-sd 0.52) of :data:`N_NATIONAL` LSOAs.
    """
    sf = lognorm.sf(score, _NATIONAL_SIGMA, scale=_NATIONAL_MEDIAN_SCORE)
    return np.clip(np.ceil(sf * N_NATIONAL), 1, N_NATIONAL).astype(np.int64)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest remainder)."""
    share = weights / weights.sum() * total
    out = np.floor(share).astype(np.int64)
    out[np.argsort(out - share)[: total - out.sum()]] += 1
    return out


def small_area_table(
    seed: int, cells: np.ndarray, group: np.ndarray, wards: pd.DataFrame
) -> pd.DataFrame:
    """Return the small areas with population, deprivation, age and health.

    Parameters
    ----------
    seed : int
    cells : numpy.ndarray of shapely geometries
    group : numpy.ndarray of int
        Ward number of each small area.
    wards : pandas.DataFrame
        From :func:`ward_table`.

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``area_name``, ``ward_id``, ``population``, ``imd_score``,
        ``imd_rank``, ``imd_decile``, ``age_0_15``, ``age_65_plus``,
        ``health_score``, ``geometry``; ordered by ward.
    """
    rng = stream(seed, 6)
    order = np.lexsort((shapely.get_coordinates(shapely.centroid(cells))[:, 0], group))
    cells, group = cells[order], group[order]
    xy = shapely.get_coordinates(shapely.point_on_surface(cells))
    score = imd_scores(seed, xy, group, wards)
    rank = national_rank(score)
    z = (np.log(score) - np.log(_NATIONAL_MEDIAN_SCORE)) / _NATIONAL_SIGMA
    pop = _allocate(POPULATION, np.clip(rng.normal(1725, 230, len(cells)), 1100, 2600))
    far = _distance(xy[:, 0], xy[:, 1]) / 5000.0
    young = np.clip(0.19 + 0.03 * z + rng.normal(0, 0.015, len(z)), 0.10, 0.30)
    old = np.clip(0.12 - 0.03 * z + 0.05 * far + rng.normal(0, 0.015, len(z)), 0.04, 0.30)
    n = len(cells)
    return pd.DataFrame(
        {
            "area_id": [f"DEMO-S{i + 1:03d}" for i in range(n)],
            "area_name": [f"Demo City {i + 1:03d}" for i in range(n)],
            "ward_id": wards["ward_id"].to_numpy()[group],
            "population": pop,
            "imd_score": score,
            "imd_rank": rank,
            "imd_decile": np.ceil(rank / (N_NATIONAL / 10)).astype(np.int64),
            "age_0_15": np.round(pop * young).astype(np.int64),
            "age_65_plus": np.round(pop * old).astype(np.int64),
            "health_score": np.round(0.8 * z + rng.normal(0, 0.35, n), 3),
            "geometry": cells,
        }
    )


def residence_table(seed: int, areas: pd.DataFrame, exclusion: BaseGeometry) -> pd.DataFrame:
    """Return :data:`N_RESIDENCES` residence points with residents and households.

    Each small area gets residences in proportion to its population over its
    mean household size (2.3 to 2.9 persons, larger where more deprived). Near
    the centre 4 % of residences are blocks of flats (4-30 households). Every
    residence holds at least one person per household; the rest of the small
    area's population is spread over residences in proportion to households,
    so residents sum exactly to the small area's population. Points avoid
    ``exclusion`` (water, parks, river banks).

    Parameters
    ----------
    seed : int
    areas : pandas.DataFrame
        From :func:`small_area_table`.
    exclusion : shapely geometry
        Where no residence may be.

    Returns
    -------
    pandas.DataFrame
        ``residence_id`` (int, UPRN-like), ``residents``, ``households``,
        ``area_id``, ``x``, ``y``.
    """
    rng = stream(seed, 7)
    pop = areas["population"].to_numpy()
    hh_size = 2.3 + 0.6 * (areas["imd_decile"].to_numpy() <= 3)
    counts = _allocate(N_RESIDENCES, pop / hh_size)
    shapely.prepare(exclusion)
    frames = [
        _residences_in(rng, geom, int(n), int(p), area_id, exclusion)
        for geom, n, p, area_id in zip(
            areas["geometry"], counts, pop, areas["area_id"], strict=True
        )
    ]
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "residence_id", 100_000_000_000 + np.arange(1, len(out) + 1) * 7)
    return out


def _residences_in(
    rng: np.random.Generator,
    geom: BaseGeometry,
    n: int,
    population: int,
    area_id: str,
    exclusion: BaseGeometry,
) -> pd.DataFrame:
    habitable = shapely.difference(geom, exclusion, grid_size=GRID_M)
    if habitable.area < 0.05 * geom.area:
        habitable = geom
    xy = sample_points(rng, habitable, n)
    central = _distance(xy[:, 0], xy[:, 1]) < 1800
    flats = central & (rng.uniform(size=n) < 0.04)
    households = np.where(flats, rng.integers(4, 31, n), 1)
    extra = rng.multinomial(population - households.sum(), households / households.sum())
    return pd.DataFrame(
        {
            "residents": households + extra,
            "households": households,
            "area_id": area_id,
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )


#: Letters of the last two characters of a UK postcode (the inward code's unit).
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
#: Homes per postcode in the demo (UK postcodes hold about 15 addresses on average).
HOMES_PER_POSTCODE = 16


def postcode_table(residences: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Return invented postcodes: one point per group of about 16 neighbouring homes.

    The area code is ``ZZ``, which is not a UK postcode area, so no demo postcode can
    be mistaken for a real one. Each ward is a district (``ZZ1`` to ``ZZ18``, wards in
    order); within it, homes are ordered along 150 m east-west strips (alternating
    direction), cut into groups of :data:`HOMES_PER_POSTCODE`, and numbered into
    sectors of 400 units (``ZZ3 1AB``). A postcode's point is the mean of its homes.

    Parameters
    ----------
    residences : pandas.DataFrame
        From :func:`residence_table` (``area_id``, ``x``, ``y``).
    areas : pandas.DataFrame
        From :func:`small_area_table` (``area_id``, ``ward_id``).

    Returns
    -------
    pandas.DataFrame
        ``postcode``, ``x``, ``y`` (EPSG:27700, whole metres), sorted by postcode.
    """
    ward_ids = sorted(areas["ward_id"].unique())
    ward_of = areas.set_index("area_id")["ward_id"].map({w: i + 1 for i, w in enumerate(ward_ids)})
    homes = residences.assign(district=residences["area_id"].map(ward_of).to_numpy())
    strip = np.floor(homes["y"] / 150.0).astype(np.int64)
    homes = homes.assign(strip=strip, along=np.where(strip % 2 == 0, homes["x"], -homes["x"]))
    homes = homes.sort_values(["district", "strip", "along"], kind="stable")
    unit = homes.groupby("district").cumcount() // HOMES_PER_POSTCODE
    groups = homes.assign(unit=unit.to_numpy()).groupby(["district", "unit"], sort=True)
    points = groups[["x", "y"]].mean().round().reset_index()
    letters = [a + b for a in _UNIT_LETTERS for b in _UNIT_LETTERS]
    codes = [
        f"ZZ{d} {u // len(letters) + 1}{letters[u % len(letters)]}"
        for d, u in zip(points["district"], points["unit"], strict=True)
    ]
    out = pd.DataFrame({"postcode": codes, "x": points["x"], "y": points["y"]})
    return out.sort_values("postcode", kind="stable").reset_index(drop=True)
