"""Accessible greenspace (NB10): ANGSt access of residents, per ward and small area."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from coventry_geo._lazy import lazy_import
from coventry_geo.evidence.context import (
    AREA_ID,
    Family,
    FamilyResult,
    SmallAreaColumns,
    residence_access,
)
from coventry_geo.manifest.keys import TEXT_LIST
from coventry_geo.manifest.settings import setting

if TYPE_CHECKING:
    import geopandas as gpd

    from coventry_geo.evidence.context import Context, Evidence

gs = lazy_import("coventry_geo.indicators.greenspace")
standards = lazy_import("coventry_geo.standards")

__all__ = ["DEFAULT_STANDARDS", "FAMILY", "GreenspaceSettings", "greenspace_standards"]

DEFAULT_STANDARDS = ("angst_2010", "gi_framework_2023")


@dataclass(frozen=True)
class GreenspaceSettings:
    """``[settings.greenspace]``: the access standards to apply.

    Attributes
    ----------
    standards : list of str or None
        Names of shipped standards (``angst_2010``, ``gi_framework_2023``) or
        paths of standard TOML files; the first is the headline one.
    """

    standards: list[str] | None = setting(None, TEXT_LIST)

    def problems(self) -> list[str]:
        """Problems of the table as a whole: an empty list of standards."""
        return ["standards is an empty list"] if self.standards == [] else []


def greenspace_standards(ctx: Context) -> list[str]:
    """Return the greenspace standards to apply (``[settings.greenspace] standards``).

    Shipped standards by name; standard files as paths resolved against the manifest's folder.
    """
    given = ctx.settings.section("greenspace").get("standards", DEFAULT_STANDARDS)
    files = ctx.study.manifest.setting_files
    return [str(files[s]) if s in files else s for s in given]


def _access_points(ctx: Context) -> gpd.GeoDataFrame | None:
    """Return the sites' entrances (``greenspace_access_points``) matched to the sites, if any."""
    points = ctx.study.available("greenspace_access_points", needed_for="access-point distances")
    return gs.site_access_points(ctx.study.vector(points), ctx.sites) if points else None


def _wards(ctx: Context, _: dict[str, str], __: Evidence) -> FamilyResult:
    sites = ctx.sites
    access_points = _access_points(ctx)
    reserves_name = ctx.study.available(
        "nature_reserves", needed_for="the Local Nature Reserve capacity criterion"
    )
    reserves = ctx.study.vector(reserves_name) if reserves_name else None
    columns, result_layers, shared = [], {"greenspace_sites": sites}, {}
    for standard in greenspace_standards(ctx):
        access = residence_access(
            ctx.residences, sites, standard=standard, access_points=access_points
        )
        shared[f"access:{standard}"] = access  # the small-area table reuses it
        columns.append(
            gs.ward_access(
                access, ctx.wards, standard=standard, sites=sites, nature_reserves=reserves
            )
        )
        deficiency = gs.deficiency_areas(
            sites, ctx.wards, standard=standard, access_points=access_points
        )
        result_layers[f"deficiency_{_code(standard)}"] = deficiency
    return FamilyResult(columns=pd.concat(columns, axis=1), layers=result_layers, shared=shared)


def _small_areas(
    ctx: Context, _: Evidence, small: gpd.GeoDataFrame, __: str
) -> pd.DataFrame | None:
    """Share of each small area's residents meeting the first standard in full."""
    if ctx.residences is None:
        return None
    standard = greenspace_standards(ctx)[0]
    access = ctx.cache.get(f"access:{standard}")  # from the greenspace family, maybe cached
    if access is None:
        access = residence_access(
            ctx.residences, ctx.sites, standard=standard, access_points=_access_points(ctx)
        )
    zones = small[[AREA_ID, small.geometry.name]].rename(columns={AREA_ID: "ward_id"})
    # Only the tiers: capacity criteria are for the wards (and city), not small areas.
    tiers_only = dataclasses.replace(standards.load_standard(standard), capacities=())
    out = gs.ward_access(access, zones, standard=tiers_only, sites=ctx.sites)
    column = f"pct_residents_meeting_{tiers_only.code}_all"
    return out[[column]].rename_axis(AREA_ID)


def _code(standard: str) -> str:
    return standards.load_standard(standard).code


FAMILY = Family(
    name="greenspace",
    kinds=("greenspace", "residences"),
    optional=("greenspace_access_points", "nature_reserves"),
    needed_for="ANGSt greenspace access (NB10)",
    settings=GreenspaceSettings,
    compute=_wards,
    small_area=SmallAreaColumns("greenspace", _small_areas),
    order=60,
    indicators="coventry_geo.indicators.greenspace",
)
