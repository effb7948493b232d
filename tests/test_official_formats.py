"""Official datasets load through the manifest in their published schemas.

Each fixture is written here, small, in the dataset's real published schema
(column names, types, CRS, geometry type, file format, layer names), and is
read through a manifest ``preset`` into the toolkit's fields.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from pyproj import CRS

from coventry_geo.errors import LayerSchemaError, ManifestError
from coventry_geo.layers.official.gridded import open_gridded
from coventry_geo.layers.official.presets import PRESETS
from coventry_geo.layers.raster import open_raster_layer
from coventry_geo.layers.vector import read_vector_layer
from coventry_geo.manifest import read_manifest
from coventry_geo.study import open_study
from tests.conftest import X0, Y0, _toml, write_raster

BNG = CRS.from_epsg(27700)
LSOA = ["E01000001", "E01000002", "E01000003"]

# MHCLG IoD2019 headers, verbatim (File 2 / File 6 / File 7 wording).
IOD19_CODE, IOD19_NAME = "LSOA code (2011)", "LSOA name (2011)"
IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
IMD_SCORE = "Index of Multiple Deprivation (IMD) Score"
POP_2015 = "Total population: mid 2015 (excluding prisoners)"


def _boxes(n: int) -> list[shapely.Polygon]:
    """n 1 km squares side by side, starting at the tiny study's corner (EPSG:27700)."""
    return [shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(n)]


def _layer(tiny_study, name: str, table: dict, **study) -> gpd.GeoDataFrame:
    study_obj = open_study(tiny_study(layers={name: table}, study=study or None))
    return study_obj.vector(name)


# ---- ONS boundaries ------------------------------------------------------------------


@pytest.mark.parametrize("vintage", ["13", "22"])
def test_ons_wards_any_vintage_by_pattern(tiny_study, tmp_path, vintage):
    wards = gpd.GeoDataFrame(
        {
            f"WD{vintage}CD": ["E05000001", "E05000002"],
            f"WD{vintage}CDO": ["00AAAA", "00AAAB"],  # old-style code: must not be taken
            f"WD{vintage}NM": ["Alpha", "Beta"],
            f"WD{vintage}NMW": [None, None],
        },
        geometry=_boxes(2),
        crs=27700,
    ).to_crs(4326)  # ONS GeoJSON is published in WGS84
    wards.to_file(tmp_path / "ons_wards.geojson")
    manifest = tiny_study(layers={"wards": {"preset": "ons_wards", "path": "ons_wards.geojson"}})
    study = open_study(manifest)
    assert list(study.wards["ward_id"]) == ["E05000001", "E05000002"]
    assert list(study.wards["ward_name"]) == ["Alpha", "Beta"]
    assert study.wards.crs.equals(BNG)
    assert study.wards.area.sum() == pytest.approx(2e6, rel=1e-3)


def test_explicit_field_overrides_the_preset(tiny_study, tmp_path):
    gpd.GeoDataFrame(
        {"WD22CD": ["E05000001"], "WD22NM": ["Alpha"], "label": ["Alpha ward"]},
        geometry=_boxes(1),
        crs=27700,
    ).to_file(tmp_path / "w.gpkg")
    manifest = tiny_study(
        layers={
            "wards": {"preset": "ons_wards", "path": "w.gpkg", "fields": {"ward_name": "label"}}
        }
    )
    assert list(open_study(manifest).wards["ward_name"]) == ["Alpha ward"]


def test_preset_column_missing_names_the_pattern(tiny_study, tmp_path):
    gpd.GeoDataFrame({"CODE": ["x"], "WD22NM": ["a"]}, geometry=_boxes(1), crs=27700).to_file(
        tmp_path / "w.gpkg"
    )
    manifest = tiny_study(layers={"wards": {"preset": "ons_wards", "path": "w.gpkg"}})
    with pytest.raises(LayerSchemaError, match=r"no column matches field 'ward_id'.*WD\\d\\dCD"):
        _ = open_study(manifest).wards


# ---- Small areas: boundaries + IMD + population joined by code -----------------------


