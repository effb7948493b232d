"""Exclusive hazard bands and their exposure within zones.

Shared by the flood, surface-water and heat-network families.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coventry_geo.indicators.population import estimated_residents
from coventry_geo.zonal import points_in_zones, polygon_area_share

__all__ = ["exclusive_bands", "band_of_points", "band_exposure"]


def exclusive_bands(
    polygons: gpd.GeoDataFrame, field: str, order: Sequence[tuple[str, Sequence[object]]]
) -> gpd.GeoDataFrame:
    """Dissolve polygons into non-overlapping bands, the most severe first.

    Parameters
    ----------
    polygons : geopandas.GeoDataFrame
        Hazard polygons with a class field.
    field : str
        The class field.
    order : sequence of (label, values)
        Bands from most to least severe; each band is the union of the polygons
        whose ``field`` is in ``values`` (and of every more severe band's
        values), minus every more severe band. A location therefore belongs to
        its most severe band only.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band (``band``, ``geometry``), empty bands included.
    """
    labels, geoms = [], []
    covered = shapely.Polygon()
    values_so_far: list[object] = []
    for label, values in order:
        values_so_far += list(values)
        chosen = polygons.geometry.array[polygons[field].isin(values_so_far).to_numpy()]
        extent = shapely.union_all(chosen) if len(chosen) else shapely.Polygon()
        labels.append(label)
        geoms.append(shapely.difference(extent, covered))
        covered = extent
    return gpd.GeoDataFrame({"band": labels}, geometry=geoms, crs=polygons.crs)


def band_of_points(points: gpd.GeoDataFrame, bands: gpd.GeoDataFrame) -> pd.Series:
    """Label each point with the band that contains it (``<NA>`` outside every band)."""
    point_idx, band_idx = bands.sindex.query(points.geometry.array, predicate="intersects")
    labels = np.full(len(points), None, dtype=object)
    labels[point_idx] = bands["band"].to_numpy()[band_idx]
    return pd.Series(labels, index=points.index, dtype="string", name="band")


def band_exposure(
    zones: gpd.GeoDataFrame,
    bands: gpd.GeoDataFrame,
    *,
    zone_id: str,
    residences: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | None = None,
    total: str | None = None,
) -> pd.DataFrame:
    """Area share, residences and residents of each band within each zone.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
    bands : geopandas.GeoDataFrame
        From :func:`exclusive_bands`.
    zone_id : str, keyword-only
    residences : geopandas.GeoDataFrame, optional, keyword-only
        Points, with an optional ``residents`` field.
    population : geopandas.GeoDataFrame, optional, keyword-only
        A population surface (:func:`coventry_geo.indicators.population.population_surface`),
        for residents estimated by areal weighting.
    total : str, optional, keyword-only
        When given, also report the union of all bands under this label.

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: ``<band>_area_pct``; with residences,
        ``<band>_residences`` and ``<band>_residents``; with a population surface,
        ``<band>_residents_est``.
    """
    labels = bands["band"].tolist()
    share = polygon_area_share(zones, bands, zone_id=zone_id, by="band")
    out = pd.DataFrame(index=pd.Index(zones[zone_id], name=zone_id))
    for label in labels:
        out[f"{label}_area_pct"] = 100.0 * _column(share, "share", label, out.index)
    if total is not None:
        out[f"{total}_area_pct"] = out[[f"{b}_area_pct" for b in labels]].sum(axis=1)
    if residences is not None:
        _add_residents(out, zones, residences, bands, zone_id=zone_id, total=total)
    if population is not None:
        est = estimated_residents(population, zones, bands, zone_id=zone_id)
        for label in labels:
            out[f"{label}_residents_est"] = est[label].reindex(out.index).fillna(0.0)
        if total is not None:
            out[f"{total}_residents_est"] = est[labels].sum(axis=1).reindex(out.index).fillna(0.0)
    return out


def _add_residents(
    out: pd.DataFrame,
    zones: gpd.GeoDataFrame,
    residences: gpd.GeoDataFrame,
    bands: gpd.GeoDataFrame,
    *,
    zone_id: str,
    total: str | None,
) -> None:
    tagged = residences.assign(band=band_of_points(residences, bands))
    sums = ["residents"] if "residents" in tagged.columns else []
    counts = points_in_zones(zones, tagged, zone_id=zone_id, by="band", sum_fields=sums)
    labels = bands["band"].tolist()
    for label in labels:
        out[f"{label}_residences"] = _column(counts, "count", label, out.index).astype("int64")
        if sums:
            out[f"{label}_residents"] = _column(counts, "residents_sum", label, out.index)
    if total is not None:
        out[f"{total}_residences"] = out[[f"{b}_residences" for b in labels]].sum(axis=1)
        if sums:
            out[f"{total}_residents"] = out[[f"{b}_residents" for b in labels]].sum(axis=1)


def _column(table: pd.DataFrame, stat: str, label: str, index: pd.Index) -> pd.Series:
    """Pick the per-class column of a zonal table, 0 where the class is absent."""
    key = f"{stat}_{label}"
    if key not in table.columns:
        return pd.Series(0.0, index=index)
    return table[key].reindex(index).fillna(0.0)
