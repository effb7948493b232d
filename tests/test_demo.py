"""Tests of the synthetic demo city (coventry_geo.demo).

The demo is generated once per session by the ``demo_manifest`` fixture (movable
to tests/conftest.py as is); the determinism test generates it once more.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.features import rasterize

from coventry_geo import demo
from coventry_geo.demo import build_tables, generate_demo, to_toml
from coventry_geo.manifest import read_manifest

#: The brief's figures for the demo city.
CENTRE = (433_500.0, 279_000.0)
POPULATION = 345_000
RESIDENCES = 140_000
GREENSPACE_TYPES = {
    "Public Park Or Garden",
    "Playing Field",
    "Allotments Or Community Growing Spaces",
    "Nature Reserve",
    "Woodland",
    "Cemetery",
    "Golf Course",
    "Play Space",
    "Religious Grounds",
}


def _spec(manifest: Path, name: str) -> dict:
    with manifest.open("rb") as fh:
        return tomllib.load(fh)["layers"][name]


def _path(manifest: Path, name: str) -> Path:
    return manifest.parent / _spec(manifest, name)["path"]


def _read(manifest: Path, name: str) -> gpd.GeoDataFrame:
    """Read a vector layer and rename its columns to the toolkit's names (via fields)."""
    spec = _spec(manifest, name)
    gdf = gpd.read_file(manifest.parent / spec["path"], layer=spec.get("layer"))
    return gdf.rename(columns={v: k for k, v in spec.get("fields", {}).items()})


def _hashes(manifest: Path) -> dict[str, str]:
    folder = manifest.parent / "demo"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def city(demo_manifest: Path) -> shapely.Geometry:
    return shapely.union_all(_read(demo_manifest, "wards").geometry.to_numpy())


@pytest.fixture(scope="module")
def wards(demo_manifest: Path) -> gpd.GeoDataFrame:
    return _read(demo_manifest, "wards")


