"""Strict JSON for every file the toolkit writes: no ``NaN`` or ``Infinity``.

``json.dumps`` writes ``NaN``, ``Infinity`` and ``-Infinity`` by default, which
strict parsers (browsers' ``JSON.parse``, ``jq``, most other languages) reject.
:func:`strict_dumps` writes them as ``null`` instead, and numpy scalars as plain
JSON numbers, then refuses anything non-finite that is left
(``allow_nan=False``).
"""

from __future__ import annotations

import json
import math
from pathlib import PurePath
from typing import Any

__all__ = ["finite", "strict_dumps"]

#: Types of the missing-value markers of pandas (``pd.NA``, ``pd.NaT``), written as null.
_MISSING_TYPES = ("NAType", "NaTType")


def finite(value: Any) -> Any:
    """Return ``value`` with every non-finite float (also inside lists and dicts) as None.

    Parameters
    ----------
    value : any
        A JSON-like value; numpy scalars become Python numbers.

    Returns
    -------
    any
        The same structure, with ``NaN`` and infinities replaced by ``None``.

    Examples
    --------
    >>> finite({"a": float("nan"), "b": [1.5, float("inf")]})
    {'a': None, 'b': [1.5, None]}
    """
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return _scalar(value)


def _scalar(value: Any) -> Any:
    """Turn a numpy scalar, a path or another object into a JSON value."""
    if isinstance(value, PurePath):
        return str(value)
    if type(value).__name__ in _MISSING_TYPES:
        return None
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return finite(item())
    return str(value)


def strict_dumps(value: Any, **kwargs: Any) -> str:
    """Serialise ``value`` as strict JSON (non-finite numbers as ``null``).

    Parameters
    ----------
    value : any
        A JSON-like value.
    **kwargs
        Passed to :func:`json.dumps` (``indent``, ``sort_keys`` ...).

    Returns
    -------
    str

    Examples
    --------
    >>> strict_dumps({"x": float("nan")})
    '{"x": null}'
    """
    return json.dumps(finite(value), allow_nan=False, **kwargs)
