"""Relations between geographies: best-fit assignment of small areas to wards.

Official statistics come for small areas (LSOAs); indicators are reported for
wards. Where the two do not nest, each small area is given to one ward, the
one it overlaps most (the ONS publishes "best-fit" lookups built on a similar
rule, from population-weighted centroids). :func:`best_fit_lookup` builds that
assignment from the boundaries, and :func:`compare_lookups` checks it against a
published lookup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["best_fit_lookup", "compare_lookups", "LookupComparison", "point_zone"]

logger = logging.getLogger(__name__)


def best_fit_lookup(
    small_areas: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    small_id: str = "area_id",
    ward_id: str = "ward_id",
) -> pd.Series:
    r"""Assign each small area to the ward it overlaps most.

    For small area :math:`s` and wards :math:`w`,

    .. math::

        \operatorname{ward}(s) = \arg\max_w \operatorname{area}(s \cap w)

    Ties go to the ward whose id sorts first.

    Parameters
    ----------
    small_areas, wards : geopandas.GeoDataFrame
        In the same projected CRS.
    small_id, ward_id : str, keyword-only
        The id columns.

    Returns
    -------
    pandas.Series
        Ward id indexed by small-area id (name ``ward_id``), one row per small
        area; ``<NA>`` for a small area that overlaps no ward.

    Raises
    ------
    ValueError
        If the CRSs differ or are not projected, or an id is repeated.
    """
    _check_inputs(small_areas, wards, small_id, ward_id)
    left, right = wards.sindex.query(small_areas.geometry, predicate="intersects")
    overlap = shapely.area(
        shapely.intersection(
            small_areas.geometry.array[left].to_numpy(), wards.geometry.array[right].to_numpy()
        )
    )
    pairs = pd.DataFrame(
        {
            "small": small_areas[small_id].to_numpy()[left],
            "ward": wards[ward_id].to_numpy()[right],
            "overlap": overlap,
        }
    )
    pairs = pairs[pairs["overlap"] > 0].sort_values(["overlap", "ward"], ascending=[False, True])
    best = pairs.drop_duplicates("small").set_index("small")["ward"]
    ids = pd.Index(small_areas[small_id], name=small_id)
    result = best.reindex(ids).astype("string").rename("ward_id")
    unassigned = int(result.isna().sum())
    if unassigned:
        logger.warning("%d small areas overlap no ward and are unassigned", unassigned)
    return result


def _check_inputs(
    small_areas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, small_id: str, ward_id: str
) -> None:
    if small_areas.crs is None or wards.crs is None or not small_areas.crs.equals(wards.crs):
        msg = (
            f"small areas ({small_areas.crs}) and wards ({wards.crs}) must share one CRS. "
            "Fix: reproject both into the analysis CRS (the Study does)."
        )
        raise ValueError(msg)
    if not small_areas.crs.is_projected:
        msg = "best-fit assignment compares areas: use a projected CRS (e.g. EPSG:27700)."
        raise ValueError(msg)
    for frame, column in ((small_areas, small_id), (wards, ward_id)):
        repeated = frame[column][frame[column].duplicated()]
        if len(repeated):
            msg = f"ids in '{column}' repeat ({', '.join(map(str, repeated.unique()[:5]))})."
            raise ValueError(msg)


@dataclass(frozen=True)
class LookupComparison:
    """Agreement of an assignment with a reference lookup.

    Attributes
    ----------
    compared : int
        Small areas present in both.
    agree : int
        Those given the same ward.
    missing : list of str
        Small areas of the assignment absent from the reference.
    disagreements : pandas.DataFrame
        ``area_id``, ``ward_id`` (ours) and ``reference_ward_id``.
    """

    compared: int
    agree: int
    missing: list[str]
    disagreements: pd.DataFrame

    @property
    def share(self) -> float:
        """Share (0-1) of the compared small areas that agree."""
        return self.agree / self.compared if self.compared else np.nan


def compare_lookups(assigned: pd.Series, reference: pd.Series) -> LookupComparison:
    """Compare a small-area-to-ward assignment with a reference lookup.

    Parameters
    ----------
    assigned : pandas.Series
        Ward id by small-area id (e.g. from :func:`best_fit_lookup`).
    reference : pandas.Series
        Ward id by small-area id (e.g. an ONS best-fit lookup CSV).

    Returns
    -------
    LookupComparison
    """
    reference = reference.astype("string")
    common = assigned.index.intersection(reference.index)
    ours = assigned.loc[common].astype("string")
    theirs = reference.loc[common]
    differ = (ours != theirs).fillna(True).to_numpy()
    disagreements = pd.DataFrame(
        {
            "area_id": common[differ],
            "ward_id": ours.to_numpy()[differ],
            "reference_ward_id": theirs.to_numpy()[differ],
        }
    )
    return LookupComparison(
        compared=len(common),
        agree=int((~differ).sum()),
        missing=[str(a) for a in assigned.index.difference(reference.index)],
        disagreements=disagreements,
    )


def point_zone(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, id_column: str) -> pd.Series:
    """Id of the zone containing each point (the first one on shared edges), NaN outside.

    Returns
    -------
    pandas.Series
        Aligned on ``points.index``.
    """
    zone_idx, point_idx = points.sindex.query(zones.geometry.array, predicate="intersects")
    first = pd.Series(zone_idx, index=point_idx).groupby(level=0).min()
    ids = pd.Series(zones[id_column].to_numpy()[first.to_numpy()], index=first.index)
    out = pd.Series(np.arange(len(points))).map(ids)
    out.index = points.index
    return out.rename(id_column)
