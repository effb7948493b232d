"""The maps a run writes: the combined ward map and one static PNG per indicator.

Options come from the manifest's ``[maps]`` table (:func:`map_options`):
``scheme`` (quantiles | natural_breaks | fixed), ``k``, ``[maps.bins]`` (column
name to upper class bounds), ``tiles_url`` and ``tiles_attribution`` (a basemap;
default none) and ``simplify_m``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from coventry_geo.columns import ColumnInfo, registered_columns
from coventry_geo.errors import ManifestError
from coventry_geo.indicators import load_families
from coventry_geo.maps._page import TileSource
from coventry_geo.maps.choropleth import SIMPLIFY_M, save_map, ward_map
from coventry_geo.maps.static import static_choropleth

__all__ = ["MapOptions", "map_options", "mapped_columns", "write_ward_maps"]

_KEYS = {"scheme", "k", "bins", "tiles_url", "tiles_attribution", "simplify_m", "static"}


@dataclass(frozen=True)
class MapOptions:
    """Classification and display options of the ward maps."""

    scheme: str = "quantiles"
    k: int = 5
    bins: dict[str, list[float]] = field(default_factory=dict)
    tiles: TileSource | None = None
    simplify_m: float = SIMPLIFY_M
    static: bool = True


def map_options(table: Mapping[str, Any], *, manifest: str = "manifest") -> MapOptions:
    """Read the manifest's ``[maps]`` table.

    Parameters
    ----------
    table : mapping
        The ``[maps]`` table.
    manifest : str, keyword-only
        The manifest's path, for messages.

    Returns
    -------
    MapOptions

    Raises
    ------
    ManifestError
        For an unknown key, or a tile URL without its attribution.
    """
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        hint = difflib.get_close_matches(unknown[0], list(_KEYS), n=1)
        near = f" (did you mean '{hint[0]}'?)" if hint else ""
        msg = (
            f"manifest {manifest}: unknown [maps] key '{unknown[0]}'{near}. "
            f"Known: {', '.join(sorted(_KEYS))}."
        )
        raise ManifestError(msg)
    tiles = None
    if "tiles_url" in table:
        if not table.get("tiles_attribution"):
            msg = (
                f"manifest {manifest}: [maps] tiles_url needs tiles_attribution (the basemap's "
                "licence text, shown on every map)."
            )
            raise ManifestError(msg)
        tiles = TileSource(str(table["tiles_url"]), str(table["tiles_attribution"]))
    return MapOptions(
        scheme=str(table.get("scheme", "quantiles")),
        k=int(table.get("k", 5)),
        bins={str(k): [float(b) for b in v] for k, v in dict(table.get("bins", {})).items()},
        tiles=tiles,
        simplify_m=float(table.get("simplify_m", SIMPLIFY_M)),
        static=bool(table.get("static", True)),
    )


def mapped_columns(wards: gpd.GeoDataFrame) -> list[ColumnInfo]:
    """Return the registered indicator columns present in a ward table, ids excluded."""
    load_families()
    return [
        c
        for c in registered_columns()
        if c.name in wards.columns and c.name not in ("ward_id", "ward_name")
    ]


def write_ward_maps(
    wards: gpd.GeoDataFrame,
    folder: Path,
    *,
    title: str,
    attribution: Sequence[str],
    city_values: Mapping[str, float],
    options: MapOptions,
) -> list[Path]:
    """Write the combined interactive ward map and, if asked, one PNG per indicator.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        The ward table.
    folder : Path
        Output folder (normally a staging folder).
    title : str
        Study name (says "synthetic" for the demo).
    attribution : sequence of str
        Attribution lines shown on every map.
    city_values : mapping of str to float
        City value per column, shown in tooltips.
    options : MapOptions

    Returns
    -------
    list of Path
        ``wards_map.html`` (with ``assets/``) and ``maps/<column>.png``.
    """
    columns = mapped_columns(wards)
    m = ward_map(
        wards,
        columns,
        attribution=attribution,
        title=title,
        scheme=options.scheme,
        k=options.k,
        bins=options.bins,
        city_values=city_values,
        tiles=options.tiles,
        simplify_m=options.simplify_m,
    )
    files = [save_map(m, folder / "wards_map.html")]
    files += sorted(p for p in (folder / "assets").rglob("*") if p.is_file())
    if options.static:
        (folder / "maps").mkdir(exist_ok=True)
        for column in columns:
            files.append(
                static_choropleth(
                    wards,
                    column,
                    folder / "maps" / f"{column.name}.png",
                    attribution=attribution,
                    title=f"{title}: {column.label}",
                    scheme=_scheme(options, column),
                    k=options.k,
                    bins=options.bins.get(column.name),
                )
            )
    return files


def _scheme(options: MapOptions, column: ColumnInfo) -> str:
    return "fixed" if column.name in options.bins else options.scheme
