"""Batch runs: JSON logs on stderr to the last line, a summary record, --strict, no fcntl.

Every test runs the real ``coventry-geo`` console script (or the package in a
new Python process).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.cli import assert_ok, assert_refused, json_lines, run_cli, snapshot

ERROR_FIELDS = {"time", "level", "message", "exit_code", "layer", "path", "fix"}
SUMMARY_FIELDS = {
    "run_id",
    "status",
    "exit_code",
    "seconds",
    "steps_computed",
    "steps_cached",
    "skipped_layers",
    "skipped",
    "out_dir",
}


def test_json_logs_end_with_the_error_then_the_summary(tiny_study, tmp_path):
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "nope.tif"}})
    result = run_cli("--log-format", "json", "run", manifest, "-v", cwd=tmp_path)
    assert result.returncode == 2
    lines = json_lines(result.stderr)  # every line is one strict JSON object
    error, summary = lines[-2], lines[-1]
    assert ERROR_FIELDS <= set(error)
    assert error["level"] == "ERROR"
    assert error["exit_code"] == 2
    assert error["layer"] == "heat"
    assert error["path"].endswith("nope.tif")
    assert error["fix"].startswith("correct 'path' in [layers.heat]")
    assert SUMMARY_FIELDS <= set(summary)
    assert summary["status"] == "failed"
    assert summary["exit_code"] == 2
    assert summary["out_dir"] == str(tmp_path / "out")


def test_quiet_json_run_writes_only_its_summary(tiny_study, tmp_path):
    absent = {"kind": "flood_zones", "path": "absent.gpkg", "required": False}
    manifest = tiny_study(layers={"flood": absent})
    result = run_cli("-q", "--log-format", "json", "run", manifest, cwd=tmp_path)
    assert_ok(result)
    assert result.stdout == ""
    [summary] = json_lines(result.stderr)
    assert summary["level"] == "INFO"
    assert summary["status"] == "ok"
    assert summary["run_id"] == json.loads((tmp_path / "out" / "run.json").read_text())["run_id"]
    assert summary["steps_computed"] == ["wards", "family:heat", "tables", "maps", "profiles"]
    assert summary["steps_cached"] == []
    assert summary["skipped_layers"] == ["flood"]
    assert (
        summary["skipped"]["flood"]
        == "no flood_zones layer: flood-zone exposure (AR1) not computed"
    )
    assert summary["skipped"] == json.loads((tmp_path / "out" / "run.json").read_text())["skipped"]
    assert summary["out_dir"] == str(tmp_path / "out")
    again = run_cli("-q", "--log-format", "json", "run", manifest, cwd=tmp_path)
    [summary] = json_lines(again.stderr)
    assert summary["status"] == "up to date"


def test_usage_errors_are_json_too(tiny_study, tmp_path):
    result = run_cli("--log-format", "json", "run", "--bogus", cwd=tmp_path)
    assert result.returncode == 2
    [error] = json_lines(result.stderr)
    assert error["exit_code"] == 2
    assert "--bogus" in error["message"]


def test_an_internal_error_is_exit_1_and_json(tiny_study, tmp_path):
    manifest = tiny_study()
    script = (
        "import sys, coventry_geo.run.pipeline as p\n"
        "def boom(*a, **k): raise RuntimeError('simulated bug')\n"
        "p._write_maps = boom\n"
        "from coventry_geo.cli import main\n"
        "sys.argv = ['coventry-geo', '--log-format', 'json', 'run', sys.argv[1]]\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(manifest)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    error, summary = json_lines(result.stderr)[-2:]
    assert error["exit_code"] == 1
    assert "internal error: RuntimeError: simulated bug" in error["message"]
    assert summary["status"] == "failed"
    assert not (tmp_path / "out").exists()


def test_strict_refuses_a_missing_optional_layer(tiny_study, tmp_path):
    absent = {"kind": "flood_zones", "path": "absent.gpkg", "required": False}
    manifest = tiny_study(layers={"flood": absent})
    result = run_cli("run", manifest, "--strict", cwd=tmp_path)
    assert_refused(result, "strict run", "'flood'", "absent.gpkg", "without --strict")
    assert not (tmp_path / "out").exists()


def test_strict_refuses_a_run_with_warnings_and_keeps_the_previous_outputs(tiny_study, tmp_path):
    import geopandas as gpd
    import shapely

    from tests.conftest import X0, Y0

    bowtie = shapely.Polygon([(X0, Y0), (X0 + 900, Y0 + 900), (X0 + 900, Y0), (X0, Y0 + 900)])
    gpd.GeoDataFrame({"FZ": ["FZ3"]}, geometry=[bowtie], crs=27700).to_file(tmp_path / "f.gpkg")
    flood = {"kind": "flood_zones", "path": "f.gpkg", "fields": {"flood_zone": "FZ"}}
    manifest = tiny_study(layers={"flood": flood})
    assert_ok(run_cli("run", manifest, cwd=tmp_path))  # repaired, with one warning
    before = snapshot(tmp_path / "out")
    result = run_cli("run", manifest, "--strict", "--force", cwd=tmp_path)
    assert_refused(result, "strict run", "InvalidGeometryWarning", "outputs are not published")
    assert snapshot(tmp_path / "out") == before
    assert not list(tmp_path.glob(".staging-*"))
    up_to_date = run_cli("run", manifest, "--strict", cwd=tmp_path)
    assert_refused(up_to_date, "strict run", "InvalidGeometryWarning")


#: Runs Python with ``fcntl`` unavailable, as on Windows.
_NO_FCNTL = "import sys\nsys.modules['fcntl'] = None\n"


def _without_fcntl(code: str, *args: str | Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _NO_FCNTL + code, *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_package_and_runs_work_without_fcntl(tiny_study, tmp_path):
    manifest = tiny_study()
    code = (
        "try:\n    import fcntl\nexcept ImportError:\n    print('no fcntl')\n"
        "import coventry_geo, filelock\n"
        "from coventry_geo.cli import cli\n"
        "try:\n    cli(['run', sys.argv[1]])\n"
        "except SystemExit as exit:\n"
        "    print('lock', filelock.FileLock.__name__, 'exit', exit.code)\n"
    )
    proc = _without_fcntl(code, manifest, cwd=tmp_path)
    out, err = proc.communicate(timeout=600)
    assert "no fcntl" in out, out + err
    assert "lock SoftFileLock exit 0" in out, out + err
    assert (tmp_path / "out" / "wards.csv").is_file()
    assert not list(tmp_path.glob(".out.lock*"))  # lock files removed after the run


def test_lock_without_fcntl_refuses_a_second_run_and_survives_a_kill(tiny_study, tmp_path):
    manifest = tiny_study()
    hold = (
        "import time\nfrom coventry_geo.run.lock import output_lock\n"
        "with output_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(300)\n"
    )
    holder = _without_fcntl(hold, tmp_path / "out", cwd=tmp_path)
    try:
        assert holder.stdout.readline().strip() == "held"
        second = _without_fcntl(
            "from coventry_geo.cli import cli\ncli(['run', sys.argv[1]])", manifest, cwd=tmp_path
        )
        _, err = second.communicate(timeout=600)
        assert second.returncode == 2, err
        assert f"pid {holder.pid}" in err
        assert "is being written by another run" in err
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    time.sleep(0.1)
    third = _without_fcntl(
        "from coventry_geo.cli import cli\ncli(['run', sys.argv[1]])", manifest, cwd=tmp_path
    )
    _, err = third.communicate(timeout=600)
    assert third.returncode == 0, err  # the dead holder's marker is recognised as stale
    assert not list(tmp_path.glob(".out.lock*"))
