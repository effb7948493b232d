"""Run the real ``coventry-geo`` console script, and check what it left on disk."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

#: The console script installed in the test environment.
COVENTRY_GEO = Path(sys.executable).parent / "coventry-geo"


def run_cli(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``coventry-geo ARGS`` in a new process; return it with its stdout and stderr."""
    return subprocess.run(
        [str(COVENTRY_GEO), *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_refused(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit status 2, no traceback, and every needle in the output (``validate``: stdout)."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    for needle in needles:
        assert needle in output, f"{needle!r} not in {output!r}"


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    """Exit status 0 and no traceback."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def json_lines(text: str) -> list[dict]:
    """Parse every line as one strict JSON object (no NaN or Infinity)."""
    return [json.loads(line, parse_constant=refuse_constant) for line in text.splitlines()]


def refuse_constant(name: str) -> None:
    """``parse_constant`` hook of a strict JSON parser: NaN and Infinity are errors."""
    msg = f"non-standard JSON constant {name}"
    raise ValueError(msg)


def snapshot(root: Path) -> dict[str, str]:
    """Describe everything under ``root`` without following links.

    Returns relative path to ``dir``, ``link -> <target>`` or the SHA-256 of a file.
    """
    found = {}
    for folder, dirnames, filenames in os.walk(root):
        base = Path(folder)
        for name in [*dirnames, *filenames]:
            path = base / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
