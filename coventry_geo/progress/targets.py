"""The plan's targets: a straight-line trajectory per indicator, and progress along it.

The manifest's ``[targets]`` table names indicators (ward or city columns) and gives
each a baseline, a target and their years::

    [targets]
    canopy_pct = { baseline = 11.0, baseline_year = 2023, target = 20.0, target_year = 2050 }

The trajectory runs in a straight line from the baseline on 1 January of
``baseline_year`` to the target on 1 January of ``target_year``
(:meth:`Target.needed`); before it starts the baseline is needed, after it ends
the target. A value is on track when it is at least the needed value for a
rising target, at most for a falling one.

Each run with targets writes ``progress.csv`` (:func:`progress_table`: per target
the city row, then a row per ward for shares and rates; counts and extensive
quantities have a city row only, since a city's target says nothing about one
ward's count) and ``progress.png`` (:func:`progress_chart`: the city value at
each run of the history against the trajectory).
"""

from __future__ import annotations

import difflib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from coventry_geo.columns import ColumnInfo, column_info, registered_columns
from coventry_geo.errors import ManifestError
from coventry_geo.styles import map_style

__all__ = [
    "PROGRESS_CHART",
    "PROGRESS_TABLE",
    "Target",
    "decimal_year",
    "progress_caption",
    "progress_chart",
    "progress_table",
    "read_targets",
    "write_progress",
]

PROGRESS_TABLE = "progress.csv"
PROGRESS_CHART = "progress.png"
#: Kinds of column whose target can be read ward by ward.
_WARD_KINDS = ("quantity", "diverging")
_SUMMED_UNITS = frozenset({"ha", "km", "MWh/year"})
_OBSERVED = "#2166ac"  # ColorBrewer RdBu blue: the observed values
_TRAJECTORY = "#525252"  # grey: the straight line the plan needs


@dataclass(frozen=True)
class Target:
    """One indicator's target and the straight line from its baseline to it.

    Attributes
    ----------
    column : str
        The indicator (a registered ward column).
    baseline, target : float
        In the column's unit.
    baseline_year, target_year : int
        ``target_year`` is after ``baseline_year``.
    description : str
        Where the target comes from (shown in the chart's caption).
    """

    column: str
    baseline: float
    baseline_year: int
    target: float
    target_year: int
    description: str = ""

    @property
    def rising(self) -> bool:
        """Whether the target is above the baseline (more is the aim)."""
        return self.target > self.baseline

    def needed(self, when: date) -> float:
        """Return the value the straight-line trajectory needs on a date.

        >>> Target("canopy_pct", 11.0, 2023, 20.0, 2050).needed(date(2026, 1, 1))
        12.0
        """
        share = (decimal_year(when) - self.baseline_year) / (self.target_year - self.baseline_year)
        share = min(max(share, 0.0), 1.0)
        return self.baseline + (self.target - self.baseline) * share

    def on_track(self, value: float, when: date) -> bool | None:
        """Whether ``value`` is on or ahead of the trajectory (None when it is missing)."""
        if value is None or not math.isfinite(value):
            return None
        need = self.needed(when)
        return value >= need if self.rising else value <= need


def _column(name: str) -> ColumnInfo:
    """Return a registered column (every family's columns registered first)."""
    from coventry_geo.indicators import load_families

    load_families()
    return column_info(name)


def decimal_year(when: date) -> float:
    """Return a date as a year with a fraction (1 January is the whole year).

    >>> decimal_year(date(2026, 7, 2))
    2026.5
    """
    start = date(when.year, 1, 1)
    length = (date(when.year + 1, 1, 1) - start).days
    return when.year + (when - start).days / length


