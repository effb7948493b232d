"""A run stopped by SIGTERM (a scheduler ending the job) or SIGINT cleans up after itself.

It stops its drawing workers and their forkserver, removes its staging folder and
its lock, leaves the previous outputs exactly as they were, and exits 128 + the
signal number with one line saying so. Runs the real ``coventry-geo`` console script.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli import COVENTRY_GEO, assert_ok, run_cli, snapshot

#: Polling limits while waiting for the run to reach its drawing workers, and to end.
_POLL_S = 0.02
_PATIENCE_S = 300.0


def _session_processes(session: int) -> list[int]:
    """Pids of the live (not zombie) processes of a session, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        state, _ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found.append(int(entry.name))
    return found


def _wait_for(condition, what: str):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + _PATIENCE_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(_POLL_S)
    pytest.fail(f"gave up waiting for {what}")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_in_the_drawing_step_stops_everything_and_keeps_the_outputs(
    tiny_study, tmp_path, signum
) -> None:
    manifest = tiny_study()
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write("\n[maps]\nprocesses = 2\n")  # draw in worker processes even for 4 wards
    assert_ok(run_cli("run", manifest, cwd=tmp_path))
    before = snapshot(tmp_path / "out")

    run = subprocess.Popen(
        [str(COVENTRY_GEO), "run", str(manifest), "--force"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the run, its forkserver and workers share this session
    )
    try:
        helpers = _wait_for(
            lambda: [p for p in _session_processes(run.pid) if p != run.pid],
            "the drawing workers to start",
        )
        assert run.poll() is None, "the run ended before it could be stopped"
        os.kill(run.pid, signum)
        _, err = run.communicate(timeout=_PATIENCE_S)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 128 + signum, err
    stopped = [line for line in err.splitlines() if "run stopped by" in line]
    assert len(stopped) == 1, err
    assert signal.Signals(signum).name in stopped[0]
    assert "Traceback" not in err, err
    _wait_for(lambda: not _session_processes(run.pid), f"helpers {helpers} to end")
    assert snapshot(tmp_path / "out") == before  # the previous outputs, byte for byte
    assert not list(tmp_path.glob(".staging-*")), "staging folder left behind"
    assert not list(tmp_path.glob(".out.lock*")), "lock left behind"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_sigterm_while_the_dask_cluster_starts_is_a_clean_stop(tiny_study, tmp_path) -> None:
    manifest = tiny_study()
    run = subprocess.Popen(
        [str(COVENTRY_GEO), "run", str(manifest), "--workers", "1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        helpers = _wait_for(
            lambda: [p for p in _session_processes(run.pid) if p != run.pid],
            "the Dask cluster's processes to start",
        )
        assert run.poll() is None, "the run ended before it could be stopped"
        os.kill(run.pid, signal.SIGTERM)
        _, err = run.communicate(timeout=_PATIENCE_S)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 128 + signal.SIGTERM, err
    assert "run stopped by SIGTERM" in err
    assert "Traceback" not in err, err
    assert "Aborted" not in err, err
    _wait_for(lambda: not _session_processes(run.pid), f"the cluster's processes {helpers} to end")
    assert not (tmp_path / "out").exists()
