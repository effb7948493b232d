"""The small-area table and the families that need it: equity, tree equity, risk, cooling.

The exposure families run a second time with the small areas as zones (the
zonal engine caches one zone grid per zone set), so that equity statistics
can compare hazard with deprivation across small areas.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from coventry_geo._lazy import lazy_import
from coventry_geo.errors import ManifestError
from coventry_geo.evidence.context import (
    Context,
    Evidence,
    Family,
    FamilyResult,
    residence_access,
)
from coventry_geo.evidence.wards import greenspace_standards

canopy = lazy_import("coventry_geo.indicators.canopy")
cooling = lazy_import("coventry_geo.indicators.cooling")
equity = lazy_import("coventry_geo.indicators.equity")
flood = lazy_import("coventry_geo.indicators.flood")
gs = lazy_import("coventry_geo.indicators.greenspace")
heat = lazy_import("coventry_geo.indicators.heat")
heat_networks = lazy_import("coventry_geo.indicators.heat_networks")
risk = lazy_import("coventry_geo.indicators.risk")
standards = lazy_import("coventry_geo.standards")
te = lazy_import("coventry_geo.indicators.tree_equity")

__all__ = ["EXPOSURE_KINDS", "SMALL_AREA_FAMILIES", "small_area_table"]

_ID = "area_id"
_DEPRIVATION = ("imd_score", "imd_rank", "imd_decile")
_HAZARDS = ("flood_area_pct", "lst_mean_c", "canopy_pct", "hnz_area_pct")
#: Small-area columns of the equity statistics: ratio scale (heat as the share of area in hot
#: spots, not mean LST in °C), plus ``pct_residents_meeting_*`` when greenspace is assessed.
_EQUITY_INDICATORS = ("flood_area_pct", "hotspot_area_pct", "canopy_pct", "hnz_area_pct")
DEFAULT_RISK_HAZARD = {"flood_area_pct": 1.0, "lst_mean_c": 1.0}
DEFAULT_RISK_VULNERABILITY = {"imd": 1.0, "older_pct": 0.5, "children_pct": 0.5}


def small_area_table(ctx: Context, evidence: Evidence) -> gpd.GeoDataFrame:
    """Compute indicators per small area: the exposure families with small areas as zones.

    Parameters
    ----------
    ctx : Context
    evidence : Evidence
        The ward-level results so far (for the city reference values).

    Returns
    -------
    geopandas.GeoDataFrame
        The small areas' own fields, ``ward_id`` (from the official lookup when
        the manifest names one, else the ward holding the largest part of the
        small area), ``area_ha`` and the exposure
        columns whose layers the study has.
    """
    small = ctx.small_areas.copy()
    small["ward_id"] = ctx.small_area_wards.reindex(small[_ID]).to_numpy()
    small["area_ha"] = small.area / 10_000.0
    columns = [_exposure(ctx, evidence, small, kind, fn) for kind, fn in _EXPOSURES]
    joined = small.join(
        pd.concat([c for c in columns if c is not None] or [pd.DataFrame()], axis=1), on=_ID
    )
    return gpd.GeoDataFrame(joined, geometry=small.geometry.name, crs=small.crs)


def _exposure(ctx, evidence, small, kind, compute) -> pd.DataFrame | None:  # noqa: ANN001
    name = ctx.study.available(kind, needed_for=f"{kind} per small area")
    return compute(ctx, evidence, small, name) if name else None


def _flood(ctx: Context, _: Evidence, small: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    return flood.flood_exposure(small, ctx.study.vector(name), zone_id=_ID)[["flood_area_pct"]]


def _heat(ctx: Context, evidence: Evidence, small: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    city = heat.CityHeat(mean_c=evidence.city["lst_mean_c"], p90_c=evidence.city["lst_p90_c"])
    out = heat.heat_exposure(
        small,
        ctx.study.raster(name),
        zone_id=_ID,
        city=city,
        hot_spot_threshold_c=ctx.settings.hot_spot_threshold_c,
    )
    return out[["lst_mean_c", "lst_anomaly_c", "hotspot_area_pct"]]


def _canopy(ctx: Context, _: Evidence, small: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    return canopy.canopy_cover(small, ctx.study.load(name), zone_id=_ID)


def _heat_networks(ctx: Context, _: Evidence, small: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    out = heat_networks.heat_network_coverage(small, ctx.study.vector(name), zone_id=_ID)
    return out[["hnz_area_pct"]]


def _greenspace(
    ctx: Context, _: Evidence, small: gpd.GeoDataFrame, name: str
) -> pd.DataFrame | None:
    if ctx.residences is None:
        return None
    standard = greenspace_standards(ctx)[0]
    code = standards.load_standard(standard).code
    access = ctx.cache.get(f"access:{standard}")  # from the greenspace family, maybe cached
    if access is None:
        access = residence_access(ctx.residences, ctx.sites, standard=standard)
    zones = small[[_ID, small.geometry.name]].rename(columns={_ID: "ward_id"})
    out = gs.ward_access(access, zones, standard=standard, sites=ctx.sites)
    column = f"pct_residents_meeting_{code}_all"
    return out[[column]].rename_axis(_ID)


_EXPOSURES = (
    ("flood_zones", _flood),
    ("heat", _heat),
    ("canopy", _canopy),
    ("heat_network_zones", _heat_networks),
    ("greenspace", _greenspace),
)
#: Layer kinds the small-area table reads when present.
EXPOSURE_KINDS: tuple[str, ...] = tuple(kind for kind, _ in _EXPOSURES)


def _deprivation_column(table: pd.DataFrame) -> str | None:
    return next((c for c in _DEPRIVATION if c in table.columns and table[c].notna().any()), None)


def _equity(ctx: Context, _: dict[str, str], evidence: Evidence) -> FamilyResult:
    table = evidence.small_areas
    deprivation = _deprivation_column(table)
    indicators = [
        c
        for c in table.columns
        if c in _EQUITY_INDICATORS or c.startswith("pct_residents_meeting_")
    ]
    if deprivation is None or not indicators:
        return FamilyResult()
    summary = equity.equity_table(table, indicators, deprivation=deprivation)
    flags = table[[_ID, "ward_id", table.geometry.name]].copy()
    for column in indicators:
        layer = equity.double_jeopardy(table, column, deprivation)
        flags[f"dj_{column}"] = layer["double_jeopardy"].to_numpy()
    return FamilyResult(tables={"equity": summary.reset_index()}, layers={"double_jeopardy": flags})


def _tree_equity(ctx: Context, _: dict[str, str], evidence: Evidence) -> FamilyResult:
    table = evidence.small_areas.set_index(_ID, drop=False)
    options = ctx.settings.section("tree_equity")
    try:
        scores = te.tree_equity_score(
            table, crown_area_m2=ctx.settings.tree_crown_area_m2, **options
        )
    except ValueError as exc:
        msg = f"manifest {ctx.study.manifest.path}: [settings.tree_equity]: {exc}"
        raise ManifestError(msg) from exc
    plan = te.planting_priorities(table, scores)
    lookup = table["ward_id"]
    wards = te.ward_tree_equity(table, scores, lookup)
    return FamilyResult(columns=wards, tables={"planting_priorities": plan})


def _risk(ctx: Context, _: dict[str, str], evidence: Evidence) -> FamilyResult:
    options = dict(ctx.settings.section("risk"))
    small = evidence.small_areas.set_index(_ID, drop=False)
    vulnerability_small = te.priority_indicators(small, heat=None)
    table = small.join(
        vulnerability_small[[c for c in ("children_pct", "older_pct") if c in vulnerability_small]]
    )
    hazard = _hazard(ctx, table, options.pop("hazard", None))
    vulnerability = _vulnerability(table, options.pop("vulnerability", DEFAULT_RISK_VULNERABILITY))
    if not hazard or not vulnerability:
        return FamilyResult()
    exposure = ("population",) if "population" in table.columns else ()
    try:
        scored = risk.composite_risk(
            table, hazard=hazard, vulnerability=vulnerability, exposure=exposure, **options
        )
        sensitivity = risk.risk_sensitivity(
            table,
            hazard=hazard,
            vulnerability=vulnerability,
            exposure=exposure,
            normalisation=options.get("normalisation", "minmax"),
        )
    except ValueError as exc:
        msg = f"manifest {ctx.study.manifest.path}: [settings.risk]: {exc}"
        raise ManifestError(msg) from exc
    ward_risk = _ward_risk(table.join(scored), evidence)
    return FamilyResult(
        columns=ward_risk,
        tables={
            "risk_small_areas": table[[_ID, "ward_id"]].join(scored).reset_index(drop=True),
            "risk_sensitivity": sensitivity.reset_index(),
        },
    )


def _hazard(ctx: Context, table: pd.DataFrame, given: dict[str, float] | None) -> dict[str, float]:
    """Hazard weights: the manifest's (every column must exist), else the defaults present."""
    if given is None:
        return {k: v for k, v in DEFAULT_RISK_HAZARD.items() if k in table.columns}
    missing = [k for k in given if k not in table.columns]
    if missing:
        msg = (
            f"manifest {ctx.study.manifest.path}: [settings.risk] hazard names "
            f"{', '.join(missing)}, not computed per small area for this study. Fix: use "
            f"some of {', '.join(c for c in _HAZARDS if c in table.columns)} (their layers "
            "must be present)."
        )
        raise ManifestError(msg)
    return {k: float(v) for k, v in given.items()}


