"""Open and validate raster layers (GeoTIFF, or a NetCDF variable).

A raster is never loaded whole nor resampled here: :func:`open_raster_layer`
checks the file and returns a :class:`RasterLayer`, a small description (grid,
CRS, nodata, value scaling) that the zonal engine streams from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioError, RasterioIOError
from rasterio.windows import Window

from coventry_geo.errors import EmptyLayerError, LayerReadError, LayerSchemaError, RasterNodataError
from coventry_geo.layers.checks import check_crs_matches_coordinates, check_file, layer_crs
from coventry_geo.layers.schemas import CANOPY_VALUES, HEAT_UNITS

if TYPE_CHECKING:
    from coventry_geo.manifest import LayerSpec

__all__ = ["RasterLayer", "open_raster_layer", "is_raster_file"]

logger = logging.getLogger(__name__)

_RASTER_SUFFIXES = (".tif", ".tiff", ".nc", ".vrt", ".img", ".asc", ".jp2")
_PREVIEW = 256


@dataclass(frozen=True)
class RasterLayer:
    """A validated raster layer, described but not loaded.

    Attributes
    ----------
    name : str
        Layer name in the manifest.
    path : str
        Path for GDAL/rasterio (``netcdf:<file>:<variable>`` for NetCDF).
    file : str
        The file on disk.
    band : int
    crs : pyproj.CRS
        The raster's own CRS (zones are reprojected to it, never the reverse).
    transform : affine.Affine
    width, height : int
    nodata : float or None
        ``None`` only when the manifest declares that every value is valid.
    scale, offset : float
        Linear map from stored values to the layer's unit: value = DN x scale + offset
        (°C for heat, a 0-1 fraction for canopy).
    unit : str
    """

    name: str
    path: str
    file: str
    band: int
    crs: CRS
    transform: Affine
    width: int
    height: int
    nodata: float | None
    dtype: str
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in the raster's CRS."""
        x0, y0 = self.transform @ (0, 0)
        x1, y1 = self.transform @ (self.width, self.height)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    @property
    def pixel_area_m2(self) -> float:
        """Area of one pixel in square CRS units."""
        return abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d)

    @property
    def n_pixels(self) -> int:
        """Number of pixels in the band."""
        return self.width * self.height


def is_raster_file(path: str) -> bool:
    """Whether a path looks like a raster file (by extension)."""
    return path.lower().endswith(_RASTER_SUFFIXES)


def open_raster_layer(spec: LayerSpec) -> RasterLayer:
    """Check a raster layer and describe it.

    Parameters
    ----------
    spec : LayerSpec
        The layer's manifest entry (kind ``heat`` or ``canopy``).

    Returns
    -------
    RasterLayer

    Raises
    ------
    LayerNotFoundError, LayerReadError, LayerCRSError, RasterNodataError, EmptyLayerError,
    LayerSchemaError
        With a message naming the layer, the file, the problem and the fix.
    """
    check_file(spec)
    gdal_path = _gdal_path(spec)
    try:
        with rasterio.open(gdal_path) as ds:
            return _describe(spec, gdal_path, ds)
    except RasterioIOError as exc:
        raise LayerReadError(
            spec.name,
            spec.path,
            f"the file is truncated or unreadable: it cannot be read as a raster ({exc}).",
            "check that it is a complete GeoTIFF or NetCDF file; download or export it again.",
        ) from exc


#: Raster files larger than this many blocks are checked by reading their last block only.
_MAX_BLOCKS_CHECKED = 100_000


def _check_complete(spec: LayerSpec, ds: rasterio.DatasetReader) -> None:
    """Check that the raster's data are all there (a truncated download is the usual cause).

    For a GeoTIFF, every block of the band must end within the file (its offset
    and size are in the header); for any format, the last block is read at full
    resolution. Runs before the nodata and value checks, so that truncation is
    reported first.

    Raises
    ------
    LayerReadError
        Saying the file is truncated or unreadable.
    """
    end = _last_byte(ds, spec.band) if ds.driver == "GTiff" else None
    size = Path(spec.path).stat().st_size if not spec.is_url else None
    problem = None
    if end is not None and size is not None and end > size:
        problem = (
            f"the file is truncated: its data run to byte {end:,} but the file has only "
            f"{size:,} bytes."
        )
    else:
        try:
            ds.read(spec.band, window=_last_block(ds, spec.band))
        except RasterioError as exc:
            problem = f"the file is truncated or unreadable: its last block cannot be read ({exc})."
    if problem is not None:
        raise LayerReadError(
            spec.name,
            spec.path,
            problem,
            "download or export the file again (a complete copy), then rerun.",
        )


def _last_block(ds: rasterio.DatasetReader, band: int) -> Window:
    height, width = ds.block_shapes[band - 1]
    row = (ds.height - 1) // height * height
    col = (ds.width - 1) // width * width
    return Window(col, row, ds.width - col, ds.height - row)