def _lsoa(tmp_path: Path, vintage: str, codes: list[str]) -> str:
    gpd.GeoDataFrame(
        {
            f"LSOA{vintage}CD": codes,
            f"LSOA{vintage}NM": [f"Town 00{i}A" for i in range(len(codes))],
        },
        geometry=_boxes(len(codes)),
        crs=27700,
    ).to_crs(4326).to_file(tmp_path / f"lsoa{vintage}.geojson")
    return f"lsoa{vintage}.geojson"


def _manifest_with_joins(tiny_study, path: str, joins: list[dict]) -> Path:
    manifest = tiny_study(layers={"small_areas": {"preset": "ons_lsoa", "path": path}})
    text = manifest.read_text()
    for join in joins:
        text += "\n[[layers.small_areas.join]]\n"
        text += "".join(f"{k} = {_toml(v)}\n" for k, v in join.items())
    manifest.write_text(text)
    return manifest


def test_lsoa2011_with_iod2019_deciles_and_mid2015_population(tiny_study, tmp_path):
    path = _lsoa(tmp_path, "11", LSOA)
    base = {IOD19_CODE: LSOA[::-1], IOD19_NAME: ["c", "b", "a"]}
    base["Local Authority District code (2019)"] = ["E08000026"] * 3
    pd.DataFrame({**base, IMD_RANK: ["300", "200", "100"], IMD_DECILE: ["3", "2", "1"]}).to_csv(
        tmp_path / "File_2.csv", index=False
    )
    pd.DataFrame({**base, POP_2015: ["1500", "1400", "1300"]}).to_csv(
        tmp_path / "File_6.csv", index=False
    )
    manifest = _manifest_with_joins(
        tiny_study,
        path,
        [
            {"path": "File_2.csv", "preset": "mhclg_iod2019"},
            {"path": "File_6.csv", "preset": "mhclg_iod2019"},
        ],
    )
    areas = open_study(manifest).vector("small_areas").set_index("area_id")
    assert list(areas.loc[LSOA, "imd_decile"]) == [1.0, 2.0, 3.0]
    assert list(areas.loc[LSOA, "imd_rank"]) == [100.0, 200.0, 300.0]
    assert list(areas.loc[LSOA, "population"]) == [1300.0, 1400.0, 1500.0]
    assert "imd_score" not in areas.columns  # the 2019 files used here have no scores
    assert areas.loc[LSOA[0], "area_name"] == "Town 000A"  # the boundary's name is kept


def test_lsoa2021_with_iod2025_file7_and_census_ts001(tiny_study, tmp_path):
    path = _lsoa(tmp_path, "21", LSOA)
    pd.DataFrame(
        {
            "LSOA code (2021)": LSOA,
            "LSOA name (2021)": ["a", "b", "c"],
            "Local Authority District code (2024)": ["E08000026"] * 3,
            IMD_SCORE: ["45.5", "20.25", "5.0"],
            IMD_RANK: ["100", "200", "300"],
            IMD_DECILE: ["1", "2", "3"],
            "Health Deprivation and Disability Score": ["1.5", "0.0", "-1.5"],
        }
    ).to_csv(tmp_path / "File_7_IoD2025.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(
        {
            "date": ["2021"] * 4,
            "geography": ["x 00A", "x 00B", "x 00C", "elsewhere"],
            "geography code": [*LSOA, "W01000001"],  # national tables have extra rows
            "Residence type: Total; measures: Value": [1600, 1700, 1800, 99],
            "Residence type: Lives in a household; measures: Value": [1590, 1700, 1790, 99],
        }
    ).to_csv(tmp_path / "census2021-ts001-lsoa.csv", index=False)
    manifest = _manifest_with_joins(
        tiny_study,
        path,
        [
            {"path": "File_7_IoD2025.csv", "preset": "mhclg_iod2025"},
            {"path": "census2021-ts001-lsoa.csv", "preset": "ons_census2021_population"},
        ],
    )
    areas = open_study(manifest).vector("small_areas").set_index("area_id")
    assert list(areas.loc[LSOA, "imd_score"]) == [45.5, 20.25, 5.0]
    assert list(areas.loc[LSOA, "health_score"]) == [1.5, 0.0, -1.5]
    assert list(areas.loc[LSOA, "population"]) == [1600.0, 1700.0, 1800.0]


