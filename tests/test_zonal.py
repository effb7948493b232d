"""Tests of the zonal statistics engine, with answers known by hand."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import rasterio.shutil
import shapely
from affine import Affine
from rasterio import features
from rasterio.transform import from_origin
from rasterio.windows import Window

from coventry_geo.errors import LayerCRSError, LayerExtentError, LayerSchemaError
from coventry_geo.zonal import (
    ZoneGridCache,
    points_in_zones,
    polygon_area_share,
    raster_zonal_stats,
    sample_raster_at_points,
    strips,
)
from coventry_geo.zonal.grid import ZoneGrid, burn_zone_grid, pixel_window
from coventry_geo.zonal.reduce import count_true_runs
from tests.conftest import X0, Y0, tiny_residences, tiny_wards, write_raster

# The tiny wards: four 1 km squares, W1 SW, W2 SE, W3 NW, W4 NE; rasters of 10 m pixels
# with their top-left corner at (X0, Y0 + 2000) cover them exactly (200 x 200 pixels).


def _stats(path: Path, **kw: object) -> pd.DataFrame:
    return raster_zonal_stats(tiny_wards(), path, zone_id="WD_CODE", cache=None, **kw)


def _box_zone(x0: float, y0: float, x1: float, y1: float, crs: int = 27700) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["Z"]}, geometry=[shapely.box(x0, y0, x1, y1)], crs=crs)


# --------------------------------------------------------------------------- kernels


@pytest.mark.parametrize("seed", range(5))
def test_count_true_runs_matches_slices(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = rng.random(1000) < 0.4
    starts = np.unique(np.concatenate([[0], rng.integers(1, 1000, 40)]))
    ends = np.append(starts[1:], mask.size)
    expected = [mask[s:e].sum() for s, e in zip(starts, ends, strict=True)]
    np.testing.assert_array_equal(count_true_runs(mask, starts), expected)


# --------------------------------------------------------------------------- scanline zones


def _star(rng: np.random.Generator, cx: float, cy: float, radius: float) -> shapely.Geometry:
    """A random star-shaped polygon (valid: vertices sorted by angle around its centre)."""
    n = int(rng.integers(3, 30))
    angle = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = rng.uniform(0.3, 1, n) * radius
    ring = np.c_[cx + r * np.cos(angle), cy + r * np.sin(angle)]
    return shapely.make_valid(shapely.Polygon(ring))


def _random_zones(seed: int, *, snap: bool = False) -> np.ndarray:
    """Overlapping polygons, some with holes, some multipart, some beyond the raster.

    With ``snap``, vertices are on a 1 m grid: on pixel corners and on the rows and
    columns of pixel centres of a 2 m raster, the ties of the pixel-centre rule.
    """
    rng = np.random.default_rng(seed)
    geoms = []
    for _ in range(int(rng.integers(1, 8))):
        cx, cy = rng.uniform(990, 1170), rng.uniform(1810, 2010)
        geom = _star(rng, cx, cy, rng.uniform(5, 60))
        if rng.random() < 0.4:
            geom = shapely.difference(geom, _star(rng, cx, cy, rng.uniform(2, 20)))
        if rng.random() < 0.3:
            geom = shapely.union(geom, _star(rng, cx + 50, cy, 10))
        geoms.append(shapely.set_precision(geom, 1.0) if snap else geom)
    return np.array(geoms, dtype=object)


def _gdal_burn(
    geoms: np.ndarray, codes: np.ndarray, transform: object, shape: tuple[int, int]
) -> np.ndarray:
    """The oracle: GDAL's rasterize, later zones burnt over earlier ones."""
    pairs = [(g, c) for g, c in zip(geoms, codes.tolist(), strict=True) if not g.is_empty]
    return features.rasterize(pairs, out_shape=shape, transform=transform, dtype="int32")


def _dense(grid: ZoneGrid) -> np.ndarray:
    height, width = int(grid.window.height), int(grid.window.width)
    return np.repeat(grid.codes, np.diff(grid.starts, append=height * width)).reshape(height, width)


