"""The green-and-blue map: a self-contained static site the council can upload as is.

:func:`build_greenblue_site` writes a folder with ``index.html``, the vendored
Leaflet and the toolkit's scripts (``assets/``), the layers as one script file
(``data/layers.js``) and the tree canopy as one PNG image overlay
(``data/canopy.png``). It is a small hand-written Leaflet page rather than a
folium page: the HTML is static and accessible (language, title, skip link,
labelled checkboxes for the layers, a search box, a text summary of the map,
a details panel reachable by keyboard), and all attribute text arrives as
escaped JSON inserted with ``textContent``. The data are a script file, not
``.geojson`` fetched at run time, because browsers refuse ``fetch`` from
``file://`` pages: the folder works opened from disk as well as from a server.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from coventry_geo.errors import LayerSchemaError, OutputError
from coventry_geo.maps._assets import (
    LEAFLET_CSS,
    LEAFLET_JS,
    MAPS_CSS,
    MAPS_JS,
    copy_assets,
    write_atomic,
)
from coventry_geo.maps._canopy import CANOPY_LEVELS, CANOPY_RGB, canopy_overlay
from coventry_geo.maps._geometry import display_geometry, to_features
from coventry_geo.maps._html import escape_html, script_json
from coventry_geo.maps.classify import format_value

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

    from coventry_geo.maps._page import TileSource

__all__ = ["build_greenblue_site", "SITE_MARKER"]

logger = logging.getLogger(__name__)

#: File that marks a folder as written by :func:`build_greenblue_site` (safe to replace).
SITE_MARKER = ".coventry_geo_site"
_TYPE_COLORS = (
    "#1b9e77", "#66a61e", "#a6761d", "#7570b3", "#e6ab02", "#d95f02", "#e7298a", "#666666",
)  # fmt: skip
_TIER_COLORS = ("#fdae6b", "#e6550d", "#a63603", "#7f2704")
_BLUE = "#1f78b4"
_MISSING = "–"
_REQUIRED = {
    "wards": ("ward_name",),
    "greenspace": ("name", "type"),
    "blue": ("type",),
    "deficiency": ("tier",),
}

_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="stylesheet" href="$leaflet_css">
<link rel="stylesheet" href="$maps_css">
<link rel="stylesheet" href="assets/greenblue/greenblue.css">
</head>
<body>
<a class="gb-skip" href="#search">Skip to search</a>
<header><h1>$title</h1></header>
<div class="gb-main">
<aside class="gb-panel" aria-label="Layers, legend and search">
<p class="gb-summary" id="map-summary">$summary</p>
<h2 id="search-heading">Search</h2>
<label for="search">Find a ward or green space by name</label>
<input type="search" id="search" autocomplete="off" aria-describedby="search-status">
<p id="search-status" role="status" aria-live="polite"></p>
<ul id="search-results" aria-labelledby="search-heading"></ul>
<h2>Layers and legend</h2>
<div id="layers"></div>
<h2>Details</h2>
<div id="details" aria-live="polite"><p>Select a search result or a shape on the map.</p></div>
</aside>
<main id="map" role="region" aria-describedby="map-summary"></main>
</div>
<footer>$attribution</footer>
<script src="$leaflet_js"></script>
<script src="$maps_js"></script>
<script src="data/layers.js"></script>
<script src="assets/greenblue/greenblue.js"></script>
</body>
</html>
""")


