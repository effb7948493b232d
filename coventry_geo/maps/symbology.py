"""Colours and legends of an indicator by its style: one function for web maps, PNGs and profiles.

:func:`symbolize` turns one value per zone into a colour per zone and the legend
entries that explain them, following the column's :class:`~coventry_geo.styles.MapStyle`:

- ``quantity``: classes from :func:`~coventry_geo.maps.classify.classify` on a
  sequential ColorBrewer ramp (darker = more); where at least
  :data:`ZERO_SHARE` of the zones are exactly 0, they get a class "0" of their own
  and the other values are classed apart;
- ``count``: the same, with the values rounded to whole numbers and whole-number
  class bounds (``"1 – 68"``, ``"69 – 379"``);
- ``diverging``: classes of the size of the value (the same bounds below and above
  0), coloured on a diverging ramp centred on 0, so that equal colour strength
  means an equal distance from 0;
- ``boolean``: the categories ("meets" / "does not meet", "yes" / "no") and
  "unknown", with how many zones are in each;
- ``rank``: ranks in classes, rank 1 in the strongest colour.

The legend title names the unit and :attr:`Symbology.method` the classification.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from coventry_geo.errors import ManifestError
from coventry_geo.maps.classify import NO_DATA_COLOR, classify, format_value
from coventry_geo.styles import BOOLEAN_COLORS, MapStyle, map_style

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

    from coventry_geo.columns import ColumnInfo
    from coventry_geo.maps.classify import Scheme

__all__ = [
    "LegendEntry",
    "Symbology",
    "symbolize",
    "column_title",
    "entry_unit",
    "boolean_flags",
    "ZERO_SHARE",
    "SCHEME_NAMES",
]

#: Share of zones at exactly 0 from which 0 gets a class of its own.
ZERO_SHARE = 0.1
#: How each scheme is named in legends.
SCHEME_NAMES = {
    "quantiles": "quantiles",
    "natural_breaks": "natural breaks (Fisher-Jenks)",
    "fixed": "fixed class bounds",
}
#: Units short and plain enough to follow each number in a legend.
_ENTRY_UNITS = frozenset({"%", "ha", "km", "°C", "persons", "trees", "MWh/year"})
_DASH = "\u2013"
_MINUS = "\u2212"


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: its label (with the unit) and its colour (``#rrggbb``)."""

    label: str
    color: str


@dataclass(frozen=True)
class Symbology:
    """The colours of one indicator's zones and the legend that explains them.

    Attributes
    ----------
    name : str
        Column name.
    title : str
        Legend title: the label and the unit.
    method : str
        How the classes were made, for the legend.
    entries : tuple of LegendEntry
        Legend lines in reading order; "No data" (or "unknown") last when a zone
        has no value.
    index : tuple of int
        For each zone, the position of its entry in ``entries``.
    """

    name: str
    title: str
    method: str
    entries: tuple[LegendEntry, ...]
    index: tuple[int, ...]

    @property
    def colors(self) -> list[str]:
        """The fill colour of each zone."""
        return [self.entries[i].color for i in self.index]

    def to_json(self) -> dict[str, Any]:
        """Return the legend as a JSON-ready mapping (title, method, entries, zone entries)."""
        return {
            "title": self.title,
            "method": self.method,
            "items": [{"label": e.label, "color": e.color} for e in self.entries],
            "index": list(self.index),
        }


