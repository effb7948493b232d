"""The green-and-blue map: a self-contained static site the council can upload as is.

:func:`build_greenblue_site` writes a folder with ``index.html``, the vendored
Leaflet and the toolkit's scripts (``assets/``), the layers as one script file
(``data/layers.js``), the tree canopy as one PNG image overlay
(``data/canopy.png``), the postcodes of the search (``data/postcodes.js``,
loaded on first use) and the green-and-blue database to download
(``download/``). It is a small hand-written Leaflet page rather than a folium
page: the HTML is static and accessible (landmarks, language, title, skip link,
labelled checkboxes for the layers in groups, a search box, lists of every place,
a text summary of the map, a details panel reachable by keyboard; the map is
one focusable region, its shapes are not tab stops), it works on phones (the
panel becomes a bottom sheet) and all attribute text arrives as escaped JSON
inserted with ``textContent``. The data are script files, not ``.geojson``
fetched at run time, because browsers refuse ``fetch`` from ``file://`` pages:
the folder works opened from disk as well as from a server.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import rasterio
import shapely

from coventry_geo.errors import LayerSchemaError, OutputError
from coventry_geo.maps._assets import copy_assets, write_atomic
from coventry_geo.maps._canopy import CANOPY_LEVELS, CANOPY_RGB, canopy_overlay
from coventry_geo.maps._credits import licence_statements
from coventry_geo.maps._downloads import write_downloads
from coventry_geo.maps._geometry import display_geometry, to_features
from coventry_geo.maps._greenblue_page import PageText, render_page
from coventry_geo.maps._greenblue_palette import blue_colours, greenspace_colours
from coventry_geo.maps._html import script_json
from coventry_geo.maps.classify import format_value

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    import geopandas as gpd

    from coventry_geo.maps._credits import LayerCredit
    from coventry_geo.maps._page import TileSource
    from coventry_geo.publisher import SiteSpec

__all__ = ["build_greenblue_site", "SITE_MARKER"]

logger = logging.getLogger(__name__)

#: File that marks a folder as written by :func:`build_greenblue_site` (safe to replace).
SITE_MARKER = ".coventry_geo_site"
_TIER_COLORS = ("#fdae6b", "#e6550d", "#a63603", "#7f2704")
_OUTLINE = "#1b3a1b"
_WATER_OUTLINE = "#023f8f"
_NOT_PUBLIC = re.compile(r"private|restricted|not public|members|no access", re.IGNORECASE)
_DASH = "5 4"
_MISSING = "–"
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")
_REQUIRED = {
    "wards": ("ward_name",),
    "greenspace": ("name", "type"),
    "blue": ("type",),
    "deficiency": ("tier",),
    "postcodes": ("postcode",),
}
_GROUPS = (
    {
        "id": "greenblue",
        "name": "Green and blue spaces",
        "layers": ["canopy", "greenspace", "blue", "wards"],
    },
    {
        "id": "access",
        "name": "Access to natural greenspace",
        "note": "Where homes are farther from natural greenspace than a standard asks. "
        "This shows a lack of access, not green space.",
        "layers": ["deficiency"],
    },
)


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
    postcodes: gpd.GeoDataFrame | None = None,
    database: gpd.GeoDataFrame | None = None,
    publisher: SiteSpec | None = None,
    credits: Sequence[LayerCredit] = (),
    updated: dt.date | None = None,
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
        computed from the geometry when absent) and ``access`` (sites whose access
        says private, restricted or not public get a dashed outline).
    blue : geopandas.GeoDataFrame
        Blue assets (lines or polygons) with ``type`` and optionally ``name``.
    deficiency : geopandas.GeoDataFrame
        Greenspace deficiency areas with ``tier`` and optionally ``label``, ``max_distance_m``
        and ``min_area_ha`` (as from :func:`coventry_geo.indicators.greenspace.deficiency_areas`),
        shown nearest tier first, off by default.
    canopy_path : Path or None
        Canopy raster (see :func:`coventry_geo.maps._canopy.canopy_overlay`); ``None``
        leaves the canopy layer out.
    title : str
        Page title and heading.
    attribution : sequence of str
        Plain-text notes on the study (e.g. that its data are synthetic), shown on the
        map and under "About the data".
    tiles : TileSource, optional
        Basemap, loaded after the data are drawn; default none (the page then fetches
        nothing outside its folder).
    simplify_m : float
        Simplification tolerance of the vector layers, in metres.
    canopy_cell_m : float, optional
        Display cell of the canopy image in metres (default: automatic, at least 10).
    canopy_values : {"mask", "fraction", "percent"}
        Meaning of the canopy pixel values.
    lang : str
        Page language (BCP 47).
    postcodes : geopandas.GeoDataFrame, optional
        Postcode points with ``postcode`` (and optionally ``terminated``, non-empty for
        terminated postcodes, which are left out). Those inside the wards are searched.
    database : geopandas.GeoDataFrame, optional
        The NB2 green-and-blue database
        (:func:`coventry_geo.indicators.green_blue.green_blue_assets`), offered for
        download as GeoPackage and GeoJSON.
    publisher : SiteSpec, optional
        Organisation, contact, accessibility statement and logo (the manifest's ``[site]``).
    credits : sequence of LayerCredit
        The input layers used, with their licences and dates: the page lists them
        and builds its licence line from them.
    updated : datetime.date, optional
        Date of the release, shown as "Last updated" (the run's date in a pipeline run).

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
    for layer, gdf in {**frames, "postcodes": postcodes}.items():
        if gdf is not None:
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
        statements = licence_statements(credits, year=updated.year) if updated else []
        text = PageText(
            title=title,
            summary=_summary(frames, has_canopy=canopy_path is not None),
            lang=lang,
            attribution=list(attribution),
            statements=statements,
            credits=list(credits),
            publisher=publisher,
            updated=updated,
            logo=_copy_logo(publisher, build),
            postcodes=_write_postcodes(postcodes, wards, build),
            examples=_examples(sites, postcodes),
        )
        if database is not None and updated is not None:
            pixel = _pixel_m(canopy_path)
            downloads = write_downloads(
                database, build, title=title, statements=statements, updated=updated,
                canopy_pixel_m=pixel,
            )  # fmt: skip
            text = PageText(**{**text.__dict__, "downloads": downloads})
        _write_site(build, specs, frames, text, tiles=tiles, map_lines=_map_lines(text))
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
        _deficiency_spec(deficiency),
        _greenspace_spec(sites),
        _blue_spec(blue),
        _ward_spec(wards),
    ]


def _label_points(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    """Return a point on each shape (mid-way along a line) as ``[lat, lon]``, for its popup."""
    geoms = gdf.geometry.to_numpy()
    lines = shapely.get_dimensions(geoms) == 1
    points = shapely.point_on_surface(geoms)
    points[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    xy = shapely.get_coordinates(points).round(5)
    return [[lat, lon] for lon, lat in xy.tolist()]


def _layer(
    layer_id: str,
    name: str,
    gdf: gpd.GeoDataFrame,
    props: list[dict[str, Any]],
    *,
    style: dict[str, Any],
    legend: list[dict[str, Any]],
    item_name: str | None = None,
    list_name: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": layer_id,
        "name": name,
        "kind": "vector",
        "visible": True,
        "searchable": item_name is not None,
        "itemName": item_name,
        "listName": list_name,
        "style": style,
        "legend": legend,
        "data": to_features(
            gdf, [p | {"at": at} for p, at in zip(props, _label_points(gdf), strict=True)]
        ),
        **extra,
    }


def _ward_spec(wards: gpd.GeoDataFrame) -> dict[str, Any]:
    codes = wards["ward_id"] if "ward_id" in wards.columns else [None] * len(wards)
    props = [
        {"title": _text(name), "rows": [["Ward code", _text(code)]]}
        for name, code in zip(wards["ward_name"], codes, strict=True)
    ]
    style = {"color": "#222222", "weight": 1.5, "fill": False, "dashArray": "4 3"}
    legend = [{"color": "#222222", "label": "Ward boundary", "line": True, "dash": True}]
    return _layer(
        "wards",
        "Ward boundaries",
        wards,
        props,
        style=style,
        legend=legend,
        item_name="ward",
        list_name="wards",
        pane="outlines",
    )


def _not_public(access: object) -> bool:
    return isinstance(access, str) and bool(_NOT_PUBLIC.search(access))


def _greenspace_spec(sites: gpd.GeoDataFrame) -> dict[str, Any]:
    colors = greenspace_colours(_text(v) for v in sites["type"])
    access = sites["access"] if "access" in sites.columns else [None] * len(sites)
    props = [
        {
            "title": _text(name) if _text(name) != _MISSING else "Unnamed site",
            "rows": [
                ["Type", _text(kind)],
                ["Area", format_value(float(area), "ha")],
                ["Access", _text(acc)],
            ],
            "fill": colors[_text(kind)][0],
            **({"dash": _DASH} if _not_public(acc) else {}),
        }
        for name, kind, area, acc in zip(
            sites["name"], sites["type"], sites["area_ha"], access, strict=True
        )
    ]
    style = {"color": _OUTLINE, "weight": 1, "fillOpacity": 1}
    legend = [{"color": c, "label": label} for c, label in dict.fromkeys(colors.values())]
    if any(_not_public(a) for a in access):
        legend.append(
            {
                "color": "#ffffff",
                "outline": _OUTLINE,
                "dash": True,
                "label": "Not open to the public",
            }
        )
    return _layer(
        "greenspace",
        "Green spaces by type",
        sites,
        props,
        style=style,
        legend=legend,
        item_name="green space",
        list_name="green spaces",
    )


def _blue_spec(blue: gpd.GeoDataFrame) -> dict[str, Any]:
    names = blue["name"] if "name" in blue.columns else [None] * len(blue)
    colors = blue_colours(_text(t) for t in blue["type"])
    lines = shapely.get_dimensions(blue.geometry.to_numpy()) == 1
    props = [
        {
            "title": _text(n) if _text(n) != _MISSING else colors[_text(t)][1],
            "rows": [["Type", colors[_text(t)][1]]],
            **(
                {"stroke": colors[_text(t)][0]}
                if line
                else {"fill": colors[_text(t)][0], "stroke": _WATER_OUTLINE}
            ),
        }
        for n, t, line in zip(names, blue["type"], lines, strict=True)
    ]
    line_types = {_text(t) for t, line in zip(blue["type"], lines, strict=True) if line}
    legend = [
        {"color": c, "label": label, "line": kind in line_types, "outline": _WATER_OUTLINE}
        for kind, (c, label) in colors.items()
    ]
    style = {"color": _WATER_OUTLINE, "weight": 3, "fillOpacity": 1}
    return _layer(
        "blue",
        "Rivers, canals and water",
        blue,
        props,
        style=style,
        legend=legend,
        item_name="water",
        list_name="rivers, canals and water",
    )


def _tier_labels(deficiency: gpd.GeoDataFrame) -> list[str]:
    """Tier labels ordered from the nearest, smallest standard to the farthest."""
    order = [c for c in ("max_distance_m", "min_area_ha") if c in deficiency.columns]
    ordered = deficiency.sort_values(order, kind="stable") if order else deficiency
    names = ordered["label"] if "label" in ordered.columns else ordered["tier"]
    return list(dict.fromkeys(_text(v) for v in names))


def _no(label: str) -> str:
    return f"No {label[:1].lower()}{label[1:]}"


def _deficiency_spec(deficiency: gpd.GeoDataFrame) -> dict[str, Any]:
    labels = _tier_labels(deficiency)
    colors = {label: _TIER_COLORS[i % len(_TIER_COLORS)] for i, label in enumerate(labels)}
    names = deficiency["label"] if "label" in deficiency.columns else deficiency["tier"]
    props = [
        {
            "title": _no(_text(name)),
            "rows": [["Standard", _text(name)]],
            "fill": colors[_text(name)],
        }
        for name in names
    ]
    style = {"color": "#7f2704", "weight": 1, "fillOpacity": 0.35, "dashArray": "2 4"}
    legend = [{"color": c, "label": _no(k), "outline": "#7f2704"} for k, c in colors.items()]
    spec = _layer(
        "deficiency",
        "Areas without natural greenspace nearby",
        deficiency,
        props,
        style=style,
        legend=legend,
        pane="access",
    )
    return {**spec, "visible": False}


def _canopy_spec(bounds: tuple[tuple[float, float], tuple[float, float]]) -> dict[str, Any]:
    rgb = "#{:02x}{:02x}{:02x}".format(*CANOPY_RGB)
    step = 100 // CANOPY_LEVELS
    legend = [
        {
            "color": rgb + f"{round(210 * (i + 1) / CANOPY_LEVELS):02x}",
            "label": f"{i * step}–{(i + 1) * step}% of the ground under trees",
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


def _summary(frames: dict[str, gpd.GeoDataFrame], *, has_canopy: bool) -> str:
    n_types = frames["greenspace"]["type"].nunique()
    parts = [
        f"{len(frames['greenspace'])} green spaces of {n_types} types",
        f"{len(frames['blue'])} rivers, canals, ponds and drainage features",
    ]
    if has_canopy:
        parts.append("tree canopy")
    listed = f"{', '.join(parts[:-1])} and {parts[-1]}"
    return (
        f"This map shows {listed}, across {len(frames['wards'])} wards. Search for a place, "
        "or open a list of them below; choose what the map shows under Layers and key."
    )


def _normal_postcode(text: str) -> str | None:
    """``"cv15fb "`` -> ``"CV1 5FB"``; None when the text is not a full postcode."""
    match = _POSTCODE.match(re.sub(r"\s+", "", str(text)).upper())
    return f"{match.group(1)} {match.group(2)}" if match else None


def _write_postcodes(
    postcodes: gpd.GeoDataFrame | None, wards: gpd.GeoDataFrame, build: Path
) -> bool:
    """Write the live postcodes inside the wards as ``data/postcodes.js``; say if there are any."""
    if postcodes is None or postcodes.empty:
        return False
    live = postcodes
    if "terminated" in live.columns:
        ended = live["terminated"].astype("string").str.strip().fillna("")
        live = live.loc[ended == ""]
    points = live.to_crs(wards.crs)
    inside = shapely.intersects(wards.geometry.union_all(), points.geometry.to_numpy())
    codes = points.loc[inside, "postcode"].map(_normal_postcode)
    lonlat = points.loc[inside].geometry.to_crs(4326)
    rows = sorted(
        {code: [code, round(p.x, 5), round(p.y, 5)] for code, p in zip(codes, lonlat, strict=True)
         if code}.values()
    )  # fmt: skip
    if not rows:
        return False
    write_atomic(
        build / "data" / "postcodes.js", f"window.COVENTRY_GEO_POSTCODES = {script_json(rows)};\n"
    )
    logger.info("site: %d postcodes for the search", len(rows))
    return True


def _examples(sites: gpd.GeoDataFrame, postcodes: gpd.GeoDataFrame | None) -> list[str]:
    named = sites.loc[sites["name"].notna()]
    examples = []
    if not named.empty:
        examples.append(str(named.loc[named.geometry.area.idxmax(), "name"]))
    if postcodes is not None and not postcodes.empty:
        code = _normal_postcode(postcodes["postcode"].iloc[0])
        examples += [code] if code else []
    return examples


def _copy_logo(publisher: SiteSpec | None, build: Path) -> str:
    if publisher is None or publisher.logo is None:
        return ""
    relative = f"assets/site/logo{publisher.logo.suffix.lower()}"
    write_atomic(build / relative, publisher.logo.read_bytes())
    return relative


def _pixel_m(canopy_path: Path | None) -> float:
    if canopy_path is None:
        return 1.0
    with rasterio.open(canopy_path) as src:
        return float(abs(src.res[0])) if src.crs is not None and src.crs.is_projected else 1.0


def _map_lines(text: PageText) -> list[str]:
    """Short credits on the map itself: the Ordnance Survey statement, else the first one.

    The full licence line is in the footer, beside the map.
    """
    os_data = [s for s in text.statements if s.startswith("Contains OS data")]
    return os_data or list(text.statements[:1])


def _write_site(
    build: Path,
    specs: list[dict[str, Any]],
    frames: dict[str, gpd.GeoDataFrame],
    text: PageText,
    *,
    tiles: TileSource | None,
    map_lines: list[str],
) -> None:
    bounds = frames["wards"].to_crs(4326).total_bounds
    data = {
        "title": text.title,
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        "attribution": map_lines,
        "tiles": None
        if tiles is None
        else {
            "url": tiles.url,
            "attribution": tiles.attribution,
            "name": tiles.name,
            "maxZoom": tiles.max_zoom,
        },
        "groups": list(_GROUPS),
        "layers": specs,
        "postcodes": {"url": "data/postcodes.js"} if text.postcodes else None,
    }
    write_atomic(build / "data" / "layers.js", f"window.COVENTRY_GEO_SITE = {script_json(data)};\n")
    copy_assets(build, extra=("greenblue",))
    write_atomic(build / "index.html", render_page(text))
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
