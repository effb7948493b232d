"""Ward size and population, and residents estimated where there are no address points.

* :func:`ward_area_ha` and :func:`ward_residents` (residence points) give the base columns;
* :func:`small_area_ward_residents` sums small-area population by an area-to-ward lookup;
* :func:`population_surface` spreads each small area's population evenly over the area
  (areal weighting), or over its residential land only (dasymetric);
* :func:`estimated_residents` adds up that surface inside each zone and band (e.g. each
  ward's part of Flood Zone 3).

PySAL's ``tobler.area_interpolate`` computes the same areal weighting for extensive
variables; it is not a dependency (it needs statsmodels and scikit-learn for other
methods), and the formula is a few vectorised shapely calls here.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coventry_geo.errors import LayerSchemaError
from coventry_geo.zonal import points_in_zones, polygon_area_share

__all__ = [
    "ward_area_ha",
    "ward_residents",
    "small_area_ward_residents",
    "population_surface",
    "estimated_residents",
]

logger = logging.getLogger(__name__)

_M2_PER_HA = 10_000.0
_SMALL_AREAS = "small_areas"


def ward_area_ha(wards: gpd.GeoDataFrame) -> pd.Series:
    r"""Area of each ward in hectares.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards in a projected CRS in metres, with ``ward_id``.

    Returns
    -------
    pandas.Series
        ``area_ha`` indexed by ``ward_id``.

    Notes
    -----
    .. math:: \text{area\\_ha} = A_{\text{ward}}\,[\text{m}^2] / 10\,000

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> square = shapely.box(0, 0, 100, 200)
    >>> wards = gpd.GeoDataFrame({"ward_id": ["A"]}, geometry=[square], crs=27700)
    >>> float(ward_area_ha(wards)["A"])
    2.0
    """
    return pd.Series(wards.area.to_numpy() / _M2_PER_HA, index=wards["ward_id"], name="area_ha")


def ward_residents(wards: gpd.GeoDataFrame, residences: gpd.GeoDataFrame) -> pd.DataFrame:
    """Residence points and their residents in each ward.

    Each point is counted in one ward: the first, in ``wards`` order, that
    covers it (so a point on a shared edge is not counted twice).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        With ``ward_id``.
    residences : geopandas.GeoDataFrame
        Points; may have a ``residents`` field (persons).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ward_id``: ``residences`` (count) and, when the points have
        a ``residents`` field, ``residents`` (persons); 0 for wards without points.
    """
    sums = ["residents"] if "residents" in residences.columns else []
    counts = points_in_zones(wards, residences, zone_id="ward_id", sum_fields=sums)
    return counts.rename(columns={"count": "residences", "residents_sum": "residents"})


def small_area_ward_residents(
    small_areas: pd.DataFrame, lookup: pd.Series, ward_ids: pd.Index
) -> pd.Series:
    """Residents of each ward: the population of the small areas assigned to it.

    Parameters
    ----------
    small_areas : pandas.DataFrame
        With ``area_id`` and ``population`` (persons; missing counts as 0).
    lookup : pandas.Series
        Ward id by small-area id (an official best-fit lookup, or
        :func:`coventry_geo.geography.best_fit_lookup`).
    ward_ids : pandas.Index
        Every ward id (wards without a small area get 0).

    Returns
    -------
    pandas.Series
        ``residents`` (persons) indexed by ``ward_id``.

    Examples
    --------
    >>> areas = pd.DataFrame({"area_id": ["a", "b", "c"], "population": [100, 250, 40]})
    >>> lookup = pd.Series({"a": "W1", "b": "W1", "c": "W2"})
    >>> small_area_ward_residents(areas, lookup, pd.Index(["W1", "W2", "W3"])).tolist()
    [350.0, 40.0, 0.0]
    """
    population = pd.to_numeric(small_areas["population"], errors="coerce").fillna(0.0)
    ward = small_areas["area_id"].map(lookup)
    sums = population.groupby(ward.to_numpy()).sum()
    index = pd.Index(ward_ids, name="ward_id")
    return sums.reindex(index).fillna(0.0).astype("float64").rename("residents")


def population_surface(
    small_areas: gpd.GeoDataFrame, residential_land: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    r"""Spread each small area's population evenly over it, or over its residential land.

    Parameters
    ----------
    small_areas : geopandas.GeoDataFrame
        Polygons with ``area_id`` and ``population`` (persons), projected CRS in metres.
    residential_land : geopandas.GeoDataFrame, optional
        Polygons of residential land, same CRS. A small area with no residential
        land in it keeps its whole area (logged).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per small area with population: ``area_id``, ``population``,
        ``density`` (persons per m²) and the geometry people are spread over,
        :math:`D_a = a \cap R` (or :math:`a`).

    Raises
    ------
    LayerSchemaError
        If the small areas have no ``population`` field.

    Notes
    -----
    .. math:: \rho_a = P_a / |D_a|

    Examples
    --------
    >>> import shapely
    >>> areas = gpd.GeoDataFrame({"area_id": ["a"], "population": [100]},
    ...     geometry=[shapely.box(0, 0, 100, 100)], crs=27700)
    >>> homes = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 50, 100)], crs=27700)
    >>> float(population_surface(areas, homes)["density"].iloc[0])
    0.02
    """
    if "population" not in small_areas.columns:
        msg = "no population field, so residents cannot be estimated without residences."
        fix = "map the small areas' population column with fields = { population = ... }."
        raise LayerSchemaError(_SMALL_AREAS, None, msg, fix)
    population = pd.to_numeric(small_areas["population"], errors="coerce").to_numpy()
    keep = ~np.isnan(population)
    if not keep.all():
        logger.warning("%d small areas have no population and are left out", int((~keep).sum()))
    geoms = small_areas.geometry.to_numpy()[keep]
    if residential_land is not None:
        geoms = _residential_part(geoms, residential_land.to_crs(small_areas.crs))
    area = shapely.area(geoms)
    return gpd.GeoDataFrame(
        {
            "area_id": small_areas["area_id"].to_numpy()[keep],
            "population": population[keep],
            "density": np.divide(population[keep], area, out=np.zeros_like(area), where=area > 0),
        },
        geometry=geoms,
        crs=small_areas.crs,
    )


def _residential_part(geoms: np.ndarray, residential_land: gpd.GeoDataFrame) -> np.ndarray:
    """Each area's part inside the residential land; the whole area where it has none."""
    land = shapely.union_all(shapely.make_valid(residential_land.geometry.to_numpy()))
    part = shapely.intersection(geoms, land)
    empty = shapely.area(part) <= 0
    if empty.any():
        logger.info(
            "%d small areas hold no residential land: their population is spread over the "
            "whole area",
            int(empty.sum()),
        )
    return np.where(empty, geoms, part)