def symbolize(
    values: ArrayLike,
    column: ColumnInfo,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    style: MapStyle | None = None,
) -> Symbology:
    """Colour one value per zone by the column's style, with its legend.

    Parameters
    ----------
    values : array-like
        One value per zone (NaN or None for missing; booleans for a boolean column).
    column : ColumnInfo
        The indicator.
    scheme : {"quantiles", "natural_breaks", "fixed"}, keyword-only
        Classification of quantities, counts, ranks and diverging values.
    k : int, keyword-only
        Number of classes (2 to 9); a diverging column gets up to ``ceil(k / 2)``
        classes on each side of 0.
    bins : sequence of float, optional, keyword-only
        Upper class bounds for ``fixed``, in the column's unit.
    style : MapStyle, optional, keyword-only
        Default: :func:`coventry_geo.styles.map_style` of the column.

    Returns
    -------
    Symbology

    Raises
    ------
    ManifestError
        If the options are invalid, the column is an identifier, or every value is
        missing.

    Examples
    --------
    >>> from coventry_geo.columns import ColumnInfo
    >>> col = ColumnInfo("x_residents", "People at risk", "persons", "People.", "flood", True)
    >>> sym = symbolize([0, 0, 0, 4, 70, 380], col, k=3)
    >>> [e.label for e in sym.entries]
    ['0 persons', '4 – 70 persons', '71 – 380 persons']
    """
    style = style or map_style(column)
    title = column_title(column, style)
    if style.kind == "identifier":
        msg = f"column '{column.name}' is an identifier, not an indicator: it cannot be mapped."
        raise ManifestError(msg)
    if style.kind == "boolean":
        return _boolean(values, column, style, title)
    arr = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"), "float64")
    if style.kind == "diverging":
        return _diverging(arr, column, style, title, scheme=scheme, k=k, bins=bins)
    return _sequential(arr, column, style, title, scheme=scheme, k=k, bins=bins)


def column_title(column: ColumnInfo, style: MapStyle | None = None) -> str:
    """Return the label of a column with its unit, as legends, selectors and tables show it.

    The unit is left out when there is none, for true/false columns, and when the
    label already ends with it (a score is not "Mean IMD score (score)").

    Examples
    --------
    >>> from coventry_geo.columns import ColumnInfo
    >>> column_title(ColumnInfo("c", "Tree canopy cover", "%", "d", "canopy", False))
    'Tree canopy cover (%)'
    >>> column_title(ColumnInfo("s", "Mean IMD score", "score", "d", "equity", True))
    'Mean IMD score'
    """
    style = style or map_style(column)
    unit = column.unit
    if not unit or style.kind == "boolean" or column.label.lower().endswith(unit.lower()):
        return column.label
    return f"{column.label} ({unit})"


def entry_unit(unit: str) -> str:
    """Return the unit written after each legend number: short units only (the title has all).

    >>> entry_unit("%"), entry_unit("0-1"), entry_unit("ha per 1,000 residents")
    ('%', '', '')
    """
    return unit if unit in _ENTRY_UNITS else ""


def _ramp(palette: str, positions: Sequence[float]) -> list[str]:
    cmap = colormaps[palette]
    return [to_hex(cmap(float(p))) for p in positions]


def _with_missing(
    name: str,
    title: str,
    method: str,
    entries: list[LegendEntry],
    index: NDArray[np.int64],
    missing_label: str = "No data",
) -> Symbology:
    if (index < 0).any():
        entries = [*entries, LegendEntry(missing_label, NO_DATA_COLOR)]
        index = np.where(index < 0, len(entries) - 1, index)
    return Symbology(name, title, method, tuple(entries), tuple(int(i) for i in index))


# --- quantities, counts and ranks ------------------------------------------------------------