def read_targets(table: Mapping[str, Any], *, manifest: str) -> dict[str, Target]:
    """Turn the manifest's ``[targets]`` table into targets of known columns.

    Types, required keys and the order of the years are checked with the other
    manifest keys (:mod:`coventry_geo.manifest.keys`); this checks the names.

    Parameters
    ----------
    table : mapping
        ``[targets]`` as parsed.
    manifest : str
        The manifest's path, for messages.

    Returns
    -------
    dict of str to Target

    Raises
    ------
    ManifestError
        If a target names no indicator column (with the closest name), a
        column that cannot have a target (an identifier, a rank, a yes/no), or
        a baseline or target outside the column's bounds (0 to 100 for a %).
    """
    if not table:
        return {}
    from coventry_geo.indicators import load_families

    load_families()
    known = {c.name: c for c in registered_columns() if map_style(c).kind in _TARGET_KINDS}
    problems = []
    for name, spec in table.items():
        problems += _name_problems(name, spec, known)
    if problems:
        listed = "\n  - ".join(problems)
        msg = f"manifest {manifest}: [targets] has {len(problems)} problem(s):\n  - {listed}"
        raise ManifestError(msg, path=manifest)
    return {name: Target(column=name, **spec) for name, spec in table.items()}


#: Kinds of column a target may name: numbers (not identifiers, ranks or yes/no).
_TARGET_KINDS = ("quantity", "count", "diverging")


def _name_problems(
    name: str, spec: Mapping[str, Any], known: Mapping[str, ColumnInfo]
) -> list[str]:
    info = known.get(name)
    if info is None:
        match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        hint = f" (did you mean '{match[0]}'?)" if match else ""
        return [
            f"'{name}' is not an indicator column{hint}. A target names a numeric column of "
            "the ward table (docs/indicators.md lists them)."
        ]
    low, high = info.bounds or (-math.inf, math.inf)
    return [
        f"[targets.{name}] {key} = {spec[key]:g} is outside {low:g} to {high:g} ({info.unit})"
        for key in ("baseline", "target")
        if not low <= spec[key] <= high
    ]


def progress_table(
    targets: Mapping[str, Target],
    wards: pd.DataFrame,
    city: Mapping[str, float],
    *,
    as_of: date,
) -> pd.DataFrame:
    """Return the progress of every target: the city, then each ward where it applies.

    Parameters
    ----------
    targets : mapping of str to Target
    wards : pandas.DataFrame
        The run's ward table (``ward_id``, ``ward_name`` and the columns).
    city : mapping of str to float
        The run's city values (:func:`coventry_geo.progress.history.city_values`).
    as_of : date
        The date the trajectory is read at (the run's).

    Returns
    -------
    pandas.DataFrame
        One row per target and area (``area`` is ``city`` or ``ward``): the
        latest ``value``, the ``needed`` value on ``as_of``, ``on_track``
        (empty without a value) and ``gap`` (value minus needed).
    """
    rows = []
    for target in targets.values():
        info = _column(target.column)
        base = {
            "indicator": target.column,
            "label": info.label,
            "unit": info.unit,
            "baseline": target.baseline,
            "baseline_year": target.baseline_year,
            "target": target.target,
            "target_year": target.target_year,
            "as_of": as_of.isoformat(),
            "needed": target.needed(as_of),
        }
        areas = [("city", "", "", city.get(target.column, math.nan))]
        if target.column in wards.columns and _by_ward(info):
            values = pd.to_numeric(wards[target.column], errors="coerce")
            areas += [
                ("ward", str(i), str(n), float(v))
                for i, n, v in zip(wards["ward_id"], wards["ward_name"], values, strict=True)
            ]
        for area, ward_id, ward_name, value in areas:
            track = target.on_track(value, as_of)
            rows.append(
                base
                | {"area": area, "ward_id": ward_id, "ward_name": ward_name, "value": value}
                | {"on_track": "" if track is None else track, "gap": value - base["needed"]}
            )
    order = ["indicator", "label", "unit", "area", "ward_id", "ward_name", "value", "needed"]
    table = pd.DataFrame(rows)
    return table[order + [c for c in table.columns if c not in order]] if rows else table


def _by_ward(info: ColumnInfo) -> bool:
    """Whether a city target can be read ward by ward: shares and rates, not totals."""
    return map_style(info).kind in _WARD_KINDS and info.unit not in _SUMMED_UNITS


