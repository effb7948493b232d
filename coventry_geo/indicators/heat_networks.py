"""Heat network zones (RNZ3): coverage of wards and homes, and a per-zone table.

Heat network zones are areas where a heat network is expected to be the
lowest-cost way to decarbonise heat (DESNZ heat network zoning). Formulas:
``docs/indicators.md``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from coventry_geo.columns import ColumnInfo, register_columns
from coventry_geo.indicators._bands import band_exposure, exclusive_bands
from coventry_geo.zonal import points_in_zones

__all__ = ["heat_network_coverage", "heat_network_zone_table"]

_M2_PER_HA = 10_000.0


def heat_network_coverage(
    zones: gpd.GeoDataFrame,
    heat_network_zones: gpd.GeoDataFrame,
    *,
    zone_id: str = "ward_id",
    residences: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Share of each zone (ward) inside heat network zones, and the homes there.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Wards or small areas.
    heat_network_zones : geopandas.GeoDataFrame
        Zone polygons with ``zone_id`` and optional ``heat_demand`` (MWh/year).
    zone_id : str, keyword-only
        Id column of ``zones``.
    residences : geopandas.GeoDataFrame, optional, keyword-only

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: ``hnz_area_pct`` (%), with residences
        ``hnz_residences`` (count) and ``hnz_residents`` (persons), and with a
        ``heat_demand`` field ``hnz_heat_demand_mwh`` (MWh/year, apportioned
        by area: demand is taken as uniform within a heat network zone).
    """
    merged = exclusive_bands(heat_network_zones.assign(_all=1), "_all", (("hnz", (1,)),))
    out = band_exposure(zones, merged, zone_id=zone_id, residences=residences)
    if "heat_demand" in heat_network_zones.columns:
        out["hnz_heat_demand_mwh"] = _apportioned_demand(zones, heat_network_zones, zone_id)
    return out


def _apportioned_demand(zones: gpd.GeoDataFrame, hnz: gpd.GeoDataFrame, zone_id: str) -> pd.Series:
    pieces = gpd.overlay(
        zones[[zone_id, zones.geometry.name]],
        hnz.assign(_zone_area=hnz.area)[["heat_demand", "_zone_area", hnz.geometry.name]],
        how="intersection",
        keep_geom_type=True,
    )
    pieces["_demand"] = pieces["heat_demand"].fillna(0.0) * pieces.area / pieces["_zone_area"]
    demand = pieces.groupby(zone_id)["_demand"].sum()
    return demand.reindex(zones[zone_id]).fillna(0.0).to_numpy()


def heat_network_zone_table(
    heat_network_zones: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    residences: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per heat network zone: its area, the wards it touches, its homes.

    Parameters
    ----------
    heat_network_zones : geopandas.GeoDataFrame
        With ``zone_id`` and optional ``name`` and ``heat_demand``.
    wards : geopandas.GeoDataFrame
        With ``ward_id``.
    residences : geopandas.GeoDataFrame, optional, keyword-only

    Returns
    -------
    pandas.DataFrame
        ``zone_id``, ``name``, ``area_ha`` (ha), ``wards`` (ward ids it overlaps
        with a positive area, ``;``-separated), ``residences`` (count),
        ``residents`` (persons), ``heat_demand_mwh`` (MWh/year).
    """
    hnz = heat_network_zones.reset_index(drop=True)
    zone_idx, ward_idx = wards.sindex.query(hnz.geometry.array, predicate="intersects")
    overlap = hnz.geometry.array[zone_idx].intersection(wards.geometry.array[ward_idx]).area > 0
    ward_ids = wards["ward_id"].to_numpy()
    touched = [
        ";".join(sorted(ward_ids[ward_idx[overlap & (zone_idx == i)]])) for i in range(len(hnz))
    ]
    table = pd.DataFrame(
        {
            "zone_id": hnz["zone_id"].to_numpy(),
            "name": hnz["name"].to_numpy() if "name" in hnz.columns else np.full(len(hnz), ""),
            "area_ha": hnz.area.to_numpy() / _M2_PER_HA,
            "wards": touched,
        }
    )
    if residences is not None:
        sums = ["residents"] if "residents" in residences.columns else []
        counts = points_in_zones(hnz, residences, zone_id="zone_id", sum_fields=sums)
        table["residences"] = (
            counts["count"].reindex(table["zone_id"]).fillna(0).astype("int64").to_numpy()
        )
        if sums:
            table["residents"] = (
                counts["residents_sum"].reindex(table["zone_id"]).fillna(0.0).to_numpy()
            )
    if "heat_demand" in hnz.columns:
        table["heat_demand_mwh"] = hnz["heat_demand"].to_numpy()
    return table


def _info(name: str, label: str, unit: str, description: str) -> ColumnInfo:
    return ColumnInfo(name, label, unit, description, "heat_networks", higher_is_worse=None)


register_columns(
    _info(
        "hnz_area_pct",
        "Area in heat network zones",
        "%",
        "Share of the ward's area inside a heat network zone.",
    ),
    _info(
        "hnz_residences",
        "Residences in heat network zones",
        "count",
        "Residence points inside a heat network zone.",
    ),
    _info(
        "hnz_residents",
        "Residents in heat network zones",
        "persons",
        "Residents of points inside a heat network zone.",
    ),
    _info(
        "hnz_heat_demand_mwh",
        "Heat demand in heat network zones",
        "MWh/year",
        "Zone heat demand apportioned to the ward by area.",
    ),
)