def _sequential(
    arr: NDArray[np.float64],
    column: ColumnInfo,
    style: MapStyle,
    title: str,
    *,
    scheme: Scheme,
    k: int,
    bins: Sequence[float] | None,
) -> Symbology:
    whole = style.kind in ("count", "rank")
    if whole:
        arr = np.rint(arr)
    valid = arr[~np.isnan(arr)]
    zero = _zero_class(valid, scheme) and style.kind != "rank"
    rest = valid[valid != 0] if zero else valid
    upper = _bounds(rest, column, scheme=scheme, k=k - 1 if zero else k, bins=bins, whole=whole)
    lower = _lower_bounds(rest, upper, whole=whole)
    unit = "" if style.kind == "rank" else entry_unit(column.unit)
    labels = [_range_label(lo, hi, unit) for lo, hi in zip(lower, upper, strict=True)]
    index = np.searchsorted(np.asarray(upper), arr, side="left").clip(max=len(upper) - 1)
    positions = list(np.linspace(0.25 if zero else 0.2, 0.95, len(upper)))
    if len(upper) == 1:
        positions = [0.6]
    if style.kind == "rank":
        positions = positions[::-1]  # rank 1 in the strongest colour
    colors = _ramp(style.palette, positions)
    if zero:
        labels.insert(0, format_value(0.0, unit))
        colors.insert(0, _ramp(style.palette, [0.0])[0])
        index = np.where(arr == 0, 0, index + 1)
    index = np.where(np.isnan(arr), -1, index)
    entries = [LegendEntry(t, c) for t, c in zip(labels, colors, strict=True)]
    method = _method(scheme, len(upper), zero=zero, whole=whole and style.kind == "count")
    if style.kind == "rank":
        title = f"{column.label} (1 = highest, strongest colour)"
        method = f"Ranks in {len(upper)} classes ({SCHEME_NAMES[scheme]})"
    return _with_missing(column.name, title, method, entries, index)


def _zero_class(valid: NDArray[np.float64], scheme: str) -> bool:
    if scheme == "fixed" or valid.size == 0 or valid.min() < 0:
        return False
    zeros = int((valid == 0).sum())
    return zeros > 0 and zeros >= ZERO_SHARE * valid.size


def _bounds(
    rest: NDArray[np.float64],
    column: ColumnInfo,
    *,
    scheme: Scheme,
    k: int,
    bins: Sequence[float] | None,
    whole: bool,
) -> tuple[float, ...]:
    """Upper class bounds of the values (after any zero class), whole numbers for counts."""
    if rest.size == 0:  # every value is 0, in the zero class
        return ()
    if k < 2 and scheme != "fixed":
        upper: tuple[float, ...] = (float(rest.max()),)
    else:
        upper = classify(rest, column, scheme=scheme, k=k, bins=bins).upper
    if whole:
        upper = tuple(float(b) for b in np.unique(np.floor(upper)))
    return upper


def _lower_bounds(
    rest: NDArray[np.float64], upper: tuple[float, ...], *, whole: bool
) -> list[float]:
    if not upper:
        return []
    step = 1.0 if whole else 0.0
    return [float(rest.min()), *(b + step for b in upper[:-1])]


def _range_label(lo: float, hi: float, unit: str) -> str:
    if lo == hi:
        return _signed(hi, unit)
    return f"{_signed(lo, '')} {_DASH} {_signed(hi, unit)}"


def _signed(value: float, unit: str) -> str:
    text = format_value(abs(value), unit)
    return f"{_MINUS}{text}" if value < 0 else text


def _method(scheme: str, n: int, *, zero: bool, whole: bool) -> str:
    name = SCHEME_NAMES[scheme]
    text = name[0].upper() + name[1:]
    if scheme != "fixed":
        text += f", {n} class{'es' if n != 1 else ''}"
    if whole:
        text += ", whole numbers"
    if zero:
        text += "; 0 in a class of its own"
    return text


# --- diverging ---------------------------------------------------------------------------


