"""Official best-fit lookups: ``[layers.small_areas.ward_lookup]`` replaces the area rule.

The tiny study's wards are 1 km squares (W1 south-west, W2 south-east, ...). Three
small areas lie along the southern edge: A inside W1, B 400 m in W1 and 300 m in W2
(the area rule gives it to W1), C inside W2. The lookup, in the ONS file's published
columns, gives B to W2 (as a population-weighted centroid in W2 would).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coventry_geo.cli import cli
from coventry_geo.errors import LayerSchemaError, ManifestError
from coventry_geo.evidence import compute_evidence
from coventry_geo.evidence.context import Context
from coventry_geo.geography import best_fit_lookup
from coventry_geo.layers.official.presets import PRESETS, match_column
from coventry_geo.manifest import read_manifest
from coventry_geo.study import open_study
from tests.conftest import X0, Y0, _toml

AREAS = {"A": (0, 600), "B": (600, 1300), "C": (1300, 2000)}  # x ranges (m) along the south
CODES = {"A": "E01000001", "B": "E01000002", "C": "E01000003"}
DECILES = {"A": "1", "B": "1", "C": "5"}
# The ONS "LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup" columns.
ONS_COLUMNS = ["LSOA21CD", "LSOA21NM", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM", "ObjectId"]


def _small_areas(tmp_path: Path) -> None:
    gpd.GeoDataFrame(
        {
            "LSOA21CD": list(CODES.values()),
            "LSOA21NM": list(AREAS),
            "decile": list(DECILES.values()),
            "people": [1000, 1000, 1000],
        },
        geometry=[shapely.box(X0 + a, Y0, X0 + b, Y0 + 1000) for a, b in AREAS.values()],
        crs=27700,
    ).to_file(tmp_path / "lsoa.gpkg")


def _ons_lookup(tmp_path: Path, wards: dict[str, str], *, extra: int = 2) -> None:
    """Write the lookup as the ONS publishes it: national, so with rows of other areas."""
    rows = [
        [CODES[a], f"Town {a}", ward, f"Ward {ward}", "E08000026", "Town", i + 1]
        for i, (a, ward) in enumerate(wards.items())
    ]
    rows += [
        [f"E0109999{i}", "Elsewhere", "E05999999", "Far", "E08999999", "Far", 90 + i]
        for i in range(extra)
    ]
    pd.DataFrame(rows, columns=ONS_COLUMNS).to_csv(tmp_path / "LSOA21_WD24_LU.csv", index=False)


def _manifest(tiny_study, lookup: dict[str, object] | None) -> Path:
    small = {
        "preset": "ons_lsoa",
        "path": "lsoa.gpkg",
        "fields": {"imd_decile": "decile", "population": "people"},
    }
    manifest = tiny_study(layers={"small_areas": small, "residences": None})
    if lookup is not None:
        text = manifest.read_text() + "\n[layers.small_areas.ward_lookup]\n"
        text += "".join(f"{k} = {_toml(v)}\n" for k, v in lookup.items())
        manifest.write_text(text)
    return manifest


ONS_LOOKUP = {"preset": "ons_lsoa_ward_lookup", "path": "LSOA21_WD24_LU.csv"}


def test_the_preset_finds_the_ons_and_the_geographr_columns():
    fields = PRESETS["ons_lsoa_ward_lookup"].fields
    assert match_column(fields["area_id"], ONS_COLUMNS) == ["LSOA21CD"]
    assert match_column(fields["ward_id"], ONS_COLUMNS) == ["WD24CD"]
    geographr = ["lsoa11_code", "ward17_code", "ward17_name"]  # lookup_lsoa2011_ward2017.csv
    assert match_column(fields["area_id"], geographr) == ["lsoa11_code"]
    assert match_column(fields["ward_id"], geographr) == ["ward17_code"]


def test_small_areas_take_the_lookups_ward_not_the_area_rule(tiny_study, tmp_path):
    _small_areas(tmp_path)
    _ons_lookup(tmp_path, {"A": "W1", "B": "W2", "C": "W2"})
    study = open_study(_manifest(tiny_study, ONS_LOOKUP))
    by_area = best_fit_lookup(study.vector("small_areas"), study.wards)
    assert by_area[CODES["B"]] == "W1"  # 400 m of its 700 m lie in W1
    evidence = compute_evidence(study)
    table = evidence.small_areas.set_index("area_id")["ward_id"]
    assert table.to_dict() == {CODES["A"]: "W1", CODES["B"]: "W2", CODES["C"]: "W2"}
    wards = evidence.wards.set_index("ward_id")
    # counting small areas: W1 has A (decile 1); W2 has B (decile 1) and C (decile 5)
    assert wards.loc[["W1", "W2", "W3"], "small_areas"].tolist() == [1, 2, 0]
    assert wards.loc[["W1", "W2"], "imd_decile1_areas"].tolist() == [1, 1]
    assert wards.loc["W2", "imd_decile1_areas_pct"] == pytest.approx(50.0)


def test_without_a_lookup_the_area_rule_applies(tiny_study, tmp_path):
    _small_areas(tmp_path)
    study = open_study(_manifest(tiny_study, None))
    wards = compute_evidence(study).wards.set_index("ward_id")
    assert wards.loc[["W1", "W2"], "small_areas"].tolist() == [2, 1]


def test_explicit_fields_name_the_columns(tiny_study, tmp_path):
    _small_areas(tmp_path)
    pd.DataFrame(
        {"code": list(CODES.values()), "ward": [" W1", "W2 ", "W2"]}  # spaces are stripped
    ).to_csv(tmp_path / "lookup.csv", index=False)
    lookup = {"path": "lookup.csv", "fields": {"area_id": "code", "ward_id": "ward"}}
    study = open_study(_manifest(tiny_study, lookup))
    assert Context(study).small_area_wards.tolist() == ["W1", "W2", "W2"]


def test_a_lookup_that_does_not_fit_counts_each_problem(tiny_study, tmp_path):
    _small_areas(tmp_path)
    pd.DataFrame(
        {
            "LSOA21CD": [CODES["A"], CODES["B"], CODES["B"], "E01099999"],
            "WD24CD": ["W1", "W2", "W2", "W9"],
        }
    ).to_csv(tmp_path / "LSOA21_WD24_LU.csv", index=False)
    # C is missing, B repeated; the row for another LSOA (to W9) is ignored
    study = open_study(_manifest(tiny_study, ONS_LOOKUP))
    with pytest.raises(
        LayerSchemaError,
        match=r"layer 'small_areas.ward_lookup' \(.*LSOA21_WD24_LU.csv\): the lookup does not "
        r"fit the study: 1 of 3 small areas are not in it \(e\.g\. E01000003\); 1 small areas "
        r"are on more than one row \(e\.g\. E01000002\)\. Fix: use the lookup of the same "
        r"vintages",
    ):
        _ = Context(study).small_area_wards


def test_unknown_ward_codes_are_counted_with_examples(tiny_study, tmp_path):
    _small_areas(tmp_path)
    _ons_lookup(tmp_path, {"A": "E05001218", "B": "E05001219", "C": "W2"})  # other ward codes
    study = open_study(_manifest(tiny_study, ONS_LOOKUP))
    with pytest.raises(
        LayerSchemaError,
        match=r"2 small areas go to 2 ward codes the ward layer does not have \(e\.g\. "
        r"E01000001 -> E05001218, E01000002 -> E05001219; the ward layer's codes look like "
        r"W1, W2, W3\)",
    ):
        _ = Context(study).small_area_wards


def test_cli_exits_2_naming_the_lookup_and_the_counts(tiny_study, tmp_path):
    _small_areas(tmp_path)
    _ons_lookup(tmp_path, {"A": "W1", "B": "W2"})  # C missing
    manifest = _manifest(tiny_study, ONS_LOOKUP)
    checked = CliRunner().invoke(cli, ["validate", str(manifest)])
    assert checked.exit_code == 2
    assert "small_areas [error]" in checked.output
    assert "1 of 3 small areas are not in it (e.g. E01000003)" in checked.output
    ran = CliRunner().invoke(cli, ["run", str(manifest), "--out", str(tmp_path / "out")])
    assert ran.exit_code == 2, ran.output
    assert "Traceback" not in ran.output
    assert "LSOA21_WD24_LU.csv" in ran.output
    assert "1 of 3 small areas" in ran.output


def test_validate_reports_a_fitting_lookup(tiny_study, tmp_path):
    _small_areas(tmp_path)
    _ons_lookup(tmp_path, {"A": "W1", "B": "W2", "C": "W2"})
    checked = CliRunner().invoke(cli, ["validate", str(_manifest(tiny_study, ONS_LOOKUP))])
    assert checked.exit_code == 0, checked.output
    assert "ward lookup LSOA21_WD24_LU.csv: 3 small areas in 2 wards" in checked.output


def test_the_lookup_file_is_an_input_of_the_steps_and_of_run_json(tiny_study, tmp_path):
    from coventry_geo.evidence import layer_files

    _small_areas(tmp_path)
    _ons_lookup(tmp_path, {"A": "W1", "B": "W2", "C": "W2"})
    study = open_study(_manifest(tiny_study, ONS_LOOKUP))
    files = layer_files(study, ("small_areas",))
    assert files["small_areas.ward_lookup"] == str(tmp_path / "LSOA21_WD24_LU.csv")


@pytest.mark.parametrize(
    ("layer", "lookup", "message"),
    [
        ("wards", {"path": "l.csv"}, r"must be a table on a 'small_areas' layer"),
        ("small_areas", {"path": "l.csv", "on": "x"}, r"unknown key\(s\) in .*ward_lookup.*'on'"),
        (
            "small_areas",
            {"path": "l.csv", "preset": "mhclg_iod2019"},
            r"preset 'mhclg_iod2019', which is not a ward lookup\. Fix: use "
            r"ons_lsoa_ward_lookup",
        ),
        ("small_areas", {"path": "l.csv"}, r"needs a path and the columns of area_id, ward_id"),
        (
            "small_areas",
            {"path": "l.csv", "fields": {"lsoa": "x"}},
            r"fields names 'lsoa', not a field of kind 'ward_lookup'",
        ),
    ],
)
def test_manifest_mistakes_in_the_lookup_are_named(tiny_study, layer, lookup, message):
    manifest = tiny_study(layers={"small_areas": {"preset": "ons_lsoa", "path": "lsoa.gpkg"}})
    text = manifest.read_text() + f"\n[layers.{layer}.ward_lookup]\n"
    text += "".join(f"{k} = {_toml(v)}\n" for k, v in lookup.items())
    manifest.write_text(text)
    with pytest.raises(ManifestError, match=message):
        read_manifest(manifest)


def test_the_lookup_preset_is_not_a_layer(tiny_study):
    manifest = tiny_study(layers={"lookup": {"preset": "ons_lsoa_ward_lookup", "path": "l.csv"}})
    with pytest.raises(ManifestError, match=r"Fix: use it in \[layers.<small areas>.ward_lookup\]"):
        read_manifest(manifest)
