"""Provenance of a run: its id, inputs, environment, steps, outputs and warnings.

Every run writes ``run.json`` in its output folder (:func:`run_record`), and
every output file carries the run id: GeoPackages in each layer's metadata
(``coventry_geo_run_id``), every other top-level file in a sidecar
``<file>.run.json`` and the files of a sub-folder (maps, web site) in
``<folder>/provenance.json`` (:func:`stamp_outputs`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import platform
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coventry_geo._files import file_sha256, strict_dumps
from coventry_geo._version import __version__

if TYPE_CHECKING:
    from coventry_geo.run.cache import FileHashes
    from coventry_geo.study import Study

__all__ = [
    "DEPENDENCIES",
    "RUN_ID_KEY",
    "environment",
    "input_records",
    "new_run_id",
    "output_records",
    "read_run_record",
    "recorded_log_warnings",
    "stamp_outputs",
]

logger = logging.getLogger(__name__)

#: Metadata key of the run id in every GeoPackage written.
RUN_ID_KEY = "coventry_geo_run_id"

#: Distributions whose versions ``run.json`` records.
DEPENDENCIES = (
    "geopandas",
    "shapely",
    "pyogrio",
    "pyproj",
    "rasterio",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "xarray",
    "folium",
    "mapclassify",
    "matplotlib",
    "esda",
    "libpysal",
)


def new_run_id(run_key: str | None) -> str:
    """Return a run id: the UTC time and the first 8 digits of the run key.

    Example: ``20260314T101500Z-3fa9c2d1``.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{(run_key or 'nocache0')[:8]}"


def environment() -> dict[str, Any]:
    """Return the package, Python, GDAL and main dependency versions."""
    deps = {}
    for name in DEPENDENCIES:
        with contextlib.suppress(PackageNotFoundError):
            deps[name] = version(name)
    try:
        import pyogrio

        deps["GDAL"] = pyogrio.__gdal_version_string__
    except (ImportError, AttributeError):
        pass
    return {
        "coventry_geo": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "dependencies": deps,
    }


def input_records(study: Study, hashes: FileHashes) -> list[dict[str, Any]]:
    """Describe every input file of the manifest: layer, kind, path, size and SHA-256.

    Layers whose file is absent (optional layers) or remote (URLs) are listed
    with ``present = false`` or their URL, without a hash.
    """
    records = []
    for name, spec in study.manifest.layers.items():
        files = [(name, spec.path), *spec.table_files.items()]
        for label, path in files:
            record: dict[str, Any] = {"layer": label, "kind": spec.kind, "path": str(path)}
            if spec.is_url and label == name:
                record["url"] = True
            elif Path(path).is_file():
                record |= {"size": Path(path).stat().st_size, "sha256": hashes.sha256(path)}
            else:
                record["present"] = False
            records.append(record)
    return records


def output_records(folder: Path, files: list[Path], steps: dict[Path, str]) -> list[dict[str, Any]]:
    """Describe output files: path (relative), size, SHA-256 and the step that wrote them."""
    return [
        {
            "path": str(f.relative_to(folder)),
            "size": f.stat().st_size,
            "sha256": file_sha256(f),
            "step": steps.get(f, "tables"),
        }
        for f in files
    ]


def stamp_outputs(
    folder: Path, files: list[Path], run_id: str, *, steps: dict[Path, str]
) -> list[Path]:
    """Write the provenance sidecars of outputs that cannot hold the run id themselves.

    Parameters
    ----------
    folder : Path
        The (staging) output folder.
    files : list of Path
        Every output written so far. GeoPackages are skipped: they carry the
        run id in their metadata (see :data:`RUN_ID_KEY`).
    run_id : str
    steps : dict of Path to str, keyword-only
        The step that wrote each file (default ``tables``).

    Returns
    -------
    list of Path
        The sidecars written.
    """
    sidecars = []
    folders: dict[Path, list[Path]] = {}
    for f in files:
        if f.parent != folder:
            top = folder / f.relative_to(folder).parts[0]
            folders.setdefault(top, []).append(f)
        elif f.suffix != ".gpkg":
            record = {"run_id": run_id, **output_records(folder, [f], steps)[0]}
            sidecars.append(_write_json(f.with_name(f"{f.name}.run.json"), record))
    for top, members in folders.items():
        record = {"run_id": run_id, "files": output_records(top, members, steps)}
        sidecars.append(_write_json(top / "provenance.json", record))
    return sidecars


def _write_json(path: Path, record: dict[str, Any]) -> Path:
    path.write_text(strict_dumps(record, indent=2), encoding="utf-8")
    return path


def read_run_record(folder: Path) -> dict[str, Any] | None:
    """Return the ``run.json`` of an output folder, or None when absent or unreadable."""
    try:
        return json.loads((Path(folder) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "py.warnings":
            return  # Python warnings are recorded with their category
        entry = {
            "category": f"log:{record.levelname}",
            "logger": record.name,
            "message": record.getMessage(),
        }
        if entry not in self.records:
            self.records.append(entry)


@contextlib.contextmanager
def recorded_log_warnings() -> Iterator[list[dict[str, str]]]:
    """Collect the WARNING and ERROR log records of ``coventry_geo`` while the block runs."""
    collector = _Collector()
    package = logging.getLogger("coventry_geo")
    package.addHandler(collector)
    try:
        yield collector.records
    finally:
        package.removeHandler(collector)
