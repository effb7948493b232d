"""Equity statistics of exposure indicators across small areas (or wards).

For any indicator column (flood, heat, canopy, greenspace access, heat-network
coverage) against a deprivation column:

* :func:`concentration_index` with its standard error (convenient regression),
  and :func:`erreygers_index`, its correction for bounded indicators (percentages);
* :func:`slope_index`: the slope and relative indices of inequality (SII, RII),
  as OHID (formerly PHE) and the NHS report them;
* :func:`quintile_ratio`: most against least deprived quintile;
* :func:`gini` (PySAL ``inequality``);
* :func:`local_clusters` (PySAL ``esda`` local Moran) and :func:`double_jeopardy`
  (bivariate local Moran of hazard against deprivation);
* :func:`equity_table`: all of them for a list of indicators.

**Sign convention.** Zones are ranked from the most deprived (fractional rank
near 0) to the least deprived (near 1), as in health-equity practice where the
poorest come first. A **negative** concentration index means the indicator is
concentrated among the **more deprived**; a positive one, among the less
deprived. For a hazard a negative index is inequitable; for an asset (canopy,
greenspace access) a positive one is.

**Scale.** The concentration index, its Erreygers form, the quintile ratio, the
Gini and the RII compare values as ratios, so they need a ratio scale (a true
zero): :func:`equity_table` refuses columns the column registry declares
interval (mean LST in °C), ordinal or nominal. Heat enters the equity statistics
as the share of area in hot spots (``hotspot_area_pct``).

PySAL has no concentration index, SII or RII (``inequality`` 1.1 offers Gini,
Theil, Atkinson, Pen, Schutz and Wolfson), so they are computed here from their
standard definitions; Gini and LISA come from PySAL.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from esda.moran import Moran_Local, Moran_Local_BV
from inequality.gini import Gini
from libpysal.weights import KNN, W, attach_islands, fuzzy_contiguity

from coventry_geo.columns import ColumnInfo, column_info, register_columns
from coventry_geo.indices import higher_is_worse, oriented

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from numpy.typing import ArrayLike

__all__ = [
    "ConcentrationIndex",
    "SlopeIndex",
    "fractional_rank",
    "concentration_index",
    "erreygers_index",
    "slope_index",
    "quintile_ratio",
    "gini",
    "local_clusters",
    "double_jeopardy",
    "equity_table",
]

logger = logging.getLogger(__name__)

#: Seed of the LISA permutations, so that runs are reproducible.
DEFAULT_SEED = 20_240_501
#: Permutations of the conditional randomisation behind LISA p-values.
DEFAULT_PERMUTATIONS = 999
#: Gap (m) below which two zones still count as contiguous.
CONTIGUITY_TOLERANCE_M = 1.0
#: Fewest zones (with values) on which a local Moran statistic is computed.
MIN_LISA_ZONES = 3
#: The cluster of a zone that could not be tested (too few zones, or no variation).
NOT_TESTED = "Not tested"

_CLUSTER_NAMES = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}


@dataclass(frozen=True)
class ConcentrationIndex:
    """A concentration index and its standard error.

    Attributes
    ----------
    value : float
        The index, in [-1, 1] for a non-negative indicator.
    se : float
        Its standard error (convenient regression, OLS / analytic-weight WLS).
    n : int
        Zones used.
    """

    value: float
    se: float
    n: int


@dataclass(frozen=True)
class SlopeIndex:
    """The slope and relative indices of inequality of an indicator.

    Attributes
    ----------
    sii : float
        Slope index of inequality, in the indicator's unit: the fitted value for
        the least deprived (rank 1) minus that for the most deprived (rank 0).
    se : float
        Standard error of the SII (weighted least squares).
    rii : float
        Relative index of inequality, SII / weighted mean (dimensionless).
    n : int
        Zones used.
    """

    sii: float
    se: float
    rii: float
    n: int


def fractional_rank(
    deprivation: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    higher_is_more_deprived: bool = True,
) -> np.ndarray:
    r"""Weighted fractional rank from the most deprived (near 0) to the least (near 1).

    Parameters
    ----------
    deprivation : array-like
        Deprivation score, rank or decile.
    weights : array-like, optional, keyword-only
        Population weights (default: equal).
    higher_is_more_deprived : bool, keyword-only
        True for scores, False for ranks and deciles (1 = most deprived).

    Returns
    -------
    numpy.ndarray
        :math:`r_i = \sum_{j \prec i} w_j + w_i / 2` with :math:`\sum w = 1`;
        tied zones share the midpoint of their group.

    Examples
    --------
    >>> fractional_rank([30.0, 10.0, 20.0, 40.0]).tolist()
    [0.375, 0.875, 0.625, 0.125]
    """
    d = np.asarray(deprivation, dtype="float64")
    key = -d if higher_is_more_deprived else d
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype="float64")
    w = w / w.sum()
    groups = pd.Series(w).groupby(key).sum().sort_index()
    before = groups.cumsum() - groups
    return (before + groups / 2.0).reindex(key).to_numpy()


def concentration_index(
    values: ArrayLike,
    deprivation: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    higher_is_more_deprived: bool = True,
) -> ConcentrationIndex:
    r"""Concentration index of an indicator against deprivation, with its standard error.

    Parameters
    ----------
    values : array-like
        The indicator :math:`h` (non-negative, with a positive mean).
    deprivation : array-like
        Deprivation of the same zones.
    weights : array-like, optional, keyword-only
        Population weights (default: each zone counts once).
    higher_is_more_deprived : bool, keyword-only
        True for scores, False for ranks and deciles.

    Returns
    -------
    ConcentrationIndex
        NaN where the indicator has negative values or a zero mean, or fewer
        than 3 zones remain after dropping missing values.

    Notes
    -----
    Kakwani, Wagstaff & van Doorslaer (1997); O'Donnell et al. (2008),
    *Analyzing Health Equity Using Household Survey Data*, World Bank, ch. 8:

    .. math::

        C = \frac{2}{\mu} \operatorname{cov}_w(h, r)

    with :math:`r` the :func:`fractional_rank` (most deprived first) and
    :math:`\mu` the weighted mean. The standard error is that of :math:`\beta`
    in the convenient regression

    .. math:: \frac{2 \sigma_r^2 h_i}{\mu} = \alpha + \beta r_i + \varepsilon_i,
              \qquad \hat\beta = C

    fitted by OLS (weighted least squares with analytic weights scaled to mean 1
    when weights are given). This SE, like O'Donnell et al.'s, ignores the
    sampling variation of :math:`\mu` and the serial correlation of ranks; it is
    a guide, not an exact test.

    Examples
    --------
    >>> c = concentration_index([4.0, 3.0, 2.0, 1.0], [40.0, 30.0, 20.0, 10.0])
    >>> round(c.value, 6)
    -0.25
    """
    h, d, w = _complete(values, deprivation, weights)
    if len(h) < 3 or (h < 0).any() or h.sum() <= 0:
        return ConcentrationIndex(np.nan, np.nan, len(h))
    a = w * len(w) / w.sum()
    return _convenient_regression(h, d, a, 2.0 / np.average(h, weights=a), higher_is_more_deprived)


def erreygers_index(
    values: ArrayLike,
    deprivation: ArrayLike,
    *,
    bounds: tuple[float, float],
    weights: ArrayLike | None = None,
    higher_is_more_deprived: bool = True,
) -> ConcentrationIndex:
    r"""Erreygers-corrected concentration index of a bounded indicator (e.g. a percentage).

    Parameters
    ----------
    values : array-like
        The indicator :math:`h`, within ``bounds``.
    deprivation : array-like
        Deprivation of the same zones.
    bounds : tuple of float, keyword-only
        The indicator's lowest and highest possible values :math:`(a, b)`, e.g.
        ``(0, 100)`` for a percentage.
    weights, higher_is_more_deprived
        As in :func:`concentration_index`.

    Returns
    -------
    ConcentrationIndex
        In [-1, 1]; NaN with fewer than 3 zones.

    Raises
    ------
    ValueError
        If a value lies outside ``bounds`` or the bounds are not increasing.

    Notes
    -----
    Erreygers (2009), "Correcting the concentration index", *Journal of Health
    Economics* 28(2): 504-515:

    .. math::

        E = \frac{4 \mu}{b - a} C = \frac{8}{b - a} \operatorname{cov}_w(h, r)

    Unlike :math:`C`, :math:`E` ranks a bounded indicator the same way as its
    complement (the share meeting a standard and the share not meeting it give
    opposite :math:`E`), and does not depend on the indicator's mean. Its standard
    error comes from the convenient regression of :math:`8 \sigma_r^2 h / (b - a)`
    on :math:`r`, as for :func:`concentration_index`.

    Examples
    --------
    >>> e = erreygers_index([80.0, 60.0, 40.0, 20.0], [4, 3, 2, 1], bounds=(0, 100))
    >>> round(e.value, 6)
    -0.5
    """
    low, high = bounds
    h, d, w = _complete(values, deprivation, weights)
    if not high > low or (len(h) and ((h < low) | (h > high)).any()):
        msg = (
            f"erreygers_index: values from {h.min():g} to {h.max():g} do not lie within the "
            f"bounds ({low:g}, {high:g}). Fix: give the indicator's true bounds (0-100 for %)."
        )
        raise ValueError(msg)
    if len(h) < 3:
        return ConcentrationIndex(np.nan, np.nan, len(h))
    a = w * len(w) / w.sum()
    return _convenient_regression(h, d, a, 8.0 / (high - low), higher_is_more_deprived)


def _convenient_regression(
    h: np.ndarray, d: np.ndarray, a: np.ndarray, factor: float, higher_is_more_deprived: bool
) -> ConcentrationIndex:
    """Slope and SE of ``factor var(r) h`` on the fractional rank ``r`` (analytic weights)."""
    r = fractional_rank(d, weights=a, higher_is_more_deprived=higher_is_more_deprived)
    var_r = np.average((r - np.average(r, weights=a)) ** 2, weights=a)
    beta, se = _wls_slope(r, factor * var_r * h, a)
    return ConcentrationIndex(float(beta), float(se), len(h))


def slope_index(
    values: ArrayLike,
    deprivation: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    higher_is_more_deprived: bool = True,
) -> SlopeIndex:
    r"""Slope index (SII) and relative index (RII) of inequality against deprivation.

    Parameters
    ----------
    values : array-like
        The indicator :math:`h`, in its own unit.
    deprivation : array-like
        Deprivation of the same zones.
    weights : array-like, optional, keyword-only
        Population of each zone (default: each zone counts once).
    higher_is_more_deprived
        As in :func:`concentration_index`.

    Returns
    -------
    SlopeIndex
        SII in the indicator's unit (NaN with fewer than 2 zones or one rank),
        its standard error (NaN with fewer than 3 zones) and the RII (NaN when
        the mean is not positive).

    Notes
    -----
    Low & Low (2004), "Measuring the gap: quantifying and comparing local health
    inequalities", *Journal of Public Health* 26(4): 388-395, as in OHID's SII
    tool and ``PHEindicatormethods::phe_sii``. The zones are ranked from the most
    to the least deprived; each zone's fractional rank :math:`r_i` is the midpoint
    of its cumulative population share (:func:`fractional_rank`). The SII is the
    slope :math:`eta` of the population-weighted least-squares fit

    .. math::

        h_i = lpha + eta r_i + arepsilon_i, \qquad
        \mathrm{SII} = eta = rac{\operatorname{cov}_w(h, r)}{\operatorname{var}_w(r)},
        \qquad \mathrm{RII} = rac{\mathrm{SII}}{\mu_w}

    so the SII is the fitted gap from the most deprived (:math:`r = 0`) to the
    least deprived (:math:`r = 1`): **negative when the indicator is higher
    among the more deprived**, the sign convention of the concentration index
    (:math:`C = 2 \sigma_r^2 \, \mathrm{RII}`). The RII here is the SII over the
    population-weighted mean (Pamuk 1985; Mackenbach & Kunst 1997); OHID's tool
    also reports the ratio of the fitted ends, :math:`(lpha + eta) / lpha`.
    The SE is the weighted-least-squares one (analytic weights), a guide only.

    Examples
    --------
    >>> s = slope_index([4.0, 3.0, 2.0, 1.0], [40.0, 30.0, 20.0, 10.0])
    >>> round(s.sii, 6), round(s.rii, 6)
    (-4.0, -1.6)
    """
    h, d, w = _complete(values, deprivation, weights)
    if len(h) < 2:
        return SlopeIndex(np.nan, np.nan, np.nan, len(h))
    a = w * len(w) / w.sum()
    r = fractional_rank(d, weights=a, higher_is_more_deprived=higher_is_more_deprived)
    if np.ptp(r) == 0:
        return SlopeIndex(np.nan, np.nan, np.nan, len(h))
    beta, se = _wls_slope(r, h, a)
    mu = np.average(h, weights=a)
    rii = beta / mu if mu > 0 else np.nan
    return SlopeIndex(float(beta), float(se), float(rii), len(h))


def _complete(
    values: ArrayLike, deprivation: ArrayLike, weights: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the rows where value, deprivation and weight are all known."""
    h = np.asarray(values, dtype="float64")
    d = np.asarray(deprivation, dtype="float64")
    w = np.ones_like(h) if weights is None else np.asarray(weights, dtype="float64")
    keep = np.isfinite(h) & np.isfinite(d) & np.isfinite(w) & (w > 0)
    return h[keep], d[keep], w[keep]


