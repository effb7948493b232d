"""The demo city's rasters: 10 m land-surface temperature and a 1 m canopy mask.

Both derive from fields on one 10 m grid (city bounds plus 2 km): distance to
the centre, smoothed deprivation, greenspace by type, water, and a canopy
probability calibrated so that 11 % of the city is canopy. The 1 m canopy mask
thresholds smooth noise (crown-sized blobs) against that probability; it is
computed at 2 m, upsampled bilinearly and written in 512-row strips.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from rasterio.features import rasterize
from rasterio.windows import Window
from scipy.ndimage import gaussian_filter
from scipy.optimize import brentq
from scipy.special import expit, ndtri
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from coventry_geo.demo.city import CENTRE
from coventry_geo.demo.land import GREENSPACE_TYPES
from coventry_geo.demo.shapes import stream

__all__ = [
    "CANOPY_TARGET",
    "LST_NODATA",
    "CANOPY_NODATA",
    "Grid",
    "Fields",
    "build_fields",
    "write_lst",
    "write_canopy",
]

CANOPY_TARGET = 0.11
LST_NODATA = -9999.0
CANOPY_NODATA = 255
_MARGIN_M = 2000.0
_CANOPY_MARGIN_M = 500.0
_STRIP = 512
#: Canopy probability inside greenspace, by type (same order as GREENSPACE_TYPES).
_TYPE_CANOPY = np.array([0.0, 0.25, 0.05, 0.06, 0.45, 0.85, 0.25, 0.22, 0.15, 0.25])
_RURAL_CANOPY = 0.08
_WATER_CANOPY = 0.01


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid.

    Attributes
    ----------
    x0, y1 : float
        Left and top edges, metres.
    res : float
        Cell size, metres.
    width, height : int
        Size in cells.
    """

    x0: float
    y1: float
    res: float
    width: int
    height: int

    @property
    def transform(self) -> Affine:
        """The affine transform of the grid."""
        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y1)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return 2-D arrays of the cell-centre coordinates (x, y), metres."""
        x = self.x0 + self.res * (np.arange(self.width) + 0.5)
        y = self.y1 - self.res * (np.arange(self.height) + 0.5)
        return np.meshgrid(x.astype(np.float32), y.astype(np.float32))

    def burn(
        self,
        shapes: Iterable[tuple[BaseGeometry, float]],
        *,
        fill: float = 0.0,
        all_touched: bool = False,
    ) -> np.ndarray:
        """Rasterize (geometry, value) pairs onto the grid as float32."""
        return rasterize(
            shapes,
            out_shape=(self.height, self.width),
            transform=self.transform,
            fill=fill,
            dtype="float32",
            all_touched=all_touched,
        )


@dataclass(frozen=True)
class Fields:
    """The 10 m fields both rasters are made from.

    Attributes
    ----------
    grid : Grid
        The 10 m grid.
    canopy_p : numpy.ndarray
        Canopy probability (0-1).
    green : numpy.ndarray
        1 inside greenspace, else 0.
    water : numpy.ndarray
        1 on water, else 0.
    hot : numpy.ndarray
        1 on large industrial roofs, else 0.
    canopy_window : tuple of int
        (col, row, width, height) of the canopy raster's extent, in 10 m cells.
    canopy_valid : numpy.ndarray
        True where the canopy survey has data (within 250 m of the city).
    """

    grid: Grid
    canopy_p: np.ndarray
    green: np.ndarray
    water: np.ndarray
    hot: np.ndarray
    canopy_window: tuple[int, int, int, int]
    canopy_valid: np.ndarray


def _grid(city: Polygon, margin: float, res: float) -> Grid:
    xmin, ymin, xmax, ymax = city.bounds
    x0 = np.floor((xmin - margin) / 100.0) * 100.0
    y1 = np.ceil((ymax + margin) / 100.0) * 100.0
    width = int(np.ceil((xmax + margin - x0) / 100.0) * 100.0 / res)
    height = int(np.ceil((y1 - ymin + margin) / 100.0) * 100.0 / res)
    return Grid(float(x0), float(y1), res, width, height)


def build_fields(seed: int, city: Polygon, layers: dict[str, pd.DataFrame]) -> Fields:
    """Return the 10 m fields of the demo rasters.

    Parameters
    ----------
    seed : int
    city : shapely.Polygon
        The city boundary.
    layers : dict
        The demo's vector tables (``small_areas``, ``greenspace``,
        ``blue_lines``, ``blue_polygons``) as pandas DataFrames with a
        ``geometry`` column.

    Returns
    -------
    Fields
    """
    rng = stream(seed, 40)
    grid = _grid(city, _MARGIN_M, 10.0)
    x, y = grid.centres()
    d = np.hypot(x - CENTRE[0], y - CENTRE[1])
    inside = grid.burn([(city, 1.0)]) > 0
    areas, green_df = layers["small_areas"], layers["greenspace"]
    imd = grid.burn(zip(areas["geometry"], areas["imd_score"], strict=True), fill=17.5)
    zdep = gaussian_filter(np.log(imd) - np.log(17.5), 12.0) / 0.52
    gtype = grid.burn(
        zip(
            green_df["geometry"],
            [GREENSPACE_TYPES.index(t) + 1 for t in green_df["type"]],
            strict=True,
        )
    ).astype(np.int64)
    lines = layers["blue_lines"]["geometry"]
    water = np.maximum(
        grid.burn([(g, 1.0) for g in layers["blue_polygons"]["geometry"]]),
        grid.burn([(g, 1.0) for g in lines], all_touched=True),
    )
    riparian = grid.burn([(g.buffer(40.0), 1.0) for g in lines]) > 0
    score = (
        1.0 * np.minimum(d, 6000.0) / 4000.0
        - 0.5 * zdep
        + 0.8 * _noise(rng, grid.height, grid.width, 1.5)
        + 0.4 * _noise(rng, grid.height, grid.width, 40.0)
    )
    fixed = _fixed_canopy(gtype, water > 0, riparian, inside)
    canopy_p = _calibrate(score, fixed, inside)
    col, row, width, height = _window(grid, city)
    valid = grid.burn([(city.buffer(250.0), 1.0)])[row : row + height, col : col + width] > 0
    return Fields(
        grid,
        canopy_p,
        (gtype > 0).astype(np.float32),
        water,
        _industry(rng, grid, city, gtype),
        (col, row, width, height),
        valid,
    )


def _noise(rng: np.random.Generator, height: int, width: int, sigma: float) -> np.ndarray:
    """Return gaussian-smoothed white noise (sigma in cells) with unit standard deviation.

    Broad noise (sigma over 8 cells) is smoothed on a grid k = sigma // 4 times
    coarser and upsampled bilinearly, which is much faster and looks the same.
    """
    k = max(1, int(sigma // 4))
    shape = (-(-height // k) + 2, -(-width // k) + 2)
    field = gaussian_filter(rng.standard_normal(shape, dtype=np.float32), sigma / k)
    field = _upsample(field, k)[:height, :width] if k > 1 else field[1:-1, 1:-1]
    return field / field.std()


def _fixed_canopy(
    gtype: np.ndarray, water: np.ndarray, riparian: np.ndarray, inside: np.ndarray
) -> np.ndarray:
    """Return the canopy probability where it does not depend on the calibration (else NaN)."""
    fixed = np.where(gtype > 0, _TYPE_CANOPY[gtype], np.nan).astype(np.float32)
    fixed[~inside & (gtype == 0)] = _RURAL_CANOPY
    fixed[riparian & (gtype == 0) & inside] = 0.35
    fixed[water] = _WATER_CANOPY
    return fixed


def _calibrate(score: np.ndarray, fixed: np.ndarray, inside: np.ndarray) -> np.ndarray:
    r"""Return canopy probability with mean :data:`CANOPY_TARGET` inside the city.

    .. math:: p = \operatorname{expit}(a + s)

    where no fixed value applies, with the offset :math:`a` found by root
    finding so that the city's mean :math:`p` is the target.
    """
    free = np.isnan(fixed)

    def city_mean(a: float) -> float:
        p = np.where(free, expit(a + score), fixed)
        return float(p[inside].mean()) - CANOPY_TARGET

    offset = brentq(city_mean, -12.0, 6.0, xtol=1e-5)
    return np.where(free, expit(offset + score), fixed).astype(np.float32)


def _industry(rng: np.random.Generator, grid: Grid, city: Polygon, gtype: np.ndarray) -> np.ndarray:
    """Return a 0/1 field of three large industrial estates (hot roofs) in the city."""
    x, y = grid.centres()
    hot = np.zeros_like(x)
    for angle in rng.uniform(0, 2 * np.pi, 3):
        r = rng.uniform(2000.0, 3500.0)
        ex, ey = CENTRE[0] + r * np.cos(angle), CENTRE[1] + r * np.sin(angle)
        hot += np.hypot((x - ex) / 500.0, (y - ey) / 300.0) < 1.0
    return ((hot > 0) & (gtype == 0)).astype(np.float32)


def _window(grid: Grid, city: Polygon) -> tuple[int, int, int, int]:
    xmin, ymin, xmax, ymax = city.bounds
    m = _CANOPY_MARGIN_M
    col = int((xmin - m - grid.x0) // grid.res)
    row = int((grid.y1 - (ymax + m)) // grid.res)
    width = int(np.ceil((xmax + m - grid.x0) / grid.res)) - col
    height = int(np.ceil((grid.y1 - (ymin - m)) / grid.res)) - row
    return col, row, width, height


def lst_values(seed: int, fields: Fields, city: Polygon) -> np.ndarray:
    r"""Return land-surface temperature (°C) on the 10 m grid.

    .. math::
        T = 21.5 + 5.5\,e^{-(d/3000)^2} + 3\,\tilde h - 4\,\tilde p - 2\,\tilde g
            - 3\,\tilde w + 0.6\,n_{\text{smooth}} + 0.25\,n_{\text{white}}

    where :math:`d` is the distance to the centre (m) and :math:`\tilde h`,
    :math:`\tilde p`, :math:`\tilde g`, :math:`\tilde w` are the industrial,
    canopy-probability, greenspace and water fields smoothed over 20-40 m.
    A corner of the margin beyond the city (a scene edge) is nodata.
    """
    rng = stream(seed, 41)
    grid = fields.grid
    x, y = grid.centres()
    d = np.hypot(x - CENTRE[0], y - CENTRE[1])
    t = (
        21.5
        + 5.5 * np.exp(-((d / 3000.0) ** 2))
        + 3.0 * gaussian_filter(fields.hot, 2.0)
        - 4.0 * gaussian_filter(fields.canopy_p, 2.0)
        - 2.0 * gaussian_filter(fields.green, 3.0)
        - 3.0 * gaussian_filter(fields.water, 2.0)
        + 0.6 * _noise(rng, grid.height, grid.width, 25.0)
        + 0.25 * rng.standard_normal(x.shape, dtype=np.float32)
    )
    xy = np.asarray(city.exterior.coords)
    t[(x + y) > (xy.sum(axis=1).max() + 1500.0)] = LST_NODATA
    return np.round(t, 2).astype(np.float32)


def write_lst(path: Path, values: np.ndarray, grid: Grid, crs: str) -> None:
    """Write the land-surface temperature GeoTIFF (float32, °C, tiled, deflate)."""
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": grid.transform,
        "nodata": LST_NODATA,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 3,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
        dst.set_band_description(1, "land surface temperature (degC)")
        dst.update_tags(units="degC")


def canopy_margin_field(seed: int, fields: Fields) -> np.ndarray:
    r"""Return :math:`z - \Phi^{-1}(p)` on the 2 m canopy grid: canopy where it is negative.

    :math:`z` is white noise smoothed over 4 m and scaled so that, once
    upsampled bilinearly to 1 m, it is standard normal; then
    :math:`P(z < \Phi^{-1}(p)) = p`. :math:`p` is the 10 m canopy probability
    upsampled bilinearly. NaN outside the canopy survey's extent.
    """
    rng = stream(seed, 42)
    col, row, width, height = fields.canopy_window
    p10 = np.clip(fields.canopy_p[row : row + height, col : col + width], 1e-4, 1 - 1e-4)
    z = _noise(rng, 5 * height, 5 * width, 2.0)
    z /= _upsample(np.pad(z[:1026], 1, mode="edge"), 2).std()
    z -= ndtri(_upsample(np.pad(p10, 1, mode="edge"), 5))
    valid = np.repeat(np.repeat(fields.canopy_valid, 5, axis=0), 5, axis=1)
    z[~valid] = np.nan
    return z


def _upsample(a: np.ndarray, k: int) -> np.ndarray:
    """Upsample ×k bilinearly an array padded by one cell on every side (padding dropped).

    Output cell centres fall at input positions :math:`(q + 1/2)/k - 1/2` of
    each input cell (as ``scipy.ndimage.zoom(..., grid_mode=True)``).
    """
    return _upsample_axis(_upsample_axis(a, k, 0), k, 1)


def _upsample_axis(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    a = np.moveaxis(a, axis, 0)
    out = np.empty((k * (a.shape[0] - 2), *a.shape[1:]), dtype=a.dtype)
    for q in range(k):
        t = (q + 0.5) / k - 0.5
        neighbour = a[:-2] if t < 0 else a[2:]
        out[q::k] = (1.0 - abs(t)) * a[1:-1] + abs(t) * neighbour
    return np.moveaxis(out, 0, axis)


def write_canopy(path: Path, margin: np.ndarray, fields: Fields, crs: str) -> None:
    """Write the 1 m canopy mask GeoTIFF (uint8 0/1, nodata 255), in 512-row strips."""
    col, row, _, _ = fields.canopy_window
    grid = fields.grid
    transform = Affine(1.0, 0.0, grid.x0 + col * grid.res, 0.0, -1.0, grid.y1 - row * grid.res)
    height, width = 2 * margin.shape[0], 2 * margin.shape[1]
    padded = np.pad(margin, 1, mode="edge")
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "uint8",
        "crs": crs,
        "transform": transform,
        "nodata": CANOPY_NODATA,
        "tiled": True,
        "blockxsize": _STRIP,
        "blockysize": _STRIP,
        "compress": "deflate",
    }
    with rasterio.Env(GDAL_NUM_THREADS="ALL_CPUS"), rasterio.open(path, "w", **profile) as dst:
        for top in range(0, height, _STRIP):
            rows = min(_STRIP, height - top) // 2
            fine = _upsample(padded[top // 2 : top // 2 + rows + 2], 2)
            mask = np.where(np.isnan(fine), CANOPY_NODATA, fine < 0).astype(np.uint8)
            dst.write(mask, 1, window=Window(0, top, width, 2 * rows))
        dst.set_band_description(1, "tree canopy (1 = canopy, 0 = none)")
