"""The ward table: its base columns, and the families' columns joined onto it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coventry_geo._lazy import lazy_import

if TYPE_CHECKING:
    from coventry_geo.evidence.context import Context

population = lazy_import("coventry_geo.indicators.population")

__all__ = ["assemble", "base_columns"]


def base_columns(ctx: Context) -> gpd.GeoDataFrame:
    """Ward id, name, area, and residences and residents.

    With residences: their count and residents field; without: the population of the
    small areas the area-to-ward lookup assigns to the ward.
    """
    wards = ctx.wards
    columns = [population.ward_area_ha(wards).to_frame()]
    if ctx.residences is not None:
        columns.append(population.ward_residents(wards, ctx.residences))
    elif ctx.small_areas is not None and "population" in ctx.small_areas.columns:
        residents = population.small_area_ward_residents(
            ctx.small_areas, ctx.small_area_wards, pd.Index(wards["ward_id"])
        )
        columns.append(residents.to_frame())
    table = pd.concat(columns, axis=1)
    out = wards[["ward_id", "ward_name"]].join(table, on="ward_id")
    return gpd.GeoDataFrame(out, geometry=wards.geometry.array, crs=wards.crs)


def assemble(table: gpd.GeoDataFrame, columns: list[pd.DataFrame]) -> gpd.GeoDataFrame:
    """Join family columns (indexed by ``ward_id``) onto the ward table, geometry last."""
    if not columns:
        return table
    extra = pd.concat(columns, axis=1)
    # The same dtype whether the columns were computed or read back from the cache
    # (Parquet may return another string dtype), so the joined ward_id keeps its own.
    extra.index = extra.index.astype(table["ward_id"].dtype).rename("ward_id")
    joined = table.join(extra, on="ward_id")
    geometry = joined.pop(table.geometry.name)
    return gpd.GeoDataFrame(joined, geometry=geometry, crs=table.crs)
