"""Ward size and population: the base columns of the ward table."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from coventry_geo.zonal import points_in_zones

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


def ward_residents(wards: gpd.GeoDataFrame, residences: gpd.GeoDataFrame) -> pd.DataFrame:
    """Residence points and their residents in each ward.

    Each point is counted in one ward: the first, in ``wards`` order, that
    covers it (so a point on a shared edge is not counted twice).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        With ``ward_id``.
    residences : geopandas.GeoDataFrame
        Points; may have a ``residents`` field (persons).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ward_id``: ``residences`` (count) and, when the points have
        a ``residents`` field, ``residents`` (persons); 0 for wards without points.
    """
    sums = ["residents"] if "residents" in residences.columns else []
    counts = points_in_zones(wards, residences, zone_id="ward_id", sum_fields=sums)
    return counts.rename(columns={"count": "residences", "residents_sum": "residents"})