def estimated_residents(
    surface: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, bands: gpd.GeoDataFrame, *, zone_id: str
) -> pd.DataFrame:
    r"""Residents of each zone estimated to live in each band (areal weighting).

    Parameters
    ----------
    surface : geopandas.GeoDataFrame
        From :func:`population_surface`.
    zones : geopandas.GeoDataFrame
        Wards or other zones with ``zone_id``, same CRS.
    bands : geopandas.GeoDataFrame
        Non-overlapping hazard bands (``band``, geometry), e.g. from
        :func:`coventry_geo.indicators.flood.flood_zone_bands`.
    zone_id : str, keyword-only

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id (every zone), one column per band (persons).

    Notes
    -----
    .. math:: \hat R_{z,b} = \sum_a \rho_a\, |D_a \cap z \cap b|

    Examples
    --------
    >>> import shapely
    >>> areas = gpd.GeoDataFrame({"area_id": ["a"], "population": [100]},
    ...     geometry=[shapely.box(0, 0, 100, 100)], crs=27700)
    >>> wards = gpd.GeoDataFrame({"ward_id": ["W"]}, geometry=[shapely.box(0, 0, 100, 100)],
    ...     crs=27700)
    >>> fz3 = gpd.GeoDataFrame({"band": ["fz3"]}, geometry=[shapely.box(0, 0, 30, 100)],
    ...     crs=27700)
    >>> out = estimated_residents(population_surface(areas), wards, fz3, zone_id="ward_id")
    >>> float(out.loc["W", "fz3"])
    30.0
    """
    labels = bands["band"].tolist()
    index = pd.Index(pd.unique(zones[zone_id]), name=zone_id)
    area_idx, zone_idx = zones.sindex.query(surface.geometry.to_numpy(), predicate="intersects")
    pieces = gpd.GeoDataFrame(
        {"piece": np.arange(len(area_idx))},
        geometry=shapely.intersection(
            surface.geometry.to_numpy()[area_idx], zones.geometry.to_numpy()[zone_idx]
        ),
        crs=zones.crs,
    )
    out = pd.DataFrame(0.0, index=index, columns=labels)
    if not len(pieces):
        return out
    inside = polygon_area_share(pieces, bands, zone_id="piece", by="band")
    density = surface["density"].to_numpy()[area_idx]
    zone_of = zones[zone_id].to_numpy()[zone_idx]
    for label in labels:
        column = f"area_m2_{label}"
        if column in inside.columns:
            persons = density * inside[column].reindex(pieces["piece"]).to_numpy()
            out[label] = pd.Series(persons).groupby(zone_of).sum().reindex(index).fillna(0.0)
    return out
