"""Indicator settings: the manifest's ``[settings]`` table, typed, range-checked, with defaults.

Standards, thresholds and weights are data in the manifest, not literals in
code. Each setting is a field of a frozen dataclass whose metadata declares
its type and range (:func:`setting`): :class:`Settings` for the top-level
values, and one dataclass per sub-table (:class:`GreenspaceSettings`,
:class:`RiskSettings`, :class:`TreeEquitySettings`). :func:`settings_problems`
checks a ``[settings]`` table against them and lists every problem at once
(unknown keys, wrong types, values out of range, with the range);
:func:`study_settings` builds the typed settings or raises with that list.

A sub-table's fields default to ``None``, meaning "the family's own default":
:meth:`Settings.section` returns only the keys the manifest gives, ready to
pass as keyword arguments to the family's functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from coventry_geo.errors import ManifestError
from coventry_geo.indices import NORMALISATIONS
from coventry_geo.manifest.keys import (
    NUMBER,
    TABLE,
    TEXT_LIST,
    Bounds,
    ValueType,
    choice,
    key_problems,
    show_value,
)

__all__ = [
    "GreenspaceSettings",
    "RiskSettings",
    "SECTIONS",
    "Settings",
    "TreeEquitySettings",
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
_NOT_NEGATIVE = Bounds(0)


@dataclass(frozen=True)
class GreenspaceSettings:
    """``[settings.greenspace]``: the access standards to apply.

    Attributes
    ----------
    standards : list of str or None
        Names of shipped standards (``angst_2010``, ``gi_framework_2023``) or
        paths of standard TOML files; the first is the headline one.
    """

    standards: list[str] | None = setting(None, TEXT_LIST)

    def problems(self) -> list[str]:
        """Problems of the table as a whole: an empty list of standards."""
        return ["standards is an empty list"] if self.standards == [] else []


@dataclass(frozen=True)
class RiskSettings:
    """``[settings.risk]``: weights and method of the composite risk index.

    Attributes
    ----------
    hazard, vulnerability : dict of str to float, or list of str, or None
        Indicator weights (>= 0) of each component.
    normalisation : str or None
        ``minmax``, ``rank`` or ``zscore``.
    combine : str or None
        ``product`` or ``mean``.
    """

    hazard: dict[str, float] | list[str] | None = setting(None, WEIGHTS, bounds=_NOT_NEGATIVE)
    vulnerability: dict[str, float] | list[str] | None = setting(
        None, WEIGHTS, bounds=_NOT_NEGATIVE
    )
    normalisation: str | None = setting(None, choice(*NORMALISATIONS))
    combine: str | None = setting(None, choice("product", "mean"))

    def problems(self) -> list[str]:
        """Problems between fields: weights that are all zero."""
        return [
            f"{name} weights are all zero"
            for name in ("hazard", "vulnerability")
            if isinstance(getattr(self, name), dict)
            and getattr(self, name)
            and not any(getattr(self, name).values())
        ]


@dataclass(frozen=True)
class TreeEquitySettings:
    """``[settings.tree_equity]``: the Tree Equity Score's goal.

    Attributes
    ----------
    baseline_pct : float or None
        Baseline canopy goal (%), 0-100.
    density_breaks : list of float or None
        Increasing population-density breaks (persons/km²).
    density_factors : list of float or None
        Goal factors (>= 0), one more than the breaks.
    goal_cap : float or None
        Cap on the goal, as a multiple of the baseline (> 0).
    """

    baseline_pct: float | None = setting(None, NUMBER, bounds=_PERCENT)
    density_breaks: list[float] | None = setting(None, NUMBER_LIST, bounds=_NOT_NEGATIVE)
    density_factors: list[float] | None = setting(None, NUMBER_LIST, bounds=_NOT_NEGATIVE)
    goal_cap: float | None = setting(None, NUMBER, bounds=_POSITIVE)

    def problems(self) -> list[str]:
        """Problems between fields: breaks not increasing, factors not one more than breaks."""
        out = []
        breaks, factors = self.density_breaks, self.density_factors
        if breaks is not None and any(b >= a for a, b in zip(breaks[1:], breaks, strict=False)):
            out.append(f"density_breaks = {show_value(breaks)} are not increasing")
        if breaks is not None and factors is not None and len(factors) != len(breaks) + 1:
            out.append(
                f"{len(breaks)} density_breaks need {len(breaks) + 1} density_factors, "
                f"got {len(factors)}"
            )
        return out


#: The sub-tables of ``[settings]`` and the dataclass that declares each.
SECTIONS: dict[str, type] = {
    "greenspace": GreenspaceSettings,
    "risk": RiskSettings,
    "tree_equity": TreeEquitySettings,
}


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
        The sub-tables given (``greenspace``, ``risk``, ``tree_equity``), checked.
    """

    canopy_target_pct: float = setting(20.0, NUMBER, bounds=Bounds(0, 100, low_inclusive=False))
    canopy_baseline_pct: float = setting(11.0, NUMBER, bounds=_PERCENT)
    tree_crown_area_m2: float = setting(55.74, NUMBER, bounds=_POSITIVE)
    hot_spot_threshold_c: float = setting(1.25, NUMBER)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """Return the keys a sub-table of ``[settings]`` gives (empty when absent)."""
        return self.sections.get(name, {})


def _declared(cls: type) -> dict[str, Any]:
    """Field name to field of a settings dataclass (those declared with :func:`setting`)."""
    return {f.name: f for f in fields(cls) if "type" in f.metadata}


def _table_problems(where: str, table: dict[str, Any], cls: type) -> list[str]:
    """Unknown keys, wrong types and values out of range of one settings table."""
    declared = _declared(cls)
    allowed = {name: f.metadata["type"] for name, f in declared.items()}
    if cls is Settings:
        allowed |= dict.fromkeys(SECTIONS, TABLE)
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
    for name, cls in SECTIONS.items():
        sub = table.get(name)
        if not isinstance(sub, dict):
            continue
        where = f"[settings.{name}]"
        found = _table_problems(where, sub, cls)
        if not found:
            found = [f"{where} {p}" for p in cls(**sub).problems()]
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
    sections = {k: dict(v) for k, v in table.items() if k in SECTIONS}
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
