"""Write a run's outputs so that a failed run never damages the previous ones.

Outputs are written into a staging folder beside the output folder and swapped
into place only when the whole run has succeeded (:func:`staged_output_dir`).
A run that fails or is killed leaves the previous outputs untouched; the
next run removes stale staging folders and restores a folder left half-swapped.
Only folders the toolkit wrote are ever replaced or deleted
(:mod:`coventry_geo.run.folders`).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from coventry_geo._files import write_gpkg_layer
from coventry_geo.columns import (
    DEFAULT_DECIMALS,
    ColumnInfo,
    columns_table,
    for_csv,
    registered_city_values,
)
from coventry_geo.errors import OutputError
from coventry_geo.indicators.green_blue import LINE_LAYER, POLYGON_LAYER, write_green_blue_database
from coventry_geo.run.folders import (
    check_replaceable,
    is_marked,
    newest,
    remove_if_empty,
    remove_owned,
    write_marker,
)
from coventry_geo.run.provenance import RUN_ID_KEY

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd

    from coventry_geo.evidence import Evidence

__all__ = [
    "city_table",
    "recover_output_dir",
    "staged_output_dir",
    "write_csv",
    "write_layers",
    "write_results",
    "write_tables",
    "write_ward_table",
]

logger = logging.getLogger(__name__)

#: The NB2 green-and-blue database: its file and its layers (written by its own writer).
_DATABASE = "green_blue.gpkg"
_DATABASE_LAYERS = (POLYGON_LAYER, LINE_LAYER)

_STAGING = ".staging-"
_RETIRED = ".retired-"


@contextlib.contextmanager
def staged_output_dir(out_dir: str | Path, *, study_code: str) -> Iterator[Path]:
    """Yield an empty staging folder that replaces ``out_dir`` on success.

    Parameters
    ----------
    out_dir : str or Path
        The final output folder; checked with
        :func:`~coventry_geo.run.folders.check_replaceable` before this is called.
    study_code : str, keyword-only
        Written into the folder's marker (:data:`~coventry_geo.run.folders.MARKER`).

    Yields
    ------
    Path
        A new folder beside ``out_dir``, holding the marker; write every output there.

    Raises
    ------
    OutputError
        If the parent folder cannot be written, or ``out_dir`` was given files
        the toolkit did not write while the run was computing.

    Notes
    -----
    On success the previous ``out_dir`` is renamed aside, the staging folder is
    renamed to ``out_dir`` and the files of the old one that its run wrote are
    deleted: each step is an atomic rename on one file system. On any exception
    the staging folder is removed and ``out_dir`` is left exactly as it was.
    """
    out_dir = Path(out_dir)
    recover_output_dir(out_dir)
    staging = out_dir.parent / f"{_STAGING}{out_dir.name}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
        write_marker(staging, study_code)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        msg = (
            f"output folder {out_dir}: cannot write beside it in {out_dir.parent} "
            f"({exc.strerror or exc}). Fix: choose a writable --out."
        )
        raise OutputError(msg, path=out_dir) from exc
    try:
        yield staging
        check_replaceable(out_dir, study_code=study_code)  # again: the user may have added files
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_into_place(staging, out_dir, study_code)


def recover_output_dir(out_dir: Path) -> None:
    """Clean what an interrupted run left beside ``out_dir``.

    Restores a retired previous output folder if the swap was interrupted
    before the new one was in place, deletes stale staging folders and the
    toolkit's files in stale retired ones. Only folders carrying the toolkit's
    marker are restored or deleted; others with such names are left alone.
    """
    retired = _beside(out_dir, _RETIRED)
    latest = newest(retired)
    if latest is not None and not out_dir.exists() and not out_dir.is_symlink():
        latest.replace(out_dir)
        logger.warning("restored previous outputs %s after an interrupted run", out_dir)
        retired.remove(latest)
    for stale in retired:
        remove_owned(stale)
    for stale in _beside(out_dir, _STAGING):
        shutil.rmtree(stale, ignore_errors=True)


def _beside(out_dir: Path, prefix: str) -> list[Path]:
    """Return the marked folders named ``<prefix><out name>-*`` beside ``out_dir``."""
    start = f"{prefix}{out_dir.name}-"
    try:
        siblings = list(out_dir.parent.iterdir())
    except OSError:
        return []
    return [p for p in siblings if p.name.startswith(start) and not p.is_symlink() and is_marked(p)]


def _swap_into_place(staging: Path, out_dir: Path, study_code: str) -> None:
    retired = None
    if out_dir.is_dir() and remove_if_empty(out_dir):
        pass  # an empty folder: nothing to keep aside
    elif out_dir.exists():
        if not is_marked(out_dir):  # outputs of a version before markers: adopted
            write_marker(out_dir, study_code)
        retired = out_dir.parent / f"{_RETIRED}{out_dir.name}-{uuid.uuid4().hex[:8]}"
        out_dir.replace(retired)
    staging.replace(out_dir)
    if retired is not None:
        remove_owned(retired)


def write_results(evidence: Evidence, folder: Path, *, run_id: str | None = None) -> list[Path]:
    """Write a run's results: the ward table, the city values, the extra tables and layers.

    Parameters
    ----------
    evidence : Evidence
        The study's results.
    folder : Path
        Destination (normally a staging folder).
    run_id : str, optional, keyword-only
        Written into each GeoPackage layer's metadata
        (:data:`~coventry_geo.run.provenance.RUN_ID_KEY`).

    Returns
    -------
    list of Path
        The files written: ``wards.gpkg``, ``wards.parquet``, ``wards.csv``,
        ``city.csv``, one CSV per extra table, ``layers.gpkg`` (the small-area
        table and the map layers) and ``green_blue.gpkg`` (the NB2 database,
        :func:`~coventry_geo.indicators.green_blue.write_green_blue_database`).
    """
    return (
        write_ward_table(evidence.wards, folder, run_id=run_id)
        + write_tables(evidence, folder)
        + write_layers(evidence, folder, run_id=run_id)
    )


def write_ward_table(
    table: gpd.GeoDataFrame, folder: Path, *, run_id: str | None = None
) -> list[Path]:
    """Write the ward table as GeoPackage, GeoParquet, CSV and the CSV's column descriptions.

    GeoPackage and GeoParquet keep full precision; ``wards.csv`` (no geometry)
    has counts as integers and floats rounded (:func:`write_csv`);
    ``columns.csv`` describes its columns
    (:func:`~coventry_geo.columns.columns_table`).

    Parameters
    ----------
    table : geopandas.GeoDataFrame
        One row per ward.
    folder : Path
        Destination (normally a staging folder).
    run_id : str, optional, keyword-only
        Written into the GeoPackage's metadata (:data:`~coventry_geo.run.provenance.RUN_ID_KEY`).

    Returns
    -------
    list of Path
        The files written.
    """
    gpkg = folder / "wards.gpkg"
    parquet = folder / "wards.parquet"
    write_gpkg_layer(table, gpkg, "wards", metadata=_run_metadata(run_id))
    table.to_parquet(parquet)
    plain = pd.DataFrame(table.drop(columns=table.geometry.name))
    csv = write_csv(plain, folder / "wards.csv")
    columns = folder / "columns.csv"
    columns_table(list(plain.columns)).to_csv(columns, index=False)
    return [gpkg, parquet, csv, columns]


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV: counts as integers, floats rounded to their column's precision.

    The precision of each column is its registered ``decimals``
    (:func:`~coventry_geo.columns.for_csv`; ``docs/indicators.md``, "Precision
    of the CSV files"). Returns ``path``.
    """
    for_csv(table).to_csv(path, index=False)
    return path