def build_greenblue_site(
    out_dir: Path,
    *,
    wards: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    blue: gpd.GeoDataFrame,
    deficiency: gpd.GeoDataFrame,
    canopy_path: Path | None,
    title: str,
    attribution: Sequence[str],
    tiles: TileSource | None = None,
    simplify_m: float = 2.0,
    canopy_cell_m: float | None = None,
    canopy_values: Literal["mask", "fraction", "percent"] = "mask",
    lang: str = "en",
) -> Path:
    """Write the green-and-blue map as a static site folder.

    The folder is built beside ``out_dir`` and swapped in at the end, so a reader
    never sees half a site. An existing ``out_dir`` is replaced only when it is
    empty or was written by this function (it holds ``SITE_MARKER``).

    Parameters
    ----------
    out_dir : Path
        Folder to write (``index.html`` at its top).
    wards : geopandas.GeoDataFrame
        Ward polygons with ``ward_name`` (and ``ward_id``), projected CRS in metres.
    sites : geopandas.GeoDataFrame
        Greenspace polygons with ``name``, ``type`` and optionally ``area_ha`` (ha,
        computed from the geometry when absent) and ``access``.
    blue : geopandas.GeoDataFrame
        Blue assets (lines or polygons) with ``type`` and optionally ``name``.
    deficiency : geopandas.GeoDataFrame
        Greenspace deficiency areas with ``tier`` and optionally ``label``, ``max_distance_m``
        and ``min_area_ha`` (as from :func:`coventry_geo.indicators.greenspace.deficiency_areas`),
        shown nearest tier first.
    canopy_path : Path or None
        Canopy raster (see :func:`coventry_geo.maps._canopy.canopy_overlay`); ``None``
        leaves the canopy layer out.
    title : str
        Page title and heading.
    attribution : sequence of str
        Plain-text attribution lines (study, OGL, OS data), shown in the footer
        and on the map.
    tiles : TileSource, optional
        Basemap; default none (the page then fetches nothing outside its folder).
    simplify_m : float
        Simplification tolerance of the vector layers, in metres.
    canopy_cell_m : float, optional
        Display cell of the canopy image in metres (default: automatic, at least 10).
    canopy_values : {"mask", "fraction", "percent"}
        Meaning of the canopy pixel values.
    lang : str
        Page language (BCP 47).

    Returns
    -------
    Path
        ``out_dir / "index.html"``.

    Raises
    ------
    LayerSchemaError
        If a layer lacks a required column.
    LayerCRSError
        If a layer is not in a projected CRS.
    OutputError
        If ``out_dir`` holds other files, or cannot be written.
    """
    _check_target(out_dir)
    frames = {"wards": wards, "greenspace": sites, "blue": blue, "deficiency": deficiency}
    for layer, gdf in frames.items():
        _check_columns(layer, gdf)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    build.chmod(0o755)
    try:
        specs = _vector_specs(frames, simplify_m)
        if canopy_path is not None:
            bounds = canopy_overlay(
                canopy_path,
                build / "data" / "canopy.png",
                cell_m=canopy_cell_m,
                values=canopy_values,
            )
            specs.insert(0, _canopy_spec(bounds))
        _write_site(
            build, specs, frames, title=title, attribution=attribution, tiles=tiles, lang=lang
        )
        _swap_in(build, out_dir)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    logger.info("wrote green-and-blue site %s", out_dir)
    return out_dir / "index.html"


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).exists():
        msg = (
            f"the site folder {out_dir} already holds files not written by coventry_geo, "
            "and would be replaced. Fix: choose an empty or new folder."
        )
        raise OutputError(msg)


def _check_columns(layer: str, gdf: gpd.GeoDataFrame) -> None:
    missing = [c for c in _REQUIRED[layer] if c not in gdf.columns]
    if missing:
        problem = f"the map needs column(s) {missing}; the layer has {list(gdf.columns)}."
        fix = f"map the file's columns to {list(_REQUIRED[layer])} in the manifest's fields table."
        raise LayerSchemaError(layer, None, problem, fix)


def _text(value: object) -> str:
    return (
        _MISSING if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    )


def _vector_specs(frames: dict[str, gpd.GeoDataFrame], simplify_m: float) -> list[dict[str, Any]]:
    wards, sites, blue, deficiency = (
        display_geometry(gdf, name, tolerance_m=simplify_m) for name, gdf in frames.items()
    )
    area_ha = (
        frames["greenspace"]["area_ha"]
        if "area_ha" in frames["greenspace"].columns
        else frames["greenspace"].geometry.area / 10_000
    )
    sites = sites.assign(area_ha=area_ha.loc[sites.index])
    return [
        _ward_spec(wards),
        _deficiency_spec(deficiency),
        _greenspace_spec(sites),
        _blue_spec(blue),
    ]


