"""`coventry-geo validate` on manifests broken in each way the foundation issue lists."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rioxarray  # noqa: F401  (registers the .rio accessor)
import shapely
import xarray as xr
from click.testing import CliRunner

from coventry_geo import errors, open_study
from coventry_geo.cli import cli
from coventry_geo.layers.vector import read_vector_layer
from coventry_geo.study import Study
from coventry_geo.validation import validate_study
from tests.conftest import X0, Y0, tiny_wards, write_raster

W2 = shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_valid_study_passes(tiny_study):
    result = invoke("validate", str(tiny_study()))
    assert result.exit_code == 0, result.output
    assert "all layers usable" in result.output
    assert "wards" in result.output
    assert "4 features" in result.output
    assert "200 x 200 pixels" in result.output
    assert "Traceback" not in result.output


def _with_wards(tiny_study, path: str, **extra: str) -> Path:
    """Write the tiny study's manifest with its ward layer read from another file."""
    fields = {"ward_id": "WD_CODE", "ward_name": "WD_NAME"}
    return tiny_study(layers={"wards": {"kind": "wards", "path": path, **extra, "fields": fields}})


def _assert_bad(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, f"{needle!r} not in {result.output!r}"


def test_missing_file(tiny_study):
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "nope.tif"}})
    _assert_bad(
        invoke("validate", str(manifest)), "layer 'heat'", "nope.tif", "does not exist", "Fix:"
    )


def test_corrupt_vector_file(tiny_study):
    manifest = tiny_study()
    (manifest.parent / "residences.gpkg").write_bytes(b"this is not a geopackage" * 10)
    _assert_bad(invoke("validate", str(manifest)), "layer 'residences'", "cannot be read", "Fix:")


def test_truncated_raster(tiny_study):
    manifest = tiny_study()
    tif = manifest.parent / "heat.tif"
    tif.write_bytes(tif.read_bytes()[:500])
    _assert_bad(invoke("validate", str(manifest)), "layer 'heat'", "heat.tif", "Fix:")


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_vector_without_crs(tiny_study, tmp_path):
    tiny_wards().set_crs(None, allow_override=True).to_file(tmp_path / "nocrs.shp")
    (tmp_path / "nocrs.prj").unlink(missing_ok=True)
    manifest = _with_wards(tiny_study, "nocrs.shp")
    _assert_bad(
        invoke("validate", str(manifest)),
        "layer 'wards'",
        "no coordinate reference system",
        'crs = "EPSG:27700"',
    )


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_declared_crs_fills_a_missing_one(tiny_study, tmp_path):
    tiny_wards().set_crs(None, allow_override=True).to_file(tmp_path / "nocrs.shp")
    (tmp_path / "nocrs.prj").unlink(missing_ok=True)
    manifest = _with_wards(tiny_study, "nocrs.shp", crs="EPSG:27700")
    assert invoke("validate", str(manifest)).exit_code == 0


def test_raster_without_crs(tiny_study, tmp_path):
    write_raster(tmp_path / "heat.tif", np.full((20, 20), 20.0, "float32"), crs=None)
    _assert_bad(
        invoke("validate", str(tiny_study())), "layer 'heat'", "no coordinate reference system"
    )


def test_lonlat_numbers_labelled_british_national_grid(tiny_study, tmp_path):
    wards = tiny_wards().to_crs(4326).set_crs(27700, allow_override=True)
    wards.to_file(tmp_path / "mislabelled.gpkg")
    manifest = _with_wards(tiny_study, "mislabelled.gpkg")
    _assert_bad(
        invoke("validate", str(manifest)),
        "layer 'wards'",
        "look like longitudes/latitudes",
        "EPSG:4326",
    )


def test_metres_labelled_wgs84(tiny_study, tmp_path):
    tiny_wards().set_crs(4326, allow_override=True).to_file(tmp_path / "mislabelled.gpkg")
    manifest = _with_wards(tiny_study, "mislabelled.gpkg")
    _assert_bad(
        invoke("validate", str(manifest)),
        "layer 'wards'",
        "not longitudes/latitudes",
        "look like metres",
    )


