"""Read and validate vector layers.

:func:`read_vector_layer` reads one layer of the manifest, checks it against
its kind's schema (:mod:`coventry_geo.layers.schemas`), repairs invalid
geometries, renames the file's columns to the toolkit's field names and
reprojects it, once, into the analysis CRS.
"""

from __future__ import annotations

import difflib
import logging
import re
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from coventry_geo.errors import (
    EmptyLayerError,
    InvalidGeometryWarning,
    LayerReadError,
    LayerSchemaError,
)
from coventry_geo.layers.checks import check_crs_matches_coordinates, check_file, layer_crs
from coventry_geo.layers.official.presets import match_layer
from coventry_geo.layers.official.tables import join_tables, resolve_fields
from coventry_geo.layers.schemas import (
    FLOOD_ZONE_VALUES,
    LAYER_SCHEMAS,
    RISK_BAND_VALUES,
    LayerSchema,
)

if TYPE_CHECKING:
    from coventry_geo.manifest import LayerSpec

__all__ = ["read_vector_layer"]

logger = logging.getLogger(__name__)

_GEOM_TYPES: dict[str, set[str]] = {
    "polygon": {"Polygon", "MultiPolygon"},
    "raster_or_polygon": {"Polygon", "MultiPolygon"},
    "point": {"Point", "MultiPoint"},
    "line": {"LineString", "MultiLineString"},
    "line_or_polygon": {"LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}
_DIMENSION = {"point": 0, "line": 1, "polygon": 2, "raster_or_polygon": 2}


def read_vector_layer(spec: LayerSpec, *, crs: CRS) -> gpd.GeoDataFrame:
    """Read one vector layer, validated, with toolkit field names, in the analysis CRS.

    Parameters
    ----------
    spec : LayerSpec
        The layer's manifest entry.
    crs : pyproj.CRS
        The analysis CRS to reproject into.

    Returns
    -------
    geopandas.GeoDataFrame
        The schema's fields that the file has (renamed to the toolkit's names),
        plus ``geometry``; invalid geometries repaired, empty ones dropped.
        A preset's column patterns are resolved against the file, and the
        layer's ``join`` tables are joined by code, before the schema check.

    Raises
    ------
    LayerNotFoundError, LayerReadError, LayerCRSError, LayerSchemaError, EmptyLayerError
        With a message naming the layer, the file, the problem and the fix.

    Warns
    -----
    InvalidGeometryWarning
        When invalid geometries were repaired with :func:`shapely.make_valid`.
    """
    schema = LAYER_SCHEMAS[spec.kind]
    check_file(spec)
    gdf = _read(spec)
    if gdf.empty:
        raise EmptyLayerError(
            spec.name,
            spec.path,
            "the layer has no features.",
            "check that the right file and layer name are given and that it is not an "
            "empty export.",
        )
    spec = _resolve_preset_fields(spec, schema, gdf)
    gdf, spec = join_tables(spec, gdf)
    source_crs = layer_crs(spec, gdf.crs)
    gdf = gdf.set_crs(source_crs, allow_override=True)
    gdf = _check_geometries(spec, schema, gdf, crs)
    check_crs_matches_coordinates(spec, source_crs, tuple(gdf.total_bounds))
    gdf = _apply_fields(spec, schema, gdf)
    if not source_crs.equals(crs):
        logger.info(
            "layer '%s': reprojecting from %s to %s",
            spec.name,
            source_crs.to_string(),
            crs.to_string(),
        )
        gdf = gdf.to_crs(crs)
    return gdf


def _resolve_preset_fields(
    spec: LayerSpec, schema: LayerSchema, gdf: gpd.GeoDataFrame
) -> LayerSpec:
    if not spec.field_patterns:
        return spec
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    fields = resolve_fields(
        spec.fields, spec.field_patterns, columns, layer=spec.name, path=spec.path
    )
    for fs in schema.required:
        if fs.name not in fields and fs.name in spec.field_patterns:
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f"no column matches field '{fs.name}' of preset '{spec.preset}' (patterns "
                f"{', '.join(spec.field_patterns[fs.name])}); the file has: {', '.join(columns)}.",
                f'name the column in [layers.{spec.name}.fields], e.g. {fs.name} = "<column>".',
            )
    return replace(spec, fields=fields)


def _read(spec: LayerSpec) -> gpd.GeoDataFrame:
    path = f"/vsicurl/{spec.path}" if spec.is_url else spec.path
    if path.lower().endswith(".csv"):
        return _read_points_csv(spec)
    try:
        layers = pyogrio.list_layers(path)
        if spec.layer is None and len(layers) > 1 and spec.layer_patterns:
            chosen = match_layer(spec.layer_patterns, [str(n) for n in layers[:, 0]])
            spec = replace(spec, layer=chosen) if chosen else spec
        if spec.layer is None and len(layers) > 1:
            names = ", ".join(str(n) for n in layers[:, 0])
            raise LayerReadError(
                spec.name,
                spec.path,
                f"the file has {len(layers)} layers ({names}) and none is chosen.",
                f'add layer = "<name>" to [layers.{spec.name}] in the manifest.',
            )
        if spec.layer is not None and spec.layer not in set(layers[:, 0]):
            names = ", ".join(str(n) for n in layers[:, 0])
            raise LayerReadError(
                spec.name,
                spec.path,
                f"the file has no layer '{spec.layer}' (it has: {names}).",
                f"correct 'layer' in [layers.{spec.name}] of the manifest.",
            )
        return gpd.read_file(path, layer=spec.layer, engine="pyogrio")
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        if isinstance(exc, LayerReadError):
            raise
        raise LayerReadError(
            spec.name,
            spec.path,
            f"the file cannot be read as a vector layer ({exc}).",
            "check that it is a complete, uncorrupted GeoPackage/GeoJSON/Shapefile/FlatGeobuf; "
            "download or export it again.",
        ) from exc


def _read_points_csv(spec: LayerSpec) -> gpd.GeoDataFrame:
    """Read a CSV of points: ``options.x``, ``options.y`` (``options.columns``: no header row).

    Rows whose coordinates are missing, or impossible in a geographic CRS (such as
    the ONS Postcode Directory's latitude 99.999999 for postcodes with no grid
    reference), are dropped and counted in the log.
    """
    table = _csv_table(spec)
    x, y = (_csv_column(table, spec.options.get(k, k)) for k in ("x", "y"))
    missing = [spec.options.get(k, k) for k, c in (("x", x), ("y", y)) if c is None]
    if missing:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"the CSV has no coordinate column(s) {missing}; it has {list(table.columns)}.",
            f'name them in [layers.{spec.name}.options], e.g. x = "easting", y = "northing".',
        )
    xs, ys = (pd.to_numeric(table[c], errors="coerce") for c in (x, y))
    keep = xs.notna() & ys.notna()
    if spec.crs is not None and CRS.from_user_input(spec.crs).is_geographic:
        keep &= xs.between(-180, 180) & ys.between(-90, 90)
    if not keep.all():
        logger.info("layer '%s': dropped %d rows with no coordinates", spec.name, (~keep).sum())
    geometry = gpd.points_from_xy(xs[keep], ys[keep])
    return gpd.GeoDataFrame(table.loc[keep].drop(columns=[x, y]), geometry=geometry, crs=None)