def _wls_slope(x: np.ndarray, y: np.ndarray, a: np.ndarray) -> tuple[float, float]:
    """Slope and its standard error of y on x by least squares with analytic weights a."""
    xc = x - np.average(x, weights=a)
    yc = y - np.average(y, weights=a)
    sxx = np.sum(a * xc**2)
    beta = np.sum(a * xc * yc) / sxx
    if len(x) < 3:
        return beta, np.nan
    residuals = yc - beta * xc
    s2 = np.sum(a * residuals**2) / (len(x) - 2)
    return beta, np.sqrt(s2 / sxx)


def quintile_ratio(
    values: ArrayLike,
    deprivation: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    higher_is_more_deprived: bool = True,
) -> float:
    r"""Mean of the most deprived quintile divided by the mean of the least deprived.

    Quintiles are the city's own: fifths of the (weighted) fractional rank, so
    each holds about a fifth of the residents (of the zones when unweighted).

    Parameters
    ----------
    values, deprivation, weights, higher_is_more_deprived
        As in :func:`concentration_index`.

    Returns
    -------
    float
        :math:`\bar h_{Q1} / \bar h_{Q5}` (weighted means); NaN when a quintile
        is empty or its mean is 0.

    Notes
    -----
    .. math:: q_i = \min(\lfloor 5 r_i \rfloor + 1, 5)

    Examples
    --------
    >>> quintile_ratio([9.0, 1.0, 5.0, 5.0, 5.0], [50.0, 10.0, 40.0, 30.0, 20.0])
    9.0
    """
    h, d, w = _complete(values, deprivation, weights)
    r = fractional_rank(d, weights=w, higher_is_more_deprived=higher_is_more_deprived)
    q = np.minimum(np.floor(5.0 * r) + 1, 5)
    most, least = q == 1, q == 5
    if not most.any() or not least.any():
        return np.nan
    bottom = np.average(h[least], weights=w[least])
    return float(np.average(h[most], weights=w[most]) / bottom) if bottom else np.nan


