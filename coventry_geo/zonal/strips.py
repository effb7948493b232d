"""Reading a raster strip by strip and reducing each strip per zone: the streaming pass.

A raster is opened once (:func:`open_raster`, with GDAL decoding in threads:
:func:`gdal_env`) and read in *strips* of whole block rows (:func:`strips`) by a
background thread, up to two strips ahead, while the previous strip is reduced
run by run into a :class:`~coventry_geo.zonal.reduce.StripReducer`
(:func:`stream`). Memory stays bounded whatever the raster's size. The
single-process engine (:mod:`coventry_geo.zonal.raster`) streams the zones'
whole window; the tiles of :mod:`coventry_geo.zonal.tiles` stream one tile each.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.errors import RasterioIOError
from rasterio.windows import Window

from coventry_geo.errors import LayerCRSError, LayerExtentError, LayerNotFoundError, LayerReadError

if TYPE_CHECKING:
    from rasterio.io import DatasetReader

    from coventry_geo.zonal.grid import ZoneGrid
    from coventry_geo.zonal.reduce import StripReducer

__all__ = ["ZonePlan", "gdal_env", "open_raster", "raster_crs", "strips", "stream"]

logger = logging.getLogger(__name__)

#: Target pixels per strip (rounded to whole block rows).
_STRIP_PIXELS = 1 << 23


def gdal_env(threads: int | None) -> rasterio.Env:
    """Return the GDAL settings of a pass: ``threads`` decode threads (default: all CPUs)."""
    n = threads or os.cpu_count() or 1
    return rasterio.Env(GDAL_NUM_THREADS=str(n), GDAL_CACHEMAX=256)


def open_raster(raster_path: str | Path, layer_name: str) -> DatasetReader:
    """Open a raster file or GDAL path; raise a layer error naming the file when it cannot."""
    path = str(raster_path)
    if "://" not in path and ":" not in path.split("/", 1)[0] and not Path(path).exists():
        msg = "the raster file does not exist."
        raise LayerNotFoundError(layer_name, path, msg, "Check the layer's path.")
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        msg = f"GDAL cannot open the raster ({exc})."
        fix = "Check the file is a valid GeoTIFF or NetCDF variable (netcdf:/path/file.nc:var)."
        raise LayerReadError(layer_name, path, msg, fix) from exc


def raster_crs(ds: DatasetReader, crs: Any, raster_path: str | Path, layer_name: str) -> CRS:
    """Return the raster's CRS, else ``crs`` (for a file without one); raise when neither."""
    if ds.crs is not None:
        return CRS.from_user_input(ds.crs)
    if crs is not None:
        return CRS.from_user_input(crs)
    msg = "the raster has no CRS."
    fix = "Declare it with the layer's `crs` (crs= here), or write it into the file."
    raise LayerCRSError(layer_name, raster_path, msg, fix)


@dataclass(frozen=True)
class ZonePlan:
    """The zones' window on the raster, their number of codes, and how to get their runs."""

    window: Window
    n_codes: int
    runs: Callable[[], ZoneGrid]


def strips(ds: DatasetReader, window: Window) -> Iterator[tuple[int, Window]]:
    """Row strips of ``window`` aligned to whole block rows (window-relative row, strip)."""
    block_h = ds.block_shapes[0][0]
    rows = max(block_h, (_STRIP_PIXELS // max(int(window.width), 1)) // block_h * block_h)
    top, bottom = int(window.row_off), int(window.row_off + window.height)
    first = top
    while first < bottom:
        last = min(bottom, (first // rows + 1) * rows)  # end on a block-row boundary
        yield first - top, Window(window.col_off, first, window.width, last - first)
        first = last


class _StripReader:
    """Strips read by a background thread, started at once, up to two strips ahead.

    Iterate it once; :meth:`close` (or leaving the ``with`` block) stops the thread.
    """

    def __init__(
        self,
        ds: DatasetReader,
        band: int,
        strips: list[tuple[int, Window]],
        weight_ds: DatasetReader | None,
    ) -> None:
        self._out: queue.Queue = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._read, args=(ds, band, strips, weight_ds), daemon=True
        )
        self._thread.start()

    def _read(
        self,
        ds: DatasetReader,
        band: int,
        strips: list[tuple[int, Window]],
        weight_ds: DatasetReader | None,
    ) -> None:
        try:
            for row, win in strips:
                if self._stop.is_set():
                    return
                w = None if weight_ds is None else weight_ds.read(1, window=win, masked=True)
                self._out.put((row, ds.read(band, window=win), w))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            self._out.put(exc)
        self._out.put(None)

    def __iter__(self) -> Iterator[tuple[int, np.ndarray, np.ma.MaskedArray | None]]:
        while (item := self._out.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item

    def close(self) -> None:
        """Stop the reader thread and wait for it (it may be blocked on a full queue)."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._out.get_nowait()
            except queue.Empty:
                self._thread.join(0.01)

    def __enter__(self) -> _StripReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stream(
    ds: DatasetReader,
    band: int,
    plan: ZonePlan,
    reducer: StripReducer,
    nodata: float | None,
    weight_raster: str | Path | None,
    layer_name: str,
) -> ZoneGrid:
    """Make the streaming pass: read strips and reduce them; return the zones' runs.

    The reader starts before the runs are computed, so a cold call computes them
    while GDAL decodes the first strips.
    """
    weight_ds = None if weight_raster is None else _open_weights(weight_raster, ds, layer_name)
    width = int(plan.window.width)
    windows = list(strips(ds, plan.window))
    try:
        with _StripReader(ds, band, windows, weight_ds) as reader:
            grid = plan.runs()
            for row, data, w in reader:
                starts, codes = grid.runs(row, row + data.shape[0])
                flat = data.reshape(-1)
                valid = _valid(flat, nodata)
                weights = None
                if w is not None:
                    wmask = ~np.ma.getmaskarray(w).reshape(-1) & np.isfinite(w.data.reshape(-1))
                    valid = wmask if valid is None else valid & wmask
                    weights = w.data.reshape(-1).astype(np.float64)
                reducer.add(flat, valid, starts, codes, row_width=width, weights=weights)
    finally:
        if weight_ds is not None:
            weight_ds.close()
    logger.debug("reduced %d strips of '%s'", len(windows), layer_name)
    return grid


def _valid(flat: np.ndarray, nodata: float | None) -> np.ndarray | None:
    """Valid-pixel mask, or None when every pixel of the strip is valid (cheap check)."""
    if flat.dtype.kind == "f":
        bad = np.isnan(flat)
        if nodata is not None and not np.isnan(nodata):
            bad |= flat == nodata
        return ~bad if bad.any() else None
    if nodata is None or flat.size == 0:
        return None
    if not flat.min() <= nodata <= flat.max():
        return None
    return flat != nodata


def _open_weights(weight_raster: str | Path, ds: DatasetReader, layer_name: str) -> DatasetReader:
    weights_name = f"{layer_name} weights"
    wds = open_raster(weight_raster, weights_name)
    if wds.transform != ds.transform or wds.shape != ds.shape or wds.crs != ds.crs:
        wds.close()
        msg = (
            f"the weight raster's grid ({wds.crs}, {wds.shape}, {tuple(wds.transform)[:6]}) "
            f"differs from the raster's ({ds.crs}, {ds.shape}, {tuple(ds.transform)[:6]})."
        )
        fix = "Use a weight raster on exactly the same grid (same CRS, transform and size)."
        raise LayerExtentError(weights_name, weight_raster, msg, fix)
    return wds
