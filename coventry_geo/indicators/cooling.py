r"""AR6 cooling priorities: an InVEST-style cooling capacity per small area.

Follows the InVEST Urban Cooling model (Natural Capital Project; user guide
"Urban Cooling Model", equations 2-4; ``natcap.invest.urban_cooling_model``),
applied to small areas instead of pixels:

.. math::

    CC_i &= 0.6\,\text{shade}_i + 0.2\,\text{albedo}_i + 0.2\,ETI_i \\
    GA_i &= \sum_{j \in D_i} a_j \quad \text{(ha of green area within } d_{cool}\text{)} \\
    CC_{park,i} &= \frac{\sum_{j \in D_i} a_j\, CC_j\, e^{-d_{ij}/d_{cool}}}
                        {\sum_{j \in D_i} a_j\, e^{-d_{ij}/d_{cool}}} \\
    HM_i &= \begin{cases} CC_{park,i} & GA_i \ge 2\text{ ha and } CC_{park,i} > CC_i \\
                          CC_i & \text{otherwise} \end{cases}

:math:`D_i` is the disc of radius :math:`d_{cool}` (450 m by default) around the
small area's centroid; :math:`j` runs over the pieces of green-area polygons in
it, of area :math:`a_j` at distance :math:`d_{ij}` (centroid to the piece's
centroid). This is the user guide's "distance-weighted average of the CC values
from green spaces" with polygons in place of green pixels.

**Reduced form.** Without albedo or evapotranspiration layers the cooling
capacity uses the components present with their weights rescaled to sum to 1
(shade only: :math:`CC = \text{shade}`); green area still enters through the
park rule. Rescaling keeps CC on 0-1 and leaves the ranking of small areas as
the InVEST weights would give it if the missing components were uniform.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

from coventry_geo.columns import ColumnInfo, register_city_values, register_columns
from coventry_geo.indices import Normalisation, normalise, weighted_index

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "DEFAULT_CC_WEIGHTS",
    "DEFAULT_COOLING_DISTANCE_M",
    "cooling_capacity",
    "heat_mitigation",
    "cooling_lst_comparison",
    "cooling_priorities",
]

logger = logging.getLogger(__name__)

#: InVEST's default weights of shade, albedo and evapotranspiration index.
DEFAULT_CC_WEIGHTS: tuple[float, float, float] = (0.6, 0.2, 0.2)
#: InVEST's default distance over which large green areas cool (m).
DEFAULT_COOLING_DISTANCE_M = 450.0
#: Green area within the cooling distance above which parks cool (ha).
DEFAULT_MIN_GREEN_HA = 2.0

_M2_PER_HA = 10_000.0


def cooling_capacity(
    zones: pd.DataFrame,
    *,
    shade: str = "shade",
    albedo: str | None = None,
    eti: str | None = None,
    weights: tuple[float, float, float] = DEFAULT_CC_WEIGHTS,
) -> pd.Series:
    r"""Cooling capacity index of each zone (InVEST Urban Cooling, eq. 2).

    Parameters
    ----------
    zones : pandas.DataFrame
        With the component columns, each a fraction in 0-1.
    shade : str, keyword-only
        Tree-canopy fraction (trees over 2 m), 0-1 (``canopy_pct / 100``).
    albedo : str or None, keyword-only
        Albedo column, 0-1; None when there is no albedo layer.
    eti : str or None, keyword-only
        Evapotranspiration index (:math:`K_c ET_0 / ET_{max}`), 0-1; None when absent.
    weights : tuple of float, keyword-only
        Weights of shade, albedo and ETI.

    Returns
    -------
    pandas.Series
        ``cooling_capacity`` (0-1); ``attrs["components"]`` names those used.

    Raises
    ------
    ValueError
        If a component lies outside 0-1 (e.g. a percentage).

    Notes
    -----
    .. math:: CC_i = \frac{\sum_{k \in K} w_k x_{ik}}{\sum_{k \in K} w_k}

    over the components :math:`K` present; with all three this is
    :math:`0.6\,\text{shade} + 0.2\,\text{albedo} + 0.2\,ETI`.

    Examples
    --------
    >>> import pandas as pd
    >>> cooling_capacity(pd.DataFrame({"shade": [0.5, 0.1]})).tolist()
    [0.5, 0.1]
    """
    columns = {"shade": shade, "albedo": albedo, "eti": eti}
    used = {k: (c, w) for (k, c), w in zip(columns.items(), weights, strict=True) if c}
    total = sum(w for _, w in used.values())
    cc = sum(w * _fraction(zones, c) for c, w in used.values()) / total
    cc = pd.Series(cc, index=zones.index, name="cooling_capacity")
    cc.attrs["components"] = list(used)
    logger.info("cooling capacity from %s", ", ".join(used))
    return cc


def _fraction(zones: pd.DataFrame, column: str) -> pd.Series:
    values = zones[column].astype("float64")
    if ((values < 0) | (values > 1)).any():
        msg = (
            f"cooling: column '{column}' has values from {values.min():g} to {values.max():g}, "
            "outside the 0-1 fraction expected. Fix: divide a percentage by 100."
        )
        raise ValueError(msg)
    return values


def heat_mitigation(
    zones: gpd.GeoDataFrame,
    green_areas: gpd.GeoDataFrame,
    *,
    cc: str = "cooling_capacity",
    green_cc: str | float = "cooling_capacity",
    cooling_distance_m: float = DEFAULT_COOLING_DISTANCE_M,
    min_green_ha: float = DEFAULT_MIN_GREEN_HA,
) -> pd.DataFrame:
    """Heat mitigation index of each zone, with the cooling of large green areas (eq. 3-4).

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Small areas with their cooling capacity ``cc``, in a projected CRS (m).
    green_areas : geopandas.GeoDataFrame
        Green-space polygons (not overlapping), same CRS.
    cc : str, keyword-only
        Zones' cooling-capacity column.
    green_cc : str or float, keyword-only
        Green areas' cooling-capacity column, or one value for all.
    cooling_distance_m : float, keyword-only
        :math:`d_{cool}`, m.
    min_green_ha : float, keyword-only
        Green area within :math:`d_{cool}` needed for the park rule, ha.

    Returns
    -------
    pandas.DataFrame
        Same index: ``green_within_cooling_ha`` (ha), ``cc_park`` (0-1, NaN
        without green area) and ``heat_mitigation`` (0-1).

    Raises
    ------
    ValueError
        If ``green_cc`` names a column the green areas lack.
    """
    pieces = _green_pieces(zones, green_areas, green_cc, cooling_distance_m)
    decay = pieces["area_m2"] * np.exp(-pieces["dist_m"] / cooling_distance_m)
    groups = pieces.assign(decay=decay, cooled=decay * pieces["green_cc"]).groupby("zone")
    sums = groups[["area_m2", "decay", "cooled"]].sum().reindex(range(len(zones)))
    out = pd.DataFrame(index=zones.index)
    out["green_within_cooling_ha"] = sums["area_m2"].fillna(0.0).to_numpy() / _M2_PER_HA
    out["cc_park"] = (sums["cooled"] / sums["decay"]).to_numpy()
    own = zones[cc].astype("float64")
    parks = (out["green_within_cooling_ha"] >= min_green_ha) & (out["cc_park"] > own)
    out["heat_mitigation"] = own.where(~parks, out["cc_park"])
    return out


def _green_pieces(
    zones: gpd.GeoDataFrame, green: gpd.GeoDataFrame, green_cc: str | float, distance: float
) -> pd.DataFrame:
    """Pieces of green area within the cooling distance of each zone's centroid."""
    if isinstance(green_cc, str) and green_cc not in green.columns:
        msg = (
            f"cooling: the green areas have no '{green_cc}' column (they have "
            f"{', '.join(map(str, green.columns))}). Fix: compute their cooling capacity, or "
            "pass green_cc= one value for all green areas."
        )
        raise ValueError(msg)
    values = green[green_cc] if isinstance(green_cc, str) else green_cc
    centres = zones.geometry.centroid.reset_index(drop=True)
    discs = gpd.GeoDataFrame({"zone": np.arange(len(zones))}, geometry=centres.buffer(distance))
    parks = gpd.GeoDataFrame(
        {"green_cc": values}, geometry=green.geometry.array, index=green.index, crs=green.crs
    )
    pieces = discs.overlay(parks, how="intersection", keep_geom_type=True)
    pieces["area_m2"] = pieces.area
    pieces["dist_m"] = pieces.centroid.distance(centres.iloc[pieces["zone"]].reset_index(drop=True))
    return pd.DataFrame(pieces.drop(columns="geometry"))


