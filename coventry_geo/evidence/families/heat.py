"""Heat exposure (AR1): land-surface temperature of wards and small areas, residents on hot land."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import AREA_ID, Family, FamilyResult, SmallAreaColumns

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from coventry_geo.evidence.context import Context, Evidence

heat = lazy_import("coventry_geo.indicators.heat")


def _wards(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    raster = ctx.study.raster(layers["heat"])
    city = heat.city_heat(ctx.wards, raster)
    cols = heat.heat_exposure(
        ctx.wards,
        raster,
        residences=ctx.residences,
        city=city,
        hot_spot_threshold_c=ctx.settings.hot_spot_threshold_c,
    )
    return FamilyResult(columns=cols, city={"lst_mean_c": city.mean_c, "lst_p90_c": city.p90_c})


def _small_areas(
    ctx: Context, evidence: Evidence, small: gpd.GeoDataFrame, name: str
) -> pd.DataFrame:
    """LST per small area, against the city values of the ward step."""
    city = heat.CityHeat(mean_c=evidence.city["lst_mean_c"], p90_c=evidence.city["lst_p90_c"])
    out = heat.heat_exposure(
        small,
        ctx.study.raster(name),
        zone_id=AREA_ID,
        city=city,
        hot_spot_threshold_c=ctx.settings.hot_spot_threshold_c,
    )
    return out[["lst_mean_c", "lst_anomaly_c", "hotspot_area_pct"]]


FAMILY = Family(
    name="heat",
    kinds=("heat",),
    needed_for="heat exposure (AR1)",
    compute=_wards,
    small_area=SmallAreaColumns("heat", _small_areas, uses_result=True),
    order=30,
    indicators="coventry_geo.indicators.heat",
)
