"""Cartographic rules of the indicator columns, in one place beside the column registry.

Every column of :mod:`coventry_geo.columns` gets a :class:`MapStyle`, which the web
map, the report maps and the ward profiles all read. The style is derived from the
column's record by a few rules, with the exceptions listed in this module:

- **kind**: ``boolean`` (unit ``true/false`` or ``flag``: labelled categories),
  ``rank`` (unit ``rank``: a label, never mapped as a quantity; the value it ranks
  is mapped instead), ``count`` (``count``, ``persons``, ``trees``: whole-number
  class bounds and a zero class), ``diverging`` (anomalies, changes and signed
  indices such as the concentration index: a ramp centred on zero), ``quantity``
  (everything else) and ``identifier`` (ids, names and text: not mapped);
- **polarity** from :attr:`ColumnInfo.higher_is_worse`: ``hazard`` (hazards and
  deficits, darker = worse), ``asset`` (darker = more of a good thing) or
  ``neutral`` (darker = more);
- **palette**: a ColorBrewer ramp that ColorBrewer marks colour-blind safe, chosen by
  kind and polarity (:data:`PALETTES`);
- **theme**: the group of the web map's indicator selector (:data:`THEMES`).

:data:`HEADLINE` is the curated set of headline indicators: the default report
maps, the rows of a ward's summary on the web map and of its profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from coventry_geo.columns import ColumnInfo, column_info

__all__ = [
    "Kind",
    "Polarity",
    "MapStyle",
    "THEMES",
    "HEADLINE",
    "PALETTES",
    "COLOUR_BLIND_SAFE",
    "BOOLEAN_COLORS",
    "REFERENCES",
    "map_style",
    "rank_direction",
]

Kind = Literal["quantity", "count", "diverging", "boolean", "rank", "identifier"]
Polarity = Literal["hazard", "asset", "neutral"]

#: Selector groups of the web map, in order: (theme id, heading).
THEMES: tuple[tuple[str, str], ...] = (
    ("risk_equity", "Risk and equity"),
    ("flood", "Flood"),
    ("heat", "Heat"),
    ("trees", "Trees"),
    ("greenspace", "Greenspace access"),
    ("heat_networks", "Heat networks"),
    ("deprivation", "Deprivation"),
    ("context", "People and area"),
)

#: Headline indicators, in the order shown (those a study computed are used).
HEADLINE: tuple[str, ...] = (
    "risk_index",
    "flood_area_pct",
    "flood_residents",
    "sw_high_residents",
    "lst_mean_c",
    "lst_anomaly_c",
    "hotspot_residents",
    "canopy_pct",
    "tes_score",
    "pct_residents_meeting_angst_2ha_300m",
    "meets_gi_accessible_greenspace_capacity",
    "green_ha_per_1000",
    "hnz_area_pct",
    "imd_score_mean",
    "imd_decile1_residents_pct",
)

#: Reference values stated on the maps of a column: (label, attribute of Settings), the
#: last being the target that wards are counted against.
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "canopy_pct": (("baseline", "canopy_baseline_pct"), ("target", "canopy_target_pct")),
}

#: ColorBrewer ramps marked colour-blind safe by ColorBrewer (sequential and diverging).
COLOUR_BLIND_SAFE: frozenset[str] = frozenset(
    {
        *("YlOrRd", "YlOrBr", "OrRd", "Reds", "YlGn", "Greens", "BuGn", "PuBu", "Blues"),
        *("Purples", "GnBu", "YlGnBu", "PuBuGn", "BuPu", "RdPu", "PuRd", "Oranges", "Greys"),
        *("BrBG", "PiYG", "PRGn", "PuOr", "RdBu", "RdYlBu"),
    }
)

#: Palette by kind and polarity. Diverging ramps are written low-to-high values.
PALETTES: dict[tuple[str, str], str] = {
    ("quantity", "hazard"): "YlOrRd",
    ("quantity", "asset"): "YlGn",
    ("quantity", "neutral"): "PuBu",
    ("count", "hazard"): "YlOrRd",
    ("count", "asset"): "YlGn",
    ("count", "neutral"): "PuBu",
    ("rank", "hazard"): "YlOrRd",
    ("rank", "asset"): "YlGn",
    ("rank", "neutral"): "PuBu",
    ("diverging", "hazard"): "RdBu_r",  # above 0 (worse) red, below 0 blue
    ("diverging", "asset"): "BrBG",  # above 0 (better) teal, below 0 brown
    ("diverging", "neutral"): "PuOr_r",
}

#: Boolean colours (ColorBrewer RdBu ends): the bad state, the good state, no data.
BOOLEAN_COLORS = {"bad": "#d6604d", "good": "#4393c3", "unknown": "#bdbdbd"}

_COUNT_UNITS = frozenset({"count", "persons", "trees"})
_BOOLEAN_UNITS = frozenset({"true/false", "flag"})
_IDENTIFIERS = frozenset({"ward_id", "ward_name"})
#: Columns centred on zero besides the rules (a name with "anomaly" or "change", or a
#: unit running from -1 to 1): signed gaps between the more and less deprived.
_DIVERGING = frozenset({"sii"})
_SIGNED_UNITS = frozenset({"index (-1 to 1)"})
_TEXT_UNITS = frozenset({"text"})
#: Rank columns and the value each ranks.
_RANK_OF = {"risk_rank": "risk_index", "cooling_priority_rank": "cooling_priority_score"}
_THEME_OF_FAMILY = {
    "flood": "flood",
    "heat": "heat",
    "canopy": "trees",
    "greenspace": "greenspace",
    "green_blue": "greenspace",
    "heat_networks": "heat_networks",
    "equity": "risk_equity",
    "risk": "risk_equity",
    "cooling": "heat",
    "wards": "context",
}
_THEME_OF_COLUMN = {"small_areas": "context", "tes_density_per_km2": "context"}
_DEPRIVATION_PREFIX = "imd_"


@dataclass(frozen=True)
class MapStyle:
    """How one column is drawn.

    Attributes
    ----------
    kind : {"quantity", "count", "diverging", "boolean", "rank", "identifier"}
    polarity : {"hazard", "asset", "neutral"}
        ``hazard``: more is worse; ``asset``: more is better; ``neutral``: neither.
    palette : str
        Matplotlib name of a ColorBrewer ramp (``""`` for booleans and identifiers).
    theme : str
        Selector group (a key of :data:`THEMES`).
    categories : tuple of str
        Boolean labels for true and false (``("meets", "does not meet")``).
    rank_of : str or None
        For a rank: the column whose value it ranks (mapped in its place).
    """

    kind: Kind
    polarity: Polarity
    palette: str
    theme: str
    categories: tuple[str, str] = ("yes", "no")
    rank_of: str | None = None

    @property
    def mappable(self) -> bool:
        """Whether the column is offered as an indicator of its own on the web map."""
        return self.kind not in ("identifier", "rank")


def map_style(column: ColumnInfo | str) -> MapStyle:
    """Return the style of a column by the rules of this module.

    Parameters
    ----------
    column : ColumnInfo or str
        The column, or its registered name.

    Returns
    -------
    MapStyle

    Raises
    ------
    KeyError
        If a name is not registered, or a rank column does not say what it ranks.

    Examples
    --------
    >>> from coventry_geo.columns import ColumnInfo
    >>> map_style(ColumnInfo("x_residents", "X", "persons", "People.", "flood", True)).kind
    'count'
    """
    info = column_info(column) if isinstance(column, str) else column
    kind = _kind(info)
    polarity = _polarity(info)
    rank_of = _RANK_OF[info.name] if kind == "rank" else None
    if rank_of is not None:
        polarity = _polarity(column_info(rank_of)) if _known(rank_of) else "hazard"
    return MapStyle(
        kind=kind,
        polarity=polarity,
        palette=PALETTES.get((kind, polarity), ""),
        theme=_theme(info),
        categories=("meets", "does not meet") if info.name.startswith("meets_") else ("yes", "no"),
        rank_of=rank_of,
    )


def rank_direction(column: ColumnInfo) -> str:
    """Say what rank 1 means for a column: ``"1 = worst"`` or ``"1 = highest"``."""
    return "1 = highest" if column.higher_is_worse is None else "1 = worst"


def _kind(info: ColumnInfo) -> Kind:
    if info.name in _IDENTIFIERS or info.unit in _TEXT_UNITS:
        return "identifier"
    if info.unit in _BOOLEAN_UNITS:
        return "boolean"
    if info.unit == "rank":
        return "rank"
    signed = info.name in _DIVERGING or info.unit in _SIGNED_UNITS
    if signed or "anomaly" in info.name or "change" in info.name:
        return "diverging"  # a change in a count is signed too
    if info.unit in _COUNT_UNITS:
        return "count"
    return "quantity"


def _polarity(info: ColumnInfo) -> Polarity:
    return {True: "hazard", False: "asset", None: "neutral"}[info.higher_is_worse]


def _theme(info: ColumnInfo) -> str:
    if info.name in _THEME_OF_COLUMN:
        return _THEME_OF_COLUMN[info.name]
    if info.name.startswith(_DEPRIVATION_PREFIX):
        return "deprivation"
    return _THEME_OF_FAMILY.get(info.family, "other")


def _known(name: str) -> bool:
    try:
        column_info(name)
    except KeyError:
        return False
    return True
