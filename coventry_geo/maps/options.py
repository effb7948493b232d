"""The manifest's ``[maps]`` table, strictly typed.

Every key is checked for its type and its range; a wrong one is a
:class:`~coventry_geo.errors.ManifestError` naming the key, the value and what
was expected, and unknown keys are listed with the closest known one. Column
names (``default``, ``report``, ``[maps.schemes]``, ``[maps.bins]``) must be
registered indicator columns. ``docs/maps.md`` lists every key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coventry_geo.columns import registered_columns
from coventry_geo.errors import ManifestError
from coventry_geo.indicators import load_families
from coventry_geo.maps._page import TileSource
from coventry_geo.maps.classify import SCHEMES
from coventry_geo.styles import HEADLINE, map_style

__all__ = ["MapOptions", "map_options", "FORMATS", "SIMPLIFY_M"]

#: File formats of the report maps.
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")
#: Default simplification tolerance of ward outlines for web maps, in metres.
SIMPLIFY_M = 5.0


@dataclass(frozen=True)
class MapOptions:
    """Options of the ward maps and profiles (the ``[maps]`` table; docs/maps.md).

    Attributes
    ----------
    scheme : str
        Classification of every column without its own (quantiles, natural_breaks, fixed).
    k : int
        Number of classes (2 to 9).
    schemes : dict of str to str
        Classification per column.
    bins : dict of str to list of float
        Fixed upper class bounds per column (the column then uses ``fixed``).
    default : str or None
        Indicator shown when the web map opens (None: the composite risk index, else
        the first headline indicator the study has).
    report : tuple of str or None
        Columns of the report maps; ``None``: the headline set; ``("all",)``: every one.
    formats : tuple of str
        File formats of the report maps (png, pdf, svg).
    dpi : int
        Resolution of the PNG report maps.
    labels : bool
        Ward name labels on the report maps.
    static : bool
        Write the report maps at all.
    profiles : bool
        Write the ward profiles.
    processes : int
        Worker processes for the report maps and profiles (0: one per core, at most 4).
    tiles : TileSource or None
        Basemap of the web map (default none).
    simplify_m : float
        Outline simplification of the web map, in metres.
    """

    scheme: str = "quantiles"
    k: int = 5
    schemes: dict[str, str] = field(default_factory=dict)
    bins: dict[str, list[float]] = field(default_factory=dict)
    default: str | None = None
    report: tuple[str, ...] | None = None
    formats: tuple[str, ...] = ("png", "pdf")
    dpi: int = 300
    labels: bool = True
    static: bool = True
    profiles: bool = True
    processes: int = 0
    tiles: TileSource | None = None
    simplify_m: float = SIMPLIFY_M

    def classes_of(self, name: str) -> tuple[str, list[float] | None]:
        """Return the scheme and fixed bounds of one column."""
        if name in self.bins:
            return "fixed", self.bins[name]
        return self.schemes.get(name, self.scheme), None

    def report_columns(self, present: list[str]) -> list[str]:
        """Return the report maps' columns among those ``present``, in order."""
        if self.report == ("all",):
            return [n for n in present if map_style(n).kind not in ("identifier", "rank")]
        wanted = HEADLINE if self.report is None else self.report
        return [n for n in wanted if n in present]


