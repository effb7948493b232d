"""The history of a study's runs, carried from each output folder into the next.

Every run that writes outputs appends one row to ``history.csv`` in its output
folder: the run id, its start time, the SHA-256 of the manifest and of every
input file (``sha256:<layer>`` columns) and the city-level value of every
indicator that has one (:func:`city_values`). It also keeps its ward table as
``history/<run id>.csv``, so that any two runs of the history can be compared
ward by ward (:mod:`coventry_geo.progress.compare`).

The rows and ward tables of the earlier runs are copied from the previous output
folder into the staging folder of the new run (:func:`carry_history`), before the
swap: they are outputs of the new run like any other (listed in its ``run.json``),
so the folder rules of :mod:`coventry_geo.run.folders` apply unchanged and no
run's row is lost when the previous folder is retired. A run that finds its
outputs up to date writes nothing, so it adds no row. A previous output folder
written before histories existed gives its run as the first row (from its
``run.json`` and ``wards.csv``).
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coventry_geo.columns import ColumnInfo, column_info, for_csv
from coventry_geo.errors import OutputError
from coventry_geo.run.provenance import read_run_record
from coventry_geo.styles import map_style

if TYPE_CHECKING:
    from coventry_geo.evidence import Evidence
    from coventry_geo.progress.targets import Target
    from coventry_geo.study import Study

__all__ = [
    "HISTORY",
    "INPUT_PREFIX",
    "SNAPSHOTS",
    "carry_history",
    "city_values",
    "history_row",
    "read_history",
    "record_run",
    "snapshot_path",
    "valid_run_id",
]

#: The history table in every output folder.
HISTORY = "history.csv"
#: Folder of the ward tables of the runs of the history, ``history/<run id>.csv``.
SNAPSHOTS = "history"
#: Prefix of the columns holding each input file's SHA-256 (``sha256:heat``).
INPUT_PREFIX = "sha256:"
_RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-z]{8}$")
#: Units of extensive quantities: the city value is the sum over the wards.
_SUMMED_UNITS = frozenset({"ha", "km", "MWh/year"})
#: Prefix of a share of people or homes and the ward column it is a share of.
_SHARE_OF = {"pct_residents_": "residents", "pct_residences_": "residences"}


def valid_run_id(text: str) -> bool:
    """Whether ``text`` has the form of a run id (``20260314T101500Z-3fa9c2d1``)."""
    return bool(_RUN_ID.match(text))


def snapshot_path(folder: Path, run_id: str) -> Path:
    """Return where an output folder keeps the ward table of a run of its history."""
    return folder / SNAPSHOTS / f"{run_id}.csv"


def city_values(wards: pd.DataFrame, city: Mapping[str, Any]) -> dict[str, float]:
    """Return the city-level value of every indicator that has one.

    Parameters
    ----------
    wards : pandas.DataFrame
        The ward table.
    city : mapping of str to float
        The values the run computed for the whole city (``Evidence.city``); they win.

    Returns
    -------
    dict of str to float
        The run's city values, then for the other registered ward columns:
        counts and extensive quantities (persons, ha, km, MWh/year) summed;
        ``*_area_pct`` weighted by ``area_ha``; ``pct_residents_*`` and
        ``pct_residences_*`` weighted by ``residents`` and ``residences``.
        Other columns (ratios, indices, scores) have no city value here.
    """
    from coventry_geo.indicators import load_families

    load_families()
    values = {k: float(v) for k, v in city.items() if _is_number(v)}
    for name in wards.columns:
        info = _registered(name)
        if name in values or info is None or map_style(info).kind not in ("quantity", "count"):
            continue
        value = _city_value(wards, info)
        if value is not None:
            values[name] = value
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def _registered(name: str) -> ColumnInfo | None:
    try:
        return column_info(name)
    except KeyError:
        return None


def _city_value(wards: pd.DataFrame, info: ColumnInfo) -> float | None:
    numbers = pd.to_numeric(wards[info.name], errors="coerce")
    if map_style(info).kind == "count" or info.unit in _SUMMED_UNITS:
        return float(numbers.sum()) if numbers.notna().any() else None
    weight = "area_ha" if info.name.endswith("_area_pct") else None
    weight = next((w for p, w in _SHARE_OF.items() if info.name.startswith(p)), weight)
    if weight is None or weight not in wards.columns:
        return None
    weights = pd.to_numeric(wards[weight], errors="coerce")
    ok = numbers.notna() & weights.notna()
    if not ok.any() or weights[ok].sum() <= 0:
        return None
    return float(np.average(numbers[ok], weights=weights[ok]))


def history_row(
    run_id: str,
    started: str,
    *,
    inputs: Sequence[Mapping[str, Any]],
    manifest_sha256: str,
    values: Mapping[str, float],
) -> dict[str, Any]:
    """Return one run's row of ``history.csv``.

    Parameters
    ----------
    run_id : str
    started : str
        The run's start time (ISO 8601, UTC).
    inputs : sequence of mapping
        The input records of ``run.json`` (``layer``, ``sha256``; absent files have none).
    manifest_sha256 : str
    values : mapping of str to float
        The run's city values (:func:`city_values`).

    Returns
    -------
    dict
        ``run_id``, ``date``, ``manifest_sha256``, the city values, then one
        ``sha256:<layer>`` per input (empty for an absent file or a URL).
    """
    row: dict[str, Any] = {"run_id": run_id, "date": started, "manifest_sha256": manifest_sha256}
    row |= {k: v for k, v in values.items() if math.isfinite(v)}
    row |= {f"{INPUT_PREFIX}{r['layer']}": r.get("sha256", "") for r in inputs}
    return row


def read_history(folder: Path) -> pd.DataFrame:
    """Return the history of an output folder (empty when it has none).

    Raises
    ------
    OutputError
        If ``history.csv`` is there but cannot be read or has no ``run_id`` column.
    """
    path = Path(folder) / HISTORY
    if not path.is_file() or path.is_symlink():
        return pd.DataFrame(columns=["run_id", "date"])
    try:
        table = pd.read_csv(path, dtype={"run_id": str, "date": str, "manifest_sha256": str})
    except (OSError, ValueError) as exc:
        msg = (
            f"history {path}: cannot be read ({exc}). The toolkit carries it into every new "
            "output folder, so it will not drop it. Fix: restore it from a backup, or move it "
            "out of the folder to start a new history."
        )
        raise OutputError(msg, path=path) from exc
    if "run_id" not in table.columns:
        msg = (
            f"history {path}: has no run_id column; it was not written by coventry_geo. "
            "Fix: restore it from a backup, or move it out of the folder to start a new history."
        )
        raise OutputError(msg, path=path)
    return table


def carry_history(
    previous: Path, staging: Path, row: Mapping[str, Any], wards: pd.DataFrame
) -> list[Path]:
    """Write the history of a new run: the previous folder's runs, then this one.

    Parameters
    ----------
    previous : Path
        The output folder the run replaces (it may not exist).
    staging : Path
        The new run's staging folder.
    row : mapping
        This run's row (:func:`history_row`).
    wards : pandas.DataFrame
        This run's ward table (without geometry), kept as ``history/<run id>.csv``
        rounded as ``wards.csv`` is (:func:`~coventry_geo.columns.for_csv`).

    Returns
    -------
    list of Path
        ``history.csv`` and the ward table of each run of the history.

    Raises
    ------
    OutputError
        If the previous history cannot be read.
    """
    table, files = _earlier_runs(previous, staging)
    table = pd.concat([table, pd.DataFrame([dict(row)])], ignore_index=True)
    current = snapshot_path(staging, str(row["run_id"]))
    current.parent.mkdir(exist_ok=True)
    for_csv(wards).to_csv(current, index=False)  # as wards.csv: compare reads both alike
    table.to_csv(staging / HISTORY, index=False)
    return [staging / HISTORY, *files, current]


def _earlier_runs(previous: Path, staging: Path) -> tuple[pd.DataFrame, list[Path]]:
    """Copy the earlier runs' ward tables into ``staging``; return their rows and the copies."""
    table = read_history(previous)
    ids = [i for i in table["run_id"].astype(str) if valid_run_id(i)]
    sources = {i: snapshot_path(previous, i) for i in ids}
    if table.empty:
        table, sources = _first_run(previous)
    files = []
    for run_id, source in sources.items():
        if source.is_symlink() or not source.is_file():
            continue  # a ward table deleted by hand: its row stays, without ward detail
        target = snapshot_path(staging, run_id)
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
        files.append(target)
    return table, files