@pytest.mark.parametrize("snap", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_scanline_runs_equal_gdal_rasterize(seed: int, snap: bool) -> None:
    geoms = _random_zones(seed, snap=snap)
    codes = np.arange(1, len(geoms) + 1)
    if seed % 4 == 0 and len(geoms) > 1:
        codes[-1] = 1  # two rows of one zone
    # 3 m rows only without ties: 1/3 is inexact, so ties would depend on rounding
    transform = from_origin(1000.0, 2000.0, 2.0, 3.0 if seed % 3 == 0 and not snap else 2.0)
    height, width = 60, 80
    grid = burn_zone_grid(
        geoms,
        codes,
        pd.Index(range(codes.max())),
        transform=transform,
        window=Window(0, 0, width, height),
    )
    np.testing.assert_array_equal(
        _dense(grid), _gdal_burn(geoms, codes, transform, (height, width))
    )
    assert grid.starts[grid.row_runs[:-1]].tolist() == [r * width for r in range(height)]
    margin = 100  # the zones' pixels on the grid extended beyond the raster
    extended = _gdal_burn(
        geoms,
        codes,
        transform * transform.translation(-margin, -margin),
        (height + 2 * margin, width + 2 * margin),
    )
    np.testing.assert_array_equal(
        grid.zone_pixels[1:], np.bincount(extended.ravel(), minlength=codes.max() + 1)[1:]
    )


def test_scanline_window_inside_the_raster() -> None:
    geoms = _random_zones(5)
    codes = np.arange(1, len(geoms) + 1)
    transform = from_origin(1000.0, 2000.0, 2.0, 2.0)
    grid = burn_zone_grid(
        geoms, codes, pd.Index(codes), transform=transform, window=Window(7, 11, 40, 30)
    )
    gdal = _gdal_burn(geoms, codes, transform, (60, 80))
    np.testing.assert_array_equal(_dense(grid), gdal[11:41, 7:47])


# --------------------------------------------------------------------------- windows

#: Grids of 120 x 90 pixels: square, non-square, a fractional origin, and south-up rows.
WINDOW_GRIDS = {
    "square_10m": Affine(10.0, 0.0, 430_000.0, 0.0, -10.0, 271_000.0),
    "non_square_2x3m": Affine(2.0, 0.0, 430_000.0, 0.0, -3.0, 271_000.0),
    "offset_origin_0.7x0.45m": Affine(0.7, 0.0, 430_123.37, 0.0, -0.45, 270_987.61),
    "south_up_5x4m": Affine(5.0, 0.0, 430_000.4, 0.0, 4.0, 270_000.3),
}
WINDOW_SHAPE = (90, 120)  # rows, columns
POLYGONS_PER_GRID = 300  # 4 grids: 1,200 polygons, each its own call (its own window)


def _window_polygons(seed: int, transform: Affine) -> list[shapely.Geometry]:
    """Star polygons 0.5-12 pixels across at fractional pixel offsets; some cross the edge."""
    rng = np.random.default_rng(seed)
    rows, cols = WINDOW_SHAPE
    polygons = []
    for _ in range(POLYGONS_PER_GRID):
        col, row = rng.uniform(-4, cols + 4), rng.uniform(-4, rows + 4)  # pixel coordinates
        cx, cy = transform * (col, row)
        radius = rng.uniform(0.5, 12) * min(abs(transform.a), abs(transform.e))
        polygons.append(_star(rng, cx, cy, radius))
    return polygons


@pytest.fixture(params=list(WINDOW_GRIDS))
def window_grid(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Affine, Path]:
    transform = WINDOW_GRIDS[request.param]
    path = tmp_path / f"{request.param}.tif"
    rows, cols = WINDOW_SHAPE
    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": "uint8",
        "crs": 27700,
        "transform": transform,
        "nodata": None,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(np.ones(WINDOW_SHAPE, dtype="uint8"), 1)
    return transform, path


def test_every_zone_counts_the_pixels_gdal_burns(window_grid: tuple[Affine, Path]) -> None:
    """Each polygon alone, so the window comes from its own bounds at fractional offsets.

    Before the fix, rasterio >= 1.4 rounded the window's lengths to the nearest pixel
    (``round_lengths`` ignores ``op``), so a window could end a column or a row short.
    """
    transform, path = window_grid
    rows, cols = WINDOW_SHAPE
    raster_box = shapely.box(*rasterio.transform.array_bounds(rows, cols, transform))
    margin = 20  # coverage's denominator: GDAL on the grid extended beyond the raster
    extended = transform * Affine.translation(-margin, -margin)
    checked, mismatches = 0, []
    for i, polygon in enumerate(_window_polygons(7, transform)):
        zone = gpd.GeoDataFrame({"id": [i]}, geometry=[polygon], crs=27700)
        if shapely.box(*polygon.bounds).intersection(raster_box).area == 0:
            with pytest.raises(LayerExtentError, match="does not overlap the zones"):
                raster_zonal_stats(zone, path, zone_id="id", cache=None)
            continue
        table = raster_zonal_stats(
            zone, path, zone_id="id", stats=["count", "coverage"], cache=None
        )
        gdal = features.rasterize([(polygon, 1)], out_shape=WINDOW_SHAPE, transform=transform)
        whole = features.rasterize(
            [(polygon, 1)], out_shape=(rows + 2 * margin, cols + 2 * margin), transform=extended
        )
        expected = (int(gdal.sum()), gdal.sum() / whole.sum() if whole.sum() else np.nan)
        got = (int(table.loc[i, "count"]), float(table.loc[i, "coverage"]))
        checked += 1
        if not (got[0] == expected[0] and np.allclose(got[1], expected[1], equal_nan=True)):
            mismatches.append((i, got, expected))
    assert mismatches == []
    assert checked > 0.9 * POLYGONS_PER_GRID


def test_all_zones_at_once_count_the_pixels_gdal_burns(window_grid: tuple[Affine, Path]) -> None:
    transform, path = window_grid
    polygons = _window_polygons(11, transform)
    zones = gpd.GeoDataFrame({"id": range(len(polygons))}, geometry=polygons, crs=27700)
    table = raster_zonal_stats(zones, path, zone_id="id", stats=["count"], cache=None)
    codes = np.arange(1, len(polygons) + 1)
    burnt = _gdal_burn(np.array(polygons, dtype=object), codes, transform, WINDOW_SHAPE)
    expected = np.bincount(burnt.ravel(), minlength=len(polygons) + 1)[1:]
    np.testing.assert_array_equal(table["count"].to_numpy(), expected)
    assert expected.sum() > 0


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ((0.2, -3.4, 2.6, -0.1), Window(0, 0, 3, 4)),  # fractional on every side
        ((1.0, -3.0, 3.0, -1.0), Window(1, 1, 2, 2)),  # on pixel edges: nothing added
        ((-5.0, -2.5, 2.5, 5.0), Window(0, 0, 3, 3)),  # clipped to the raster
        ((99.6, -99.6, 120.0, -99.2), Window(99, 99, 1, 1)),  # inside the last pixel
        ((100.0, -3.0, 105.0, -1.0), None),  # touching the east edge only
        ((np.nan,) * 4, None),  # no geometry
    ],
)
def test_pixel_window_floors_starts_and_ceils_ends(
    bounds: tuple[float, ...], expected: Window | None
) -> None:
    assert pixel_window(bounds, Affine(1.0, 0.0, 0.0, 0.0, -1.0, 0.0), 100, 100) == expected


