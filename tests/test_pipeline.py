"""End-to-end runs on the tiny study: the ward table, its files, atomic outputs."""

from __future__ import annotations

import hashlib
import importlib

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from coventry_geo import open_study, run_study, ward_table
from coventry_geo.cli import cli


def _hashes(folder):
    return {
        p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_ward_table_hand_computed(tiny_study):
    table = ward_table(open_study(tiny_study()))
    assert table.index.name == "ward_id"
    assert table.index.tolist() == ["W1", "W2", "W3", "W4"]
    assert table["area_ha"].tolist() == pytest.approx([100.0] * 4)
    assert table["residences"].tolist() == [4, 3, 2, 1]
    assert table["residents"].tolist() == pytest.approx([8, 6, 4, 2])
    assert table.crs.to_epsg() == 27700


def test_run_writes_gpkg_csv_parquet_and_map(tiny_study):
    manifest = tiny_study()
    result = run_study(open_study(manifest))
    out = manifest.parent / "out"
    assert result.out_dir == out.resolve()
    for name in ("wards.gpkg", "wards.csv", "wards.parquet", "wards_map.html", "run.json"):
        assert (out / name).is_file(), name
    csv = pd.read_csv(out / "wards.csv")
    assert csv["residents"].sum() == pytest.approx(20)
    gpkg = gpd.read_file(out / "wards.gpkg")
    assert len(gpkg) == 4
    assert gpkg.crs.to_epsg() == 27700
    assert (
        gpd.read_parquet(out / "wards.parquet")["ward_name"].tolist() == gpkg["ward_name"].tolist()
    )
    assert "North East" in (out / "wards_map.html").read_text()


def test_failed_run_leaves_previous_outputs_intact(tiny_study, tmp_path):
    manifest = tiny_study()
    run_study(open_study(manifest))
    before = _hashes(manifest.parent / "out")
    (tmp_path / "residences.gpkg").write_bytes(b"corrupt")
    result = CliRunner().invoke(cli, ["run", str(manifest)])
    assert result.exit_code == 2
    assert "layer 'residences'" in result.output
    assert _hashes(manifest.parent / "out") == before
    assert not list(tmp_path.glob(".staging-*"))


def test_cli_run_with_out(tiny_study, tmp_path):
    result = CliRunner().invoke(
        cli, ["run", str(tiny_study()), "--out", str(tmp_path / "elsewhere")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere" / "wards.gpkg").is_file()


def test_study_without_residences_still_runs(tiny_study):
    result = run_study(open_study(tiny_study(layers={"residences": None})))
    assert "residents" not in result.wards.columns
    assert result.wards["area_ha"].sum() == pytest.approx(400.0)


def test_internal_errors_exit_1(tiny_study, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(importlib.import_module("coventry_geo.cli.run"), "run_study", boom)
    result = CliRunner().invoke(cli, ["run", str(tiny_study())])
    assert result.exit_code == 1
    assert "internal error: RuntimeError: boom" in result.output


def _with_small_areas(tiny_study, tmp_path, settings: str):
    from tests.conftest import tiny_wards

    small = tiny_wards().rename(columns={"WD_CODE": "LSOA", "WD_NAME": "NAME"})
    small = small.assign(IMD=[40.0, 10.0, 30.0, 20.0], POP=[800, 600, 400, 200])
    small.to_file(tmp_path / "small.gpkg", layer="small")
    fields = {"area_id": "LSOA", "imd_score": "IMD", "population": "POP"}
    manifest = tiny_study(
        layers={"small": {"kind": "small_areas", "path": "small.gpkg", "fields": fields}}
    )
    manifest.write_text(manifest.read_text() + settings)
    return manifest


def test_risk_setting_naming_an_absent_hazard_is_bad_input(tiny_study, tmp_path):
    manifest = _with_small_areas(
        tiny_study, tmp_path, "\n[settings.risk]\nhazard = { flood_area_pct = 1.0 }\n"
    )
    result = CliRunner().invoke(cli, ["run", str(manifest)])
    assert result.exit_code == 2, result.output
    assert "[settings.risk] hazard names flood_area_pct" in result.output
    assert "lst_mean_c" in result.output


def test_risk_with_an_unknown_normalisation_is_bad_input(tiny_study, tmp_path):
    manifest = _with_small_areas(
        tiny_study, tmp_path, '\n[settings.risk]\nnormalisation = "cubic"\n'
    )
    result = CliRunner().invoke(cli, ["run", str(manifest)])
    assert result.exit_code == 2, result.output
    assert "[settings.risk]" in result.output


def test_risk_index_from_the_manifest_settings(tiny_study, tmp_path):
    manifest = _with_small_areas(
        tiny_study, tmp_path, "\n[settings.risk]\nhazard = { lst_mean_c = 1.0 }\n"
    )
    table = ward_table(open_study(manifest))
    ranks = table["risk_rank"].to_dict()
    # min-max normalised product: the south wards (20 degC, the city minimum) have hazard 0,
    # so risk 0; W3 is hot, more deprived and more populous than W4 (whose exposure is 0).
    assert ranks["W3"] == 1
    assert ranks["W1"] == ranks["W2"] == ranks["W4"] == 2