def test_join_of_another_vintage_counts_unmatched_codes(tiny_study, tmp_path):
    path = _lsoa(tmp_path, "21", LSOA)
    pd.DataFrame({IOD19_CODE: ["E01000001", "E01099999"], IMD_DECILE: ["1", "2"]}).to_csv(
        tmp_path / "imd.csv", index=False
    )
    manifest = _manifest_with_joins(
        tiny_study, path, [{"path": "imd.csv", "preset": "mhclg_iod2019"}]
    )
    with pytest.raises(
        LayerSchemaError,
        match=r"2 of 3 features find no row .*e\.g\. E01000002, E01000003.*same vintage",
    ):
        open_study(manifest).vector("small_areas")


def test_join_with_a_repeated_code(tiny_study, tmp_path):
    path = _lsoa(tmp_path, "21", LSOA)
    pd.DataFrame({"code": [*LSOA, LSOA[1]], "score": ["1", "2", "3", "4"]}).to_csv(
        tmp_path / "imd.csv", index=False
    )
    manifest = _manifest_with_joins(
        tiny_study, path, [{"path": "imd.csv", "on": "code", "fields": {"imd_score": "score"}}]
    )
    with pytest.raises(
        LayerSchemaError, match=r"1 code\(s\) .* more than one row \(2 rows\), e\.g\. E01000002"
    ):
        open_study(manifest).vector("small_areas")


def test_join_needs_a_key_column(tiny_study, tmp_path):
    path = _lsoa(tmp_path, "21", LSOA)
    pd.DataFrame({"code": LSOA}).to_csv(tmp_path / "imd.csv", index=False)
    manifest = _manifest_with_joins(tiny_study, path, [{"path": "imd.csv"}])
    with pytest.raises(ManifestError, match=r"does not say which column holds the area_id.*on ="):
        read_manifest(manifest)


def test_table_preset_cannot_describe_a_map_layer(tiny_study):
    manifest = tiny_study(layers={"imd": {"preset": "mhclg_iod2019", "path": "x.csv"}})
    with pytest.raises(
        ManifestError, match=r"describes an attribute table.*\[\[layers.<name>.join\]\]"
    ):
        read_manifest(manifest)


def test_unknown_preset_suggests_the_closest(tiny_study):
    manifest = tiny_study(
        layers={"flood": {"preset": "ea_flood_map_for_planing", "path": "f.gpkg"}}
    )
    with pytest.raises(ManifestError, match="did you mean 'ea_flood_map_for_planning'"):
        read_manifest(manifest)


def test_kind_that_contradicts_the_preset(tiny_study):
    manifest = tiny_study(
        layers={"flood": {"preset": "ea_rofsw", "kind": "flood_zones", "path": "f.gpkg"}}
    )
    with pytest.raises(ManifestError, match="preset 'ea_rofsw' describes a 'surface_water' layer"):
        read_manifest(manifest)


# ---- Environment Agency flood layers -------------------------------------------------


@pytest.mark.parametrize(
    ("column", "values"),
    [("flood_zone", ["FZ2", "FZ3"]), ("type", ["Flood Zone 2", "Flood Zone 3"])],
)
def test_ea_flood_map_for_planning(tiny_study, tmp_path, column, values):
    gpd.GeoDataFrame(
        {column: values, "flood_source": ["River", "River"]}, geometry=_boxes(2), crs=27700
    ).to_file(tmp_path / "fmfp.gpkg", layer="Flood_Map_for_Planning_Rivers_and_Sea_Flood_Zones")
    zones = _layer(
        tiny_study, "flood", {"preset": "ea_flood_map_for_planning", "path": "fmfp.gpkg"}
    )
    assert list(zones["flood_zone"]) == [2, 3]


