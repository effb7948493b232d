"""One run at a time per output folder: a lock file beside the folder.

:func:`output_lock` holds ``.<name>.lock`` beside the output folder for the
whole run, with the :mod:`filelock` package (the ecosystem's cross-platform
lock: ``flock`` on Unix, ``LockFileEx`` on Windows, an exclusive marker file
where neither is available). The holder's pid and start time are written to
``.<name>.lock.json`` for the message a second run gets. Both files are
removed when the run ends. The operating system releases the lock of a
killed process, and a marker left by a dead process is recognised as stale,
so a killed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coventry_geo._files import strict_dumps
from coventry_geo.errors import OutputError

__all__ = ["lock_path", "output_lock"]


def lock_path(out_dir: Path) -> Path:
    """Return the lock file of an output folder: ``.<name>.lock`` in its parent."""
    out_dir = Path(out_dir).absolute()
    return out_dir.parent / f".{out_dir.name}.lock"


@contextlib.contextmanager
def output_lock(out_dir: str | Path) -> Iterator[Path]:
    """Hold the lock of an output folder while the block runs.

    Parameters
    ----------
    out_dir : str or Path
        The output folder; its parent must exist (the lock file is created there).

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    OutputError
        If another process holds the lock (the message names its pid and
        start time), or the lock file cannot be created.
    """
    out_dir = Path(out_dir)
    path = lock_path(out_dir)
    info = path.with_name(f"{path.name}.json")
    lock, native = _acquire(path, out_dir, info)
    try:
        _write_holder(info)
        yield path
    finally:
        info.unlink(missing_ok=True)
        if native:
            # Unlinked while still held: a process that opened the old file sees it
            # was removed when it gets the lock, and opens a new one (filelock checks).
            path.unlink(missing_ok=True)
        lock.release()


def _acquire(path: Path, out_dir: Path, info: Path) -> tuple[Any, bool]:
    """Take the lock without waiting; return it and whether it is a native Unix lock."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "only soft file lock is available")
        import filelock
    native = sys.platform != "win32" and filelock.has_fcntl
    lock = (
        filelock.UnixFileLock(path, timeout=0, fallback_to_soft=False)
        if native
        else filelock.FileLock(path, timeout=0)  # removes its file itself on release
    )
    try:
        try:
            lock.acquire()
        except OSError as exc:
            if not native or exc.errno != errno.ENOSYS:
                raise
            native = False  # a file system without flock (some network shares)
            lock = filelock.SoftFileLock(path, timeout=0)
            lock.acquire()
    except filelock.Timeout:
        raise OutputError(_busy_message(out_dir, info), path=out_dir) from None
    except OSError as exc:
        msg = (
            f"output folder {out_dir.absolute()}: cannot create its lock file {path} "
            f"({exc.strerror or exc}). Fix: choose a writable --out."
        )
        raise OutputError(msg, path=out_dir) from exc
    return lock, native


def _write_holder(info: Path) -> None:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with contextlib.suppress(OSError):  # only used for the message a second run gets
        info.write_text(strict_dumps({"pid": os.getpid(), "started": started}), encoding="utf-8")


def _busy_message(out_dir: Path, info: Path) -> str:
    try:
        holder = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        holder = {}
    return (
        f"output folder {out_dir.absolute()} is being written by another run "
        f"(pid {holder.get('pid', '?')}, started {holder.get('started', '?')}). "
        "Fix: wait for it to finish, or use a different --out."
    )