def progress_chart(targets: Mapping[str, Target], history: pd.DataFrame, *, as_of: date) -> bytes:
    """Draw each target's city value at every run against its trajectory (PNG).

    Parameters
    ----------
    targets : mapping of str to Target
    history : pandas.DataFrame
        ``history.csv``: ``date`` and the city value of each run.
    as_of : date
        The latest run's date (marked on the trajectory).

    Returns
    -------
    bytes
        A PNG, one panel per target, colour-blind safe (blue points, grey line).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 2.6 * len(targets)), dpi=150, layout="constrained")
    axes = fig.subplots(len(targets), 1, squeeze=False)[:, 0]
    dates = pd.to_datetime(history["date"], errors="coerce", utc=True)
    for ax, target in zip(axes, targets.values(), strict=True):
        _panel(ax, target, dates, history, as_of)
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _panel(ax: Any, target: Target, dates: pd.Series, history: pd.DataFrame, as_of: date) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from coventry_geo.maps.classify import format_value

    info = _column(target.column)
    years = [target.baseline_year, target.target_year]
    ax.plot(
        years,
        [target.baseline, target.target],
        "--",
        color=_TRAJECTORY,
        lw=1.5,
        label=f"Trajectory: {format_value(target.baseline, info.unit)} "
        f"({target.baseline_year}) to {format_value(target.target, info.unit)} "
        f"({target.target_year})",
    )
    ax.plot(
        [decimal_year(as_of)],
        [target.needed(as_of)],
        "o",
        mfc="white",
        mec=_TRAJECTORY,
        label=f"Needed on {as_of.isoformat()}: {format_value(target.needed(as_of), info.unit)}",
    )
    column = history.get(target.column)
    observed = None if column is None else pd.to_numeric(column, errors="coerce")
    verdict = "no city value"
    if observed is not None and observed.notna().any():
        ok = observed.notna() & dates.notna()
        x = [decimal_year(d.date()) for d in dates[ok]]
        ax.plot(x, observed[ok], "o-", color=_OBSERVED, label="City value at each run")
        latest = float(observed[ok].iloc[-1]) if ok.any() else math.nan
        track = target.on_track(latest, as_of)
        verdict = f"{format_value(latest, info.unit)} now, " + (
            "on track" if track else "behind the trajectory"
        )
    unit = f" ({info.unit})" if info.unit else ""
    ax.set_title(f"{info.label}: {verdict}", loc="left", fontsize=10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: format_value(y, "")))  # 12,000
    ax.set_ylabel(f"{info.label}{unit}", fontsize=8)
    ax.legend(fontsize=7, loc="best", frameon=False)
    ax.grid(alpha=0.3)


def progress_caption(targets: Mapping[str, Target]) -> str | None:
    """Return the caption and text alternative of the progress chart (None without targets).

    It depends on the targets only, so that pages showing the chart need not be
    redrawn at each run.
    """
    if not targets:
        return None
    from coventry_geo.maps.classify import format_value

    parts = []
    for t in targets.values():
        info = _column(t.column)
        parts.append(
            f"{info.label}: the city value at each run (blue points) against the straight "
            f"line from {format_value(t.baseline, info.unit)} in {t.baseline_year} to "
            f"{format_value(t.target, info.unit)} in {t.target_year} (grey dashes)."
        )
    return " ".join(parts)


def write_progress(
    targets: Mapping[str, Target],
    history: pd.DataFrame,
    wards: pd.DataFrame,
    city: Mapping[str, float],
    folder: Path,
    *,
    as_of: date,
) -> list[Path]:
    """Write ``progress.csv`` and ``progress.png`` into ``folder`` (a staging folder).

    Returns
    -------
    list of Path
        The two files.
    """
    table = folder / PROGRESS_TABLE
    progress_table(targets, wards, city, as_of=as_of).to_csv(table, index=False)
    chart = folder / PROGRESS_CHART
    chart.write_bytes(progress_chart(targets, history, as_of=as_of))
    return [table, chart]
