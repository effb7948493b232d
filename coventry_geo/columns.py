"""Metadata of the columns that indicator families add to the ward table.

Each indicator family declares its columns once, as :class:`ColumnInfo` records
(name, label, unit, description, whether a higher value is worse, CSV precision).
Maps, legends, ``columns.csv``, the CSV writers and ``docs/indicators.md`` read
the same records, so a column's unit is written in one place. The city-wide
headline values (``city.csv``) are declared the same way
(:func:`register_city_values`).

Families register their columns when their module is imported;
:func:`column_info` and the listing functions import every family first
(:func:`coventry_geo.indicators.load_families`), so they answer in any order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "ColumnInfo",
    "COUNT_UNITS",
    "DEFAULT_DECIMALS",
    "DOCS_SECTIONS",
    "SCALES",
    "UNIT_BOUNDS",
    "UNIT_DECIMALS",
    "UNIT_SCALES",
    "column_info",
    "columns_table",
    "for_csv",
    "register_city_values",
    "register_columns",
    "registered_city_values",
    "registered_columns",
]

#: Levels of measurement (Stevens): what arithmetic a column's values allow.
SCALES = ("ratio", "interval", "ordinal", "nominal")
#: Scale of the units that are not on a ratio scale; any other unit is a ratio scale.
#: °C, scores and signed indices have an arbitrary zero (interval): their differences
#: mean something, their ratios do not.
UNIT_SCALES: dict[str, str] = {
    "°C": "interval",
    "score": "interval",
    "index (-1 to 1)": "interval",
    "rank": "ordinal",
    "decile": "ordinal",
    "": "nominal",
    "text": "nominal",
    "flag": "nominal",
    "true/false": "nominal",
}
#: Natural bounds of bounded units (lowest, highest): shares and fractions.
UNIT_BOUNDS: dict[str, tuple[float, float]] = {
    "%": (0.0, 100.0),
    "0-1": (0.0, 1.0),
    "0-100": (0.0, 100.0),
    "index (0-1)": (0.0, 1.0),
}
#: Units of counts (people, points, trees, ranks): written to CSV as integers (``Int64``).
COUNT_UNITS = frozenset({"count", "persons", "trees", "rank", "decile"})
#: Decimal places of a float column in the CSV files, by unit (GeoPackage and Parquet keep
#: full precision). Nominal units (ids, text, flags) are written as they are.
UNIT_DECIMALS: dict[str, int] = {
    "%": 1,
    "percentage points": 1,
    "0-100": 1,
    "°C": 2,
    "ha": 2,
    "km": 2,
    "m": 0,
    "m²": 0,
    "MWh/year": 0,
    "persons/km²": 0,
    "ha per 1,000 residents": 2,
    "km per 1,000 residents": 2,
}
#: Decimal places of a float column whose unit :data:`UNIT_DECIMALS` does not list
#: (0-1 fractions, indices, ratios, scores), or that no family registered.
DEFAULT_DECIMALS = 3
#: Section of ``docs/indicators.md`` giving the formulas of each family's columns.
DOCS_SECTIONS: dict[str, str] = {
    "wards": "ward-table-base-columns",
    "flood": "flood-ar1",
    "heat": "heat-ar1",
    "canopy": "canopy-nb6",
    "heat_networks": "heat-networks-rnz3",
    "greenspace": "3-results",
    "green_blue": "ward-summary-columns",
    "deprivation": "1-deprivation-and-population-deprivationpy-family-equity",
    "equity": "2-equity-statistics-equitypy-family-equity",
    "tree_equity": "3-nb6-canopy-equity-and-planting-priority-tree_equitypy-family-canopy",
    "risk": "4-ar1-composite-climate-risk-index-riskpy-family-risk",
    "cooling": "5-ar6-cooling-priorities-coolingpy-family-cooling",
}


@dataclass(frozen=True)
class ColumnInfo:
    """Description of one indicator column.

    Parameters
    ----------
    name : str
        Column name in the ward table, with its unit as a suffix (``canopy_pct``).
    label : str
        Short human label for maps and legends.
    unit : str
        Unit as shown to people (``%``, ``ha``, ``°C``, ``persons``).
    description : str
        One sentence: what the value is and how it is computed.
    family : str
        Indicator family that produces it (``flood``, ``heat``, ``canopy``, ...).
    higher_is_worse : bool or None
        ``True`` for hazards and exposure, ``False`` for assets such as canopy,
        ``None`` where neither applies (ids, counts of people).
    scale : str
        Level of measurement, one of :data:`SCALES`; default from the unit
        (:data:`UNIT_SCALES`, else ``ratio``). Give it for a unit that does not
        tell, e.g. ``interval`` for a min-max normalised index in 0-1.
    bounds : tuple of float or None
        Lowest and highest possible value of a bounded indicator; default from
        the unit (:data:`UNIT_BOUNDS`: 0-100 for ``%``, 0-1 for ``0-1``).
    decimals : int or None
        Decimal places in the CSV files; default from the unit: 0 for counts
        (:data:`COUNT_UNITS`, written as integers), :data:`UNIT_DECIMALS`, else
        :data:`DEFAULT_DECIMALS`; None (written as is) for nominal columns.
    docs : str
        Anchor of the ``docs/indicators.md`` section with its formula; default
        the family's (:data:`DOCS_SECTIONS`).
    """

    name: str
    label: str
    unit: str
    description: str
    family: str
    higher_is_worse: bool | None = None
    scale: str = ""
    bounds: tuple[float, float] | None = None
    decimals: int | None = -1
    docs: str = ""

    def __post_init__(self) -> None:
        if not self.scale:
            object.__setattr__(self, "scale", UNIT_SCALES.get(self.unit, "ratio"))
        if self.scale not in SCALES:
            msg = f"column '{self.name}': scale {self.scale!r} is not one of {', '.join(SCALES)}"
            raise ValueError(msg)
        if self.bounds is None and self.scale == "ratio":
            object.__setattr__(self, "bounds", UNIT_BOUNDS.get(self.unit))
        if self.decimals == -1:
            object.__setattr__(self, "decimals", _default_decimals(self))
        if not self.docs:
            object.__setattr__(self, "docs", DOCS_SECTIONS.get(self.family, ""))

    @property
    def is_count(self) -> bool:
        """Whether the values are counts (written to CSV as integers)."""
        return self.unit in COUNT_UNITS

    @property
    def formula(self) -> str:
        """Where the formula is documented: ``docs/indicators.md#<section>``."""
        return f"docs/indicators.md#{self.docs}" if self.docs else ""


