"""Indicator settings: the manifest's ``[settings]`` table, typed, with defaults.

Standards, thresholds and weights are data in the manifest, not literals in
code. :func:`study_settings` reads ``[settings]``, refuses unknown keys (with
the closest known one), and fills defaults. Families that own a sub-table
(``[settings.greenspace]``, ``[settings.risk]`` ...) receive it as a dict.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields
from typing import Any

from coventry_geo.errors import ManifestError

__all__ = ["Settings", "study_settings"]


@dataclass(frozen=True)
class Settings:
    """Indicator parameters, with their defaults.

    Attributes
    ----------
    canopy_target_pct : float
        Canopy cover target (%), default 20 (Coventry's urban-forest target).
    canopy_baseline_pct : float
        Canopy cover baseline (%), default 11.
    tree_crown_area_m2 : float
        Canopy area of one tree (m²), default 55.74 (Tree Equity Score UK).
    hot_spot_threshold_c : float
        A heat hot spot is a pixel at least this much above the city mean LST (°C),
        default 1.25.
    sections : dict
        Sub-tables ``greenspace``, ``risk`` and ``tree_equity``, checked for known keys.
    """

    canopy_target_pct: float = 20.0
    canopy_baseline_pct: float = 11.0
    tree_crown_area_m2: float = 55.74
    hot_spot_threshold_c: float = 1.25
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """Return a sub-table of ``[settings]`` (empty when absent)."""
        return self.sections.get(name, {})


_SCALARS = {f.name: f for f in fields(Settings) if f.name != "sections"}
#: The sub-tables of [settings] and the keys each may hold (docs/indicators.md).
_SECTIONS: dict[str, set[str]] = {
    "greenspace": {"standards"},
    "risk": {"hazard", "vulnerability", "normalisation", "combine"},
    "tree_equity": {"baseline_pct", "density_breaks", "density_factors", "goal_cap"},
}


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
        For an unknown key or a value that is not a number.
    """
    values: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in _SECTIONS and isinstance(value, dict):
            sections[key] = _section(manifest, key, value)
        elif key in _SCALARS:
            values[key] = _number(manifest, key, value)
        else:
            known = [*_SCALARS, *_SECTIONS]
            near = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            msg = f"manifest {manifest}: unknown setting '{key}'{hint}. Known: {', '.join(known)}."
            raise ManifestError(msg)
    return Settings(**values, sections=sections)


def _section(manifest: str, name: str, table: dict[str, Any]) -> dict[str, Any]:
    allowed = _SECTIONS[name]
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.5)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            msg = (
                f"manifest {manifest}: unknown key '{key}' in [settings.{name}]{hint}. "
                f"Known: {', '.join(sorted(allowed))}."
            )
            raise ManifestError(msg)
    return table


def _number(manifest: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"manifest {manifest}: setting '{key}' must be a number, got {value!r}."
        raise ManifestError(msg)
    return float(value)
