"""What the maps and profiles say about each ward: value text, rank of N, city reference.

A ward's value is shown with its unit (scales such as ``0-1`` are named in the
label instead), its rank as "r of N" (1 = worst, or 1 = highest for columns with
no direction; ties share the smallest rank), and a city reference, labelled with
what it is: the city-wide value where the run computed one over the whole city (and
the area-weighted share of ``*_area_pct`` columns), the city total of counts and
areas, and otherwise the median ward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coventry_geo.maps.classify import format_value
from coventry_geo.maps.symbology import boolean_flags
from coventry_geo.styles import MapStyle, map_style, rank_direction

if TYPE_CHECKING:
    from collections.abc import Mapping

    from coventry_geo.columns import ColumnInfo

__all__ = ["CITY_WIDE", "IndicatorFacts", "indicator_facts", "value_text", "ward_ranks"]

#: Label of a value computed over the whole city (not a median or a sum of the wards).
CITY_WIDE = "City-wide value"

#: Units that are scales or kinds, named in the label rather than after each value.
_SCALES = frozenset(
    {"", "0-1", "0-100", "index", "index (0-1)", "index (-1 to 1)", "score", "ratio"}
    | {"count", "rank", "flag", "true/false"}
)
_EXTENSIVE_UNITS = frozenset({"ha", "km", "MWh/year"})
_NONE = "\u2013"


@dataclass(frozen=True)
class IndicatorFacts:
    """One indicator's text for every ward, in row order.

    Attributes
    ----------
    column : ColumnInfo
    style : MapStyle
    values : list of str
        The value with its unit ("no data" when missing).
    ranks : list of str
        "r of N" ("–" when the ward has no value or the column is a category).
    rank_note : str
        What rank 1 means ("1 = worst").
    city_label : str
        :data:`CITY_WIDE`, "City total", "Median ward", or "" when there is none.
    city : str
        The city reference with its unit.
    """

    column: ColumnInfo
    style: MapStyle
    values: list[str]
    ranks: list[str]
    rank_note: str
    city_label: str
    city: str

    @property
    def city_text(self) -> str:
        """The city reference, saying what it is unless it is the city-wide value itself."""
        if self.city_label in ("", CITY_WIDE, "Wards"):
            return self.city or _NONE
        return f"{self.city} ({self.city_label.lower()})"


def value_text(value: object, column: ColumnInfo, style: MapStyle | None = None) -> str:
    """Format one value of a column for people.

    Parameters
    ----------
    value : object
        Number, boolean or missing.
    column : ColumnInfo
    style : MapStyle, optional
        Default: the column's.

    Returns
    -------
    str

    Examples
    --------
    >>> from coventry_geo.columns import ColumnInfo
    >>> value_text(1690.6, ColumnInfo("p", "People", "persons", "d", "flood", True))
    '1,691 persons'
    >>> value_text(0.0421, ColumnInfo("r", "Risk", "0-1", "d", "risk", True))
    '0.0421'
    """
    style = style or map_style(column)
    if style.kind == "boolean":
        flag = int(boolean_flags([value])[0])
        return {1: style.categories[0], 0: style.categories[1]}.get(flag, "unknown")
    number = _number(value)
    unit = "" if column.unit in _SCALES else column.unit
    if style.kind in ("count", "rank") and not math.isnan(number):
        number = float(round(number))
    text = format_value(number, unit)
    return "\u2212" + text[1:] if text.startswith("-") else text  # a true minus sign


def ward_ranks(values: pd.Series, column: ColumnInfo) -> pd.Series:
    """Rank wards, 1 = worst (or 1 = highest when the column has no direction).

    Parameters
    ----------
    values : pandas.Series of float
        One value per ward; NaN gets no rank.
    column : ColumnInfo
        ``higher_is_worse`` sets the direction: ``True`` and ``None`` rank the
        highest value 1, ``False`` ranks the lowest value 1.

    Returns
    -------
    pandas.Series
        Nullable integer ranks; ties share the smallest rank.
    """
    ascending = column.higher_is_worse is False
    return values.rank(ascending=ascending, method="min").astype("Int64")


def indicator_facts(
    wards: pd.DataFrame, column: ColumnInfo, city_values: Mapping[str, float] | None = None
) -> IndicatorFacts:
    """Text of one indicator for every ward: value, rank of N and the city reference.

    Parameters
    ----------
    wards : pandas.DataFrame
        The ward table (``area_ha`` is used for the city share of ``*_area_pct``).
    column : ColumnInfo
    city_values : mapping of str to float, optional
        The run's city values (``Evidence.city``).

    Returns
    -------
    IndicatorFacts
    """
    style = map_style(column)
    raw = wards[column.name]
    values = [value_text(v, column, style) for v in raw]
    if style.kind == "boolean":
        flags = boolean_flags(raw)
        ranks = [_NONE] * len(raw)
        meets = f"{style.categories[0]}: {int((flags == 1).sum())} of {int((flags >= 0).sum())}"
        return IndicatorFacts(column, style, values, ranks, "", "Wards", meets)
    numbers = pd.Series([_number(v) for v in raw], index=raw.index, dtype="float64")
    rank = ward_ranks(numbers, column)
    count = int(numbers.notna().sum())
    ranks = [_NONE if pd.isna(r) else f"{int(r)} of {count}" for r in rank]
    label, city = _city_reference(wards, column, numbers, city_values or {})
    city_text = "" if city is None else value_text(city, column, style)
    return IndicatorFacts(column, style, values, ranks, rank_direction(column), label, city_text)


def _city_reference(
    wards: pd.DataFrame, column: ColumnInfo, numbers: pd.Series, city: Mapping[str, float]
) -> tuple[str, float | None]:
    given = city.get(column.name)
    if given is not None and not math.isnan(float(given)):
        return CITY_WIDE, float(given)
    if numbers.notna().sum() == 0:
        return "", None
    if map_style(column).kind == "count" or column.unit in _EXTENSIVE_UNITS:
        return "City total", float(numbers.sum())
    if column.name.endswith("_area_pct") and "area_ha" in wards.columns:
        area = pd.to_numeric(wards["area_ha"], errors="coerce")
        ok = numbers.notna() & area.notna()
        return CITY_WIDE, float(np.average(numbers[ok], weights=area[ok]))
    return "Median ward", float(numbers.median())


def _number(value: object) -> float:
    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
