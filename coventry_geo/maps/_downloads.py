"""The "Download the data" files of the green-and-blue site.

The NB2 green-and-blue database goes into the site folder twice:

* ``download/green_blue.gpkg.zip``: every asset (greenspace sites, tree canopy
  patches, water) as a GeoPackage in the analysis CRS, with a ``README.txt`` that
  explains the columns and the licence;
* ``download/green_blue.geojson``: the greenspace sites and water in WGS 84
  (RFC 7946), for web tools. Tree canopy patches (tens of thousands of small
  polygons in a city) are in the GeoPackage only.

Canopy patch outlines follow the canopy raster's pixel edges; here they are
simplified (topology kept) within one pixel of those edges, which makes the
download several times smaller. The exact outlines stay in the run's own
``green_blue.gpkg``. Files are byte-identical for the same inputs and date.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyogrio
import shapely

from coventry_geo._files import gpkg_timestamp, staged_file, write_atomic
from coventry_geo.indicators.green_blue import (
    ASSET_COLUMNS,
    CANOPY_TYPE,
    write_green_blue_database,
)
from coventry_geo.maps._greenblue_page import date_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

    from coventry_geo.maps._credits import LayerCredit

__all__ = ["Download", "ASSET_COLUMN_TEXT", "write_downloads"]

#: What each column of the database holds (README of the downloads).
ASSET_COLUMN_TEXT: dict[str, str] = {
    "asset_id": "identifier: GS- greenspace site, CP- tree canopy patch, BL- water",
    "name": "name of the site or water, where it has one",
    "category": "green or blue",
    "type": "greenspace type (e.g. Public Park Or Garden), 'tree canopy', or the kind of "
    "water (river, canal, water_body, suds)",
    "area_ha": "area of a polygon, hectares",
    "length_m": "length of a line (rivers, canals), metres",
    "wards": "codes of the wards the asset lies in, separated by ';'",
    "access": "public access to a greenspace site, where known",
    "source_layer": "the input layer the asset comes from",
    "source_id": "the asset's identifier in that layer",
}
_FOLDER = "download"
_GPKG = "green_blue.gpkg"
_GEOJSON = "green_blue.geojson"


@dataclass(frozen=True)
class Download:
    """One file of the "Download the data" section.

    Attributes
    ----------
    path : str
        Path relative to the site folder.
    title : str
        What the file holds.
    format : str
        File format as shown to users, e.g. ``"GeoPackage, zipped"``.
    size_bytes : int
    detail : str
        Number of assets and the coordinate reference system.
    """

    path: str
    title: str
    format: str
    size_bytes: int
    detail: str


def write_downloads(
    assets: gpd.GeoDataFrame,
    site_dir: Path,
    *,
    title: str,
    statements: Sequence[str],
    updated: dt.date,
    canopy_pixel_m: float = 1.0,
    credits: Sequence[LayerCredit] = (),
) -> list[Download]:
    """Write the database downloads into ``site_dir / "download"``.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        The green-and-blue database (:func:`coventry_geo.indicators.green_blue.green_blue_assets`).
    site_dir : Path
        The site folder being built.
    title : str
        The map's title, for the README.
    statements : sequence of str
        Licence and attribution statements, for the README.
    updated : datetime.date
        Date of the release (the run's): the README's "Released" date and the
        timestamps in the files.
    canopy_pixel_m : float, keyword-only
        Pixel size of the canopy raster, metres: the simplification tolerance of
        canopy patch outlines.
    credits : sequence of LayerCredit, keyword-only
        The input layers, listed in the README with the date of their data.

    Returns
    -------
    list of Download
    """
    published = _published_geometry(assets, canopy_pixel_m)
    canopy = (published["type"] == CANOPY_TYPE).to_numpy()
    readme = _readme(title, statements, updated, len(published), int(canopy.sum()), credits)
    folder = site_dir / _FOLDER
    gpkg = _zipped_gpkg(published, readme, folder / f"{_GPKG}.zip", updated)
    geojson = _geojson(published.loc[~canopy], folder / _GEOJSON)
    write_atomic(folder / "README.txt", readme)
    crs = _crs_text(published)
    return [
        Download(
            f"{_FOLDER}/{gpkg.name}",
            "Green and blue database",
            "GeoPackage, zipped",
            gpkg.stat().st_size,
            f"all {len(published):,} assets, including {int(canopy.sum()):,} tree canopy "
            f"patches; {crs}",
        ),
        Download(
            f"{_FOLDER}/{geojson.name}",
            "Green spaces and water",
            "GeoJSON",
            geojson.stat().st_size,
            f"{int((~canopy).sum()):,} green spaces and water features; WGS 84 (longitude, "
            "latitude); tree canopy patches are in the GeoPackage only",
        ),
        Download(f"{_FOLDER}/README.txt", "What the columns mean", "text", len(readme), ""),
    ]


def _crs_text(gdf: gpd.GeoDataFrame) -> str:
    if gdf.crs is None:
        return "CRS not known"
    code = gdf.crs.to_epsg()
    return f"{gdf.crs.name} (EPSG:{code})" if code else gdf.crs.name


def _published_geometry(assets: gpd.GeoDataFrame, pixel_m: float) -> gpd.GeoDataFrame:
    """Simplify canopy outlines (Douglas-Peucker) within a pixel.

    A patch that would collapse or become invalid keeps its exact outline.
    """
    geoms = assets.geometry.to_numpy().copy()
    canopy = np.flatnonzero((assets["type"] == CANOPY_TYPE).to_numpy())
    simple = shapely.simplify(geoms[canopy], pixel_m, preserve_topology=False)
    good = ~shapely.is_empty(simple) & shapely.is_valid(simple)
    geoms[canopy[good]] = simple[good]
    return assets.set_geometry(geoms, crs=assets.crs)


def _readme(
    title: str,
    statements: Sequence[str],
    updated: dt.date,
    n: int,
    n_canopy: int,
    credits: Sequence[LayerCredit],
) -> str:
    columns = "\n".join(f"  {c:<13} {ASSET_COLUMN_TEXT[c]}" for c in ASSET_COLUMNS)
    licence = "\n".join(f"  {s}" for s in statements) or "  (none given)"
    inputs = "".join(
        f"  {c.role}: {c.title} "
        f"({'data as of ' + date_text(c.date) if c.date else 'date of the data not given'})\n"
        for c in credits
    )
    return (
        f"{title}: green and blue database\n"
        f"Released {date_text(updated.isoformat())}, by the run that built the map.\n"
        + (f"Input layers:\n{inputs}" if inputs else "")
        + "\n"
        f"{_GPKG} (in {_GPKG}.zip): {n} assets in two layers, green_blue_polygons and "
        f"green_blue_lines, in the analysis CRS.\n{_GEOJSON}: the same without the "
        f"{n_canopy} tree canopy patches, in WGS 84 (RFC 7946).\nTree canopy patch outlines "
        "are simplified within one canopy-raster pixel of the pixel edges.\n\n"
        f"Columns:\n{columns}\n\nLicence and attribution:\n{licence}\n"
    )


def _zipped_gpkg(assets: gpd.GeoDataFrame, readme: str, path: Path, date: dt.date) -> Path:
    with tempfile.TemporaryDirectory() as tmp, gpkg_timestamp(f"{date.isoformat()}T00:00:00.000Z"):
        gpkg = write_green_blue_database(assets, Path(tmp) / _GPKG, spatial_index=False)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            _add(archive, _GPKG, gpkg.read_bytes(), date)
            _add(archive, "README.txt", readme.encode("utf-8"), date)
    return write_atomic(path, buffer.getvalue())


def _add(archive: zipfile.ZipFile, name: str, data: bytes, date: dt.date) -> None:
    info = zipfile.ZipInfo(name, date_time=(date.year, date.month, date.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _geojson(assets: gpd.GeoDataFrame, path: Path) -> Path:
    frame = assets.to_crs(4326)
    frame = frame.assign(**{c: frame[c].astype(object) for c in ("name", "type", "access")})
    path.parent.mkdir(parents=True, exist_ok=True)
    with staged_file(path) as staged:
        pyogrio.write_dataframe(
            frame[[*ASSET_COLUMNS, "geometry"]],
            staged,
            driver="GeoJSON",
            layer="green_blue",
            RFC7946="YES",
            COORDINATE_PRECISION=6,
            WRITE_NAME="NO",
        )
    return path
