"""Display geometry: simplified, in WGS 84, rounded to about a metre.

Web maps need far fewer vertices than the analysis. A layer whose polygons form
a valid coverage (wards) is simplified with :func:`shapely.coverage_simplify`,
so neighbours keep one shared edge and no gaps or slivers open; other layers
are simplified feature by feature with topology preserved. Coordinates are then
reprojected to EPSG:4326 and rounded to 5 decimal places (about 1.1 m north-south,
0.7 m east-west in Britain). This is for display only: indicators are computed
on the unsimplified layers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from coventry_geo.errors import LayerCRSError, LayerSchemaError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["display_geometry", "display_wards", "to_features"]

logger = logging.getLogger(__name__)

#: Decimal places of longitude and latitude kept for display (about 1 m).
COORD_DECIMALS = 5


def display_geometry(gdf: gpd.GeoDataFrame, layer: str, *, tolerance_m: float) -> gpd.GeoDataFrame:
    """Return the layer's rows with non-empty geometry, simplified, in EPSG:4326, rounded.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Layer in a projected CRS with metre units.
    layer : str
        Layer name for error messages.
    tolerance_m : float
        Simplification tolerance in metres (0 keeps every vertex).

    Returns
    -------
    geopandas.GeoDataFrame
        Copy in EPSG:4326.

    Raises
    ------
    LayerCRSError
        If the layer has no CRS or a geographic one.
    """
    if gdf.crs is None or not gdf.crs.is_projected:
        msg = f"the map needs a projected CRS in metres, got {gdf.crs}"
        raise LayerCRSError(layer, None, msg, "reproject the layer (e.g. to EPSG:27700) first.")
    keep = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    geoms = np.asarray(keep.geometry.array, dtype=object)
    if tolerance_m > 0:
        geoms = _simplify(geoms, tolerance_m)
    out = keep.set_geometry(shapely.make_valid(geoms), crs=gdf.crs).to_crs(4326)
    rounded = shapely.transform(np.asarray(out.geometry.array), _round)
    return out.set_geometry(rounded, crs=4326)


def display_wards(
    wards: gpd.GeoDataFrame, columns: list[str], *, tolerance_m: float
) -> gpd.GeoDataFrame:
    """Return the wards' ids, names, ``columns`` (and ``area_ha``) with display geometry.

    The ids are the ``ward_id`` column, or the index when it is named ``ward_id``
    (the ward table of :func:`coventry_geo.ward_table`).

    Raises
    ------
    LayerSchemaError
        If a column is missing from the ward table.
    """
    if "ward_id" not in wards.columns and wards.index.name == "ward_id":
        wards = wards.reset_index()
    needed = ["ward_id", "ward_name", *columns]
    missing = [name for name in needed if name not in wards.columns]
    if missing:
        msg = f"the ward table has no column {missing}; it has {list(wards.columns)}."
        fix = "compute the indicators first, or map only columns the table has."
        layer = "wards"
        raise LayerSchemaError(layer, None, msg, fix)
    keep = list(dict.fromkeys([*needed, "area_ha"])) if "area_ha" in wards.columns else needed
    return display_geometry(wards[[*keep, wards.geometry.name]], "wards", tolerance_m=tolerance_m)


def _simplify(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    polygonal = all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
    if polygonal and shapely.coverage_is_valid(geoms):
        return shapely.coverage_simplify(geoms, tolerance_m)
    return shapely.simplify(geoms, tolerance_m, preserve_topology=True)


def _round(coords: np.ndarray) -> np.ndarray:
    return np.round(coords, COORD_DECIMALS)


def to_features(gdf: gpd.GeoDataFrame, properties: list[dict[str, Any]]) -> dict[str, Any]:
    """Build a GeoJSON FeatureCollection from EPSG:4326 geometry and per-row properties.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Output of :func:`display_geometry`.
    properties : list of dict
        One JSON-ready property mapping per row, in row order.

    Returns
    -------
    dict
        GeoJSON FeatureCollection; feature ids are the row positions.
    """
    features = [
        {"type": "Feature", "id": i, "properties": props, "geometry": geom.__geo_interface__}
        for i, (geom, props) in enumerate(zip(gdf.geometry, properties, strict=True))
    ]
    return {"type": "FeatureCollection", "features": features}
