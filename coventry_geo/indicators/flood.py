"""Flood exposure (AR1): Flood Zones 2 and 3 and Risk of Flooding from Surface Water.

Standards: the Environment Agency's Flood Map for Planning (Flood Zone 3: at
least 1 % a year from rivers or 0.5 % from the sea, ignoring defences; Flood
Zone 2: 0.1 %-1 % from rivers) and Risk of Flooding from Surface Water (High:
at least 3.3 % a year; Medium: 1 %-3.3 %; Low: 0.1 %-1 %; Very Low outside).
Formulas: ``docs/indicators.md``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from coventry_geo.columns import ColumnInfo, register_columns
from coventry_geo.indicators._bands import band_exposure, exclusive_bands

__all__ = ["flood_zone_bands", "flood_exposure", "surface_water_bands", "surface_water_exposure"]

_FLOOD_ORDER = (("fz3", (3,)), ("fz2", (2,)))
_SW_ORDER = (("sw_high", ("High",)), ("sw_medium", ("Medium",)), ("sw_low", ("Low",)))


def flood_zone_bands(flood_zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Exclusive Flood Zone bands: ``fz3``, and ``fz2`` (the 0.1 %-1 % band outside FZ3).

    The EA publishes the Flood Zone 2 extent including Flood Zone 3; the FZ2
    band is (FZ2 ∪ FZ3) − FZ3 whichever way a file is published.

    Parameters
    ----------
    flood_zones : geopandas.GeoDataFrame
        Polygons with ``flood_zone`` in {2, 3}.

    Returns
    -------
    geopandas.GeoDataFrame
        Two rows, ``band`` = ``fz3`` then ``fz2``.
    """
    return exclusive_bands(flood_zones, "flood_zone", _FLOOD_ORDER)


