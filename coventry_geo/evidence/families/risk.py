"""Composite climate-risk index (AR1): hazard × vulnerability × exposure per small area and ward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from coventry_geo._lazy import lazy_import
from coventry_geo.errors import ManifestError
from coventry_geo.evidence.context import AREA_ID, SMALL_AREAS, Family, FamilyResult
from coventry_geo.evidence.small_areas import deprivation_column
from coventry_geo.indices import NORMALISATIONS
from coventry_geo.manifest.keys import Bounds, choice
from coventry_geo.manifest.settings import WEIGHTS, setting

if TYPE_CHECKING:
    from coventry_geo.evidence.context import Context, Evidence

risk = lazy_import("coventry_geo.indicators.risk")
te = lazy_import("coventry_geo.indicators.tree_equity")

__all__ = ["DEFAULT_RISK_HAZARD", "DEFAULT_RISK_VULNERABILITY", "FAMILY", "RiskSettings"]

DEFAULT_RISK_HAZARD = {"flood_area_pct": 1.0, "lst_mean_c": 1.0}
DEFAULT_RISK_VULNERABILITY = {"imd": 1.0, "older_pct": 0.5, "children_pct": 0.5}
_HAZARDS = ("flood_area_pct", "lst_mean_c", "canopy_pct", "hnz_area_pct")


@dataclass(frozen=True)
class RiskSettings:
    """``[settings.risk]``: weights and method of the composite risk index.

    Attributes
    ----------
    hazard, vulnerability : dict of str to float, or list of str, or None
        Indicator weights (>= 0) of each component.
    normalisation : str or None
        ``minmax``, ``rank`` or ``zscore``.
    combine : str or None
        ``product`` or ``mean``.
    """

    hazard: dict[str, float] | list[str] | None = setting(None, WEIGHTS, bounds=Bounds(0))
    vulnerability: dict[str, float] | list[str] | None = setting(None, WEIGHTS, bounds=Bounds(0))
    normalisation: str | None = setting(None, choice(*NORMALISATIONS))
    combine: str | None = setting(None, choice("product", "mean"))

    def problems(self) -> list[str]:
        """Problems between fields: weights that are all zero."""
        return [
            f"{name} weights are all zero"
            for name in ("hazard", "vulnerability")
            if isinstance(getattr(self, name), dict)
            and getattr(self, name)
            and not any(getattr(self, name).values())
        ]


def _compute(ctx: Context, _: dict[str, str], evidence: Evidence) -> FamilyResult:
    options = dict(ctx.settings.section("risk"))
    small = evidence.small_areas.set_index(AREA_ID, drop=False)
    vulnerability_small = te.priority_indicators(small, heat=None)
    table = small.join(
        vulnerability_small[[c for c in ("children_pct", "older_pct") if c in vulnerability_small]]
    )
    hazard = _hazard(ctx, table, options.pop("hazard", None))
    weights = options.pop("vulnerability", DEFAULT_RISK_VULNERABILITY)
    vulnerability = _vulnerability(table, weights)
    if not hazard:
        return FamilyResult(
            skipped=f"no hazard indicator per small area ({', '.join(DEFAULT_RISK_HAZARD)}: "
            "the flood_zones or heat layer): composite climate-risk index not computed"
        )
    if not vulnerability:
        return FamilyResult(
            skipped=f"no vulnerability field ({', '.join(weights)}) with values in the small "
            "areas: composite climate-risk index not computed"
        )
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
    return FamilyResult(
        columns=_ward_risk(table.join(scored)),
        tables={
            "risk_small_areas": table[[AREA_ID, "ward_id"]].join(scored).reset_index(drop=True),
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
        column = deprivation_column(table) if key == "imd" else key
        if column and column in table.columns:
            resolved[column] = float(weight)
    return resolved


def _ward_risk(scored: pd.DataFrame) -> pd.DataFrame:
    """Ward risk: population-weighted mean of its small areas' index, and its rank.

    Small areas without an index are left out of their ward's mean. A ward whose scored small
    areas have no residents at all takes their unweighted mean (0 when exposure is population:
    no residents, no risk); a ward with no scored small area is NA and unranked.
    """
    index = scored["risk_index"]
    weight = (
        scored["population"].fillna(0.0)
        if "population" in scored.columns
        else pd.Series(1.0, index=scored.index)
    ).where(index.notna(), 0.0)
    frame = pd.DataFrame(
        {"ward_id": scored["ward_id"], "w": weight, "wr": weight * index.fillna(0.0), "r": index}
    )
    by_ward = frame.groupby("ward_id")
    sums = by_ward[["w", "wr"]].sum()
    weighted = (sums["wr"] / sums["w"]).where(sums["w"] > 0)
    ward_index = weighted.fillna(by_ward["r"].mean()).rename("risk_index")
    rank = ward_index.rank(ascending=False, method="min").rename("risk_rank")
    rank = rank.astype("int64") if rank.notna().all() else rank.astype("Int64")
    return pd.concat([ward_index, rank], axis=1)


FAMILY = Family(
    name="risk",
    kinds=("small_areas",),
    needed_for="composite climate-risk index (AR1)",
    settings=RiskSettings,
    compute=_compute,
    after=(SMALL_AREAS,),
    order=30,
    indicators="coventry_geo.indicators.risk",
)
