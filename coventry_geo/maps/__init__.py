"""Maps: the interactive ward map, report maps, ward profiles and the green-and-blue site.

Every page written here works with no internet: Leaflet and the toolkit's scripts
are copied next to the HTML, the default basemap is none, and attribute text is
escaped on the way in and inserted with ``textContent``. Colours and legends
follow the style registry (:mod:`coventry_geo.styles`) through
:func:`~coventry_geo.maps.symbology.symbolize`.
"""

from __future__ import annotations

from coventry_geo.maps._facts import ward_ranks
from coventry_geo.maps._page import TileSource
from coventry_geo.maps.choropleth import save_map, ward_choropleth
from coventry_geo.maps.classify import Classification, classify, format_value
from coventry_geo.maps.greenblue import build_greenblue_site
from coventry_geo.maps.options import MapOptions, map_options
from coventry_geo.maps.profiles import write_ward_profiles
from coventry_geo.maps.report import write_report_maps, write_ward_maps
from coventry_geo.maps.static import static_choropleth, write_report_map
from coventry_geo.maps.symbology import LegendEntry, Symbology, symbolize
from coventry_geo.maps.wardmap import write_ward_map

__all__ = [
    "TileSource",
    "Classification",
    "classify",
    "format_value",
    "LegendEntry",
    "Symbology",
    "symbolize",
    "MapOptions",
    "map_options",
    "ward_choropleth",
    "ward_ranks",
    "save_map",
    "write_ward_map",
    "static_choropleth",
    "write_report_map",
    "write_report_maps",
    "write_ward_maps",
    "write_ward_profiles",
    "build_greenblue_site",
]
