"""Equity statistics (AR1, NB6, NB10): hazards and assets across the small areas' deprivation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import AREA_ID, SMALL_AREAS, Family, FamilyResult
from coventry_geo.evidence.small_areas import DEPRIVATION_COLUMNS, deprivation_column

if TYPE_CHECKING:
    from coventry_geo.evidence.context import Context, Evidence

equity = lazy_import("coventry_geo.indicators.equity")

#: Small-area columns of the equity statistics: ratio scale (heat as the share of area in hot
#: spots, not mean LST in °C), plus ``pct_residents_meeting_*`` when greenspace is assessed.
_EQUITY_INDICATORS = ("flood_area_pct", "hotspot_area_pct", "canopy_pct", "hnz_area_pct")


def _compute(_: Context, __: dict[str, str], evidence: Evidence) -> FamilyResult:
    table = evidence.small_areas
    deprivation = deprivation_column(table)
    indicators = [
        c
        for c in table.columns
        if c in _EQUITY_INDICATORS or c.startswith("pct_residents_meeting_")
    ]
    if deprivation is None:
        return FamilyResult(
            skipped=f"no deprivation field ({', '.join(DEPRIVATION_COLUMNS)}) with values in "
            "the small areas: equity statistics not computed"
        )
    if not indicators:
        return FamilyResult(
            skipped="no hazard or access indicator per small area (the flood_zones, heat, "
            "canopy, heat_network_zones or greenspace layer): equity statistics not computed"
        )
    summary = equity.equity_table(table, indicators, deprivation=deprivation)
    flags = table[[AREA_ID, "ward_id", table.geometry.name]].copy()
    for column in indicators:
        layer = equity.double_jeopardy(table, column, deprivation)
        # zones without a value (left out of the test) are NA, not "no"
        flags[f"dj_{column}"] = layer["double_jeopardy"].astype("boolean").reindex(table.index)
    return FamilyResult(tables={"equity": summary.reset_index()}, layers={"double_jeopardy": flags})


FAMILY = Family(
    name="equity",
    kinds=("small_areas",),
    needed_for="equity statistics (AR1, NB6, NB10)",
    compute=_compute,
    after=(SMALL_AREAS,),
    order=10,
    indicators="coventry_geo.indicators.equity",
)
