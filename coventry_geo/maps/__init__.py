"""Maps: offline interactive ward choropleths, static PNGs and the green-and-blue site.

Every page written here works with no internet: Leaflet and the toolkit's scripts
are copied next to the HTML, the default basemap is none, and attribute text is
escaped on the way in and inserted with ``textContent``.
"""

from __future__ import annotations

from coventry_geo.maps._page import TileSource
from coventry_geo.maps.choropleth import save_map, ward_choropleth, ward_map, ward_ranks
from coventry_geo.maps.classify import Classification, classify, format_value
from coventry_geo.maps.greenblue import build_greenblue_site
from coventry_geo.maps.static import static_choropleth

__all__ = [
    "TileSource",
    "Classification",
    "classify",
    "format_value",
    "ward_choropleth",
    "ward_map",
    "ward_ranks",
    "save_map",
    "static_choropleth",
    "build_greenblue_site",
]
