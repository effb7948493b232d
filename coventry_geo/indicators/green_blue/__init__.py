r"""The NB2 green-and-blue database: every green and blue asset in one standard schema.

One function per step, data first, options keyword-only:

* :func:`canopy_patches` vectorises a canopy raster into patches of at least a
  minimum size, tile by tile (memory stays bounded for a 1 m city raster);
* :func:`green_blue_assets` puts greenspace sites, canopy patches and blue
  features (rivers, canals, water bodies, SuDS) into one table with the schema
  :data:`ASSET_COLUMNS`, each with the wards it lies in;
* :func:`write_green_blue_database` writes that table as one GeoPackage, polygons
  and lines in two layers of the same schema;
* :func:`ward_green_blue_summary` gives each ward its green and blue hectares and
  blue kilometres, in total and per 1,000 residents.

Formulas and the schema: ``docs/indicators.md`` (NB2 green-and-blue database).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyogrio.errors import DataSourceError
from pyproj import CRS
from rasterio.windows import Window
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from coventry_geo._files import staged_file, write_gpkg_layer
from coventry_geo.columns import ColumnInfo, register_columns
from coventry_geo.errors import LayerCRSError, LayerSchemaError, OutputError
from coventry_geo.indicators.green_blue.patches import (
    PatchBuilder,
    canopy_mask,
    tiles,
    to_map_coordinates,
)
from coventry_geo.indicators.greenspace import describe_sites
from coventry_geo.indicators.greenspace.sites import group_union

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from coventry_geo.layers.raster import RasterLayer

__all__ = [
    "ASSET_COLUMNS",
    "DEFAULT_MIN_PATCH_M2",
    "DEFAULT_CANOPY_THRESHOLD",
    "POLYGON_LAYER",
    "LINE_LAYER",
    "CANOPY_TYPE",
    "canopy_patches",
    "green_blue_assets",
    "write_green_blue_database",
    "ward_green_blue_summary",
]

logger = logging.getLogger(__name__)

#: Smallest canopy patch kept, m²: about two mature tree crowns (a single crown is
#: about 56 m²), so isolated pixels and single small trees are left out.
DEFAULT_MIN_PATCH_M2 = 100.0
#: A pixel is canopy when its canopy fraction is at least this (0-1).
DEFAULT_CANOPY_THRESHOLD = 0.5
#: Side of the square tiles the canopy raster is read in, pixels.
DEFAULT_TILE_PX = 2048
#: GeoPackage layers of the database.
POLYGON_LAYER = "green_blue_polygons"
LINE_LAYER = "green_blue_lines"
#: The standard schema of every asset (plus ``geometry``).
ASSET_COLUMNS = (
    "asset_id",
    "name",
    "category",
    "type",
    "area_ha",
    "length_m",
    "wards",
    "access",
    "source_layer",
    "source_id",
)

_FAMILY = "green_blue"
_M2_PER_HA = 10_000.0
_M_PER_KM = 1_000.0
_PER = 1_000.0
#: ``type`` of the tree canopy patches in the asset table.
CANOPY_TYPE = "tree canopy"
_SITE_TYPE = "greenspace site"
#: Smallest area (m²) or length (m) of an asset inside a ward for the ward to be listed.
_MIN_MEASURE = 1e-3
_POLYGON_IDS = (3, 6)
_LINE_IDS = (1, 5)
_PREFIX = {"site": "GS", "canopy": "CP", "blue": "BL"}


# --------------------------------------------------------------------------- canopy patches


def canopy_patches(
    canopy: RasterLayer,
    *,
    min_area_m2: float = DEFAULT_MIN_PATCH_M2,
    threshold: float = DEFAULT_CANOPY_THRESHOLD,
    study_area: shapely.Geometry | None = None,
    crs: Any = None,
    tile_px: int = DEFAULT_TILE_PX,
) -> gpd.GeoDataFrame:
    r"""Vectorise a canopy raster into patches of at least ``min_area_m2``.

    Canopy pixels (valid, canopy fraction :math:`\ge` ``threshold``) are grouped into
    4-connected patches; patches smaller than the minimum are left out (a sieve
    applied to canopy only: gaps inside canopy are kept as holes). The raster is
    read in tiles of ``tile_px`` pixels; a patch crossing tile edges comes out as
    one polygon with its full area.

    Parameters
    ----------
    canopy : RasterLayer
        Canopy raster (0/1 mask, fraction or percent; the layer's scale maps values
        to a 0-1 fraction) in a projected CRS.
    min_area_m2 : float, keyword-only
        Smallest patch kept, m² (default 100), counted in whole pixels:
        :math:`n_{\min} = \lceil A_{\min} / a_{px} \rceil`.
    threshold : float, keyword-only
        Canopy fraction (0-1] from which a pixel is canopy (default 0.5; any
        value in (0, 1] gives the same result for a 0/1 mask).
    study_area : shapely.Geometry, optional, keyword-only
        Area in ``crs`` to which the patches are clipped, after they are found and
        sized on the whole raster (a patch crossing its edge is judged whole).
        Default: unclipped.
    crs : optional, keyword-only
        CRS of the result (anything :class:`pyproj.CRS` accepts). Default: the raster's.
    tile_px : int, keyword-only
        Tile side, pixels (memory grows with its square; the result does not depend on it).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per patch in raster order (top row first, then left column):
        ``patch_id`` (1, 2, ...), ``n_pixels`` (pixels of the whole patch),
        ``area_m2`` (area in ``crs`` after clipping, m²) and the polygon.

    Raises
    ------
    LayerCRSError
        If the raster is not in a projected CRS.
    ValueError
        If ``threshold`` is outside (0, 1] or ``min_area_m2`` is negative.

    Notes
    -----
    .. math::

        \text{patch } P \text{ kept} \iff |P| \ge n_{\min}, \qquad
        \text{area\_m2}(P) = |P| \, a_{px} \ \text{(before clipping and reprojection)}

    where :math:`|P|` is the pixel count of the 4-connected patch and :math:`a_{px}`
    the pixel area in m².
    """
    _check_patch_options(min_area_m2, threshold)
    if not canopy.crs.is_projected:
        problem = f"the canopy raster's CRS ({canopy.crs.name}) is not projected in metres."
        fix = "reproject it to the study CRS (gdalwarp -t_srs EPSG:27700 -r near)."
        raise LayerCRSError(canopy.name, canopy.file, problem, fix)
    out_crs = CRS.from_user_input(crs) if crs is not None else canopy.crs
    min_px = max(1, math.ceil(min_area_m2 / canopy.pixel_area_m2 - 1e-9))
    geoms, n_px = _patch_geometries(canopy, min_px, threshold, tile_px)
    patches = gpd.GeoDataFrame(
        {"patch_id": np.arange(1, len(geoms) + 1), "n_pixels": n_px},
        geometry=to_map_coordinates(geoms, canopy.transform),
        crs=canopy.crs,
    ).to_crs(out_crs)
    if study_area is not None:
        patches = _clip(patches, study_area)
    logger.info("canopy '%s': %d patches of at least %d pixels", canopy.name, len(patches), min_px)
    return patches.assign(area_m2=patches.area)[["patch_id", "n_pixels", "area_m2", "geometry"]]


def _check_patch_options(min_area_m2: float, threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        msg = f"threshold must be a canopy fraction in (0, 1]; got {threshold!r}."
        raise ValueError(msg)
    if min_area_m2 < 0:
        msg = f"min_area_m2 must be 0 or more (m²); got {min_area_m2!r}."
        raise ValueError(msg)


def _patch_geometries(
    canopy: RasterLayer, min_px: int, threshold: float, tile_px: int
) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Patches in pixel coordinates, the raster read tile by tile."""
    builder = PatchBuilder(min_px)
    with rasterio.open(canopy.path) as ds:
        for tile in tiles(Window(0, 0, ds.width, ds.height), tile_px):
            dn = ds.read(canopy.band, window=tile)
            mask = canopy_mask(
                dn,
                nodata=canopy.nodata,
                scale=canopy.scale,
                offset=canopy.offset,
                threshold=threshold,
            )
            builder.add_tile(mask, tile)
    return builder.finish()