def flood_exposure(
    zones: gpd.GeoDataFrame,
    flood_zones: gpd.GeoDataFrame,
    *,
    zone_id: str = "ward_id",
    residences: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    r"""Share of each zone's area, residences and residents in Flood Zones 3 and 2.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Wards or small areas, in the same projected CRS as ``flood_zones``.
    flood_zones : geopandas.GeoDataFrame
        Flood Map for Planning polygons with ``flood_zone`` in {2, 3}.
    zone_id : str, keyword-only
        Id column of ``zones``.
    residences : geopandas.GeoDataFrame, optional, keyword-only
        Residence points, optionally with ``residents`` (persons).
    population : geopandas.GeoDataFrame, optional, keyword-only
        Small-area population surface
        (:func:`coventry_geo.indicators.population.population_surface`): adds
        ``fz3_residents_est``, ``fz2_residents_est``, ``flood_residents_est``.

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: ``fz3_area_pct``, ``fz2_area_pct``, ``flood_area_pct``
        (% of zone area) and, with residences, ``fz3_residences``,
        ``fz2_residences``, ``flood_residences`` (count) and the matching
        ``*_residents`` (persons); with ``population``, the ``*_residents_est``
        (persons).

    Notes
    -----
    .. math:: \text{fz3\_area\_pct} = 100\,A(z \cap FZ3) / A(z)
    """
    bands = flood_zone_bands(flood_zones)
    return band_exposure(
        zones, bands, zone_id=zone_id, residences=residences, population=population, total="flood"
    )


def surface_water_bands(surface_water: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Exclusive Risk of Flooding from Surface Water bands: High, Medium, Low.

    Parameters
    ----------
    surface_water : geopandas.GeoDataFrame
        Polygons with ``risk_band`` in {"High", "Medium", "Low", "Very Low"}.

    Returns
    -------
    geopandas.GeoDataFrame
        Three rows, ``band`` = ``sw_high``, ``sw_medium``, ``sw_low``.
    """
    return exclusive_bands(surface_water, "risk_band", _SW_ORDER)


def surface_water_exposure(
    zones: gpd.GeoDataFrame,
    surface_water: gpd.GeoDataFrame,
    *,
    zone_id: str = "ward_id",
    residences: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Share of each zone's area and residents in each surface-water risk band.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
    surface_water : geopandas.GeoDataFrame
        RoFSW polygons with ``risk_band``.
    zone_id : str, keyword-only
    residences : geopandas.GeoDataFrame, optional, keyword-only
    population : geopandas.GeoDataFrame, optional, keyword-only
        As in :func:`flood_exposure`.

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: ``sw_high_area_pct``, ``sw_medium_area_pct``,
        ``sw_low_area_pct`` (% of zone area) and, with residences, the matching
        ``*_residences`` (count) and ``*_residents`` (persons); with ``population``,
        ``*_residents_est`` (persons).
    """
    bands = surface_water_bands(surface_water)
    return band_exposure(
        zones, bands, zone_id=zone_id, residences=residences, population=population
    )


def _info(name: str, label: str, unit: str, description: str, **more: str) -> ColumnInfo:
    return ColumnInfo(name, label, unit, description, "flood", higher_is_worse=True, **more)


register_columns(
    _info(
        "fz3_area_pct",
        "Area in Flood Zone 3",
        "%",
        "Share of the ward's area in Flood Zone 3 (≥1 % a year).",
    ),
    _info(
        "fz2_area_pct",
        "Area in Flood Zone 2",
        "%",
        "Share of the ward's area in the Flood Zone 2 band (0.1–1 % a year).",
    ),
    _info(
        "flood_area_pct",
        "Area in Flood Zone 2 or 3",
        "%",
        "Share of the ward's area in Flood Zone 2 or 3.",
    ),
    _info(
        "fz3_residences", "Residences in Flood Zone 3", "count", "Residence points in Flood Zone 3."
    ),
    _info(
        "fz2_residences",
        "Residences in Flood Zone 2",
        "count",
        "Residence points in the Flood Zone 2 band.",
    ),
    _info(
        "flood_residences",
        "Residences in Flood Zone 2 or 3",
        "count",
        "Residence points in Flood Zone 2 or 3.",
    ),
    _info(
        "fz3_residents",
        "Residents in Flood Zone 3",
        "persons",
        "Residents of points in Flood Zone 3.",
    ),
    _info(
        "fz2_residents",
        "Residents in Flood Zone 2",
        "persons",
        "Residents of points in the Flood Zone 2 band.",
    ),
    _info(
        "flood_residents",
        "Residents in Flood Zone 2 or 3",
        "persons",
        "Residents of points in Flood Zone 2 or 3.",
    ),
    *(
        _info(
            f"{band}_residents_est",
            f"Residents in {label} (estimated)",
            "persons",
            f"Residents estimated to live in {label}: small-area population spread evenly "
            "over each area (or its residential land) and summed over the band's part of "
            "the ward (no address points).",
            docs="residents-without-address-points-_residents_est",
        )
        for band, label in (
            ("fz3", "Flood Zone 3"),
            ("fz2", "the Flood Zone 2 band"),
            ("flood", "Flood Zone 2 or 3"),
            ("sw_high", "high surface-water risk"),
            ("sw_medium", "medium surface-water risk"),
            ("sw_low", "low surface-water risk"),
        )
    ),
    _info(
        "sw_high_area_pct",
        "Area at high surface-water risk",
        "%",
        "Share of area at High RoFSW risk (≥3.3 % a year).",
    ),
    _info(
        "sw_medium_area_pct",
        "Area at medium surface-water risk",
        "%",
        "Share of area at Medium RoFSW risk (1–3.3 % a year).",
    ),
    _info(
        "sw_low_area_pct",
        "Area at low surface-water risk",
        "%",
        "Share of area at Low RoFSW risk (0.1–1 % a year).",
    ),
    _info(
        "sw_high_residences",
        "Residences at high surface-water risk",
        "count",
        "Residence points at High RoFSW risk.",
    ),
    _info(
        "sw_medium_residences",
        "Residences at medium surface-water risk",
        "count",
        "Residence points at Medium RoFSW risk.",
    ),
    _info(
        "sw_low_residences",
        "Residences at low surface-water risk",
        "count",
        "Residence points at Low RoFSW risk.",
    ),
    _info(
        "sw_high_residents",
        "Residents at high surface-water risk",
        "persons",
        "Residents at High RoFSW risk.",
    ),
    _info(
        "sw_medium_residents",
        "Residents at medium surface-water risk",
        "persons",
        "Residents at Medium RoFSW risk.",
    ),
    _info(
        "sw_low_residents",
        "Residents at low surface-water risk",
        "persons",
        "Residents at Low RoFSW risk.",
    ),
)