def test_invalid_geometries_of_other_kinds_are_repaired_with_one_warning(tiny_study, tmp_path):
    x, y = X0, Y0
    bowtie = shapely.Polygon([(x, y), (x + 1000, y + 1000), (x + 1000, y), (x, y + 1000), (x, y)])
    zones = gpd.GeoDataFrame({"FZ": ["FZ3", "FZ2"]}, geometry=[bowtie, W2], crs=27700)
    zones.to_file(tmp_path / "flood.gpkg", layer="flood")
    flood = {"kind": "flood_zones", "path": "flood.gpkg", "fields": {"flood_zone": "FZ"}}
    study = open_study(tiny_study(layers={"flood": flood}))
    with pytest.warns(
        errors.InvalidGeometryWarning, match=r"1 of 2 geometries were invalid"
    ) as record:
        loaded = study.vector("flood")
    assert len(record) == 1
    assert loaded.is_valid.all()
    assert loaded.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    # the repaired bow-tie is two triangles of a quarter square each
    assert loaded.area.iloc[0] == pytest.approx(500_000.0)
    result = invoke("validate", str(tiny_study(layers={"flood": flood})))
    assert result.exit_code == 0
    assert "warning" in result.output
    assert "repaired with shapely.make_valid" in result.output


def test_empty_layer(tiny_study, tmp_path):
    empty = gpd.GeoDataFrame({"uprn": [], "residents": []}, geometry=[], crs=27700)
    empty.to_file(tmp_path / "residences.gpkg", layer="residences")
    _assert_bad(invoke("validate", str(tiny_study())), "layer 'residences'", "no features")


def test_layer_that_misses_the_study_area(tiny_study, tmp_path):
    wards = tiny_wards()
    far = wards.set_geometry(wards.translate(xoff=200_000))  # 200 km east, still in Britain
    far = far.rename(columns={"WD_CODE": "zone", "WD_NAME": "label"})
    far.to_file(tmp_path / "far.gpkg", layer="far")
    manifest = tiny_study(
        layers={
            "hnz": {"kind": "heat_network_zones", "path": "far.gpkg", "fields": {"zone_id": "zone"}}
        }
    )
    _assert_bad(invoke("validate", str(manifest)), "layer 'hnz'", "does not overlap the wards")


def test_raster_that_misses_the_study_area(tiny_study, tmp_path):
    write_raster(tmp_path / "heat.tif", np.full((20, 20), 20.0, "float32"), x0=X0 - 100_000)
    _assert_bad(invoke("validate", str(tiny_study())), "layer 'heat'", "does not overlap the wards")


def test_missing_field_names_closest_match(tiny_study):
    manifest = tiny_study(
        layers={
            "wards": {
                "kind": "wards",
                "path": "wards.gpkg",
                "fields": {"ward_id": "WD_COD", "ward_name": "WD_NAME"},
            }
        }
    )
    _assert_bad(
        invoke("validate", str(manifest)),
        "field 'ward_id' (file column 'WD_COD') not found",
        "the file has: WD_CODE, WD_NAME",
        "closest match: 'WD_CODE'",
    )


def test_raster_without_nodata(tiny_study, tmp_path):
    write_raster(tmp_path / "heat.tif", np.full((20, 20), 20.0, "float32"), nodata=None)
    _assert_bad(
        invoke("validate", str(tiny_study())), "layer 'heat'", "no nodata value", "nodata ="
    )


def test_declared_nodata_none_accepts_a_raster_without_nodata(tiny_study, tmp_path):
    write_raster(tmp_path / "heat.tif", np.full((20, 20), 20.0, "float32"), nodata=None)
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "heat.tif", "nodata": "none"}})
    assert invoke("validate", str(manifest)).exit_code == 0


