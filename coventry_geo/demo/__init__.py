"""The embedded synthetic demo city: a complete layer set generated from a seed.

:func:`generate_demo` writes *Demo City (synthetic)* — an invented city of
about 100 km² and 345,000 people at Coventry's location in EPSG:27700 — into
``<target_dir>/demo/`` with its manifest ``<target_dir>/demo.toml`` (format:
``docs/manifest.md``). Every file is a deterministic function of the seed.
Nothing in it is real: it exists so that the toolkit, its tests, notebooks and
documentation can run without downloading data.

The generators live in the private modules ``_demo_city`` (boundary, wards,
small areas, residences, postcodes), ``_demo_water`` (rivers, canal, ponds, SuDS, flood
zones, surface water), ``_demo_land`` (greenspace, access points, heat network
zones) and ``_demo_rasters`` (land-surface temperature and canopy).
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from coventry_geo._files import file_sha256, gpkg_timestamp, write_atomic
from coventry_geo.demo import city, land, rasters, water
from coventry_geo.errors import OutputError

__all__ = ["generate_demo", "DEMO_CRS", "DEMO_SEED"]

logger = logging.getLogger(__name__)

DEMO_CRS = "EPSG:27700"
DEMO_SEED = 2026
#: Fixed GeoPackage timestamp, so that files are byte-identical for a seed.
_GPKG_DATE = "2026-01-01T00:00:00.000Z"
_FOLDER = "demo"

#: Layer name -> (kind, {toolkit field: file column}, extra manifest keys, description).
_LAYERS: dict[str, tuple[str, dict[str, str], dict[str, str], str]] = {
    "wards": (
        "wards",
        {"ward_id": "WD_CODE", "ward_name": "WD_NAME"},
        {},
        "18 invented wards tiling the city",
    ),
    "small_areas": (
        "small_areas",
        {
            "area_id": "LSOA_CODE",
            "area_name": "LSOA_NAME",
            "imd_score": "IMD_SCORE",
            "imd_rank": "IMD_RANK",
            "imd_decile": "IMD_DECILE",
        },
        {},
        "200 LSOA-like small areas nested in the wards; IMD rank and decile are national "
        "(1 = most deprived)",
    ),
    "residences": (
        "residences",
        {"residence_id": "UPRN", "area_id": "lsoa_code"},
        {},
        "about 140,000 address points; residents sum to each small area's population",
    ),
    "flood_zones": (
        "flood_zones",
        {},
        {},
        "Flood Zones 2 and 3 along the rivers. EA convention: separate FZ2 and FZ3 "
        "features, the FZ2 extent covering the FZ3 area too",
    ),
    "surface_water": (
        "surface_water",
        {"risk_band": "RISK"},
        {},
        "surface-water risk patches, non-overlapping: each area has its highest band",
    ),
    "heat": (
        "heat",
        {},
        {"units": "degC"},
        "10 m land-surface temperature with a city-centre heat island",
    ),
    "canopy": ("canopy", {}, {"values": "mask"}, "1 m tree-canopy mask, about 11 % of the city"),
    "greenspace": (
        "greenspace",
        {"site_id": "id", "name": "distName1", "type": "function"},
        {},
        "OS Open Greenspace-like sites, reaching 10 km beyond the city boundary",
    ),
    "greenspace_access_points": (
        "greenspace_access_points",
        {"site_id": "refToGreenspaceSite", "access_type": "accessType"},
        {},
        "entrances on the boundaries of the public sites",
    ),
    "nature_reserves": (
        "nature_reserves",
        {},
        {"preset": "ne_local_nature_reserves"},
        "Local Nature Reserves in Natural England's published columns (LNR_NAME, LNR_AREA, "
        "REFERENCE): two in three nature-reserve sites and half of the largest park",
    ),
    "residential_land": (
        "residential_land",
        {},
        {},
        "residential land (the city less greenspace and water), as OpenStreetMap "
        "landuse=residential would draw it; for estimates without residences",
    ),
    "blue_lines": ("blue", {}, {}, "two rivers and a canal"),
    "blue_polygons": ("blue", {}, {}, "ponds, a lake (water_body) and SuDS basins (suds)"),
    "heat_network_zones": (
        "heat_network_zones",
        {"zone_id": "ZONE_REF", "name": "ZONE_NAME", "heat_demand": "HEAT_MWH"},
        {},
        "heat network zones over the dense centre (heat demand in MWh/year)",
    ),
    "postcodes": (
        "postcodes",
        {},
        {"preset": "os_code_point_open"},
        "invented postcodes (area ZZ, which is not a UK postcode area), one per about 16 homes, "
        "in OS Code-Point Open's CSV layout",
    ),
}
_RASTER_FILES = {"heat": "lst.tif", "canopy": "canopy.tif"}
_FILES = {**_RASTER_FILES, "postcodes": "postcodes.csv"}
#: Date of the demo's data, given as each layer's ``date``.
_DATA_DATE = "2026-01"
#: The demo's ``[site]`` table: an invented publisher (``.example`` addresses are reserved).
_SITE = {
    "organisation": "Demo City Council (synthetic)",
    "contact": "greenspace@demo-city.example",
    "accessibility_statement": "https://demo-city.example/accessibility",
    "logo": f"{_FOLDER}/logo.svg",
}
#: The demo's ``[targets]``, invented like the city: canopy from 11 % (2023) to 20 %
#: (2050), and a fifth fewer residents in Flood Zone 3 by 2040.
_TARGETS = {
    "canopy_pct": {
        "baseline": 11.0,
        "baseline_year": 2023,
        "target": 20.0,
        "target_year": 2050,
        "description": "Tree canopy cover of the city (synthetic demo target)",
    },
    "fz3_residents": {
        "baseline": 12000.0,
        "baseline_year": 2023,
        "target": 9600.0,
        "target_year": 2040,
        "description": "Residents in Flood Zone 3 (synthetic demo target)",
    },
}
_LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
    '<circle cx="20" cy="20" r="19" fill="#0b4d2b"/>'
    '<path d="M20 7c7 5 9 13 0 22c-9-9-7-17 0-22z" fill="#99ee00"/>'
    '<path d="M6 30c5-3 9 3 14 0s9-3 14 0" stroke="#aabbff" stroke-width="3" fill="none"/></svg>\n'
)


def generate_demo(
    target_dir: str | Path = "layers", *, seed: int = DEMO_SEED, overwrite: bool = False
) -> Path:
    """Generate the synthetic demo city and return the path of its manifest.

    Writes 15 layers (12 GeoPackages, 2 GeoTIFFs, a postcode CSV) and a logo
    into ``<target_dir>/demo/`` and the manifest ``<target_dir>/demo.toml``
    (with a ``[site]`` table for the published map). The files are a deterministic
    function of ``seed``: the same seed gives byte-identical files. The
    generation is atomic: files are written into a temporary sibling folder and
    moved into place, and the manifest is written last, so an interrupted run
    never leaves a half-written demo behind a manifest.

    Parameters
    ----------
    target_dir : str or Path
        Folder that receives ``demo/`` and ``demo.toml`` (created if needed).
    seed : int
        Seed of every random choice.
    overwrite : bool
        Regenerate even when a complete demo of this seed already exists.

    Returns
    -------
    Path
        The manifest, ``<target_dir>/demo.toml``.

    Raises
    ------
    OutputError
        If ``target_dir`` cannot be created or written.

    Notes
    -----
    The city (about 100 km², 18 wards, 200 small areas, 345,000 people,
    140,000 residences) sits at Coventry's location (E 433500, N 279000) but
    is invented; its manifest says ``synthetic = true``. Generation takes about
    17 s of CPU time (under 30 s wall-clock on a busy two-core machine) and
    about 1 GB of memory; the files take about 27 MB.

    Examples
    --------
    >>> from coventry_geo.demo import generate_demo
    >>> manifest = generate_demo("layers")  # doctest: +SKIP
    >>> manifest.name  # doctest: +SKIP
    'demo.toml'
    """
    target = Path(target_dir)
    manifest = target / "demo.toml"
    if not overwrite and _is_complete(manifest, seed):
        logger.info("demo: %s is complete for seed %d; not regenerating", manifest, seed)
        return manifest
    _check_replaceable(target, manifest)
    _make_dir(target)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".demo-tmp-", dir=target) as tmp:
        staging = Path(tmp) / _FOLDER
        staging.mkdir()
        _write_layers(staging, seed)
        text = manifest_text(seed, {name: file_sha256(staging / _file(name)) for name in _LAYERS})
        _swap_into_place(staging, target, manifest, text)
    logger.info("demo: wrote %s in %.1f s", manifest, time.perf_counter() - start)
    return manifest


def _file(name: str) -> str:
    return _FILES.get(name, f"{name}.gpkg")


def _make_dir(target: Path) -> None:
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = (
            f"demo: cannot create the folder {target} ({exc}). "
            "Fix: give a writable target_dir (e.g. coventry-geo demo --target <folder>)."
        )
        raise OutputError(msg) from exc


def _is_complete(manifest: Path, seed: int) -> bool:
    """Whether ``manifest`` exists, is this seed's demo, and all its files exist."""
    try:
        with manifest.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    layers = data.get("layers", {})
    logo = (manifest.parent / _SITE["logo"]).is_file()
    complete = (
        logo
        and set(layers) == set(_LAYERS)
        and all(
            spec.get("source") == _source(seed)
            and (manifest.parent / spec.get("path", "")).is_file()
            for spec in layers.values()
        )
    )
    hashes = {name: spec.get("sha256", "") for name, spec in layers.items()}
    return complete and manifest.read_text(encoding="utf-8") == manifest_text(seed, hashes)


