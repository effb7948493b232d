r"""AR1 composite climate-risk index: hazard x exposure x vulnerability.

Per zone (ward or small area), each component is the weighted mean of its
indicators after each is oriented (higher is worse: a low IMD rank counts as
high deprivation) and normalised to 0-1 across the zones:

.. math::

    H_i = \frac{\sum_k w_k N(h_{ik})}{\sum_k w_k}, \quad
    E_i = \ldots, \quad V_i = \ldots, \qquad R_i = H_i \, E_i \, V_i

The weights come from the manifest (``[settings.risk]``); by default each
indicator of a component weighs the same. The default normalisation is
min-max; rank (percentile) and z-score (mapped through the normal CDF) are the
alternatives (:func:`coventry_geo.indices.normalise`).

**Zeros.** The product is zero when any component is zero: a zone with no
residents, or no hazard, has no risk, which is intended. Under min-max the
zone with the lowest value of a component gets exactly 0 there, so it ties at
the bottom of the ranking whatever its other components; the rank and z-score
normalisations never reach 0, and the sensitivity table shows how much this
matters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from coventry_geo.columns import ColumnInfo, register_columns
from coventry_geo.indices import NORMALISATIONS, Normalisation, weighted_index

__all__ = ["composite_risk", "risk_sensitivity"]

logger = logging.getLogger(__name__)

Weights = Mapping[str, float] | Sequence[str]
Combination = Literal["product", "mean"]

_COMPONENTS = ("hazard", "exposure", "vulnerability")


def composite_risk(
    zones: pd.DataFrame,
    *,
    hazard: Weights,
    vulnerability: Weights,
    exposure: Weights = ("residents",),
    normalisation: Normalisation = "minmax",
    combine: Combination = "product",
    overrides: Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    """Composite climate-risk index and rank of each zone.

    Parameters
    ----------
    zones : pandas.DataFrame
        One row per zone with the indicator columns.
    hazard : mapping of str to float, or sequence of str, keyword-only
        Hazard columns (e.g. ``flood_area_pct``, ``lst_anomaly_c``) and weights.
    vulnerability : mapping or sequence, keyword-only
        Vulnerability columns (e.g. ``imd_score``, ``older_pct``) and weights.
    exposure : mapping or sequence, keyword-only
        Exposure columns (persons); default ``residents``.
    normalisation : {"minmax", "rank", "zscore"}, keyword-only
        How each indicator is brought to 0-1.
    combine : {"product", "mean"}, keyword-only
        :math:`H E V` (default) or :math:`(H + E + V) / 3`.
    overrides : mapping of str to bool, optional, keyword-only
        Whether a high value is worse, per column, where the registry does not say.

    Returns
    -------
    pandas.DataFrame
        Same index: ``risk_hazard_index``, ``risk_exposure_index``,
        ``risk_vulnerability_index`` (0-1), ``risk_index`` (0-1) and
        ``risk_rank`` (1 = highest risk; ties share the best rank).

    Raises
    ------
    ValueError
        For a missing column, an unknown normalisation or combination, or
        negative weights.
    """
    parts = {"hazard": hazard, "exposure": exposure, "vulnerability": vulnerability}
    out = pd.DataFrame(index=zones.index)
    for name, weights in parts.items():
        _check_weights(name, weights)
        out[f"risk_{name}_index"] = weighted_index(
            zones, weights, method=normalisation, overrides=overrides
        )
    components = out[[f"risk_{c}_index" for c in _COMPONENTS]]
    out["risk_index"] = _combine(components, combine)
    out["risk_rank"] = out["risk_index"].rank(ascending=False, method="min")
    return out


def _check_weights(component: str, weights: Weights) -> None:
    values = list(weights.values()) if isinstance(weights, Mapping) else [1.0] * len(weights)
    if not values or min(values) < 0 or sum(values) <= 0:
        shown = dict(weights) if isinstance(weights, Mapping) else list(weights)
        msg = (
            f"risk: the {component} weights {shown} "
            "must name at least one column with non-negative weights summing above 0. "
            "Fix: correct [settings.risk] in the manifest."
        )
        raise ValueError(msg)


def _combine(components: pd.DataFrame, how: Combination) -> pd.Series:
    if how == "product":
        return components.prod(axis=1, skipna=False)
    if how == "mean":
        return components.mean(axis=1, skipna=False)
    msg = (
        f'risk: combination \'{how}\' is not known. Fix: set combine = "product" or "mean" '
        "([settings.risk] in the manifest, or the combine= argument)."
    )
    raise ValueError(msg)


def risk_sensitivity(
    zones: pd.DataFrame,
    *,
    hazard: Weights,
    vulnerability: Weights,
    exposure: Weights = ("residents",),
    normalisation: Normalisation = "minmax",
    weight_change: float = 0.5,
    overrides: Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    r"""How the risk ranks move under alternative weights, normalisations and combination.

    Scenarios, each against the default (the arguments as given):

    * each indicator's weight times :math:`1 \pm` ``weight_change`` (only in
      components with two or more indicators: a lone indicator's weight cancels);
    * each other normalisation;
    * the arithmetic mean of the components instead of their product.

    Parameters
    ----------
    zones, hazard, vulnerability, exposure, normalisation, overrides
        As in :func:`composite_risk` (the default scenario).
    weight_change : float, keyword-only
        Relative change of one weight (0.5 = ±50 %).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``scenario``: ``spearman_rho`` (Spearman correlation of the
        risk index with the default's), ``max_rank_change`` and
        ``mean_abs_rank_change`` (places).
    """
    parts = {"hazard": hazard, "exposure": exposure, "vulnerability": vulnerability}
    base = composite_risk(zones, normalisation=normalisation, overrides=overrides, **parts)
    rows = {}
    for label, kwargs in _scenarios(parts, normalisation, weight_change):
        options = {"normalisation": normalisation, "overrides": overrides, **parts, **kwargs}
        rows[label] = _compare(base, composite_risk(zones, **options))
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("scenario")
    logger.info(
        "risk sensitivity: %d scenarios, lowest rho %.3f", len(table), table["spearman_rho"].min()
    )
    return table


def _scenarios(
    parts: dict[str, Weights], normalisation: str, change: float
) -> list[tuple[str, dict[str, object]]]:
    out: list[tuple[str, dict[str, object]]] = []
    for component, weights in parts.items():
        w = dict(weights) if isinstance(weights, Mapping) else dict.fromkeys(weights, 1.0)
        if len(w) < 2:
            continue
        for column in w:
            for sign, word in ((1, "+"), (-1, "-")):
                changed = {**w, column: w[column] * (1 + sign * change)}
                out.append((f"weight {column} {word}{change:.0%}", {component: changed}))
    out += [
        (f"normalisation {m}", {"normalisation": m}) for m in NORMALISATIONS if m != normalisation
    ]
    out.append(("combination mean", {"combine": "mean"}))
    return out


def _compare(base: pd.DataFrame, alt: pd.DataFrame) -> dict[str, float]:
    both = pd.concat([base["risk_index"], alt["risk_index"]], axis=1).dropna()
    # Spearman's rho is undefined when either index is constant (e.g. every zone 0): NaN
    varies = len(both) > 1 and (both.nunique() > 1).all()
    rho = spearmanr(both.iloc[:, 0], both.iloc[:, 1]).statistic if varies else np.nan
    moved = (alt["risk_rank"] - base["risk_rank"]).abs()
    return {
        "spearman_rho": float(rho),
        "max_rank_change": float(moved.max()),
        "mean_abs_rank_change": float(moved.mean()),
    }


def _info(name: str, label: str, unit: str, description: str, worse: bool | None) -> ColumnInfo:
    # indices in 0-1 are min-max normalised: their zero is the lowest zone (interval scale)
    scale = "interval" if unit == "0-1" else ""
    return ColumnInfo(name, label, unit, description, "risk", higher_is_worse=worse, scale=scale)


register_columns(
    _info(
        "risk_hazard_index",
        "Hazard index",
        "0-1",
        "Weighted mean of the normalised hazard indicators (flood, heat).",
        True,
    ),
    _info(
        "risk_exposure_index",
        "Exposure index",
        "0-1",
        "Weighted mean of the normalised exposure indicators (residents).",
        True,
    ),
    _info(
        "risk_vulnerability_index",
        "Vulnerability index",
        "0-1",
        "Weighted mean of the normalised vulnerability indicators (deprivation, age).",
        True,
    ),
    _info(
        "risk_index",
        "Composite climate risk",
        "0-1",
        "Hazard index x exposure index x vulnerability index.",
        True,
    ),
    _info("risk_rank", "Climate-risk rank", "rank", "1 = highest composite risk.", None),
)
