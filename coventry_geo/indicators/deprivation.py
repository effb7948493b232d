"""Small-area deprivation attached to residences and aggregated to wards.

Small areas (LSOAs) carry an IMD score, or a rank and a decile, of any vintage
(the manifest maps the file's columns to ``imd_score``, ``imd_rank`` and
``imd_decile``) and a population. :func:`attach_deprivation` gives each
residence its small area's fields; :func:`ward_deprivation` summarises them per
ward.

Small areas and wards need not nest. The rules, in order:

* **Counting small areas** (share of small areas in decile 1): each small area
  belongs to one ward, from ``lookup`` when given (e.g. the ONS best-fit
  lookup), else to the ward holding the largest part of its area
  (area best fit).
* **Counting residents** (mean score, share of residents in decile 1): with
  ``residences``, each residence point counts in the ward that contains it,
  weighted by its ``residents`` field (1 per point without it) and carrying its
  own small area's values (residence weighting: exact for split small areas).
  Without residences, each small area's ``population`` goes to its best-fit ward
  (unweighted small areas when there is no population).
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coventry_geo.columns import DOCS_SECTIONS, ColumnInfo, register_columns
from coventry_geo.errors import PartialCoverageWarning
from coventry_geo.geography import best_fit_lookup, point_zone
from coventry_geo.layers.schemas import LAYER_SCHEMAS

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

__all__ = ["attach_deprivation", "imd_decile", "ward_deprivation"]

logger = logging.getLogger(__name__)

#: Small-area fields a residence may receive.
SMALL_AREA_FIELDS: tuple[str, ...] = tuple(
    f for f in LAYER_SCHEMAS["small_areas"].field_names if f not in ("area_id", "area_name")
)


def attach_deprivation(
    residences: gpd.GeoDataFrame,
    small_areas: gpd.GeoDataFrame | pd.DataFrame,
    *,
    fields: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Give each residence the deprivation and population fields of its small area.

    The small area is found by the residences' ``area_id`` field when they have
    one, else by point in polygon (the first small area on a shared edge).

    Parameters
    ----------
    residences : geopandas.GeoDataFrame
        Residence points, in the small areas' CRS.
    small_areas : geopandas.GeoDataFrame or pandas.DataFrame
        With ``area_id`` (and geometry unless the residences carry ``area_id``).
    fields : sequence of str, optional, keyword-only
        Small-area fields to copy; default every schema field present
        (``imd_score``, ``imd_rank``, ``imd_decile``, ``population``, ...).

    Returns
    -------
    geopandas.GeoDataFrame
        The residences with ``area_id`` and the copied fields; NaN outside every
        small area.

    Warns
    -----
    PartialCoverageWarning
        When some residences fall in no small area.
    """
    fields = [f for f in (fields or SMALL_AREA_FIELDS) if f in small_areas.columns]
    out = residences.copy()
    if "area_id" in out.columns and out["area_id"].notna().any():
        area_id = out["area_id"].astype("string")
    else:
        area_id = point_zone(out, small_areas, "area_id")
    table = small_areas.assign(area_id=small_areas["area_id"].astype("string"))
    values = table.drop_duplicates("area_id").set_index("area_id")[fields]
    out["area_id"] = area_id
    out[fields] = values.reindex(area_id.to_numpy()).to_numpy()
    _warn_unmatched(int((~area_id.isin(values.index)).sum()), len(out))
    return out


def _warn_unmatched(unmatched: int, total: int) -> None:
    if unmatched:
        msg = (
            f"residences: {unmatched} of {total} points lie in no small area, so they carry "
            "no deprivation. Fix: check that the small-area layer covers the whole study area."
        )
        warnings.warn(msg, PartialCoverageWarning, stacklevel=3)


def imd_decile(small_areas: pd.DataFrame, *, national_areas: int | None = None) -> pd.Series:
    r"""National IMD decile of each small area (1 = most deprived 10 %).

    Parameters
    ----------
    small_areas : pandas.DataFrame
        With ``imd_decile``, or ``imd_rank`` (1 = most deprived).
    national_areas : int, optional, keyword-only
        Number of small areas in the national ranking (32,844 LSOAs for IMD 2019,
        33,755 for IMD 2025); needed only to derive deciles from ranks.

    Returns
    -------
    pandas.Series
        The decile, or all NaN when neither a decile nor (rank and
        ``national_areas``) is given.

    Notes
    -----
    .. math:: \text{decile} = \lceil 10 \, \text{rank} / N \rceil
    """
    if "imd_decile" in small_areas.columns:
        return small_areas["imd_decile"].astype("float64")
    if "imd_rank" in small_areas.columns and national_areas:
        return np.ceil(10.0 * small_areas["imd_rank"].astype("float64") / national_areas)
    return pd.Series(np.nan, index=small_areas.index, name="imd_decile")


