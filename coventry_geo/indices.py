"""Composite indices: the direction of indicator columns, their normalisation, weighted sums.

The direction of known columns (is a high value worse?), the normalisations used
by the composite indices (risk, cooling, tree equity) and their weighted index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from coventry_geo.columns import column_info

if TYPE_CHECKING:
    from collections.abc import Sequence


__all__ = [
    "Normalisation",
    "NORMALISATIONS",
    "higher_is_worse",
    "normalise",
    "weighted_index",
    "oriented",
]

Normalisation = Literal["minmax", "rank", "zscore"]

#: Normalisations accepted by :func:`normalise`.
NORMALISATIONS: tuple[str, ...] = ("minmax", "rank", "zscore")

#: Columns where a *lower* value is worse (1 = most deprived).
_LOWER_IS_WORSE = frozenset({"imd_rank", "imd_decile", "health_rank", "health_decile"})


def higher_is_worse(column: str, overrides: Mapping[str, bool] | None = None) -> bool:
    """Whether a high value of a column is worse (more hazard, deprivation or need).

    ``overrides`` first, then ranks and deciles (1 = most deprived: lower is
    worse), then the column registry; columns known nowhere count as hazards.
    """
    if overrides and column in overrides:
        return bool(overrides[column])
    if column in _LOWER_IS_WORSE:
        return False
    try:
        registered = column_info(column).higher_is_worse
    except KeyError:
        return True
    return True if registered is None else registered


def oriented(
    values: pd.Series, column: str, overrides: Mapping[str, bool] | None = None
) -> pd.Series:
    """Return the values signed so that higher is worse (negated where lower is worse)."""
    values = values.astype("float64")
    return values if higher_is_worse(column, overrides) else -values


def normalise(values: pd.Series, method: Normalisation = "minmax") -> pd.Series:
    r"""Rescale a column to 0-1 (higher stays higher).

    Parameters
    ----------
    values : pandas.Series
        Numeric values; NaN stays NaN.
    method : {"minmax", "rank", "zscore"}
        ``minmax``: :math:`(x - \min) / (\max - \min)` (0.5 when all values are
        equal); ``rank``: percentile rank :math:`\operatorname{rank}(x) / n` in
        (0, 1], ties averaged; ``zscore``: :math:`\Phi((x - \bar x) / s)`, the
        standard normal CDF of the z-score, in (0, 1) (0.5 when :math:`s = 0`).

    Returns
    -------
    pandas.Series

    Raises
    ------
    ValueError
        For an unknown method.
    """
    x = values.astype("float64")
    if method == "minmax":
        span = x.max() - x.min()
        return (x - x.min()) / span if span > 0 else x * 0.0 + 0.5
    if method == "rank":
        return x.rank(method="average") / x.notna().sum()
    if method == "zscore":
        sd = x.std(ddof=0)
        z = (x - x.mean()) / sd if sd > 0 else x * 0.0
        from scipy.stats import norm  # slow to import: only this normalisation needs it

        return pd.Series(norm.cdf(z), index=x.index).where(x.notna())
    msg = (
        f"normalisation '{method}' is not known. Fix: use one of {', '.join(NORMALISATIONS)} "
        "(normalisation in [settings.risk], or the method= argument)."
    )
    raise ValueError(msg)


def weighted_index(
    table: pd.DataFrame,
    weights: Mapping[str, float] | Sequence[str],
    *,
    method: Normalisation = "minmax",
    overrides: Mapping[str, bool] | None = None,
) -> pd.Series:
    r"""Weighted mean of normalised, worse-is-higher columns.

    .. math:: I_i = \frac{\sum_k w_k \, N(x_{ik})}{\sum_k w_k [x_{ik} \text{ known}]}

    A zone missing a value is scored on the columns it has (weights renormalised).
    ``weights`` may be a list of columns (equal weights).
    """
    if not isinstance(weights, Mapping):
        weights = dict.fromkeys(weights, 1.0)
    missing = [c for c in weights if c not in table.columns]
    if missing:
        msg = (
            f"columns {', '.join(missing)} are not in the table (it has "
            f"{', '.join(map(str, table.columns))}). Fix: compute them first or drop them "
            "from the weights."
        )
        raise ValueError(msg)
    scores = pd.DataFrame(
        {c: normalise(oriented(table[c], c, overrides), method) for c in weights}, index=table.index
    )
    w = pd.Series(weights, dtype="float64")
    known = scores.notna().astype("float64")
    total = scores.fillna(0.0).mul(w, axis=1).sum(axis=1)
    return total / known.mul(w, axis=1).sum(axis=1).replace(0.0, np.nan)
