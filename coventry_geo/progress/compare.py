"""Compare two runs of a study ward by ward: what moved, by how much, and which inputs changed.

A run is named by its output folder, or by its run id in the history of an
output folder (:mod:`coventry_geo.progress.history`), where ``latest`` and
``previous`` name the last two runs. :func:`load_run` reads either;
:func:`compare_runs` gives one row per ward and indicator (old, new, change,
relative change, old and new rank) with the inputs whose SHA-256 changed and
the columns present in only one run; :func:`write_changes` writes
``changes.csv`` and ``changes.html`` (the ward map of the change of each
indicator, on a diverging ramp centred on 0, reusing
:func:`~coventry_geo.maps.wardmap.write_ward_map`).

Relative changes are given for ratio-scale indicators only (a change of a
temperature in °C relative to its value means nothing). An indicator *moved*
in a ward when its change is larger than the threshold: for ratio-scale
indicators, relative to the old value; for interval-scale ones (°C, scores),
relative to the old spread between wards (highest minus lowest); for yes/no
indicators, when the answer changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coventry_geo.columns import ColumnInfo, column_info
from coventry_geo.errors import RunComparisonError
from coventry_geo.progress.history import (
    INPUT_PREFIX,
    read_history,
    snapshot_path,
    valid_run_id,
)
from coventry_geo.run.folders import MARKER, read_marker
from coventry_geo.run.provenance import read_run_record
from coventry_geo.study import SYNTHETIC_NOTICE
from coventry_geo.styles import map_style

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CHANGES_MAP",
    "CHANGES_TABLE",
    "Comparison",
    "RunData",
    "change_column",
    "compare_runs",
    "load_run",
    "write_changes",
]

CHANGES_TABLE = "changes.csv"
CHANGES_MAP = "changes.html"
#: Names of the last and the one-before-last run of a history.
_ALIASES = {"latest": -1, "previous": -2}
_KEYS = ("ward_id", "ward_name")


@dataclass(frozen=True)
class RunData:
    """One run, as a comparison reads it.

    Attributes
    ----------
    run_id : str
    study : str
        The study's code (from the folder's marker), else its name (from ``run.json``).
    described : str
        Where it was read from, for messages (``output folder /x``, ``run ... of /x``).
    inputs : dict of str to str
        Input label (``heat``, ``small_areas.join[1]``) to its SHA-256, for the files
        the run read (absent optional layers and URLs are left out).
    manifest_sha256 : str
    wards : pandas.DataFrame
        The ward table (no geometry).
    folder : Path
        The output folder holding the ward outlines (``wards.parquet``).
    synthetic : bool
        Whether the run's data are synthetic (the demo city).
    """

    run_id: str
    study: str
    described: str
    inputs: dict[str, str]
    manifest_sha256: str
    wards: pd.DataFrame
    folder: Path
    synthetic: bool = False


@dataclass
class Comparison:
    """What changed between two runs.

    Attributes
    ----------
    old, new : RunData
    changes : pandas.DataFrame
        One row per ward and indicator, in ``changes.csv`` order.
    columns : dict of str to ColumnInfo
        The indicators compared.
    changed_inputs, added_inputs, removed_inputs : list of str
        Inputs whose SHA-256 differs, that only the new run read, that only the old run read.
    only_old, only_new : list of str
        Columns present in one ward table only (not compared).
    threshold_pct : float
        The threshold of :attr:`moved`.
    """

    old: RunData
    new: RunData
    changes: pd.DataFrame
    columns: dict[str, ColumnInfo]
    changed_inputs: list[str] = field(default_factory=list)
    added_inputs: list[str] = field(default_factory=list)
    removed_inputs: list[str] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    threshold_pct: float = 5.0

    @property
    def manifest_changed(self) -> bool:
        """Whether the manifest (settings, layers, targets) differs."""
        return self.old.manifest_sha256 != self.new.manifest_sha256

    @property
    def moved(self) -> dict[str, list[str]]:
        """Indicator to the names of the wards where it moved by more than the threshold."""
        rows = self.changes[self.changes["moved"]]
        return {k: list(g["ward_name"]) for k, g in rows.groupby("indicator", sort=False)}

    def summary(self) -> str:
        """Return the short text summary ``coventry-geo compare`` prints."""
        lines = [
            f"Compared run {self.old.run_id} ({self.old.described}) with run "
            f"{self.new.run_id} ({self.new.described}), study '{self.new.study}'.",
            "Inputs changed: " + (", ".join(self.changed_inputs) or "none"),
        ]
        if self.manifest_changed:
            lines.append("The manifest changed too (settings, layers or targets).")
        if self.added_inputs or self.removed_inputs:
            lines.append(
                f"Inputs added: {', '.join(self.added_inputs) or 'none'}; "
                f"removed: {', '.join(self.removed_inputs) or 'none'}"
            )
        moved = self.moved
        lines.append(
            f"Indicators that moved by more than {self.threshold_pct:g} % in at least one "
            f"ward: {len(moved)} of {len(self.columns)}"
        )
        for name, wards in moved.items():
            shown = ", ".join(wards[:6]) + (f" and {len(wards) - 6} more" if len(wards) > 6 else "")
            lines.append(f"  {name} ({_mean_change(self.changes, name)}): {shown}")
        for side, names in (("old", self.only_old), ("new", self.only_new)):
            if names:
                lines.append(f"Columns only in the {side} run (not compared): {', '.join(names)}")
        return "\n".join(lines)


def _mean_change(changes: pd.DataFrame, name: str) -> str:
    rows = changes[changes["indicator"] == name]
    unit = rows["unit"].iloc[0]
    mean = rows["change"].mean()
    return f"mean change {mean:+.3g}{' ' + unit if unit else ''}"


def load_run(ref: str | Path, *, history: Path | None = None) -> RunData:
    """Read a run: an output folder, or a run id in the history of ``history``.

    Parameters
    ----------
    ref : str or Path
        An output folder; or a run id (its unique beginning is enough), ``latest``
        or ``previous``, looked up in ``history``.
    history : Path, optional
        The output folder whose ``history.csv`` holds the run ids.

    Returns
    -------
    RunData

    Raises
    ------
    RunComparisonError
        If ``ref`` is a folder that is not an output folder, or a run id not in the history.
    """
    path = Path(ref)
    if path.is_dir():
        return _folder_run(path)
    text = str(ref)
    if text not in _ALIASES and not text[:1].isdigit():
        msg = (
            f"{text}: neither a folder nor a run id. Fix: give an output folder, a run id "
            "of its history.csv, or latest / previous."
        )
        raise RunComparisonError(msg, path=text)
    if history is None:
        msg = (
            f"run {text}: no output folder to look it up in. Fix: give the output folder "
            "as the other argument, or with --history."
        )
        raise RunComparisonError(msg)
    return _history_run(text, _folder_run(history))


def _folder_run(folder: Path) -> RunData:
    folder = folder.resolve()
    marker = read_marker(folder)
    record = read_run_record(folder)
    if marker is None and (not record or "run_id" not in record):
        msg = (
            f"{folder} is not an output folder of coventry_geo (it has no {MARKER} and no "
            "run.json). Fix: give the folder a run wrote (the manifest's [study] outputs, "
            "or the --out of coventry-geo run)."
        )
        raise RunComparisonError(msg, path=folder)
    wards_csv = folder / "wards.csv"
    if not record or not wards_csv.is_file():
        msg = (
            f"output folder {folder} holds no finished run (run.json or wards.csv is "
            "missing). Fix: run the study again into it, or give another folder."
        )
        raise RunComparisonError(msg, path=folder)
    study = (marker or {}).get("study") or record.get("study", "")
    inputs = {r["layer"]: r["sha256"] for r in record.get("inputs", []) if r.get("sha256")}
    return RunData(
        run_id=str(record["run_id"]),
        study=str(study),
        described=f"output folder {folder}",
        inputs=inputs,
        manifest_sha256=str(record.get("manifest_sha256", "")),
        wards=pd.read_csv(wards_csv, dtype={"ward_id": str, "ward_name": str}),
        folder=folder,
        synthetic=record.get("synthetic") is True,
    )


def _history_run(ref: str, current: RunData) -> RunData:
    table = read_history(current.folder)
    ids = [str(i) for i in table["run_id"]]
    if ref in _ALIASES:
        position = _ALIASES[ref]
        found = [ids[position]] if len(ids) >= -position else []
    else:
        found = [i for i in ids if i.startswith(ref)]
    if len(found) != 1:
        shown = ", ".join(ids[-5:]) or "none"
        what = "matches several runs" if found else "is not in"
        msg = (
            f"run {ref} {what} the history of {current.folder} (its last runs: {shown}). "
            "Fix: give a run id of that history.csv, latest or previous."
        )
        raise RunComparisonError(msg, path=current.folder / "history.csv")
    run_id = found[0]
    snapshot = snapshot_path(current.folder, run_id)
    if not valid_run_id(run_id) or not snapshot.is_file():
        msg = (
            f"run {run_id}: its ward table {snapshot} is missing, so it cannot be compared "
            "ward by ward. Fix: compare runs whose ward table the history kept."
        )
        raise RunComparisonError(msg, path=snapshot)
    row = table[table["run_id"].astype(str) == run_id].iloc[-1]
    inputs = {
        str(k)[len(INPUT_PREFIX) :]: str(v)
        for k, v in row.items()
        if str(k).startswith(INPUT_PREFIX) and not pd.isna(v) and str(v)
    }
    return RunData(
        run_id=run_id,
        study=current.study,
        described=f"history of {current.folder}",
        inputs=inputs,
        manifest_sha256=str(row.get("manifest_sha256", "")),
        wards=pd.read_csv(snapshot, dtype={"ward_id": str, "ward_name": str}),
        folder=current.folder,
        synthetic=current.synthetic,
    )


def compare_runs(old: RunData, new: RunData, *, threshold_pct: float = 5.0) -> Comparison:
    """Compare two runs of one study ward by ward.

    Parameters
    ----------
    old, new : RunData
    threshold_pct : float, keyword-only
        An indicator moved in a ward when its change exceeds this share (see the module).

    Returns
    -------
    Comparison

    Raises
    ------
    RunComparisonError
        If the runs are of different studies, or have no ward in common.
    """
    from coventry_geo.indicators import load_families

    load_families()  # every column's unit, direction and scale
    if old.study != new.study:
        msg = (
            f"run {old.run_id} ({old.described}) is of study '{old.study}' and run "
            f"{new.run_id} ({new.described}) of study '{new.study}': only runs of one study "
            "can be compared. Fix: give two output folders (or run ids) of the same study."
        )
        raise RunComparisonError(msg, path=str(new.folder))
    shared = set(old.wards["ward_id"]) & set(new.wards["ward_id"])
    if not shared:
        msg = (
            f"runs {old.run_id} and {new.run_id} have no ward in common (ward_id), so "
            "nothing can be compared. Fix: compare runs of the same ward boundaries."
        )
        raise RunComparisonError(msg, path=str(new.folder))
    columns = {
        name: _info(name)
        for name in new.wards.columns
        if name in old.wards.columns and _comparable(name, old.wards, new.wards)
    }
    merged = new.wards[list(_KEYS)].merge(
        old.wards[list(_KEYS)], on="ward_id", how="outer", suffixes=("", "_old")
    )
    merged["ward_name"] = merged["ward_name"].fillna(merged.pop("ward_name_old"))
    rows = [
        _indicator_rows(merged, old.wards, new.wards, c, threshold_pct) for c in columns.values()
    ]
    return Comparison(
        old=old,
        new=new,
        changes=pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(),
        columns=columns,
        changed_inputs=sorted(
            k for k in set(old.inputs) & set(new.inputs) if old.inputs[k] != new.inputs[k]
        ),
        added_inputs=sorted(set(new.inputs) - set(old.inputs)),
        removed_inputs=sorted(set(old.inputs) - set(new.inputs)),
        only_old=[c for c in old.wards.columns if c not in new.wards.columns],
        only_new=[c for c in new.wards.columns if c not in old.wards.columns],
        threshold_pct=threshold_pct,
    )


def _info(name: str) -> ColumnInfo:
    try:
        return column_info(name)
    except KeyError:  # a column of a later version, or one added by hand
        return ColumnInfo(name, name, "", "A column the toolkit does not describe.", "other")


def _comparable(name: str, old: pd.DataFrame, new: pd.DataFrame) -> bool:
    """Whether a column is an indicator with values to compare (not an id, name or rank)."""
    if name in _KEYS or map_style(_info(name)).kind in ("identifier", "rank"):
        return False
    return all(pd.api.types.is_numeric_dtype(t[name]) or _is_flag(t[name]) for t in (old, new))


def _is_flag(values: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(values) or set(values.dropna()) <= {True, False}


def _numbers(table: pd.DataFrame, name: str, ids: pd.Series) -> pd.Series:
    values = table.set_index("ward_id")[name]
    values = values.astype("float64") if _is_flag(values) else pd.to_numeric(values)
    return values.reindex(ids).reset_index(drop=True)


def _indicator_rows(
    merged: pd.DataFrame, old: pd.DataFrame, new: pd.DataFrame, info: ColumnInfo, threshold: float
) -> pd.DataFrame:
    from coventry_geo.maps import ward_ranks

    before = _numbers(old, info.name, merged["ward_id"])
    after = _numbers(new, info.name, merged["ward_id"])
    change = after - before
    flag = map_style(info).kind == "boolean"
    ratio = info.scale == "ratio" and not flag
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (change / before.abs() * 100).where(ratio & (before != 0))
    table = pd.DataFrame(
        {
            "ward_id": merged["ward_id"],
            "ward_name": merged["ward_name"],
            "indicator": info.name,
            "unit": info.unit,
            "old": before,
            "new": after,
            "change": change,
            "relative_change_pct": relative,
            "old_rank": pd.Series(pd.NA, index=before.index, dtype="Int64")
            if flag
            else ward_ranks(before, info),
            "new_rank": pd.Series(pd.NA, index=before.index, dtype="Int64")
            if flag
            else ward_ranks(after, info),
        }
    )
    table["moved"] = _moved(before, change, info, threshold, flag=flag, ratio=ratio)
    return table


def _moved(
    before: pd.Series,
    change: pd.Series,
    info: ColumnInfo,
    threshold: float,
    *,
    flag: bool,
    ratio: bool,
) -> pd.Series:
    size = change.abs()
    if flag:
        return size > 0
    if ratio:
        scale = before.abs()
    else:
        spread = float(before.max() - before.min()) if before.notna().any() else math.nan
        scale = pd.Series(spread if spread > 0 else 0.0, index=before.index)
    moved = size > scale * threshold / 100
    return moved.fillna(False).astype(bool)


def change_column(info: ColumnInfo) -> ColumnInfo:
    """Return the column of an indicator's change for the change map.

    Its name ends in ``_change`` (so its style is diverging, centred on 0), its
    label says which direction is better, and a change of a % is in
    percentage points.
    """
    direction = {
        True: "a rise is worse",
        False: "a rise is better",
        None: "neither direction is better",
    }[info.higher_is_worse]
    unit = "percentage points" if info.unit == "%" else info.unit
    return ColumnInfo(
        name=f"{info.name}_change",
        label=f"Change in {info.label}: {direction}",
        unit=unit,
        description=f"New minus old value of {info.label} ({info.unit or 'no unit'}) per ward.",
        family=info.family,
        higher_is_worse=info.higher_is_worse,
        scale="interval",
    )


def write_changes(comparison: Comparison, out_dir: Path, *, title: str | None = None) -> list[Path]:
    """Write ``changes.csv`` and ``changes.html`` (with its assets) into ``out_dir``.

    Parameters
    ----------
    comparison : Comparison
    out_dir : Path
        A folder of the user's (not an output folder of a run: the next run would
        refuse to replace it). Nothing in it is deleted; the files are replaced atomically,
        and only when an earlier comparison wrote them (a user's ``changes.csv`` is refused).
    title : str, optional
        The page title (the runs compared are named under it).

    Returns
    -------
    list of Path
        The files written. The map is left out when no indicator changed.
    """
    from coventry_geo._files import write_atomic

    _check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / _COMPARE_MARK, "written by coventry-geo compare\n")
    table = comparison.changes
    files = [write_atomic(out_dir / CHANGES_TABLE, table.to_csv(index=False))]
    wards = _change_wards(comparison)
    columns = [
        change_column(info)
        for name, info in comparison.columns.items()
        if map_style(info).kind != "boolean" and (wards[f"{name}_change"].fillna(0) != 0).any()
    ]
    if not columns:
        return files
    from coventry_geo.maps.wardmap import write_ward_map

    old, new = comparison.old, comparison.new
    files += write_ward_map(
        wards,
        out_dir / CHANGES_MAP,
        columns=columns,
        title=title or "What changed between two runs",
        notice=SYNTHETIC_NOTICE if old.synthetic or new.synthetic else None,
        intro=(
            f"Run {old.run_id} compared with run {new.run_id} (study '{new.study}'). "
            f"Inputs changed: {', '.join(comparison.changed_inputs) or 'none'}. "
            "Indicators that did not change in any ward are not shown."
        ),
        attribution=["coventry_geo compare: changes.csv beside this page has every value."],
    )
    return files


def _change_wards(comparison: Comparison) -> gpd.GeoDataFrame:
    """Return the new run's ward outlines with a ``<indicator>_change`` column per indicator."""
    import geopandas as gpd

    outlines = comparison.new.folder / "wards.parquet"
    try:
        shapes = gpd.read_parquet(outlines)[["ward_id", "geometry"]]
    except (OSError, ValueError, KeyError) as exc:
        msg = (
            f"{outlines}: the ward outlines of the change map cannot be read ({exc}). "
            "Fix: run the study again into that folder."
        )
        raise RunComparisonError(msg, path=outlines) from exc
    shapes["ward_id"] = shapes["ward_id"].astype(str)
    changes = comparison.changes
    wide = changes.pivot(index="ward_id", columns="indicator", values="change")
    wide = wide.apply(_significant)
    wide.columns = [f"{c}_change" for c in wide.columns]
    wide.insert(
        0, "ward_name", changes.drop_duplicates("ward_id").set_index("ward_id")["ward_name"]
    )
    return shapes.merge(wide.reset_index(), on="ward_id", how="inner")


def _significant(values: pd.Series, digits: int = 3) -> pd.Series:
    """Round changes to ``digits`` significant figures of the largest, for the map's classes.

    A raster read in single precision gives changes such as 1.99998 and 2.00001
    for what is 2 everywhere; the map shows them as one class (the CSV keeps
    every digit).
    """
    largest = values.abs().max()
    if not largest or math.isnan(largest):
        return values
    return values.round(digits - 1 - math.floor(math.log10(largest)))


#: Written beside the comparison: its files may be replaced by the next comparison.
_COMPARE_MARK = ".coventry-geo-compare"


def _check_out_dir(out_dir: Path) -> None:
    """Refuse to write inside a run's output folder, or over a file."""
    for folder in (out_dir, *out_dir.resolve().parents):
        if read_marker(folder) is not None:
            msg = (
                f"--out {out_dir}: inside the output folder {folder}, which each run replaces "
                "whole (and would then refuse, finding files it did not write). Fix: write "
                "the comparison to a folder of its own, e.g. --out changes."
            )
            raise RunComparisonError(msg, path=out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"--out {out_dir} is a file. Fix: give a folder."
        raise RunComparisonError(msg, path=out_dir)
    ours = (out_dir / _COMPARE_MARK).is_file()
    taken = [n for n in (CHANGES_TABLE, CHANGES_MAP, "assets") if (out_dir / n).exists()]
    if taken and not ours:
        msg = (
            f"--out {out_dir} already holds {', '.join(taken)}, not written by coventry-geo "
            "compare; nothing was replaced. Fix: give a new or empty folder, e.g. "
            f"--out {out_dir / 'changes'}."
        )
        raise RunComparisonError(msg, path=out_dir)