def _default_decimals(info: ColumnInfo) -> int | None:
    if info.is_count:
        return 0
    if info.scale == "nominal":
        return None
    return UNIT_DECIMALS.get(info.unit, DEFAULT_DECIMALS)


_REGISTRY: dict[str, ColumnInfo] = {}
_CITY: dict[str, ColumnInfo] = {}


def register_columns(*infos: ColumnInfo) -> None:
    """Register column descriptions (idempotent for identical records).

    Parameters
    ----------
    *infos : ColumnInfo
        Records to register.

    Raises
    ------
    ValueError
        If a different record is already registered under the same name.
    """
    _register(_REGISTRY, infos, "column")


def register_city_values(*infos: ColumnInfo) -> None:
    """Register the city-wide headline values a family computes (rows of ``city.csv``).

    Parameters
    ----------
    *infos : ColumnInfo
        Records to register (``family`` is the family that computes the value).

    Raises
    ------
    ValueError
        If a different record is already registered under the same name.
    """
    _register(_CITY, infos, "city value")


def _register(registry: dict[str, ColumnInfo], infos: tuple[ColumnInfo, ...], what: str) -> None:
    for info in infos:
        known = registry.get(info.name)
        if known is not None and known != info:
            msg = f"{what} '{info.name}' is already registered with a different description"
            raise ValueError(msg)
        registry[info.name] = info


def column_info(name: str) -> ColumnInfo:
    """Return the registered description of a column.

    Every family is imported first, so the answer does not depend on which
    families have been computed.

    Parameters
    ----------
    name : str
        Column name.

    Returns
    -------
    ColumnInfo

    Raises
    ------
    KeyError
        If no family registers that column (the message names the closest ones).
    """
    _discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        msg = f"no indicator family registers a column '{name}'{hint}"
        raise KeyError(msg) from None


def registered_columns(family: str | None = None) -> list[ColumnInfo]:
    """List the columns of every family (or of one), in registration order."""
    _discover()
    return [c for c in _REGISTRY.values() if family is None or c.family == family]


def registered_city_values(family: str | None = None) -> list[ColumnInfo]:
    """List the city-wide headline values of every family (or of one), in registration order."""
    _discover()
    return [c for c in _CITY.values() if family is None or c.family == family]


def _discover() -> None:
    """Import every indicator family, so that all their columns are registered."""
    from coventry_geo.indicators import load_families  # families import this module

    load_families()


def columns_table(names: list[str]) -> pd.DataFrame:
    """Describe columns, for ``columns.csv`` beside a table.

    Parameters
    ----------
    names : list of str
        Column names, in the table's order; unregistered ones get empty cells.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``label``, ``unit``, ``decimals`` (CSV precision; empty:
        written as is), ``description``, ``formula`` (the section of
        ``docs/indicators.md``).
    """
    _discover()
    fields = ["label", "unit", "decimals", "description", "formula"]
    rows = []
    for name in names:
        info = _REGISTRY.get(name)
        row = {f: getattr(info, f) for f in fields} if info else dict.fromkeys(fields)
        rows.append({"column": name, **row})
    table = pd.DataFrame(rows, columns=["column", *fields])
    return table.astype({"decimals": "Int64"})


def for_csv(table: pd.DataFrame) -> pd.DataFrame:
    """Return a table as it is written to CSV: counts as integers, floats rounded.

    Parameters
    ----------
    table : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A copy: each registered count column as ``Int64`` (nullable), each float
        column rounded to its ``decimals`` (:data:`DEFAULT_DECIMALS` when not
        registered); every other column as it was.
    """
    _discover()
    out = table.copy()
    for name in out.columns:
        info = _REGISTRY.get(name)
        column = out[name]
        if info is not None and info.is_count and _numeric(column):
            out[name] = column.round().astype("Int64")
        elif pd.api.types.is_float_dtype(column):
            decimals = DEFAULT_DECIMALS if info is None else info.decimals
            out[name] = column if decimals is None else column.round(decimals)
    return out


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


register_columns(
    ColumnInfo("ward_id", "Ward code", "", "Ward identifier from the ward layer.", "wards"),
    ColumnInfo("ward_name", "Ward", "", "Ward name from the ward layer.", "wards"),
    ColumnInfo("area_ha", "Area", "ha", "Ward area in the analysis CRS, in hectares.", "wards"),
    ColumnInfo(
        "residents",
        "Residents",
        "persons",
        "Residents in the ward: sum of the residences' residents field (without "
        "residences, the population of the small areas assigned to the ward).",
        "wards",
    ),
    ColumnInfo("residences", "Residences", "count", "Residence points inside the ward.", "wards"),
)
