"""Every manifest key has a type and every setting a range; outputs and codes stay confined.

Each case runs the real ``coventry-geo validate`` (or ``run``) and checks exit
status 2, no traceback, and a message naming the key, the value and what is
expected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coventry_geo.manifest import read_manifest
from coventry_geo.manifest.keys import LAYER_KEYS, STUDY_KEYS, Bounds
from coventry_geo.manifest.settings import settings_problems
from tests.cli import assert_ok, assert_refused, run_cli

HEAT = {"kind": "heat", "path": "heat.tif"}


@pytest.mark.parametrize(
    ("study", "layers", "needles"),
    [
        (
            {"allow_external_paths": "false"},
            {"heat": {**HEAT, "path": "/etc/passwd"}},
            ['allow_external_paths = "false" is not a boolean (true or false'],
        ),
        ({}, {"heat": {**HEAT, "required": "no"}}, ['required = "no" is not a boolean']),
        ({}, {"heat": {**HEAT, "band": "one"}}, ['band = "one" is not a whole number >= 1']),
        ({}, {"heat": {**HEAT, "band": 0}}, ["band = 0 is not a whole number >= 1"]),
        ({}, {"heat": {**HEAT, "path": 5}}, ["[layers.heat] path = 5 is not non-empty text"]),
        ({}, {"heat": {**HEAT, "nodata": "zero"}}, ['nodata = "zero" is not a number, or "none"']),
        ({}, {"heat": {**HEAT, "sha256": "abc"}}, ['sha256 = "abc" is not 64 hexadecimal']),
        ({"synthetic": 1}, {}, ["[study] synthetic = 1 is not a boolean"]),
        ({"name": ""}, {}, ['[study] name = "" is not non-empty text']),
        ({}, {"heat": {**HEAT, "repair": "yes"}}, ['repair = "yes" is not a boolean']),
    ],
)
def test_a_value_of_the_wrong_type_is_named_with_what_is_expected(
    tiny_study, tmp_path, study, layers, needles
):
    manifest = tiny_study(study=study, layers=layers)
    assert_refused(run_cli("validate", manifest, cwd=tmp_path), str(manifest), *needles, "Fix:")


def test_every_unknown_key_of_the_manifest_is_reported_in_one_message(tiny_study, tmp_path):
    manifest = tiny_study(
        study={"nmae": "x"},
        layers={"heat": {**HEAT, "feilds": {}, "bnad": 1}, "wards": None},
    )
    text = manifest.read_text() + '\n[layers.wards]\nkind = "wards"\npath = "wards.gpkg"\n'
    manifest.write_text(text + 'colour = "red"\n[settings]\ncanopy_target = 25\n')
    result = run_cli("validate", manifest, cwd=tmp_path)
    assert_refused(
        result,
        "4 problems",
        "[study]: 'nmae' (did you mean 'name'?)",
        "[layers.heat]: 'feilds' (did you mean 'fields'?), 'bnad' (did you mean 'band'?)",
        "[layers.wards]: 'colour'",
        "[settings]: 'canopy_target' (did you mean 'canopy_target_pct'?)",
    )


@pytest.mark.parametrize(
    ("settings", "needles"),
    [
        ("canopy_target_pct = inf", ["canopy_target_pct = inf is not a finite number"]),
        ("canopy_target_pct = 0", ["canopy_target_pct = 0 is out of range: 0 < value <= 100"]),
        ("canopy_target_pct = 150", ["out of range: 0 < value <= 100"]),
        ("hot_spot_threshold_c = nan", ["hot_spot_threshold_c = nan is not a finite number"]),
        ("tree_crown_area_m2 = -5", ["tree_crown_area_m2 = -5 is out of range: 0 < value"]),
        ('canopy_baseline_pct = "11"', ['canopy_baseline_pct = "11" is not a finite number']),
        (
            "[settings.tree_equity]\nbaseline_pct = 120",
            ["[settings.tree_equity] baseline_pct = 120 is out of range: 0 <= value <= 100"],
        ),
        (
            "[settings.tree_equity]\ndensity_breaks = [2000, 4000]\ndensity_factors = [1, 0.5]",
            ["2 density_breaks need 3 density_factors, got 2"],
        ),
        (
            '[settings.risk]\nnormalisation = "log"',
            ['normalisation = "log" is not one of "minmax", "rank", "zscore"'],
        ),
        (
            '[settings.risk]\nhazard = { flood_area_pct = "1" }',
            ['[settings.risk] hazard = { flood_area_pct = "1" } is not a table of weights'],
        ),
        ("[settings.risk]\nhazard = { flood_area_pct = -1 }", ["is out of range: 0 <= value"]),
        ('[settings.greenspace]\nstandards = "angst_2010"', ["is not a list of text values"]),
    ],
)
def test_validate_checks_settings_types_and_ranges(tiny_study, tmp_path, settings, needles):
    manifest = tiny_study()
    header = "" if settings.startswith("[") else "[settings]\n"
    manifest.write_text(manifest.read_text() + f"\n{header}{settings}\n")
    assert_refused(run_cli("validate", manifest, cwd=tmp_path), *needles, "Fix:")


def test_good_settings_pass():
    table = {
        "canopy_target_pct": 100,
        "canopy_baseline_pct": 0,
        "hot_spot_threshold_c": -0.5,
        "risk": {"hazard": ["flood_area_pct"], "vulnerability": {"imd": 1, "older_pct": 0}},
        "tree_equity": {"density_breaks": [1.0, 2.0], "density_factors": [1, 1, 0.5]},
        "greenspace": {"standards": ["angst_2010"]},
    }
    assert settings_problems(table) == []


def test_bounds_describe_their_range():
    assert str(Bounds(0, 100, low_inclusive=False)) == "0 < value <= 100"
    assert Bounds(0, 100, low_inclusive=False).holds(100)
    assert not Bounds(0, 100, low_inclusive=False).holds(0)


def test_every_key_is_declared_once_with_a_type():
    for table in (STUDY_KEYS, LAYER_KEYS):
        assert all(hasattr(kind, "accepts") for kind in table.values())
    assert "repair" in LAYER_KEYS


@pytest.mark.parametrize(
    ("outputs", "data_dirs", "allow", "ok"),
    [
        ("../../elsewhere", None, False, False),
        ("/tmp/anywhere", None, False, False),
        ("out/../../x", None, False, False),
        ("${outputs}/../../x", {"outputs": "o"}, False, False),
        ("../elsewhere", None, True, True),
        ("${outputs}/tiny", {"outputs": "../results"}, False, True),
        ("results/tiny", None, False, True),
    ],
)
def test_outputs_stay_in_the_manifests_tree_unless_declared(
    tiny_study, tmp_path, outputs, data_dirs, allow, ok
):
    study = {"outputs": outputs, "allow_external_paths": allow}
    manifest = tiny_study(study=study)
    if data_dirs:
        lines = "".join(f'{k} = "{v}"\n' for k, v in data_dirs.items())
        manifest.write_text(manifest.read_text() + f"\n[study.data_dirs]\n{lines}")
    result = run_cli("validate", manifest, cwd=tmp_path)
    if ok:
        assert_ok(result)
    else:
        assert_refused(result, "[study] outputs path", "leaves the", "Fix:")


def test_outputs_outside_refused_by_run_before_anything_is_written(tiny_study, tmp_path):
    manifest = tiny_study(study={"outputs": "../../elsewhere"})
    before = sorted(p.name for p in tmp_path.parent.parent.iterdir())
    assert_refused(run_cli("run", manifest, cwd=tmp_path), "leaves the manifest's folder")
    assert sorted(p.name for p in tmp_path.parent.parent.iterdir()) == before


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("../../../../tmp/x", "Tiny"),
        ("Tiny Town", "Tiny"),
        ("a" * 65, "Tiny"),
        ("-dash", "Tiny"),
        (None, "東京"),  # the code made from the name would be empty
    ],
)
def test_study_code_must_be_a_slug(tiny_study, tmp_path, code, name):
    manifest = tiny_study(study={"name": name, "code": code})
    if code is None:
        manifest.write_text(manifest.read_text().replace('code = "None"\n', ""))
    result = run_cli("run", manifest, cwd=tmp_path)
    assert_refused(result, "[study]", "is not a short slug", "a-z, 0-9", 'code = "coventry"')
    assert not (tmp_path.parent / "tmp").exists()
    assert not (tmp_path / ".coventry_geo_cache").exists()


def test_code_made_from_the_name_is_a_slug(tiny_study):
    manifest = tiny_study(study={"name": "Saint-Étienne & Co  (2024)", "code": None})
    manifest.write_text(manifest.read_text().replace('code = "None"\n', ""))
    assert read_manifest(manifest).study.code == "saint-tienne-co-2024"


def test_docs_list_every_key_and_setting():
    """Manifest keys in docs/manifest.md; a family's settings there or in docs/indicators.md."""
    from dataclasses import fields

    from coventry_geo.evidence.families import settings_sections
    from coventry_geo.manifest.keys import JOIN_KEYS, LOOKUP_KEYS
    from coventry_geo.manifest.settings import Settings

    docs = Path(__file__).resolve().parents[1] / "docs"
    manifest_docs = (docs / "manifest.md").read_text()
    keys = {*STUDY_KEYS, *LAYER_KEYS, *JOIN_KEYS, *LOOKUP_KEYS}
    keys |= {f.name for f in fields(Settings)} - {"sections"}
    missing = sorted(k for k in keys if f"`{k}`" not in manifest_docs)
    family_docs = manifest_docs + (docs / "indicators.md").read_text()
    family_keys = {f.name for cls in settings_sections().values() for f in fields(cls)}
    missing += sorted(k for k in family_keys if f"`{k}`" not in family_docs)
    assert missing == []
