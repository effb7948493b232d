"""Tree canopy cover (NB6): cover, hectares and the gap to the target.

Coventry's urban-forest commitment: canopy cover from 11 % towards 20 %,
distributed fairly. Canopy comes from a raster (0/1 mask, fraction or percent)
or from canopy polygons. Formulas: ``docs/indicators.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from coventry_geo.columns import ColumnInfo, register_city_values, register_columns
from coventry_geo.layers.raster import RasterLayer
from coventry_geo.zonal import polygon_area_share, raster_zonal_stats

__all__ = ["CityCanopy", "canopy_cover", "canopy_gap", "city_canopy"]

DEFAULT_TARGET_PCT = 20.0
DEFAULT_BASELINE_PCT = 11.0
DEFAULT_CROWN_AREA_M2 = 55.74
_M2_PER_HA = 10_000.0


def canopy_cover(
    zones: gpd.GeoDataFrame,
    canopy: RasterLayer | gpd.GeoDataFrame,
    *,
    zone_id: str = "ward_id",
) -> pd.DataFrame:
    r"""Canopy cover of each zone.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Wards or small areas in a projected CRS.
    canopy : RasterLayer or geopandas.GeoDataFrame
        Canopy raster (values scaled to a 0-1 fraction by the layer's scale) or
        canopy polygons in the zones' CRS.
    zone_id : str, keyword-only

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: ``canopy_pct`` (% of the valid area), ``canopy_ha``
        and ``canopy_valid_ha`` (ha surveyed: valid pixels, or the zone's area
        for polygons).

    Notes
    -----
    .. math:: \text{canopy\_pct} = 100 \, \frac{\sum_{p \in z} f_p}{n_z}

    where :math:`f_p` is the canopy fraction of valid pixel *p* and :math:`n_z`
    the number of valid pixels in zone *z*.
    """
    if isinstance(canopy, RasterLayer):
        return _raster_cover(zones, canopy, zone_id)
    return _polygon_cover(zones, canopy, zone_id)


def _raster_cover(zones: gpd.GeoDataFrame, canopy: RasterLayer, zone_id: str) -> pd.DataFrame:
    stats = raster_zonal_stats(
        zones,
        canopy.path,
        zone_id=zone_id,
        band=canopy.band,
        stats=("count", "sum"),
        nodata=canopy.nodata,
        scale=canopy.scale,
        offset=canopy.offset,
        layer_name=canopy.name,
    )
    ha_per_pixel = canopy.pixel_area_m2 / _M2_PER_HA
    if not canopy.crs.is_projected:  # pixel areas vary: take the zone's own area
        ha_per_pixel = (zones.set_index(zone_id).area / _M2_PER_HA) / stats["count"]
    out = pd.DataFrame(
        {
            "canopy_pct": 100.0 * stats["sum"] / stats["count"].where(stats["count"] > 0),
            "canopy_ha": stats["sum"] * ha_per_pixel,
            "canopy_valid_ha": stats["count"] * ha_per_pixel,
        }
    )
    out.index.name = zone_id
    return out


def _polygon_cover(zones: gpd.GeoDataFrame, canopy: gpd.GeoDataFrame, zone_id: str) -> pd.DataFrame:
    merged = gpd.GeoDataFrame(geometry=[shapely.union_all(canopy.geometry.array)], crs=canopy.crs)
    share = polygon_area_share(zones, merged, zone_id=zone_id)
    area_ha = zones.set_index(zone_id).area / _M2_PER_HA
    out = pd.DataFrame(
        {
            "canopy_pct": 100.0 * share["share"],
            "canopy_ha": share["area_m2"] / _M2_PER_HA,
            "canopy_valid_ha": area_ha,
        }
    )
    out.index.name = zone_id
    return out


def canopy_gap(
    cover: pd.DataFrame,
    *,
    target_pct: float = DEFAULT_TARGET_PCT,
    crown_area_m2: float = DEFAULT_CROWN_AREA_M2,
) -> pd.DataFrame:
    r"""Canopy needed to reach a target cover, in hectares and in trees.

    Parameters
    ----------
    cover : pandas.DataFrame
        From :func:`canopy_cover`.
    target_pct : float, keyword-only
        Target canopy cover (%), default 20.
    crown_area_m2 : float, keyword-only
        Canopy area of one mature tree (m²), default 55.74 (Tree Equity Score UK).

    Returns
    -------
    pandas.DataFrame
        ``canopy_gap_ha`` (ha) and ``canopy_gap_trees`` (trees), same index.

    Notes
    -----
    .. math::
        \text{gap\_ha} = \max(T - c, 0)/100 \cdot A_{valid},\qquad
        \text{trees} = \text{gap\_ha} \cdot 10\,000 / a_{crown}

    Examples
    --------
    >>> cover = pd.DataFrame({"canopy_pct": [10.0, 25.0], "canopy_valid_ha": [100.0, 50.0]})
    >>> canopy_gap(cover, target_pct=20.0, crown_area_m2=50.0)["canopy_gap_trees"].tolist()
    [2000.0, 0.0]
    """
    gap_ha = (target_pct - cover["canopy_pct"]).clip(lower=0.0) / 100.0 * cover["canopy_valid_ha"]
    return pd.DataFrame(
        {"canopy_gap_ha": gap_ha, "canopy_gap_trees": gap_ha * _M2_PER_HA / crown_area_m2}
    )


@dataclass(frozen=True)
class CityCanopy:
    """City-wide canopy against the baseline and the target (%, ha)."""

    canopy_pct: float
    canopy_ha: float
    baseline_pct: float
    target_pct: float
    gap_ha: float


def city_canopy(
    cover: pd.DataFrame,
    *,
    baseline_pct: float = DEFAULT_BASELINE_PCT,
    target_pct: float = DEFAULT_TARGET_PCT,
) -> CityCanopy:
    """City canopy from the zones' totals: Σ canopy ha / Σ valid ha.

    Parameters
    ----------
    cover : pandas.DataFrame
        From :func:`canopy_cover` over zones that tile the city.
    baseline_pct, target_pct : float, keyword-only
        The action plan's baseline (11 %) and target (20 %).

    Returns
    -------
    CityCanopy
    """
    canopy_ha = float(cover["canopy_ha"].sum())
    valid_ha = float(cover["canopy_valid_ha"].sum())
    pct = 100.0 * canopy_ha / valid_ha
    return CityCanopy(
        canopy_pct=pct,
        canopy_ha=canopy_ha,
        baseline_pct=baseline_pct,
        target_pct=target_pct,
        gap_ha=max(target_pct - pct, 0.0) / 100.0 * valid_ha,
    )


def _info(name: str, label: str, unit: str, description: str, worse: bool | None) -> ColumnInfo:
    return ColumnInfo(name, label, unit, description, "canopy", higher_is_worse=worse)


register_columns(
    _info(
        "canopy_pct", "Tree canopy cover", "%", "Canopy share of the ward's surveyed area.", False
    ),
    _info("canopy_ha", "Tree canopy", "ha", "Canopy area in the ward.", False),
    _info(
        "canopy_valid_ha",
        "Area surveyed for canopy",
        "ha",
        "Area of valid canopy pixels in the ward.",
        None,
    ),
    _info(
        "canopy_gap_ha",
        "Canopy gap to target",
        "ha",
        "Canopy to add to reach the target cover.",
        True,
    ),
    _info(
        "canopy_gap_trees",
        "Trees to reach the canopy target",
        "trees",
        "Canopy gap divided by the crown area of one tree.",
        True,
    ),
)
register_city_values(
    _info(
        "canopy_pct",
        "City tree canopy cover",
        "%",
        "Canopy share of the city's surveyed area.",
        False,
    ),
    _info("canopy_ha", "City tree canopy", "ha", "Canopy area in the city.", False),
    _info(
        "canopy_baseline_pct",
        "Canopy cover baseline",
        "%",
        "The baseline cover of the setting canopy_baseline_pct.",
        None,
    ),
    _info(
        "canopy_target_pct",
        "Canopy cover target",
        "%",
        "The target cover of the setting canopy_target_pct.",
        None,
    ),
    _info(
        "canopy_gap_ha",
        "City canopy gap to target",
        "ha",
        "Canopy to add to reach the target cover across the city's surveyed area.",
        True,
    ),
)
