"""Folium building blocks: an offline page, a script element, a tile source.

The page links the vendored Leaflet and toolkit scripts by relative paths
(set per map instance, folium's module-level defaults are not touched) and
declares the page language and an escaped title.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import folium
from branca.element import Figure, MacroElement
from jinja2 import Template

from coventry_geo.maps._assets import LEAFLET_CSS, LEAFLET_JS, MAPS_CSS, MAPS_JS
from coventry_geo.maps._html import deterministic_ids, escape_html, script_json

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["TileSource", "offline_map", "add_script", "mark_rendered", "render_page"]


@dataclass(frozen=True)
class TileSource:
    """A basemap the user names: an XYZ URL template and its attribution.

    Parameters
    ----------
    url : str
        Template such as ``"https://tiles.example.org/{z}/{x}/{y}.png"``, or a
        relative path to tiles shipped with the page.
    attribution : str
        Plain text shown on the map (escaped before display).
    name : str
        Name in the layer control.
    max_zoom : int
        Highest zoom level the source serves.
    """

    url: str
    attribution: str
    name: str = "Basemap"
    max_zoom: int = 19


class _Page(Figure):
    """A folium figure whose ``<html>`` declares its language and an escaped title."""

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.lang }}">\n'
        "<head>\n"
        "<title>{{ this.escaped_title }}</title>\n"
        "{{ this.header.render(**kwargs) }}\n"
        "</head>\n<body>\n{{ this.html.render(**kwargs) }}\n</body>\n"
        "<script>\n{{ this.script.render(**kwargs) }}\n</script>\n</html>\n"
    )

    def __init__(self, title: str, lang: str) -> None:
        super().__init__(title=title)
        self.escaped_title = escape_html(title)
        self.lang = escape_html(lang)


class _Script(MacroElement):
    """JavaScript code placed in the page script after the elements added before it."""

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.code }}\n{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "CoventryGeoScript"
        self.code = code


def offline_map(
    *,
    title: str,
    bounds: Sequence[float],
    tiles: TileSource | None,
    attribution: Sequence[str],
    lang: str = "en",
) -> folium.Map:
    """Create a folium map that loads only vendored assets, fitted to ``bounds``.

    Parameters
    ----------
    title : str
        Page title and on-map heading.
    bounds : sequence of float
        ``(min_lon, min_lat, max_lon, max_lat)`` in degrees.
    tiles : TileSource or None
        Optional basemap; ``None`` draws no basemap and fetches nothing.
    attribution : sequence of str
        Plain-text attribution lines (study, OGL, OS data), escaped for display.
    lang : str
        Page language (BCP 47).

    Returns
    -------
    folium.Map
    """
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    m.default_js = [("leaflet", LEAFLET_JS), ("coventry_geo_maps", MAPS_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS), ("coventry_geo_maps_css", MAPS_CSS)]
    _Page(title, lang).add_child(m)
    if tiles is not None:
        folium.TileLayer(
            tiles=tiles.url,
            attr=escape_html(tiles.attribution),
            name=escape_html(tiles.name),
            max_zoom=tiles.max_zoom,
            overlay=False,
            control=False,
        ).add_to(m)
    min_lon, min_lat, max_lon, max_lat = bounds
    m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    name = m.get_name()
    add_script(m, f"CoventryGeo.addTitle({name}, {script_json(title)});")
    for line in attribution:
        add_script(m, f"CoventryGeo.addAttribution({name}, {script_json(line)});")
    return m


def add_script(m: folium.Map, code: str) -> None:
    """Append JavaScript ``code`` to the map's page script (runs after earlier elements)."""
    _Script(code).add_to(m)


def mark_rendered(m: folium.Map) -> None:
    """Add the script that flags the page as drawn (``<html data-rendered="true">``)."""
    add_script(m, "CoventryGeo.markRendered();")


def render_page(m: folium.Map) -> str:
    """Render a map's whole page, with element ids that do not change from run to run.

    Every page the toolkit writes goes through here, so that the same inputs
    give byte-identical HTML (:func:`~coventry_geo.maps._html.deterministic_ids`).
    """
    return deterministic_ids(m.get_root().render())