# --------------------------------------------------------------------------- rasters


def test_checkerboard_mean_is_half_and_count_exact(tmp_path: Path) -> None:
    board = (np.indices((200, 200)).sum(axis=0) % 2).astype("uint8")
    table = _stats(write_raster(tmp_path / "c.tif", board, nodata=255))
    assert table["count"].tolist() == [100 * 100] * 4
    assert table["sum"].tolist() == [100 * 100 / 2] * 4
    np.testing.assert_allclose(table["mean"], 0.5)
    assert table["min"].tolist() == [0] * 4
    assert table["max"].tolist() == [1] * 4


def test_mask_min_max_per_zone(tmp_path: Path) -> None:
    mask = np.zeros((200, 200), dtype="uint8")
    mask[100:, :100] = 1  # W1 all ones
    mask[100:, 100:] = 255  # W2 all nodata
    mask[:100, :100] = np.indices((100, 100)).sum(axis=0) % 2  # W3 half ones; W4 all zeros
    table = _stats(write_raster(tmp_path / "m.tif", mask, nodata=255), stats=["min", "max"])
    assert table.loc[["W1", "W3", "W4"], "min"].tolist() == [1, 0, 0]
    assert table.loc[["W1", "W3", "W4"], "max"].tolist() == [1, 1, 0]
    assert table.loc["W2", ["min", "max"]].isna().all()


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32", "float64"])
def test_min_max_quantile_on_known_values(tmp_path: Path, dtype: str) -> None:
    data = np.zeros((200, 200), dtype=dtype)
    data[100:, :100] = np.arange(100 * 100).reshape(100, 100) % 100 + 1  # W1: 1..100, 100 each
    table = _stats(
        write_raster(tmp_path / "v.tif", data, nodata=None),
        stats=["min", "max", "p90", "p50", "mean"],
    )
    w1 = table.loc["W1"]
    expected = np.percentile(np.arange(1, 101).repeat(100), [90, 50])
    assert (w1["min"], w1["max"]) == (1, 100)
    np.testing.assert_allclose([w1["p90"], w1["p50"]], expected)
    np.testing.assert_allclose(w1["mean"], 50.5)
    assert table.loc["W2", "p90"] == 0


