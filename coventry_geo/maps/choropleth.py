"""Interactive ward choropleths (folium) that work offline.

:func:`ward_choropleth` maps one indicator, :func:`ward_map` several, one at a
time, chosen in a layer control; :func:`save_map` writes the page with its
vendored scripts. Each ward shows a tooltip with its name, value, rank and the
city value; the legend gives the classes with units. Attribute text reaches the
page only as escaped JSON and is inserted with ``textContent``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd

from coventry_geo.errors import LayerSchemaError
from coventry_geo.maps._assets import copy_assets, write_atomic
from coventry_geo.maps._geometry import display_geometry, to_features
from coventry_geo.maps._html import escape_html, script_json
from coventry_geo.maps._page import (
    TileSource,
    add_script,
    mark_rendered,
    offline_map,
    render_page,
)
from coventry_geo.maps.classify import NO_DATA_COLOR, Classification, classify, format_value

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    import geopandas as gpd

    from coventry_geo.columns import ColumnInfo
    from coventry_geo.maps.classify import Scheme

__all__ = ["TileSource", "ward_choropleth", "ward_map", "save_map", "ward_ranks"]

logger = logging.getLogger(__name__)

#: Default simplification tolerance of ward outlines for web maps, in metres.
SIMPLIFY_M = 5.0


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
        Wards in a projected CRS (metres) with ``ward_id``, ``ward_name`` and the
        column ``column.name``.
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
    display = _display_wards(wards, [column], simplify_m)
    m = offline_map(
        title=title or column.label,
        bounds=display.total_bounds,
        tiles=tiles,
        attribution=attribution,
    )
    classes = classify(display[column.name], column, scheme=scheme, k=k, bins=bins)
    _indicator_layer(m, display, column, classes, city_value=city_value, overlay=True)
    _finish(m)
    return m


def ward_map(
    wards: gpd.GeoDataFrame,
    columns: Sequence[ColumnInfo],
    *,
    attribution: Sequence[str],
    title: str,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Mapping[str, Sequence[float]] | None = None,
    city_values: Mapping[str, float] | None = None,
    tiles: TileSource | None = None,
    simplify_m: float = SIMPLIFY_M,
) -> folium.Map:
    """Map several ward indicators on one page, one shown at a time.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards in a projected CRS (metres) with ``ward_id``, ``ward_name`` and
        every column in ``columns``.
    columns : sequence of ColumnInfo
        Indicators, in layer-control order; the first is shown on opening.
    attribution : sequence of str
        Plain-text attribution lines.
    title : str
        Page title and heading (usually the study name).
    scheme : {"quantiles", "natural_breaks", "fixed"}
        Classification of columns without an entry in ``bins``.
    k : int
        Number of classes for ``quantiles`` and ``natural_breaks``.
    bins : mapping of str to sequence of float, optional
        Fixed upper class bounds per column name; these columns use ``fixed``.
    city_values : mapping of str to float, optional
        City value per column name, shown in the tooltips.
    tiles : TileSource, optional
        Basemap; default none.
    simplify_m : float
        Outline simplification tolerance in metres.

    Returns
    -------
    folium.Map
        One base layer per indicator (radio buttons in the layer control); the
        legend follows the layer shown.

    Raises
    ------
    LayerSchemaError
        If a needed column is missing from ``wards``.
    ManifestError
        If the classification options are invalid.
    """
    display = _display_wards(wards, columns, simplify_m)
    m = offline_map(title=title, bounds=display.total_bounds, tiles=tiles, attribution=attribution)
    fixed = bins or {}
    cities = city_values or {}
    for i, column in enumerate(columns):
        classes = classify(
            display[column.name],
            column,
            scheme="fixed" if column.name in fixed else scheme,
            k=k,
            bins=fixed.get(column.name),
        )
        _indicator_layer(
            m, display, column, classes, city_value=cities.get(column.name), show=i == 0
        )
    _finish(m)
    return m


def save_map(m: folium.Map, out_path: Path) -> Path:
    """Write a map page and its vendored assets (``assets/`` beside it).

    The HTML is written atomically. The folder works offline, from ``file://``
    or any static web server.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`ward_choropleth` or :func:`ward_map`.
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