def _check_replaceable(target: Path, manifest: Path) -> None:
    """Refuse to replace a ``demo/`` folder or ``demo.toml`` that the demo did not write."""
    names = [*(_file(n) for n in _LAYERS), Path(_SITE["logo"]).name]
    folder = target / _FOLDER
    found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    foreign = [f for f in found if not f.startswith(tuple(names))]  # GDAL's .aux.xml are ours
    if folder.exists() and not folder.is_dir():
        foreign = [folder.name]
    if manifest.exists() and not _is_demo_manifest(manifest):
        foreign.append(manifest.name)
    if foreign:
        msg = (
            f"demo: {target} holds {', '.join(foreign[:8])}, which the demo did not write; "
            "generating the demo would replace them. Fix: give another folder "
            "(coventry-geo demo --layers <new folder>), or move them away."
        )
        raise OutputError(msg, path=target)


def _is_demo_manifest(manifest: Path) -> bool:
    """Whether ``manifest`` is a demo manifest (any seed) written by :func:`generate_demo`."""
    try:
        with manifest.open("rb") as fh:
            layers = tomllib.load(fh).get("layers", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    sources = [spec.get("source", "") for spec in layers.values() if isinstance(spec, dict)]
    return bool(sources) and all(str(s).startswith("synthetic (coventry_geo.demo") for s in sources)


def _source(seed: int) -> str:
    return f"synthetic (coventry_geo.demo, seed {seed})"


def _swap_into_place(staging: Path, target: Path, manifest: Path, text: str) -> None:
    """Replace ``target/demo`` by ``staging`` and write the manifest, each step atomic."""
    final = target / _FOLDER
    old = staging.parent / "old"
    manifest.unlink(missing_ok=True)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    write_atomic(manifest, text)


def _write_layers(folder: Path, seed: int) -> None:
    """Generate every layer of the demo and write it into ``folder``."""
    tables, boundary = build_tables(seed)
    with gpkg_timestamp(_GPKG_DATE):  # the same seed gives the same bytes
        for name, table in tables.items():
            if name == "postcodes":
                _write_code_point_csv(folder / _file(name), table)
            else:
                _write_vector(folder / f"{name}.gpkg", name, table)
    (folder / "logo.svg").write_text(_LOGO_SVG, encoding="utf-8")
    fields = rasters.build_fields(seed, boundary, tables)
    rasters.write_lst(
        folder / _RASTER_FILES["heat"],
        rasters.lst_values(seed, fields, boundary),
        fields.grid,
        DEMO_CRS,
    )
    margin = rasters.canopy_margin_field(seed, fields)
    rasters.write_canopy(folder / _RASTER_FILES["canopy"], margin, fields, DEMO_CRS)


def build_tables(seed: int) -> tuple[dict[str, pd.DataFrame], shapely.Polygon]:
    """Return the demo's vector layers (toolkit field names) and its city boundary.

    Parameters
    ----------
    seed : int

    Returns
    -------
    dict of str to pandas.DataFrame
        One table per vector layer, with a ``geometry`` column (residences have
        ``x``/``y`` instead), keyed by layer name; nature reserves have Natural
        England's column names (their manifest entry uses its preset).
    shapely.Polygon
        The city boundary (the union of the wards).
    """
    boundary = city.city_boundary(seed)
    cells = city.small_area_cells(seed, boundary)
    groups = city.ward_groups(seed, cells, boundary)
    wards = city.ward_table(seed, cells, groups)
    areas = city.small_area_table(seed, cells, groups, wards)
    lines = water.blue_lines(seed)
    rivers = list(lines.loc[lines["type"] == "river", "geometry"])
    green, parks = land.greenspace_table(seed, boundary, np.asarray(areas["geometry"]), rivers)
    banks = [g.buffer(30.0) for g in lines["geometry"]]
    avoid = shapely.union_all([*green["geometry"], *banks])
    ponds = water.water_bodies(seed, boundary, parks, avoid)
    exclusion = shapely.union_all(
        [*green["geometry"], *ponds["geometry"], *(g.buffer(10.0) for g in lines["geometry"])]
    )
    residences = city.residence_table(seed, areas, exclusion)
    tables = {
        "wards": wards,
        "small_areas": areas.drop(columns="ward_id"),
        "residences": residences,
        "flood_zones": water.flood_zone_table(seed, rivers, boundary.buffer(2000.0)),
        "surface_water": water.surface_water_table(seed, boundary),
        "greenspace": green,
        "greenspace_access_points": land.access_point_table(seed, green),
        "nature_reserves": land.nature_reserve_table(seed, green, boundary),
        "residential_land": land.residential_land_table(boundary, green, ponds),
        "blue_lines": lines,
        "blue_polygons": ponds,
        "heat_network_zones": land.heat_network_table(seed, boundary),
        "postcodes": city.postcode_table(residences, areas),
    }
    return tables, boundary


def _write_vector(path: Path, name: str, table: pd.DataFrame) -> None:
    """Write one layer as a single-layer GeoPackage with the file's own column names."""
    fields = _LAYERS[name][1]
    frame = table.rename(columns={k: v for k, v in fields.items() if k in table})
    if "geometry" in frame:
        gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=DEMO_CRS)
    else:
        points = gpd.points_from_xy(frame.pop("x"), frame.pop("y"))
        gdf = gpd.GeoDataFrame(frame, geometry=points, crs=DEMO_CRS)
    try:
        pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG")
    except OSError as exc:
        msg = f"demo: cannot write layer '{name}' to {path} ({exc}). Fix: free disk space."
        raise OutputError(msg) from exc


