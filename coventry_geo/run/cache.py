"""The step cache of incremental runs: results keyed by the hashes of their inputs.

A run is split into steps (each indicator family, the small-area table, the
maps, ...). Each step has a key: the SHA-256 of its name, the package
version, the content hashes of the layer files it reads, the manifest parts
it reads and the keys of the steps it uses (:func:`step_key`). A step whose
key is in the cache is not computed again; its result is read back.

Layout of a cache folder (one per study by default, see
:func:`default_cache_dir`)::

    file_hashes.json          path -> [size, mtime_ns, sha256] of input files
    steps/<k[:2]>/<key>/      one entry per step result
        entry.json            written last: step, key, the parts and their SHA-256
        part-<i>.parquet      frames (GeoParquet for GeoDataFrames)
        files/...             files a step wrote (maps, the web site)
    tmp/                      entries being written (moved into steps/ when complete)

Entries are written into ``tmp/`` and moved into place with one ``os.replace``,
and ``entry.json`` records the SHA-256 of every part, so a killed run never
leaves a partial entry under ``steps/``, and an entry damaged later is
detected, deleted and recomputed, never used. Nothing is pickled: frames are
Parquet, values JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from coventry_geo._files import file_sha256, strict_dumps, write_atomic
from coventry_geo.errors import OutputError

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_MARKER",
    "CachedResult",
    "FileHashes",
    "StepCache",
    "canonical_json",
    "check_cache_dir",
    "default_cache_dir",
    "step_key",
]

logger = logging.getLogger(__name__)

#: Environment variable naming the cache folder (overridden by ``--cache-dir``).
CACHE_DIR_ENV = "COVENTRY_GEO_CACHE_DIR"

#: File that marks a folder as a step cache.
CACHE_MARKER = ".coventry-geo-cache.json"

_ENTRY = "entry.json"
_FORMAT = 1
_CACHE_ENTRIES = {CACHE_MARKER, "steps", "tmp", "file_hashes.json"}
_TMP_ENTRY = re.compile(r"^(\d+)-[0-9a-f]{8}$")
_STALE_AFTER_S = 24 * 3600


def default_cache_dir(out_dir: Path, study_code: str) -> Path:
    """Return the cache folder of a study: ``$COVENTRY_GEO_CACHE_DIR/<code>`` or beside the outputs.

    Parameters
    ----------
    out_dir : Path
        The run's output folder.
    study_code : str
        The manifest's ``[study] code``.

    Returns
    -------
    Path
        ``<out_dir>/../.coventry_geo_cache/<code>`` unless the environment
        variable :data:`CACHE_DIR_ENV` names another base folder.
    """
    base = os.environ.get(CACHE_DIR_ENV)
    root = Path(base) if base else Path(out_dir).resolve().parent / ".coventry_geo_cache"
    return root / study_code


def canonical_json(value: Any) -> str:
    """Serialise a value as canonical JSON (sorted keys, no spaces) for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def step_key(
    name: str,
    *,
    version: str,
    files: Mapping[str, str],
    manifest: Any,
    after: Iterable[str] = (),
) -> str:
    r"""Return a step's cache key.

    .. math:: k = \mathrm{SHA256}(\mathrm{json}(name, version, files, manifest, after))

    Parameters
    ----------
    name : str
        Step name (``family:flood``, ``maps`` ...).
    version : str, keyword-only
        Package version.
    files : mapping of str to str, keyword-only
        Input label (layer name, ``layer.join[0]`` ...) to the file's SHA-256.
    manifest : any JSON-serialisable value, keyword-only
        The manifest parts the step reads.
    after : iterable of str, keyword-only
        Keys of the steps whose results it uses.

    Returns
    -------
    str
        64 hex digits.
    """
    payload = {
        "step": name,
        "version": version,
        "files": dict(files),
        "manifest": manifest,
        "after": list(after),
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


class FileHashes:
    """SHA-256 of input files, remembered by (path, size, mtime) between runs.

    Parameters
    ----------
    path : Path, optional
        The JSON file holding the remembered hashes (None: remember them in memory only).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.hashed: list[str] = []
        try:
            self._known: dict[str, list] = json.loads(path.read_text(encoding="utf-8"))
        except (AttributeError, OSError, ValueError):
            self._known = {}

    def sha256(self, file: str | Path) -> str:
        """Return a file's SHA-256, hashing it only if its size or mtime changed."""
        resolved = str(Path(file).resolve())
        stat = os.stat(resolved)
        known = self._known.get(resolved)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        digest = file_sha256(resolved)
        self._known[resolved] = [stat.st_size, stat.st_mtime_ns, digest]
        self.hashed.append(resolved)
        return digest

    def save(self) -> None:
        """Write the remembered hashes (atomically) if any file was hashed."""
        if self.hashed and self.path is not None:
            write_atomic(self.path, strict_dumps(self._known, indent=0))


@dataclass
class CachedResult:
    """What a step stored: named frames, JSON values, files and the warnings it issued.

    Attributes
    ----------
    frames : dict of str to pandas.DataFrame
        Frames (GeoDataFrames kept as such).
    values : dict
        JSON-serialisable values.
    files : list of str
        Files the step wrote, relative to the folder it wrote them in.
    warnings : list of dict
        ``{"category": ..., "message": ...}`` of each warning issued.
    """

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


class StepCache:
    """Step results on disk, one folder per key.

    Parameters
    ----------
    root : Path
        The cache folder.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        check_cache_dir(self.root)
        try:
            (self.root / "steps").mkdir(parents=True, exist_ok=True)
            (self.root / "tmp").mkdir(exist_ok=True)
            if not (self.root / CACHE_MARKER).is_file():
                write_atomic(self.root / CACHE_MARKER, strict_dumps({"format": _FORMAT}) + "\n")
        except OSError as exc:
            msg = (
                f"cache folder {self.root} cannot be written ({exc.strerror or exc}). "
                "Fix: give a writable --cache-dir, or run with --no-cache."
            )
            raise OutputError(msg, path=self.root) from exc
        self._clean_tmp()

    def load(self, key: str, *, files_to: Path | None = None) -> CachedResult | None:
        """Return the result stored under a key, or None if absent or damaged.

        Parameters
        ----------
        key : str
        files_to : Path, optional, keyword-only
            Where to copy the step's stored files (for steps that write files).

        Returns
        -------
        CachedResult or None
            None when there is no entry, or when the entry is incomplete or a
            part's SHA-256 differs from the one recorded: the entry is then
            deleted (with a warning in the log) so that the step is recomputed.
        """
        folder = self._folder(key)
        if not folder.is_dir():
            return None
        try:
            entry = json.loads((folder / _ENTRY).read_text(encoding="utf-8"))
            _verify(folder, entry["parts"])
            result = _read(folder, entry)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("cache entry %s is damaged (%s): recomputing it", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
            return None
        if files_to is not None:
            for rel in result.files:
                target = files_to / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / "files" / rel, target)
        return result

    def store(
        self, key: str, step: str, result: CachedResult, *, files_from: Path | None = None
    ) -> None:
        """Store a step's result under its key (atomically).

        Parameters
        ----------
        key : str
        step : str
            Step name (recorded in the entry).
        result : CachedResult
        files_from : Path, optional, keyword-only
            Folder the result's ``files`` are relative to.
        """
        tmp = self.root / "tmp" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            parts = _write_parts(tmp, result, files_from)
            entry = {
                "format": _FORMAT,
                "step": step,
                "key": key,
                "frames": {
                    n: [p, _is_geo(f)]
                    for (n, f), p in zip(result.frames.items(), parts, strict=True)
                },
                "values": result.values,
                "files": result.files,
                "warnings": result.warnings,
                "parts": {p: file_sha256(tmp / p) for p in _part_names(tmp)},
            }
            (tmp / _ENTRY).write_text(strict_dumps(entry), encoding="utf-8")
            final = self._folder(key)
            final.parent.mkdir(exist_ok=True)
            with contextlib.suppress(OSError):  # another run stored the same key first
                os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _folder(self, key: str) -> Path:
        return self.root / "steps" / key[:2] / key

    def _clean_tmp(self) -> None:
        """Delete what killed runs left in ``tmp/`` (entries of processes no longer alive)."""
        for stale in (self.root / "tmp").iterdir():
            match = _TMP_ENTRY.match(stale.name)
            if match and not stale.is_symlink() and _stale(stale, int(match.group(1))):
                shutil.rmtree(stale, ignore_errors=True)


def check_cache_dir(root: Path) -> None:
    """Refuse a cache folder that holds files the toolkit did not write.

    A cache folder is used when it is missing, empty, or holds only what a
    cache holds (:data:`CACHE_MARKER`, ``steps/``, ``tmp/``, ``file_hashes.json``).

    Raises
    ------
    OutputError
        Naming the folder and what it holds.
    """
    root = Path(root)
    if not root.exists() and not root.is_symlink():
        return
    try:
        names = sorted(p.name for p in root.iterdir())
    except OSError as exc:
        msg = (
            f"cache folder {root} is not a folder that can be read ({exc.strerror or exc}). "
            "Fix: give an empty or new --cache-dir, or run with --no-cache."
        )
        raise OutputError(msg, path=root) from exc
    foreign = [n for n in names if n not in _CACHE_ENTRIES]
    if foreign:
        msg = (
            f"cache folder {root} holds files the toolkit did not write "
            f"({', '.join(foreign[:8])}{' ...' if len(foreign) > 8 else ''}); the toolkit "
            "deletes stale entries in its cache, so it will not use this folder. Fix: give an "
            "empty or new --cache-dir (or set COVENTRY_GEO_CACHE_DIR), or run with --no-cache."
        )
        raise OutputError(msg, path=root)


def _stale(entry: Path, pid: int) -> bool:
    """Whether a ``tmp/`` entry was left by a process that is gone.

    On Windows ``os.kill(pid, 0)`` would send Ctrl+C to the process, so an
    entry counts as stale there when it is a day old.
    """
    if sys.platform == "win32":
        return time.time() - entry.stat().st_mtime > _STALE_AFTER_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _is_geo(frame: pd.DataFrame) -> bool:
    import geopandas as gpd

    return isinstance(frame, gpd.GeoDataFrame)


def _write_parts(folder: Path, result: CachedResult, files_from: Path | None) -> list[str]:
    names = []
    for i, frame in enumerate(result.frames.values()):
        names.append(f"part-{i}.parquet")
        frame.to_parquet(folder / names[-1])
    for rel in result.files:
        target = folder / "files" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(files_from) / rel, target)
    return names


def _part_names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _verify(folder: Path, parts: dict[str, str]) -> None:
    for rel, digest in parts.items():
        if file_sha256(folder / rel) != digest:
            msg = f"{rel} does not match its recorded SHA-256"
            raise ValueError(msg)


def _read(folder: Path, entry: dict[str, Any]) -> CachedResult:
    import geopandas as gpd

    frames = {
        name: (gpd.read_parquet if geo else pd.read_parquet)(folder / part)
        for name, (part, geo) in entry["frames"].items()
    }
    return CachedResult(
        frames=frames, values=entry["values"], files=entry["files"], warnings=entry["warnings"]
    )
