"""Surface-water exposure (AR1): wards against the EA Risk of Flooding from Surface Water bands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import POPULATION_KINDS, Family, FamilyResult

if TYPE_CHECKING:
    from coventry_geo.evidence.context import Context, Evidence

flood = lazy_import("coventry_geo.indicators.flood")


def _wards(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    bands = ctx.study.vector(layers["surface_water"])
    cols = flood.surface_water_exposure(
        ctx.wards, bands, residences=ctx.residences, population=ctx.population
    )
    return FamilyResult(columns=cols)


FAMILY = Family(
    name="surface_water",
    kinds=("surface_water",),
    needed_for="surface-water exposure (AR1)",
    compute=_wards,
    without_residences=POPULATION_KINDS,
    order=20,
    indicators="coventry_geo.indicators.flood",
)