@pytest.mark.parametrize("column", ["risk_band", "prob_4band"])
def test_ea_rofsw(tiny_study, tmp_path, column):
    bands = ["High", "Medium", "Low", "Very Low"]
    gpd.GeoDataFrame({column: bands}, geometry=_boxes(4), crs=27700).to_file(
        tmp_path / "rofsw.gpkg"
    )
    extents = _layer(tiny_study, "sw", {"preset": "ea_rofsw", "path": "rofsw.gpkg"})
    assert list(extents["risk_band"]) == bands


# ---- Ordnance Survey open products ----------------------------------------------------


@pytest.mark.parametrize(
    ("site_layer", "point_layer", "name_col", "ref_col", "access_col"),
    [
        ("GreenspaceSite", "AccessPoint", "distName1", "refToGSite", "accessType"),
        (
            "greenspace_site",
            "access_point",
            "distinctive_name_1",
            "ref_to_greenspace_site",
            "access_type",
        ),
    ],
)
def test_os_open_greenspace_sites_and_access_points(
    tiny_study, tmp_path, site_layer, point_layer, name_col, ref_col, access_col
):
    path = tmp_path / "opgrsp.gpkg"
    gpd.GeoDataFrame(
        {
            "id": ["idA", "idB"],
            "function": ["Public Park Or Garden", "Play Space"],
            name_col: ["Memorial Park", None],
        },
        geometry=[shapely.MultiPolygon([b]) for b in _boxes(2)],
        crs=27700,
    ).to_file(path, layer=site_layer)
    gpd.GeoDataFrame(
        {
            "id": ["ap1", "ap2", "ap3"],
            access_col: ["Pedestrian", "Motor Vehicle And Pedestrian", "Pedestrian"],
            ref_col: ["idA", "idA", "idB"],
        },
        geometry=gpd.points_from_xy([X0, X0 + 500, X0 + 1500], [Y0 + 500, Y0, Y0]),
        crs=27700,
    ).to_file(path, layer=point_layer)
    study = open_study(
        tiny_study(
            layers={
                "greenspace": {"preset": "os_open_greenspace_sites", "path": "opgrsp.gpkg"},
                "access": {"preset": "os_open_greenspace_access_points", "path": "opgrsp.gpkg"},
            }
        )
    )
    sites, points = study.vector("greenspace"), study.vector("access")
    assert list(sites["site_id"]) == ["idA", "idB"]
    assert list(sites["type"]) == ["Public Park Or Garden", "Play Space"]
    assert sites["name"].iloc[0] == "Memorial Park"
    assert list(points["site_id"]) == ["idA", "idA", "idB"]
    assert points["access_type"].iloc[1] == "Motor Vehicle And Pedestrian"


def _rivers(tmp_path: Path, forms: list[str]) -> None:
    lines = [
        shapely.LineString([(X0, Y0 + 100 * i), (X0 + 1500, Y0 + 100 * i)])
        for i in range(len(forms))
    ]
    gpd.GeoDataFrame(
        {
            "identifier": [f"ID{i}" for i in range(len(forms))],
            "startNode": ["n0"] * len(forms),
            "endNode": ["n1"] * len(forms),
            "form": forms,
            "flow": ["in direction"] * len(forms),
            "fictitious": ["false"] * len(forms),
            "length": [1500] * len(forms),
            "name1": ["River Sherbourne", "Coventry Canal", None][: len(forms)],
        },
        geometry=lines,
        crs=27700,
    ).to_file(tmp_path / "oprvrs.gpkg", layer="WatercourseLink")
    gpd.GeoDataFrame(
        {"identifier": ["n0"], "formOfNode": ["source"]},
        geometry=gpd.points_from_xy([X0], [Y0]),
        crs=27700,
    ).to_file(tmp_path / "oprvrs.gpkg", layer="HydroNode")


