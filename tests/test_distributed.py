"""The distributed engine on a 2-worker LocalCluster gives the single-process results exactly."""

from __future__ import annotations

import pickle
import socket
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio import features
from rasterio.transform import from_origin

from coventry_geo import zonal
from coventry_geo.distributed import (
    cluster,
    raster_zonal_stats_distributed,
    residence_access_distributed,
)
from coventry_geo.errors import CoventryGeoError, PartialCoverageWarning
from coventry_geo.indicators.greenspace import (
    greenspace_sites,
    residence_access,
    site_access_points,
)
from coventry_geo.zonal import strips

distributed = pytest.importorskip("distributed")

CRS = 27700
X0, Y0 = 430_000.0, 270_000.0  # top-left corner of the test rasters
WIDTH, HEIGHT, BLOCK = 64, 80, 16
#: One block row per strip, so the raster has 5 strips.
STRIP_PIXELS = WIDTH * BLOCK
STATS = ["count", "sum", "mean", "min", "max", "coverage", "frac_above", "p10", "p90"]


def _set_strip_pixels(value: int) -> int:
    """Set the engine's strip size in this process (run on the workers); return the old one."""
    old = strips._STRIP_PIXELS
    strips._STRIP_PIXELS = value
    return old


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with cluster(workers=2) as c:
        c.run(_set_strip_pixels, STRIP_PIXELS)
        yield c


@pytest.fixture
def small_strips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strips, "_STRIP_PIXELS", STRIP_PIXELS)


def _raster(path: Path, data: np.ndarray, nodata: float | None) -> Path:
    profile = {
        "driver": "GTiff",
        "width": WIDTH,
        "height": HEIGHT,
        "count": 1,
        "dtype": data.dtype.name,
        "crs": CRS,
        "transform": from_origin(X0, Y0, 10, 10),
        "nodata": nodata,
        "tiled": True,
        "blockxsize": BLOCK,
        "blockysize": BLOCK,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data, 1)
    return path


def _zones() -> gpd.GeoDataFrame:
    """Zones crossing tile boundaries, overlapping, one in two parts, one half off the raster."""
    star = shapely.Polygon(
        [
            (
                X0 + 100 + 250 * np.cos(a) * (1 + 0.4 * np.sin(5 * a)),
                Y0 - 400 + 250 * np.sin(a) * (1 + 0.4 * np.sin(5 * a)),
            )
            for a in np.linspace(0, 2 * np.pi, 37)[:-1]
        ]
    )
    geoms = [
        shapely.box(X0 + 13, Y0 - 777, X0 + 333, Y0 - 21),  # spans 4 of the 5 strips
        star,  # overlaps the box: the later zone wins the shared pixels
        shapely.box(X0 + 400, Y0 - 900, X0 + 800, Y0 - 500),  # half east of the raster
        shapely.box(X0 + 350, Y0 - 150, X0 + 500, Y0 - 50),  # same id as the next one
        shapely.box(X0 + 420, Y0 - 790, X0 + 630, Y0 - 700),
    ]
    return gpd.GeoDataFrame({"zid": ["A", "B", "C", "D", "D"]}, geometry=geoms, crs=CRS)


def _compare(
    client: distributed.Client, path: Path, *, tile_rows: int = BLOCK, **kw: object
) -> pd.DataFrame:
    if "frac_above" in kw.get("stats", ()):
        kw = {"threshold": 60.0, **kw}
    one = zonal.raster_zonal_stats(_zones(), path, zone_id="zid", cache=None, **kw)
    many = raster_zonal_stats_distributed(
        _zones(), path, client=client, zone_id="zid", tile_rows=tile_rows, **kw
    )
    pd.testing.assert_frame_equal(many, one, check_exact=True)
    return one


