r"""Colours of the green-and-blue map: one per greenspace type, one per kind of water.

Greenspace types are those of OS Open Greenspace (its ``function`` values) and
the natural types (nature reserves, woodland) other greenspace layers use;
water follows the ``blue`` layer kind's types. Greens are for green space and
blues for water. The colours were chosen (a max-min search over sRGB, then
refined) so that every pair differs by CIEDE2000 :math:`\Delta E_{00} \ge 10`
in normal vision and after simulating deuteranopia, protanopia and tritanopia
(Machado et al. 2009, full severity), and each is at least 12 from the white
page; ``tests/test_greenblue_palette.py`` checks this with colour-science, and
``docs/maps.md`` lists the table.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "GREENSPACE_COLOURS",
    "OTHER_GREEN",
    "BLUE_COLOURS",
    "BLUE_LABELS",
    "OTHER_WATER",
    "greenspace_colours",
    "blue_colours",
]

#: Fill colour of each greenspace type (OS Open Greenspace ``function`` values first).
GREENSPACE_COLOURS: dict[str, str] = {
    "Public Park Or Garden": "#339977",
    "Play Space": "#99ee00",
    "Playing Field": "#88bb00",
    "Other Sports Facility": "#778800",
    "Tennis Court": "#55eebb",
    "Bowling Green": "#66bb99",
    "Golf Course": "#426400",
    "Allotments Or Community Growing Spaces": "#a2a363",
    "Religious Grounds": "#757445",
    "Cemetery": "#447766",
    "Nature Reserve": "#15422f",
    "Woodland": "#334411",
}
#: Colour of a greenspace type not in :data:`GREENSPACE_COLOURS`.
OTHER_GREEN = "#c5cb7f"
#: Colour of each kind of water (the ``blue`` layer kind's ``type`` values).
BLUE_COLOURS: dict[str, str] = {
    "river": "#1188ff",
    "canal": "#023f8f",
    "water_body": "#aabbff",
    "suds": "#7788aa",
}
#: Legend labels of the kinds of water.
BLUE_LABELS: dict[str, str] = {
    "river": "River",
    "canal": "Canal",
    "water_body": "Pond or lake",
    "suds": "Sustainable drainage (SuDS)",
}
#: Colour of any other kind of water.
OTHER_WATER = "#2255cc"


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text).strip().lower()


def _assign(
    values: Iterable[str], known: dict[str, str], other: str, other_label: str
) -> dict[str, tuple[str, str]]:
    lookup = {_key(k): (k, c) for k, c in known.items()}
    present = sorted(set(values), key=lambda v: (_key(v) not in lookup, _key(v)))
    unknown = [v for v in present if _key(v) not in lookup]
    out = {v: (lookup[_key(v)][1], lookup[_key(v)][0]) for v in present if _key(v) in lookup}
    label = unknown[0] if len(unknown) == 1 else f"{other_label}: {', '.join(unknown)}"
    out.update({v: (other, label) for v in unknown})
    return out


def greenspace_colours(types: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Colour and legend label of each greenspace type present.

    Known types (matched ignoring case and spacing) get their own colour; every
    other type shares :data:`OTHER_GREEN`, labelled with its name when it is the
    only one, else ``"Other green space: A, B"``.

    Parameters
    ----------
    types : iterable of str
        The types of the sites on the map.

    Returns
    -------
    dict of str to (str, str)
        Type to ``(colour, legend label)``; known types first, in alphabetical order.
        Labels are in sentence case (OS Open Greenspace writes its functions In Title Case).

    Examples
    --------
    >>> greenspace_colours(["Cemetery", "Village green"])
    {'Cemetery': ('#447766', 'Cemetery'), 'Village green': ('#c5cb7f', 'Village green')}
    >>> greenspace_colours(["Public Park Or Garden"])
    {'Public Park Or Garden': ('#339977', 'Public park or garden')}
    """
    named = _assign(types, GREENSPACE_COLOURS, OTHER_GREEN, "Other green space")
    return {t: (c, _sentence_case(label)) for t, (c, label) in named.items()}


def _sentence_case(label: str) -> str:
    """``"Public Park Or Garden"`` -> ``"Public park or garden"``: OS Title Case reads as shouting.

    Only a label in which every word is capitalised is changed (a name such as
    "Other green space: War Memorial Park" is left as written).
    """
    words = label.split()
    if len(words) < 2 or not all(w[:1].isupper() and w[1:].islower() for w in words):
        return label
    return label[:1] + label[1:].lower()


def blue_colours(types: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Colour and legend label of each kind of water present (see :func:`greenspace_colours`).

    Examples
    --------
    >>> blue_colours(["river", "water_body"])
    {'river': ('#1188ff', 'River'), 'water_body': ('#aabbff', 'Pond or lake')}
    """
    named = _assign(types, BLUE_COLOURS, OTHER_WATER, "Other water")
    return {t: (c, BLUE_LABELS.get(label, label)) for t, (c, label) in named.items()}
