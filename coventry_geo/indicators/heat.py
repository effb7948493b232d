"""Heat exposure (AR1): land-surface temperature by zone and the residents exposed.

Statistics are taken over the valid pixels of the land-surface temperature
(LST) raster whose centres fall in each zone; zones are reprojected to the
raster's grid, the raster is never resampled. Formulas: ``docs/indicators.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from coventry_geo.columns import ColumnInfo, register_city_values, register_columns
from coventry_geo.layers.raster import RasterLayer
from coventry_geo.zonal import points_in_zones, raster_zonal_stats, sample_raster_at_points

__all__ = ["CityHeat", "city_heat", "heat_exposure"]

DEFAULT_HOT_SPOT_THRESHOLD_C = 1.25


@dataclass(frozen=True)
class CityHeat:
    """City-wide LST reference values (°C).

    Attributes
    ----------
    mean_c : float
        Mean of every valid pixel in the city.
    p90_c : float
        90th percentile of those pixels: the threshold of the hottest 10 %.
    """

    mean_c: float
    p90_c: float


def city_heat(study_area: gpd.GeoDataFrame, heat: RasterLayer) -> CityHeat:
    """Mean and 90th percentile LST over the whole study area.

    Parameters
    ----------
    study_area : geopandas.GeoDataFrame
        One or more polygons; they are treated as one zone.
    heat : RasterLayer
        LST raster (values converted to °C by its scale and offset).

    Returns
    -------
    CityHeat
    """
    city = gpd.GeoDataFrame(
        {"zone": ["city"]}, geometry=[study_area.union_all()], crs=study_area.crs
    )
    stats = _raster_stats(city, heat, zone_id="zone", stats=("mean", "p90"))
    return CityHeat(mean_c=float(stats["mean"].iloc[0]), p90_c=float(stats["p90"].iloc[0]))


def heat_exposure(
    zones: gpd.GeoDataFrame,
    heat: RasterLayer,
    *,
    zone_id: str = "ward_id",
    residences: gpd.GeoDataFrame | None = None,
    city: CityHeat | None = None,
    hot_spot_threshold_c: float = DEFAULT_HOT_SPOT_THRESHOLD_C,
) -> pd.DataFrame:
    r"""Land-surface temperature per zone and the residents living on hot pixels.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Wards or small areas.
    heat : RasterLayer
        LST raster.
    zone_id : str, keyword-only
    residences : geopandas.GeoDataFrame, optional, keyword-only
        Residence points; each takes the LST of the pixel it stands on. Weighted
        by ``residents`` when present, else each residence counts as one.
    city : CityHeat, optional, keyword-only
        City reference values; default: computed over the union of ``zones``.
    hot_spot_threshold_c : float, keyword-only
        A hot spot is a pixel at least this much above the city mean (°C).

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: ``lst_mean_c``, ``lst_p90_c``, ``lst_max_c``,
        ``lst_anomaly_c`` (°C), ``hotspot_area_pct`` (%, ratio scale: the one
        for equity statistics) and, with residences, ``lst_resident_mean_c``
        (°C), ``hottest10_residents`` and ``hotspot_residents`` (persons).

    Notes
    -----
    .. math::
        \text{lst\_anomaly\_c} = \bar T_z - \bar T_{city},\qquad
        \text{hotspot\_area\_pct} = 100 \frac{|\{i \in z : T_i \ge \bar T_{city} + \theta\}|}
            {n_z},\qquad
        \text{lst\_resident\_mean\_c} = \frac{\sum_i r_i T_i}{\sum_i r_i}
    """
    city = city or city_heat(zones, heat)
    stats = _raster_stats(
        zones,
        heat,
        zone_id=zone_id,
        stats=("mean", "p90", "max", "frac_above"),
        threshold=city.mean_c + hot_spot_threshold_c,
    )
    out = pd.DataFrame(
        {
            "lst_mean_c": stats["mean"],
            "lst_p90_c": stats["p90"],
            "lst_max_c": stats["max"],
            "lst_anomaly_c": stats["mean"] - city.mean_c,
            "hotspot_area_pct": 100.0 * stats["frac_above"],
        }
    )
    out.index.name = zone_id
    if residences is not None:
        out = out.join(_resident_heat(zones, heat, residences, zone_id, city, hot_spot_threshold_c))
    return out


def _raster_stats(
    zones: gpd.GeoDataFrame,
    heat: RasterLayer,
    *,
    zone_id: str,
    stats: tuple[str, ...],
    threshold: float | None = None,
) -> pd.DataFrame:
    return raster_zonal_stats(
        zones,
        heat.path,
        zone_id=zone_id,
        band=heat.band,
        stats=stats,
        nodata=heat.nodata,
        scale=heat.scale,
        offset=heat.offset,
        threshold=threshold,
        layer_name=heat.name,
    )


def _resident_heat(
    zones: gpd.GeoDataFrame,
    heat: RasterLayer,
    residences: gpd.GeoDataFrame,
    zone_id: str,
    city: CityHeat,
    threshold_c: float,
) -> pd.DataFrame:
    lst = sample_raster_at_points(
        residences,
        heat.path,
        band=heat.band,
        nodata=heat.nodata,
        scale=heat.scale,
        offset=heat.offset,
    )
    weight = (
        residences["residents"].to_numpy(dtype="float64")
        if "residents" in residences.columns
        else np.ones(len(residences))
    )
    valid = np.isfinite(lst)
    tagged = residences[[residences.geometry.name]].assign(
        _w=np.where(valid, weight, 0.0),
        _wt=np.where(valid, weight * np.nan_to_num(lst), 0.0),
        _hot10=np.where(valid & (lst >= city.p90_c), weight, 0.0),
        _hotspot=np.where(valid & (lst >= city.mean_c + threshold_c), weight, 0.0),
    )
    sums = points_in_zones(
        zones, tagged, zone_id=zone_id, sum_fields=["_w", "_wt", "_hot10", "_hotspot"]
    )
    return pd.DataFrame(
        {
            "lst_resident_mean_c": sums["_wt_sum"] / sums["_w_sum"].where(sums["_w_sum"] > 0),
            "hottest10_residents": sums["_hot10_sum"],
            "hotspot_residents": sums["_hotspot_sum"],
        }
    )


def _info(
    name: str, label: str, unit: str, description: str, worse: bool | None = True
) -> ColumnInfo:
    return ColumnInfo(name, label, unit, description, "heat", higher_is_worse=worse)


register_columns(
    _info(
        "lst_mean_c", "Mean land-surface temperature", "°C", "Mean LST of the ward's valid pixels."
    ),
    _info(
        "lst_p90_c",
        "90th percentile land-surface temperature",
        "°C",
        "90th percentile LST of the ward's pixels.",
    ),
    _info(
        "lst_max_c", "Maximum land-surface temperature", "°C", "Maximum LST of the ward's pixels."
    ),
    _info("lst_anomaly_c", "LST anomaly", "°C", "Ward mean LST minus the city mean LST."),
    _info(
        "hotspot_area_pct",
        "Area in heat hot spots",
        "%",
        "Share of the zone's valid LST pixels at least the hot-spot threshold above the city "
        "mean (ratio scale: the heat indicator of the equity statistics).",
    ),
    _info(
        "lst_resident_mean_c",
        "Residents' mean LST",
        "°C",
        "Residents-weighted mean LST at residences.",
    ),
    _info(
        "hottest10_residents",
        "Residents on the hottest 10 % of land",
        "persons",
        "Residents on pixels at or above the city's 90th percentile LST.",
    ),
    _info(
        "hotspot_residents",
        "Residents in heat hot spots",
        "persons",
        "Residents on pixels at least the hot-spot threshold above the city mean.",
    ),
)
register_city_values(
    _info(
        "lst_mean_c",
        "City mean land-surface temperature",
        "°C",
        "Mean LST of the city's valid pixels.",
    ),
    _info(
        "lst_p90_c",
        "City 90th percentile land-surface temperature",
        "°C",
        "90th percentile LST of the city's valid pixels.",
    ),
)
