"""Vendored scripts and style sheets, copied next to every page written.

The pages never fetch code from a CDN: Leaflet (BSD-2-Clause, see
``assets/leaflet/LICENSE``) and the toolkit's own small scripts live in
``coventry_geo/maps/assets`` and are copied into ``<output folder>/assets``.
Files are written atomically (:func:`coventry_geo._files.write_atomic`), so a
reader never sees half a page.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from coventry_geo._files import write_atomic

__all__ = [
    "ASSET_DIR",
    "LEAFLET_CSS",
    "LEAFLET_JS",
    "MAPS_JS",
    "MAPS_CSS",
    "copy_assets",
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
