"""The green-and-blue infrastructure database (NB2): assets and their ward summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import Family, FamilyResult

if TYPE_CHECKING:
    import pandas as pd

    from coventry_geo.evidence.context import Context, Evidence

gb = lazy_import("coventry_geo.indicators.green_blue")
population = lazy_import("coventry_geo.indicators.population")


def _wards(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    study = ctx.study
    parcels = study.vector(layers["greenspace"])
    blue = {n: study.vector(n) for n in study.available_all("blue", needed_for="blue assets (NB2)")}
    canopy_name = study.available("canopy", needed_for="canopy patches (NB2)")
    patches = None
    if canopy_name is not None and study.is_raster(canopy_name):
        layer = study.raster(canopy_name)
        patches = gb.canopy_patches(layer, study_area=study.study_area, crs=study.crs)
    assets = gb.green_blue_assets(
        sites=ctx.sites,
        wards=ctx.wards,
        blue=blue,
        canopy_patches=patches,
        parcels=parcels,
        site_layer=layers["greenspace"],
        canopy_layer=canopy_name or "canopy",
    )
    summary = gb.ward_green_blue_summary(assets, ctx.wards, residents=_ward_residents(ctx))
    polygons = assets[assets["length_m"].isna()]
    lines = assets[assets["length_m"].notna()]
    return FamilyResult(columns=summary, layers={gb.POLYGON_LAYER: polygons, gb.LINE_LAYER: lines})


def _ward_residents(ctx: Context) -> pd.Series | None:
    if ctx.residences is None or "residents" not in ctx.residences.columns:
        return None
    return population.ward_residents(ctx.wards, ctx.residences)["residents"]


FAMILY = Family(
    name="green_blue",
    kinds=("greenspace",),
    optional=("blue", "canopy"),
    needed_for="green-and-blue database (NB2)",
    compute=_wards,
    order=70,
    indicators="coventry_geo.indicators.green_blue",
)