def ward_deprivation(
    wards: gpd.GeoDataFrame,
    small_areas: gpd.GeoDataFrame | pd.DataFrame,
    *,
    residences: gpd.GeoDataFrame | None = None,
    lookup: pd.Series | None = None,
    national_areas: int | None = None,
) -> pd.DataFrame:
    r"""Deprivation of each ward: mean IMD score and the most deprived decile's share.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        With ``ward_id``.
    small_areas : geopandas.GeoDataFrame or pandas.DataFrame
        With ``area_id`` and ``imd_score``, ``imd_decile`` or ``imd_rank``, and
        optionally ``population`` (persons). Geometry is needed unless
        ``lookup`` is given and residences (if any) carry ``area_id``.
    residences : geopandas.GeoDataFrame, optional, keyword-only
        Residence points with optional ``residents`` (persons); switches the
        resident counts to residence weighting.
    lookup : pandas.Series, optional, keyword-only
        ``ward_id`` indexed by ``area_id`` (e.g. an ONS best-fit lookup); default
        the area best fit.
    national_areas : int, optional, keyword-only
        National number of small areas, to derive deciles from ranks.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ward_id``: ``small_areas`` (count), ``imd_decile1_areas``
        (count), ``imd_decile1_areas_pct`` (%), ``imd_decile1_residents_pct`` (%)
        and, where scores exist, ``imd_score_mean`` (score). ``attrs["weighting"]``
        names the resident weighting used.

    Notes
    -----
    With weights :math:`w_k` (residents of residence :math:`k`, or population of
    small area :math:`k`) in ward :math:`W`:

    .. math::

        \bar s_W = \frac{\sum_{k \in W} w_k s_k}{\sum_{k \in W} w_k}, \qquad
        P_W = 100 \frac{\sum_{k \in W} w_k [d_k = 1]}{\sum_{k \in W} w_k}
    """
    table = small_areas.assign(area_id=small_areas["area_id"].astype("string"))
    table["imd_decile"] = imd_decile(table, national_areas=national_areas)
    assigned = lookup if lookup is not None else best_fit_lookup(table, wards).dropna()
    assigned = assigned.set_axis(assigned.index.astype("string"))
    table["ward_id"] = table["area_id"].map(assigned)
    ids = pd.Index(wards["ward_id"], name="ward_id")
    out = _area_counts(table, ids)
    people, weighting = _weighted_people(wards, table, residences)
    out = out.join(_people_stats(people, ids))
    out.attrs["weighting"] = weighting
    logger.info(
        "ward deprivation: small areas by %s, residents by %s",
        "the given lookup" if lookup is not None else "area best fit",
        weighting,
    )
    return out


def _area_counts(table: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    groups = table.dropna(subset=["ward_id"]).groupby("ward_id")
    out = pd.DataFrame(
        {
            "small_areas": groups.size(),
            "imd_decile1_areas": groups["imd_decile"].agg(lambda d: float((d == 1).sum())),
        }
    ).reindex(ids)
    out["small_areas"] = out["small_areas"].fillna(0).astype("int64")
    if table["imd_decile"].isna().all():
        out["imd_decile1_areas"] = np.nan
    out["imd_decile1_areas_pct"] = (
        100.0 * out["imd_decile1_areas"] / out["small_areas"].where(out["small_areas"] > 0)
    )
    return out


def _weighted_people(
    wards: gpd.GeoDataFrame, table: pd.DataFrame, residences: gpd.GeoDataFrame | None
) -> tuple[pd.DataFrame, str]:
    """Rows of (ward_id, weight, imd_score, imd_decile) to summarise, and the rule used."""
    if residences is not None:
        points = attach_deprivation(residences, table, fields=["imd_score", "imd_decile"])
        weight = points["residents"] if "residents" in points.columns else 1.0
        people = pd.DataFrame(
            {"ward_id": point_zone(points, wards, "ward_id"), "weight": weight}, index=points.index
        )
        return people.join(points.reindex(columns=["imd_score", "imd_decile"])), "residences"
    if "population" in table.columns:
        weight, rule = table["population"], "small-area population"
    else:
        weight, rule = 1.0, "small areas (no population)"
    people = table.reindex(columns=["ward_id", "imd_score", "imd_decile"]).assign(weight=weight)
    return people, rule


def _people_stats(people: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    people = people.dropna(subset=["ward_id"]).astype({"weight": "float64"})
    people["weight"] = people["weight"].fillna(0.0)
    w = people["weight"]
    groups = people.assign(
        in_decile1=w * (people["imd_decile"] == 1), known=w * people["imd_decile"].notna()
    ).groupby("ward_id")
    out = pd.DataFrame(index=ids)
    out["imd_decile1_residents_pct"] = 100.0 * groups["in_decile1"].sum() / groups["known"].sum()
    if people["imd_score"].notna().any():
        scored = people.dropna(subset=["imd_score"])
        sums = (scored["imd_score"] * scored["weight"]).groupby(scored["ward_id"]).sum()
        out["imd_score_mean"] = sums / scored.groupby("ward_id")["weight"].sum()
    return out


_DOCS = DOCS_SECTIONS["deprivation"]


def _info(name: str, label: str, unit: str, description: str, worse: bool | None) -> ColumnInfo:
    return ColumnInfo(name, label, unit, description, "equity", higher_is_worse=worse, docs=_DOCS)


register_columns(
    _info(
        "small_areas", "Small areas", "count", "Small areas assigned to the ward (best fit).", None
    ),
    _info(
        "imd_decile1_areas",
        "Small areas in the most deprived decile",
        "count",
        "Small areas of the ward (best fit) in national IMD decile 1.",
        True,
    ),
    _info(
        "imd_decile1_areas_pct",
        "Small areas in the most deprived decile",
        "%",
        "Share of the ward's small areas (best fit) in national IMD decile 1.",
        True,
    ),
    _info(
        "imd_decile1_residents_pct",
        "Residents in the most deprived decile",
        "%",
        "Share of the ward's residents living in a small area in national IMD decile 1 "
        "(residence-weighted, or small-area population by best fit).",
        True,
    ),
    _info(
        "imd_score_mean",
        "Mean IMD score",
        "score",
        "Residents-weighted mean IMD score of the ward (higher is more deprived).",
        True,
    ),
)
