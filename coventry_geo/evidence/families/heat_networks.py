"""Heat network zone coverage (RNZ3), for wards and small areas, and the zone table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import AREA_ID, Family, FamilyResult, SmallAreaColumns

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from coventry_geo.evidence.context import Context, Evidence

heat_networks = lazy_import("coventry_geo.indicators.heat_networks")


def _wards(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    zones = ctx.study.vector(layers["heat_network_zones"])
    cols = heat_networks.heat_network_coverage(ctx.wards, zones, residences=ctx.residences)
    table = heat_networks.heat_network_zone_table(zones, ctx.wards, residences=ctx.residences)
    return FamilyResult(columns=cols, tables={"heat_network_zones": table})


def _small_areas(ctx: Context, _: Evidence, small: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    out = heat_networks.heat_network_coverage(small, ctx.study.vector(name), zone_id=AREA_ID)
    return out[["hnz_area_pct"]]


FAMILY = Family(
    name="heat_networks",
    kinds=("heat_network_zones",),
    needed_for="heat network coverage (RNZ3)",
    compute=_wards,
    small_area=SmallAreaColumns("heat_network_zones", _small_areas),
    order=50,
    indicators="coventry_geo.indicators.heat_networks",
)