def _netcdf(path: Path, *, with_crs: bool) -> Path:
    x = X0 + 5 + 10 * np.arange(50)
    y = Y0 + 1995 - 10 * np.arange(50)
    da = xr.DataArray(
        np.full((50, 50), 25.0, "float32"), coords={"y": y, "x": x}, dims=("y", "x"), name="lst"
    )
    da.attrs["_FillValue"] = -9999.0
    da.x.attrs.update(standard_name="projection_x_coordinate", units="m")
    da.y.attrs.update(standard_name="projection_y_coordinate", units="m")
    if with_crs:
        da = da.rio.write_crs("EPSG:27700")
    da.to_dataset().to_netcdf(path)
    return path


def test_netcdf_variable_without_spatial_reference(tiny_study, tmp_path):
    _netcdf(tmp_path / "lst.nc", with_crs=False)
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "lst.nc", "variable": "lst"}})
    _assert_bad(
        invoke("validate", str(manifest)),
        "layer 'heat'",
        "NetCDF variable 'lst' has no spatial reference",
        "rio.write_crs",
    )


def test_netcdf_variable_with_spatial_reference_loads(tiny_study, tmp_path):
    _netcdf(tmp_path / "lst.nc", with_crs=True)
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "lst.nc", "variable": "lst"}})
    layer = open_study(manifest).raster("heat")
    assert layer.crs.to_epsg() == 27700
    assert (layer.width, layer.height) == (50, 50)
    assert layer.transform.c == pytest.approx(X0)


def test_landsat_surface_temperature_scaling(tiny_study):
    manifest = tiny_study(
        layers={"heat": {"kind": "heat", "path": "heat.tif", "units": "landsat_c2_st"}}
    )
    layer = open_study(manifest).raster("heat")
    dn = 44000
    assert dn * layer.scale + layer.offset == pytest.approx(dn * 0.00341802 + 149.0 - 273.15)


def test_flood_zone_spellings_are_normalised(tiny_study, tmp_path):
    zones = tiny_wards().iloc[:3].assign(FZ=["FZ3", "Flood Zone 2", "3"])
    zones.to_file(tmp_path / "flood.gpkg", layer="flood")
    manifest = tiny_study(
        layers={
            "flood": {"kind": "flood_zones", "path": "flood.gpkg", "fields": {"flood_zone": "FZ"}}
        }
    )
    flood = open_study(manifest).vector("flood")
    assert flood["flood_zone"].tolist() == [3, 2, 3]


def test_unrecognised_flood_zone_values(tiny_study, tmp_path):
    tiny_wards().assign(FZ="zone 9").to_file(tmp_path / "flood.gpkg", layer="flood")
    manifest = tiny_study(
        layers={
            "flood": {"kind": "flood_zones", "path": "flood.gpkg", "fields": {"flood_zone": "FZ"}}
        }
    )
    _assert_bad(invoke("validate", str(manifest)), "layer 'flood'", "'zone 9'", "flood_zone_values")


def test_errors_are_typed_and_inherit_builtins(tiny_study):
    study = open_study(tiny_study(layers={"heat": {"kind": "heat", "path": "nope.tif"}}))
    with pytest.raises(FileNotFoundError, match="layer 'heat'") as info:
        study.raster("heat")
    assert isinstance(info.value, errors.CoventryGeoError)
    assert info.value.layer == "heat"


def test_every_layer_is_reported_even_when_one_fails(tiny_study, tmp_path):
    write_raster(tmp_path / "heat.tif", np.full((20, 20), 20.0, "float32"), nodata=None)
    report = validate_study(open_study(tiny_study()))
    status = {c.layer: c.status for c in report.checks}
    assert status == {"wards": "ok", "residences": "ok", "heat": "error"}
    assert not report.ok


def test_reprojected_once_into_the_analysis_crs(tiny_study, tmp_path):
    tiny_wards().to_crs(4326).to_file(tmp_path / "wards_wgs84.geojson")
    manifest = _with_wards(tiny_study, "wards_wgs84.geojson")
    study = open_study(manifest)
    assert study.wards.crs.to_epsg() == 27700
    assert study.wards.area.sum() == pytest.approx(4_000_000, rel=1e-6)


