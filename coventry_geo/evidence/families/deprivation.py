"""Ward deprivation: the small areas' Index of Multiple Deprivation summarised per ward."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import Family, FamilyResult

if TYPE_CHECKING:
    from coventry_geo.evidence.context import Context, Evidence

deprivation = lazy_import("coventry_geo.indicators.deprivation")


def _wards(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    small = ctx.study.vector(layers["small_areas"])
    cols = deprivation.ward_deprivation(
        ctx.wards, small, residences=ctx.residences, lookup=ctx.small_area_wards
    )
    return FamilyResult(columns=cols)


FAMILY = Family(
    name="deprivation",
    kinds=("small_areas",),
    needed_for="ward deprivation",
    compute=_wards,
    order=80,
    indicators="coventry_geo.indicators.deprivation",
)