def _csv_table(spec: LayerSpec) -> pd.DataFrame:
    names = spec.options.get("columns")
    try:
        table = pd.read_csv(spec.path, header=None if names else "infer", names=names, dtype=str)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise LayerReadError(
            spec.name,
            spec.path,
            f"the CSV cannot be read ({exc}).",
            "check the file is a valid CSV.",
        ) from exc
    if names and len(table) and list(table.iloc[0].str.strip()) == list(names):
        table = table.iloc[1:]  # a header row after all
    return table


def _csv_column(table: pd.DataFrame, name: str) -> str | None:
    """Return the column called ``name``, ignoring case (ONSPD headers come in both cases)."""
    found = [c for c in table.columns if str(c).lower() == str(name).lower()]
    return found[0] if found else None


def _check_geometries(
    spec: LayerSpec, schema: LayerSchema, gdf: gpd.GeoDataFrame, crs: CRS
) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.array
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.all():
        raise EmptyLayerError(
            spec.name,
            spec.path,
            f"all {len(gdf)} features have empty or missing geometry.",
            "export the layer again with its geometry column.",
        )
    if missing.any():
        logger.warning(
            "layer '%s': dropped %d features with no geometry", spec.name, int(missing.sum())
        )
        gdf = gdf.loc[~missing].copy()
    gdf = _repair(spec, schema, gdf, crs)
    allowed = _GEOM_TYPES[schema.geometry]
    found = set(gdf.geom_type.unique())
    if not found <= allowed:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"geometry type {', '.join(sorted(found))} found, but a '{spec.kind}' layer needs "
            f"{' or '.join(sorted(allowed))}.",
            "point the manifest at the right file or layer for this kind.",
        )
    return gdf


