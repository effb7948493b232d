"""Vendored scripts and style sheets, copied next to every page written.

The pages never fetch code from a CDN: Leaflet (BSD-2-Clause, see
``assets/leaflet/LICENSE``) and the toolkit's own small scripts live in
``coventry_geo/maps/assets`` and are copied into ``<output folder>/assets``.
Files are written atomically (a temporary file in the same folder, then
:func:`os.replace`), so a reader never sees half a page.
"""

from __future__ import annotations

import logging
import os
import tempfile
from importlib import resources
from pathlib import Path

from coventry_geo.errors import OutputError

__all__ = [
    "ASSET_DIR",
    "LEAFLET_CSS",
    "LEAFLET_JS",
    "MAPS_JS",
    "MAPS_CSS",
    "copy_assets",
    "write_atomic",
]

logger = logging.getLogger(__name__)

#: Folder, relative to the page, that holds the copied assets.
ASSET_DIR = "assets"
LEAFLET_JS = f"{ASSET_DIR}/leaflet/leaflet.js"
LEAFLET_CSS = f"{ASSET_DIR}/leaflet/leaflet.css"
MAPS_JS = f"{ASSET_DIR}/coventry_geo/maps.js"
MAPS_CSS = f"{ASSET_DIR}/coventry_geo/maps.css"

_PACKAGES = ("leaflet", "coventry_geo")


def copy_assets(out_dir: Path, *, extra: tuple[str, ...] = ()) -> list[Path]:
    """Copy the vendored asset folders into ``out_dir / "assets"``.

    Parameters
    ----------
    out_dir : Path
        Folder of the page.
    extra : tuple of str
        Further asset folders to copy (for example ``"greenblue"``).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OutputError
        If the folder cannot be written.
    """
    source_root = resources.files("coventry_geo.maps") / ASSET_DIR
    written: list[Path] = []
    for package in (*_PACKAGES, *extra):
        with resources.as_file(source_root / package) as source:
            for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
                target = out_dir / ASSET_DIR / package / path.relative_to(source)
                write_atomic(target, path.read_bytes())
                written.append(target)
    logger.debug("copied %d asset files into %s", len(written), out_dir)
    return written


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file and :func:`os.replace`.

    Parameters
    ----------
    path : Path
        Target file; its folder is created when missing.
    data : bytes or str
        Content; ``str`` is written as UTF-8.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        If the folder cannot be created or the file cannot be written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(payload)
        os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; published files must be readable
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
        msg = (
            f"cannot write map output {path}: {exc.strerror or exc}. "
            "Fix: choose a writable output folder, or close the program that holds the file."
        )
        raise OutputError(msg) from exc
    return path