class _Reader:
    """Reads one key at a time and raises a message naming the key, value and expectation."""

    def __init__(self, table: Mapping[str, Any], manifest: str) -> None:
        self.table = table
        self.manifest = manifest

    def fail(self, key: str, value: Any, expected: str, fix: str = "") -> ManifestError:
        msg = f"manifest {self.manifest}: [maps] {key} = {value!r}: expected {expected}." + (
            f" Fix: {fix}" if fix else ""
        )
        return ManifestError(msg)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            error = self.fail(key, value, "true or false")
            raise error
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            error = self.fail(key, value, f"a whole number from {low} to {high}")
            raise error
        return value

    def number(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            error = self.fail(key, value, "a number of metres, 0 or more")
            raise error
        return float(value)

    def choice(self, key: str, value: Any, choices: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in choices:
            error = self.fail(key, value, f"one of {', '.join(choices)}")
            raise error
        return value

    def column(self, key: str, value: Any, known: list[str]) -> str:
        if not isinstance(value, str):
            error = self.fail(key, value, "an indicator column name (text)")
            raise error
        if value not in known:
            near = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            error = self.fail(
                key, value, "a registered indicator column", f"{hint}see docs/indicators.md."
            )
            raise error
        return value

    def table_of(self, key: str) -> Mapping[str, Any]:
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            error = self.fail(key, value, "a table ([maps." + key + "]) of column = value")
            raise error
        return value


def map_options(table: Mapping[str, Any], *, manifest: str = "manifest") -> MapOptions:
    """Read the manifest's ``[maps]`` table.

    Parameters
    ----------
    table : mapping
        The ``[maps]`` table.
    manifest : str, keyword-only
        The manifest's path, for messages.

    Returns
    -------
    MapOptions

    Raises
    ------
    ManifestError
        For unknown keys (listed, each with the closest known one), a value of the
        wrong type or range, an unknown column name, or a tile URL without its
        attribution.
    """
    _check_keys(table, manifest)
    read = _Reader(table, manifest)
    load_families()
    known = [c.name for c in registered_columns() if map_style(c).kind != "identifier"]
    return MapOptions(
        scheme=read.choice("scheme", table.get("scheme", "quantiles"), SCHEMES),
        k=read.integer("k", 5, 2, 9),
        schemes={
            read.column(f"schemes.{n}", n, known): read.choice(f"schemes.{n}", s, SCHEMES)
            for n, s in read.table_of("schemes").items()
        },
        bins={
            read.column(f"bins.{n}", n, known): _bounds(read, f"bins.{n}", b)
            for n, b in read.table_of("bins").items()
        },
        default=read.column("default", table["default"], known) if "default" in table else None,
        report=_report(read, known),
        formats=_formats(read),
        dpi=read.integer("dpi", 300, 72, 1200),
        labels=read.boolean("labels", True),
        static=read.boolean("static", True),
        profiles=read.boolean("profiles", True),
        processes=read.integer("processes", 0, 0, 64),
        tiles=_tiles(read),
        simplify_m=read.number("simplify_m", SIMPLIFY_M),
    )


_KEYS = (
    "scheme", "k", "schemes", "bins", "default", "report", "formats", "dpi", "labels",
    "static", "profiles", "processes", "tiles_url", "tiles_attribution", "simplify_m",
)  # fmt: skip


def _check_keys(table: Mapping[str, Any], manifest: str) -> None:
    unknown = [key for key in table if key not in _KEYS]
    if not unknown:
        return
    parts = []
    for key in unknown:
        near = difflib.get_close_matches(key, _KEYS, n=1)
        parts.append(f"'{key}'" + (f" (did you mean '{near[0]}'?)" if near else ""))
    msg = (
        f"manifest {manifest}: unknown [maps] key{'s' if len(parts) > 1 else ''} "
        f"{', '.join(parts)}. Fix: use the known keys only: {', '.join(sorted(_KEYS))}."
    )
    raise ManifestError(msg, path=manifest)


def _bounds(read: _Reader, key: str, value: Any) -> list[float]:
    numbers = isinstance(value, list) and all(
        isinstance(b, (int, float)) and not isinstance(b, bool) for b in value
    )
    if not numbers or not value or any(b >= c for b, c in zip(value[:-1], value[1:], strict=False)):
        error = read.fail(key, value, "a list of increasing numbers (upper class bounds)")
        raise error
    return [float(b) for b in value]


def _report(read: _Reader, known: list[str]) -> tuple[str, ...] | None:
    value = read.table.get("report")
    if value is None:
        return None
    if value == "all":
        return ("all",)
    if not isinstance(value, list) or not value:
        error = read.fail("report", value, '"all" or a list of indicator column names')
        raise error
    return tuple(read.column("report", name, known) for name in value)


def _formats(read: _Reader) -> tuple[str, ...]:
    value = read.table.get("formats", ["png", "pdf"])
    if not isinstance(value, list) or not value:
        error = read.fail("formats", value, f"a list of {', '.join(FORMATS)}")
        raise error
    return tuple(dict.fromkeys(read.choice("formats", f, FORMATS) for f in value))


def _tiles(read: _Reader) -> TileSource | None:
    url = read.table.get("tiles_url")
    if url is None:
        return None
    text = read.table.get("tiles_attribution")
    if not isinstance(url, str) or not url:
        error = read.fail("tiles_url", url, "a tile URL template (text)")
        raise error
    if not isinstance(text, str) or not text:
        error = read.fail(
            "tiles_attribution",
            text,
            "the basemap's licence text",
            "tiles_url needs tiles_attribution, shown on every map.",
        )
        raise error
    return TileSource(url, text)
