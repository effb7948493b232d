"""What a study did not assess, and the layer to add: so no page reads a gap as a "no".

An indicator whose layer is missing is *not assessed*: the maps and profiles say
so, with the layer that would give it, instead of leaving it out (which reads as
"nothing to report") or showing an empty table (which reads as "none found").
The reasons come from :attr:`Evidence.skipped <coventry_geo.evidence.Evidence>`
(``"no canopy or heat layer: cooling priorities (AR6) not computed"``), and from
what a family that ran had to work with: the composite risk index needs a hazard
per small area, double jeopardy an indicator per small area.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from coventry_geo.columns import column_info

if TYPE_CHECKING:
    from collections.abc import Iterable

    from coventry_geo.evidence import Evidence

__all__ = ["NOT_ASSESSED", "not_assessed", "section_gap"]

#: What a page shows in place of an indicator whose layer is missing.
NOT_ASSESSED = "Not assessed"

#: Ward columns made by another family than the one they are registered under.
_MADE_BY = {
    "sw_high_residents": "surface_water",
    "tes_score": "tree_equity",
    "imd_score_mean": "deprivation",
    "imd_decile1_residents_pct": "deprivation",
    "imd_decile1_areas_pct": "deprivation",
}
#: Families that run with the small areas alone but compute nothing without these layers.
_INPUTS_OF = {
    "risk": ("flood_zones", "heat"),
    "equity": ("flood_zones", "heat", "canopy", "heat_network_zones", "greenspace"),
}
#: Profile sections: the table or layer they list, and the family that makes it.
_SECTIONS = {
    "planting": ("table:planting_priorities", "tree_equity"),
    "cooling": ("table:cooling_priorities", "cooling"),
    "double_jeopardy": ("layer:double_jeopardy", "equity"),
}
_MISSING_KINDS = re.compile(r"^no (?P<kinds>[\w ,]+?) layers?:")


def not_assessed(evidence: Evidence, names: Iterable[str]) -> dict[str, str]:
    """Return the columns of ``names`` that a missing layer kept from being computed.

    Parameters
    ----------
    evidence : Evidence
        The run's results (``wards`` and ``skipped``).
    names : iterable of str
        Registered ward columns (e.g. :data:`coventry_geo.styles.HEADLINE`).

    Returns
    -------
    dict of str to str
        Column to what to do ("add a canopy layer"), for each column absent from
        the ward table (or without a value) because its layer is missing; columns
        left out for another reason (a standard not chosen) are not listed.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from coventry_geo.evidence import Evidence
    >>> from coventry_geo.indicators import load_families
    >>> _ = load_families()
    >>> wards = gpd.GeoDataFrame({"ward_id": ["W1"]}, geometry=[None])
    >>> skipped = {"canopy": "no canopy layer: canopy cover and gap (NB6) not computed"}
    >>> not_assessed(Evidence(wards=wards, skipped=skipped), ["canopy_pct", "hnz_area_pct"])
    {'canopy_pct': 'add a canopy layer'}
    """
    wards = evidence.wards
    out = {}
    for name in names:
        if name in wards.columns and wards[name].notna().any():
            continue
        fix = _family_fix(evidence, _MADE_BY.get(name) or column_info(name).family)
        if fix:
            out[name] = fix
    return out


def section_gap(evidence: Evidence, section: str) -> str | None:
    """Return why a profile section (``planting``, ``cooling``, ``double_jeopardy``) is empty.

    Returns
    -------
    str or None
        ``"Not assessed: add a canopy layer."`` when the run could not make what the
        section lists; None when it did (an empty section then means "none found").
    """
    made, family = _SECTIONS[section]
    kind, _, name = made.partition(":")
    present = evidence.tables if kind == "table" else evidence.layers
    if name in present:
        return None
    fix = _family_fix(evidence, family)
    return f"{NOT_ASSESSED}: {fix}." if fix else None


def _family_fix(evidence: Evidence, family: str) -> str | None:
    """Return what to add so a family computes: its missing layers, or any of its inputs."""
    reason = evidence.skipped.get(family)
    if reason is not None:
        found = _MISSING_KINDS.match(reason)
        kinds = found["kinds"].replace(" or ", ",").split(",") if found else []
        return _add([k.strip() for k in kinds]) if found else reason
    inputs = _INPUTS_OF.get(family)
    return _add(inputs, any_of=True) if inputs else None


def _add(kinds: Iterable[str], *, any_of: bool = False) -> str:
    kinds = list(kinds)
    if len(kinds) == 1:
        return f"add a {kinds[0]} layer"
    listed = ", ".join(kinds[:-1]) + (" or " if any_of else " and ") + kinds[-1]
    return f"add {'a ' if any_of else ''}{listed} layer{'' if any_of else 's'}"
