"""Statistics of a raster band within zones: the single-process streaming engine.

:func:`raster_zonal_stats` makes one streaming pass over the raster per zone
set. The zones are reprojected to the raster's CRS (the raster is never
resampled), turned once into per-row runs of pixels with pixel-centre semantics
by a scanline over their edges, and cached (:mod:`coventry_geo.zonal.grid`); the
raster is then read in strips of whole block rows, decoded by GDAL with threads,
while the previous strip is reduced run by run (:mod:`coventry_geo.zonal.strips`,
:mod:`coventry_geo.zonal.reduce`). Memory stays bounded whatever the raster's size.

The options of a call are one :class:`ZonalOptions`, checked when made. The call
runs where the active backend sends it (:mod:`coventry_geo.backends`): in this
process, or on a Dask cluster (:mod:`coventry_geo.zonal.dask_backend`), which
gives the same table.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coventry_geo.backends import RASTER_ZONAL_STATS, run_task
from coventry_geo.errors import LayerExtentError, LayerSchemaError
from coventry_geo.zonal.grid import (
    ZONE_GRID_CACHE,
    ZoneGrid,
    ZoneGridCache,
    burn_zone_grid,
    pixel_window,
    zones_key,
)
from coventry_geo.zonal.points import points_in_zones, sample_raster_at_points
from coventry_geo.zonal.reduce import ReducerSpec, StripReducer
from coventry_geo.zonal.strips import ZonePlan, gdal_env, open_raster, raster_crs, stream
from coventry_geo.zonal.vector import checked_zones

if TYPE_CHECKING:
    from pyproj import CRS
    from rasterio.io import DatasetReader
    from rasterio.windows import Window

__all__ = [
    "ZonalOptions",
    "raster_zonal_stats",
    "zonal_stats_in_process",
    "reducer_spec",
    "zones_window",
    "stats_table",
    "with_point_weights",
]

logger = logging.getLogger(__name__)

_BASIC = ("count", "sum", "mean", "min", "max", "coverage", "frac_above")


@dataclass(frozen=True, eq=False)
class ZonalOptions:
    """What to compute for each zone: the options of :func:`raster_zonal_stats`, checked.

    The attributes are the keyword arguments of :func:`raster_zonal_stats` of the
    same names (except ``threads`` and ``cache``, which only concern a pass in
    this process); ``stats`` is kept as a tuple.

    Raises
    ------
    LayerSchemaError
        Unknown statistic, ``frac_above`` without a finite threshold, or
        conflicting or incomplete weights.
    """

    zone_id: str
    band: int = 1
    stats: Sequence[str] = ("count", "sum", "mean", "min", "max")
    categorical: bool = False
    nodata: float | None = None
    scale: float = 1.0
    offset: float = 0.0
    threshold: float | None = None
    weights: gpd.GeoDataFrame | None = None
    weight_field: str | None = None
    weight_raster: str | Path | None = None
    crs: Any = None
    layer_name: str = "raster"

    def __post_init__(self) -> None:
        object.__setattr__(self, "stats", tuple(self.stats))
        _quantile_levels(self.stats, self.layer_name)
        _check_threshold(self)
        _check_weights(self)

    @property
    def quantile_levels(self) -> list[float]:
        """Levels (0-1) of the ``pNN`` statistics, in the order asked."""
        return _quantile_levels(self.stats, self.layer_name)

    @property
    def above_rule(self) -> tuple[float, float, float] | None:
        """The ``frac_above`` rule (threshold, scale, offset), or None when not asked for."""
        if "frac_above" not in self.stats:
            return None
        return float(self.threshold), float(self.scale), float(self.offset)


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

    Within :func:`coventry_geo.distributed.use_client` the pass runs tile by tile
    on the cluster (:mod:`coventry_geo.zonal.dask_backend`), with the same result;
    ``threads`` and ``cache`` then do not apply.

    Examples
    --------
    >>> table = raster_zonal_stats(wards, "canopy.tif", zone_id="ward_id",
    ...                            stats=["mean", "coverage"])  # doctest: +SKIP
    """
    options = ZonalOptions(
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
    local = functools.partial(zonal_stats_in_process, threads=threads, cache=cache)
    return run_task(RASTER_ZONAL_STATS, local, zones, raster_path, options)


def zonal_stats_in_process(
    zones: gpd.GeoDataFrame,
    raster_path: str | Path,
    options: ZonalOptions,
    *,
    threads: int | None = None,
    cache: ZoneGridCache | None = ZONE_GRID_CACHE,
) -> pd.DataFrame:
    """:func:`raster_zonal_stats` in this process, whatever the active backend.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
    raster_path : str or Path
    options : ZonalOptions
    threads : int or None, keyword-only
        GDAL decode threads (default: all CPUs).
    cache : ZoneGridCache or None, keyword-only
        Where the zones' runs are cached; None to always recompute.

    Returns
    -------
    pandas.DataFrame
        As :func:`raster_zonal_stats`.
    """
    zones = checked_zones(zones, options.zone_id, options.layer_name)
    band, layer_name = options.band, options.layer_name
    with gdal_env(threads), open_raster(raster_path, layer_name) as ds:
        crs = raster_crs(ds, options.crs, raster_path, layer_name)
        nodata = ds.nodatavals[band - 1] if options.nodata is None else options.nodata
        plan = _zone_plan(zones, options.zone_id, ds, crs, raster_path, layer_name, cache)
        reducer = reducer_spec(ds, options, raster_path).reducer(plan.n_codes)
        grid = stream(ds, band, plan, reducer, nodata, options.weight_raster, layer_name)
    table = stats_table(reducer, grid, options)
    return with_point_weights(table, zones, raster_path, options, nodata=nodata, crs=crs)


def _quantile_levels(stats: Sequence[str], layer_name: str) -> list[float]:
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


def _check_threshold(options: ZonalOptions) -> None:
    threshold = options.threshold
    if "frac_above" in options.stats and (threshold is None or not np.isfinite(threshold)):
        msg = f"the statistic 'frac_above' needs a finite threshold, got {threshold!r}."
        raise LayerSchemaError(
            options.layer_name, None, msg, "Pass threshold= in the raster's unit."
        )


def _check_weights(options: ZonalOptions) -> None:
    weights, weight_field, layer_name = options.weights, options.weight_field, options.layer_name
    if weights is not None and options.weight_raster is not None:
        msg = "both point weights and a weight raster were given."
        raise LayerSchemaError(layer_name, None, msg, "Pass one of weights= or weight_raster=.")
    if weights is not None and (weight_field is None or weight_field not in weights.columns):
        msg = f"the weight points have no field '{weight_field}'."
        raise LayerSchemaError(layer_name, None, msg, "Pass weight_field= naming a numeric column.")


def reducer_spec(ds: DatasetReader, options: ZonalOptions, raster_path: str | Path) -> ReducerSpec:
    """Return what the reducers of a pass over ``ds`` keep, for these options.

    Raises
    ------
    LayerSchemaError
        Categorical statistics of a float raster or one of more than 16 bits.
    """
    dtype = ds.dtypes[options.band - 1]
    qs = options.quantile_levels
    hist_range = _hist_range(dtype, qs, options.categorical)
    if options.categorical and hist_range is None:
        msg = f"categorical statistics need an integer raster of at most 16 bits, not {dtype}."
        fix = "Use categorical=False."
        raise LayerSchemaError(options.layer_name, raster_path, msg, fix)
    return ReducerSpec(
        want_minmax=bool({"min", "max"} & set(options.stats)),
        hist_range=hist_range,
        collect_values=bool(qs) and hist_range is None,
        above_rule=options.above_rule,
    )


def _zone_plan(
    zones: gpd.GeoDataFrame,
    zone_id: str,
    ds: DatasetReader,
    crs: CRS,
    raster_path: str | Path,
    layer_name: str,
    cache: ZoneGridCache | None,
) -> ZonePlan:
    """Plan the zones' runs on the raster's grid: from the cache, or computed on demand."""
    codes, ids = pd.factorize(zones[zone_id], sort=False)
    codes = codes.astype(np.int64) + 1
    grid_desc = (crs.to_wkt(), tuple(ds.transform), ds.width, ds.height)
    key = zones_key(zones.geometry.values, codes, zones.crs.to_wkt(), (grid_desc, tuple(ids)))
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        return ZonePlan(cached.window, cached.n_codes, lambda: cached)
    geoms = np.asarray(zones.to_crs(crs).geometry.values)
    window = zones_window(geoms, ds, raster_path, layer_name)

    def runs() -> ZoneGrid:
        grid = burn_zone_grid(
            geoms, codes, pd.Index(ids, name=zone_id), transform=ds.transform, window=window
        )
        if cache is not None:
            cache.put(key, grid)
        return grid

    return ZonePlan(window, len(ids) + 1, runs)


def zones_window(
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


def stats_table(reducer: StripReducer, grid: ZoneGrid, options: ZonalOptions) -> pd.DataFrame:
    """Assemble the per-zone table from the accumulated sums (codes 1..n)."""
    stats, scale, offset = options.stats, options.scale, options.offset
    qs = options.quantile_levels
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
    if options.categorical:
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


def with_point_weights(
    table: pd.DataFrame,
    zones: gpd.GeoDataFrame,
    raster_path: str | Path,
    options: ZonalOptions,
    *,
    nodata: float | None,
    crs: CRS,
) -> pd.DataFrame:
    """Add the point-weighted mean of the raster per zone when the options have weight points.

    Each point takes its pixel's value (``weighted_mean`` and ``weight_sum`` columns).
    """
    if options.weights is None:
        return table
    values = sample_raster_at_points(
        options.weights,
        raster_path,
        band=options.band,
        nodata=nodata,
        scale=options.scale,
        offset=options.offset,
        crs=crs,
        layer_name=options.layer_name,
    )
    weights, zone_id = options.weights, options.zone_id
    w = pd.to_numeric(weights[options.weight_field], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(values) & np.isfinite(w)
    pts = gpd.GeoDataFrame(
        {"w": w[ok], "wv": w[ok] * values[ok]},
        geometry=weights.geometry.values[ok],
        crs=weights.crs,
    )
    sums = points_in_zones(zones, pts, zone_id=zone_id, sum_fields=("w", "wv"))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(sums["w_sum"] > 0, sums["wv_sum"] / sums["w_sum"], np.nan)
    weighted = pd.DataFrame({"weighted_mean": mean, "weight_sum": sums["w_sum"]}, index=sums.index)
    return table.join(weighted)
