"""Structural checks of the layer manifest."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coventry_geo.cli import cli
from coventry_geo.errors import ManifestError
from coventry_geo.manifest import read_manifest


def test_reads_the_tiny_manifest(tiny_study):
    manifest = read_manifest(tiny_study())
    assert manifest.study.name == "Tiny Town"
    assert manifest.study.crs.to_epsg() == 27700
    assert manifest.study.ward_layer == "wards"
    assert manifest.layers["wards"].column("ward_id") == "WD_CODE"
    assert manifest.layers["residences"].column("residents") == "residents"
    assert manifest.study.outputs == (manifest.path.parent / "out").resolve()
    assert manifest.names_of("heat") == ["heat"]


def test_missing_manifest_exits_2_without_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "file not found" in result.output
    assert "Traceback" not in result.output


def test_invalid_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[study\nname = 'x'\n")
    with pytest.raises(ManifestError, match="not valid TOML"):
        read_manifest(path)


def test_path_leaving_the_manifest_folder_is_refused(tiny_study):
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "../../etc/heat.tif"}})
    with pytest.raises(
        ManifestError, match="leaves the manifest's folder.*allow_external_paths = true"
    ):
        read_manifest(manifest)


def test_external_path_allowed_explicitly(tiny_study, tmp_path):
    manifest = tiny_study(
        layers={"heat": {"kind": "heat", "path": str(tmp_path / "heat.tif")}},
        study={"allow_external_paths": True},
    )
    assert read_manifest(manifest).layers["heat"].path == str(tmp_path / "heat.tif")


def test_url_is_refused_unless_allowed(tiny_study):
    url = "https://example.org/lst.tif"
    with pytest.raises(ManifestError, match="is a URL.*allow_urls = true"):
        read_manifest(tiny_study(layers={"heat": {"kind": "heat", "path": url}}))
    manifest = read_manifest(
        tiny_study(layers={"heat": {"kind": "heat", "path": url}}, study={"allow_urls": True})
    )
    assert manifest.layers["heat"].is_url


def test_unknown_kind_suggests_the_closest(tiny_study):
    with pytest.raises(ManifestError, match="kind 'flood_zone'.*did you mean 'flood_zones'"):
        read_manifest(tiny_study(layers={"flood": {"kind": "flood_zone", "path": "f.gpkg"}}))


def test_unknown_layer_key_suggests_the_closest(tiny_study):
    with pytest.raises(ManifestError, match="'feilds' \\(did you mean 'fields'\\?\\)"):
        read_manifest(
            tiny_study(layers={"heat": {"kind": "heat", "path": "heat.tif", "feilds": {}}})
        )


def test_unknown_field_name_in_mapping(tiny_study):
    layers = {"wards": {"kind": "wards", "path": "wards.gpkg", "fields": {"ward_code": "WD_CODE"}}}
    with pytest.raises(ManifestError, match="'ward_code' \\(did you mean 'ward_id'\\?\\)"):
        read_manifest(tiny_study(layers=layers))


def test_geographic_analysis_crs_is_refused(tiny_study):
    with pytest.raises(ManifestError, match="not a projected CRS in metres"):
        read_manifest(tiny_study(study={"crs": "EPSG:4326"}))


def test_ward_layer_must_be_of_kind_wards(tiny_study):
    with pytest.raises(ManifestError, match="ward_layer = 'heat' is not a layer of kind 'wards'"):
        read_manifest(tiny_study(study={"ward_layer": "heat"}))


def test_unknown_setting_keys_are_refused_with_the_closest(tiny_study):
    from coventry_geo.manifest.settings import study_settings

    unknown = r"unknown key\(s\) in \[settings\]: 'canopy_target' .did you mean 'canopy_target_pct'"
    with pytest.raises(ManifestError, match=unknown):
        study_settings({"canopy_target": 25})
    unknown = r"unknown key\(s\) in \[settings.risk\]: 'hazzard' .did you mean 'hazard'"
    with pytest.raises(ManifestError, match=unknown):
        study_settings({"risk": {"hazzard": {"flood_area_pct": 1}}})
    settings = study_settings({"canopy_target_pct": 25, "risk": {"combine": "mean"}})
    assert settings.canopy_target_pct == 25.0
    assert settings.section("risk") == {"combine": "mean"}
