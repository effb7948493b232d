"""Credits of the published map: the licence line, built from the layers it uses.

Each input layer of the green-and-blue site is credited with a
:class:`LayerCredit` (what it is, its date, its licence text from the manifest or
its preset). :func:`licence_statements` turns the credits into the statements a
publisher must show: the Open Government Licence v3.0 attribution statement when
any layer is under OGL, ``Contains OS data © Crown copyright and database right
<year>`` when any layer is Ordnance Survey data, and every other statement the
layers' licences ask for (Royal Mail, GeoPlace, ONS ...), each once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from coventry_geo.manifest import LayerSpec

__all__ = ["LayerCredit", "OGL_STATEMENT", "OGL_URL", "layer_credit", "licence_statements"]

#: The attribution statement the Open Government Licence v3.0 asks for.
OGL_STATEMENT = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
#: The licence's text.
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
_OS = "Contains OS data © Crown copyright and database right {year}."
_SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z©])")
_OGL_NAME = re.compile(r"open government licen[cs]e|\bOGL\b", re.IGNORECASE)
_OS_DATA = re.compile(r"\bOS data\b|ordnance survey", re.IGNORECASE)
_ROLES = {
    "wards": "Ward boundaries",
    "greenspace": "Green spaces",
    "greenspace_access_points": "Green space entrances",
    "canopy": "Tree canopy",
    "blue": "Rivers, canals and water",
    "postcodes": "Postcodes",
}


@dataclass(frozen=True)
class LayerCredit:
    """One input layer of the site, as credited on the page.

    Attributes
    ----------
    layer : str
        The layer's name in the manifest.
    role : str
        What the layer gives the map, e.g. ``"Green spaces"``.
    title : str
        What the dataset is (the manifest's description, or the preset's title).
    licence : str
        Licence and attribution text, as in the manifest or the layer's preset.
    date : str
        Date of the data (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), or empty.
    """

    layer: str
    role: str
    title: str
    licence: str
    date: str = ""


def layer_credit(spec: LayerSpec) -> LayerCredit:
    """Return the credit of one manifest layer (title from its description or preset).

    Parameters
    ----------
    spec : LayerSpec

    Returns
    -------
    LayerCredit
    """
    from coventry_geo.layers.official.presets import PRESETS

    preset = PRESETS.get(spec.preset or "")
    title = spec.description or (preset.title if preset else "") or spec.name
    role = _ROLES.get(spec.kind, spec.kind.replace("_", " ").capitalize())
    return LayerCredit(spec.name, role, title, spec.licence, spec.date)


def licence_statements(credits: Iterable[LayerCredit], *, year: int) -> list[str]:
    """Return the licence and attribution statements the layers require, each once.

    Parameters
    ----------
    credits : iterable of LayerCredit
        The layers the site uses.
    year : int
        Year of the publication, for the Ordnance Survey statement.

    Returns
    -------
    list of str
        :data:`OGL_STATEMENT` first when any layer is under the Open Government
        Licence, then the other statements in layer order; a bare licence name
        (``"Open Government Licence v3.0"``) is covered by the OGL statement, and
        every ``Contains OS data ...`` sentence becomes one dated OS statement.

    Examples
    --------
    >>> from coventry_geo.maps._credits import LayerCredit, licence_statements
    >>> os_layer = LayerCredit(
    ...     "greenspace",
    ...     "Green spaces",
    ...     "OS Open Greenspace",
    ...     "Open Government Licence v3.0. Contains OS data © Crown copyright and database right.",
    ... )
    >>> licence_statements([os_layer], year=2026)  # doctest: +NORMALIZE_WHITESPACE
    ['Contains public sector information licensed under the Open Government Licence v3.0.',
     'Contains OS data © Crown copyright and database right 2026.']
    """
    statements: list[str] = []
    ogl = False
    for credit in credits:
        for sentence in _sentences(credit.licence):
            if _OS_DATA.search(sentence) and sentence.lower().startswith("contains"):
                sentence = _OS.format(year=year)
            elif _OGL_NAME.search(sentence):
                ogl = True
                if _is_licence_name(sentence):
                    continue
            if sentence not in statements:
                statements.append(sentence)
    return [OGL_STATEMENT, *statements] if ogl else statements


def _sentences(text: str) -> list[str]:
    parts = (p.strip() for p in _SENTENCE_END.split(text.strip()))
    return [p if p.endswith(".") or p.endswith(")") else f"{p}." for p in parts if p]


def _is_licence_name(sentence: str) -> bool:
    """Whether the sentence only names the OGL (``Open Government Licence v3.0.``, ``OGL``)."""
    return bool(
        re.fullmatch(r"((the )?open government licen[cs]e|OGL)( v\.?3(\.0)?)?\.?", sentence, re.I)
    )
