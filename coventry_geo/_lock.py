"""One run at a time per output folder: an advisory lock beside the folder.

:func:`output_lock` takes an exclusive ``fcntl.flock`` on ``.<name>.lock``
beside the output folder for the whole run and writes the holder's pid and
start time into it. The operating system releases the lock when the process
ends, even when it is killed, so a stale lock file never blocks the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from coventry_geo.errors import OutputError

__all__ = ["lock_path", "output_lock"]


def lock_path(out_dir: Path) -> Path:
    """Return the lock file of an output folder: ``.<name>.lock`` in its parent."""
    out_dir = Path(out_dir).resolve()
    return out_dir.parent / f".{out_dir.name}.lock"


@contextlib.contextmanager
def output_lock(out_dir: str | Path) -> Iterator[Path]:
    """Hold the lock of an output folder while the block runs.

    Parameters
    ----------
    out_dir : str or Path
        The output folder (its parent is created if needed).

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    OutputError
        If another process holds the lock: the message names its pid and
        start time.
    """
    path = lock_path(Path(out_dir))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole run)
    except OSError as exc:
        msg = (
            f"output folder {Path(out_dir).resolve()}: cannot create its lock file {path} "
            f"({exc}). Fix: choose a writable --out."
        )
        raise OutputError(msg) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(_busy_message(Path(out_dir), handle)) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(json.dumps({"pid": os.getpid(), "started": started}))
        handle.flush()
        try:
            yield path
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _busy_message(out_dir: Path, handle) -> str:  # noqa: ANN001 (an open text file)
    handle.seek(0)
    try:
        holder = json.loads(handle.read())
    except ValueError:
        holder = {}
    return (
        f"output folder {out_dir.resolve()} is being written by another run "
        f"(pid {holder.get('pid', '?')}, started {holder.get('started', '?')}). "
        "Fix: wait for it to finish, or use a different --out."
    )
