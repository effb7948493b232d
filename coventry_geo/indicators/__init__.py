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
"""

from __future__ import annotations

import importlib

__all__ = ["FAMILY_MODULES", "load_families"]

#: Every indicator family module; importing one registers its columns.
FAMILY_MODULES = (
    "population",
    "flood",
    "heat",
    "canopy",
    "heat_networks",
    "greenspace",
    "green_blue",
    "deprivation",
    "equity",
    "tree_equity",
    "risk",
    "cooling",
)


def load_families() -> None:
    """Import every family module, so that all their columns are registered."""
    for name in FAMILY_MODULES:
        importlib.import_module(f"{__name__}.{name}")