def gini(values: ArrayLike) -> float:
    r"""Gini coefficient of an indicator across zones (PySAL ``inequality.gini.Gini``).

    Unweighted: each zone counts once (PySAL's Gini takes no weights).

    Parameters
    ----------
    values : array-like
        Non-negative values; NaN are dropped.

    Returns
    -------
    float
        In [0, 1); NaN when a value is negative or all are 0.

    Notes
    -----
    .. math:: G = \frac{\sum_i \sum_j |x_i - x_j|}{2 n^2 \bar x}

    Examples
    --------
    >>> round(gini([0.0, 0.0, 0.0, 4.0]), 6)
    0.75
    """
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    if len(x) == 0 or (x < 0).any() or x.sum() == 0:
        return np.nan
    return float(Gini(x).g)


def local_clusters(
    zones: gpd.GeoDataFrame,
    column: str,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> gpd.GeoDataFrame:
    """Local Moran clusters of one indicator (PySAL ``esda.Moran_Local``).

    Neighbours are zones that touch within 1 m (queen contiguity tolerant of
    generalised boundaries); p-values are esda's folded (directed) pseudo
    p-values from conditional permutations.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Polygons with ``column``; zones with NaN are left out.
    column : str
        Indicator.
    permutations : int, keyword-only
        Conditional permutations for the pseudo p-values.
    seed : int, keyword-only
        Seed of the permutations (reproducible runs).
    alpha : float, keyword-only
        Significance level.

    Returns
    -------
    geopandas.GeoDataFrame
        The zones with ``lisa_i``, ``lisa_p`` and ``lisa_cluster`` (High-High,
        Low-High, Low-Low, High-Low, or "Not significant" where p >= alpha). With
        fewer than :data:`MIN_LISA_ZONES` zones, or the same value everywhere, the
        statistic is undefined: NaN, and "Not tested" (logged as a warning).
    """
    used = zones.dropna(subset=[column])
    out = used.copy()
    if not _testable(used, [column]):
        out["lisa_i"] = out["lisa_p"] = np.nan
        out["lisa_cluster"] = NOT_TESTED
        return out
    with _quiet_pysal():
        lisa = Moran_Local(
            used[column].to_numpy(dtype="float64"),
            _contiguity(used),
            permutations=permutations,
            seed=seed,
        )
    out["lisa_i"] = lisa.Is
    out["lisa_p"] = lisa.p_sim
    out["lisa_cluster"] = _cluster_names(lisa.q, lisa.p_sim, alpha)
    return out


def double_jeopardy(
    zones: gpd.GeoDataFrame,
    hazard: str,
    deprivation: str,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    overrides: Mapping[str, bool] | None = None,
) -> gpd.GeoDataFrame:
    r"""Zones of high hazard among high deprivation (bivariate LISA, ``esda.Moran_Local_BV``).

    Both columns are first signed so that higher is worse (low canopy, a low
    IMD rank count as high). The bivariate local Moran relates the hazard of a
    zone to the spatial lag of deprivation around it (contiguity as in :func:`local_clusters`,
    row-standardised). A zone is a **double jeopardy** area when it is in the
    High-High quadrant with pseudo p < ``alpha`` **and** is itself more deprived
    than the mean (the bivariate statistic alone says only that its neighbours are).

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Polygons with both columns; zones with NaN are left out.
    hazard : str
        Hazard (or asset) column.
    deprivation : str
        Deprivation column (``imd_score``, ``imd_rank``, ``imd_decile``, ...).
    permutations, seed, alpha
        As in :func:`local_clusters`.
    overrides : mapping of str to bool, optional, keyword-only
        Whether a high value is worse, per column, where the column registry
        does not say (or says otherwise).

    Returns
    -------
    geopandas.GeoDataFrame
        The zones with ``bv_lisa_i``, ``bv_lisa_p``, ``bv_cluster`` and
        ``double_jeopardy`` (bool). Filter on ``double_jeopardy`` for the table.
        With fewer than :data:`MIN_LISA_ZONES` zones, or a column with the same
        value everywhere, nothing is tested: NaN statistics, "Not tested", and
        ``double_jeopardy`` NA (pandas ``boolean``).

    Notes
    -----
    .. math:: I_i^{BV} = z^{h}_i \sum_j w_{ij} z^{d}_j
    """
    used = zones.dropna(subset=[hazard, deprivation])
    out = used.copy()
    if not _testable(used, [hazard, deprivation]):
        out["bv_lisa_i"] = out["bv_lisa_p"] = np.nan
        out["bv_cluster"] = NOT_TESTED
        out["double_jeopardy"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
        return out
    h = oriented(used[hazard], hazard, overrides).to_numpy()
    d = oriented(used[deprivation], deprivation, overrides).to_numpy()
    with _quiet_pysal():
        lisa = Moran_Local_BV(h, d, _contiguity(used), permutations=permutations, seed=seed)
    out["bv_lisa_i"] = lisa.Is
    out["bv_lisa_p"] = lisa.p_sim
    out["bv_cluster"] = _cluster_names(lisa.q, lisa.p_sim, alpha)
    out["double_jeopardy"] = (out["bv_cluster"] == "High-High") & (d > d.mean())
    return out


def _testable(used: pd.DataFrame, columns: Sequence[str]) -> bool:
    """Whether a local Moran statistic is defined: enough zones, and every column varies."""
    if len(used) < MIN_LISA_ZONES:
        logger.warning(
            "%s: %d zones with values, fewer than %d: local clusters not tested",
            ", ".join(columns),
            len(used),
            MIN_LISA_ZONES,
        )
        return False
    constant = [c for c in columns if used[c].nunique() < 2]
    if constant:
        logger.warning(
            "%s: the same value in every zone: local clusters not tested", ", ".join(constant)
        )
        return False
    return True


@contextmanager
def _quiet_pysal() -> Iterator[None]:
    """Silence PySAL's deprecation notices that say nothing about the results.

    esda announces that its default (directed, folded) p-value will change;
    libpysal's fuzzy contiguity uses a pandas keyword that pandas deprecates; and
    esda's z-scores of the simulations (not used: the pseudo p-values are) divide
    0 by 0 where a zone's permuted statistics do not vary, as with few zones.
    """
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.filterwarnings("ignore", "The alternative hypothesis", DeprecationWarning)
        warnings.filterwarnings("ignore", "The inplace keyword")
        yield


def _contiguity(zones: gpd.GeoDataFrame) -> W:
    """Queen-like contiguity that tolerates the slivers of generalised boundaries.

    Zones are neighbours when they touch after a buffer of
    :data:`CONTIGUITY_TOLERANCE_M` (published boundaries rarely share vertices
    exactly, which vertex-based ``Queen`` needs); a zone left without neighbours
    (an exclave) is joined to its nearest zone so that every zone is tested.
    """
    frame = zones[["geometry"]].reset_index(drop=True)
    with _quiet_pysal():
        w = fuzzy_contiguity(
            frame, buffering=True, buffer=CONTIGUITY_TOLERANCE_M, silence_warnings=True
        )
        if w.islands:
            w = attach_islands(w, KNN.from_dataframe(frame, k=1, silence_warnings=True))
    return w


def _cluster_names(q: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    names = np.array([_CLUSTER_NAMES[int(k)] for k in q], dtype=object)
    return np.where(p < alpha, names, "Not significant")


def equity_table(
    small_areas: gpd.GeoDataFrame | pd.DataFrame,
    indicators: Sequence[str],
    *,
    deprivation: str = "imd_score",
    weights: str | None = "population",
    overrides: Mapping[str, bool] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Equity summary of several indicators: one row per indicator.

    Parameters
    ----------
    small_areas : geopandas.GeoDataFrame or pandas.DataFrame
        Zones (small areas or wards) with the indicator and deprivation columns.
        Without geometry, ``n_double_jeopardy`` is NaN.
    indicators : sequence of str
        Indicator columns, on a ratio scale (shares, areas, counts, distances,
        kelvin). Columns the column registry declares otherwise are refused.
    deprivation : str, keyword-only
        Deprivation column; its direction comes from ``overrides``, then from
        its name (ranks and deciles: 1 = most deprived), then the column registry.
    weights : str or None, keyword-only
        Population column for every statistic but the Gini and the LISA;
        unweighted when None or absent.
    overrides : mapping of str to bool, optional, keyword-only
        As in :func:`double_jeopardy`.
    bounds : mapping of str to (float, float), optional, keyword-only
        Bounds of bounded indicators, for the Erreygers index; default from the
        column registry (0-100 for percentages).
    permutations, seed, alpha
        As in :func:`double_jeopardy`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``indicator``: ``indicator_unit``, ``concentration_index``,
        ``ci_se``, ``erreygers_index`` (NaN for unbounded indicators), ``sii``
        (indicator unit), ``sii_se``, ``rii``, ``quintile_ratio``, ``gini``,
        ``n_double_jeopardy`` and ``n`` (zones used).

    Raises
    ------
    ValueError
        If a column is missing, or an indicator is not on a ratio scale.
    """
    missing = [c for c in (*indicators, deprivation) if c not in small_areas.columns]
    if missing:
        msg = (
            f"equity table: columns {', '.join(missing)} are not in the small-area table. "
            "Fix: compute those indicators per small area first, or drop them from the list."
        )
        raise ValueError(msg)
    infos = {name: _ratio_scale(name) for name in indicators}
    w = small_areas[weights] if weights and weights in small_areas.columns else None
    logger.info(
        "equity table: %d indicators, weights %s",
        len(indicators),
        weights if w is not None else "none",
    )
    lisa = (permutations, seed, alpha)
    rows = {}
    for name, info in infos.items():
        limits = (bounds or {}).get(name, info.bounds if info else None)
        row = _equity_row(small_areas, name, deprivation, w, overrides, limits, lisa)
        rows[name] = {"indicator_unit": info.unit if info else "", **row}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("indicator")


def _ratio_scale(name: str) -> ColumnInfo | None:
    """Return the indicator's registry record (None if unregistered) if it is ratio-scale."""
    from coventry_geo.indicators import load_families  # every family's columns registered

    load_families()
    try:
        info = column_info(name)
    except KeyError:
        return None
    if info.scale != "ratio":
        hint = (
            "use hotspot_area_pct (the share of the area in heat hot spots) or LST in kelvin"
            if info.unit == "°C"
            else "use a ratio-scale indicator (a share, an area, a count or a distance)"
        )
        msg = (
            f"equity table: '{name}' is on an {info.scale} scale (unit {info.unit or 'none'}), "
            "but the concentration index, Erreygers index, RII, quintile ratio and Gini "
            "compare values as ratios and need a ratio scale with a true zero (mean LST in "
            f"kelvin gives a concentration index about ten times smaller than in °C). Fix: {hint}"
            "; on an interval scale only the SII (slope_index) is meaningful."
        )
        raise ValueError(msg)
    return info


def _equity_row(
    zones: pd.DataFrame,
    name: str,
    deprivation: str,
    w: pd.Series | None,
    overrides: Mapping[str, bool] | None,
    limits: tuple[float, float] | None,
    lisa: tuple[int, int, float],
) -> dict[str, float]:
    direction = higher_is_worse(deprivation, overrides)
    options = {"weights": w, "higher_is_more_deprived": direction}
    h, d = zones[name], zones[deprivation]
    ci = concentration_index(h, d, **options)
    corrected = erreygers_index(h, d, bounds=limits, **options).value if limits else np.nan
    slope = slope_index(h, d, **options)
    n_dj = np.nan
    if isinstance(zones, gpd.GeoDataFrame):
        permutations, seed, alpha = lisa
        layer = double_jeopardy(
            zones,
            name,
            deprivation,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
            overrides=overrides,
        )
        tested = layer["double_jeopardy"].dropna()
        n_dj = float(tested.sum()) if len(tested) else np.nan
    return {
        "concentration_index": ci.value,
        "ci_se": ci.se,
        "erreygers_index": corrected,
        "sii": slope.sii,
        "sii_se": slope.se,
        "rii": slope.rii,
        "quintile_ratio": quintile_ratio(h, d, **options),
        "gini": gini(h),
        "n_double_jeopardy": n_dj,
        "n": float(ci.n),
    }


def _info(name: str, label: str, unit: str, description: str, worse: bool | None) -> ColumnInfo:
    return ColumnInfo(name, label, unit, description, "equity", higher_is_worse=worse)


register_columns(
    _info(
        "concentration_index",
        "Concentration index",
        "index (-1 to 1)",
        "2 cov(h, r) / mean(h), r the fractional deprivation rank from the most deprived; "
        "negative: concentrated among the more deprived.",
        None,
    ),
    _info(
        "ci_se",
        "Concentration index SE",
        "index",
        "Standard error of the concentration index (convenient regression, OLS/WLS).",
        None,
    ),
    _info(
        "erreygers_index",
        "Erreygers concentration index",
        "index (-1 to 1)",
        "4 mean(h) / (b - a) x concentration index, for an indicator bounded by a and b "
        "(0-100 for percentages); negative: concentrated among the more deprived.",
        None,
    ),
    _info(
        "sii",
        "Slope index of inequality",
        "indicator unit",
        "Population-weighted least-squares slope of the indicator on the fractional deprivation "
        "rank: least deprived minus most deprived, in the indicator's unit.",
        None,
    ),
    _info(
        "sii_se",
        "SII standard error",
        "indicator unit",
        "Standard error of the SII (weighted least squares).",
        None,
    ),
    _info(
        "rii",
        "Relative index of inequality",
        "ratio",
        "SII divided by the population-weighted mean of the indicator.",
        None,
    ),
    _info(
        "indicator_unit",
        "Unit",
        "text",
        "Unit of the indicator (and of its SII), from the column registry.",
        None,
    ),
    _info(
        "quintile_ratio",
        "Most / least deprived quintile",
        "ratio",
        "Mean in the city's most deprived fifth over the mean in its least deprived fifth.",
        None,
    ),
    _info(
        "gini",
        "Gini coefficient",
        "index (0-1)",
        "Gini coefficient across zones (PySAL inequality, unweighted).",
        None,
    ),
    _info(
        "n_double_jeopardy",
        "Double jeopardy areas",
        "count",
        "Zones in the significant High-High quadrant of the bivariate LISA of hazard "
        "against deprivation, and more deprived than the mean.",
        True,
    ),
    _info(
        "double_jeopardy",
        "Double jeopardy",
        "flag",
        "High hazard among high deprivation (bivariate LISA High-High, p < 0.05, "
        "deprivation above the mean).",
        True,
    ),
)