def _last_byte(ds: rasterio.DatasetReader, band: int) -> int | None:
    """Return where the band's data end in a GeoTIFF (largest block offset + size)."""
    height, width = ds.block_shapes[band - 1]
    rows, cols = -(-ds.height // height), -(-ds.width // width)
    if rows * cols > _MAX_BLOCKS_CHECKED:
        return None
    end = 0
    for row in range(rows):
        for col in range(cols):
            offset = ds.get_tag_item(f"BLOCK_OFFSET_{col}_{row}", "TIFF", bidx=band)
            size = ds.get_tag_item(f"BLOCK_SIZE_{col}_{row}", "TIFF", bidx=band)
            if offset is None or size is None:
                return None
            end = max(end, int(offset) + int(size))
    return end


def _gdal_path(spec: LayerSpec) -> str:
    path = f"/vsicurl/{spec.path}" if spec.is_url else spec.path
    if path.lower().endswith(".nc"):
        if not spec.variable:
            raise LayerSchemaError(
                spec.name,
                spec.path,
                "a NetCDF file needs the variable to read.",
                f'add variable = "<name>" (e.g. "tasmax") to [layers.{spec.name}].',
            )
        return f'netcdf:"{path}":{spec.variable}'
    return path


def _describe(spec: LayerSpec, gdal_path: str, ds: rasterio.DatasetReader) -> RasterLayer:
    if not 1 <= spec.band <= ds.count:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"band {spec.band} requested but the raster has {ds.count} band(s).",
            f"set band to 1..{ds.count} in [layers.{spec.name}].",
        )
    _check_complete(spec, ds)
    crs = _raster_crs(spec, ds)
    check_crs_matches_coordinates(spec, crs, tuple(ds.bounds))
    nodata = _nodata(spec, ds)
    scale, offset, unit = _scaling(spec)
    layer = RasterLayer(
        name=spec.name,
        path=gdal_path,
        file=spec.path,
        band=spec.band,
        crs=crs,
        transform=ds.transform,
        width=ds.width,
        height=ds.height,
        nodata=nodata,
        dtype=ds.dtypes[spec.band - 1],
        scale=scale,
        offset=offset,
        unit=unit,
    )
    _check_not_empty(spec, ds, nodata)
    return layer


def _raster_crs(spec: LayerSpec, ds: rasterio.DatasetReader) -> CRS:
    file_crs = CRS.from_wkt(ds.crs.to_wkt()) if ds.crs else None
    if file_crs is None and spec.path.lower().endswith(".nc") and spec.crs is None:
        raise RasterNodataError(
            spec.name,
            spec.path,
            f"NetCDF variable '{spec.variable}' has no spatial reference (no grid_mapping "
            "attribute naming a CRS variable).",
            "write one with rioxarray (`da.rio.write_crs('EPSG:27700')`) or declare "
            f'crs = "EPSG:27700" in [layers.{spec.name}].',
        )
    return layer_crs(spec, file_crs)


def _nodata(spec: LayerSpec, ds: rasterio.DatasetReader) -> float | None:
    if spec.nodata is not None:
        if isinstance(spec.nodata, str):
            if spec.nodata.lower() == "none":
                return None
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f'nodata = {spec.nodata!r} is neither a number nor "none".',
                'give the nodata value as a number, or nodata = "none" if every value is valid.',
            )
        return float(spec.nodata)
    value = ds.nodatavals[spec.band - 1]
    if value is None:
        raise RasterNodataError(
            spec.name,
            spec.path,
            "the raster has no nodata value, so cells outside the surveyed area cannot be told "
            "from real values.",
            f"set it in the file (`gdal_edit.py -a_nodata <value>`), or declare it in "
            f"[layers.{spec.name}] with nodata = <value> "
            '(or nodata = "none" if every cell is valid).',
        )
    return float(value)


def _scaling(spec: LayerSpec) -> tuple[float, float, str]:
    if spec.kind == "heat":
        units = spec.units or "degC"
        if units not in HEAT_UNITS:
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f"units = {units!r} is not a known temperature unit.",
                f"use one of {', '.join(HEAT_UNITS)} (landsat_c2_st: the Landsat Collection 2 "
                "Level-2 ST band as published).",
            )
        scale, offset = HEAT_UNITS[units]
        return scale, offset, "°C"
    if spec.kind == "canopy":
        values = spec.values or "mask"
        if values not in CANOPY_VALUES:
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f"values = {values!r} is not a canopy value meaning.",
                f"use one of {', '.join(CANOPY_VALUES)}.",
            )
        return CANOPY_VALUES[values], 0.0, "fraction"
    return 1.0, 0.0, spec.units or ""


def _check_not_empty(spec: LayerSpec, ds: rasterio.DatasetReader, nodata: float | None) -> None:
    """Read a decimated preview (overviews where present) to check some cell is valid."""
    shape = (min(_PREVIEW, ds.height), min(_PREVIEW, ds.width))
    preview = ds.read(spec.band, out_shape=shape, resampling=Resampling.nearest, masked=False)
    valid = np.isfinite(preview) if preview.dtype.kind == "f" else np.ones(shape, bool)
    if nodata is not None:
        valid &= ~np.isclose(preview, nodata) if np.isfinite(nodata) else valid
    if not valid.any():
        raise EmptyLayerError(
            spec.name,
            spec.path,
            "every cell of the raster (in a decimated preview) is nodata.",
            "check the nodata value and that the right band or variable is chosen.",
        )
