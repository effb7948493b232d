"""Raster zonal statistics on a Dask cluster: the tiles of :mod:`coventry_geo.zonal.tiles` as tasks.

:func:`zonal_stats_on_cluster` is the Dask backend's handler of
:data:`~coventry_geo.backends.RASTER_ZONAL_STATS`;
:func:`coventry_geo.distributed.use_client` registers it, so that
:func:`coventry_geo.zonal.raster_zonal_stats` runs on the cluster within that
block. It takes the client as an argument: nothing here imports Dask.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from coventry_geo.errors import LayerSchemaError
from coventry_geo.zonal.grid import ZoneGrid
from coventry_geo.zonal.raster import (
    ZonalOptions,
    reducer_spec,
    stats_table,
    with_point_weights,
    zones_window,
)
from coventry_geo.zonal.strips import open_raster, raster_crs
from coventry_geo.zonal.tiles import (
    TileTask,
    as_task_path,
    merge_tiles,
    plan_tiles,
    reduce_tile,
    zone_pixels,
)
from coventry_geo.zonal.vector import checked_zones

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DEFAULT_TILE_ROWS", "zonal_stats_on_cluster"]

logger = logging.getLogger(__name__)

#: Rows per raster tile (rounded up to whole strips of block rows).
DEFAULT_TILE_ROWS = 4096


def zonal_stats_on_cluster(
    zones: gpd.GeoDataFrame,
    raster_path: str | Path,
    options: ZonalOptions,
    *,
    client: Client,
    threads: int = 1,
    tile_rows: int = DEFAULT_TILE_ROWS,
) -> pd.DataFrame:
    r"""Statistics of a raster band within each zone, reduced tile by tile on a cluster.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        As for :func:`coventry_geo.zonal.raster_zonal_stats`.
    raster_path : str or Path
        The raster; it (and ``options.weight_raster``) must be readable by the
        workers under the same path.
    options : ZonalOptions
        What to compute.
    client : distributed.Client, keyword-only
        The cluster (see :func:`coventry_geo.distributed.cluster`).
    threads : int, keyword-only
        GDAL decode threads per task (1 suits one-thread workers, one per core).
    tile_rows : int, keyword-only
        Raster rows per task, rounded up to whole strips of block rows. A task holds
        about three strips (of about 8 Mpx) at a time whatever its size; smaller
        tiles balance the load better and cost more tasks and zone scanlines.

    Returns
    -------
    pandas.DataFrame
        Identical to :func:`coventry_geo.zonal.raster_zonal_stats`'s table.

    Raises
    ------
    LayerNotFoundError, LayerReadError, LayerCRSError, LayerExtentError, LayerSchemaError
        As :func:`coventry_geo.zonal.raster_zonal_stats`.

    Notes
    -----
    Tile *t* returns, for each zone *z* touching it and each of its strips *s*,
    :math:`n_{z,s}` and :math:`S_{z,s} = \sum_{i \in z \cap s} v_i`, and
    :math:`\min`, :math:`\max` and the histogram (integer rasters) or the values
    (float rasters) of :math:`z \cap t`. The client computes
    :math:`n_z = \sum_s n_{z,s}` and :math:`S_z = \sum_s S_{z,s}` adding strips in
    raster order, as the single pass does (bit-identical float sums),
    :math:`\min_z = \min_t \min_{z,t}`, and quantiles from the summed histograms
    or the concatenated values. Quantiles of float rasters ship every valid value
    in a zone to the client (8 bytes a pixel): keep them for small rasters.
    """
    layer_name, zone_id = options.layer_name, options.zone_id
    zones = checked_zones(zones, zone_id, layer_name)
    if tile_rows < 1:
        msg = f"tile_rows must be at least 1, not {tile_rows}."
        raise LayerSchemaError(layer_name, raster_path, msg, "Pass tile_rows= of 1 or more.")
    codes, ids = pd.factorize(zones[zone_id], sort=False)
    codes = codes.astype(np.int64) + 1
    with open_raster(raster_path, layer_name) as ds:
        crs = raster_crs(ds, options.crs, raster_path, layer_name)
        nodata = ds.nodatavals[options.band - 1] if options.nodata is None else options.nodata
        spec = reducer_spec(ds, options, raster_path)
        geoms = np.asarray(zones.to_crs(crs).geometry.values)
        window = zones_window(geoms, ds, raster_path, layer_name)
        tiles = plan_tiles(ds, window, geoms, tile_rows=tile_rows)
        transform = ds.transform
    tasks = [
        TileTask(
            raster_path=as_task_path(raster_path),
            window=(int(t.col_off), int(t.row_off), int(t.width), int(t.height)),
            geoms=geoms[touch],
            codes=codes[touch],
            band=options.band,
            nodata=nodata,
            weight_raster=as_task_path(options.weight_raster),
            spec=spec,
            threads=threads,
            layer_name=layer_name,
        )
        for t, touch in tiles
    ]
    logger.info("reducing '%s' in %d tiles on the cluster", layer_name, len(tasks))
    partials = client.gather(client.map(reduce_tile, tasks, pure=False))
    reducer = merge_tiles(partials, len(ids) + 1, spec)
    pixels = (
        zone_pixels(geoms, codes, len(ids) + 1, transform, window)
        if "coverage" in options.stats
        else np.zeros(len(ids) + 1, dtype=np.int64)
    )
    empty = np.zeros(0, dtype=np.int64)
    grid = ZoneGrid(pd.Index(ids, name=zone_id), window, empty, empty, pixels, empty)
    table = stats_table(reducer, grid, options)
    return with_point_weights(table, zones, raster_path, options, nodata=nodata, crs=crs)
