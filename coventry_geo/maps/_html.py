"""Escaping helpers for text that goes into HTML pages and scripts.

Every attribute value shown on a map reaches the page through one of these
functions: :func:`escape_html` for HTML text and attributes, :func:`script_json`
for data embedded in ``<script>`` elements or script files. The page scripts then
insert text with ``textContent`` only, never ``innerHTML``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["deterministic_ids", "escape_html", "script_json"]

#: A folium/branca element name: ``<camelified class name>_<32 random hex digits>``.
_ELEMENT_ID = re.compile(r"\b([A-Za-z][A-Za-z0-9_]*?)_([0-9a-f]{32})(?![0-9A-Za-z])")

_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def escape_html(text: object) -> str:
    """Return ``str(text)`` with ``& < > " '`` replaced by HTML entities."""
    return html.escape(str(text), quote=True)


def script_json(obj: Any) -> str:
    r"""Serialise ``obj`` as JSON that is safe inside ``<script>`` and JS files.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``-style escapes, so the text can
    hold neither ``</script>`` nor ``<!--``; U+2028 and U+2029 are escaped because
    older JavaScript engines treat them as line ends.

    Parameters
    ----------
    obj : Any
        A JSON-serialisable value (NaN is not allowed: convert it to None first).

    Returns
    -------
    str
        Compact JSON text.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _SCRIPT_UNSAFE.items():
        text = text.replace(char, escaped)
    return text


def deterministic_ids(page: str) -> str:
    """Replace folium's random element ids by numbers in order of first appearance.

    folium and branca name every element ``<name>_<32 random hex digits>``
    (``map_3f2a...``, ``geo_json_9c1e...``), so the same map rendered twice
    differs byte for byte. Each distinct id becomes ``<name>_<n>``, ``n``
    counting from 1 in the order the ids first appear in the page, which is
    fixed by the page's content: the same map gives the same bytes.

    Parameters
    ----------
    page : str
        A rendered page.

    Returns
    -------
    str

    Examples
    --------
    >>> deterministic_ids("map_" + "ab" * 16 + " geo_json_" + "cd" * 16 + " map_" + "ab" * 16)
    'map_1 geo_json_2 map_1'
    """
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        n = numbers.setdefault(match.group(2), len(numbers) + 1)
        return f"{match.group(1)}_{n}"

    return _ELEMENT_ID.sub(number, page)