def test_scale_offset_applied_after_reduction(tmp_path: Path) -> None:
    data = np.zeros((200, 200), dtype="uint16")
    data[100:, :100] = 10
    data[100:150, :100] = 20  # W1: half 20, half 10
    table = _stats(
        write_raster(tmp_path / "s.tif", data, nodata=None),
        stats=["mean", "sum", "min", "max", "p90"],
        scale=-0.5,
        offset=300.0,
    )
    w1 = table.loc["W1"]
    np.testing.assert_allclose(w1["mean"], 15 * -0.5 + 300)
    np.testing.assert_allclose(w1["sum"], (10 * 5000 + 20 * 5000) * -0.5 + 300 * 10_000)
    assert (w1["min"], w1["max"]) == (20 * -0.5 + 300, 10 * -0.5 + 300)
    raw = np.r_[np.full(5000, 10), np.full(5000, 20)] * -0.5 + 300
    np.testing.assert_allclose(w1["p90"], np.percentile(raw, 90))


@pytest.mark.parametrize(
    ("scale", "offset", "threshold", "expected"),
    [
        (0.5, -2.0, 8.0, 2500 / 9500),  # stored 20 -> 8.0 reaches it (>=), 10 -> 3.0 does not
        (0.5, -2.0, 8.0001, 0.0),
        (0.5, -2.0, 3.0, 1.0),
        (-1.0, 30.0, 15.0, 7000 / 9500),  # a negative scale: stored 10 -> 20.0 is the hot one
    ],
)
def test_frac_above_is_the_share_of_valid_pixels_at_or_over_the_threshold(
    tmp_path: Path, scale: float, offset: float, threshold: float, expected: float
) -> None:
    data = np.full((200, 200), 10, dtype="uint16")
    data[100:125, :100] = 20  # W1: 2,500 pixels of 20,
    data[125:130, :100] = 999  # 500 nodata, 7,000 of 10
    table = _stats(
        write_raster(tmp_path / "t.tif", data, nodata=999),
        stats=["count", "frac_above"],
        scale=scale,
        offset=offset,
        threshold=threshold,
    )
    assert table.loc["W1", "count"] == 9500
    assert table.loc["W1", "frac_above"] == pytest.approx(expected)


def test_frac_above_needs_a_threshold(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "t.tif", np.ones((200, 200), dtype="uint8"), nodata=None)
    with pytest.raises(LayerSchemaError, match=r"'frac_above' needs a finite threshold"):
        _stats(path, stats=["frac_above"])


