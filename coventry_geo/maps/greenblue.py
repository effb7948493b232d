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

import rasterio
import shapely

from coventry_geo._files import write_atomic
from coventry_geo.errors import LayerSchemaError, OutputError
from coventry_geo.maps._assets import copy_assets
from coventry_geo.maps._canopy import canopy_overlay
from coventry_geo.maps._credits import licence_statements
from coventry_geo.maps._downloads import write_downloads
from coventry_geo.maps._greenblue_layers import GROUPS, canopy_spec, vector_specs
from coventry_geo.maps._greenblue_page import PageText, render_page
from coventry_geo.maps._html import script_json
from coventry_geo.run.folders import new_folder_beside

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
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")
_REQUIRED = {
    "wards": ("ward_name",),
    "greenspace": ("name", "type"),
    "blue": ("type",),
    "deficiency": ("tier",),
    "postcodes": ("postcode",),
}


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
    notice: str = "",
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
    notice : str
        A banner under the title on every screen size, e.g. that the data are synthetic.

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
        specs = vector_specs(frames, simplify_m)
        if canopy_path is not None:
            bounds = canopy_overlay(
                canopy_path,
                build / "data" / "canopy.png",
                cell_m=canopy_cell_m,
                values=canopy_values,
            )
            specs.insert(0, canopy_spec(bounds))
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
            notice=notice,
        )
        if database is not None and updated is not None:
            pixel = _pixel_m(canopy_path)
            downloads = write_downloads(
                database, build, title=title, statements=statements, updated=updated,
                canopy_pixel_m=pixel, credits=credits,
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
            "and would be replaced. Fix: choose an empty or new folder, e.g. "
            f"{new_folder_beside(out_dir, 'site')}."
        )
        raise OutputError(msg)


def _check_columns(layer: str, gdf: gpd.GeoDataFrame) -> None:
    missing = [c for c in _REQUIRED[layer] if c not in gdf.columns]
    if missing:
        problem = f"the map needs column(s) {missing}; the layer has {list(gdf.columns)}."
        fix = f"map the file's columns to {list(_REQUIRED[layer])} in the manifest's fields table."
        raise LayerSchemaError(layer, None, problem, fix)


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
        "groups": list(GROUPS),
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
