"""Escaping helpers for text that goes into HTML pages and scripts.

Every attribute value shown on a map reaches the page through one of these
functions: :func:`escape_html` for HTML text and attributes, :func:`script_json`
for data embedded in ``<script>`` elements or script files. The page scripts then
insert text with ``textContent`` only, never ``innerHTML``.
"""

from __future__ import annotations

import html
import json
from typing import Any

__all__ = ["escape_html", "script_json"]

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