def test_nodata_holes_are_left_out(tmp_path: Path) -> None:
    data = np.full((200, 200), 4.0, dtype="float32")
    data[100:110, :100] = -9999.0  # 1000 nodata pixels in W1
    data[110:120, :100] = np.nan  # and 1000 NaN pixels
    data[120:130, :100] = 1.0  # 1000 pixels of 1
    table = _stats(
        write_raster(tmp_path / "n.tif", data), stats=["count", "mean", "min", "coverage"]
    )
    w1 = table.loc["W1"]
    assert w1["count"] == 10_000 - 2000
    np.testing.assert_allclose(w1["mean"], (7000 * 4 + 1000 * 1) / 8000)
    assert w1["min"] == 1
    np.testing.assert_allclose(w1["coverage"], 0.8)
    np.testing.assert_allclose(table.loc["W2", "coverage"], 1.0)


def test_nodata_override_and_all_nodata_zone(tmp_path: Path) -> None:
    data = np.ones((200, 200), dtype="uint8")
    data[100:, :100] = 7  # all of W1 is 7, declared nodata below
    table = _stats(
        write_raster(tmp_path / "o.tif", data, nodata=None),
        nodata=7,
        stats=["count", "sum", "mean", "max"],
    )
    assert (table.loc["W1", "count"], table.loc["W1", "sum"]) == (0, 0)
    assert np.isnan(table.loc["W1", "mean"])
    assert np.isnan(table.loc["W1", "max"])
    assert table.loc["W2", "mean"] == 1


def test_zone_partly_outside_raster_reports_coverage(tmp_path: Path) -> None:
    data = np.full((100, 50), 2, dtype="uint8")  # 500 m x 1 km: the west half of W1
    path = write_raster(tmp_path / "p.tif", data, y0=Y0 + 1000, nodata=255)
    zone = _box_zone(X0, Y0, X0 + 1000, Y0 + 1000)
    table = raster_zonal_stats(zone, path, zone_id="id", stats=["count", "mean", "coverage"])
    assert table.loc["Z", "count"] == 100 * 50
    empty = gpd.GeoDataFrame({"id": ["E"]}, geometry=[shapely.Polygon()], crs=27700)
    with_empty = raster_zonal_stats(pd.concat([zone, empty]), path, zone_id="id", stats=["count"])
    assert with_empty["count"].tolist() == [100 * 50, 0]
    assert table.loc["Z", "mean"] == 2
    np.testing.assert_allclose(table.loc["Z", "coverage"], 0.5)