def test_os_open_rivers_forms_become_blue_types(tiny_study, tmp_path):
    _rivers(tmp_path, ["inlandRiver", "canal", "lake"])
    blue = _layer(tiny_study, "rivers", {"preset": "os_open_rivers", "path": "oprvrs.gpkg"})
    assert list(blue["type"]) == ["river", "canal", "water_body"]
    assert list(blue["blue_id"]) == ["ID0", "ID1", "ID2"]
    assert blue["name"].iloc[0] == "River Sherbourne"


def test_os_open_rivers_unmapped_form_is_named(tiny_study, tmp_path):
    _rivers(tmp_path, ["inlandRiver", "culvert"])
    with pytest.raises(
        LayerSchemaError, match=r"field 'type' has values \['culvert'\].*type_values"
    ):
        _layer(tiny_study, "rivers", {"preset": "os_open_rivers", "path": "oprvrs.gpkg"})


# ---- DESNZ heat network zones ----------------------------------------------------------


def test_desnz_heat_network_zones(tiny_study, tmp_path):
    gpd.GeoDataFrame(
        {
            "zone_id": ["COV-01", "COV-02"],
            "zone_name": ["City Centre", "Foleshill"],
            "heat_demand_mwh": [120_000.0, 45_000.0],
        },
        geometry=_boxes(2),
        crs=27700,
    ).to_file(tmp_path / "hnz.gpkg")
    zones = _layer(tiny_study, "hnz", {"preset": "desnz_heat_network_zones", "path": "hnz.gpkg"})
    assert list(zones["zone_id"]) == ["COV-01", "COV-02"]
    assert list(zones["name"]) == ["City Centre", "Foleshill"]
    assert list(zones["heat_demand"]) == [120_000.0, 45_000.0]


# ---- Rasters: Landsat surface temperature, UKCP18 through xarray -----------------------


def test_landsat_c2_surface_temperature_dn(tiny_study, tmp_path):
    dn = np.full((50, 50), 44_000, dtype="uint16")
    dn[0, 0] = 0  # fill
    write_raster(tmp_path / "LC09_ST_B10.TIF", dn, nodata=None)  # USGS files carry no nodata tag
    manifest = tiny_study(layers={"heat": {"preset": "landsat_c2_st", "path": "LC09_ST_B10.TIF"}})
    layer = open_raster_layer(read_manifest(manifest).layers["heat"])
    assert layer.nodata == 0.0
    assert layer.dtype == "uint16"
    assert 44_000 * layer.scale + layer.offset == pytest.approx(
        44_000 * 0.00341802 + 149.0 - 273.15
    )


def _ukcp18(path: Path, *, members: int = 1) -> Path:
    time = xr.date_range("2050-06-01", periods=4, freq="MS", calendar="360_day", use_cftime=True)
    data = np.arange(members * 4 * 2 * 3, dtype="float32").reshape(members, 4, 2, 3)
    data[0, :, 0, 0] = 1e20  # sea point: the _FillValue
    tasmax = xr.DataArray(
        data,
        dims=("ensemble_member", "time", "projection_y_coordinate", "projection_x_coordinate"),
        coords={
            "ensemble_member": np.arange(1, members + 1),
            "time": time,
            "projection_y_coordinate": [Y0 + 1500.0, Y0 + 500.0],
            "projection_x_coordinate": [X0 + 500.0, X0 + 1500.0, X0 + 2500.0],
        },
        attrs={
            "standard_name": "air_temperature",
            "units": "degC",
            "grid_mapping": "transverse_mercator",
        },
    )
    grid_mapping = xr.DataArray(
        np.int32(0),
        attrs={
            "grid_mapping_name": "transverse_mercator",
            "longitude_of_prime_meridian": 0.0,
            "semi_major_axis": 6377563.396,
            "semi_minor_axis": 6356256.909,
            "longitude_of_central_meridian": -2.0,
            "latitude_of_projection_origin": 49.0,
            "false_easting": 400000.0,
            "false_northing": -100000.0,
            "scale_factor_at_central_meridian": 0.9996012717,
        },
    )
    xr.Dataset({"tasmax": tasmax, "transverse_mercator": grid_mapping}).to_netcdf(
        path, encoding={"tasmax": {"_FillValue": 1e20}}
    )
    return path


