"""Which folders the toolkit may replace or delete: only the ones it wrote.

Every output folder the toolkit creates holds :data:`MARKER`, a small JSON
file naming the toolkit, its version and the study. An existing folder is
replaced only when it is empty, or carries the marker of the same study and
holds nothing but what its last run wrote (the files ``run.json`` lists, and
``run.json`` and the marker themselves). A folder written before markers
existed is accepted when it holds exactly the files its ``run.json`` lists.
Anything else is refused with :class:`~coventry_geo.errors.OutputError`
naming the folder, what it holds and the fix, and nothing is touched.

A folder holding the manifest, a layer file, a ``.git`` folder, the step
cache, or the current folder is never replaced, whatever it carries.

Deleting is as careful: :func:`remove_owned` deletes only the files a folder's
``run.json`` lists (never following a symbolic link), then the folders left
empty; whatever else is there stays, with a warning.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import Any

from coventry_geo._files import strict_dumps
from coventry_geo._version import __version__
from coventry_geo.errors import OutputError

__all__ = [
    "MARKER",
    "check_replaceable",
    "foreign_entries",
    "is_marked",
    "new_folder_beside",
    "newest",
    "read_marker",
    "remove_if_empty",
    "remove_owned",
    "safe_resolve",
    "write_marker",
]

logger = logging.getLogger(__name__)

#: File in every output folder the toolkit creates.
MARKER = ".coventry-geo-output.json"
_RUN_RECORD = "run.json"
_SHOWN = 8  # entries listed in a message


def safe_resolve(path: str | Path, *, what: str = "output folder") -> Path:
    """Return ``path`` made absolute with symbolic links resolved.

    Raises
    ------
    OutputError
        If resolving meets a symbolic link loop or a folder that cannot be read.
    """
    try:
        resolved = Path(path).expanduser().resolve()
        if resolved.is_symlink():  # Python >= 3.13 leaves a loop unresolved: stat raises ELOOP
            resolved.stat()
    except (RuntimeError, OSError) as exc:  # Python < 3.13 raises RuntimeError for loops
        msg = (
            f"{what} {path}: cannot be resolved ({exc}): a symbolic link loop, or a folder "
            "that cannot be read. Fix: give a real folder path."
        )
        raise OutputError(msg, path=path) from exc
    return resolved


def write_marker(folder: Path, study_code: str) -> Path:
    """Write :data:`MARKER` into ``folder``; return its path."""
    record = {
        "written_by": "coventry_geo",
        "version": __version__,
        "study": study_code,
        "note": "coventry_geo replaces this folder at each run: keep no other files here.",
    }
    path = folder / MARKER
    path.write_text(strict_dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def read_marker(folder: Path) -> dict[str, Any] | None:
    """Return the marker of a folder, or None when it has none (or an unreadable one)."""
    record = _json_file(folder / MARKER)
    return record if record.get("written_by") == "coventry_geo" else None


def _json_file(path: Path) -> dict[str, Any]:
    """Return the JSON object in a regular file (not a link); empty when absent or unreadable."""
    if path.is_symlink() or not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def is_marked(folder: Path) -> bool:
    """Whether a folder carries the toolkit's marker."""
    return read_marker(folder) is not None


def check_replaceable(
    out_dir: Path, *, study_code: str, protected: Mapping[str, Path] | None = None
) -> None:
    """Refuse, before anything is written, an output folder the toolkit may not replace.

    Parameters
    ----------
    out_dir : Path
        The output folder (absolute, resolved).
    study_code : str
        The study's code: a marked folder of another study is refused.
    protected : mapping of str to Path, optional
        Description (``"the manifest"``, ``"layer 'wards'"``) to path of what
        the folder must not hold.

    Raises
    ------
    OutputError
        If the folder holds a protected path, a ``.git`` folder, or anything
        the toolkit did not write, or is a file.
    """
    _check_protected(out_dir, protected or {}, study_code)
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    if not out_dir.is_dir():
        msg = (
            f"output folder {out_dir} is a file, not a folder. Fix: give a folder path as "
            f"--out, e.g. --out {new_folder_beside(out_dir, study_code)}."
        )
        raise OutputError(msg, path=out_dir)
    if all(p.name in _CLUTTER for p in _listing(out_dir)):
        return
    if (out_dir / ".git").exists():
        msg = (
            f"output folder {out_dir} holds a .git folder (a repository); the toolkit never "
            f"replaces it. Fix: write the outputs to a new sub-folder, e.g. "
            f"--out {out_dir / 'outputs' / study_code}."
        )
        raise OutputError(msg, path=out_dir)
    _check_owner(out_dir, study_code)
    foreign = foreign_entries(out_dir)
    if foreign:
        raise OutputError(_foreign_message(out_dir, foreign, study_code), path=out_dir)


