"""Indicator settings: the manifest's ``[settings]`` table, typed, range-checked, with defaults.

Standards, thresholds and weights are data in the manifest, not literals in
code. Each setting is a field of a frozen dataclass whose metadata declares
its type and range (:func:`setting`): :class:`Settings` for the top-level
values (thresholds that several families use), and one dataclass per
sub-table ``[settings.<family>]``, declared by that indicator family in its
module of :mod:`coventry_geo.evidence.families` (``Family.settings``; e.g.
``RiskSettings`` in ``families/risk.py``). :func:`settings_problems` checks a
``[settings]`` table against them and lists every problem at once (unknown
keys, wrong types, values out of range, with the range); :func:`study_settings`
builds the typed settings or raises with that list.

:meth:`Settings.section` returns only the keys a sub-table gives, ready to
pass as keyword arguments to the family's functions (a field defaulting to
``None`` means "the family's own default"); :meth:`Settings.of` returns the
sub-table as its dataclass, defaults filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from coventry_geo.errors import ManifestError
from coventry_geo.manifest.keys import (
    NUMBER,
    TABLE,
    TEXT_LIST,
    Bounds,
    ValueType,
    key_problems,
    show_value,
)

__all__ = [
    "NUMBER_LIST",
    "Settings",
    "WEIGHTS",
    "problems_message",
    "setting",
    "settings_problems",
    "study_settings",
]


def setting(default: Any, kind: ValueType, *, bounds: Bounds | None = None) -> Any:
    """Declare a settings field: its default, its type and (for numbers) its range.

    Parameters
    ----------
    default : any
        Default value (``None``: the indicator family's own default).
    kind : ValueType
        The type the manifest value must have.
    bounds : Bounds, optional, keyword-only
        Range of a number, or of every number of a list or table.

    Returns
    -------
    dataclasses.Field
    """
    return field(default=default, metadata={"type": kind, "bounds": bounds})


def _numbers_in(value: Any) -> list[float]:
    """Return the numbers a setting holds (itself, or those of its list or table)."""
    items = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    )
    return [v for v in items if NUMBER.accepts(v)]


_FINITE_NUMBERS = "finite numbers (without quotes)"
WEIGHTS = ValueType(
    f"a table of weights ({_FINITE_NUMBERS}), e.g. {{ flood_area_pct = 1, lst_mean_c = 1 }}, "
    "or a list of column names",
    lambda v: (
        (isinstance(v, dict) and all(NUMBER.accepts(w) for w in v.values())) or TEXT_LIST.accepts(v)
    ),
)
NUMBER_LIST = ValueType(
    f"a list of {_FINITE_NUMBERS}, e.g. [2000, 4000]",
    lambda v: isinstance(v, list) and all(NUMBER.accepts(x) for x in v),
)
_PERCENT = Bounds(0, 100)
_POSITIVE = Bounds(0, low_inclusive=False)


@dataclass(frozen=True)
class Settings:
    """Indicator parameters, with their defaults.

    Attributes
    ----------
    canopy_target_pct : float
        Canopy cover target (%), 0 < value <= 100; default 20 (Coventry's
        urban-forest target).
    canopy_baseline_pct : float
        Canopy cover baseline (%), 0-100; default 11.
    tree_crown_area_m2 : float
        Canopy area of one tree (m²), > 0; default 55.74 (Tree Equity Score UK).
    hot_spot_threshold_c : float
        A heat hot spot is a pixel at least this much above the city mean LST (°C),
        default 1.25.
    sections : dict
        The sub-tables given (``[settings.<family>]``), checked.
    """

    canopy_target_pct: float = setting(20.0, NUMBER, bounds=Bounds(0, 100, low_inclusive=False))
    canopy_baseline_pct: float = setting(11.0, NUMBER, bounds=_PERCENT)
    tree_crown_area_m2: float = setting(55.74, NUMBER, bounds=_POSITIVE)
    hot_spot_threshold_c: float = setting(1.25, NUMBER)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """Return the keys a sub-table of ``[settings]`` gives (empty when absent)."""
        return self.sections.get(name, {})

    def of(self, name: str) -> Any:
        """Return the sub-table ``[settings.<name>]`` as its family's dataclass (with defaults)."""
        return _sections()[name](**self.section(name))


def _sections() -> dict[str, type]:
    """Return the sub-tables of ``[settings]``, as the indicator families declare them."""
    from coventry_geo.evidence.families import settings_sections  # the families import this

    return settings_sections()


def _declared(cls: type) -> dict[str, Any]:
    """Field name to field of a settings dataclass (those declared with :func:`setting`)."""
    return {f.name: f for f in fields(cls) if "type" in f.metadata}


def _table_problems(where: str, table: dict[str, Any], cls: type) -> list[str]:
    """Unknown keys, wrong types and values out of range of one settings table."""
    declared = _declared(cls)
    allowed = {name: f.metadata["type"] for name, f in declared.items()}
    if cls is Settings:
        allowed |= dict.fromkeys(_sections(), TABLE)
    problems = key_problems(where, table, allowed)
    for name, value in table.items():
        spec = declared.get(name)
        bounds = spec.metadata["bounds"] if spec is not None else None
        if bounds is None or not spec.metadata["type"].accepts(value):
            continue
        bad = [v for v in _numbers_in(value) if not bounds.holds(v)]
        if bad:
            problems.append(f"{where} {name} = {show_value(value)} is out of range: {bounds}")
    return problems


def settings_problems(table: dict[str, Any]) -> list[str]:
    """Return every problem of a ``[settings]`` table.

    Parameters
    ----------
    table : dict
        The ``[settings]`` table as parsed.

    Returns
    -------
    list of str
        One line per problem: unknown keys (with the closest known one), values
        of the wrong type, numbers out of range (with the range), and problems
        between the fields of a sub-table. Empty when the table is fine.
    """
    problems = _table_problems("[settings]", table, Settings)
    for name, cls in _sections().items():
        sub = table.get(name)
        if not isinstance(sub, dict):
            continue
        where = f"[settings.{name}]"
        found = _table_problems(where, sub, cls)
        if not found:
            check = getattr(cls(**sub), "problems", list)
            found = [f"{where} {p}" for p in check()]
        problems += found
    return problems


def study_settings(table: dict[str, Any], *, manifest: str = "manifest") -> Settings:
    """Build :class:`Settings` from a manifest's ``[settings]`` table.

    Parameters
    ----------
    table : dict
        The ``[settings]`` table.
    manifest : str, keyword-only
        The manifest's path, for messages.

    Returns
    -------
    Settings

    Raises
    ------
    ManifestError
        Listing every problem :func:`settings_problems` finds.
    """
    problems = settings_problems(table)
    if problems:
        raise ManifestError(problems_message(manifest, problems), path=manifest)
    values = {k: float(v) for k, v in table.items() if k in _declared(Settings)}
    sections = {k: dict(v) for k, v in table.items() if k in _sections()}
    return Settings(**values, sections=sections)


def problems_message(manifest: str, problems: list[str]) -> str:
    """Render problems of a manifest as one message (one line each) with the fix."""
    if len(problems) == 1:
        head = f"manifest {manifest}: {problems[0]}."
    else:
        head = f"manifest {manifest}: {len(problems)} problems:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
    return (
        f"{head}\nFix: correct these keys and values (docs/manifest.md lists every key, "
        "its type and its range)."
    )
