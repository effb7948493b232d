"""The analyst's API: cached tables, column metadata in any order, CSV precision, skips."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import coventry_geo as cg
from coventry_geo.cli import cli
from coventry_geo.columns import column_info, columns_table, for_csv
from coventry_geo.errors import ManifestError
from coventry_geo.run.outputs import city_table
from tests.conftest import tiny_wards


def _computed_steps(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage().removeprefix("step ").removesuffix(": computing")
        for r in caplog.records
        if r.name == "coventry_geo.run.steps" and r.getMessage().endswith(": computing")
    ]


@pytest.fixture
def small_area_study(tiny_study, tmp_path):
    """The tiny study with one small area per ward (IMD scores, population); heat optional."""

    def build(**layers):
        small = tiny_wards().rename(columns={"WD_CODE": "LSOA", "WD_NAME": "NAME"})
        small = small.assign(IMD=[40.0, 10.0, 30.0, 20.0], POP=[800, 600, 400, 200])
        small.to_file(tmp_path / "small.gpkg", layer="small")
        fields = {"area_id": "LSOA", "imd_score": "IMD", "population": "POP"}
        spec = {"kind": "small_areas", "path": "small.gpkg", "fields": fields}
        return tiny_study(layers={"small": spec, **layers})

    return build


def test_column_info_works_before_any_family_is_imported():
    code = (
        "import sys\n"
        "from coventry_geo.columns import column_info\n"
        "assert 'coventry_geo.indicators.flood' not in sys.modules\n"
        "print(column_info('flood_area_pct').unit, column_info('tes_score').unit)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["%", "0-100"]


def test_an_unknown_column_is_named_with_the_closest_ones():
    with pytest.raises(KeyError, match="'flod_area_pct'.*did you mean 'flood_area_pct'"):
        column_info("flod_area_pct")


def test_ward_table_is_indexed_by_ward_id_and_read_back_from_the_cache(tiny_study, caplog):
    study = cg.open_study(tiny_study())
    caplog.set_level(logging.INFO, logger="coventry_geo.run.steps")
    first = cg.ward_table(study)
    assert _computed_steps(caplog) == ["wards", "family:heat"]
    caplog.clear()
    again = cg.ward_table(study)
    assert _computed_steps(caplog) == []
    assert first.index.name == "ward_id"
    assert first.index.tolist() == ["W1", "W2", "W3", "W4"]
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(first))
    # the same cache as run_study's: a run after the calls computes no evidence step
    caplog.clear()
    cg.run_study(study)
    assert _computed_steps(caplog) == ["tables", "maps", "profiles"]


def test_ward_table_without_the_cache_stores_nothing(tiny_study, tmp_path, caplog):
    study = cg.open_study(tiny_study())
    caplog.set_level(logging.INFO, logger="coventry_geo.run.steps")
    cg.ward_table(study, use_cache=False)
    cg.ward_table(study, use_cache=False)
    assert _computed_steps(caplog) == ["wards", "family:heat"] * 2
    assert not (tmp_path / ".coventry_geo_cache").exists()


def test_small_area_table_computes_only_what_it_needs(small_area_study, tmp_path, caplog):
    study = cg.open_study(small_area_study())
    caplog.set_level(logging.INFO, logger="coventry_geo.run.steps")
    small = cg.small_area_table(study, cache_dir=tmp_path / "cache")
    assert _computed_steps(caplog) == ["wards", "family:heat", "small_areas"]
    assert small.index.name == "area_id"
    assert small.loc["W3", "lst_mean_c"] == pytest.approx(30.0)
    assert small.loc["W1", "ward_id"] == "W1"
    assert small["population"].sum() == 2000


def test_small_area_table_without_small_areas_is_bad_input(tiny_study):
    with pytest.raises(ManifestError, match="no layer of kind 'small_areas'.*Fix: add one"):
        cg.small_area_table(cg.open_study(tiny_study()), use_cache=False)


def test_compute_evidence_is_public(small_area_study):
    evidence = cg.compute_evidence(cg.open_study(small_area_study()), use_cache=False)
    assert isinstance(evidence, cg.Evidence)
    assert evidence.city["lst_mean_c"] == pytest.approx(25.0)
    assert "risk_index" in evidence.wards.columns


def test_for_csv_rounds_by_unit_and_writes_counts_as_integers():
    table = pd.DataFrame(
        {
            "ward_id": ["W1", "W2"],
            "residents": [8.0, np.nan],
            "residences": [4, 3],
            "canopy_pct": [12.345, 0.04],
            "lst_mean_c": [21.4567, 19.0],
            "risk_index": [0.123456, 1.0],
            "meets_angst_lnr_capacity": [True, False],
            "unregistered": [0.98765, 2.0],
        }
    )
    out = for_csv(table)
    assert str(out["residents"].dtype) == "Int64"
    assert out["residents"].tolist() == [8, pd.NA]
    assert out["residences"].tolist() == [4, 3]
    assert out["canopy_pct"].tolist() == [12.3, 0.0]
    assert out["lst_mean_c"].tolist() == [21.46, 19.0]
    assert out["risk_index"].tolist() == [0.123, 1.0]
    assert out["meets_angst_lnr_capacity"].tolist() == [True, False]
    assert out["unregistered"].tolist() == [0.988, 2.0]
    assert table["canopy_pct"].tolist() == [12.345, 0.04]  # the table given is left as it was


def test_columns_table_describes_each_column_in_order():
    table = columns_table(["ward_id", "canopy_pct", "no_such_column"])
    assert table["column"].tolist() == ["ward_id", "canopy_pct", "no_such_column"]
    canopy = table.set_index("column").loc["canopy_pct"]
    assert canopy["unit"] == "%"
    assert canopy["decimals"] == 1
    assert canopy["formula"] == "docs/indicators.md#canopy-nb6"
    assert table.set_index("column").loc["no_such_column"].isna().all()


def test_city_table_has_a_row_per_headline_value_with_why_it_is_missing():
    skipped = {"canopy": "no canopy layer: canopy cover and gap (NB6) not computed"}
    table = city_table({"lst_mean_c": 22.44039, "lst_p90_c": 25.0}, skipped).set_index("indicator")
    assert table.loc["lst_mean_c", "value"] == "22.44"
    assert table.loc["lst_mean_c", "unit"] == "°C"
    assert table.loc["lst_mean_c", "note"] == ""
    assert table.loc["canopy_pct", "value"] == ""
    assert table.loc["canopy_pct", "note"] == f"not assessed: {skipped['canopy']}"
    assert table.loc["cooling_lst_n", "note"] == "not computed"


def test_run_writes_csv_precision_and_columns_csv(tiny_study):
    manifest = tiny_study()
    cg.run_study(cg.open_study(manifest))
    out = manifest.parent / "out"
    lines = (out / "wards.csv").read_text().splitlines()
    header = lines[0].split(",")
    first = dict(zip(header, lines[1].split(","), strict=True))
    assert first["residents"] == "8"  # a count: an integer, not 8.0
    assert first["residences"] == "4"
    assert first["lst_mean_c"] == "20.0"
    columns = pd.read_csv(out / "columns.csv")
    assert columns["column"].tolist() == header
    assert set(columns.columns) == {"column", "label", "unit", "decimals", "description", "formula"}
    assert columns.set_index("column").loc["lst_anomaly_c", "unit"] == "°C"
    # the GeoPackage and the Parquet keep full precision
    parquet = gpd.read_parquet(out / "wards.parquet").set_index("ward_id")
    area = tiny_wards().set_index("WD_CODE").area / 10_000
    assert parquet["area_ha"].tolist() == area.tolist()


def test_families_with_nothing_to_write_are_listed_as_skipped(small_area_study, tmp_path):
    manifest = small_area_study(heat=None)  # small areas, but no hazard layer at all
    result = CliRunner().invoke(cli, ["run", str(manifest)])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["skipped"]["equity"].startswith("no hazard or access indicator per small area")
    assert record["skipped"]["risk"].startswith("no hazard indicator per small area")
    assert record["skipped"]["heat"] == "no heat layer: heat exposure (AR1) not computed"
    assert f"Not assessed: risk: {record['skipped']['risk']}" in result.output
    assert not (tmp_path / "out" / "equity.csv").exists()
    city = pd.read_csv(tmp_path / "out" / "city.csv", keep_default_na=False)
    assert len(city) > 0
    assert (city["value"] == "").all()
    notes = city.set_index("indicator")["note"]
    assert notes["lst_mean_c"] == f"not assessed: {record['skipped']['heat']}"
    assert notes["cooling_lst_n"] == f"not assessed: {record['skipped']['cooling']}"


def test_risk_without_a_vulnerability_field_says_so(small_area_study, tmp_path):
    manifest = small_area_study()
    manifest.write_text(manifest.read_text() + "\n[settings.risk]\nvulnerability = { x = 1 }\n")
    result = cg.run_study(cg.open_study(manifest))
    assert result.skipped["risk"] == (
        "no vulnerability field (x) with values in the small areas: "
        "composite climate-risk index not computed"
    )
    assert "equity" not in result.skipped
    again = cg.run_study(cg.open_study(manifest))  # up to date: read back from run.json
    assert again.up_to_date
    assert again.skipped == result.skipped


@pytest.mark.filterwarnings("ignore::coventry_geo.errors.MissingLayerWarning")
def test_small_area_access_measures_to_the_sites_entrances(small_area_study, tmp_path):
    """The small-area table (computed on its own) uses the access points, as the ward table does.

    One 16 ha park in the north of W1, with one entrance on its north edge. By its edge, two of
    W1's four residences are within 300 m; by its entrance, none is.
    """
    x0, y0 = tiny_wards().total_bounds[:2]
    park = shapely.box(x0, y0 + 550, x0 + 400, y0 + 950)
    # two 100 m2 plots (too small for the tier) mark the layer as covering the whole study
    plots = [shapely.box(x0 - 400, y0 - 400, x0 - 390, y0 - 390)]
    plots.append(shapely.box(x0 + 2390, y0 + 2390, x0 + 2400, y0 + 2400))
    gpd.GeoDataFrame(
        {"id": ["P1", "A1", "A2"], "name": ["Park", "Plot", "Plot"], "type": ["Park"] * 3},
        geometry=[park, *plots],
        crs=27700,
    ).to_file(tmp_path / "greenspace.gpkg", layer="greenspace")
    gpd.GeoDataFrame(
        {"ref": ["P1"]}, geometry=[shapely.Point(x0 + 200, y0 + 950)], crs=27700
    ).to_file(tmp_path / "entrances.gpkg", layer="entrances")
    (tmp_path / "near.toml").write_text(
        '[standard]\ncode = "near"\ntitle = "Any greenspace of 2 ha within 300 m"\n'
        'source = "test"\n\n[[tier]]\nname = "2ha_300m"\nlabel = "2 ha within 300 m"\n'
        "min_area_ha = 2.0\nmax_distance_m = 300.0\nnatural = false\n",
        encoding="utf-8",
    )
    greenspace = {
        "kind": "greenspace",
        "path": "greenspace.gpkg",
        "fields": {"site_id": "id"},
    }
    entrances = {
        "kind": "greenspace_access_points",
        "path": "entrances.gpkg",
        "fields": {"site_id": "ref"},
    }
    manifest = small_area_study(greenspace=greenspace)
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text + '\n[settings.greenspace]\nstandards = ["near.toml"]\n', "utf-8")
    by_edge = cg.small_area_table(cg.open_study(manifest), use_cache=False)
    assert by_edge.loc["W1", "pct_residents_meeting_near_all"] == pytest.approx(50.0)

    manifest = small_area_study(greenspace=greenspace, entrances=entrances)
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + '\n[settings.greenspace]\nstandards = ["near.toml"]\n',
        "utf-8",
    )
    by_entrance = cg.small_area_table(cg.open_study(manifest), use_cache=False)
    assert by_entrance.loc["W1", "pct_residents_meeting_near_all"] == pytest.approx(0.0)


def test_a_standard_file_is_read_beside_the_manifest_and_is_an_input(tiny_study, tmp_path):
    manifest = tiny_study()
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text + '\n[settings.greenspace]\nstandards = ["../near.toml"]\n', "utf-8")
    with pytest.raises(ManifestError, match=r"standards: path '\.\./near\.toml' leaves"):
        cg.open_study(manifest)
    (tmp_path / "standards").mkdir()
    manifest.write_text(
        text + '\n[settings.greenspace]\nstandards = ["standards/near.toml"]\n', "utf-8"
    )
    study = cg.open_study(manifest)
    assert study.manifest.setting_files == {
        "standards/near.toml": (tmp_path / "standards" / "near.toml").resolve()
    }
    assert "settings file standards/near.toml" in study.manifest.input_paths()