def test_raster_in_4326_against_zones_in_27700(tmp_path: Path) -> None:
    zones = gpd.GeoDataFrame(
        {"id": ["west", "east"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
            shapely.box(X0 + 2000, Y0, X0 + 3000, Y0 + 1000),
        ],
        crs=27700,
    )
    west, south, east, north = zones.to_crs(4326).total_bounds
    res = 0.0001
    x0, y0 = west - 10 * res, north + 10 * res
    width, height = int((east - x0) / res) + 20, int((y0 - south) / res) + 20
    lon = x0 + (np.arange(width) + 0.5) * res
    split = gpd.GeoSeries([shapely.Point(X0 + 1500, Y0 + 500)], crs=27700).to_crs(4326).x[0]
    data = np.where(lon < split, 1.0, 2.0)[None, :].repeat(height, axis=0).astype("float32")
    path = write_raster(tmp_path / "g.tif", data, x0=x0, y0=y0, res=res, crs="EPSG:4326")
    table = raster_zonal_stats(zones, path, zone_id="id", stats=["count", "mean", "coverage"])
    # oracle: pixel centres inside each zone reprojected to 4326
    cx, cy = np.meshgrid(lon, y0 - (np.arange(height) + 0.5) * res)
    for zid, geom in zip(zones["id"], zones.to_crs(4326).geometry, strict=True):
        assert table.loc[zid, "count"] == shapely.contains_xy(geom, cx, cy).sum()
    assert table["mean"].tolist() == [1.0, 2.0]
    np.testing.assert_allclose(table["coverage"], 1.0)


def test_categorical_fractions(tmp_path: Path) -> None:
    data = np.full((200, 200), 3, dtype="uint8")
    data[100:125, :100] = 1  # W1: a quarter class 1, three quarters class 3
    data[125:130, :100] = 255  # nodata, left out of the fractions
    table = _stats(
        write_raster(tmp_path / "k.tif", data, nodata=255), stats=["count"], categorical=True
    )
    np.testing.assert_allclose(table.loc["W1", ["frac_1", "frac_3"]], [2500 / 9500, 7000 / 9500])
    np.testing.assert_allclose(table.loc["W2", ["frac_1", "frac_3"]], [0, 1])
    assert "frac_255" not in table.columns


def test_categorical_on_float_raster_is_refused(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "f.tif", np.ones((200, 200), dtype="float32"))
    with pytest.raises(LayerSchemaError, match="categorical statistics need an integer raster"):
        _stats(path, categorical=True)


def test_point_weighted_mean(tmp_path: Path) -> None:
    data = np.zeros((200, 200), dtype="float32")
    data[100:, :100] = 10.0  # W1 is 10 ...
    data[185:, :15] = 40.0  # ... except its south-west 150 m square, which holds 1 residence
    path = write_raster(tmp_path / "w.tif", data)
    homes = tiny_residences()
    homes["residents"] = [6, 1, 1, 1, 2, 2, 2, 2, 2, 2]  # the one at (100, 100) is in the 40 square
    table = _stats(path, stats=["mean"], weights=homes, weight_field="residents")
    np.testing.assert_allclose(table.loc["W1", "weighted_mean"], (6 * 40 + 3 * 10) / 9)
    assert table.loc["W1", "weight_sum"] == 9
    assert table.loc["W4", "weight_sum"] == 2


def test_weight_raster_mean(tmp_path: Path) -> None:
    values = np.zeros((200, 200), dtype="float32")
    values[100:150, :100] = 30.0  # north half of W1
    people = np.ones((200, 200), dtype="float32")
    people[100:150, :100] = 3.0  # three times as many people there
    path = write_raster(tmp_path / "v.tif", values)
    table = _stats(path, stats=["mean"], weight_raster=write_raster(tmp_path / "pop.tif", people))
    np.testing.assert_allclose(table.loc["W1", "mean"], 15.0)
    np.testing.assert_allclose(table.loc["W1", "weighted_mean"], 30 * 3 / 4)
    assert table.loc["W1", "weight_sum"] == 5000 * 3 + 5000


def test_weight_raster_on_another_grid_is_refused(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "v.tif", np.ones((200, 200), dtype="float32"))
    other = write_raster(tmp_path / "pop.tif", np.ones((100, 100), dtype="float32"), res=20.0)
    with pytest.raises(LayerExtentError, match="weight raster's grid .* differs"):
        _stats(path, weight_raster=other)


def test_many_strips_give_the_same_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    data = rng.integers(0, 50, (200, 200)).astype("int16")
    data[rng.random((200, 200)) < 0.1] = -1
    path = tmp_path / "t.tif"
    profile = {
        "driver": "GTiff",
        "width": 200,
        "height": 200,
        "count": 1,
        "dtype": "int16",
        "crs": 27700,
        "transform": from_origin(X0, Y0 + 2000, 10, 10),
        "nodata": -1,
        "tiled": True,
        "blockxsize": 32,
        "blockysize": 32,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data, 1)
    stats = ["count", "sum", "mean", "min", "max", "p90"]
    whole = _stats(path, stats=stats)
    monkeypatch.setattr(strips, "_STRIP_PIXELS", 200 * 32)  # one block row per strip
    pd.testing.assert_frame_equal(_stats(path, stats=stats), whole)
    w1 = data[100:, :100][data[100:, :100] >= 0]
    np.testing.assert_allclose(
        whole.loc["W1", ["count", "sum", "min", "max"]], [w1.size, w1.sum(), w1.min(), w1.max()]
    )
    np.testing.assert_allclose(whole.loc["W1", "p90"], np.percentile(w1, 90))


def test_netcdf_variable_path(tmp_path: Path) -> None:
    data = np.full((200, 200), 5.0, dtype="float32")
    data[100:, :100] = 9.0
    nc = tmp_path / "heat.nc"
    rasterio.shutil.copy(write_raster(tmp_path / "heat.tif", data), nc, driver="netCDF")
    table = _stats(f"netcdf:{nc}:Band1", stats=["mean"])
    assert table["mean"].tolist() == [9.0, 5.0, 5.0, 5.0]


def test_cache_hit_for_same_zones_and_miss_when_zones_change(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "c.tif", np.ones((200, 200), dtype="uint8"), nodata=255)
    cache = ZoneGridCache()
    wards = tiny_wards()
    raster_zonal_stats(wards, path, zone_id="WD_CODE", cache=cache)
    raster_zonal_stats(wards.copy(), path, zone_id="WD_CODE", cache=cache)
    assert (cache.hits, cache.misses) == (1, 1)
    moved = wards.copy()
    moved.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 500, Y0 + 1000)
    table = raster_zonal_stats(moved, path, zone_id="WD_CODE", cache=cache)
    assert (cache.hits, cache.misses) == (1, 2)
    assert table.loc["W1", "count"] == 50 * 100
    write_raster(tmp_path / "d.tif", np.ones((100, 100), dtype="uint8"), res=20.0, nodata=255)
    raster_zonal_stats(wards, tmp_path / "d.tif", zone_id="WD_CODE", cache=cache)
    assert cache.misses == 3  # another grid