def _diverging(
    arr: NDArray[np.float64],
    column: ColumnInfo,
    style: MapStyle,
    title: str,
    *,
    scheme: Scheme,
    k: int,
    bins: Sequence[float] | None,
) -> Symbology:
    valid = arr[~np.isnan(arr)]
    side = max(1, math.ceil(k / 2))
    sizes = _magnitude_bounds(np.abs(valid), column, scheme=scheme, k=side, bins=bins)
    magnitude = np.searchsorted(np.asarray(sizes), np.abs(arr), side="left").clip(
        max=len(sizes) - 1
    )
    below = arr < 0
    lows = (0.0, *sizes[:-1])
    classes: list[tuple[bool, int]] = [(True, m) for m in range(len(sizes) - 1, -1, -1)]
    classes += [(False, m) for m in range(len(sizes))]
    used = {(bool(b), int(m)) for b, m, v in zip(below, magnitude, arr, strict=True) if v == v}
    entries, position = [], {}
    for negative, m in (c for c in classes if c in used):
        offset = 0.45 * (m + 1) / len(sizes)
        color = _ramp(style.palette, [0.5 - offset if negative else 0.5 + offset])[0]
        lo, hi = (-sizes[m], -lows[m]) if negative else (lows[m], sizes[m])
        lo, hi = max(lo, float(valid.min())), min(hi, float(valid.max()))
        position[(negative, m)] = len(entries)
        entries.append(LegendEntry(_range_label(lo, hi, entry_unit(column.unit)), color))
    index = np.array(
        [
            position[(bool(b), int(m))] if v == v else -1
            for b, m, v in zip(below, magnitude, arr, strict=True)
        ],
        dtype="int64",
    )
    method = (
        f"Centred on 0 ({_MINUS} below, + above); {len(sizes)} class"
        f"{'es' if len(sizes) != 1 else ''} on each side, by the size of the value "
        f"({SCHEME_NAMES[scheme]})"
    )
    return _with_missing(column.name, title, method, entries, index)


def _magnitude_bounds(
    size: NDArray[np.float64],
    column: ColumnInfo,
    *,
    scheme: Scheme,
    k: int,
    bins: Sequence[float] | None,
) -> tuple[float, ...]:
    """Upper bounds of the distance from 0, shared by both sides."""
    valid = size[~np.isnan(size)]
    if scheme == "fixed":
        fixed = sorted({abs(float(b)) for b in bins or ()} - {0.0})
        if not fixed:
            msg = (
                f"map classes of column '{column.name}': scheme 'fixed' needs non-zero bounds, "
                f"got {bins!r}. Fix: set [maps.bins] {column.name} = [b1, b2, ...]."
            )
            raise ManifestError(msg)
        bins = fixed
    if valid.size and k < 2 and scheme != "fixed":
        return (float(valid.max()),)
    return classify(valid, column, scheme=scheme, k=max(k, 2), bins=bins).upper


# --- booleans ----------------------------------------------------------------------------


def _boolean(values: ArrayLike, column: ColumnInfo, style: MapStyle, title: str) -> Symbology:
    flags = boolean_flags(values)
    good, bad = BOOLEAN_COLORS["good"], BOOLEAN_COLORS["bad"]
    true_color, false_color = {"asset": (good, bad), "hazard": (bad, good)}.get(
        style.polarity, (good, "#d1e5f0")
    )
    counts = [int((flags == 1).sum()), int((flags == 0).sum())]
    labels = [f"{name} ({n})" for name, n in zip(style.categories, counts, strict=True)]
    entries = [LegendEntry(labels[0], true_color), LegendEntry(labels[1], false_color)]
    index = np.where(flags == 1, 0, np.where(flags == 0, 1, -1))
    missing = f"unknown ({int((index < 0).sum())})"
    return _with_missing(
        column.name, title, "Categories (how many of each)", entries, index, missing
    )


def boolean_flags(values: ArrayLike) -> NDArray[np.int64]:
    """1 for true, 0 for false, -1 for missing, from booleans, 0/1 numbers or text."""
    words = {"true": 1, "false": 0, "yes": 1, "no": 0, "1": 1, "0": 0}
    out = []
    for value in pd.Series(values, dtype="object"):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            out.append(-1)
        elif isinstance(value, str):
            out.append(words.get(value.strip().lower(), -1))
        else:
            out.append(1 if bool(value) else 0)
    return np.asarray(out, dtype="int64")
