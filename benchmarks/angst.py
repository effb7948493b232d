"""Benchmark: accessible-greenspace tiers against ``geopandas.sjoin_nearest`` on the same data.

Builds, in memory and from a seed, a round city of about 98 km² (Coventry's size),
150,000 residences inside it and 420 greenspace parcels of 0.1-600 ha (log-uniform
areas, irregular outlines with a corner every 25-100 m, densified to a vertex every
1-2 m as real outlines have), most of them (the large ones cannot all fit) up to 10 km
outside the city. Then, for every tier of ANGSt (2010) and of the GI Framework
(2023), it times :func:`coventry_geo.indicators.greenspace.residence_access` against
``geopandas.sjoin_nearest(residences, qualifying_sites, max_distance=D)`` run tier by
tier, checks that met / not-met answers are identical for every residence and tier
(exit status 1 if not) and prints the timings and the ratio.

Run: ``.venv/bin/python benchmarks/angst.py [--residences N] [--seed S]
[--vertex-spacing M] [--standards angst_2010 gi_framework_2023]``. With 1-2 m vertices
sjoin_nearest needs minutes per standard (its exact distance to a polygon visits every
vertex); ``--vertex-spacing 0`` keeps only the corners, as the first version did.
"""

from __future__ import annotations

import argparse
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from coventry_geo.indicators.greenspace import greenspace_sites, residence_access
from coventry_geo.standards import load_standard

CITY_RADIUS_M = 5_600.0  # pi * 5.6 km^2 = 98.5 km^2
REACH_M = 10_000.0
N_PARCELS = 420


