"""Canopy cover and the gap to the target (NB6), for wards and small areas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import AREA_ID, Family, FamilyResult, SmallAreaColumns

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from coventry_geo.evidence.context import Context, Evidence

canopy = lazy_import("coventry_geo.indicators.canopy")


def _wards(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    cover = canopy.canopy_cover(ctx.wards, ctx.study.load(layers["canopy"]))
    s = ctx.settings
    gap = canopy.canopy_gap(
        cover, target_pct=s.canopy_target_pct, crown_area_m2=s.tree_crown_area_m2
    )
    city = canopy.city_canopy(
        cover, baseline_pct=s.canopy_baseline_pct, target_pct=s.canopy_target_pct
    )
    return FamilyResult(
        columns=cover.join(gap),
        city={
            "canopy_pct": city.canopy_pct,
            "canopy_ha": city.canopy_ha,
            "canopy_baseline_pct": city.baseline_pct,
            "canopy_target_pct": city.target_pct,
            "canopy_gap_ha": city.gap_ha,
        },
    )


def _small_areas(ctx: Context, _: Evidence, small: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    return canopy.canopy_cover(small, ctx.study.load(name), zone_id=AREA_ID)


FAMILY = Family(
    name="canopy",
    kinds=("canopy",),
    needed_for="canopy cover and gap (NB6)",
    compute=_wards,
    small_area=SmallAreaColumns("canopy", _small_areas),
    order=40,
    indicators="coventry_geo.indicators.canopy",
)
