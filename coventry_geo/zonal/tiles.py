"""Raster zonal statistics split into tiles reduced one by one, then merged.

The client plans the same strips of whole block rows as the single-process
streaming pass (:func:`coventry_geo.zonal.raster_zonal_stats`) and groups
consecutive strips into horizontal *tiles*. Each tile is a task (on a Dask worker,
see :mod:`coventry_geo.zonal.dask_backend`): the worker opens
the raster itself (only its path travels), computes the runs of the zones whose
bounds touch the tile on the tile's window (their codes renumbered 1..k so the
reducer's arrays stay small), and reduces the tile strip by strip into a
:class:`TilePartial`. The client adds the partials up in tile order, strip by
strip, which repeats the single-process pass's additions exactly: count, sum,
min, max, weighted sums and quantiles come out bit-identical.

The coverage denominator (a zone's pixels on the grid extended beyond the
raster) needs every zone at once, because overlapping zones compete for pixels
outside the tile too: the client computes it by a scanline over all the zones,
only when ``coverage`` is asked.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from rasterio.windows import Window
from rasterio.windows import bounds as window_bounds

from coventry_geo.errors import CoventryGeoError, LayerError
from coventry_geo.zonal.grid import ZoneGrid, burn_zone_grid
from coventry_geo.zonal.reduce import ReducerSpec, StripReducer

# The single-process engine's steps, reused so that both paths stay one engine.
from coventry_geo.zonal.strips import ZonePlan, gdal_env, open_raster, stream, strips

if TYPE_CHECKING:
    from affine import Affine
    from rasterio.io import DatasetReader

__all__ = [
    "TileTask",
    "TilePartial",
    "plan_tiles",
    "reduce_tile",
    "merge_tiles",
    "zone_pixels",
    "as_task_path",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TileTask:
    """One tile to reduce on a worker.

    Attributes
    ----------
    raster_path : str
        Raster file or GDAL path, readable by the worker.
    window : tuple of int
        ``(col_off, row_off, width, height)`` of the tile, made of whole strips.
    geoms : numpy.ndarray
        The geometries (raster CRS, table order) whose bounds touch the tile.
    codes : numpy.ndarray
        Global zone code (1-based) of each geometry.
    """

    raster_path: str
    window: tuple[int, int, int, int]
    geoms: np.ndarray
    codes: np.ndarray
    band: int
    nodata: float | None
    weight_raster: str | None
    spec: ReducerSpec
    threads: int
    layer_name: str


@dataclass
class TilePartial:
    """A tile's reduction, for the zone codes ``codes`` (global, ascending) only.

    ``strip_sums`` holds, strip by strip, the per-code sums of the tile's strips;
    ``vmin``, ``vmax``, ``hist`` and ``values`` are the tile's per-code extremes,
    histograms and kept values, each indexed like ``codes``.
    """

    codes: np.ndarray
    strip_sums: list[dict[str, np.ndarray]]
    vmin: np.ndarray
    vmax: np.ndarray
    hist: np.ndarray | None
    values: list[list[np.ndarray]]


def plan_tiles(
    ds: DatasetReader, window: Window, geoms: np.ndarray, *, tile_rows: int
) -> list[tuple[Window, np.ndarray]]:
    """Group the single-process strips of ``window`` into tiles of at least ``tile_rows`` rows.

    Returns each tile's window and the positions of the geometries whose bounds
    touch it (tiles that no geometry touches are left out: they add nothing).
    """
    windows = [win for _, win in strips(ds, window)]
    zone_bounds = shapely.bounds(geoms)
    tiles = []
    first = 0
    while first < len(windows):
        last, rows = first, 0
        while last < len(windows) and rows < tile_rows:
            rows += int(windows[last].height)
            last += 1
        top = int(windows[first].row_off)
        tile = Window(int(window.col_off), top, int(window.width), rows)
        touch = _touching(zone_bounds, window_bounds(tile, ds.transform))
        if touch.size:
            tiles.append((tile, touch))
        first = last
    logger.debug("%d strips grouped into %d tiles with zones", len(windows), len(tiles))
    return tiles


def _touching(zone_bounds: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Positions of the bounds that touch the box (edges included)."""
    left, bottom, right, top = box
    hit = (
        (zone_bounds[:, 0] <= right)
        & (zone_bounds[:, 2] >= left)
        & (zone_bounds[:, 1] <= top)
        & (zone_bounds[:, 3] >= bottom)
    )
    return np.flatnonzero(hit)


