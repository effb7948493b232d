r"""Tree canopy as one light PNG image overlay for web maps (display only).

A 1 m canopy mask of a whole city has about 10^8 pixels: far too many to draw as
polygons. The raster is warped by GDAL, block by block, onto a coarse Web Mercator
grid (so that Leaflet places the image exactly) with ``average`` resampling in
float32 (nodata pixels left out), which gives the canopy fraction of each display
cell; the result is written as a palette PNG (one green, one transparency per
opacity step: a few times smaller than RGBA) whose opacity grows with the fraction.
This image is for display only: the statistics never use it.

.. math::

    f_c = \\frac{1}{n_c} \\sum_{p \\in c,\\ p \\ne \\text{nodata}} v_p / s

where :math:`v_p` is the pixel value and :math:`s` the scale of the values
(1 for a 0/1 mask or a fraction, 100 for percent).
"""

from __future__ import annotations

import io
import logging
import math
from typing import TYPE_CHECKING, Literal

import numpy as np
import rasterio
from PIL import Image
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.warp import calculate_default_transform, reproject

from coventry_geo._files import write_atomic
from coventry_geo.errors import LayerNotFoundError, LayerReadError

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

__all__ = ["CANOPY_RGB", "CANOPY_LEVELS", "canopy_overlay", "canopy_rgba", "palette_png"]

logger = logging.getLogger(__name__)

#: Colour of canopy in the overlay.
CANOPY_RGB = (0x1A, 0x7F, 0x37)
#: Opacity steps: fraction classes ``(i-1)/n < f <= i/n`` share one opacity.
CANOPY_LEVELS = 4
_MAX_ALPHA = 210
_SCALES = {"mask": 1.0, "fraction": 1.0, "percent": 100.0}


def canopy_overlay(
    canopy_path: Path,
    out_png: Path,
    *,
    cell_m: float | None = None,
    max_pixels: int = 1600,
    values: Literal["mask", "fraction", "percent"] = "mask",
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Write the canopy fraction per display cell as an RGBA PNG in Web Mercator.

    Parameters
    ----------
    canopy_path : Path
        Canopy raster in a projected CRS (band 1), with a nodata value.
    out_png : Path
        PNG to write.
    cell_m : float, optional
        Display cell size in metres; default: the raster's resolution times the
        smallest whole factor that keeps the longer side within ``max_pixels``,
        and at least 10 m.
    max_pixels : int
        Longest side of the image when ``cell_m`` is not given.
    values : {"mask", "fraction", "percent"}
        What the pixel values mean (as the manifest's canopy ``values``).

    Returns
    -------
    tuple
        ``((south, west), (north, east))`` bounds of the image in degrees.

    Raises
    ------
    LayerNotFoundError
        If the raster does not exist.
    LayerReadError
        If it cannot be read.
    """
    if not canopy_path.exists():
        msg = "canopy"
        raise LayerNotFoundError(msg, canopy_path, "file not found.", "check the path.")
    try:
        with rasterio.open(canopy_path) as src:
            fraction, bounds = _fraction_3857(src, cell_m, max_pixels, _SCALES[values])
    except RasterioIOError as exc:
        fix = "check that the file is a readable GeoTIFF."
        msg = "canopy"
        raise LayerReadError(msg, canopy_path, f"cannot be read: {exc}.", fix) from exc
    write_atomic(out_png, palette_png(canopy_rgba(fraction)))
    logger.info("canopy overlay %s: %s pixels", out_png, fraction.shape)
    return bounds


def _fraction_3857(
    src: rasterio.io.DatasetReader, cell_m: float | None, max_pixels: int, scale: float
) -> tuple[NDArray[np.float32], tuple[tuple[float, float], tuple[float, float]]]:
    res = abs(src.res[0])
    longest = max(src.width, src.height)
    cell = cell_m if cell_m is not None else max(10.0, res * longest / max_pixels)
    factor = max(1, math.ceil(cell / res))
    dst_transform, width, height = calculate_default_transform(
        src.crs,
        "EPSG:3857",
        src.width,
        src.height,
        *src.bounds,
        dst_width=math.ceil(src.width / factor),
        dst_height=math.ceil(src.height / factor),
    )
    out = np.full((height, width), np.nan, dtype="float32")
    reproject(
        rasterio.band(src, 1),
        out,
        src_nodata=src.nodata,
        dst_transform=dst_transform,
        dst_crs="EPSG:3857",
        dst_nodata=np.nan,
        resampling=Resampling.average,
    )
    west, north = dst_transform @ (0, 0)
    east, south = dst_transform @ (width, height)
    to_deg = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_deg.transform([west, east], [south, north])
    return out / np.float32(scale), ((lat0, lon0), (lat1, lon1))


def canopy_rgba(fraction: NDArray[np.floating]) -> NDArray[np.uint8]:
    r"""Colour canopy fractions: one green, opacity by fraction class, NaN and 0 clear.

    Parameters
    ----------
    fraction : numpy.ndarray
        Canopy fraction 0-1 per cell (NaN = no data).

    Returns
    -------
    numpy.ndarray
        ``(rows, cols, 4)`` uint8 RGBA; alpha is
        :math:`\\lceil f \\cdot L \\rceil / L \\cdot 210` for ``L = CANOPY_LEVELS``.
    """
    f = np.clip(np.nan_to_num(fraction, nan=0.0), 0.0, 1.0)
    level = np.ceil(f * CANOPY_LEVELS) / CANOPY_LEVELS
    rgba = np.zeros((*f.shape, 4), dtype="uint8")
    rgba[..., :3] = CANOPY_RGB
    rgba[..., 3] = np.round(level * _MAX_ALPHA).astype("uint8")
    return rgba


def palette_png(rgba: NDArray[np.uint8]) -> bytes:
    """Encode an image of one colour and a few opacities as a palette PNG.

    Parameters
    ----------
    rgba : numpy.ndarray
        ``(rows, cols, 4)`` uint8 whose colour is :data:`CANOPY_RGB` wherever it is
        not fully transparent (as from :func:`canopy_rgba`).

    Returns
    -------
    bytes
        PNG with one palette entry per opacity and its ``tRNS`` transparencies.
    """
    levels, index = np.unique(rgba[..., 3], return_inverse=True)
    image = Image.fromarray(index.reshape(rgba.shape[:2]).astype("uint8"), mode="P")
    image.putpalette(list(CANOPY_RGB) * len(levels))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, transparency=bytes(levels.tolist()))
    return buffer.getvalue()