def _layer(
    layer_id: str,
    name: str,
    gdf: gpd.GeoDataFrame,
    props: list[dict[str, Any]],
    *,
    style: dict[str, Any],
    legend: list[dict[str, Any]],
    item_name: str | None = None,
) -> dict[str, Any]:
    return {
        "id": layer_id,
        "name": name,
        "kind": "vector",
        "visible": True,
        "searchable": item_name is not None,
        "itemName": item_name,
        "style": style,
        "legend": legend,
        "data": to_features(gdf, props),
    }


def _ward_spec(wards: gpd.GeoDataFrame) -> dict[str, Any]:
    codes = wards["ward_id"] if "ward_id" in wards.columns else [None] * len(wards)
    props = [
        {"title": _text(name), "rows": [["Ward code", _text(code)]]}
        for name, code in zip(wards["ward_name"], codes, strict=True)
    ]
    style = {"color": "#222222", "weight": 1.5, "fillOpacity": 0, "dashArray": "4 3"}
    legend = [{"color": "#222222", "label": "Ward boundary", "line": True}]
    return _layer(
        "wards", "Ward boundaries", wards, props, style=style, legend=legend, item_name="ward"
    )


def _palette(values: pd.Series, colors: Sequence[str]) -> dict[str, str]:
    kinds = sorted({_text(v) for v in values})
    return {kind: colors[i % len(colors)] for i, kind in enumerate(kinds)}


def _greenspace_spec(sites: gpd.GeoDataFrame) -> dict[str, Any]:
    colors = _palette(sites["type"], _TYPE_COLORS)
    access = sites["access"] if "access" in sites.columns else [None] * len(sites)
    props = [
        {
            "title": _text(name) if _text(name) != _MISSING else "Unnamed site",
            "rows": [
                ["Type", _text(kind)],
                ["Area", format_value(float(area), "ha")],
                ["Access", _text(acc)],
            ],
            "fill": colors[_text(kind)],
        }
        for name, kind, area, acc in zip(
            sites["name"], sites["type"], sites["area_ha"], access, strict=True
        )
    ]
    style = {"color": "#1b5e20", "weight": 1, "fillOpacity": 0.7}
    legend = [{"color": c, "label": k} for k, c in colors.items()]
    return _layer(
        "greenspace",
        "Green spaces by type",
        sites,
        props,
        style=style,
        legend=legend,
        item_name="green space",
    )


def _blue_spec(blue: gpd.GeoDataFrame) -> dict[str, Any]:
    names = blue["name"] if "name" in blue.columns else [None] * len(blue)
    props = [
        {"title": _text(n) if _text(n) != _MISSING else _text(t), "rows": [["Type", _text(t)]]}
        for n, t in zip(names, blue["type"], strict=True)
    ]
    style = {"color": _BLUE, "weight": 3, "fillColor": _BLUE, "fillOpacity": 0.5}
    legend = [{"color": _BLUE, "label": "River, canal, water body or SuDS"}]
    return _layer(
        "blue", "Blue assets", blue, props, style=style, legend=legend, item_name="blue asset"
    )


def _tier_labels(deficiency: gpd.GeoDataFrame) -> list[str]:
    """Tier labels ordered from the nearest, smallest standard to the farthest."""
    order = [c for c in ("max_distance_m", "min_area_ha") if c in deficiency.columns]
    ordered = deficiency.sort_values(order, kind="stable") if order else deficiency
    names = ordered["label"] if "label" in ordered.columns else ordered["tier"]
    return list(dict.fromkeys(_text(v) for v in names))


