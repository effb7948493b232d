"""Statistics of a layer within zones: the fast zonal statistics engine.

Rasters
    :func:`raster_zonal_stats` makes one streaming pass over the raster per zone
    set. The zones are reprojected to the raster's CRS (the raster is never
    resampled), turned once into per-row runs of pixels with pixel-centre
    semantics by a scanline over their edges, and cached
    (:mod:`coventry_geo.zonal.grid`); the raster is then
    read in strips of whole block rows, decoded by GDAL with threads, while the
    previous strip is reduced run by run (:mod:`coventry_geo.zonal.reduce`).
    Memory stays bounded whatever the raster's size.
Vectors
    :func:`polygon_area_share` (area of each zone inside a polygon layer),
    :func:`points_in_zones` (point counts and sums per zone and class) and
    :func:`sample_raster_at_points` (the pixel value under each point).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS
from rasterio.errors import RasterioIOError
from rasterio.windows import Window

from coventry_geo._client import active_client
from coventry_geo.errors import (
    LayerCRSError,
    LayerExtentError,
    LayerNotFoundError,
    LayerReadError,
    LayerSchemaError,
)
from coventry_geo.zonal.grid import (
    ZONE_GRID_CACHE,
    ZoneGrid,
    ZoneGridCache,
    burn_zone_grid,
    pixel_window,
    zones_key,
)
from coventry_geo.zonal.reduce import StripReducer

if TYPE_CHECKING:
    from rasterio.io import DatasetReader

__all__ = [
    "ZoneGridCache",
    "ZONE_GRID_CACHE",
    "raster_zonal_stats",
    "polygon_area_share",
    "points_in_zones",
    "sample_raster_at_points",
]

logger = logging.getLogger(__name__)

_BASIC = ("count", "sum", "mean", "min", "max", "coverage", "frac_above")
#: Target pixels per strip (rounded to whole block rows).
_STRIP_PIXELS = 1 << 23


# --------------------------------------------------------------------------- rasters


def raster_zonal_stats(
    zones: gpd.GeoDataFrame,
    raster_path: str | Path,
    *,
    zone_id: str,
    band: int = 1,
    stats: Sequence[str] = ("count", "sum", "mean", "min", "max"),
    categorical: bool = False,
    nodata: float | None = None,
    scale: float = 1.0,
    offset: float = 0.0,
    threshold: float | None = None,
    weights: gpd.GeoDataFrame | None = None,
    weight_field: str | None = None,
    weight_raster: str | Path | None = None,
    crs: Any = None,
    threads: int | None = None,
    layer_name: str = "raster",
    cache: ZoneGridCache | None = ZONE_GRID_CACHE,
) -> pd.DataFrame:
    r"""Statistics of a raster band within each zone, in one streaming pass.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zone polygons with a CRS (any CRS: they are reprojected to the raster's).
    raster_path : str or Path
        Raster file or GDAL path (``netcdf:/path/file.nc:var`` for a NetCDF variable).
    zone_id : str
        Column of ``zones`` with the zone id; rows sharing an id form one zone.
    band : int
        1-based band number.
    stats : sequence of str
        Any of ``count`` (valid pixels), ``sum``, ``mean``, ``min``, ``max``,
        ``coverage`` (valid pixels / pixels of the zone, 0-1), ``frac_above``
        (share, 0-1, of the valid pixels whose converted value is at least
        ``threshold``) and ``pNN`` quantiles such as ``p90`` (numpy's linear
        interpolation, exact).
    categorical : bool
        Add ``frac_<value>`` columns: share (0-1) of the zone's valid pixels of
        each value (integer rasters).
    nodata : float or None
        Nodata value overriding the file's (None: the file's; NaN is always nodata).
    scale, offset : float
        Linear conversion of stored values, applied after reduction:
        ``value = stored * scale + offset`` (e.g. Landsat DN to kelvin).
    threshold : float or None
        For ``frac_above``: the value (converted unit) a pixel must reach.
    weights : geopandas.GeoDataFrame or None
        Points (residences) with a ``weight_field`` column: adds ``weighted_mean``
        (each point takes the value of the pixel it falls in) and ``weight_sum``
        (weight of the points in the zone on a valid pixel).
    weight_field : str or None
        Column of ``weights`` (e.g. ``residents``).
    weight_raster : str or Path or None
        A raster on exactly the same grid (e.g. population per pixel): adds
        ``weighted_mean`` and ``weight_sum`` over pixels. Not with ``weights``.
    crs : pyproj.CRS-like or None
        CRS of a raster whose file has none (never overrides the file's).
    threads : int or None
        GDAL decode threads (default: all CPUs).
    layer_name : str
        Layer name used in error messages.
    cache : ZoneGridCache or None
        Where the zones' runs are cached per (zones, grid); None to always recompute.

    Returns
    -------
    pandas.DataFrame
        One row per zone id (index named ``zone_id``), the requested columns in
        the raster's converted unit (``count`` in pixels). Zones without valid
        pixels have count 0, sum 0 and NaN for the other statistics.

    Raises
    ------
    LayerNotFoundError, LayerReadError
        The raster cannot be opened.
    LayerCRSError
        The raster or the zones have no CRS.
    LayerExtentError
        No zone overlaps the raster.
    LayerSchemaError
        Unknown statistic, missing column, or conflicting weights.

    Notes
    -----
    A pixel belongs to a zone when its centre lies inside the zone (GDAL's and
    rasterstats' default). With :math:`v_i` the converted value of valid pixel
    :math:`i` of zone :math:`z` and :math:`n_z` their count,

    .. math::

        \mathrm{mean}_z = \frac{1}{n_z} \sum_{i \in z} v_i, \qquad
        \mathrm{coverage}_z = \frac{n_z}{N_z}, \qquad
        \mathrm{frac\_above}_z = \frac{|\{i \in z : v_i \ge t\}|}{n_z}, \qquad
        \mathrm{weighted\_mean}_z = \frac{\sum_j w_j v_{p(j)}}{\sum_j w_j}

    where :math:`N_z` counts the zone's pixels on the raster's grid extended
    beyond the raster, and :math:`p(j)` is the pixel under weight point (or
    pixel) :math:`j`. Sums of integer rasters are exact.

    Examples
    --------
    >>> table = raster_zonal_stats(wards, "canopy.tif", zone_id="ward_id",
    ...                            stats=["mean", "coverage"])  # doctest: +SKIP
    """
    client = active_client()
    if client is not None:  # inside coventry_geo.distributed.use_client: tiles on the workers
        from coventry_geo.distributed import raster_zonal_stats_distributed

        return raster_zonal_stats_distributed(
            zones,
            raster_path,
            client=client,
            zone_id=zone_id,
            band=band,
            stats=stats,
            categorical=categorical,
            nodata=nodata,
            scale=scale,
            offset=offset,
            threshold=threshold,
            weights=weights,
            weight_field=weight_field,
            weight_raster=weight_raster,
            crs=crs,
            layer_name=layer_name,
        )
    qs = _parse_stats(stats, layer_name)
    above_rule = _above_rule(stats, threshold, scale, offset, layer_name)
    _check_weights(weights, weight_field, weight_raster, layer_name)
    zones = _checked_zones(zones, zone_id, layer_name)
    with _env(threads), _open(raster_path, layer_name) as ds:
        raster_crs = _raster_crs(ds, crs, raster_path, layer_name)
        nodata_value = ds.nodatavals[band - 1] if nodata is None else nodata
        plan = _zone_plan(zones, zone_id, ds, raster_crs, raster_path, layer_name, cache)
        dtype = ds.dtypes[band - 1]
        hist_range = _hist_range(dtype, qs, categorical)
        if categorical and hist_range is None:
            msg = f"categorical statistics need an integer raster of at most 16 bits, not {dtype}."
            raise LayerSchemaError(layer_name, raster_path, msg, "Use categorical=False.")
        reducer = StripReducer(
            plan.n_codes,
            want_minmax=bool({"min", "max"} & set(stats)),
            hist_range=hist_range,
            collect_values=bool(qs) and hist_range is None,
            above_rule=above_rule,
        )
        grid = _stream(ds, band, plan, reducer, nodata_value, weight_raster, layer_name)
    table = _table(reducer, grid, stats, qs, categorical, scale, offset)
    if weights is not None:
        table = table.join(
            _point_weighted(
                zones,
                zone_id,
                weights,
                weight_field,
                raster_path,
                band=band,
                nodata=nodata_value,
                scale=scale,
                offset=offset,
                crs=raster_crs,
                layer_name=layer_name,
            )
        )
    return table


def _parse_stats(stats: Sequence[str], layer_name: str) -> list[float]:
    """Quantile levels (0-1) of the ``pNN`` stats; raise on unknown stats."""
    qs = []
    for stat in stats:
        if stat in _BASIC:
            continue
        level = stat[1:] if stat.startswith("p") else ""
        if not level.replace(".", "", 1).isdigit() or not 0 <= float(level) <= 100:
            msg = f"unknown statistic '{stat}'; expected one of {', '.join(_BASIC)} or pNN (0-100)."
            raise LayerSchemaError(layer_name, None, msg, "Ask for known statistics.")
        qs.append(float(level) / 100)
    return qs


def _above_rule(
    stats: Sequence[str], threshold: float | None, scale: float, offset: float, layer_name: str
) -> tuple[float, float, float] | None:
    """Return the ``frac_above`` rule (threshold, scale, offset), or None when not asked for."""
    if "frac_above" not in stats:
        return None
    if threshold is None or not np.isfinite(threshold):
        msg = f"the statistic 'frac_above' needs a finite threshold, got {threshold!r}."
        raise LayerSchemaError(layer_name, None, msg, "Pass threshold= in the raster's unit.")
    return float(threshold), float(scale), float(offset)


def _check_weights(
    weights: gpd.GeoDataFrame | None,
    weight_field: str | None,
    weight_raster: str | Path | None,
    layer_name: str,
) -> None:
    if weights is not None and weight_raster is not None:
        msg = "both point weights and a weight raster were given."
        raise LayerSchemaError(layer_name, None, msg, "Pass one of weights= or weight_raster=.")
    if weights is not None and (weight_field is None or weight_field not in weights.columns):
        msg = f"the weight points have no field '{weight_field}'."
        raise LayerSchemaError(layer_name, None, msg, "Pass weight_field= naming a numeric column.")


def _checked_zones(zones: gpd.GeoDataFrame, zone_id: str, layer_name: str) -> gpd.GeoDataFrame:
    if zone_id not in zones.columns:
        names = ", ".join(map(str, zones.columns))
        msg = f"the zones have no column '{zone_id}' (columns: {names})."
        raise LayerSchemaError(layer_name, None, msg, "Pass zone_id= naming the zones' id column.")
    if zones.crs is None:
        msg = "the zones have no CRS."
        fix = "Set the zones' CRS with GeoDataFrame.set_crs()."
        raise LayerCRSError(layer_name, None, msg, fix)
    return zones


def _env(threads: int | None) -> rasterio.Env:
    n = threads or os.cpu_count() or 1
    return rasterio.Env(GDAL_NUM_THREADS=str(n), GDAL_CACHEMAX=256)


def _open(raster_path: str | Path, layer_name: str) -> DatasetReader:
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


def _raster_crs(ds: DatasetReader, crs: Any, raster_path: str | Path, layer_name: str) -> CRS:
    if ds.crs is not None:
        return CRS.from_user_input(ds.crs)
    if crs is not None:
        return CRS.from_user_input(crs)
    msg = "the raster has no CRS."
    fix = "Declare it with the layer's `crs` (crs= here), or write it into the file."
    raise LayerCRSError(layer_name, raster_path, msg, fix)


@dataclass(frozen=True)
class _ZonePlan:
    """The zones' window on the raster, their number of codes, and how to get their runs."""

    window: Window
    n_codes: int
    runs: Callable[[], ZoneGrid]


def _zone_plan(
    zones: gpd.GeoDataFrame,
    zone_id: str,
    ds: DatasetReader,
    raster_crs: CRS,
    raster_path: str | Path,
    layer_name: str,
    cache: ZoneGridCache | None,
) -> _ZonePlan:
    """Plan the zones' runs on the raster's grid: from the cache, or computed on demand."""
    codes, ids = pd.factorize(zones[zone_id], sort=False)
    codes = codes.astype(np.int64) + 1
    grid_desc = (raster_crs.to_wkt(), tuple(ds.transform), ds.width, ds.height)
    key = zones_key(zones.geometry.values, codes, zones.crs.to_wkt(), (grid_desc, tuple(ids)))
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        return _ZonePlan(cached.window, cached.n_codes, lambda: cached)
    geoms = np.asarray(zones.to_crs(raster_crs).geometry.values)
    window = _zones_window(geoms, ds, raster_path, layer_name)

    def runs() -> ZoneGrid:
        grid = burn_zone_grid(
            geoms, codes, pd.Index(ids, name=zone_id), transform=ds.transform, window=window
        )
        if cache is not None:
            cache.put(key, grid)
        return grid

    return _ZonePlan(window, len(ids) + 1, runs)


def _zones_window(
    geoms: Any,
    ds: DatasetReader,
    raster_path: str | Path,
    layer_name: str,
) -> Window:
    """Whole-pixel window of the raster covered by the zones' bounds."""
    bounds = shapely.total_bounds(np.asarray(geoms))
    window = pixel_window(bounds, ds.transform, ds.width, ds.height)
    if window is None:
        msg = (
            f"the raster (bounds {tuple(round(b) for b in ds.bounds)}) does not overlap the "
            f"zones (bounds {tuple(round(b) for b in bounds)} in the raster's CRS)."
        )
        fix = "Use a raster that covers the zones, and check both layers' CRS."
        raise LayerExtentError(layer_name, raster_path, msg, fix)
    return window


def _hist_range(dtype: str, qs: list[float], categorical: bool) -> tuple[int, int] | None:
    if not (qs or categorical) or np.dtype(dtype).kind not in "uib":
        return None
    if np.dtype(dtype).itemsize > 2:
        return None
    info = np.iinfo(np.dtype(dtype)) if np.dtype(dtype).kind != "b" else np.iinfo(np.uint8)
    return int(info.min), int(info.max)


def _strips(ds: DatasetReader, window: Window) -> Iterator[tuple[int, Window]]:
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


def _stream(
    ds: DatasetReader,
    band: int,
    plan: _ZonePlan,
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
    strips = list(_strips(ds, plan.window))
    try:
        with _StripReader(ds, band, strips, weight_ds) as reader:
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
    logger.debug("reduced %d strips of '%s'", len(strips), layer_name)
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
    wds = _open(weight_raster, weights_name)
    if wds.transform != ds.transform or wds.shape != ds.shape or wds.crs != ds.crs:
        wds.close()
        msg = (
            f"the weight raster's grid ({wds.crs}, {wds.shape}, {tuple(wds.transform)[:6]}) "
            f"differs from the raster's ({ds.crs}, {ds.shape}, {tuple(ds.transform)[:6]})."
        )
        fix = "Use a weight raster on exactly the same grid (same CRS, transform and size)."
        raise LayerExtentError(weights_name, weight_raster, msg, fix)
    return wds


def _table(
    reducer: StripReducer,
    grid: ZoneGrid,
    stats: Sequence[str],
    qs: list[float],
    categorical: bool,
    scale: float,
    offset: float,
) -> pd.DataFrame:
    """Assemble the per-zone table from the accumulated sums (codes 1..n)."""
    count = reducer.count[1:].astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, reducer.total[1:] / count, np.nan)
        wmean = np.where(reducer.wtotal[1:] > 0, reducer.wsum[1:] / reducer.wtotal[1:], np.nan)
    lo, hi = reducer.vmin[1:], reducer.vmax[1:]
    if scale < 0:
        lo, hi = hi, lo
    pixels = grid.zone_pixels[1:]
    columns: dict[str, np.ndarray] = {
        "count": count,
        "sum": reducer.total[1:] * scale + offset * count,
        "mean": mean * scale + offset,
        "min": np.where(count > 0, lo * scale + offset, np.nan),
        "max": np.where(count > 0, hi * scale + offset, np.nan),
        "coverage": np.where(pixels > 0, count / np.maximum(pixels, 1), np.nan),
        "frac_above": np.where(count > 0, reducer.above[1:] / np.maximum(count, 1), np.nan),
    }
    if qs:
        levels = qs if scale >= 0 else [1 - q for q in qs]
        values = reducer.quantiles(levels)[1:] * scale + offset
        columns.update({s: values[:, i] for i, s in enumerate(s for s in stats if s not in _BASIC)})
    table = pd.DataFrame({s: columns[s] for s in stats}, index=grid.ids)
    if reducer.wtotal.any():
        table["weighted_mean"] = wmean * scale + offset
        table["weight_sum"] = reducer.wtotal[1:]
    if categorical:
        table = table.join(_class_fractions(reducer, grid))
    return table


def _class_fractions(reducer: StripReducer, grid: ZoneGrid) -> pd.DataFrame:
    """``frac_<value>`` columns: each value's share of the zone's valid pixels."""
    hist = reducer.hist[1:]
    present = np.flatnonzero(hist.sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = hist[:, present] / hist.sum(axis=1, keepdims=True)
    names = [f"frac_{v + reducer.hist_range[0]}" for v in present]
    return pd.DataFrame(frac, index=grid.ids, columns=names)


# --------------------------------------------------------------------------- points on rasters


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
    with _env(None), _open(raster_path, layer_name) as ds:
        raster_crs = _raster_crs(ds, crs, raster_path, layer_name)
        xy = shapely.get_coordinates(points.to_crs(raster_crs).geometry.values)
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
    for _, win in _strips(ds, Window(0, 0, ds.width, ds.height)):
        top = int(win.row_off)
        here = inside & (rows >= top) & (rows < top + int(win.height))
        if here.any():
            c0, c1 = int(cols[here].min()), int(cols[here].max()) + 1
            data = ds.read(band, window=Window(c0, top, c1 - c0, win.height))
            out[here] = data[rows[here] - top, cols[here] - c0]
    return out


def _point_weighted(
    zones: gpd.GeoDataFrame,
    zone_id: str,
    weights: gpd.GeoDataFrame,
    weight_field: str | None,
    raster_path: str | Path,
    **sample: Any,
) -> pd.DataFrame:
    """Point-weighted mean of the raster per zone (each point takes its pixel's value)."""
    values = sample_raster_at_points(weights, raster_path, **sample)
    w = pd.to_numeric(weights[weight_field], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(values) & np.isfinite(w)
    pts = gpd.GeoDataFrame(
        {"w": w[ok], "wv": w[ok] * values[ok]},
        geometry=weights.geometry.values[ok],
        crs=weights.crs,
    )
    sums = points_in_zones(zones, pts, zone_id=zone_id, sum_fields=("w", "wv"))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(sums["w_sum"] > 0, sums["wv_sum"] / sums["w_sum"], np.nan)
    return pd.DataFrame({"weighted_mean": mean, "weight_sum": sums["w_sum"]}, index=sums.index)


# --------------------------------------------------------------------------- vectors


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
    polygons = _to_crs(polygons, zones.crs, "polygons")
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
    points = _to_crs(points, zones.crs, "points")
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


def _projected_zones(zones: gpd.GeoDataFrame, zone_id: str) -> gpd.GeoDataFrame:
    _checked_zones(zones, zone_id, "zones")
    if not zones.crs.is_projected:
        msg = f"the zones' CRS ({zones.crs.name}) is geographic; areas need metres."
        fix = "Reproject the zones to a projected CRS (e.g. EPSG:27700) with to_crs()."
        raise LayerCRSError(zone_id, None, msg, fix)
    return zones


def _to_crs(layer: gpd.GeoDataFrame, crs: Any, name: str) -> gpd.GeoDataFrame:
    if layer.crs is None:
        msg = f"the {name} have no CRS."
        raise LayerCRSError(name, None, msg, "Set the layer's CRS with GeoDataFrame.set_crs().")
    return layer if layer.crs == crs else layer.to_crs(crs)
