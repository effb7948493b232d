"""Statistics of a layer within zones: the fast zonal statistics engine.

Rasters
    :func:`raster_zonal_stats` makes one streaming pass over the raster per zone
    set (:mod:`coventry_geo.zonal.raster`): the zones are turned once into per-row
    runs of pixels and cached (:mod:`coventry_geo.zonal.grid`), the raster is read
    in strips of whole block rows (:mod:`coventry_geo.zonal.strips`) and each strip
    is reduced run by run (:mod:`coventry_geo.zonal.reduce`). Memory stays bounded
    whatever the raster's size. On a Dask cluster the same pass is split into
    tiles (:mod:`coventry_geo.zonal.tiles`, :mod:`coventry_geo.zonal.dask_backend`).
Vectors
    :func:`polygon_area_share` (area of each zone inside a polygon layer,
    :mod:`coventry_geo.zonal.vector`), :func:`points_in_zones` (point counts and
    sums per zone and class) and :func:`sample_raster_at_points` (the pixel value
    under each point, :mod:`coventry_geo.zonal.points`).

Nothing in this package imports the cluster code (:mod:`coventry_geo.distributed`):
the Dask backend registers itself through :mod:`coventry_geo.backends`.
"""

from coventry_geo.zonal.grid import ZONE_GRID_CACHE, ZoneGridCache
from coventry_geo.zonal.points import points_in_zones, sample_raster_at_points
from coventry_geo.zonal.raster import ZonalOptions, raster_zonal_stats
from coventry_geo.zonal.vector import polygon_area_share

__all__ = [
    "ZoneGridCache",
    "ZONE_GRID_CACHE",
    "ZonalOptions",
    "raster_zonal_stats",
    "polygon_area_share",
    "points_in_zones",
    "sample_raster_at_points",
]
