"""Gridded climate projections (UKCP18 NetCDF) read through xarray.

A UKCP18 land-projection file holds one variable (e.g. ``tasmax``, °C) on
``(ensemble_member, time, projection_y_coordinate, projection_x_coordinate)``
with a CF ``grid_mapping`` variable (``transverse_mercator``: British National
Grid) and a 360-day calendar. :func:`open_gridded` reads the variable lazily,
selects one ensemble member, and reduces the time axis to one 2-D grid:

``options.time``
    ``"2050-07-15"``: the nearest time step; ``"2041-06-01/2060-08-30"``: the
    steps in that range (inclusive); absent: every step.
``options.time_reduce``
    How the selected steps are combined: ``"mean"`` (default) or ``"max"``.
``options.ensemble_member``
    The member's coordinate value; may be omitted when the file has one.

The grid is returned in its own CRS (never resampled), in °C.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pyproj import CRS

from coventry_geo._extras import import_extra
from coventry_geo.errors import LayerReadError, LayerSchemaError, RasterNodataError
from coventry_geo.layers.checks import check_file

if TYPE_CHECKING:
    from coventry_geo.manifest import LayerSpec

__all__ = ["open_gridded"]

_FEATURE = "Reading gridded NetCDF projections"
xr = import_extra("xarray", extra="netcdf", feature=_FEATURE)
import_extra("rioxarray", extra="netcdf", feature=_FEATURE)  # registers the .rio accessor
import_extra("netCDF4", extra="netcdf", feature=_FEATURE)
import_extra("dask", extra="netcdf", feature=_FEATURE)  # lazy chunks of open_dataset

logger = logging.getLogger(__name__)

_X, _Y = "projection_x_coordinate", "projection_y_coordinate"
_REDUCERS = ("mean", "max")
_KELVIN = {"k", "kelvin"}


def open_gridded(spec: LayerSpec) -> xr.DataArray:
    """Read one NetCDF variable as a 2-D grid in °C with its CRS.

    Parameters
    ----------
    spec : LayerSpec
        The layer (``variable`` names the NetCDF variable; ``options`` choose
        the time steps and ensemble member, see the module docstring).

    Returns
    -------
    xarray.DataArray
        2-D (y, x), CRS written (``.rio.crs``), fill values as NaN, attribute
        ``time_selection`` describing the reduction.

    Raises
    ------
    LayerNotFoundError, LayerReadError, LayerSchemaError, RasterNodataError
        With a message naming the layer, the file, the problem and the fix.
    """
    check_file(spec)
    try:
        dataset = xr.open_dataset(Path(spec.path), chunks={}, decode_coords="all")
    except (OSError, ValueError) as exc:
        raise LayerReadError(
            spec.name, spec.path, f"cannot be read as NetCDF ({exc}).", "download it again."
        ) from exc
    if spec.variable not in dataset.data_vars:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"no variable {spec.variable!r}; the file has "
            f"{', '.join(map(str, dataset.data_vars))}.",
            f'set variable = "<name>" in [layers.{spec.name}].',
        )
    grid = _select_member(spec, dataset[spec.variable])
    grid, described = _reduce_time(spec, grid)
    grid = _to_celsius(grid)
    grid = grid.rio.set_spatial_dims(
        x_dim=_dim(spec, grid, _X, "x"), y_dim=_dim(spec, grid, _Y, "y")
    )
    grid = grid.rio.write_crs(_crs(spec, dataset, dataset[spec.variable]))
    grid.attrs["time_selection"] = described
    logger.info("layer '%s': %s %s", spec.name, spec.variable, described)
    return grid


def _dim(spec: LayerSpec, grid: xr.DataArray, name: str, short: str) -> str:
    for candidate in (name, short):
        if candidate in grid.dims:
            return candidate
    raise LayerSchemaError(
        spec.name,
        spec.path,
        f"variable {spec.variable!r} has dimensions {tuple(grid.dims)}, with no {name}.",
        "give a gridded file on projection_x/y_coordinate (UKCP18 land-cpm/rcm/gcm grids).",
    )


def _select_member(spec: LayerSpec, grid: xr.DataArray) -> xr.DataArray:
    if "ensemble_member" not in grid.dims:
        return grid
    member = spec.options.get("ensemble_member")
    if member is None:
        if grid.sizes["ensemble_member"] > 1:
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f"the file has {grid.sizes['ensemble_member']} ensemble members and none is "
                "chosen.",
                f"set options.ensemble_member in [layers.{spec.name}] (e.g. 1).",
            )
        return grid.isel(ensemble_member=0, drop=True)
    try:
        return grid.sel(ensemble_member=member, drop=True)
    except KeyError as exc:
        values = grid["ensemble_member"].values.tolist()
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"no ensemble member {member!r}; the file has {values}.",
            "choose one of them in options.ensemble_member.",
        ) from exc


def _reduce_time(spec: LayerSpec, grid: xr.DataArray) -> tuple[xr.DataArray, str]:
    if "time" not in grid.dims:
        return grid, "no time axis"
    how = spec.options.get("time_reduce", "mean")
    if how not in _REDUCERS:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"options.time_reduce = {how!r} is not one of {', '.join(_REDUCERS)}.",
            'use time_reduce = "mean" or "max".',
        )
    when = spec.options.get("time")
    if when is not None and "/" not in str(when):
        picked = grid.sel(time=_instant(grid, str(when)), method="nearest")
        return picked.drop_vars("time"), f"time step nearest {when}"
    if when is not None:
        start, end = str(when).split("/", 1)
        grid = grid.sel(time=slice(start, end))
    if grid.sizes["time"] == 0:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"no time step falls in options.time = {when!r}.",
            "choose a range inside the file's period (its name says it, e.g. 20201201-20401130).",
        )
    steps = grid.sizes["time"]
    reduced = (
        grid.mean("time", keep_attrs=True) if how == "mean" else grid.max("time", keep_attrs=True)
    )
    return reduced, f"{how} of {steps} time steps" + (f" in {when}" if when else "")


def _instant(grid: xr.DataArray, when: str) -> object:
    """Return the date in the time axis's own calendar (UKCP18 uses a 360-day calendar)."""
    day = pd.Timestamp(when)
    index = grid.indexes["time"]
    if isinstance(index, xr.CFTimeIndex):
        return index.date_type(day.year, day.month, day.day)
    return day


def _to_celsius(grid: xr.DataArray) -> xr.DataArray:
    units = str(grid.attrs.get("units", "degC")).lower()
    if units in _KELVIN:
        grid = grid - 273.15
    return grid.assign_attrs(units="°C")


def _crs(spec: LayerSpec, dataset: xr.Dataset, variable: xr.DataArray) -> CRS:
    mapping = variable.attrs.get("grid_mapping") or variable.encoding.get("grid_mapping")
    if mapping and mapping in dataset.variables:
        return CRS.from_cf(dict(dataset[mapping].attrs))
    if mapping and mapping in variable.coords:
        return CRS.from_cf(dict(variable.coords[mapping].attrs))
    if spec.crs:
        return CRS.from_user_input(spec.crs)
    raise RasterNodataError(
        spec.name,
        spec.path,
        f"NetCDF variable '{spec.variable}' has no grid_mapping naming its CRS.",
        f'declare crs = "EPSG:27700" in [layers.{spec.name}] if that is its grid.',
    )
