"""One indicator as an interactive folium choropleth that works offline (for notebooks).

:func:`ward_choropleth` maps one indicator (it shows inline in Jupyter);
:func:`save_map` writes the page with its vendored scripts. Colours, classes and
legend follow the column's style (:func:`~coventry_geo.maps.symbology.symbolize`);
each ward's tooltip gives its name, value, rank of N and the city value. Attribute
text reaches the page only as escaped JSON and is inserted with ``textContent``.
The page with every indicator is :func:`coventry_geo.maps.wardmap.write_ward_map`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import folium

from coventry_geo._files import write_atomic
from coventry_geo.maps._assets import copy_assets
from coventry_geo.maps._facts import indicator_facts, ward_ranks
from coventry_geo.maps._geometry import display_wards, to_features
from coventry_geo.maps._html import escape_html, script_json
from coventry_geo.maps._page import (
    TileSource,
    add_script,
    mark_rendered,
    offline_map,
    render_page,
)
from coventry_geo.maps.options import SIMPLIFY_M
from coventry_geo.maps.symbology import Symbology, symbolize

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import geopandas as gpd

    from coventry_geo.columns import ColumnInfo
    from coventry_geo.maps.classify import Scheme

__all__ = ["TileSource", "ward_choropleth", "save_map", "ward_ranks"]

logger = logging.getLogger(__name__)


def ward_choropleth(
    wards: gpd.GeoDataFrame,
    column: ColumnInfo,
    *,
    attribution: Sequence[str],
    title: str | None = None,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    city_value: float | None = None,
    tiles: TileSource | None = None,
    simplify_m: float = SIMPLIFY_M,
) -> folium.Map:
    """Map one ward indicator as a choropleth.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards in a projected CRS (metres) with ``ward_id`` (a column or the index),
        ``ward_name`` and the column ``column.name``.
    column : ColumnInfo
        The indicator (label, unit, direction).
    attribution : sequence of str
        Plain-text attribution lines shown on the map (study, OGL, OS data).
    title : str, optional
        Page title and heading; default ``column.label``.
    scheme : {"quantiles", "natural_breaks", "fixed"}
        Classification (see :func:`coventry_geo.maps.classify.classify`).
    k : int
        Number of classes for ``quantiles`` and ``natural_breaks``.
    bins : sequence of float, optional
        Upper class bounds for ``fixed``, in the column's unit.
    city_value : float, optional
        The indicator for the whole city, shown in each tooltip.
    tiles : TileSource, optional
        Basemap; default none (the page then fetches nothing).
    simplify_m : float
        Outline simplification tolerance in metres (shared edges kept).

    Returns
    -------
    folium.Map
        One overlay layer (toggled in the layer control), legend and tooltips.

    Raises
    ------
    LayerSchemaError
        If a needed column is missing from ``wards``.
    ManifestError
        If the classification options are invalid.
    """
    display = display_wards(wards, [column.name], tolerance_m=simplify_m)
    m = offline_map(
        title=title or column.label,
        bounds=display.total_bounds,
        tiles=tiles,
        attribution=attribution,
    )
    symbology = symbolize(display[column.name], column, scheme=scheme, k=k, bins=bins)
    _indicator_layer(m, display, column, symbology, city_value=city_value)
    _finish(m)
    return m


def save_map(m: folium.Map, out_path: Path) -> Path:
    """Write a map page and its vendored assets (``assets/`` beside it).

    The HTML is written atomically. The folder works offline, from ``file://``
    or any static web server.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`ward_choropleth`.
    out_path : Path
        The ``.html`` file to write.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    OutputError
        If the folder cannot be written.
    """
    html = render_page(m)
    copy_assets(out_path.parent)
    write_atomic(out_path, html)
    logger.info("wrote map %s (%d kB)", out_path, len(html) // 1000)
    return out_path


def _indicator_layer(
    m: folium.Map,
    display: gpd.GeoDataFrame,
    column: ColumnInfo,
    symbology: Symbology,
    *,
    city_value: float | None,
) -> None:
    facts = indicator_facts(
        display, column, {} if city_value is None else {column.name: city_value}
    )
    props = []
    for i, (name, color) in enumerate(zip(display["ward_name"], symbology.colors, strict=True)):
        rows = [[column.label, facts.values[i]]]
        if facts.rank_note:
            rows.append(["Rank", f"{facts.ranks[i]} ({facts.rank_note})"])
        if facts.city:
            rows.append([facts.city_label, facts.city])
        props.append({"title": str(name), "rows": rows, "fill": color})
    layer = folium.GeoJson(
        to_features(display, props),
        name=escape_html(symbology.title),
        style_function=_style,
        overlay=True,
    ).add_to(m)
    add_script(m, f"CoventryGeo.bindInfo({layer.get_name()});")
    legend = {
        "title": symbology.title,
        "items": [{"color": e.color, "label": e.label} for e in symbology.entries]
        + [{"color": "#ffffff", "label": f"Classes: {symbology.method}", "line": True}],
    }
    add_script(
        m, f"CoventryGeo.linkLegend({m.get_name()}, {layer.get_name()}, {script_json(legend)});"
    )


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["fill"],
        "fillOpacity": 0.85,
        "color": "#333333",
        "weight": 1,
    }


def _finish(m: folium.Map) -> None:
    folium.LayerControl(collapsed=False).add_to(m)
    mark_rendered(m)