def test_study_reads_each_layer_once(tiny_study):
    study: Study = open_study(tiny_study())
    assert study.vector("residences") is study.vector("residences")


def test_vector_layer_renames_to_toolkit_fields(tiny_study):
    study = open_study(tiny_study())
    spec = study.spec("wards")
    wards = read_vector_layer(spec, crs=study.crs)
    assert list(wards.columns) == ["ward_id", "ward_name", "geometry"]


def test_optional_missing_layer_is_reported_not_an_error(tiny_study):
    manifest = tiny_study(
        layers={"flood": {"kind": "flood_zones", "path": "flood.gpkg", "required": False}}
    )
    result = invoke("validate", str(manifest))
    assert result.exit_code == 0, result.output
    assert "missing" in result.output
    assert "optional layer not present" in result.output
    study = open_study(manifest)
    with pytest.warns(errors.MissingLayerWarning, match="flood exposure cannot be computed"):
        assert study.available("flood_zones", needed_for="flood exposure") is None
    assert study.available("heat", needed_for="heat exposure") == "heat"


def test_missing_optional_layer_warns_once_per_study(tiny_study):
    manifest = tiny_study(
        layers={"flood": {"kind": "flood_zones", "path": "f.gpkg", "required": False}}
    )
    study = open_study(manifest)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for use in ("flood exposure", "flood per small area", "the flood map"):
            assert study.available("flood_zones", needed_for=use) is None
    assert [w.category for w in record] == [errors.MissingLayerWarning]


def test_layer_errors_survive_pickling():
    import pickle

    error = errors.LayerCRSError("heat", "/data/lst.tif", "no CRS.", "declare crs.")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.LayerCRSError
    assert str(copy) == str(error)
    assert copy.layer == "heat"


def test_missing_file_in_a_data_folder_names_its_variable(tiny_study, tmp_path, monkeypatch):
    monkeypatch.delenv("COVENTRY_GEO_DIR_SHARED", raising=False)
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "${shared}/heat.tif"}})
    manifest.write_text(manifest.read_text() + '\n[study.data_dirs]\nshared = "no-such-folder"\n')
    _assert_bad(
        invoke("validate", str(manifest)),
        "layer 'heat'",
        "does not exist",
        "${shared} folder",
        "set COVENTRY_GEO_DIR_SHARED",
    )


@pytest.mark.filterwarnings("error:'str' is not supported")  # pandas: fillna("") on floats
def test_report_reads_well_in_a_notebook(tiny_study):
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "nope.tif"}})
    report = validate_study(open_study(manifest))
    text = repr(report)
    first, *rest = text.splitlines()
    assert first == f"Validation of {report.study!r}: errors to fix (2 ok, 1 error)"
    assert any(line.split()[:3] == ["heat", "heat", "error"] for line in rest)
    assert any(line.startswith("- heat [error]: ") and "nope.tif" in line for line in rest)
    assert "LayerCheck(" not in text
    html = report._repr_html_()
    assert html.startswith("<p><strong>Validation of &#x27;")
    assert html.count("<tr") == 1 + len(report.checks)  # the header row and one per layer


def test_open_study_on_a_data_file_asks_for_a_manifest(tiny_study):
    wards = tiny_study().parent / "wards.gpkg"
    with pytest.raises(errors.ManifestError) as caught:
        open_study(wards)
    message = str(caught.value)
    assert "not a layer manifest" in message
    assert "[layers.wards]" in message
    assert 'path = "wards.gpkg"' in message
    assert "not valid TOML" not in message


def test_reading_a_layer_as_the_other_kind_names_the_right_call(tiny_study):
    study = open_study(tiny_study())
    with pytest.raises(errors.LayerSchemaError, match=r"vector layer.*study\.vector\('wards'\)"):
        study.raster("wards")
    with pytest.raises(errors.LayerSchemaError, match=r"raster layer.*study\.raster\('heat'\)"):
        study.vector("heat")
    assert study.load("heat").width == 200
