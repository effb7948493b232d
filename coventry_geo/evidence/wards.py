"""Ward-level indicator families: which layers each needs and how it is called."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import (
    Context,
    Evidence,
    Family,
    FamilyResult,
    residence_access,
)

canopy = lazy_import("coventry_geo.indicators.canopy")
deprivation = lazy_import("coventry_geo.indicators.deprivation")
flood = lazy_import("coventry_geo.indicators.flood")
gb = lazy_import("coventry_geo.indicators.green_blue")
gs = lazy_import("coventry_geo.indicators.greenspace")
heat = lazy_import("coventry_geo.indicators.heat")
heat_networks = lazy_import("coventry_geo.indicators.heat_networks")
population = lazy_import("coventry_geo.indicators.population")
standards = lazy_import("coventry_geo.standards")

__all__ = ["WARD_FAMILIES", "assemble", "base_columns", "greenspace_standards"]

DEFAULT_STANDARDS = ("angst_2010", "gi_framework_2023")


def base_columns(ctx: Context) -> gpd.GeoDataFrame:
    """Ward id, name, area and (with residences) residences and residents."""
    wards = ctx.wards
    columns = [population.ward_area_ha(wards).to_frame()]
    if ctx.residences is not None:
        columns.append(population.ward_residents(wards, ctx.residences))
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


def greenspace_standards(ctx: Context) -> list[str]:
    """Return the greenspace standards to apply (``[settings.greenspace] standards``)."""
    return list(ctx.settings.section("greenspace").get("standards", DEFAULT_STANDARDS))


def _flood(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    zones = ctx.study.vector(layers["flood_zones"])
    return FamilyResult(columns=flood.flood_exposure(ctx.wards, zones, residences=ctx.residences))


def _surface_water(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    sw = ctx.study.vector(layers["surface_water"])
    return FamilyResult(
        columns=flood.surface_water_exposure(ctx.wards, sw, residences=ctx.residences)
    )


def _heat(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
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


def _canopy(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
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


def _heat_networks(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    zones = ctx.study.vector(layers["heat_network_zones"])
    cols = heat_networks.heat_network_coverage(ctx.wards, zones, residences=ctx.residences)
    table = heat_networks.heat_network_zone_table(zones, ctx.wards, residences=ctx.residences)
    return FamilyResult(columns=cols, tables={"heat_network_zones": table})


def _greenspace(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    sites = ctx.sites
    points = ctx.study.available("greenspace_access_points", needed_for="access-point distances")
    access_points = gs.site_access_points(ctx.study.vector(points), sites) if points else None
    columns, result_layers, shared = [], {"greenspace_sites": sites}, {}
    for standard in greenspace_standards(ctx):
        access = residence_access(
            ctx.residences, sites, standard=standard, access_points=access_points
        )
        shared[f"access:{standard}"] = access  # the small-area table reuses it
        columns.append(gs.ward_access(access, ctx.wards, standard=standard, sites=sites))
        deficiency = gs.deficiency_areas(
            sites, ctx.wards, standard=standard, access_points=access_points
        )
        result_layers[f"deficiency_{_code(standard)}"] = deficiency
    return FamilyResult(columns=pd.concat(columns, axis=1), layers=result_layers, shared=shared)


def _green_blue(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
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
    residents = _ward_residents(ctx)
    summary = gb.ward_green_blue_summary(assets, ctx.wards, residents=residents)
    polygons = assets[assets["length_m"].isna()]
    lines = assets[assets["length_m"].notna()]
    return FamilyResult(columns=summary, layers={gb.POLYGON_LAYER: polygons, gb.LINE_LAYER: lines})


def _ward_residents(ctx: Context) -> pd.Series | None:
    if ctx.residences is None or "residents" not in ctx.residences.columns:
        return None
    return population.ward_residents(ctx.wards, ctx.residences)["residents"]


def _code(standard: str) -> str:
    return standards.load_standard(standard).code


def _deprivation(ctx: Context, layers: dict[str, str], _: Evidence) -> FamilyResult:
    small = ctx.study.vector(layers["small_areas"])
    cols = deprivation.ward_deprivation(
        ctx.wards, small, residences=ctx.residences, lookup=ctx.small_area_wards
    )
    return FamilyResult(columns=cols)


WARD_FAMILIES: tuple[Family, ...] = (
    Family("flood", ("flood_zones",), "flood-zone exposure (AR1)", _flood),
    Family("surface_water", ("surface_water",), "surface-water exposure (AR1)", _surface_water),
    Family("heat", ("heat",), "heat exposure (AR1)", _heat),
    Family("canopy", ("canopy",), "canopy cover and gap (NB6)", _canopy),
    Family(
        "heat_networks", ("heat_network_zones",), "heat network coverage (RNZ3)", _heat_networks
    ),
    Family(
        "greenspace",
        ("greenspace", "residences"),
        "ANGSt greenspace access (NB10)",
        _greenspace,
        optional=("greenspace_access_points",),
    ),
    Family(
        "green_blue",
        ("greenspace",),
        "green-and-blue database (NB2)",
        _green_blue,
        optional=("blue", "canopy"),
    ),
    Family("deprivation", ("small_areas",), "ward deprivation", _deprivation),
)