def _clip(gdf: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """Clip geometries to an area (unchanged when inside it); drop what falls outside."""
    shapely.prepare(area)
    clipped = gdf.geometry.to_numpy().copy()
    cut = ~shapely.contains_properly(area, clipped)
    clipped[cut] = _polygonal(shapely.intersection(clipped[cut], area))
    keep = shapely.area(clipped) > 0
    return gdf.set_geometry(clipped, crs=gdf.crs).loc[keep].reset_index(drop=True)


def _polygonal(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Keep only the polygon parts of intersections (touching edges give lines)."""
    mixed = shapely.get_type_id(geoms) == 7  # GeometryCollection
    for i in np.flatnonzero(mixed):
        parts = shapely.get_parts(geoms[i])
        geoms[i] = shapely.union_all(parts[np.isin(shapely.get_type_id(parts), _POLYGON_IDS)])
    return geoms


# --------------------------------------------------------------------------- the asset table


def green_blue_assets(
    *,
    sites: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    blue: Mapping[str, gpd.GeoDataFrame] | None = None,
    canopy_patches: gpd.GeoDataFrame | None = None,
    parcels: gpd.GeoDataFrame | None = None,
    site_layer: str = "greenspace",
    canopy_layer: str = "canopy",
) -> gpd.GeoDataFrame:
    r"""Put every green and blue asset into one table with the standard schema.

    Assets that lie in no ward are left out (logged); those that do are kept
    whole (their ``area_ha`` and ``length_m`` are the whole asset's). Canopy
    patches inside greenspace sites are kept: they are a different asset type,
    so the green area of a table is not the sum of its rows
    (:func:`ward_green_blue_summary` counts overlaps once).

    Parameters
    ----------
    sites : geopandas.GeoDataFrame, keyword-only
        Greenspace sites (output of
        :func:`coventry_geo.indicators.greenspace.greenspace_sites`, or any polygons
        with optional ``site_id``, ``name``, ``type`` and ``access``).
    wards : geopandas.GeoDataFrame, keyword-only
        Wards with ``ward_id``, in the same projected CRS (metres).
    blue : mapping of str to geopandas.GeoDataFrame, optional, keyword-only
        Blue layers by layer name (kind ``blue``: lines or polygons with ``type``
        and optional ``blue_id``, ``name``).
    canopy_patches : geopandas.GeoDataFrame, optional, keyword-only
        Output of :func:`canopy_patches`.
    parcels : geopandas.GeoDataFrame, optional, keyword-only
        The greenspace parcels the sites were merged from: a site without ``type``
        or ``access`` takes those of its largest parcel (matched through the
        sites' ``parcel_ids``).
    site_layer, canopy_layer : str, keyword-only
        Layer names written in ``source_layer``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`ASSET_COLUMNS` and geometry: ``asset_id`` (``GS-000001``
        sites, ``CP-`` canopy patches, ``BL-`` blue; numbered in source order, so
        the same inputs give the same ids), ``name``, ``category`` (``green`` /
        ``blue``), ``type``, ``area_ha`` (polygons, ha) or ``length_m`` (lines, m),
        ``wards`` (``;``-separated ids of the wards it has area or length in),
        ``access`` (sites only), ``source_layer`` and ``source_id``.

    Raises
    ------
    LayerSchemaError
        If a layer has geometries that are neither polygons nor lines, or a blue
        layer has no ``type``.

    Notes
    -----
    .. math::

        \text{area\_ha} = |A|_{\text{m}^2} / 10\,000, \qquad
        \text{length\_m} = \ell(A)
    """
    parts = [_site_assets(sites, parcels, site_layer)]
    if canopy_patches is not None:
        parts.append(_canopy_assets(canopy_patches, canopy_layer))
    parts += [_blue_assets(gdf, name) for name, gdf in (blue or {}).items()]
    assets = pd.concat(parts, ignore_index=True)
    assets = gpd.GeoDataFrame(assets, geometry="geometry", crs=wards.crs)
    assets["wards"] = _ward_lists(assets.geometry.to_numpy(), wards)
    outside = assets["wards"] == ""
    if outside.any():
        logger.info("%d green or blue assets lie in no ward and are left out", int(outside.sum()))
    assets = assets.loc[~outside].reset_index(drop=True)
    assets.insert(0, "asset_id", _asset_ids(assets["_prefix"]))
    return assets[[*ASSET_COLUMNS, "geometry"]]


def _frame(
    gdf: gpd.GeoDataFrame, layer: str, *, prefix: str, category: str, **columns: Any
) -> pd.DataFrame:
    """One source's rows in the schema (without ``asset_id`` and ``wards``)."""
    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    bad = ~np.isin(kinds, _POLYGON_IDS + _LINE_IDS)
    if bad.any():
        found = sorted({g.geom_type for g in geoms[bad]})
        problem = f"{int(bad.sum())} features are {found}, not polygons or lines."
        raise LayerSchemaError(layer, None, problem, "give the layer as polygons or lines.")
    polygon = np.isin(kinds, _POLYGON_IDS)
    frame = pd.DataFrame(
        {
            "_prefix": prefix,
            "name": _text(columns.get("name"), len(gdf)),
            "category": category,
            "type": _text(columns.get("type"), len(gdf)),
            "area_ha": np.where(polygon, shapely.area(geoms) / _M2_PER_HA, np.nan),
            "length_m": np.where(polygon, np.nan, shapely.length(geoms)),
            "access": _text(columns.get("access"), len(gdf)),
            "source_layer": layer,
            "source_id": _text(columns.get("source_id"), len(gdf)),
            "geometry": geoms,
        }
    )
    return frame


def _text(values: Any, n: int) -> NDArray[np.object_]:
    """Values as text (``None`` for missing ones); a scalar is repeated."""
    if values is None or isinstance(values, str):
        return np.full(n, values, dtype=object)
    series = pd.Series(values).astype(object)
    return series.where(series.notna(), None).map(lambda v: v if v is None else str(v)).to_numpy()


def _site_assets(
    sites: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame | None, layer: str
) -> pd.DataFrame:
    described = describe_sites(sites, parcels, default_type=_SITE_TYPE)
    frame = _frame(
        sites,
        layer,
        prefix=_PREFIX["site"],
        category="green",
        name=sites.get("name"),
        type=described["type"],
        access=described["access"],
        source_id=sites["site_id"] if "site_id" in sites.columns else sites.index,
    )
    return frame.sort_values("source_id", kind="stable")


def _canopy_assets(patches: gpd.GeoDataFrame, layer: str) -> pd.DataFrame:
    ordered = patches.sort_values("patch_id", kind="stable")
    return _frame(
        ordered,
        layer,
        prefix=_PREFIX["canopy"],
        category="green",
        type=CANOPY_TYPE,
        source_id=ordered["patch_id"],
    )


def _blue_assets(gdf: gpd.GeoDataFrame, layer: str) -> pd.DataFrame:
    if "type" not in gdf.columns:
        problem = f"no 'type' field; the layer has {list(gdf.columns)}."
        fix = f"map type (river, canal, water_body or suds) in [layers.{layer}.fields]."
        raise LayerSchemaError(layer, None, problem, fix)
    frame = _frame(
        gdf,
        layer,
        prefix=_PREFIX["blue"],
        category="blue",
        name=gdf.get("name"),
        type=gdf["type"],
        source_id=gdf["blue_id"] if "blue_id" in gdf.columns else gdf.index,
    )
    return frame.sort_values("source_id", kind="stable")


def _asset_ids(prefix: pd.Series) -> NDArray[np.object_]:
    """``GS-000001``, ``CP-000001``, ``BL-000001``: numbered within each prefix, in row order."""
    number = prefix.groupby(prefix, sort=False).cumcount() + 1
    return (prefix + "-" + number.map("{:06d}".format)).to_numpy(dtype=object)


def _ward_overlaps(geoms: NDArray[np.object_], wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every (asset, ward) pair that meets: the piece of the asset inside the ward."""
    ward_geoms = wards.geometry.to_numpy()
    shapely.prepare(ward_geoms)
    asset, ward = shapely.STRtree(ward_geoms).query(geoms, predicate="intersects")
    inside = shapely.contains_properly(ward_geoms[ward], geoms[asset])
    pieces = geoms[asset].copy()
    pieces[~inside] = shapely.intersection(pieces[~inside], ward_geoms[ward[~inside]])
    return pd.DataFrame({"asset": asset, "ward": ward, "piece": pieces})


def _ward_lists(geoms: NDArray[np.object_], wards: gpd.GeoDataFrame) -> NDArray[np.object_]:
    """``;``-separated ids of the wards each asset has area (polygons) or length (lines) in."""
    pairs = _ward_overlaps(geoms, wards)
    polygon = np.isin(shapely.get_type_id(geoms[pairs["asset"]]), _POLYGON_IDS)
    measure = np.where(polygon, shapely.area(pairs["piece"]), shapely.length(pairs["piece"]))
    pairs = pairs.loc[measure > _MIN_MEASURE]
    ids = wards["ward_id"].astype(str).to_numpy()
    pairs = pairs.assign(ward_id=ids[pairs["ward"]]).sort_values(["asset", "ward_id"])
    asset, ward_id = pairs["asset"].to_numpy(), pairs["ward_id"].to_numpy(dtype=object)
    lists = np.full(len(geoms), "", dtype=object)
    if not len(asset):
        return lists
    start = np.flatnonzero(np.r_[True, asset[1:] != asset[:-1]])
    end = np.r_[start[1:], len(asset)]
    single = end - start == 1  # most assets: one ward, no joining
    lists[asset[start[single]]] = ward_id[start[single]]
    for first, stop in zip(start[~single], end[~single], strict=True):
        lists[asset[first]] = ";".join(ward_id[first:stop])
    return lists


# --------------------------------------------------------------------------- the GeoPackage


def write_green_blue_database(
    assets: gpd.GeoDataFrame,
    path: str | Path,
    *,
    spatial_index: bool = True,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write the asset table as one GeoPackage, atomically.

    Polygons go to layer :data:`POLYGON_LAYER` (as MultiPolygon) and lines to
    :data:`LINE_LAYER` (as MultiLineString), both with the schema
    :data:`ASSET_COLUMNS` (``length_m`` empty for polygons, ``area_ha`` for lines);
    both layers are written even when empty. The file is written beside ``path``
    and moved into place at the end, so a reader never sees half a database.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Output of :func:`green_blue_assets`.
    path : str or Path
        The GeoPackage to write (replaced if it exists).
    spatial_index : bool, keyword-only
        Write each layer's R-tree index (default); without it the file is smaller.
    metadata : mapping of str to str, optional, keyword-only
        Written into each layer's metadata (a run's outputs carry their run id).

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        If the file cannot be written.
    """
    path = Path(path)
    polygon = np.isin(shapely.get_type_id(assets.geometry.to_numpy()), _POLYGON_IDS)
    layers = {
        POLYGON_LAYER: (assets.loc[polygon], "MultiPolygon"),
        LINE_LAYER: (assets.loc[~polygon], "MultiLineString"),
    }
    try:
        with staged_file(path) as staging:
            for name, (gdf, geometry_type) in layers.items():
                _write_layer(gdf, staging, name, geometry_type, spatial_index, metadata)
    except (OSError, DataSourceError) as exc:
        msg = f"cannot write the green-and-blue database {path}: {exc}. Fix: check the folder."
        raise OutputError(msg) from exc
    logger.info("wrote %d green and blue assets to %s", len(assets), path)
    return path


def _write_layer(
    gdf: gpd.GeoDataFrame,
    path: Path,
    layer: str,
    geometry_type: str,
    spatial_index: bool,
    metadata: Mapping[str, str] | None,
) -> None:
    multi = gdf.assign(geometry=_as_multi(gdf.geometry.to_numpy()))
    columns = {c: multi[c].astype(object) for c in ("name", "type", "access")}
    multi = multi.assign(**columns)[[*ASSET_COLUMNS, "geometry"]].reset_index(drop=True)
    write_gpkg_layer(
        multi,
        path,
        layer,
        metadata=metadata,
        geometry_type=geometry_type,
        SPATIAL_INDEX="YES" if spatial_index else "NO",
    )


def _as_multi(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    kinds = shapely.get_type_id(geoms)
    out = geoms.copy()
    out[kinds == 3] = shapely.multipolygons(geoms[kinds == 3, None])
    out[kinds == 1] = shapely.multilinestrings(geoms[kinds == 1, None])
    return out


# --------------------------------------------------------------------------- per ward


def ward_green_blue_summary(
    assets: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    residents: pd.Series | None = None,
) -> pd.DataFrame:
    r"""Green and blue hectares and blue kilometres in each ward, also per 1,000 residents.

    Assets are cut at ward boundaries: an asset in two wards counts in each for
    the part inside it. Green polygons that overlap (a canopy patch inside a
    greenspace site) count once; blue polygons likewise. A line running along a
    ward boundary counts in the first ward (in ``wards`` order) that holds it.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Output of :func:`green_blue_assets` (uses ``category`` and the geometry).
    wards : geopandas.GeoDataFrame
        Wards with ``ward_id``, same projected CRS (metres); a ``residents``
        column is used when ``residents`` is not given.
    residents : pandas.Series, optional, keyword-only
        Residents (persons) indexed by ``ward_id``. Without residents (argument
        or column) the ``*_per_1000`` columns are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ward_id``: ``green_ha``, ``blue_ha`` (ha), ``blue_km`` (km) and,
        with residents, ``green_ha_per_1000``, ``blue_ha_per_1000`` and
        ``blue_km_per_1000`` (NaN where a ward has no residents).

    Notes
    -----
    .. math::

        \text{green\_ha}_w = \Big|\, w \cap \bigcup_{a \in G} a \,\Big| / 10\,000, \qquad
        \text{blue\_km}_w = \sum_{l \in L} \ell(l \cap w) / 1\,000, \qquad
        x\text{\_per\_1000}_w = 1\,000 \, x_w / R_w

    where :math:`G` are the green polygons, :math:`L` the blue lines and
    :math:`R_w` the ward's residents.
    """
    geoms = assets.geometry.to_numpy()
    polygon = np.isin(shapely.get_type_id(geoms), _POLYGON_IDS)
    category = assets["category"].to_numpy()
    out = pd.DataFrame(
        {
            "green_ha": _union_area(geoms[polygon & (category == "green")], wards) / _M2_PER_HA,
            "blue_ha": _union_area(geoms[polygon & (category == "blue")], wards) / _M2_PER_HA,
            "blue_km": _line_length(geoms[~polygon & (category == "blue")], wards) / _M_PER_KM,
        },
        index=pd.Index(wards["ward_id"].to_numpy(), name="ward_id"),
    )
    people = _residents(wards, residents)
    if people is None:
        logger.info("no residents per ward: green and blue per 1,000 residents not computed")
        return out
    per = (_PER / people.where(people > 0)).reindex(out.index)
    return out.join(out.mul(per, axis=0).add_suffix("_per_1000"))


def _residents(wards: gpd.GeoDataFrame, residents: pd.Series | None) -> pd.Series | None:
    if residents is not None:
        return residents.astype(float)
    if "residents" in wards.columns:
        return pd.Series(wards["residents"].to_numpy(float), index=wards["ward_id"].to_numpy())
    return None


def _union_area(geoms: NDArray[np.object_], wards: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """Area (m²) of the union of the polygons inside each ward."""
    pairs = _ward_overlaps(_dissolved(geoms), wards)
    area = shapely.area(_polygonal(pairs["piece"].to_numpy()))
    return np.bincount(pairs["ward"], weights=area, minlength=len(wards))


def _dissolved(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Union of each group of polygons whose interiors overlap; the others as they are."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    left, right = left[left < right], right[left < right]
    overlap = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    graph = coo_array(
        (np.ones(int(overlap.sum()), np.int8), (left[overlap], right[overlap])),
        shape=(len(geoms), len(geoms)),
    )
    n, group = connected_components(graph, directed=False)
    return group_union(geoms, group.astype(np.int64), n)


def _line_length(geoms: NDArray[np.object_], wards: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """Length (m) of the lines inside each ward; a part on a shared edge counts once."""
    length = np.zeros(len(wards))
    pairs = _ward_overlaps(geoms, wards).sort_values(["asset", "ward"])
    ward_geoms = wards.geometry.to_numpy()
    for asset, ward_list in pairs.groupby("asset")["ward"]:
        remaining = geoms[asset]
        for ward in ward_list:
            length[ward] += shapely.length(shapely.intersection(remaining, ward_geoms[ward]))
            remaining = shapely.difference(remaining, ward_geoms[ward])
    return length


def _info(name: str, label: str, unit: str, description: str) -> ColumnInfo:
    return ColumnInfo(name, label, unit, description, _FAMILY, higher_is_worse=False)


register_columns(
    _info(
        "green_ha",
        "Green assets",
        "ha",
        "Area of greenspace sites and canopy patches inside the ward, overlaps counted once.",
    ),
    _info(
        "blue_ha",
        "Blue area",
        "ha",
        "Area of water bodies, SuDS and other blue polygons "
        "inside the ward, overlaps counted once.",
    ),
    _info(
        "blue_km",
        "Blue lines",
        "km",
        "Length of rivers, canals and other blue lines inside the ward.",
    ),
    _info(
        "green_ha_per_1000",
        "Green assets per 1,000 residents",
        "ha per 1,000 residents",
        "Green asset area in the ward per 1,000 of its residents.",
    ),
    _info(
        "blue_ha_per_1000",
        "Blue area per 1,000 residents",
        "ha per 1,000 residents",
        "Blue polygon area in the ward per 1,000 of its residents.",
    ),
    _info(
        "blue_km_per_1000",
        "Blue lines per 1,000 residents",
        "km per 1,000 residents",
        "Blue line length in the ward per 1,000 of its residents.",
    ),
)
