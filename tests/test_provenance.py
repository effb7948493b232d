"""Provenance: run.json, the run id in every output, log options of the command line."""

from __future__ import annotations

import hashlib
import json

import pyogrio
import pytest
from click.testing import CliRunner

from coventry_geo import __version__, open_study, run_study
from coventry_geo.cli import cli
from coventry_geo.errors import MissingLayerWarning
from coventry_geo.run.provenance import RUN_ID_KEY


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def run(tiny_study):
    return run_study(open_study(tiny_study()))


def test_run_json_lists_inputs_with_hashes(run, tmp_path):
    record = json.loads((run.out_dir / "run.json").read_text())
    inputs = {i["layer"]: i for i in record["inputs"]}
    for name, file in (
        ("wards", "wards.gpkg"),
        ("residences", "residences.gpkg"),
        ("heat", "heat.tif"),
    ):
        assert inputs[name]["sha256"] == _sha(tmp_path / file)
        assert inputs[name]["size"] == (tmp_path / file).stat().st_size
    assert record["manifest_sha256"] == _sha(tmp_path / "study.toml")


def test_run_json_lists_versions_steps_and_outputs(run):
    record = json.loads((run.out_dir / "run.json").read_text())
    assert record["run_id"] == run.run_id
    assert record["environment"]["coventry_geo"] == __version__
    assert "geopandas" in record["environment"]["dependencies"]
    steps = {s["name"]: s for s in record["steps"]}
    assert set(steps) == {"wards", "family:heat", "tables", "maps", "profiles"}
    assert all(s["cached"] is False and s["seconds"] >= 0 for s in steps.values())
    listed = {o["path"]: o for o in record["outputs"]}
    assert "wards.csv" in listed
    assert "wards_map.html" in listed
    for path, output in listed.items():
        assert output["sha256"] == _sha(run.out_dir / path), path


def test_every_output_carries_the_run_id(run):
    info = pyogrio.read_info(run.out_dir / "wards.gpkg")
    assert info["layer_metadata"][RUN_ID_KEY] == run.run_id
    assert not list(run.out_dir.glob("*.aux.xml"))  # reading left no GDAL sidecar behind
    sidecar = json.loads((run.out_dir / "wards.csv.run.json").read_text())
    assert sidecar["run_id"] == run.run_id
    assert sidecar["sha256"] == _sha(run.out_dir / "wards.csv")
    assets = json.loads((run.out_dir / "assets" / "provenance.json").read_text())
    assert assets["run_id"] == run.run_id
    assert assets["files"]


def test_warnings_are_recorded_in_run_json(tiny_study):
    absent = {"kind": "flood_zones", "path": "absent.gpkg", "required": False}
    with pytest.warns(MissingLayerWarning, match="flood-zone exposure"):
        result = run_study(open_study(tiny_study(layers={"flood": absent})))
    record = json.loads((result.out_dir / "run.json").read_text())
    categories = {w["category"] for w in record["warnings"]}
    assert "MissingLayerWarning" in categories
    assert any("absent.gpkg" in w["message"] for w in record["warnings"])


def test_json_logs_on_stderr(tiny_study):
    result = CliRunner().invoke(cli, ["run", str(tiny_study()), "-v", "--log-format", "json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any("computing" in line["message"] for line in lines)


def test_quiet_prints_nothing(tiny_study):
    result = CliRunner().invoke(cli, ["-q", "run", str(tiny_study())])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_help_documents_the_exit_codes():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "Exit codes" in result.output
    assert "locked" in result.output or "another run" in result.output