def _repair(
    spec: LayerSpec, schema: LayerSchema, gdf: gpd.GeoDataFrame, crs: CRS
) -> gpd.GeoDataFrame:
    """Repair invalid geometries with ``make_valid``, or refuse them (see ``spec.repairs``)."""
    geoms = gdf.geometry.array
    invalid = ~shapely.is_valid(geoms)
    n_invalid = int(invalid.sum())
    if n_invalid == 0:
        return gdf
    labels = _feature_labels(spec, schema, gdf.loc[invalid])
    if not spec.repairs:
        digits = 6 if gdf.crs.is_geographic else 0
        reasons = [
            f"{label}: {_reason(g, digits)}"
            for label, g in zip(labels, geoms[invalid], strict=True)
        ]
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"{n_invalid} of {len(gdf)} features have invalid geometry, and results are "
            f"published for each {spec.kind.replace('_', ' ').rstrip('s')}: "
            f"{_listed(reasons)} (coordinates in {gdf.crs.to_string()}).",
            "repair them in a GIS (QGIS: Vector > Geometry Tools > Fix Geometries; check the "
            f"shapes after), or set repair = true in [layers.{spec.name}] to accept "
            "shapely.make_valid's repair (each feature's area before and after is then logged).",
        )
    repaired = shapely.make_valid(geoms[invalid])
    dimension = _DIMENSION.get(schema.geometry)
    if dimension is not None:
        repaired = np.array([_keep_dimension(g, dimension) for g in repaired], dtype=object)
    gdf = gdf.copy()
    gdf.loc[invalid, gdf.geometry.name] = repaired
    msg = (
        f"layer '{spec.name}' ({spec.path}): {n_invalid} of {len(gdf)} geometries were invalid "
        "and were repaired with shapely.make_valid; check them in a GIS if the results matter."
    )
    if spec.repair:
        before = _areas_ha(geoms[invalid], gdf.crs, crs)
        after = _areas_ha(repaired, gdf.crs, crs)
        changes = [
            f"{label}: {a:,.2f} ha before, {b:,.2f} ha after"
            for label, a, b in zip(labels, before, after, strict=True)
        ]
        msg += f" Areas (repair = true): {_listed(changes)}."
    warnings.warn(msg, InvalidGeometryWarning, stacklevel=4)
    return gdf


def _feature_labels(spec: LayerSpec, schema: LayerSchema, rows: gpd.GeoDataFrame) -> list[str]:
    """Name features by the kind's id field and name field (as in the file), else by number."""
    id_col = spec.column(schema.field_names[0]) if schema.field_names else None
    names = [spec.column(f) for f in schema.field_names if f.endswith("_name")]
    name_col = names[0] if names else None
    labels = []
    for index, row in rows.iterrows():
        label = str(row[id_col]) if id_col in rows.columns else f"feature {index + 1}"
        if name_col in rows.columns and pd.notna(row[name_col]):
            label += f' "{row[name_col]}"'
        labels.append(label)
    return labels


def _reason(geom: shapely.Geometry, digits: int) -> str:
    """Return ``shapely.is_valid_reason`` with its location as coordinates (``digits`` decimals)."""
    reason = shapely.is_valid_reason(geom)
    match = re.fullmatch(r"(.*)\[(\S+) (\S+)\]", reason)
    if match is None:
        return reason
    what, x, y = match.groups()
    return f"{what.lower()} at ({float(x):.{digits}f}, {float(y):.{digits}f})"


def _areas_ha(geoms: np.ndarray, source: CRS, crs: CRS) -> list[float]:
    """Areas (ha) of geometries in the analysis CRS (invalid ones as shapely measures them)."""
    return (gpd.GeoSeries(geoms, crs=source).to_crs(crs).area / 10_000.0).tolist()


def _listed(items: list[str], shown: int = 20) -> str:
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def _keep_dimension(geom: shapely.Geometry, dimension: int) -> shapely.Geometry:
    """Keep the parts of a repaired geometry that have the layer's dimension."""
    if shapely.get_dimensions(geom) == dimension and geom.geom_type != "GeometryCollection":
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dimension]
    return shapely.union_all(parts) if parts else geom