def reduce_tile(task: TileTask) -> TilePartial:
    """Reduce one tile (runs on a worker): burn its zones, stream its strips.

    A pixel centre of the tile can only lie in a geometry whose bounds touch the
    tile, and geometries keep their table order, so the tile's runs equal the
    single-process runs restricted to the tile.

    Raises
    ------
    CoventryGeoError
        The worker cannot read the raster; the message names the worker's host
        (a :class:`~coventry_geo.errors.LayerError` cannot cross to the client:
        it does not unpickle).
    """
    try:
        return _reduce_tile(task)
    except LayerError as exc:
        msg = f"on the Dask worker at {socket.gethostname()}: {exc}"
        raise CoventryGeoError(msg) from None


def _reduce_tile(task: TileTask) -> TilePartial:
    global_codes, inverse = np.unique(task.codes, return_inverse=True)
    local_codes = inverse.astype(np.int64) + 1
    n_local = len(global_codes) + 1
    window = Window(*task.window)
    reducer = task.spec.reducer(n_local, keep_strip_sums=True)
    with gdal_env(task.threads), open_raster(task.raster_path, task.layer_name) as ds:
        transform: Affine = ds.transform

        def runs() -> ZoneGrid:
            ids = pd.RangeIndex(len(global_codes))
            return burn_zone_grid(task.geoms, local_codes, ids, transform=transform, window=window)

        plan = ZonePlan(window, n_local, runs)
        stream(ds, task.band, plan, reducer, task.nodata, task.weight_raster, task.layer_name)
    return TilePartial(
        codes=global_codes,
        strip_sums=[{k: v[1:] for k, v in sums.items()} for sums in reducer.strip_sums],
        vmin=reducer.vmin[1:],
        vmax=reducer.vmax[1:],
        hist=None if reducer.hist is None else reducer.hist[1:],
        values=reducer.values[1:],
    )


def merge_tiles(partials: list[TilePartial], n_codes: int, spec: ReducerSpec) -> StripReducer:
    """Add the tiles' partials up, in tile order and strip by strip, into one reducer.

    Notes
    -----
    The single-process pass adds each strip's per-code sums to running totals that
    start at zero; replaying the same strips in the same order performs the same
    float64 additions (a code absent from a tile adds exactly 0 there), so sums are
    bit-identical. Minima, maxima and histograms merge by ``min``, ``max`` and
    ``+``, and kept float values by concatenation (quantiles do not depend on order).
    """
    merged = spec.reducer(n_codes)
    for part in partials:
        g = part.codes
        for sums in part.strip_sums:
            for name, strip in sums.items():
                getattr(merged, name)[g] += strip
        merged.vmin[g] = np.minimum(merged.vmin[g], part.vmin)
        merged.vmax[g] = np.maximum(merged.vmax[g], part.vmax)
        if merged.hist is not None:
            merged.hist[g] += part.hist
        if merged.collect_values:
            for code, kept in zip(g, part.values, strict=True):
                merged.values[code].extend(kept)
    return merged


def zone_pixels(
    geoms: np.ndarray, codes: np.ndarray, n_codes: int, transform: Affine, window: Window
) -> np.ndarray:
    """Pixels of each code on the raster's grid extended beyond it (coverage denominator)."""
    corner = Window(int(window.col_off), int(window.row_off), 1, 1)
    ids = pd.RangeIndex(n_codes - 1)
    return burn_zone_grid(geoms, codes, ids, transform=transform, window=corner).zone_pixels


def as_task_path(path: str | Path | None) -> str | None:
    """Return the path as workers get it (local files made absolute: a worker's cwd is moot)."""
    if path is None:
        return None
    text = str(path)
    if "://" in text or ":" in text.split("/", 1)[0]:
        return text
    return str(Path(text).resolve())