@pytest.fixture(scope="module")
def areas(demo_manifest: Path, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    areas = _read(demo_manifest, "small_areas")
    inter = gpd.overlay(
        areas[["area_id", "geometry"]], wards[["ward_id", "geometry"]], keep_geom_type=True
    )
    inter["share"] = inter.area / inter["area_id"].map(areas.set_index("area_id").area)
    best = inter.sort_values("share").groupby("area_id").last()
    return areas.join(best[["ward_id", "share"]], on="area_id")


# --- manifest -----------------------------------------------------------------------------


def test_manifest_parses_and_every_path_exists(demo_manifest: Path) -> None:
    with demo_manifest.open("rb") as fh:
        doc = tomllib.load(fh)
    study = doc["study"]
    assert study["name"] == "Demo City (synthetic)"
    assert (study["code"], study["crs"], study["ward_layer"]) == ("demo", "EPSG:27700", "wards")
    assert study["synthetic"] is True
    assert "seed 2026" in study["attribution"]
    for name, spec in doc["layers"].items():
        path = demo_manifest.parent / spec["path"]
        assert path.is_file(), name
        assert spec["source"] == "synthetic (coventry_geo.demo, seed 2026)"
        assert spec["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), name


def test_manifest_is_accepted_by_read_manifest(demo_manifest: Path) -> None:
    manifest = read_manifest(demo_manifest)
    assert manifest.study.synthetic
    assert sorted(manifest.names_of("blue")) == ["blue_lines", "blue_polygons"]
    assert manifest.layers["wards"].column("ward_id") == "WD_CODE"


def test_file_columns_differ_from_toolkit_names(demo_manifest: Path) -> None:
    spec = _spec(demo_manifest, "wards")
    columns = gpd.read_file(_path(demo_manifest, "wards")).columns
    assert {"WD_CODE", "WD_NAME"} <= set(columns)
    assert "ward_id" not in columns
    assert spec["fields"] == {"ward_id": "WD_CODE", "ward_name": "WD_NAME"}


# --- determinism and regeneration ---------------------------------------------------------


def test_same_seed_gives_identical_files(demo_manifest: Path, tmp_path: Path) -> None:
    again = generate_demo(tmp_path / "again")
    assert _hashes(again) == _hashes(demo_manifest)
    assert again.read_text() == demo_manifest.read_text()


def test_different_seed_gives_different_layers() -> None:
    first, _ = build_tables(2026)
    other, _ = build_tables(2027)
    for name in ("wards", "small_areas", "greenspace"):
        a, b = (shapely.get_coordinates(t[name]["geometry"].to_numpy()) for t in (first, other))
        assert a.shape != b.shape or not np.allclose(a, b), name
    assert not np.allclose(first["residences"][["x", "y"]], other["residences"][["x", "y"]])


def test_complete_demo_is_not_regenerated(demo_manifest: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (demo_manifest.parent / "demo").iterdir()}
    assert generate_demo(demo_manifest.parent) == demo_manifest
    after = {p: p.stat().st_mtime_ns for p in (demo_manifest.parent / "demo").iterdir()}
    assert after == before


def _fake_writer(folder: Path, seed: int) -> None:
    for name in demo._LAYERS:
        (folder / demo._file(name)).write_text(f"{name} {seed}")


@pytest.mark.parametrize(
    ("seed", "remove", "overwrite"),
    [(2026, "canopy.tif", False), (2027, None, False), (2026, None, True)],
    ids=["missing-file", "other-seed", "overwrite"],
)
def test_incomplete_or_other_demo_is_regenerated(
    demo_manifest: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    remove: str | None,
    overwrite: bool,
) -> None:
    (tmp_path / "demo").mkdir()
    for path in (demo_manifest.parent / "demo").iterdir():
        (tmp_path / "demo" / path.name).symlink_to(path)
    (tmp_path / "demo.toml").write_text(demo_manifest.read_text())
    if remove:
        (tmp_path / "demo" / remove).unlink()
    monkeypatch.setattr(demo, "_write_layers", _fake_writer)
    manifest = generate_demo(tmp_path, seed=seed, overwrite=overwrite)
    assert (tmp_path / "demo" / "wards.gpkg").read_text() == f"wards {seed}"
    assert f"seed {seed}" in manifest.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "demo.toml"]


def test_interrupted_generation_leaves_no_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(folder: Path, seed: int) -> None:
        (folder / "wards.gpkg").write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_write_layers", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate_demo(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_to_toml_round_trips() -> None:
    doc = {
        "study": {"name": 'Démo "City" \\ x', "synthetic": True, "n": 3, "x": 0.25},
        "layers": {"wards": {"kind": "wards", "fields": {"ward_id": "WD_CODE"}}},
    }
    assert tomllib.loads(to_toml(doc)) == doc


# --- the city -----------------------------------------------------------------------------


def test_eighteen_wards_tile_the_city(
    wards: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, city: shapely.Geometry
) -> None:
    assert len(wards) == 18
    assert wards["ward_id"].tolist() == [f"DEMO-W{i:02d}" for i in range(1, 19)]
    assert wards["ward_name"].is_unique
    assert set(wards.geom_type) == {"Polygon"}
    assert 95e6 < city.area < 105e6
    assert wards.area.sum() == pytest.approx(city.area, rel=1e-7)  # no overlaps
    small_union = shapely.union_all(areas.geometry.to_numpy())
    assert shapely.symmetric_difference(city, small_union).area < 1.0  # no gaps
    assert city.geom_type == "Polygon"
    assert len(city.interiors) == 0
    assert city.minimum_rotated_rectangle.area > 1.05 * city.area  # not a rectangle


def test_small_areas_nest_in_wards(areas: gpd.GeoDataFrame) -> None:
    assert 190 <= len(areas) <= 210
    assert areas["area_id"].is_unique
    assert (areas["share"] > 1 - 1e-6).all()
    assert areas.groupby("ward_id").size().min() >= 4


def test_population_and_deprivation(areas: gpd.GeoDataFrame) -> None:
    assert areas["population"].sum() == pytest.approx(POPULATION, rel=0.02)
    assert areas["imd_decile"].between(1, 10).all()
    assert (np.ceil(areas["imd_rank"] / 3284.4) == areas["imd_decile"]).all()
    by_score = areas.sort_values("imd_score")
    assert by_score["imd_rank"].is_monotonic_decreasing
    assert (areas["age_0_15"] + areas["age_65_plus"] < areas["population"]).all()
    centre = shapely.Point(CENTRE)
    near = areas[areas.distance(centre) < 1500]
    assert near["imd_score"].mean() > areas["imd_score"].mean()


def test_residences_add_up_to_population(demo_manifest: Path, areas: gpd.GeoDataFrame) -> None:
    homes = _read(demo_manifest, "residences")
    assert len(homes) == pytest.approx(RESIDENCES, rel=0.01)
    assert homes["residence_id"].is_unique
    assert (homes["residents"] >= homes["households"]).all()
    assert (homes["households"] >= 1).all()
    totals = homes.groupby("area_id")["residents"].sum()
    pd.testing.assert_series_equal(
        totals.sort_index(),
        areas.set_index("area_id")["population"].sort_index(),
        check_names=False,
        check_dtype=False,
    )
    placed = gpd.sjoin(homes, areas[["area_id", "geometry"]], predicate="within")
    assert (placed["area_id_left"] == placed["area_id_right"]).mean() > 0.999


def test_no_residence_in_water_or_parks(demo_manifest: Path) -> None:
    homes = _read(demo_manifest, "residences")
    for layer in ("blue_polygons", "greenspace"):
        hits = gpd.sjoin(homes, _read(demo_manifest, layer)[["geometry"]], predicate="within")
        assert hits.empty, layer


# --- rasters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "dtype", "block"), [("heat", "float32", 256), ("canopy", "uint8", 512)]
)
def test_rasters_have_nodata_crs_tiles(
    demo_manifest: Path, name: str, dtype: str, block: int
) -> None:
    with rasterio.open(_path(demo_manifest, name)) as src:
        assert src.nodata is not None
        assert src.crs.to_epsg() == 27700
        assert src.dtypes[0] == dtype
        assert src.block_shapes[0] == (block, block)
        assert src.compression.value == "DEFLATE"