def _deficiency_spec(deficiency: gpd.GeoDataFrame) -> dict[str, Any]:
    labels = _tier_labels(deficiency)
    colors = {label: _TIER_COLORS[i % len(_TIER_COLORS)] for i, label in enumerate(labels)}
    names = deficiency["label"] if "label" in deficiency.columns else deficiency["tier"]
    props = [
        {
            "title": f"Outside the greenspace standard: {_text(name)}",
            "rows": [["Standard tier", _text(name)]],
            "fill": colors[_text(name)],
        }
        for name in names
    ]
    style = {"color": "#7f2704", "weight": 1, "fillOpacity": 0.3, "dashArray": "2 4"}
    legend = [{"color": c, "label": f"Deficient: {k}"} for k, c in colors.items()]
    return _layer(
        "deficiency",
        "Greenspace deficiency areas",
        deficiency,
        props,
        style=style,
        legend=legend,
    )


def _canopy_spec(bounds: tuple[tuple[float, float], tuple[float, float]]) -> dict[str, Any]:
    rgb = "#{:02x}{:02x}{:02x}".format(*CANOPY_RGB)
    step = 100 // CANOPY_LEVELS
    legend = [
        {
            "color": rgb + f"{round(210 * (i + 1) / CANOPY_LEVELS):02x}",
            "label": f"{i * step}–{(i + 1) * step}% canopy",
        }
        for i in range(CANOPY_LEVELS)
    ]
    return {
        "id": "canopy",
        "name": "Tree canopy",
        "kind": "image",
        "visible": True,
        "url": "data/canopy.png",
        "bounds": [list(bounds[0]), list(bounds[1])],
        "alt": "Tree canopy: darker green where more of the ground is under tree crowns.",
        "legend": legend,
    }


def _summary(frames: dict[str, gpd.GeoDataFrame], has_canopy: bool) -> str:
    n_types = frames["greenspace"]["type"].nunique()
    parts = [
        f"{len(frames['wards'])} ward boundaries",
        f"{len(frames['greenspace'])} green spaces of {n_types} types",
        f"{len(frames['blue'])} blue assets (rivers, canals, water bodies, SuDS)",
        f"{len(frames['deficiency'])} areas outside the greenspace access standard's distances",
    ]
    if has_canopy:
        parts.insert(0, "tree canopy cover shaded green")
    return (
        "This map shows " + ", ".join(parts) + ". Use the checkboxes to show or hide a layer, "
        "and the search box to find a ward or green space; its details appear below the layers."
    )


def _write_site(
    build: Path,
    specs: list[dict[str, Any]],
    frames: dict[str, gpd.GeoDataFrame],
    *,
    title: str,
    attribution: Sequence[str],
    tiles: TileSource | None,
    lang: str,
) -> None:
    bounds = frames["wards"].to_crs(4326).total_bounds
    data = {
        "title": title,
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        "attribution": list(attribution),
        "tiles": None
        if tiles is None
        else {
            "url": tiles.url,
            "attribution": tiles.attribution,
            "maxZoom": tiles.max_zoom,
        },
        "layers": specs,
    }
    write_atomic(build / "data" / "layers.js", f"window.COVENTRY_GEO_SITE = {script_json(data)};\n")
    copy_assets(build, extra=("greenblue",))
    page = _PAGE.substitute(
        lang=escape_html(lang),
        title=escape_html(title),
        summary=escape_html(_summary(frames, any(s["kind"] == "image" for s in specs))),
        attribution=" · ".join(escape_html(line) for line in attribution),
        leaflet_css=LEAFLET_CSS,
        leaflet_js=LEAFLET_JS,
        maps_css=MAPS_CSS,
        maps_js=MAPS_JS,
    )
    write_atomic(build / "index.html", page)
    write_atomic(build / SITE_MARKER, "written by coventry_geo.maps.build_greenblue_site\n")


def _swap_in(build: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
    try:
        build.rename(out_dir)
    except OSError as exc:
        msg = f"cannot move the built site into {out_dir}: {exc}. Fix: check permissions."
        raise OutputError(msg) from exc
    finally:
        if old is not None:
            if not out_dir.exists():
                old.rename(out_dir)
            else:
                shutil.rmtree(old, ignore_errors=True)