def ward_ranks(values: pd.Series, column: ColumnInfo) -> pd.Series:
    """Rank wards, 1 = worst (or 1 = highest when the column has no direction).

    Parameters
    ----------
    values : pandas.Series of float
        One value per ward; NaN gets no rank.
    column : ColumnInfo
        ``higher_is_worse`` sets the direction: ``True`` and ``None`` rank the
        highest value 1, ``False`` ranks the lowest value 1.

    Returns
    -------
    pandas.Series
        Nullable integer ranks; ties share the smallest rank.
    """
    ascending = column.higher_is_worse is False
    return values.rank(ascending=ascending, method="min").astype("Int64")


def _display_wards(
    wards: gpd.GeoDataFrame, columns: Sequence[ColumnInfo], simplify_m: float
) -> gpd.GeoDataFrame:
    needed = ["ward_id", "ward_name", *(c.name for c in columns)]
    missing = [name for name in needed if name not in wards.columns]
    if missing:
        msg = f"the ward table has no column {missing}; it has {list(wards.columns)}."
        fix = "compute the indicators first, or map only columns the table has."
        msg_0 = "wards"
        raise LayerSchemaError(msg_0, None, msg, fix)
    return display_geometry(wards[[*needed, wards.geometry.name]], "wards", tolerance_m=simplify_m)


def _indicator_layer(
    m: folium.Map,
    display: gpd.GeoDataFrame,
    column: ColumnInfo,
    classes: Classification,
    *,
    city_value: float | None,
    overlay: bool = False,
    show: bool = True,
) -> None:
    values = pd.Series(display[column.name].to_numpy(dtype="float64", na_value=np.nan))
    colors = [classes.colors[i] if i >= 0 else NO_DATA_COLOR for i in classes.assign(values)]
    props = _tooltips(display, column, values, city_value)
    for p, color in zip(props, colors, strict=True):
        p["fill"] = color
    label = column.label + (f" ({column.unit})" if column.unit else "")
    layer = folium.GeoJson(
        to_features(display, props),
        name=escape_html(label),
        style_function=_style,
        overlay=overlay,
        show=show,
    ).add_to(m)
    add_script(m, f"CoventryGeo.bindInfo({layer.get_name()});")
    legend = _legend(label, classes, column.unit, has_missing=bool(values.isna().any()))
    add_script(
        m, f"CoventryGeo.linkLegend({m.get_name()}, {layer.get_name()}, {script_json(legend)});"
    )


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["fill"],
        "fillOpacity": 0.8,
        "color": "#333333",
        "weight": 1,
    }


def _tooltips(
    display: gpd.GeoDataFrame, column: ColumnInfo, values: pd.Series, city_value: float | None
) -> list[dict[str, Any]]:
    ranks = ward_ranks(values, column)
    count = int(values.notna().sum())
    direction = "highest" if column.higher_is_worse is None else "worst"
    city = None if city_value is None else format_value(float(city_value), column.unit)
    props = []
    for name, value, rank in zip(display["ward_name"], values, ranks, strict=True):
        rows = [[column.label, format_value(value, column.unit)]]
        rows.append(["Rank", "–" if pd.isna(rank) else f"{rank} of {count} (1 = {direction})"])
        if city is not None:
            rows.append(["City", city])
        props.append({"title": str(name), "rows": rows})
    return props


def _legend(label: str, classes: Classification, unit: str, *, has_missing: bool) -> dict[str, Any]:
    items = [
        {"color": color, "label": text}
        for color, text in zip(classes.colors, classes.labels(unit), strict=True)
    ]
    if has_missing:
        items.append({"color": NO_DATA_COLOR, "label": "No data"})
    return {"title": label, "items": items}


def _finish(m: folium.Map) -> None:
    folium.LayerControl(collapsed=False).add_to(m)
    mark_rendered(m)
