"""Nothing lost: a killed run, a bad layer and a concurrent run leave the outputs intact."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coventry_geo import open_study, run_study
from coventry_geo.cli import cli
from coventry_geo.run.folders import write_marker
from coventry_geo.run.lock import output_lock

#: Runs the command line with one function replaced by "touch a flag file, then sleep".
_STALLED_RUN = """
import sys, time
from pathlib import Path
import importlib
module, name, flag = sys.argv[1], sys.argv[2], Path(sys.argv[3])
def stall(*args, **kwargs):
    flag.touch()
    time.sleep(120)
setattr(importlib.import_module(module), name, stall)
from coventry_geo.cli import cli
cli(sys.argv[4:])
"""


def _hashes(folder):
    return {
        p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _kill_when_stalled(tmp_path, module, name, args):
    flag = tmp_path / "stalled"
    proc = subprocess.Popen(
        [sys.executable, "-c", _STALLED_RUN, module, name, str(flag), *args],
        cwd=Path(__file__).resolve().parents[1],
    )
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert proc.poll() is None, "the run ended before reaching the stall point"
        assert time.monotonic() < deadline, "the run never reached the stall point"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.returncode


def _cache_entries_complete(cache):
    entries = [p for p in (cache / "steps").glob("*/*") if p.is_dir()]
    return entries and all((p / "entry.json").is_file() for p in entries)


def test_run_killed_while_writing_outputs_leaves_previous_outputs(tiny_study, tmp_path):
    manifest = tiny_study()
    out = run_study(open_study(manifest)).out_dir
    before = _hashes(out)
    args = ["run", str(manifest), "--force"]
    code = _kill_when_stalled(tmp_path, "coventry_geo.run.pipeline", "_write_maps", args)
    assert code == -signal.SIGKILL
    assert list(tmp_path.glob(".staging-out-*"))  # killed mid-write
    assert _hashes(out) == before
    result = CliRunner().invoke(cli, ["run", str(manifest), "--force"])
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob(".staging-*"))
    assert json.loads((out / "run.json").read_text())["run_id"] != ""


def test_run_killed_while_storing_a_cache_entry_leaves_the_cache_usable(tiny_study, tmp_path):
    manifest = tiny_study()
    args = ["run", str(manifest)]
    code = _kill_when_stalled(tmp_path, "coventry_geo.run.cache", "_write_parts", args)
    assert code == -signal.SIGKILL
    cache = tmp_path / ".coventry_geo_cache" / "tiny"
    assert any((cache / "tmp").iterdir())  # a half-written entry, outside steps/
    assert not (tmp_path / "out").exists()
    result = run_study(open_study(manifest))
    assert result.computed == ["wards", "family:heat", "tables", "maps", "profiles"]
    assert not any((cache / "tmp").iterdir())
    assert _cache_entries_complete(cache)


def test_bad_layer_leaves_outputs_and_cache_consistent(tiny_study, tmp_path):
    manifest = tiny_study()
    out = run_study(open_study(manifest)).out_dir
    before = _hashes(out)
    good = (tmp_path / "heat.tif").read_bytes()
    (tmp_path / "heat.tif").write_bytes(b"not a raster")
    result = CliRunner().invoke(cli, ["run", str(manifest)])
    assert result.exit_code == 2
    assert "layer 'heat'" in result.output
    assert _hashes(out) == before
    assert _cache_entries_complete(tmp_path / ".coventry_geo_cache" / "tiny")
    (tmp_path / "heat.tif").write_bytes(good)
    assert run_study(open_study(manifest)).computed == []


def test_second_run_on_a_locked_output_folder_is_refused(tiny_study, tmp_path):
    manifest = tiny_study()
    with output_lock(tmp_path / "out"):
        result = CliRunner().invoke(cli, ["run", str(manifest)])
    assert result.exit_code == 2
    assert "is being written by another run" in result.output
    assert f"pid {os.getpid()}" in result.output
    assert not (tmp_path / "out").exists()


def test_lock_is_released_by_a_killed_run(tiny_study, tmp_path):
    manifest = tiny_study()
    _kill_when_stalled(tmp_path, "coventry_geo.run.pipeline", "_write_maps", ["run", str(manifest)])
    with output_lock(tmp_path / "out"):
        pass  # would raise OutputError if the dead run still held it


@pytest.mark.parametrize("leftover", ["staging", "retired"])
def test_interrupted_swap_is_recovered(tiny_study, tmp_path, leftover):
    manifest = tiny_study()
    out = run_study(open_study(manifest)).out_dir
    before = _hashes(out)
    if leftover == "retired":  # killed between the two renames of the swap
        os.replace(out, tmp_path / ".retired-out-0000")
    else:  # killed while writing: the staging folder carries the marker from the start
        (tmp_path / ".staging-out-0000").mkdir()
        write_marker(tmp_path / ".staging-out-0000", "tiny")
    result = run_study(open_study(manifest))
    assert result.up_to_date
    assert _hashes(out) == before
    assert not list(tmp_path.glob(".retired-*"))
    assert not list(tmp_path.glob(".staging-*"))
