"""Flood-zone exposure (AR1): wards and small areas against the EA Flood Map for Planning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import (
    AREA_ID,
    POPULATION_KINDS,
    Family,
    FamilyResult,
    SmallAreaColumns,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from coventry_geo.evidence.context import Context, Evidence

flood = lazy_import("coventry_geo.indicators.flood")


def _wards(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    zones = ctx.study.vector(layers["flood_zones"])
    cols = flood.flood_exposure(
        ctx.wards, zones, residences=ctx.residences, population=ctx.population
    )
    return FamilyResult(columns=cols)


def _small_areas(ctx: Context, _: Evidence, small: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    zones = ctx.study.vector(name)
    return flood.flood_exposure(small, zones, zone_id=AREA_ID)[["flood_area_pct"]]


FAMILY = Family(
    name="flood",
    kinds=("flood_zones",),
    needed_for="flood-zone exposure (AR1)",
    compute=_wards,
    without_residences=POPULATION_KINDS,
    small_area=SmallAreaColumns("flood_zones", _small_areas),
    order=10,
    indicators="coventry_geo.indicators.flood",
)
