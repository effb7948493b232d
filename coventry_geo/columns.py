"""Metadata of the columns that indicator families add to the ward table.

Each indicator family declares its columns once, as :class:`ColumnInfo` records
(name, label, unit, description, whether a higher value is worse). Maps, legends,
CSV sidecars and ``docs/indicators.md`` read the same records, so a column's unit
is written in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ColumnInfo",
    "SCALES",
    "UNIT_BOUNDS",
    "UNIT_SCALES",
    "register_columns",
    "column_info",
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
    """

    name: str
    label: str
    unit: str
    description: str
    family: str
    higher_is_worse: bool | None = None
    scale: str = ""
    bounds: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not self.scale:
            object.__setattr__(self, "scale", UNIT_SCALES.get(self.unit, "ratio"))
        if self.scale not in SCALES:
            msg = f"column '{self.name}': scale {self.scale!r} is not one of {', '.join(SCALES)}"
            raise ValueError(msg)
        if self.bounds is None and self.scale == "ratio":
            object.__setattr__(self, "bounds", UNIT_BOUNDS.get(self.unit))


_REGISTRY: dict[str, ColumnInfo] = {}


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
    for info in infos:
        known = _REGISTRY.get(info.name)
        if known is not None and known != info:
            msg = f"column '{info.name}' is already registered with a different description"
            raise ValueError(msg)
        _REGISTRY[info.name] = info


def column_info(name: str) -> ColumnInfo:
    """Return the registered description of a column.

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
        If no family registered that column.
    """
    return _REGISTRY[name]


def registered_columns(family: str | None = None) -> list[ColumnInfo]:
    """List registered columns, optionally of one family, in registration order."""
    return [c for c in _REGISTRY.values() if family is None or c.family == family]


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
