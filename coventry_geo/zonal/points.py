"""Points and zones: points counted per zone, and the pixel value under each point.

:func:`points_in_zones` counts points (and sums their fields) per zone and class;
:func:`sample_raster_at_points` reads the pixel under each point, strip by strip.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.windows import Window

from coventry_geo.errors import LayerCRSError
from coventry_geo.zonal.strips import gdal_env, open_raster, raster_crs, strips
from coventry_geo.zonal.vector import in_crs

if TYPE_CHECKING:
    from rasterio.io import DatasetReader

__all__ = ["points_in_zones", "sample_raster_at_points"]


def points_in_zones(
    zones: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    zone_id: str,
    by: str | None = None,
    sum_fields: Sequence[str] = (),
) -> pd.DataFrame:
    """Count points (and sum their fields) per zone, optionally per class.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zone polygons; rows sharing an id form one zone.
    points : geopandas.GeoDataFrame
        Points, reprojected to the zones' CRS. A point on a shared boundary is
        counted in the first zone (in the zones' order) that covers it.
    zone_id : str
        Zone id column.
    by : str or None
        Class column of ``points`` (e.g. flood zone of each residence).
    sum_fields : sequence of str
        Numeric columns of ``points`` to sum (NaN counts as 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id (every zone, zeros where no point): ``count`` and
        ``<field>_sum``; with ``by``, ``count_<class>`` and ``<field>_sum_<class>``.
    """
    if zones.crs is None:
        msg = "the zones have no CRS."
        fix = "Set the zones' CRS with GeoDataFrame.set_crs()."
        raise LayerCRSError(zone_id, None, msg, fix)
    points = in_crs(points, zones.crs, "points")
    ids = pd.Index(pd.unique(zones[zone_id]), name=zone_id)
    tree = shapely.STRtree(zones.geometry.values)
    pi, zi = tree.query(points.geometry.values, predicate="intersects")
    first = np.unique(pi, return_index=True)[1]
    pi, zi = pi[first], zi[first]
    frame = pd.DataFrame({zone_id: zones[zone_id].to_numpy()[zi]})
    for f in sum_fields:
        frame[f"{f}_sum"] = pd.to_numeric(points[f], errors="coerce").fillna(0).to_numpy()[pi]
    frame["count"] = 1
    keys = [zone_id] if by is None else [zone_id, points[by].to_numpy()[pi]]
    agg = frame.groupby(keys, sort=True).sum()
    if by is not None:
        agg = agg.unstack(fill_value=0)
        agg.columns = [f"{col}_{cls}" for col, cls in agg.columns]
    return agg.reindex(ids, fill_value=0)


def sample_raster_at_points(
    points: gpd.GeoDataFrame,
    raster_path: str | Path,
    *,
    band: int = 1,
    nodata: float | None = None,
    scale: float = 1.0,
    offset: float = 0.0,
    crs: Any = None,
    layer_name: str = "raster",
) -> np.ndarray:
    """Value of the pixel under each point (NaN outside the raster or on nodata).

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Points with a CRS (reprojected to the raster's).
    raster_path : str or Path
        Raster file or GDAL path.
    band : int
        1-based band.
    nodata : float or None
        Nodata value overriding the file's.
    scale, offset : float
        ``value = stored * scale + offset``.
    crs : pyproj.CRS-like or None
        CRS of a raster whose file has none.
    layer_name : str
        Layer name used in error messages.

    Returns
    -------
    numpy.ndarray of float64
        One value per point, in the order of ``points``.

    Notes
    -----
    The raster is read in strips of block rows holding points, so memory stays
    bounded; a point on a pixel edge takes the pixel to its lower right.
    """
    with gdal_env(None), open_raster(raster_path, layer_name) as ds:
        crs_of_raster = raster_crs(ds, crs, raster_path, layer_name)
        xy = shapely.get_coordinates(points.to_crs(crs_of_raster).geometry.values)
        rows, cols = rasterio.transform.rowcol(ds.transform, xy[:, 0], xy[:, 1], op=np.floor)
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        fill = ds.nodatavals[band - 1] if nodata is None else nodata
        values = _values_at(ds, band, rows, cols)
    inside = (rows >= 0) & (rows < ds.height) & (cols >= 0) & (cols < ds.width)
    bad = ~inside | np.isnan(values) | ((values == fill) if fill is not None else False)
    return np.where(bad, np.nan, values * scale + offset)


def _values_at(ds: DatasetReader, band: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Raw pixel values at (row, col), read strip by strip (NaN outside the raster)."""
    out = np.full(len(rows), np.nan)
    inside = (rows >= 0) & (rows < ds.height) & (cols >= 0) & (cols < ds.width)
    for _, win in strips(ds, Window(0, 0, ds.width, ds.height)):
        top = int(win.row_off)
        here = inside & (rows >= top) & (rows < top + int(win.height))
        if here.any():
            c0, c1 = int(cols[here].min()), int(cols[here].max()) + 1
            data = ds.read(band, window=Window(c0, top, c1 - c0, win.height))
            out[here] = data[rows[here] - top, cols[here] - c0]
    return out