def test_zones_outside_raster_raise_extent_error(tmp_path: Path) -> None:
    path = write_raster(
        tmp_path / "e.tif", np.ones((10, 10), dtype="uint8"), x0=0, y0=100, nodata=255
    )
    with pytest.raises(LayerExtentError, match=r"layer 'canopy'.*does not overlap the zones"):
        raster_zonal_stats(tiny_wards(), path, zone_id="WD_CODE", layer_name="canopy")


def test_raster_without_crs_raises_crs_error(tmp_path: Path) -> None:
    path = write_raster(
        tmp_path / "n.tif", np.ones((200, 200), dtype="uint8"), crs=None, nodata=255
    )
    with pytest.raises(LayerCRSError, match="the raster has no CRS.*Declare it"):
        raster_zonal_stats(tiny_wards(), path, zone_id="WD_CODE", layer_name="heat")
    table = raster_zonal_stats(tiny_wards(), path, zone_id="WD_CODE", crs=27700, cache=None)
    assert table["count"].tolist() == [10_000] * 4


def test_unknown_stat_and_missing_column_are_refused(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "u.tif", np.ones((200, 200), dtype="uint8"), nodata=255)
    with pytest.raises(LayerSchemaError, match="unknown statistic 'median'"):
        _stats(path, stats=["median"])
    with pytest.raises(LayerSchemaError, match="the zones have no column 'nope'"):
        raster_zonal_stats(tiny_wards(), path, zone_id="nope")


def test_missing_raster_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="raster file does not exist"):
        _stats(tmp_path / "absent.tif")


def test_sample_raster_at_points(tmp_path: Path) -> None:
    data = np.arange(200 * 200, dtype="float32").reshape(200, 200)
    data[199, 0] = -9999.0
    path = write_raster(tmp_path / "s.tif", data)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            [X0 + 5, X0 + 15, X0 + 1995, X0 - 50], [Y0 + 1995, Y0 + 1995, Y0 + 15, Y0]
        ),
        crs=27700,
    )
    values = sample_raster_at_points(pts, path, scale=2.0, offset=1.0)
    np.testing.assert_allclose(values[:3], [0 * 2 + 1, 1 * 2 + 1, (198 * 200 + 199) * 2 + 1])
    assert np.isnan(values[3])  # outside the raster
    hole = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 5, Y0 + 5)], crs=27700)
    assert np.isnan(sample_raster_at_points(hole, path)[0])


# --------------------------------------------------------------------------- vectors


def test_half_a_ward_under_a_flood_polygon() -> None:
    flood = gpd.GeoDataFrame(
        {"flood_zone": [3, 2, 2]},
        geometry=[
            shapely.box(X0, Y0, X0 + 500, Y0 + 1000),  # west half of W1, zone 3
            shapely.box(X0, Y0, X0 + 250, Y0 + 1000),  # overlapping zone 2: counts once
            shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 250),
        ],  # a quarter of W2
        crs=27700,
    )
    share = polygon_area_share(tiny_wards(), flood, zone_id="WD_CODE")
    np.testing.assert_allclose(share.loc["W1", ["area_m2", "share"]], [500_000, 0.5])
    np.testing.assert_allclose(share.loc["W2", "share"], 0.25)
    assert share.loc["W3", "share"] == 0
    by = polygon_area_share(tiny_wards(), flood, zone_id="WD_CODE", by="flood_zone")
    np.testing.assert_allclose(by.loc["W1", ["share_2", "share_3"]], [0.25, 0.5])