def _first_run(previous: Path) -> tuple[pd.DataFrame, dict[str, Path]]:
    """Return the row and ward table of a folder written before histories existed (or none)."""
    record = read_run_record(previous) if previous.is_dir() else None
    wards_csv = previous / "wards.csv"
    run_id = str((record or {}).get("run_id", ""))
    if not valid_run_id(run_id) or not wards_csv.is_file() or wards_csv.is_symlink():
        return pd.DataFrame(columns=["run_id", "date"]), {}
    row = history_row(
        run_id,
        str(record.get("started", "")),
        inputs=record.get("inputs", []),
        manifest_sha256=str(record.get("manifest_sha256", "")),
        values=city_values(pd.read_csv(wards_csv), record.get("city", {})),
    )
    return pd.DataFrame([row]), {run_id: wards_csv}


def record_run(
    study: Study,
    evidence: Evidence,
    *,
    previous: Path,
    staging: Path,
    run_id: str,
    started: datetime,
    inputs: Sequence[Mapping[str, Any]],
) -> list[Path]:
    """Write a successful run's history and, when the manifest sets targets, its progress.

    The one call the pipeline makes, in the staging folder before the swap.

    Parameters
    ----------
    study : Study
    evidence : Evidence
        The run's results.
    previous : Path
        The output folder the run replaces.
    staging : Path
    run_id : str
    started : datetime
        When the run started (UTC); its date is the "as of" date of the progress.
    inputs : sequence of mapping
        The run's input records (as in ``run.json``).

    Returns
    -------
    list of Path
        ``history.csv``, the ward tables of the history and, with ``[targets]``,
        ``progress.csv`` and ``progress.png``.
    """
    from coventry_geo._files import file_sha256
    from coventry_geo.progress.targets import write_progress

    wards = pd.DataFrame(evidence.wards.drop(columns=evidence.wards.geometry.name))
    values = city_values(wards, evidence.city)
    row = history_row(
        run_id,
        started.isoformat(timespec="seconds"),
        inputs=inputs,
        manifest_sha256=file_sha256(study.manifest.path),
        values=values,
    )
    files = carry_history(previous, staging, row, wards)
    targets: Mapping[str, Target] = study.manifest.targets
    if targets:
        history = read_history(staging)
        files += write_progress(targets, history, wards, values, staging, as_of=started.date())
    return files