@pytest.mark.usefixtures("small_strips")
def test_integer_raster_with_nodata_holes_is_identical(
    client: distributed.Client, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    data = rng.integers(0, 200, (HEIGHT, WIDTH)).astype("uint8")
    data[rng.random(data.shape) < 0.2] = 255
    table = _compare(client, _raster(tmp_path / "u8.tif", data, 255), stats=STATS)
    assert 0 < table.loc["C", "coverage"] < 0.6  # the results are not trivially empty
    assert table["count"].gt(0).all()


@pytest.mark.usefixtures("small_strips")
def test_float_raster_sums_and_quantiles_are_bit_identical(
    client: distributed.Client, tmp_path: Path
) -> None:
    # Values spanning six orders of magnitude, row by row. With this seed, adding up
    # per-tile totals instead of replaying the per-strip sums changes the last bits of
    # a zone's sum, so the test would catch it.
    rng = np.random.default_rng(2)
    data = (rng.random((HEIGHT, WIDTH)) * 10.0 ** rng.uniform(0, 6, (HEIGHT, 1))).astype("float32")
    data[rng.random(data.shape) < 0.15] = np.nan
    weights = rng.random((HEIGHT, WIDTH)).astype("float64")
    _raster(tmp_path / "w.tif", weights, None)
    table = _compare(
        client,
        _raster(tmp_path / "f32.tif", data, None),
        stats=STATS,
        weight_raster=tmp_path / "w.tif",
        tile_rows=2 * BLOCK,  # tiles of two strips: strip sums are replayed in order
        scale=0.5,
        offset=-3.0,
    )
    assert table["weighted_mean"].notna().all()


@pytest.mark.usefixtures("small_strips")
def test_categorical_fractions_are_identical(client: distributed.Client, tmp_path: Path) -> None:
    data = (np.arange(HEIGHT * WIDTH).reshape(HEIGHT, WIDTH) % 3).astype("uint8")
    table = _compare(client, _raster(tmp_path / "cls.tif", data, None), categorical=True)
    assert {"frac_0", "frac_1", "frac_2"} <= set(table.columns)


@pytest.mark.usefixtures("small_strips")
def test_windows_at_fractional_offsets_hold_every_pixel_gdal_burns(
    client: distributed.Client, tmp_path: Path
) -> None:
    # 40 polygons, each alone (its own window), on a non-square grid with a fractional
    # origin, in tiles of one strip: the workers' windows must not lose a row or column.
    transform = rasterio.Affine(0.7, 0.0, X0 + 0.37, 0.0, -0.45, Y0 - 0.61)
    path = tmp_path / "ones.tif"
    profile = {
        "driver": "GTiff",
        "width": WIDTH,
        "height": HEIGHT,
        "count": 1,
        "crs": CRS,
        "dtype": "uint8",
        "transform": transform,
        "tiled": True,
        "blockxsize": BLOCK,
        "blockysize": BLOCK,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(np.ones((HEIGHT, WIDTH), dtype="uint8"), 1)
    rng = np.random.default_rng(4)
    for i in range(40):
        col, row = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
        polygon = shapely.Point(transform * (col, row)).buffer(rng.uniform(0.3, 12) * 0.45)
        zone = gpd.GeoDataFrame({"zid": [i]}, geometry=[polygon], crs=CRS)
        table = raster_zonal_stats_distributed(
            zone, path, client=client, zone_id="zid", stats=["count"], tile_rows=BLOCK
        )
        gdal = features.rasterize([(polygon, 1)], out_shape=(HEIGHT, WIDTH), transform=transform)
        assert table.loc[i, "count"] == gdal.sum(), f"polygon {i}"


def test_a_raster_a_worker_cannot_read_is_a_clear_picklable_error(tmp_path: Path) -> None:
    from coventry_geo.zonal.reduce import ReducerSpec
    from coventry_geo.zonal.tiles import TileTask, reduce_tile

    spec = ReducerSpec(want_minmax=True, hist_range=None, collect_values=False)
    zones = _zones()
    task = TileTask(
        str(tmp_path / "gone.tif"),
        (0, 0, WIDTH, BLOCK),
        zones.geometry.values,
        np.arange(1, 6),
        1,
        None,
        None,
        spec,
        1,
        "canopy",
    )
    with pytest.raises(CoventryGeoError, match=r"on the Dask worker at .*layer 'canopy'") as info:
        reduce_tile(task)
    assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


# -- ANGSt ---------------------------------------------------------------------------------


def _greenspace(rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    boxes = []
    for x, y, side in zip(
        rng.uniform(0, 8000, 40), rng.uniform(0, 8000, 40), rng.uniform(50, 900, 40), strict=True
    ):
        boxes.append(shapely.box(x, y, x + side, y + side))
    parcels = gpd.GeoDataFrame(
        {
            "site_id": [f"p{i}" for i in range(40)],
            "natural": rng.random(40) < 0.7,
            "access": "public",
        },
        geometry=boxes,
        crs=CRS,
    )
    sites = greenspace_sites(parcels)
    corners = shapely.get_coordinates(parcels.geometry.values)[::5][:8]
    gates_in = gpd.GeoDataFrame(
        {"site_id": parcels["site_id"].to_numpy()[:8]},
        geometry=gpd.points_from_xy(corners[:, 0], corners[:, 1]),
        crs=CRS,
    )
    return sites, site_access_points(gates_in, sites)


def _homes(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    xy = rng.uniform(500, 7500, (n, 2))
    return gpd.GeoDataFrame(
        {"uprn": np.arange(n) * 7, "residents": rng.integers(1, 5, n)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=CRS,
        index=pd.Index(np.arange(n)[::-1] * 3),  # not a RangeIndex: the order must come back
    )


def test_angst_chunks_are_identical_and_warn_once(client: distributed.Client) -> None:
    rng = np.random.default_rng(5)
    sites, gates = _greenspace(rng)
    homes = _homes(rng, 600)
    # The layer spans ~9 km: the 10 km tier cannot be judged for every residence.
    with pytest.warns(PartialCoverageWarning, match="angst_500ha_10km") as one_warning:
        one = residence_access(homes, sites, standard="angst_2010", access_points=gates)
    with pytest.warns(PartialCoverageWarning, match="angst_500ha_10km") as many_warnings:
        many = residence_access_distributed(
            homes, sites, client=client, standard="angst_2010", access_points=gates, chunk_size=150
        )
    assert [str(w.message) for w in many_warnings] == [str(w.message) for w in one_warning]
    pd.testing.assert_frame_equal(many, one, check_exact=True)
    assert isinstance(many, gpd.GeoDataFrame)
    assert many.crs == homes.crs


def test_spatial_chunks_partition_the_residences() -> None:
    from coventry_geo.distributed import _spatial_chunks

    homes = _homes(np.random.default_rng(6), 1001)
    chunks = _spatial_chunks(homes, 100)
    assert len(chunks) == 11
    assert np.array_equal(np.sort(np.concatenate(chunks)), np.arange(1001))
    # Compact: each chunk spans far less than the whole 7 km square.
    xy = shapely.get_coordinates(homes.geometry.values)
    spans = [np.ptp(xy[c], axis=0).min() for c in chunks]
    assert max(spans) < 4000


# -- cluster -------------------------------------------------------------------------------


def test_unreachable_scheduler_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with (
        pytest.raises(CoventryGeoError, match=rf"cannot reach the Dask scheduler at '{address}'"),
        cluster(scheduler=address, timeout=1),
    ):
        pass


def test_scheduler_or_workers_exactly_one() -> None:
    with pytest.raises(CoventryGeoError, match="exactly one of scheduler="), cluster():
        pass
    with pytest.raises(CoventryGeoError, match="workers must be at least 1"), cluster(workers=0):
        pass


def test_cli_run_on_workers_matches_the_single_process_run(tiny_study, tmp_path):
    from click.testing import CliRunner

    from coventry_geo.cli import cli

    manifest = str(tiny_study())
    runs = {}
    for name, extra in (("single", []), ("workers", ["--workers", "2"])):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["run", manifest, "--out", str(out), "--no-cache", *extra])
        assert result.exit_code == 0, result.output
        runs[name] = pd.read_csv(out / "wards.csv")
    pd.testing.assert_frame_equal(runs["single"], runs["workers"])
    assert runs["workers"]["lst_mean_c"].tolist() == pytest.approx([20, 20, 30, 30])


def test_cli_refuses_scheduler_and_workers_together(tiny_study):
    from click.testing import CliRunner

    from coventry_geo.cli import cli

    result = CliRunner().invoke(
        cli, ["run", str(tiny_study()), "--workers", "2", "--scheduler", "x"]
    )
    assert result.exit_code == 2
    assert "not both" in result.output