def test_area_share_reprojects_polygons_and_refuses_geographic_zones() -> None:
    flood = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 500, Y0 + 1000)], crs=27700)
    share = polygon_area_share(tiny_wards(), flood.to_crs(4326), zone_id="WD_CODE")
    np.testing.assert_allclose(share.loc["W1", "share"], 0.5, atol=1e-4)
    with pytest.raises(LayerCRSError, match="geographic; areas need metres"):
        polygon_area_share(tiny_wards().to_crs(4326), flood, zone_id="WD_CODE")


def test_points_in_zones_per_class() -> None:
    homes = tiny_residences()
    homes["flood_zone"] = ["FZ3", "FZ2", "none", "none", "FZ3", *["none"] * 3, "FZ2", "none"]
    table = points_in_zones(tiny_wards(), homes, zone_id="WD_CODE", sum_fields=["residents"])
    assert table["count"].tolist() == [4, 3, 2, 1]
    assert table["residents_sum"].tolist() == [8, 6, 4, 2]
    by = points_in_zones(
        tiny_wards(), homes, zone_id="WD_CODE", by="flood_zone", sum_fields=["residents"]
    )
    assert by.loc["W1", ["count_FZ2", "count_FZ3", "count_none"]].tolist() == [1, 1, 2]
    assert by.loc["W3", "residents_sum_FZ2"] == 2
    assert by.loc["W4", "count_FZ3"] == 0


# --------------------------------------------------------------------------- oracle


def _irregular_zones(x0: float, y0: float, size: float, n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    extent = shapely.box(x0 + 0.05 * size, y0 + 0.05 * size, x0 + 0.95 * size, y0 + 0.95 * size)
    pts = shapely.multipoints(rng.uniform([x0, y0], [x0 + size, y0 + size], (n, 2)))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=extent)), extent
    )
    return gpd.GeoDataFrame({"id": [f"Z{i}" for i in range(len(cells))]}, geometry=cells, crs=27700)


def _assert_agrees_with_exactextract(raster: Path, zones: gpd.GeoDataFrame, zone_id: str) -> None:
    exactextract = pytest.importorskip("exactextract")
    zones = zones.assign(zone_key=zones[zone_id].astype(str))  # exactextract treats "id" specially
    ours = raster_zonal_stats(zones, raster, zone_id="zone_key", stats=["mean"], cache=None)
    theirs = exactextract.exact_extract(
        str(raster), zones, ["mean"], include_cols=["zone_key"], output="pandas"
    ).set_index("zone_key")
    diff = (ours["mean"] - theirs["mean"].reindex(ours.index)).abs()
    assert diff.max() < 0.001, diff.sort_values().tail()


def test_mean_agrees_with_exactextract_on_synthetic_canopy(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    coarse = rng.random((40, 40)) < 0.25
    canopy = np.repeat(np.repeat(coarse, 75, axis=0), 75, axis=1).astype("uint8")  # 3000 px, 1 m
    canopy ^= (rng.random(canopy.shape) < 0.05).astype("uint8")  # ragged edges
    path = write_raster(tmp_path / "canopy.tif", canopy, y0=Y0 + 3000, res=1.0, nodata=255)
    _assert_agrees_with_exactextract(path, _irregular_zones(X0, Y0, 3000, 12, seed=3), "id")


def test_mean_agrees_with_exactextract_on_demo(demo_manifest: Path) -> None:
    manifest = demo_manifest
    wards = gpd.read_file(manifest.parent / "demo" / "wards.gpkg")
    id_field = next(c for c in wards.columns if c != "geometry")
    _assert_agrees_with_exactextract(manifest.parent / "demo" / "canopy.tif", wards, id_field)
