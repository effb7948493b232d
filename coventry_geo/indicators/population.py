"""Ward size and population: the base columns of the ward table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ward_area_ha", "ward_residents"]

_M2_PER_HA = 10_000.0


def ward_area_ha(wards: gpd.GeoDataFrame) -> pd.Series:
    r"""Area of each ward in hectares.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards in a projected CRS in metres, with ``ward_id``.

    Returns
    -------
    pandas.Series
        ``area_ha`` indexed by ``ward_id``.

    Notes
    -----
    .. math:: \text{area\\_ha} = A_{\text{ward}}\,[\text{m}^2] / 10\,000

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> square = shapely.box(0, 0, 100, 200)
    >>> wards = gpd.GeoDataFrame({"ward_id": ["A"]}, geometry=[square], crs=27700)
    >>> float(ward_area_ha(wards)["A"])
    2.0
    """
    return pd.Series(wards.area.to_numpy() / _M2_PER_HA, index=wards["ward_id"], name="area_ha")


def ward_residents(
    wards: gpd.GeoDataFrame,
    residences: gpd.GeoDataFrame,
    *,
    sum_fields: Sequence[str] = ("residents",),
) -> pd.DataFrame:
    """Residence points and their residents in each ward.

    Each point is counted in the ward that contains it (points on a shared edge
    go to the first ward in ``wards`` order, so none is counted twice).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        With ``ward_id``.
    residences : geopandas.GeoDataFrame
        Points in the same CRS; may have a ``residents`` field (persons).
    sum_fields : sequence of str, keyword-only
        Numeric fields to total per ward when present.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ward_id``: ``residences`` (count) and one column per
        present field of ``sum_fields``; wards without points get 0.
    """
    zone = _containing_zone(wards, residences)
    inside = zone >= 0
    ids = wards["ward_id"].to_numpy()
    counts = np.bincount(zone[inside], minlength=len(wards))
    out = pd.DataFrame({"residences": counts}, index=pd.Index(ids, name="ward_id"))
    for name in sum_fields:
        if name in residences.columns:
            values = residences[name].to_numpy(dtype="float64")[inside]
            out[name] = np.bincount(
                zone[inside], weights=np.nan_to_num(values), minlength=len(wards)
            )
    return out


def _containing_zone(zones: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the first zone that intersects each point, -1 where none does."""
    zone_idx, point_idx = points.sindex.query(zones.geometry.array, predicate="intersects")
    zone = np.full(len(points), -1, dtype=np.int64)
    order = np.lexsort((-zone_idx, point_idx))  # per point, the lowest zone index last
    zone[point_idx[order]] = zone_idx[order]
    return zone
