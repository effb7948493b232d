"""Zones and polygon layers: the zones' checks, and the area of each zone inside a layer.

:func:`polygon_area_share` gives the area of each zone inside a polygon layer
(flood zones, heat network zones) and its share of the zone.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coventry_geo.errors import LayerCRSError, LayerSchemaError

__all__ = ["checked_zones", "in_crs", "polygon_area_share"]


def polygon_area_share(
    zones: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    *,
    zone_id: str,
    by: str | None = None,
) -> pd.DataFrame:
    r"""Area of each zone inside a polygon layer, and its share of the zone.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zone polygons in a projected CRS (metres); rows sharing an id form one zone.
    polygons : geopandas.GeoDataFrame
        Polygon layer (flood zones, heat network zones); reprojected to the zones' CRS.
    zone_id : str
        Zone id column.
    by : str or None
        Class column of ``polygons``: one pair of columns per class.

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id: ``area_m2`` (m², zone area inside the union of the
        polygons) and ``share`` (0-1); with ``by``, ``area_m2_<class>`` and
        ``share_<class>`` for each class (polygons of a class are dissolved first,
        so overlaps count once per class).

    Raises
    ------
    LayerCRSError
        A layer has no CRS or the zones' CRS is geographic.

    Notes
    -----
    .. math::

        \mathrm{share}_z = \frac{A(z \cap \bigcup_k P_k)}{A(z)}
    """
    zones = _projected_zones(zones, zone_id)
    polygons = in_crs(polygons, zones.crs, "polygons")
    dissolved = zones.dissolve(by=zone_id)
    area = dissolved.area.to_numpy()
    groups = [(None, polygons)] if by is None else list(polygons.groupby(by, sort=True))
    out = pd.DataFrame(index=dissolved.index)
    for cls, part in groups:
        inside = _area_inside(dissolved.geometry.values, part.geometry.values)
        suffix = "" if cls is None else f"_{cls}"
        out[f"area_m2{suffix}"] = inside
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"share{suffix}"] = np.where(area > 0, inside / area, np.nan)
    return out


def _area_inside(zone_geoms: np.ndarray, polys: np.ndarray) -> np.ndarray:
    """Area of each zone inside the union of ``polys`` (STRtree pairs, vectorised)."""
    polys = shapely.make_valid(np.asarray(polys))
    tree = shapely.STRtree(polys)
    zi, pi = tree.query(np.asarray(zone_geoms), predicate="intersects")
    out = np.zeros(len(zone_geoms))
    if len(zi) == 0:
        return out
    pieces = shapely.intersection(np.asarray(zone_geoms)[zi], polys[pi])
    for z in np.unique(zi):
        out[z] = shapely.union_all(pieces[zi == z]).area
    return out


def checked_zones(zones: gpd.GeoDataFrame, zone_id: str, layer_name: str) -> gpd.GeoDataFrame:
    """Return ``zones`` after checking it has the ``zone_id`` column and a CRS."""
    if zone_id not in zones.columns:
        names = ", ".join(map(str, zones.columns))
        msg = f"the zones have no column '{zone_id}' (columns: {names})."
        raise LayerSchemaError(layer_name, None, msg, "Pass zone_id= naming the zones' id column.")
    if zones.crs is None:
        msg = "the zones have no CRS."
        fix = "Set the zones' CRS with GeoDataFrame.set_crs()."
        raise LayerCRSError(layer_name, None, msg, fix)
    return zones


def _projected_zones(zones: gpd.GeoDataFrame, zone_id: str) -> gpd.GeoDataFrame:
    checked_zones(zones, zone_id, "zones")
    if not zones.crs.is_projected:
        msg = f"the zones' CRS ({zones.crs.name}) is geographic; areas need metres."
        fix = "Reproject the zones to a projected CRS (e.g. EPSG:27700) with to_crs()."
        raise LayerCRSError(zone_id, None, msg, fix)
    return zones


def in_crs(layer: gpd.GeoDataFrame, crs: Any, name: str) -> gpd.GeoDataFrame:
    """Return ``layer`` in ``crs`` (reprojected when needed); raise when it has no CRS."""
    if layer.crs is None:
        msg = f"the {name} have no CRS."
        raise LayerCRSError(name, None, msg, "Set the layer's CRS with GeoDataFrame.set_crs().")
    return layer if layer.crs == crs else layer.to_crs(crs)