def city_table(city: Mapping[str, float | None], skipped: Mapping[str, str]) -> pd.DataFrame:
    """Return ``city.csv``: a row per city-wide headline value, whether computed or not.

    Parameters
    ----------
    city : mapping of str to float or None
        The values computed (:attr:`~coventry_geo.evidence.Evidence.city`).
    skipped : mapping of str to str
        Families not computed, and why (:attr:`~coventry_geo.evidence.Evidence.skipped`).

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``value`` (text rounded to the value's registered
        precision; empty when not computed), ``unit`` and ``note`` (why a value
        is missing), one row per registered headline value
        (:func:`~coventry_geo.columns.registered_city_values`), then any other
        value computed.
    """
    infos = {c.name: c for c in registered_city_values()}
    rows = []
    for name in [*infos, *(k for k in city if k not in infos)]:
        info = infos.get(name)
        value = city.get(name)
        missing = value is None or pd.isna(value)
        rows.append(
            {
                "indicator": name,
                "value": "" if missing else _formatted(value, info),
                "unit": info.unit if info else "",
                "note": _why_missing(name, info, city, skipped) if missing else "",
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "value", "unit", "note"])


def _formatted(value: float, info: ColumnInfo | None) -> str:
    decimals = DEFAULT_DECIMALS if info is None else info.decimals
    return repr(float(value)) if decimals is None else f"{value:.{decimals}f}"


def _why_missing(
    name: str, info: ColumnInfo | None, city: Mapping[str, float | None], skipped: Mapping[str, str]
) -> str:
    if name in city:
        return "computed, but undefined for these data"
    family = info.family if info else ""
    return f"not assessed: {skipped[family]}" if family in skipped else "not computed"


def write_tables(evidence: Evidence, folder: Path) -> list[Path]:
    """Write ``city.csv`` (a row per headline value, computed or not) and each extra table."""
    files = [folder / "city.csv"]
    city_table(evidence.city, evidence.skipped).to_csv(files[0], index=False)
    files += [write_csv(table, folder / f"{name}.csv") for name, table in evidence.tables.items()]
    return files


def write_layers(evidence: Evidence, folder: Path, *, run_id: str | None = None) -> list[Path]:
    """Write the small-area table and the map layers to ``layers.gpkg``, the NB2 database apart.

    The green-and-blue layers go to ``green_blue.gpkg``, written by
    :func:`~coventry_geo.indicators.green_blue.write_green_blue_database` (the
    database's one writer); every other layer is a layer of ``layers.gpkg``.
    """
    layers = dict(evidence.layers)
    if evidence.small_areas is not None:
        layers = {"small_areas": evidence.small_areas, **layers}
    database = [layers.pop(name) for name in _DATABASE_LAYERS if name in layers]
    metadata = _run_metadata(run_id)
    files = []
    for name, layer in layers.items():
        files.append(write_gpkg_layer(layer, folder / "layers.gpkg", name, metadata=metadata))
    if database:
        assets = pd.concat(database, ignore_index=True)
        files.append(write_green_blue_database(assets, folder / _DATABASE, metadata=metadata))
    return sorted(set(files))


def _run_metadata(run_id: str | None) -> dict[str, str] | None:
    """Return the layer metadata that records the run id (None without one)."""
    return None if run_id is None else {RUN_ID_KEY: run_id}