def _apply_fields(spec: LayerSpec, schema: LayerSchema, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    problems = []
    for fs in schema.required:
        if spec.column(fs.name) not in gdf.columns:
            problems.append(_missing_field_text(spec, fs.name, columns))
    for group in schema.one_of:
        if not any(spec.column(f) in gdf.columns for f in group):
            problems.append(
                f"none of the fields {', '.join(group)} is present (one is needed); the file has: "
                f"{', '.join(columns)}"
            )
    for name, column in spec.fields.items():
        if column not in gdf.columns and name not in {f.name for f in schema.required}:
            problems.append(_missing_field_text(spec, name, columns))
    if problems:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            "; ".join(problems) + ".",
            f"map the file's columns to the toolkit's in [layers.{spec.name}.fields] of the "
            'manifest, e.g. ward_id = "WD22CD" (docs/manifest.md lists each kind\'s fields).',
        )
    present = {fs.name: spec.column(fs.name) for fs in schema.required + schema.optional}
    present = {name: col for name, col in present.items() if col in gdf.columns}
    out = gdf[[*present.values(), gdf.geometry.name]].rename(
        columns={col: name for name, col in present.items()}
    )
    out = out.rename_geometry("geometry") if out.geometry.name != "geometry" else out
    for name in present:
        out[name] = _convert(spec, schema.spec_of(name).dtype, name, out[name])
    return _normalise_values(spec, out)


def _missing_field_text(spec: LayerSpec, name: str, columns: list[str]) -> str:
    column = spec.column(name)
    near = difflib.get_close_matches(column, columns, n=1, cutoff=0.4)
    hint = f"; closest match: '{near[0]}'" if near else ""
    mapped = f" (file column '{column}')" if column != name else ""
    return f"field '{name}'{mapped} not found; the file has: {', '.join(columns)}{hint}"


def _convert(spec: LayerSpec, dtype: str, name: str, values: pd.Series) -> pd.Series:
    if dtype == "str":
        return values.astype("string")
    if dtype == "num":
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna() & values.notna()
        if bad.any():
            sample = ", ".join(repr(v) for v in values[bad].unique()[:5])
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f"field '{name}' must be numeric but has {int(bad.sum())} non-numeric "
                f"values ({sample}).",
                "clean the column, or map a different column in the manifest's fields.",
            )
        return converted.astype("float64")
    return values


def _normalise_values(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if spec.kind == "flood_zones":
        gdf["flood_zone"] = _map_values(spec, gdf["flood_zone"], "flood_zone", FLOOD_ZONE_VALUES)
    elif spec.kind == "surface_water":
        gdf["risk_band"] = _map_values(spec, gdf["risk_band"], "risk_band", RISK_BAND_VALUES)
    for name in gdf.columns:
        table = spec.options.get(f"{name}_values")
        if name not in ("flood_zone", "risk_band", "geometry") and isinstance(table, dict):
            gdf[name] = _recode(spec, gdf[name], name, table)
    return gdf


def _recode(spec: LayerSpec, values: pd.Series, name: str, table: dict) -> pd.Series:
    """Recode a field's published values to the toolkit's with ``options.<field>_values``."""
    lookup = {str(k).strip().lower(): v for k, v in table.items()}
    mapped = values.astype("string").str.strip().str.lower().map(lookup)
    unknown = sorted(set(values[mapped.isna() & values.notna()].astype(str)))
    if unknown:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"field '{name}' has values {unknown[:8]} that options.{name}_values does not map "
            f"(it maps {sorted(table)}).",
            f"add them to [layers.{spec.name}.options.{name}_values], "
            f'e.g. {{ "{unknown[0]}" = "<toolkit value>" }}.',
        )
    return mapped.astype("string")


def _map_values(spec: LayerSpec, values: pd.Series, name: str, accepted: dict) -> pd.Series:
    custom = {str(k).strip().lower(): v for k, v in spec.options.get(f"{name}_values", {}).items()}
    table = {**accepted, **custom}
    keys = values.astype("string").str.strip().str.lower()
    keys = keys.str.replace(r"\.0$", "", regex=True)
    mapped = keys.map(table)
    unknown = sorted(set(values[mapped.isna()].astype(str)))
    if unknown:
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"field '{name}' has values {unknown[:8]} that are not recognised; accepted: "
            f"{sorted({str(v) for v in accepted.values()})} (spelled e.g. "
            f"{', '.join(sorted(accepted)[:6])}).",
            f"map the file's values in [layers.{spec.name}.options.{name}_values], "
            'e.g. { "FZ3a" = 3 }.',
        )
    return mapped.astype(type(next(iter(accepted.values()))))
