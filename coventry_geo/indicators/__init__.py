"""Indicator families: one module per family, one function per indicator.

Each function takes the layers it needs (zones first, as GeoDataFrames or
:class:`~coventry_geo.layers.raster.RasterLayer`) and returns a table indexed by
zone id, with units in the column names; ``docs/indicators.md`` gives every
column's formula and the standard it follows.

Families: :mod:`~coventry_geo.indicators.population`,
:mod:`~coventry_geo.indicators.flood`, :mod:`~coventry_geo.indicators.heat`,
:mod:`~coventry_geo.indicators.canopy`, :mod:`~coventry_geo.indicators.heat_networks`,
:mod:`~coventry_geo.indicators.greenspace`, :mod:`~coventry_geo.indicators.deprivation`,
:mod:`~coventry_geo.indicators.equity`, :mod:`~coventry_geo.indicators.tree_equity`,
:mod:`~coventry_geo.indicators.risk`, :mod:`~coventry_geo.indicators.cooling`.
Each is wired into a run by its declaration in :mod:`coventry_geo.evidence.families`.
"""

from __future__ import annotations

import importlib

__all__ = ["load_families"]


def load_families() -> None:
    """Import every family's indicator module, in run order, so that its columns are registered.

    The families are those declared in :mod:`coventry_geo.evidence.families`
    (``Family.indicators``; a family without one registers its columns itself).
    """
    from coventry_geo.evidence.families import families

    for family in families():
        if family.indicators is not None:
            importlib.import_module(family.indicators)