def _vulnerability(table: pd.DataFrame, weights: dict[str, float]) -> dict[str, float]:
    resolved = {}
    for key, weight in weights.items():
        column = _deprivation_column(table) if key == "imd" else key
        if column and column in table.columns:
            resolved[column] = float(weight)
    return resolved


def _ward_risk(scored: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """Ward risk: population-weighted mean of its small areas' index, and its rank."""
    weight = (
        scored["population"]
        if "population" in scored.columns
        else pd.Series(1.0, index=scored.index)
    )
    frame = pd.DataFrame(
        {"ward_id": scored["ward_id"], "w": weight, "wr": weight * scored["risk_index"]}
    )
    sums = frame.groupby("ward_id")[["w", "wr"]].sum()
    index = (sums["wr"] / sums["w"]).rename("risk_index")
    rank = index.rank(ascending=False, method="min").astype("int64").rename("risk_rank")
    return pd.concat([index, rank], axis=1)


def _cooling(ctx: Context, _: dict[str, str], evidence: Evidence) -> FamilyResult:
    table = evidence.small_areas.copy()
    table["shade"] = table["canopy_pct"] / 100.0
    table["cooling_capacity"] = cooling.cooling_capacity(table, shade="shade")
    if ctx.sites is not None:
        green = _green_areas(ctx)
        table = table.join(cooling.heat_mitigation(table, green))
    else:
        table["heat_mitigation"] = table["cooling_capacity"]
    comparison = cooling.cooling_lst_comparison(table)
    priorities = cooling.cooling_priorities(
        table, vulnerability=[c for c in _DEPRIVATION[:1] if c in table]
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


SMALL_AREA_FAMILIES: tuple[Family, ...] = (
    Family("equity", ("small_areas",), "equity statistics (AR1, NB6, NB10)", _equity),
    Family(
        "tree_equity",
        ("small_areas", "canopy"),
        "tree equity and planting priorities (NB6)",
        _tree_equity,
    ),
    Family("risk", ("small_areas",), "composite climate-risk index (AR1)", _risk),
    Family(
        "cooling",
        ("small_areas", "canopy", "heat"),
        "cooling priorities (AR6)",
        _cooling,
        optional=("greenspace",),
    ),
)