def make_parcels(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Irregular, non-overlapping parcels, largest placed first, some outside the city."""
    outer = CITY_RADIUS_M + REACH_M
    area_m2 = np.sort(np.exp(rng.uniform(np.log(0.1), np.log(600.0), N_PARCELS)))[::-1] * 1e4
    radius = 1.2 * np.sqrt(area_m2 / np.pi)  # outline wobbles up to 20 % beyond the mean radius
    centres = np.empty((0, 2))
    placed: list[float] = []
    for r in radius:
        while True:
            p = rng.uniform(-outer, outer, 2)
            inside = np.hypot(*p) < CITY_RADIUS_M
            free = np.all(np.hypot(*(centres - p).T) > np.asarray(placed) + r + 20.0)
            if np.hypot(*p) < outer and free and (inside or rng.random() < 0.3):
                break
        centres = np.vstack([centres, p])
        placed.append(r)
    polys = [_blob(rng, c, a) for c, a in zip(centres, area_m2, strict=True)]
    return gpd.GeoDataFrame(
        {
            "site_id": [f"g{i}" for i in range(N_PARCELS)],
            "natural": rng.random(N_PARCELS) < 0.7,
            "access": np.where(rng.random(N_PARCELS) < 0.9, "public", "private"),
        },
        geometry=polys,
        crs=27700,
    )


def _blob(rng: np.random.Generator, centre: np.ndarray, area_m2: float) -> shapely.Polygon:
    """A star-shaped polygon of ``area_m2`` around ``centre``, a corner every 25-100 m."""
    radius = np.sqrt(area_m2 / np.pi)
    n = int(np.clip(2 * np.pi * radius / rng.uniform(25, 100), 8, 600))
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rr = radius * rng.uniform(0.8, 1.2, n)
    blob = shapely.Polygon(np.c_[centre[0] + rr * np.cos(ang), centre[1] + rr * np.sin(ang)])
    scale = np.sqrt(area_m2 / blob.area)
    return shapely.affinity.scale(blob, scale, scale, origin=tuple(centre))


def densify(
    parcels: gpd.GeoDataFrame, rng: np.random.Generator, spacing_m: float
) -> gpd.GeoDataFrame:
    """Add a vertex every 1-2x ``spacing_m`` (per parcel), wobbled ±0.2 m, as surveyed outlines.

    OS Open Greenspace outlines follow OS MasterMap and carry a vertex every metre or
    two; straight 25-100 m edges would flatter any method whose cost grows with vertices.
    Outlines the wobble would make invalid (at sharp corners) keep the straight vertices.
    """
    if spacing_m <= 0:
        return parcels
    spacing = spacing_m * rng.uniform(1.0, 2.0, len(parcels))
    rings = shapely.segmentize(shapely.get_exterior_ring(parcels.geometry.to_numpy()), spacing)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    coords += rng.uniform(-0.2, 0.2, coords.shape)
    last = np.flatnonzero(np.r_[ring[1:] != ring[:-1], True])
    coords[last] = coords[np.r_[0, last[:-1] + 1]]  # keep every ring closed
    wobbly = shapely.polygons(shapely.linearrings(coords, indices=ring))
    smooth = shapely.polygons(rings)
    return parcels.set_geometry(np.where(shapely.is_valid(wobbly), wobbly, smooth))


def make_residences(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    """Residence points spread uniformly over the city disc."""
    r = CITY_RADIUS_M * np.sqrt(rng.random(n))
    theta = rng.uniform(0, 2 * np.pi, n)
    return gpd.GeoDataFrame(
        {"residents": rng.integers(1, 5, n)},
        geometry=gpd.points_from_xy(r * np.cos(theta), r * np.sin(theta)),
        crs=27700,
    )


def peer_met(residences: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, standard) -> pd.DataFrame:
    """Met / not met per tier with ``sjoin_nearest(max_distance=...)``, one join per tier."""
    out = {}
    for tier in standard.tiers:
        q = sites["accessible"] & (sites["area_ha"] >= tier.min_area_ha)
        if tier.natural:
            q &= sites["natural"]
        joined = gpd.sjoin_nearest(
            residences, sites.loc[q, ["geometry"]], max_distance=tier.max_distance_m
        )
        met = np.zeros(len(residences), dtype=bool)
        met[residences.index.get_indexer(joined.index[joined["index_right"].notna()])] = True
        out[standard.key(tier)] = met
    return pd.DataFrame(out, index=residences.index)


def compare(name: str, residences, sites, coverage) -> bool:
    """Time both engines on one standard, print the figures, return whether answers agree."""
    standard = load_standard(name)
    t0 = time.perf_counter()
    ours = residence_access(residences, sites, standard=standard, coverage=coverage)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    peer = peer_met(residences, sites, standard)
    t_peer = time.perf_counter() - t0
    same = True
    for key in peer.columns:
        mine = ours[f"meets_{key}"].fillna(False).to_numpy(dtype=bool)
        diff = int((mine != peer[key].to_numpy()).sum())
        same &= diff == 0
        print(f"  {key:<32} met {int(mine.sum()):>7,}  differences {diff}")
    print(
        f"  {name}: {len(standard.tiers)} tiers  coventry_geo {t_ours:6.2f} s  "
        f"sjoin_nearest {t_peer:6.2f} s  ratio {t_peer / t_ours:5.1f}x"
    )
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residences", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--vertex-spacing",
        type=float,
        default=1.0,
        help="densify site outlines to a vertex every 1-2x this many metres (0: corners only)",
    )
    parser.add_argument(
        "--standards", nargs="+", default=["angst_2010", "gi_framework_2023"], help="standards"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    parcels = densify(make_parcels(rng), rng, args.vertex_spacing)
    residences = make_residences(rng, args.residences)
    t0 = time.perf_counter()
    sites = greenspace_sites(parcels)
    print(
        f"{len(residences):,} residences, {len(parcels)} parcels -> {len(sites)} sites "
        f"({sites['area_ha'].min():.2f}-{sites['area_ha'].max():.0f} ha, "
        f"{int((shapely.distance(sites.geometry, shapely.Point(0, 0)) > CITY_RADIUS_M).sum())} "
        f"outside the city); merging took {time.perf_counter() - t0:.2f} s"
    )
    coverage = shapely.Point(0, 0).buffer(CITY_RADIUS_M + REACH_M + 500.0)
    same = all(compare(n, residences, sites, coverage) for n in args.standards)
    print("met / not-met identical for every tier:", same)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
