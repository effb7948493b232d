"""Tests of the NB2 green-and-blue database (coventry_geo.indicators.green_blue)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS
from scipy import ndimage

from coventry_geo.columns import column_info
from coventry_geo.demo import generate_demo
from coventry_geo.errors import LayerCRSError, LayerSchemaError, OutputError
from coventry_geo.indicators.green_blue import (
    ASSET_COLUMNS,
    LINE_LAYER,
    POLYGON_LAYER,
    canopy_patches,
    green_blue_assets,
    ward_green_blue_summary,
    write_green_blue_database,
)
from coventry_geo.indicators.greenspace import greenspace_sites
from coventry_geo.layers.raster import RasterLayer
from coventry_geo.study import open_study

BNG = "EPSG:27700"
NODATA = 255
#: 1 m pixels; the grid's top-left corner.
X0, Y0 = 1000.0, 2000.0


# --------------------------------------------------------------------------- canopy fixtures


def _canopy_grid() -> np.ndarray:
    """A 20 x 20 mask with known blobs (tiles of 8 px cut it at rows/cols 8 and 16).

    * A: 3 x 4 = 12 px at rows 1-3, cols 1-4 (inside the first tile);
    * B: 28 px, rows 6-9 x cols 5-11, crossing the tile edges at row 8 and col 8;
      every piece of it in one 8 px tile has fewer than 12 px;
    * C: 2 x 2 = 4 px at rows 12-13, cols 1-2 (below the minimum);
    * D: a 5 x 5 ring with a 1 px hole, rows 12-16 x cols 12-16 (24 px), crossing row 16
      and col 16;
    * E: one pixel touching B only at a corner (row 5, col 4): not 4-connected;
    * a nodata strip on the last row.
    """
    grid = np.zeros((20, 20), dtype=np.uint8)
    grid[1:4, 1:5] = 1
    grid[6:10, 5:12] = 1
    grid[12:14, 1:3] = 1
    grid[12:17, 12:17] = 1
    grid[14, 14] = 0
    grid[5, 4] = 1
    grid[19, :] = NODATA
    return grid


def _raster(
    tmp_path: Path, values: np.ndarray, *, scale: float = 1.0, crs: str = BNG
) -> RasterLayer:
    path = tmp_path / "canopy.tif"
    transform = Affine(1.0, 0.0, X0, 0.0, -1.0, Y0)
    profile = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": values.dtype,
        "crs": crs,
        "transform": transform,
        "nodata": NODATA,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(values, 1)
    return RasterLayer(
        name="canopy",
        path=str(path),
        file=str(path),
        band=1,
        crs=CRS.from_user_input(crs),
        transform=transform,
        width=values.shape[1],
        height=values.shape[0],
        nodata=NODATA,
        dtype=str(values.dtype),
        scale=scale,
        unit="fraction",
    )


@pytest.fixture
def canopy_layer(tmp_path: Path) -> RasterLayer:
    return _raster(tmp_path, _canopy_grid())


# --------------------------------------------------------------------------- canopy patches


@pytest.mark.parametrize("tile_px", [3, 8, 64])
def test_canopy_patches_join_across_tiles_and_drop_small(canopy_layer, tile_px):
    patches = canopy_patches(canopy_layer, min_area_m2=12, tile_px=tile_px)
    # raster order: A (top row 1), B (top row 6), D (top row 12); C and E are too small
    assert patches["n_pixels"].tolist() == [12, 28, 24]
    assert patches["area_m2"].tolist() == [12.0, 28.0, 24.0]
    assert patches["patch_id"].tolist() == [1, 2, 3]
    assert (shapely.get_type_id(patches.geometry.to_numpy()) == 3).all()  # one Polygon each
    assert patches.geometry.is_valid.all()
    b = patches.geometry.iloc[1]
    assert b.equals(shapely.box(X0 + 5, Y0 - 10, X0 + 12, Y0 - 6))
    d = patches.geometry.iloc[2]
    assert len(d.interiors) == 1  # the hole of the ring is kept
    assert patches.crs == CRS.from_user_input(BNG)


def test_canopy_patches_minimum_is_inclusive_and_zero_keeps_all(canopy_layer):
    assert canopy_patches(canopy_layer, min_area_m2=12.5)["n_pixels"].tolist() == [28, 24]
    everything = canopy_patches(canopy_layer, min_area_m2=0)
    assert sorted(everything["n_pixels"].tolist()) == [1, 4, 12, 24, 28]


def test_canopy_patches_threshold_on_percent_values(tmp_path):
    values = np.zeros((6, 6), dtype=np.uint8)
    values[1:3, 1:3] = 60  # 60 % canopy: in at threshold 0.5
    values[4:6, 4:6] = 40  # 40 %: out at 0.5, in at 0.4
    layer = _raster(tmp_path, values, scale=0.01)
    assert canopy_patches(layer, min_area_m2=1)["n_pixels"].tolist() == [4]
    assert canopy_patches(layer, min_area_m2=1, threshold=0.4)["n_pixels"].tolist() == [4, 4]


def test_canopy_patches_clipped_to_study_area_and_reprojected(canopy_layer):
    # keep the left half of A (cols 1-2): 6 m² of its 12
    area = shapely.box(X0, Y0 - 4, X0 + 3, Y0)
    clipped = canopy_patches(canopy_layer, min_area_m2=10, study_area=area)
    assert clipped["area_m2"].tolist() == pytest.approx([6.0])
    assert clipped["n_pixels"].tolist() == [12]
    moved = canopy_patches(canopy_layer, min_area_m2=10, crs="EPSG:3857")
    assert moved.crs == CRS.from_user_input("EPSG:3857")
    # Web Mercator inflates areas by about 1/cos²(lat) ≈ 2.6 at this latitude
    assert (moved["area_m2"] > 2 * np.array([12, 28, 24])).all()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold": 0.0}, r"threshold must be a canopy fraction in \(0, 1\]; got 0.0"),
        ({"min_area_m2": -1}, r"min_area_m2 must be 0 or more"),
    ],
)
def test_canopy_patches_bad_options(canopy_layer, options, message):
    with pytest.raises(ValueError, match=message):
        canopy_patches(canopy_layer, **options)


def test_canopy_patches_refuses_geographic_raster(tmp_path):
    layer = _raster(tmp_path, _canopy_grid(), crs="EPSG:4326")
    with pytest.raises(LayerCRSError, match=r"layer 'canopy'.*not projected.*gdalwarp"):
        canopy_patches(layer)


# --------------------------------------------------------------------------- asset table


@pytest.fixture
def wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_id": ["W1", "W2"], "residents": [2000, 0]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=BNG,
    )


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["S2", "S1"], "name": ["Far Field", "Brook Park"], "access": ["public", None]},
        geometry=[shapely.box(300, 0, 310, 10), shapely.box(50, 20, 150, 40)],
        crs=BNG,
    )


@pytest.fixture
def blue() -> dict[str, gpd.GeoDataFrame]:
    lines = gpd.GeoDataFrame(
        {"blue_id": ["R1", "R2"], "name": ["River A", "Boundary Brook"], "type": ["river"] * 2},
        geometry=[
            shapely.LineString([(10, 50), (190, 50)]),  # 90 m in each ward
            shapely.LineString([(100, 60), (100, 90)]),  # 30 m along the shared edge
        ],
        crs=BNG,
    )
    ponds = gpd.GeoDataFrame(
        {"type": ["water_body"]}, geometry=[shapely.box(120, 60, 140, 80)], crs=BNG
    )
    return {"blue_lines": lines, "ponds": ponds}


@pytest.fixture
def patches() -> gpd.GeoDataFrame:
    # half inside the site Brook Park (y 30-40), half outside (y 40-50), in W1
    return gpd.GeoDataFrame(
        {"patch_id": [1], "n_pixels": [200], "area_m2": [200.0]},
        geometry=[shapely.box(60, 30, 70, 50)],
        crs=BNG,
    )


@pytest.fixture
def assets(sites, wards, blue, patches) -> gpd.GeoDataFrame:
    return green_blue_assets(sites=sites, wards=wards, blue=blue, canopy_patches=patches)


def test_assets_schema_ids_and_measures(assets):
    assert list(assets.columns) == [*ASSET_COLUMNS, "geometry"]
    rows = assets.set_index("asset_id")
    # S2 lies in no ward and is left out; ids numbered per prefix in source-id order
    assert rows.index.tolist() == ["GS-000001", "CP-000001", "BL-000001", "BL-000002", "BL-000003"]
    assert rows["source_id"].tolist() == ["S1", "1", "R1", "R2", "0"]
    assert rows["source_layer"].tolist() == ["greenspace", "canopy"] + ["blue_lines"] * 2 + [
        "ponds"
    ]
    assert rows["category"].tolist() == ["green", "green", "blue", "blue", "blue"]
    assert rows["type"].tolist() == [
        "greenspace site",
        "tree canopy",
        "river",
        "river",
        "water_body",
    ]
    assert rows.loc["GS-000001", "area_ha"] == pytest.approx(0.2)
    assert rows.loc["CP-000001", "area_ha"] == pytest.approx(0.02)
    assert rows.loc["BL-000003", "area_ha"] == pytest.approx(0.04)
    assert rows.loc["BL-000001", "length_m"] == pytest.approx(180.0)
    assert rows.loc[["BL-000001", "BL-000002"], "area_ha"].isna().all()
    assert rows.loc[["GS-000001", "CP-000001", "BL-000003"], "length_m"].isna().all()
    assert rows.loc["GS-000001", "name"] == "Brook Park"
    assert pd.isna(rows.loc["CP-000001", "name"])


def test_assets_list_every_ward_they_have_area_or_length_in(assets):
    wards_of = assets.set_index("source_id")["wards"]
    assert wards_of["S1"] == "W1;W2"  # the site spans both wards
    assert wards_of["R1"] == "W1;W2"
    assert wards_of["R2"] == "W1;W2"  # along the shared edge: in both
    assert wards_of["1"] == "W1"
    assert wards_of["0"] == "W2"


def test_site_type_and_access_from_largest_parcel(wards):
    parcels = gpd.GeoDataFrame(
        {
            "site_id": ["P1", "P2"],
            "type": ["Play Space", "Public Park Or Garden"],
            "access": ["public", "public"],
        },
        geometry=[shapely.box(10, 10, 20, 20), shapely.box(20, 10, 60, 50)],  # they touch
        crs=BNG,
    )
    merged = greenspace_sites(parcels)
    assert len(merged) == 1
    table = green_blue_assets(sites=merged, wards=wards, parcels=parcels)
    assert table["type"].tolist() == ["Public Park Or Garden"]
    assert table["access"].tolist() == ["public"]
    bare = green_blue_assets(sites=merged, wards=wards)
    assert bare["type"].tolist() == ["greenspace site"]
    assert bare["access"].tolist() == ["public"]  # from the sites' accessible flag


def test_blue_layer_without_type_is_refused(sites, wards):
    untyped = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=BNG)
    with pytest.raises(LayerSchemaError, match=r"layer 'brooks'.*no 'type' field.*Fix: map type"):
        green_blue_assets(sites=sites, wards=wards, blue={"brooks": untyped})


def test_points_are_refused(wards):
    points = gpd.GeoDataFrame(geometry=[shapely.Point(5, 5)], crs=BNG)
    with pytest.raises(LayerSchemaError, match=r"layer 'greenspace'.*\['Point'\], not polygons"):
        green_blue_assets(sites=points, wards=wards)


# --------------------------------------------------------------------------- per-ward summary


def test_summary_splits_by_ward_and_counts_overlaps_once(assets, wards):
    summary = ward_green_blue_summary(assets, wards)
    # W1: site part 50x20 = 1000 m² + canopy outside the site 10x10 = 100 m²; W2: 1000 m²
    assert summary["green_ha"].tolist() == pytest.approx([0.11, 0.10])
    assert summary["blue_ha"].tolist() == pytest.approx([0.0, 0.04])
    # R1 90 m in each ward; R2 (30 m on the shared edge) in the first ward only
    assert summary["blue_km"].tolist() == pytest.approx([0.12, 0.09])
    assert summary["blue_km"].sum() == pytest.approx(assets["length_m"].sum() / 1000)
    # per 1,000 residents: W1 has 2,000; W2 none (NaN, not infinity)
    assert summary.loc["W1", "green_ha_per_1000"] == pytest.approx(0.055)
    assert summary.loc["W1", "blue_km_per_1000"] == pytest.approx(0.06)
    assert summary.loc["W2", ["green_ha_per_1000", "blue_ha_per_1000"]].isna().all()


def test_summary_residents_argument_and_absence(assets, wards):
    residents = pd.Series({"W1": 500.0, "W2": 1000.0})
    given = ward_green_blue_summary(assets, wards, residents=residents)
    assert given["blue_ha_per_1000"].tolist() == pytest.approx([0.0, 0.04])
    without = ward_green_blue_summary(assets, wards.drop(columns="residents"))
    assert list(without.columns) == ["green_ha", "blue_ha", "blue_km"]


def test_summary_columns_are_registered():
    for name, unit in [
        ("green_ha", "ha"),
        ("blue_km", "km"),
        ("blue_ha_per_1000", "ha per 1,000 residents"),
    ]:
        info = column_info(name)
        assert (info.family, info.unit, info.higher_is_worse) == ("green_blue", unit, False)


# --------------------------------------------------------------------------- GeoPackage


def test_database_has_two_layers_of_one_schema(assets, tmp_path):
    path = write_green_blue_database(assets, tmp_path / "green_blue.gpkg")
    assert {name for name, _ in pyogrio.list_layers(path)} == {POLYGON_LAYER, LINE_LAYER}
    polygons = gpd.read_file(path, layer=POLYGON_LAYER)
    lines = gpd.read_file(path, layer=LINE_LAYER)
    assert list(polygons.columns) == list(lines.columns) == [*ASSET_COLUMNS, "geometry"]
    assert len(polygons) == 3
    assert len(lines) == 2
    assert set(polygons.geom_type) == {"MultiPolygon"}
    assert lines["length_m"].sum() == pytest.approx(210.0)
    assert polygons.crs == CRS.from_user_input(BNG)
    assert [p.name for p in tmp_path.iterdir()] == ["green_blue.gpkg"]  # no staging left


def test_database_replaces_atomically_and_reports_failure(assets, tmp_path):
    path = tmp_path / "gb.gpkg"
    write_green_blue_database(assets, path)
    write_green_blue_database(assets.iloc[:1], path)
    assert len(gpd.read_file(path, layer=POLYGON_LAYER)) == 1
    assert len(gpd.read_file(path, layer=LINE_LAYER)) == 0
    with pytest.raises(OutputError, match=r"cannot write the green-and-blue database .*missing"):
        write_green_blue_database(assets, tmp_path / "missing" / "gb.gpkg")


# --------------------------------------------------------------------------- the demo city


@pytest.fixture(scope="module")
def demo_study(tmp_path_factory):
    return open_study(generate_demo(tmp_path_factory.mktemp("demo")))


@pytest.fixture(scope="module")
def demo_patches(demo_study):
    return canopy_patches(demo_study.raster("canopy"), crs=demo_study.crs)


def test_demo_patch_area_matches_raster_minus_sieved(demo_study, demo_patches):
    layer = demo_study.raster("canopy")
    with rasterio.open(layer.path) as ds:
        labels, _ = ndimage.label(ds.read(1) == 1)
    sizes = np.bincount(labels.ravel())[1:]
    kept_px = sizes[sizes * layer.pixel_area_m2 >= 100.0].sum()
    assert len(demo_patches) == int((sizes * layer.pixel_area_m2 >= 100.0).sum())
    assert demo_patches["area_m2"].sum() == pytest.approx(kept_px * layer.pixel_area_m2, rel=1e-9)
    assert demo_patches["area_m2"].min() >= 100.0


def test_demo_database(demo_study, demo_patches, tmp_path):
    wards = demo_study.wards
    parcels = demo_study.vector("greenspace")
    blue = {name: demo_study.vector(name) for name in demo_study.manifest.names_of("blue")}
    assets = green_blue_assets(
        sites=greenspace_sites(parcels),
        wards=wards,
        blue=blue,
        canopy_patches=demo_patches,
        parcels=parcels,
    )
    assert list(assets.columns) == [*ASSET_COLUMNS, "geometry"]
    assert assets["asset_id"].is_unique
    counts = assets.groupby("source_layer").size()
    assert counts["blue_lines"] == len(blue["blue_lines"])
    assert counts["blue_polygons"] <= len(blue["blue_polygons"])
    assert 0 < counts["canopy"] <= len(demo_patches)
    assert set(assets.loc[assets["source_layer"] == "greenspace", "type"]) <= set(parcels["type"])
    assert (assets["wards"] != "").all()
    path = write_green_blue_database(assets, tmp_path / "green_blue.gpkg")
    written = [gpd.read_file(path, layer=layer) for layer in (POLYGON_LAYER, LINE_LAYER)]
    assert sum(len(layer) for layer in written) == len(assets)
    summary = ward_green_blue_summary(assets, wards)
    area_ha = wards.set_index("ward_id").area / 10_000
    assert (summary["green_ha"] <= area_ha + 1e-6).all()
    lines = assets.loc[assets["length_m"].notna()]
    inside_km = shapely.intersection(lines.geometry.to_numpy(), demo_study.study_area)
    assert summary["blue_km"].sum() == pytest.approx(shapely.length(inside_km).sum() / 1000)