def cooling_lst_comparison(
    zones: pd.DataFrame, *, hm: str = "heat_mitigation", lst: str = "lst_mean_c"
) -> pd.Series:
    """Correlation of the heat mitigation index with land-surface temperature.

    A working index should correlate negatively with LST (more cooling, cooler).

    Parameters
    ----------
    zones : pandas.DataFrame
        With both columns; zones missing either are left out.
    hm, lst : str, keyword-only
        Heat mitigation (0-1) and mean LST (°C) columns.

    Returns
    -------
    pandas.Series
        ``spearman_rho``, ``spearman_p``, ``pearson_r``, ``pearson_p`` and ``n``.
    """
    both = zones[[hm, lst]].astype("float64").dropna()
    rho = spearmanr(both[hm], both[lst])
    r = pearsonr(both[hm], both[lst])
    return pd.Series(
        {
            "spearman_rho": float(rho.statistic),
            "spearman_p": float(rho.pvalue),
            "pearson_r": float(r.statistic),
            "pearson_p": float(r.pvalue),
            "n": float(len(both)),
        }
    )


def cooling_priorities(
    zones: pd.DataFrame,
    *,
    lst: str = "lst_mean_c",
    hm: str = "heat_mitigation",
    vulnerability: Mapping[str, float] | Sequence[str] = ("imd_score",),
    normalisation: Normalisation = "minmax",
    overrides: Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    r"""Rank zones as candidate sites for nature-based cooling: hot, low cooling, vulnerable.

    Parameters
    ----------
    zones : pandas.DataFrame
        With the LST, heat mitigation and vulnerability columns.
    lst, hm : str, keyword-only
        Mean LST (°C) and heat mitigation index (0-1) columns.
    vulnerability : mapping or sequence, keyword-only
        Vulnerability columns (and weights), as in
        :func:`coventry_geo.indicators.risk.composite_risk`.
    normalisation : {"minmax", "rank", "zscore"}, keyword-only
        How each factor is brought to 0-1.
    overrides : mapping of str to bool, optional, keyword-only
        Whether a high value is worse, per column, where the registry does not say.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``cooling_priority_rank`` (1 = first): ids (``area_id``,
        ``area_name`` when present), the inputs, ``cooling_priority_score``
        (0-1), ``hot``, ``low_cooling``, ``vulnerable`` (each above or below the
        city median) and ``candidate`` (all three).

    Notes
    -----
    .. math:: S_i = N(T_i) \, (1 - N(HM_i)) \, V_i
    """
    heat = normalise(zones[lst].astype("float64"), normalisation)
    cooling = normalise(zones[hm].astype("float64"), normalisation)
    vulnerable = weighted_index(zones, vulnerability, method=normalisation, overrides=overrides)
    ids = [c for c in ("area_id", "area_name") if c in zones.columns]
    out = zones[[*ids, lst, hm]].copy()
    out["vulnerability_index"] = vulnerable
    out["cooling_priority_score"] = heat * (1.0 - cooling) * vulnerable
    out["hot"] = zones[lst] > zones[lst].median()
    out["low_cooling"] = zones[hm] < zones[hm].median()
    out["vulnerable"] = vulnerable > vulnerable.median()
    out["candidate"] = out["hot"] & out["low_cooling"] & out["vulnerable"]
    out["cooling_priority_rank"] = out["cooling_priority_score"].rank(ascending=False, method="min")
    return out.sort_values("cooling_priority_rank")


#: Indices built from min-max normalised values: their zero is arbitrary (interval scale).
_NORMALISED = ("cooling_priority_score",)


def _info(name: str, label: str, unit: str, description: str, worse: bool | None) -> ColumnInfo:
    scale = "interval" if name in _NORMALISED else ""
    return ColumnInfo(name, label, unit, description, "cooling", higher_is_worse=worse, scale=scale)


register_columns(
    _info(
        "cooling_capacity",
        "Cooling capacity",
        "0-1",
        "InVEST cooling capacity 0.6 shade + 0.2 albedo + 0.2 ETI (weights rescaled over the "
        "components present).",
        False,
    ),
    _info(
        "green_within_cooling_ha",
        "Green area within cooling distance",
        "ha",
        "Green space within 450 m of the small area's centroid.",
        False,
    ),
    _info(
        "cc_park",
        "Park cooling capacity",
        "0-1",
        "Area- and distance-weighted (exp(-d/450 m)) mean cooling capacity of nearby green areas.",
        False,
    ),
    _info(
        "heat_mitigation",
        "Heat mitigation index",
        "0-1",
        "Cooling capacity, raised to the park cooling where 2 ha or more of green space lies "
        "within the cooling distance.",
        False,
    ),
    _info(
        "cooling_priority_score",
        "Nature-based cooling priority",
        "0-1",
        "Normalised LST x (1 - normalised heat mitigation) x vulnerability index.",
        True,
    ),
    _info("cooling_priority_rank", "Cooling priority rank", "rank", "1 = first candidate.", None),
)


def _correlation(
    name: str, label: str, unit: str, description: str, **kw: int | None
) -> ColumnInfo:
    return ColumnInfo(f"cooling_lst_{name}", label, unit, description, "cooling", **kw)


register_city_values(
    _correlation(
        "spearman_rho",
        "Cooling index vs LST: Spearman's rho",
        "index (-1 to 1)",
        "Rank correlation of the small areas' heat mitigation index with their mean LST.",
    ),
    _correlation(
        "spearman_p",
        "Cooling index vs LST: Spearman p-value",
        "p-value",
        "Two-sided p-value of Spearman's rho (written at full precision).",
        decimals=None,
    ),
    _correlation(
        "pearson_r",
        "Cooling index vs LST: Pearson's r",
        "index (-1 to 1)",
        "Linear correlation of the small areas' heat mitigation index with their mean LST.",
    ),
    _correlation(
        "pearson_p",
        "Cooling index vs LST: Pearson p-value",
        "p-value",
        "Two-sided p-value of Pearson's r (written at full precision).",
        decimals=None,
    ),
    _correlation(
        "n", "Cooling index vs LST: small areas", "count", "Small areas with both values."
    ),
)
