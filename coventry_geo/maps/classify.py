"""Class breaks and colours for ward choropleths, shared by web and static maps.

:func:`classify` wraps :mod:`mapclassify`: ``"quantiles"``
(:class:`mapclassify.Quantiles`), ``"natural_breaks"`` (Jenks' optimal breaks,
:class:`mapclassify.FisherJenks`, which is deterministic unlike the k-means
:class:`mapclassify.NaturalBreaks`) or ``"fixed"`` upper bounds
(:class:`mapclassify.UserDefined`). Colours come from a ColorBrewer sequential
ramp chosen by :attr:`ColumnInfo.higher_is_worse`: reds for hazards, greens for
assets, blues for neutral quantities; darker always means a higher value.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import mapclassify
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

from coventry_geo.errors import ManifestError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

    from coventry_geo.columns import ColumnInfo

__all__ = ["Scheme", "SCHEMES", "Classification", "classify", "format_value", "NO_DATA_COLOR"]

logger = logging.getLogger(__name__)

Scheme = Literal["quantiles", "natural_breaks", "fixed"]
SCHEMES: tuple[str, ...] = ("quantiles", "natural_breaks", "fixed")
#: Fill of wards whose value is missing.
NO_DATA_COLOR = "#bdbdbd"
_RAMPS = {True: "YlOrRd", False: "YlGn", None: "PuBu"}


@dataclass(frozen=True)
class Classification:
    """Classes of one indicator: bounds, colours and legend labels.

    Class ``i`` holds the values ``v`` with ``upper[i-1] < v <= upper[i]``; the
    first class starts at ``lower`` (the smallest value), inclusive.

    Parameters
    ----------
    lower : float
        Smallest value classified.
    upper : tuple of float
        Upper bound of each class, increasing.
    colors : tuple of str
        Fill colour of each class (``#rrggbb``).
    scheme : str
        Scheme that made the bounds.
    """

    lower: float
    upper: tuple[float, ...]
    colors: tuple[str, ...]
    scheme: str

    def assign(self, values: ArrayLike) -> NDArray[np.int64]:
        """Return the class index of each value, ``-1`` for NaN."""
        arr = np.asarray(values, dtype="float64")
        idx = np.searchsorted(np.asarray(self.upper), arr, side="left")
        idx = np.minimum(idx, len(self.upper) - 1)
        return np.where(np.isnan(arr), -1, idx).astype("int64")

    def labels(self, unit: str) -> list[str]:
        """Legend label of each class, ``"lower – upper unit"``."""
        bounds = (self.lower, *self.upper)
        return [
            f"{format_value(lo, '')} – {format_value(hi, unit)}"
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
        ]


def classify(
    values: ArrayLike,
    column: ColumnInfo,
    *,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
) -> Classification:
    """Class the values of one indicator.

    Parameters
    ----------
    values : array-like of float
        One value per ward (NaN for missing, left out of the classes).
    column : ColumnInfo
        The indicator; its ``higher_is_worse`` picks the colour ramp.
    scheme : {"quantiles", "natural_breaks", "fixed"}
        How to place the class bounds.
    k : int
        Number of classes for ``quantiles`` and ``natural_breaks`` (2 to 9); fewer
        are made when the values have fewer distinct numbers.
    bins : sequence of float, optional
        Increasing upper bounds for ``fixed`` (in the column's unit). A class up to
        the largest value is added when it is above the last bound.

    Returns
    -------
    Classification

    Raises
    ------
    ManifestError
        If the scheme is unknown, ``k`` is out of range, ``bins`` are missing or not
        increasing, or the column has no value at all.
    """
    arr = np.asarray(values, dtype="float64")
    valid = arr[~np.isnan(arr)]
    _check_options(column, valid, scheme=scheme, k=k, bins=bins)
    upper = _upper_bounds(valid, scheme=scheme, k=k, bins=bins)
    cmap = colormaps[_RAMPS[column.higher_is_worse]]
    positions = np.linspace(0.2, 0.95, len(upper)) if len(upper) > 1 else [0.6]
    colors = tuple(to_hex(cmap(p)) for p in positions)
    logger.debug("column %s: %s classes %s", column.name, scheme, upper)
    return Classification(float(valid.min()), upper, colors, scheme)


def _check_options(
    column: ColumnInfo,
    valid: NDArray[np.float64],
    *,
    scheme: str,
    k: int,
    bins: Sequence[float] | None,
) -> None:
    where = f"map classes of column '{column.name}'"
    if scheme not in SCHEMES:
        msg = f"{where}: unknown scheme '{scheme}'. Fix: set [maps] scheme to one of {SCHEMES}."
        raise ManifestError(msg)
    if scheme != "fixed" and not 2 <= k <= 9:
        msg = f"{where}: k = {k}, expected 2 to 9. Fix: set [maps] k between 2 and 9."
        raise ManifestError(msg)
    if scheme == "fixed" and (
        not bins
        or not all(math.isfinite(b) for b in bins)
        or any(b >= c for b, c in zip(bins[:-1], bins[1:], strict=True))
    ):
        msg = (
            f"{where}: scheme 'fixed' needs increasing finite upper bounds, got {bins!r}. "
            f"Fix: set [maps.bins] {column.name} = [b1, b2, ...] in the column's unit."
        )
        raise ManifestError(msg)
    if valid.size == 0:
        msg = (
            f"{where}: every ward value is missing, nothing to map. "
            "Fix: check the layers this indicator needs, or leave the column out of the maps."
        )
        raise ManifestError(msg)


def _upper_bounds(
    valid: NDArray[np.float64], *, scheme: str, k: int, bins: Sequence[float] | None
) -> tuple[float, ...]:
    if scheme == "fixed":
        found = mapclassify.UserDefined(valid, bins=list(bins or ())).bins
    else:
        k_eff = min(k, np.unique(valid).size)
        if k_eff < 2:
            return (float(valid.max()),)
        maker = mapclassify.Quantiles if scheme == "quantiles" else mapclassify.FisherJenks
        with warnings.catch_warnings():
            # FisherJenks falls back to pure Python without numba: slower, same breaks.
            warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
            # Quantiles merges classes whose edges coincide (many equal values, e.g. zeros);
            # the classes shown are then fewer than k, which the legend makes plain.
            warnings.filterwarnings(
                "ignore", message="Not enough unique values", category=UserWarning
            )
            found = maker(valid, k=k_eff).bins
    return tuple(float(b) for b in np.unique(found))


def format_value(value: float, unit: str) -> str:
    """Format a number for people, with its unit.

    Three significant figures below 100, whole numbers with thousands separators
    above; ``%`` is written without a space, other units after a space.

    Parameters
    ----------
    value : float
        The number (NaN gives ``"no data"``).
    unit : str
        Unit text, may be empty.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(12.345, "%")
    '12.3%'
    >>> format_value(15234.2, "persons")
    '15,234 persons'
    >>> format_value(0.0421, "ha")
    '0.0421 ha'
    """
    if math.isnan(value):
        return "no data"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