def _check_protected(out_dir: Path, protected: Mapping[str, Path], study_code: str) -> None:
    inside = [(what, p) for what, p in protected.items() if p == out_dir or out_dir in p.parents]
    if inside:
        held = "; ".join(f"{what} ({p})" for what, p in inside[:_SHOWN])
        msg = (
            f"output folder {out_dir} holds {held}. The toolkit never replaces a folder that "
            "holds its inputs, its cache or the current folder. Fix: write the outputs to a "
            f"folder of their own, e.g. --out {out_dir / 'outputs' / study_code}."
        )
        raise OutputError(msg, path=out_dir)


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError as exc:
        msg = (
            f"output folder {folder} cannot be read ({exc.strerror or exc}). "
            "Fix: give a folder you can read and write."
        )
        raise OutputError(msg, path=folder) from exc


def _check_owner(out_dir: Path, study_code: str) -> None:
    marker = read_marker(out_dir)
    if marker is None and _run_record(out_dir) is None:
        msg = (
            f"output folder {out_dir} already holds files that coventry_geo did not write "
            f"(it has no {MARKER} and no run.json of a run): "
            f"{_shown(sorted(p.name for p in _listing(out_dir)))}. The toolkit replaces the "
            "whole output folder at each run, so it refuses to use this one. Fix: give an "
            f"empty or new folder, e.g. --out {new_folder_beside(out_dir, study_code)}."
        )
        raise OutputError(msg, path=out_dir)
    if marker is not None and marker.get("study") != study_code:
        msg = (
            f"output folder {out_dir} holds the outputs of study '{marker.get('study')}', "
            f"not of '{study_code}'. Fix: give each study its own output folder "
            f"(e.g. --out {out_dir.parent / study_code})."
        )
        raise OutputError(msg, path=out_dir)


def _foreign_message(out_dir: Path, foreign: list[PurePath], study_code: str) -> str:
    names = [p.as_posix() for p in foreign]
    return (
        f"output folder {out_dir} holds {len(names)} file(s) or folder(s) that the last "
        f"coventry_geo run did not write: {_shown(names)}. The folder is replaced whole at "
        "each run, so the toolkit refuses rather than delete them. Fix: move them out of the "
        f"folder and run again, or give another folder (e.g. --out "
        f"{new_folder_beside(out_dir, study_code)})."
    )


def new_folder_beside(folder: Path, study_code: str) -> Path:
    """Return a folder beside ``folder`` that does not exist yet, to suggest instead of it.

    ``<folder>-<study code>``, then ``-2``, ``-3`` ... until the name is free.

    Examples
    --------
    >>> new_folder_beside(Path("/no/such/outputs"), "demo").as_posix()
    '/no/such/outputs-demo'
    """
    base = folder.parent / f"{folder.name}-{study_code}"
    candidate, n = base, 2
    while candidate.exists() or candidate.is_symlink():
        candidate, n = base.with_name(f"{base.name}-{n}"), n + 1
    return candidate


def _shown(names: list[str]) -> str:
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def _run_record(folder: Path) -> dict[str, Any] | None:
    record = _json_file(folder / _RUN_RECORD)
    return record if "run_id" in record and isinstance(record.get("outputs"), list) else None


def _owned(folder: Path) -> set[PurePath]:
    """Return the paths (relative) the last run wrote into ``folder``, by its ``run.json``."""
    owned = {PurePath(MARKER), PurePath(_RUN_RECORD)}
    record = _run_record(folder) or {"outputs": []}
    for output in record["outputs"]:
        rel = PurePath(str(output.get("path", ""))) if isinstance(output, dict) else None
        if rel is not None and rel.parts and not rel.is_absolute() and ".." not in rel.parts:
            owned.add(rel)
    return owned