def test_canopy_is_eleven_percent_and_lower_where_deprived(
    demo_manifest: Path, wards: gpd.GeoDataFrame, areas: gpd.GeoDataFrame
) -> None:
    with rasterio.open(_path(demo_manifest, "canopy")) as src:
        mask = src.read(1, out_shape=(src.height // 2, src.width // 2))  # every other pixel
        labels = rasterize(
            zip(wards.geometry, range(1, len(wards) + 1), strict=True),
            out_shape=mask.shape,
            transform=src.transform * src.transform.scale(2),
            dtype="uint8",
        )
    assert set(np.unique(mask)) == {0, 1, 255}
    inside = labels > 0
    assert (mask[inside] != 255).all()
    assert 0.10 <= (mask[inside] == 1).mean() <= 0.12
    canopy = np.bincount(labels[inside], weights=mask[inside] == 1, minlength=19)[1:]
    ward_canopy = pd.Series(
        canopy / np.bincount(labels[inside], minlength=19)[1:], index=wards["ward_id"]
    )
    pop = areas["population"]
    deprivation = (areas["imd_score"] * pop).groupby(areas["ward_id"]).sum() / pop.groupby(
        areas["ward_id"]
    ).sum()
    order = deprivation.sort_values().index
    assert ward_canopy[order[-3:]].mean() < ward_canopy[order[:3]].mean()


def test_heat_island(demo_manifest: Path, city: shapely.Geometry) -> None:
    with rasterio.open(_path(demo_manifest, "heat")) as src:
        lst = src.read(1, masked=True)
        core = rasterize(
            [(shapely.Point(CENTRE).buffer(1000.0), 1)],
            out_shape=src.shape,
            transform=src.transform,
        ).astype(bool)
        edge = rasterize(
            [(city.difference(city.buffer(-500.0)), 1)],
            out_shape=src.shape,
            transform=src.transform,
        ).astype(bool)
    assert lst[core].mean() - lst[edge].mean() > 2.0
    assert not lst[core].mask.any()


# --- other layers -------------------------------------------------------------------------


def test_nature_reserves_are_green_sites_in_natural_englands_columns(
    demo_manifest: Path, city: shapely.Geometry
) -> None:
    reserves = _read(demo_manifest, "nature_reserves")
    assert _spec(demo_manifest, "nature_reserves")["preset"] == "ne_local_nature_reserves"
    assert {"LNR_NAME", "LNR_AREA", "REFERENCE", "STATUS"} <= set(reserves.columns)
    assert 4 <= len(reserves) <= 15
    assert reserves["LNR_AREA"].to_numpy() == pytest.approx(reserves.area / 1e4, abs=0.006)
    assert reserves["REFERENCE"].str.fullmatch(r"SP\d{4}").all()
    green = shapely.union_all(_read(demo_manifest, "greenspace").geometry.to_numpy())
    on_green = reserves.intersection(green).area / reserves.area
    assert (on_green > 0.999).all()  # every reserve is (part of) a greenspace site
    assert (reserves.distance(city) <= 2000).all()


def test_residential_land_leaves_out_greenspace_and_holds_the_homes(
    demo_manifest: Path, city: shapely.Geometry
) -> None:
    land = shapely.union_all(_read(demo_manifest, "residential_land").geometry.to_numpy())
    green = shapely.union_all(_read(demo_manifest, "greenspace").geometry.to_numpy())
    assert land.intersection(green).area < 1.0  # m², edge slivers at most
    assert land.difference(city).area < 10.0  # m², the 0.01 m grid along a 45 km boundary
    assert 0.5 * city.area < land.area < city.area
    homes = _read(demo_manifest, "residences")
    on_land = shapely.intersects(homes.geometry.to_numpy(), land.buffer(0.5))
    assert on_land.mean() > 0.99


def test_greenspace_reaches_ten_km_and_spans_angst_tiers(
    demo_manifest: Path, city: shapely.Geometry
) -> None:
    green = _read(demo_manifest, "greenspace")
    beyond = np.array(green.total_bounds) - np.array(city.bounds)
    assert (beyond * [-1, -1, 1, 1] >= 10_000).all()  # the 10 km tier can be judged everywhere
    assert green.distance(city).max() <= 10_500
    assert set(green["type"]) == GREENSPACE_TYPES
    assert set(green["access"]) <= {"public", "restricted", "private"}
    assert green["site_id"].is_unique
    ha = green.area / 1e4
    outside = ~green.intersects(city)
    assert (ha[outside] >= 500).any()
    assert (ha[outside] >= 100).sum() >= 3
    assert ha.min() <= 0.15
    assert ha[~outside].max() >= 20
    assert green["name"].str.contains("Local Nature Reserve").any()


def test_greenspace_has_adjoining_parcels(demo_manifest: Path) -> None:
    green = _read(demo_manifest, "greenspace")
    pairs = gpd.sjoin(green, green[["site_id", "geometry"]], predicate="dwithin", distance=10.0)
    pairs = pairs[pairs["site_id_left"] < pairs["site_id_right"]]
    gaps = [
        a.distance(b)
        for a, b in zip(
            green.set_index("site_id").loc[pairs["site_id_left"]].geometry,
            green.set_index("site_id").loc[pairs["site_id_right"]].geometry,
            strict=True,
        )
    ]
    assert min(gaps) < 0.01
    assert max(gaps) > 3.0


def test_access_points_lie_on_public_sites(demo_manifest: Path) -> None:
    points = _read(demo_manifest, "greenspace_access_points")
    sites = _read(demo_manifest, "greenspace").set_index("site_id")
    assert set(points["access_type"]) == {"Pedestrian", "Motor Vehicle And Pedestrian"}
    assert (sites.loc[points["site_id"], "access"] == "public").all()
    outline = sites.loc[points["site_id"]].boundary.to_numpy()
    assert (shapely.distance(points.geometry.to_numpy(), outline) < 0.05).all()


def test_flood_zone_2_covers_zone_3(demo_manifest: Path) -> None:
    zones = _read(demo_manifest, "flood_zones")
    assert set(zones["flood_zone"]) == {2, 3}
    fz3 = zones[zones["flood_zone"] == 3].union_all()
    fz2 = zones[zones["flood_zone"] == 2].union_all()
    assert fz3.difference(fz2).area < 1.0
    assert fz2.area > 1.5 * fz3.area


def test_surface_water_bands_do_not_overlap(demo_manifest: Path) -> None:
    patches = _read(demo_manifest, "surface_water")
    assert set(patches["risk_band"]) == {"High", "Medium", "Low"}
    assert patches.area.sum() == pytest.approx(patches.union_all().area, rel=1e-6)


def test_blue_layers(demo_manifest: Path) -> None:
    lines = _read(demo_manifest, "blue_lines")
    polygons = _read(demo_manifest, "blue_polygons")
    assert sorted(lines["type"]) == ["canal", "river", "river"]
    assert set(lines.geom_type) == {"LineString"}
    assert set(polygons["type"]) == {"water_body", "suds"}


def test_heat_network_zones(demo_manifest: Path, city: shapely.Geometry) -> None:
    zones = _read(demo_manifest, "heat_network_zones")
    assert 3 <= len(zones) <= 5
    assert (zones["heat_demand"] > 0).all()
    assert zones.within(city.buffer(1.0)).all()
    assert zones.area.sum() == pytest.approx(zones.union_all().area, rel=1e-6)
