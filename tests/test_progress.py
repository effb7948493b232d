"""The step progress bar: on a terminal only, and never with -q or JSON logs."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from tests.cli import COVENTRY_GEO, assert_ok, run_cli

#: tqdm's counter, e.g. ``7/9 [00:03<00:01, 2.10step/s, maps]``.
_BAR = re.compile(r"\d+/\d+ \[[^\]]*step")


def run_on_terminal(*args: str | Path, cwd: Path) -> tuple[int, str]:
    """Run ``coventry-geo ARGS`` with stderr on a pseudo-terminal; return status and stderr."""
    master, slave = pty.openpty()
    # 24 rows of 120 columns: a new pseudo-terminal has size 0, where tqdm draws nothing.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    process = subprocess.Popen(
        [str(COVENTRY_GEO), *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: every process holding the terminal has ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return process.wait(timeout=600), b"".join(chunks).decode(errors="replace")


@pytest.fixture
def manifest(tiny_study) -> Path:
    """The tiny study without report maps and profiles (the bar is the same; the run quicker)."""
    path = tiny_study(study={"outputs": "out"})
    with path.open("a", encoding="utf-8") as toml:
        toml.write("\n[maps]\nstatic = false\nprofiles = false\n")
    return path


def test_bar_on_a_terminal_names_the_steps(manifest: Path, tmp_path: Path) -> None:
    status, stderr = run_on_terminal("run", manifest, "--no-cache", cwd=tmp_path)
    assert status == 0, stderr
    assert _BAR.search(stderr), stderr
    assert "tables" in stderr  # the step under way is shown beside the counter


@pytest.mark.parametrize("option", [["-q"], ["--log-format", "json"]])
def test_no_bar_with_quiet_or_json_logs(manifest: Path, tmp_path: Path, option) -> None:
    status, stderr = run_on_terminal("run", manifest, "--no-cache", *option, cwd=tmp_path)
    assert status == 0, stderr
    assert not _BAR.search(stderr), stderr


def test_no_bar_when_stderr_is_not_a_terminal(manifest: Path, tmp_path: Path) -> None:
    result = run_cli("run", manifest, "--no-cache", cwd=tmp_path)
    assert_ok(result)
    assert not _BAR.search(result.stderr), result.stderr
