"""Every manifest key and its type, declared once, and the check of a whole manifest.

Each table of the manifest has a key table here (:data:`TOP_KEYS`,
:data:`STUDY_KEYS`, :data:`LAYER_KEYS`, :data:`JOIN_KEYS`, :data:`TARGET_KEYS`) mapping each key
it may hold to a :class:`ValueType`. Adding a key is one line in its table.
:func:`manifest_problems` checks a parsed TOML document against them and
returns every problem at once: unknown keys (with the closest known one) and
values of the wrong type (naming the key, the value and the expected type).
TOML types are taken as written: ``"false"`` is text, not a boolean, and
``"1"`` is text, not a number.

The contents of ``[settings]`` are declared in :mod:`coventry_geo.manifest.settings`,
those of ``[maps]`` in :mod:`coventry_geo.maps.report` and those of
``[fetch]`` in :mod:`coventry_geo.layers.official.fetch`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BOOLEAN",
    "JOIN_KEYS",
    "LAYER_KEYS",
    "LOOKUP_KEYS",
    "NUMBER",
    "STUDY_KEYS",
    "TABLE",
    "TARGET_KEYS",
    "TEXT",
    "TEXT_LIST",
    "TOP_KEYS",
    "YEAR",
    "Bounds",
    "ValueType",
    "choice",
    "key_problems",
    "manifest_problems",
    "show_value",
]


@dataclass(frozen=True)
class ValueType:
    """A type a manifest value must have.

    Attributes
    ----------
    expected : str
        What is expected, for messages (``"a boolean (true or false, no quotes)"``).
    accepts : callable
        ``accepts(value) -> bool``.
    """

    expected: str
    accepts: Callable[[Any], bool]


@dataclass(frozen=True)
class Bounds:
    """The range a number must lie in; ``None`` leaves a side open.

    Attributes
    ----------
    low, high : float or None
    low_inclusive, high_inclusive : bool
        Whether the value may equal ``low`` / ``high``.
    """

    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def holds(self, value: float) -> bool:
        """Whether ``value`` lies in the range."""
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_inclusive)
        ):
            return False
        return self.high is None or not (
            value > self.high or (value == self.high and not self.high_inclusive)
        )

    def __str__(self) -> str:
        low = "" if self.low is None else f"{self.low:g} {'<=' if self.low_inclusive else '<'} "
        high = "" if self.high is None else f" {'<=' if self.high_inclusive else '<'} {self.high:g}"
        return f"{low}value{high}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_text_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def choice(*options: str) -> ValueType:
    """Return the type of a value that must be one of ``options`` (text)."""
    shown = ", ".join(f'"{o}"' for o in options)
    return ValueType(f"one of {shown}", lambda v: isinstance(v, str) and v in options)


BOOLEAN = ValueType("a boolean (true or false, without quotes)", lambda v: isinstance(v, bool))
TEXT = ValueType("text (in quotes)", lambda v: isinstance(v, str))
NAME = ValueType("non-empty text (in quotes)", lambda v: isinstance(v, str) and bool(v.strip()))
NUMBER = ValueType("a finite number (without quotes)", _is_number)
BAND = ValueType(
    "a whole number >= 1 (the band, counted from 1; without quotes)",
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
)
TABLE = ValueType("a table", lambda v: isinstance(v, dict))
TEXT_TABLE = ValueType('a table of text values, e.g. { ward_id = "WD22CD" }', _is_text_map)
TABLES = ValueType(
    "a list of tables (write each as [[...]])",
    lambda v: isinstance(v, list) and all(isinstance(t, dict) for t in v),
)
TEXT_LIST = ValueType(
    'a list of text values, e.g. ["a", "b"]',
    lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
)
CRS = ValueType(
    'a CRS as text, e.g. "EPSG:27700", or an EPSG number',
    lambda v: isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)),
)
NODATA = ValueType(
    'a number, or "none" when every value is valid',
    lambda v: (
        (isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isinf(v))
        or (isinstance(v, str) and v.lower() == "none")
    ),
)
YEAR = ValueType(
    "a year: a whole number from 1900 to 2200 (without quotes)",
    lambda v: isinstance(v, int) and not isinstance(v, bool) and 1900 <= v <= 2200,
)
SHA256 = ValueType(
    "64 hexadecimal digits (a SHA-256)",
    lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-fA-F]{64}", v) is not None,
)

#: Tables at the top level of a manifest.
TOP_KEYS: dict[str, ValueType] = {
    "study": TABLE,
    "settings": TABLE,
    "layers": TABLE,
    "maps": TABLE,
    "fetch": TABLE,
    "site": TABLE,
    "targets": TABLE,
}

#: Keys of ``[study]``.
STUDY_KEYS: dict[str, ValueType] = {
    "name": NAME,
    "code": TEXT,
    "crs": CRS,
    "ward_layer": TEXT,
    "outputs": NAME,
    "synthetic": BOOLEAN,
    "allow_external_paths": BOOLEAN,
    "allow_urls": BOOLEAN,
    "attribution": TEXT,
    "description": TEXT,
    "data_dirs": TEXT_TABLE,
}

#: Keys of ``[layers.<name>]``.
LAYER_KEYS: dict[str, ValueType] = {
    "kind": TEXT,
    "path": NAME,
    "layer": TEXT,
    "band": BAND,
    "variable": TEXT,
    "fields": TEXT_TABLE,
    "values": TEXT,
    "units": TEXT,
    "nodata": NODATA,
    "crs": CRS,
    "sha256": SHA256,
    "options": TABLE,
    "source": TEXT,
    "licence": TEXT,
    "description": TEXT,
    "required": BOOLEAN,
    "repair": BOOLEAN,
    "preset": TEXT,
    "join": TABLES,
    "ward_lookup": TABLE,
    "date": ValueType(
        'a date: 2024-05-01 (a TOML date) or text "2024", "2024-05" or "2024-05-01"',
        lambda v: isinstance(v, (str, dt.date)),
    ),
}

#: Keys of ``[[layers.<name>.join]]``.
JOIN_KEYS: dict[str, ValueType] = {
    "path": NAME,
    "preset": TEXT,
    "on": TEXT,
    "key": TEXT,
    "fields": TEXT_TABLE,
    "sha256": SHA256,
    "source": TEXT,
    "licence": TEXT,
    "description": TEXT,
}


#: Keys of ``[layers.<small areas>.ward_lookup]``.
LOOKUP_KEYS: dict[str, ValueType] = {
    "path": NAME,
    "preset": TEXT,
    "fields": TEXT_TABLE,
    "sha256": SHA256,
    "source": TEXT,
    "licence": TEXT,
    "description": TEXT,
}


#: Keys of ``[targets.<indicator>]`` (or ``<indicator> = { ... }`` in ``[targets]``).
TARGET_KEYS: dict[str, ValueType] = {
    "baseline": NUMBER,
    "baseline_year": YEAR,
    "target": NUMBER,
    "target_year": YEAR,
    "description": TEXT,
}
#: The keys every target must give.
_TARGET_REQUIRED = ("baseline", "baseline_year", "target", "target_year")


def show_value(value: Any) -> str:
    """Render a value as it is written in TOML (text in double quotes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        items = [f"{k} = {show_value(v)}" for k, v in list(value.items())[:4]]
        return "{ " + ", ".join(items) + (", ... }" if len(value) > 4 else " }")
    if isinstance(value, list):
        return (
            "["
            + ", ".join(show_value(v) for v in value[:4])
            + (", ...]" if len(value) > 4 else "]")
        )
    return str(value)


def key_problems(where: str, table: Mapping[str, Any], keys: Mapping[str, ValueType]) -> list[str]:
    """Return the problems of one table: unknown keys, then values of the wrong type.

    Parameters
    ----------
    where : str
        The table, for messages (``"[layers.heat]"``).
    table : mapping
        The table as parsed.
    keys : mapping of str to ValueType
        The keys it may hold.

    Returns
    -------
    list of str
        One line per problem (empty when the table is fine).
    """
    problems = []
    unknown = [k for k in table if k not in keys]
    if unknown:
        detail = ", ".join(f"'{k}'" + _hint(k, keys) for k in unknown)
        problems.append(f"unknown key(s) in {where}: {detail}; allowed: {', '.join(keys)}")
    for key, value in table.items():
        kind = keys.get(key)
        if kind is not None and not kind.accepts(value):
            problems.append(f"{where} {key} = {show_value(value)} is not {kind.expected}")
    return problems


def _hint(word: str, choices: Mapping[str, Any]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def manifest_problems(data: Mapping[str, Any]) -> list[str]:
    """Return every key and type problem of a parsed manifest.

    Parameters
    ----------
    data : mapping
        The TOML document.

    Returns
    -------
    list of str
        One line per problem; empty when the manifest's keys are all known and
        of the right type. ``[settings]``, ``[maps]`` and ``[fetch]`` contents
        are checked by their own modules.
    """
    problems = key_problems("the top level", data, TOP_KEYS)
    for required in ("study", "layers"):
        if required not in data:
            problems.append(f"no [{required}] table")
    study, layers = data.get("study"), data.get("layers")
    if isinstance(study, dict):
        problems += key_problems("[study]", study, STUDY_KEYS)
    if isinstance(layers, dict):
        for name, table in layers.items():
            problems += _layer_problems(name, table)
    targets = data.get("targets")
    if isinstance(targets, dict):
        for name, table in targets.items():
            problems += _target_problems(name, table)
    return problems


def _target_problems(name: str, table: Any) -> list[str]:
    """Problems of one target: keys, types, the four numbers present, the years in order."""
    where = f"[targets.{name}]"
    if not isinstance(table, dict):
        return [
            f"[targets] {name} = {show_value(table)} is not a table (write it as {name} = "
            "{ baseline = 11.0, baseline_year = 2023, target = 20.0, target_year = 2050 })"
        ]
    problems = key_problems(where, table, TARGET_KEYS)
    missing = [k for k in _TARGET_REQUIRED if k not in table]
    if missing:
        problems.append(
            f"{where} has no {', '.join(missing)}: a target needs {', '.join(_TARGET_REQUIRED)}"
        )
    if problems:
        return problems
    if table["target_year"] <= table["baseline_year"]:
        problems.append(
            f"{where} target_year = {table['target_year']} is not after "
            f"baseline_year = {table['baseline_year']}"
        )
    if table["target"] == table["baseline"]:
        problems.append(
            f"{where} target = {show_value(table['target'])} equals the baseline: "
            "a target must differ from its baseline"
        )
    return problems


def _layer_problems(name: str, table: Any) -> list[str]:
    where = f"[layers.{name}]"
    if not isinstance(table, dict):
        return [f"{where} is {show_value(table)}, not a table (write it as [layers.{name}])"]
    problems = key_problems(where, table, LAYER_KEYS)
    joins = table.get("join", [])
    if TABLES.accepts(joins):
        for i, join in enumerate(joins):
            problems += key_problems(f"[[layers.{name}.join]] number {i + 1}", join, JOIN_KEYS)
    lookup = table.get("ward_lookup")
    if isinstance(lookup, dict):
        problems += key_problems(f"[layers.{name}.ward_lookup]", lookup, LOOKUP_KEYS)
    return problems