def _walk(folder: Path) -> tuple[list[PurePath], list[PurePath]]:
    """Files (symbolic links included) and folders under ``folder``, never following links."""
    files: list[PurePath] = []
    folders: list[PurePath] = []
    unreadable: list[OSError] = []
    for root, dirnames, filenames in os.walk(folder, onerror=unreadable.append):
        base = Path(root)
        for name in dirnames:
            rel = (base / name).relative_to(folder)
            (files if (base / name).is_symlink() else folders).append(rel)
        files += [(base / name).relative_to(folder) for name in filenames]
    if unreadable:
        exc = unreadable[0]
        msg = (
            f"output folder {folder}: {exc.filename} cannot be read ({exc.strerror or exc}); "
            "the toolkit will not replace a folder it cannot see all of. Fix: give an empty "
            "or new folder as --out."
        )
        raise OutputError(msg, path=folder)
    return files, folders


def foreign_entries(folder: Path) -> list[PurePath]:
    """Return what ``folder`` holds that its last run did not write (relative paths, sorted).

    A symbolic link counts as foreign (the toolkit writes none); a folder is
    foreign when it holds nothing the run wrote. Files that programs derive
    from the outputs by themselves are not foreign: see :func:`_derived`.
    """
    owned = _owned(folder)
    files, folders = _walk(folder)
    keep = {parent for p in owned for parent in p.parents}
    foreign = [f for f in files if (folder / f).is_symlink() or not _derived(f, owned)]
    foreign += [d for d in folders if d not in keep]
    return sorted(foreign)


#: Files other programs write beside an output while reading it: GDAL's statistics
#: (``.aux.xml``, written by QGIS too) and SQLite's journals of an open GeoPackage.
_SIDECARS = (".aux.xml", "-wal", "-shm", "-journal")
#: Thumbnail caches the file browsers of macOS and Windows write into any folder.
_CLUTTER = {".DS_Store", "Thumbs.db"}


def _derived(rel: PurePath, owned: set[PurePath]) -> bool:
    """Whether a file is an output, or is derived from one (deleting it loses nothing)."""
    if rel in owned or rel.name in _CLUTTER:
        return True
    return any(
        rel.name.endswith(end) and rel.with_name(rel.name[: -len(end)]) in owned
        for end in _SIDECARS
    )


def remove_owned(folder: Path) -> bool:
    """Delete what the toolkit wrote in ``folder``, then the folder if nothing else is left.

    Parameters
    ----------
    folder : Path
        A folder written by a run (a previous output folder set aside).

    Returns
    -------
    bool
        True when the folder is gone; False when it held other files, which
        are left in place (with a warning naming the folder).
    """
    owned = _owned(folder)
    files, folders = _walk(folder)
    for rel in files:
        if _derived(rel, owned) and not (folder / rel).is_symlink():
            (folder / rel).unlink(missing_ok=True)
    for rel in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        _rmdir_if_empty(folder / rel)
    if _rmdir_if_empty(folder):
        return True
    logger.warning(
        "left %s in place: it holds files coventry_geo did not write (%s)",
        folder,
        _shown([p.as_posix() for p in foreign_entries(folder)]),
    )
    return False


def remove_if_empty(folder: Path) -> bool:
    """Remove a folder that holds nothing but file-browser clutter; return whether it did.

    Parameters
    ----------
    folder : Path

    Returns
    -------
    bool
        False (and nothing touched) when the folder holds anything else.
    """
    entries = _listing(folder)
    if any(p.name not in _CLUTTER or not p.is_file() or p.is_symlink() for p in entries):
        return False
    for clutter in entries:
        clutter.unlink()
    return _rmdir_if_empty(folder)


def _rmdir_if_empty(folder: Path) -> bool:
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def newest(paths: Iterable[Path]) -> Path | None:
    """Return the most recently modified of ``paths`` (None when there is none)."""
    return max(paths, key=lambda p: p.stat().st_mtime_ns, default=None)
