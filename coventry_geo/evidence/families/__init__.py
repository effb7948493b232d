"""The indicator families, one module each, found by listing this package.

Each module declares its family once, as ``FAMILY = Family(...)``
(:class:`~coventry_geo.evidence.context.Family`): the layer kinds it needs and
reads, its settings dataclass, its place in the run, what it adds to the
small-area table and the function computing it. :func:`families` imports every
module of this package (:func:`pkgutil.iter_modules`) and returns their
families in run order, so that adding a family means adding a module here
(docs/extending.md).

Run order: the families computed from the small-area table (``after`` names
``small_areas``) come after the others; within each group, by ``order``, then
by name. A family named in another's ``after`` must come before it.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from coventry_geo.evidence.context import SMALL_AREAS, Family

__all__ = ["families", "settings_sections"]


def families() -> tuple[Family, ...]:
    """Return every family declared in this package, in run order.

    Returns
    -------
    tuple of Family

    Raises
    ------
    TypeError
        If a module of the package declares no ``FAMILY``.
    ValueError
        If two families share a name, or a family's ``after`` names an unknown
        family or one that does not run before it.
    """
    return _discover(__name__, tuple(__path__))


def settings_sections() -> dict[str, type]:
    """Return the ``[settings]`` sub-tables: family name to its settings dataclass."""
    declared = {f.name: f.settings for f in families() if f.settings is not None}
    return dict(sorted(declared.items()))


@cache
def _discover(package: str, path: tuple[str, ...]) -> tuple[Family, ...]:
    found = []
    for module_info in sorted(pkgutil.iter_modules(list(path)), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{module_info.name}")
        family = getattr(module, "FAMILY", None)
        if not isinstance(family, Family):
            msg = f"module {module.__name__} declares no FAMILY = Family(...)"
            raise TypeError(msg)
        found.append(family)
    return _in_run_order(found)


def _in_run_order(found: list[Family]) -> tuple[Family, ...]:
    ordered = sorted(found, key=lambda f: (SMALL_AREAS in f.after, f.order, f.name))
    seen: set[str] = set()
    for family in ordered:
        if family.name in seen:
            msg = f"two indicator families are named {family.name!r}"
            raise ValueError(msg)
        late = [a for a in family.after if a != SMALL_AREAS and a not in seen]
        if late:
            msg = (
                f"family {family.name!r} runs after {', '.join(map(repr, late))}, which is not "
                "a family that runs before it (give it a lower order)"
            )
            raise ValueError(msg)
        seen.add(family.name)
    return tuple(ordered)
