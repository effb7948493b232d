"""Tree equity (NB6): the Tree Equity Score of small areas, planting priorities, ward summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coventry_geo._lazy import lazy_import
from coventry_geo.errors import ManifestError
from coventry_geo.evidence.context import AREA_ID, SMALL_AREAS, Family, FamilyResult
from coventry_geo.manifest.keys import NUMBER, Bounds, show_value
from coventry_geo.manifest.settings import NUMBER_LIST, setting

if TYPE_CHECKING:
    from coventry_geo.evidence.context import Context, Evidence

te = lazy_import("coventry_geo.indicators.tree_equity")

__all__ = ["FAMILY", "TreeEquitySettings"]


@dataclass(frozen=True)
class TreeEquitySettings:
    """``[settings.tree_equity]``: the Tree Equity Score's goal.

    Attributes
    ----------
    baseline_pct : float or None
        Baseline canopy goal (%), 0-100.
    density_breaks : list of float or None
        Increasing population-density breaks (persons/km²).
    density_factors : list of float or None
        Goal factors (>= 0), one more than the breaks.
    goal_cap : float or None
        Cap on the goal, as a multiple of the baseline (> 0).
    """

    baseline_pct: float | None = setting(None, NUMBER, bounds=Bounds(0, 100))
    density_breaks: list[float] | None = setting(None, NUMBER_LIST, bounds=Bounds(0))
    density_factors: list[float] | None = setting(None, NUMBER_LIST, bounds=Bounds(0))
    goal_cap: float | None = setting(None, NUMBER, bounds=Bounds(0, low_inclusive=False))

    def problems(self) -> list[str]:
        """Problems between fields: breaks not increasing, factors not one more than breaks."""
        out = []
        breaks, factors = self.density_breaks, self.density_factors
        if breaks is not None and any(b >= a for a, b in zip(breaks[1:], breaks, strict=False)):
            out.append(f"density_breaks = {show_value(breaks)} are not increasing")
        if breaks is not None and factors is not None and len(factors) != len(breaks) + 1:
            out.append(
                f"{len(breaks)} density_breaks need {len(breaks) + 1} density_factors, "
                f"got {len(factors)}"
            )
        return out


def _compute(ctx: Context, _: dict[str, str], evidence: Evidence) -> FamilyResult:
    table = evidence.small_areas.set_index(AREA_ID, drop=False)
    options = ctx.settings.section("tree_equity")
    try:
        scores = te.tree_equity_score(
            table, crown_area_m2=ctx.settings.tree_crown_area_m2, **options
        )
    except ValueError as exc:
        msg = f"manifest {ctx.study.manifest.path}: [settings.tree_equity]: {exc}"
        raise ManifestError(msg) from exc
    plan = te.planting_priorities(table, scores)
    wards = te.ward_tree_equity(table, scores, table["ward_id"])
    return FamilyResult(columns=wards, tables={"planting_priorities": plan})


FAMILY = Family(
    name="tree_equity",
    kinds=("small_areas", "canopy"),
    needed_for="tree equity and planting priorities (NB6)",
    settings=TreeEquitySettings,
    compute=_compute,
    after=(SMALL_AREAS,),
    order=20,
    indicators="coventry_geo.indicators.tree_equity",
)
