"""Official open datasets: their published schemas (presets) and attribute-table joins.

:mod:`coventry_geo.layers.official.presets` declares, as data, each dataset's field
names, value mappings, units, source and licence; :mod:`coventry_geo.layers.official.tables`
joins attribute tables (IMD, Census) to boundaries by code;
:mod:`coventry_geo.layers.official.gridded` reads gridded NetCDF projections (UKCP18)
through xarray.
"""

from coventry_geo.layers.official.presets import PRESETS, Preset, get_preset

__all__ = ["PRESETS", "Preset", "get_preset"]
