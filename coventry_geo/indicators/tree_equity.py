r"""NB6 canopy equity: a Tree-Equity-style score and a planting-priority list.

Follows the structure of American Forests' Tree Equity Score (TES; UK edition
scored per LSOA with Woodland Trust):

.. math::

    \text{goal}_i &= \min(B \cdot f(\rho_i),\; c B) \\
    \text{gap}_i &= \max(\text{goal}_i - \text{canopy}_i, 0) \\
    \text{gap score}_i &= \text{gap}_i / \max_j \text{gap}_j \\
    \text{TES}_i &= 100 \, (1 - \text{gap score}_i \cdot P_i)

with :math:`B` the baseline (30 % in the UK edition), :math:`f` the
population-density factor, :math:`c = 1.5` the cap on the goal and :math:`P_i`
the priority index: the equal-weight mean of the min-max normalised priority
indicators present (deprivation, heat anomaly, % children aged 0-15, % aged 65
and over, health deprivation), each oriented so that 1 is the greatest need.

**Departures from TES, and why.**

* The density factor is American Forests' published US table (< 2,000
  persons/km²: 1.2; 2,000-4,000: 1.0; 4,000-8,000: 0.8; > 8,000: 0.5, goal capped
  at 150 % of the baseline). The UK edition's own density adjustment could not
  be confirmed from public sources offline; the breaks and factors are settings.
* Indicators are normalised, and the gap score divided, across the study's own
  small areas, not nationally: scores rank need within the city and are not
  comparable with the published UK scores.
* The priority indicators are those the toolkit holds (IMD, LST anomaly, age,
  IMD health domain) rather than the UK edition's set (which includes air
  pollution and income/employment domains). Indicators that are absent are
  dropped from the mean (a zone missing one value is scored on the others).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coventry_geo.columns import DOCS_SECTIONS, ColumnInfo, register_columns
from coventry_geo.indices import weighted_index

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd
    from numpy.typing import ArrayLike

__all__ = [
    "DEFAULT_BASELINE_PCT",
    "DEFAULT_CROWN_AREA_M2",
    "density_factor",
    "priority_indicators",
    "tree_equity_score",
    "planting_priorities",
    "ward_tree_equity",
]

logger = logging.getLogger(__name__)

#: Baseline canopy goal of the UK Tree Equity Score (%).
DEFAULT_BASELINE_PCT = 30.0
#: Canopy area per tree assumed by the UK Tree Equity Score (m²).
DEFAULT_CROWN_AREA_M2 = 55.74
#: Population-density breaks (persons/km²) of American Forests' goal adjustment.
DEFAULT_DENSITY_BREAKS: tuple[float, ...] = (2_000.0, 4_000.0, 8_000.0)
#: Goal factors below, between and above the breaks.
DEFAULT_DENSITY_FACTORS: tuple[float, ...] = (1.2, 1.0, 0.8, 0.5)
#: Cap on the goal, as a multiple of the baseline.
DEFAULT_GOAL_CAP = 1.5

_M2_PER_HA = 10_000.0
_DEPRIVATION = ("imd_score", "imd_rank", "imd_decile")
_HEALTH = ("health_score", "health_decile")


def density_factor(
    density_per_km2: ArrayLike,
    *,
    breaks: Sequence[float] = DEFAULT_DENSITY_BREAKS,
    factors: Sequence[float] = DEFAULT_DENSITY_FACTORS,
) -> np.ndarray:
    """Goal adjustment for population density (a value on a break takes the upper class).

    Parameters
    ----------
    density_per_km2 : array-like
        Residents per km².
    breaks : sequence of float, keyword-only
        Increasing class breaks (persons/km²).
    factors : sequence of float, keyword-only
        One factor per class (``len(breaks) + 1``).

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        If the numbers of breaks and factors do not match.

    Examples
    --------
    >>> density_factor([1_000, 2_000, 5_000, 9_000]).tolist()
    [1.2, 1.0, 0.8, 0.5]
    """
    if len(factors) != len(breaks) + 1:
        msg = (
            f"tree equity: {len(breaks)} density breaks need {len(breaks) + 1} factors, "
            f"got {len(factors)}. Fix: give one factor per density class in [settings.canopy]."
        )
        raise ValueError(msg)
    classes = np.searchsorted(np.asarray(breaks), np.asarray(density_per_km2), side="right")
    return np.asarray(factors, dtype="float64")[classes]


def priority_indicators(
    small_areas: pd.DataFrame, *, heat: str | None = "lst_anomaly_c"
) -> pd.DataFrame:
    """Collect the priority indicators present in a small-area table.

    Parameters
    ----------
    small_areas : pandas.DataFrame
        May hold ``imd_score`` / ``imd_rank`` / ``imd_decile`` (the first present
        is used), the heat column, ``age_0_15`` and ``age_65_plus`` with
        ``population`` (persons), and ``health_score`` / ``health_decile``.
    heat : str or None, keyword-only
        Heat-anomaly column (°C).

    Returns
    -------
    pandas.DataFrame
        One column per indicator present, keeping its name (``children_pct`` and
        ``older_pct`` are % of residents); the direction of each is resolved by
        :func:`coventry_geo.indices.higher_is_worse`.
    """
    t = small_areas
    out = pd.DataFrame(index=t.index)
    for group in (_DEPRIVATION, (heat,) if heat else (), _HEALTH):
        present = [c for c in group if c in t.columns]
        if present:
            out[present[0]] = t[present[0]].astype("float64")
    if "population" in t.columns:
        people = t["population"].astype("float64").where(t["population"] > 0)
        for count, name in (("age_0_15", "children_pct"), ("age_65_plus", "older_pct")):
            if count in t.columns:
                out[name] = 100.0 * t[count] / people
    return out


def tree_equity_score(
    small_areas: gpd.GeoDataFrame | pd.DataFrame,
    *,
    canopy: str = "canopy_pct",
    area: str | None = None,
    heat: str | None = "lst_anomaly_c",
    baseline_pct: float = DEFAULT_BASELINE_PCT,
    density_breaks: Sequence[float] = DEFAULT_DENSITY_BREAKS,
    density_factors: Sequence[float] = DEFAULT_DENSITY_FACTORS,
    goal_cap: float = DEFAULT_GOAL_CAP,
    crown_area_m2: float = DEFAULT_CROWN_AREA_M2,
    overrides: Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    r"""Tree-Equity-style score, canopy gap and trees needed per small area.

    Parameters
    ----------
    small_areas : geopandas.GeoDataFrame or pandas.DataFrame
        With the canopy column (%), ``population`` (persons), an area and the
        priority indicators (:func:`priority_indicators`).
    canopy : str, keyword-only
        Canopy cover column, % of area.
    area : str or None, keyword-only
        Area column in ha; default ``canopy_valid_ha``, else ``area_ha``, else
        the geometry's area.
    heat : str or None, keyword-only
        Heat anomaly column (°C) for the priority index.
    baseline_pct : float, keyword-only
        Baseline canopy goal :math:`B`, %.
    density_breaks, density_factors : sequence of float, keyword-only
        Density rule (:func:`density_factor`).
    goal_cap : float, keyword-only
        Largest goal, as a multiple of the baseline.
    crown_area_m2 : float, keyword-only
        Canopy per tree, m².
    overrides : mapping of str to bool, optional, keyword-only
        Whether a high value of a priority column is worse, where the column
        registry does not say.

    Returns
    -------
    pandas.DataFrame
        Same index: ``tes_density_per_km2``, ``tes_goal_pct``, ``tes_gap_pct``,
        ``tes_gap_score`` (0-1), ``tes_priority_index`` (0-1), ``tes_score``
        (0-100, low = greatest need), ``tes_canopy_needed_ha`` and
        ``tes_trees_needed``; ``attrs["priority_indicators"]`` lists the
        indicators used. With no priority indicator at all the priority index
        is 1 and the score reflects the canopy gap alone.

    Notes
    -----
    .. math::

        \text{ha needed}_i = \frac{\text{gap}_i}{100} A_i, \qquad
        \text{trees}_i = \frac{10\,000 \cdot \text{ha needed}_i}{a_{\text{crown}}}
    """
    area_ha = _area_ha(small_areas, area)
    density = small_areas["population"].astype("float64") / (area_ha / 100.0)
    factor = density_factor(density, breaks=density_breaks, factors=density_factors)
    goal = np.minimum(baseline_pct * factor, goal_cap * baseline_pct)
    gap = (goal - small_areas[canopy].astype("float64")).clip(lower=0.0)
    gap_score = gap / gap.max() if gap.max() > 0 else gap * 0.0
    indicators = priority_indicators(small_areas, heat=heat)
    priority = (
        weighted_index(indicators, list(indicators.columns), overrides=overrides)
        if len(indicators.columns)
        else pd.Series(1.0, index=small_areas.index)
    )
    needed_ha = gap / 100.0 * area_ha
    out = pd.DataFrame(
        {
            "tes_density_per_km2": density,
            "tes_goal_pct": goal,
            "tes_gap_pct": gap,
            "tes_gap_score": gap_score,
            "tes_priority_index": priority,
            "tes_score": 100.0 * (1.0 - gap_score * priority),
            "tes_canopy_needed_ha": needed_ha,
            "tes_trees_needed": needed_ha * _M2_PER_HA / crown_area_m2,
        },
        index=small_areas.index,
    )
    out.attrs["priority_indicators"] = list(indicators.columns)
    logger.info("tree equity: priority index from %s", ", ".join(indicators.columns) or "nothing")
    return out


def _area_ha(table: pd.DataFrame, area: str | None) -> pd.Series:
    for name in (area,) if area else ("canopy_valid_ha", "area_ha"):
        if name in table.columns:
            return table[name].astype("float64")
    if area is None and hasattr(table, "geometry"):
        return pd.Series(table.geometry.area.to_numpy() / _M2_PER_HA, index=table.index)
    msg = (
        f"tree equity: no area column ('{area or 'canopy_valid_ha'}' / 'area_ha') and no "
        "geometry. Fix: pass area= the column of zone areas in ha, or a GeoDataFrame."
    )
    raise ValueError(msg)


def planting_priorities(
    small_areas: pd.DataFrame, scores: pd.DataFrame, *, top: int | None = None
) -> pd.DataFrame:
    """Rank small areas with a canopy gap for planting: lowest score first.

    Parameters
    ----------
    small_areas : pandas.DataFrame
        With ``area_id`` (and ``area_name`` when present).
    scores : pandas.DataFrame
        :func:`tree_equity_score` output, same index.
    top : int, optional, keyword-only
        Keep the first ``top`` rows.

    Returns
    -------
    pandas.DataFrame
        ``planting_rank`` (1 = first), the ids and the score columns, for zones
        with a gap; ties in score are broken by more trees needed first.
    """
    ids = small_areas.reindex(columns=[c for c in ("area_id", "area_name") if c in small_areas])
    table = ids.join(scores)
    table = table[table["tes_gap_pct"] > 0].sort_values(
        ["tes_score", "tes_trees_needed"], ascending=[True, False]
    )
    table.insert(0, "planting_rank", np.arange(1, len(table) + 1))
    return table.head(top).reset_index(drop=True) if top else table.reset_index(drop=True)


def ward_tree_equity(
    small_areas: pd.DataFrame, scores: pd.DataFrame, lookup: pd.Series
) -> pd.DataFrame:
    r"""Ward tree equity: residents-weighted mean score and total canopy and trees needed.

    Parameters
    ----------
    small_areas : pandas.DataFrame
        With ``area_id`` and ``population`` (persons).
    scores : pandas.DataFrame
        :func:`tree_equity_score` output, same index.
    lookup : pandas.Series
        ``ward_id`` indexed by ``area_id`` (a best-fit lookup).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ward_id``: ``tes_score``, ``tes_canopy_needed_ha``,
        ``tes_trees_needed``.

    Notes
    -----
    .. math:: \text{TES}_W = \frac{\sum_{i \in W} p_i \text{TES}_i}{\sum_{i \in W} p_i}
    """
    ward = small_areas["area_id"].astype("string").map(lookup.rename(index=str))
    table = scores.assign(ward_id=ward.to_numpy(), weight=small_areas["population"].to_numpy())
    table = table.dropna(subset=["ward_id", "tes_score"])
    groups = table.assign(weighted=table["tes_score"] * table["weight"]).groupby("ward_id")
    out = groups[["tes_canopy_needed_ha", "tes_trees_needed"]].sum()
    out.insert(0, "tes_score", groups["weighted"].sum() / groups["weight"].sum())
    return out


#: Indices built from min-max normalised values: their zero is arbitrary (interval scale).
_NORMALISED = ("tes_priority_index", "tes_score")


def _info(name: str, label: str, unit: str, description: str, worse: bool | None) -> ColumnInfo:
    scale = "interval" if name in _NORMALISED else ""
    return ColumnInfo(
        name,
        label,
        unit,
        description,
        "canopy",
        higher_is_worse=worse,
        scale=scale,
        docs=DOCS_SECTIONS["tree_equity"],
    )


register_columns(
    _info(
        "tes_density_per_km2",
        "Population density",
        "persons/km²",
        "Residents per km² of the zone, for the canopy goal's density factor.",
        None,
    ),
    _info(
        "tes_goal_pct",
        "Canopy goal",
        "%",
        "Baseline goal (30 %) times the density factor, capped at 1.5 x baseline.",
        None,
    ),
    _info(
        "tes_gap_pct",
        "Canopy gap to goal",
        "percentage points",
        "max(goal - canopy cover, 0).",
        True,
    ),
    _info(
        "tes_gap_score",
        "Canopy gap score",
        "0-1",
        "Gap divided by the largest gap in the city.",
        True,
    ),
    _info(
        "tes_priority_index",
        "Tree planting priority index",
        "0-1",
        "Mean of min-max normalised deprivation, heat anomaly, % children, % over 65 and "
        "health deprivation (those present).",
        True,
    ),
    _info(
        "tes_score",
        "Tree Equity Score",
        "0-100",
        "100 x (1 - gap score x priority index); lower means greater need.",
        False,
    ),
    _info(
        "tes_canopy_needed_ha", "Canopy needed to reach the goal", "ha", "Gap x zone area.", True
    ),
    _info(
        "tes_trees_needed",
        "Trees needed to reach the goal",
        "trees",
        "Canopy needed / crown area per tree (55.74 m² by default).",
        True,
    ),
)
