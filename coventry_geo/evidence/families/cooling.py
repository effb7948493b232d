"""Cooling priorities (AR6): cooling capacity of small areas and where it is most needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import SMALL_AREAS, Family, FamilyResult
from coventry_geo.evidence.small_areas import DEPRIVATION_COLUMNS

if TYPE_CHECKING:
    import geopandas as gpd

    from coventry_geo.evidence.context import Context, Evidence

canopy = lazy_import("coventry_geo.indicators.canopy")
cooling = lazy_import("coventry_geo.indicators.cooling")


def _compute(ctx: Context, _: dict[str, str], evidence: Evidence) -> FamilyResult:
    table = evidence.small_areas.copy()
    table["shade"] = table["canopy_pct"] / 100.0
    table["cooling_capacity"] = cooling.cooling_capacity(table, shade="shade")
    if ctx.sites is not None:
        table = table.join(cooling.heat_mitigation(table, _green_areas(ctx)))
    else:
        table["heat_mitigation"] = table["cooling_capacity"]
    comparison = cooling.cooling_lst_comparison(table)
    priorities = cooling.cooling_priorities(
        table, vulnerability=[c for c in DEPRIVATION_COLUMNS[:1] if c in table]
    )
    return FamilyResult(
        city={f"cooling_lst_{k}": float(v) for k, v in comparison.items()},
        tables={"cooling_priorities": priorities},
    )


def _green_areas(ctx: Context) -> gpd.GeoDataFrame:
    """Public greenspace sites with a cooling capacity from their own canopy (shade only)."""
    sites = ctx.sites[ctx.sites["accessible"]].copy()
    layer = ctx.study.load(ctx.study.layer_name("canopy"))
    cover = canopy.canopy_cover(sites, layer, zone_id="site_id")
    sites["cooling_capacity"] = (
        cover["canopy_pct"].reindex(sites["site_id"]).fillna(0.0) / 100.0
    ).to_numpy()
    return sites


FAMILY = Family(
    name="cooling",
    kinds=("small_areas", "canopy", "heat"),
    optional=("greenspace",),
    needed_for="cooling priorities (AR6)",
    compute=_compute,
    after=(SMALL_AREAS,),
    order=40,
    indicators="coventry_geo.indicators.cooling",
)
