"""Greenspace access standards shipped as data (TOML tables), and their loader.

A standard is a list of *tiers* (a site of at least ``min_area_ha`` within
``max_distance_m`` of home, optionally natural or semi-natural only) and of
*capacity* criteria (hectares of a class of greenspace per 1,000 residents).
Two tables ship with the package: ``angst_2010`` and ``gi_framework_2023``. Any
TOML file in the same schema can replace them (see ``docs/indicators.md``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coventry_geo.errors import ManifestError

__all__ = [
    "SHIPPED_STANDARDS",
    "CAPACITY_SITE_CLASSES",
    "Tier",
    "Capacity",
    "Standard",
    "load_standard",
]

_HERE = Path(__file__).resolve().parent

#: Names of the standards that ship with the package (``<name>.toml`` beside this module).
SHIPPED_STANDARDS = ("angst_2010", "gi_framework_2023")

#: Which sites a capacity criterion counts: every accessible site, the accessible
#: natural ones, or Local Nature Reserves.
CAPACITY_SITE_CLASSES = ("accessible", "natural", "lnr")

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")  # tier names follow the code: angst_2ha_300m
_FIX = "Follow the schema of coventry_geo/standards/angst_2010.toml (docs/indicators.md)."


@dataclass(frozen=True)
class Tier:
    """One size-and-proximity criterion: a site of ``min_area_ha`` within ``max_distance_m``.

    Parameters
    ----------
    name : str
        Short snake_case name, unique within the standard (``2ha_300m``, ``doorstep``).
    label : str
        Human label for tables and legends.
    min_area_ha : float
        Smallest qualifying site area, hectares.
    max_distance_m : float
        Largest qualifying straight-line distance from home, metres (inclusive).
    natural : bool
        ``True`` if only natural or semi-natural sites qualify.
    """

    name: str
    label: str
    min_area_ha: float
    max_distance_m: float
    natural: bool


@dataclass(frozen=True)
class Capacity:
    """One capacity criterion: at least ``min_ha_per_1000`` ha of ``sites`` per 1,000 residents.

    Parameters
    ----------
    name : str
        Short snake_case name (``lnr``, ``accessible_greenspace``).
    label : str
        Human label.
    min_ha_per_1000 : float
        Required hectares per 1,000 residents.
    sites : str
        Which area counts, one of :data:`CAPACITY_SITE_CLASSES`.
    """

    name: str
    label: str
    min_ha_per_1000: float
    sites: str


@dataclass(frozen=True)
class Standard:
    """A greenspace access standard: tiers and capacity criteria.

    Parameters
    ----------
    code : str
        Column prefix (``angst``, ``gi``); tier columns are ``meets_<code>_<tier>``.
    title : str
        Full title.
    source : str
        Citation of the publication the numbers come from.
    tiers : tuple of Tier
        Size-and-proximity tiers, in table order.
    capacities : tuple of Capacity
        Capacity criteria, in table order.
    path : str
        File the standard was read from.
    """

    code: str
    title: str
    source: str
    tiers: tuple[Tier, ...]
    capacities: tuple[Capacity, ...]
    path: str

    def key(self, tier: Tier) -> str:
        """Column stem of a tier, ``<code>_<tier name>`` (e.g. ``angst_2ha_300m``)."""
        return f"{self.code}_{tier.name}"


def load_standard(name_or_path: str | Path) -> Standard:
    """Load a shipped standard by name, or a standard TOML file by path.

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        ``"angst_2010"``, ``"gi_framework_2023"`` or the path of a TOML file in the
        same schema.

    Returns
    -------
    Standard

    Raises
    ------
    coventry_geo.errors.ManifestError
        If the name is unknown, the file is missing or unreadable, or the table breaks
        the schema (every problem is listed in one message).

    Examples
    --------
    >>> std = load_standard("angst_2010")
    >>> [(t.min_area_ha, t.max_distance_m) for t in std.tiers][0]
    (2.0, 300.0)
    """
    path = _standard_path(name_or_path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"greenspace standard '{path}': cannot be read as TOML ({exc}). Fix: {_FIX}"
        raise ManifestError(msg) from exc
    return _parse_standard(table, path)


def _standard_path(name_or_path: str | Path) -> Path:
    """File of a shipped standard name, or the given path when it exists."""
    if str(name_or_path) in SHIPPED_STANDARDS:
        return _HERE / f"{name_or_path}.toml"
    path = Path(name_or_path)
    if not path.is_file():
        msg = (
            f"greenspace standard '{name_or_path}': not a shipped standard "
            f"({', '.join(SHIPPED_STANDARDS)}) and no such file. "
            "Fix: give one of those names or the path of a standard TOML file."
        )
        raise ManifestError(msg)
    return path


def _parse_standard(table: dict[str, Any], path: Path) -> Standard:
    """Validate a parsed TOML table and build the :class:`Standard` (all problems at once)."""
    problems: list[str] = []
    head = table.get("standard", {})
    code = head.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        problems.append(f"[standard] code must be a snake_case name, got {code!r}")
    tiers = tuple(_parse_tier(raw, i, problems) for i, raw in enumerate(table.get("tier", [])))
    if not tiers:
        problems.append("no [[tier]] table")
    capacities = tuple(
        _parse_capacity(raw, i, problems) for i, raw in enumerate(table.get("capacity", []))
    )
    names = [t.name for t in tiers] + [c.name for c in capacities]
    if len(set(names)) != len(names):
        problems.append(f"tier and capacity names must be unique, got {names}")
    if problems:
        msg = f"greenspace standard '{path}': {'; '.join(problems)}. Fix: {_FIX}"
        raise ManifestError(msg)
    return Standard(
        code=code,
        title=str(head.get("title", code)),
        source=str(head.get("source", "")),
        tiers=tiers,
        capacities=capacities,
        path=str(path),
    )


def _positive(raw: dict[str, Any], key: str, where: str, problems: list[str]) -> float:
    """``raw[key]`` as a positive float, recording a problem otherwise."""
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        problems.append(f"{where} {key} must be a positive number, got {value!r}")
        return float("nan")
    return float(value)


def _name(raw: dict[str, Any], where: str, problems: list[str]) -> str:
    """``raw['name']`` checked as a snake_case name."""
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(f"{where} name must be a snake_case name, got {name!r}")
        return str(name)
    return name


def _parse_tier(raw: dict[str, Any], i: int, problems: list[str]) -> Tier:
    """One ``[[tier]]`` table."""
    where = f"[[tier]] {i + 1}"
    natural = raw.get("natural", False)
    if not isinstance(natural, bool):
        problems.append(f"{where} natural must be true or false, got {natural!r}")
    name = _name(raw, where, problems)
    return Tier(
        name=name,
        label=str(raw.get("label", name)),
        min_area_ha=_positive(raw, "min_area_ha", where, problems),
        max_distance_m=_positive(raw, "max_distance_m", where, problems),
        natural=bool(natural),
    )


def _parse_capacity(raw: dict[str, Any], i: int, problems: list[str]) -> Capacity:
    """One ``[[capacity]]`` table."""
    where = f"[[capacity]] {i + 1}"
    sites = raw.get("sites")
    if sites not in CAPACITY_SITE_CLASSES:
        problems.append(f"{where} sites must be one of {CAPACITY_SITE_CLASSES}, got {sites!r}")
    name = _name(raw, where, problems)
    return Capacity(
        name=name,
        label=str(raw.get("label", name)),
        min_ha_per_1000=_positive(raw, "min_ha_per_1000", where, problems),
        sites=str(sites),
    )