def _write_code_point_csv(path: Path, table: pd.DataFrame) -> None:
    """Write postcodes as OS Code-Point Open does: no header, quoted text, whole metres."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        for code, x, y in zip(table["postcode"], table["x"], table["y"], strict=True):
            writer.writerow([code, 10, int(x), int(y), "", "", "", "", "", ""])


def manifest_text(seed: int, hashes: dict[str, str]) -> str:
    """Return the demo's manifest as TOML text.

    Parameters
    ----------
    seed : int
    hashes : dict of str to str
        SHA-256 of each layer's file, by layer name.

    Returns
    -------
    str
    """
    source = _source(seed)
    doc: dict[str, Any] = {
        "study": {
            "name": "Demo City (synthetic)",
            "code": "demo",
            "crs": DEMO_CRS,
            "ward_layer": "wards",
            "outputs": "${outputs}/demo",
            "synthetic": True,
            "attribution": (
                f"Synthetic data: an invented city generated by coventry_geo.demo "
                f"(seed {seed}). Not real; do not use for decisions."
            ),
            "description": (
                f"Invented city of about 100 km² and 345,000 people at Coventry's "
                f"location, generated by coventry_geo.demo with seed {seed}."
            ),
            "data_dirs": {"outputs": "../outputs"},  # declared: outputs beside layers/
        },
        "layers": {},
    }
    for name, (kind, fields, extra, description) in _LAYERS.items():
        layer: dict[str, Any] = {"kind": kind, "path": f"{_FOLDER}/{_file(name)}"}
        if _file(name).endswith(".gpkg"):
            layer["layer"] = name
        layer.update(extra)
        layer.update(
            source=source,
            licence="CC0 (synthetic)",
            description=description,
            date=_DATA_DATE,
            sha256=hashes[name],
        )
        if fields:
            layer["fields"] = fields
        doc["layers"][name] = layer
    doc["site"] = dict(_SITE)
    doc["targets"] = {name: dict(target) for name, target in _TARGETS.items()}
    header = (
        "# Demo City (synthetic): generated by coventry_geo.demo.generate_demo"
        f"(seed={seed}).\n# Regenerate rather than edit: `coventry-geo demo`.\n\n"
    )
    return header + to_toml(doc)


def to_toml(doc: dict[str, Any]) -> str:
    """Serialise nested dicts of str, bool, int and float as TOML.

    Scalars of a table come first, then its sub-tables as ``[a.b]`` headers.

    Parameters
    ----------
    doc : dict
        Keys are bare TOML keys (letters, digits, ``_`` and ``-``).

    Returns
    -------
    str

    Examples
    --------
    >>> print(to_toml({"study": {"name": "X", "synthetic": True}}), end="")
    [study]
    name = "X"
    synthetic = true
    """
    return "\n".join(_toml_tables(doc, ()))


def _toml_tables(table: dict[str, Any], prefix: tuple[str, ...]) -> Iterator[str]:
    scalars = [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    if prefix and (scalars or not any(isinstance(v, dict) for v in table.values())):
        yield "\n".join([f"[{'.'.join(prefix)}]", *scalars]) + "\n"
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _toml_tables(value, (*prefix, key))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    msg = f"demo manifest: cannot write a {type(value).__name__} value as TOML."
    raise TypeError(msg)