@pytest.mark.parametrize(
    ("options", "steps", "described"),
    [
        ({}, [0, 1, 2, 3], "mean of 4 time steps"),
        ({"time": "2050-06-01/2050-07-30"}, [0, 1], "mean of 2 time steps in"),
        ({"time": "2050-08-02"}, [2], "nearest 2050-08-02"),
    ],
)
def test_ukcp18_tasmax_through_xarray(tiny_study, tmp_path, options, steps, described):
    _ukcp18(tmp_path / "tasmax_rcp85_land-rcm_uk_12km_01_mon.nc")
    manifest = tiny_study(
        layers={
            "heat": {
                "preset": "ukcp18",
                "path": "tasmax_rcp85_land-rcm_uk_12km_01_mon.nc",
                "options": options,
            }
        }
    )
    grid = open_gridded(read_manifest(manifest).layers["heat"])
    assert grid.dims == ("projection_y_coordinate", "projection_x_coordinate")
    one_step = np.arange(6, dtype=float).reshape(2, 3)
    expected = np.mean([one_step + 6 * s for s in steps], axis=0)
    expected[0, 0] = np.nan
    np.testing.assert_allclose(grid.values, expected)
    assert described in grid.attrs["time_selection"]
    assert grid.attrs["units"] == "°C"
    operation = CRS.from_wkt(grid.rio.crs.to_wkt()).coordinate_operation
    assert operation.method_name == "Transverse Mercator"
    assert {p.name: p.value for p in operation.params}["Longitude of natural origin"] == -2
    assert grid.rio.transform().c == X0
    assert grid.rio.transform().f == Y0 + 2000


def test_ukcp18_several_members_need_a_choice(tiny_study, tmp_path):
    _ukcp18(tmp_path / "tasmax.nc", members=2)
    manifest = tiny_study(layers={"heat": {"preset": "ukcp18", "path": "tasmax.nc"}})
    with pytest.raises(LayerSchemaError, match="2 ensemble members and none is chosen"):
        open_gridded(read_manifest(manifest).layers["heat"])


def test_every_preset_names_its_source_and_licence():
    for preset in PRESETS.values():
        assert preset.source_url, preset.name
        assert preset.licence, preset.name
        assert preset.checked, preset.name


def test_read_vector_layer_takes_a_preset_spec_directly(tiny_study, tmp_path):
    gpd.GeoDataFrame({"risk_band": ["High"]}, geometry=_boxes(1), crs=27700).to_file(
        tmp_path / "r.gpkg"
    )
    spec = read_manifest(tiny_study(layers={"sw": {"preset": "ea_rofsw", "path": "r.gpkg"}}))
    out = read_vector_layer(spec.layers["sw"], crs=BNG)
    assert list(out.columns) == ["risk_band", "geometry"]


# ---- [study.data_dirs]: reading official data where it lives --------------------------


def test_data_dir_reference_and_its_environment_override(tiny_study, tmp_path, monkeypatch):
    monkeypatch.delenv("COVENTRY_GEO_DIR_SHARED", raising=False)  # set to run the real-data tests
    elsewhere = tmp_path.parent / f"{tmp_path.name}_data"
    manifest = tiny_study(
        layers={"heat": {"kind": "heat", "path": "${shared}/lst.tif"}},
        study={"data_dirs": {"shared": "../elsewhere"}},
    )
    assert read_manifest(manifest).layers["heat"].path == str(tmp_path.parent / "elsewhere/lst.tif")
    monkeypatch.setenv("COVENTRY_GEO_DIR_SHARED", str(elsewhere))
    assert read_manifest(manifest).layers["heat"].path == str(elsewhere / "lst.tif")


def test_undeclared_data_dir_is_refused(tiny_study):
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "${nowhere}/lst.tif"}})
    with pytest.raises(ManifestError, match=r"refers to \$\{nowhere\}.*COVENTRY_GEO_DIR_NOWHERE"):
        read_manifest(manifest)
