"""Attribute tables joined to a layer by code (``[[layers.<name>.join]]``).

Official statistics come as tables keyed by an area code: the MHCLG Indices of
Deprivation and the Census are CSVs with one row per LSOA, published apart
from the boundaries. :func:`join_tables` reads each table a layer names,
renames its columns to the toolkit's field names (explicit ``fields`` first,
then the preset's patterns) and joins them onto the layer's features by code.

Every feature of the layer must find exactly one row: a code missing from the
table (often a boundary of another vintage, LSOA 2011 against LSOA 2021) or a
code repeated in it is an error that counts the offending codes and shows
examples. Rows of the table with no feature are expected (national tables) and
ignored.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from coventry_geo._files import file_sha256
from coventry_geo.errors import LayerNotFoundError, LayerReadError, LayerSchemaError
from coventry_geo.layers.official.presets import match_column
from coventry_geo.layers.schemas import LAYER_SCHEMAS

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

    from coventry_geo.manifest import JoinSpec, LayerSpec

__all__ = ["join_tables", "read_join_table", "read_mapped_table", "resolve_fields"]

logger = logging.getLogger(__name__)

_EXAMPLES = 5


def resolve_fields(
    fields: dict[str, str],
    patterns: dict[str, tuple[str, ...]],
    columns: list[str],
    *,
    layer: str,
    path: str,
) -> dict[str, str]:
    """Return the field mapping with the preset's patterns resolved against the columns.

    Parameters
    ----------
    fields : dict of str to str
        Explicit mapping (toolkit field to column); kept as is.
    patterns : dict of str to tuple of str
        Preset patterns for the other fields. A field whose patterns match no
        column is left out (the schema check reports it when it is required).
    columns : list of str
        The file's columns.
    layer, path : str
        For messages.

    Raises
    ------
    LayerSchemaError
        If a pattern matches several columns.
    """
    resolved = dict(fields)
    for name, options in patterns.items():
        found = match_column(options, columns)
        if len(found) > 1:
            raise LayerSchemaError(
                layer,
                path,
                f"field '{name}' matches several columns ({', '.join(found)}) by the preset's "
                f"pattern {options[0]!r}.",
                f'name the column in fields, e.g. {name} = "{found[0]}".',
            )
        if found:
            resolved[name] = found[0]
    return resolved


def read_join_table(join: JoinSpec, *, kind: str) -> pd.DataFrame:
    """Read one joined table: the kind's fields it has, under the toolkit's names.

    Parameters
    ----------
    join : JoinSpec
    kind : str
        Kind of the layer it is joined to.

    Returns
    -------
    pandas.DataFrame
        Text columns (converted with the layer's fields later), the key
        stripped of spaces and unique.

    Raises
    ------
    LayerNotFoundError, LayerReadError, LayerSchemaError
    """
    out = read_mapped_table(join, LAYER_SCHEMAS[kind].field_names)
    _check_unique(join, out[join.key])
    return out


def read_mapped_table(
    join: JoinSpec, names: Sequence[str], *, required: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a CSV table's columns for the toolkit fields ``names`` it maps.

    Parameters
    ----------
    join : JoinSpec
        The table: path, key, explicit fields and preset patterns.
    names : sequence of str
        Toolkit fields wanted, in order.
    required : sequence of str, keyword-only
        Fields that must be found, besides the key.

    Returns
    -------
    pandas.DataFrame
        Text columns named by their toolkit field, the key stripped of spaces.

    Raises
    ------
    LayerNotFoundError, LayerReadError, LayerSchemaError
        The file is absent or unreadable, or a named or required column is missing.
    """
    table = _read_csv(join)
    columns = [str(c) for c in table.columns]
    mapping = resolve_fields(
        join.fields, join.field_patterns, columns, layer=join.name, path=join.path
    )
    missing = {name: col for name, col in mapping.items() if col not in columns}
    unmatched = [f for f in (join.key, *required) if f not in mapping]
    if unmatched or missing:
        absent = missing or dict.fromkeys(unmatched, "(no column matches the preset)")
        detail = "; ".join(_missing_text(name, col, columns) for name, col in absent.items())
        raise LayerSchemaError(
            join.name,
            join.path,
            f"{detail}; the table has: {', '.join(columns)}.",
            f"name the table's columns in the join's fields (or on = \"<code column>\" for "
            f"the key '{join.key}').",
        )
    out = table[[mapping[f] for f in names if f in mapping]]
    out = out.set_axis([f for f in names if f in mapping], axis=1)
    out[join.key] = out[join.key].str.strip()
    return out


def join_tables(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, LayerSpec]:
    """Join the layer's attribute tables onto its features by code.

    Parameters
    ----------
    spec : LayerSpec
        The layer, with its fields already resolved against the file.
    gdf : geopandas.GeoDataFrame
        The layer's features with the file's own columns.

    Returns
    -------
    geopandas.GeoDataFrame
        With one column per joined field, named by its toolkit name. A field
        the layer already has (from the file or an earlier table) is kept from
        there; the table's copy is ignored.
    LayerSpec
        The spec with the joined fields mapped to those columns.

    Raises
    ------
    LayerSchemaError
        If the layer lacks the key, or some features find no row (the message
        counts them and shows examples).
    """
    fields = dict(spec.fields)
    for join in spec.joins:
        key_column = fields.get(join.key, join.key)
        if key_column not in gdf.columns:
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f"table {join.path} is joined on field '{join.key}' (file column "
                f"'{key_column}'), which the layer does not have.",
                f"map '{join.key}' in [layers.{spec.name}.fields] or use a preset.",
            )
        table = read_join_table(join, kind=spec.kind).set_index(join.key)
        codes = gdf[key_column].astype("string").str.strip()
        _check_matched(spec, join, codes, table.index)
        gdf = gdf.copy()
        for name in table.columns:
            if name in fields or name in gdf.columns:
                logger.debug("layer '%s': '%s' kept, not taken from %s", spec.name, name, join.name)
                continue
            gdf[name] = codes.map(table[name]).to_numpy()
            fields[name] = name
        logger.info("layer '%s': joined %s on %s", spec.name, Path(join.path).name, join.key)
    return gdf, replace(spec, fields=fields)


def _read_csv(join: JoinSpec) -> pd.DataFrame:
    path = Path(join.path)
    if not path.is_file():
        raise LayerNotFoundError(
            join.name,
            join.path,
            "the table does not exist.",
            "correct the join's 'path' in the manifest, or put the file there "
            "(layers/README.md says where to download it).",
        )
    if join.sha256 and file_sha256(path).lower() != join.sha256.lower():
        raise LayerReadError(
            join.name,
            join.path,
            f"SHA-256 mismatch: expected {join.sha256} but got {file_sha256(path)}.",
            "download the table again, or update the join's 'sha256' if the new version is "
            "intended.",
        )
    try:
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise LayerReadError(
            join.name,
            join.path,
            f"the table cannot be read as CSV ({exc}).",
            "check that it is the CSV as published (not an .xlsx renamed or an HTML page).",
        ) from exc


def _missing_text(name: str, column: str, columns: list[str]) -> str:
    near = difflib.get_close_matches(column, columns, n=1, cutoff=0.4)
    hint = f" (closest: '{near[0]}')" if near else ""
    return f"field '{name}' column '{column}' not found{hint}"


def _check_unique(join: JoinSpec, keys: pd.Series) -> None:
    repeated = keys[keys.duplicated(keep=False)]
    if len(repeated):
        examples = ", ".join(repeated.drop_duplicates().head(_EXAMPLES))
        raise LayerSchemaError(
            join.name,
            join.path,
            f"{repeated.nunique()} code(s) of '{join.key}' appear on more than one row "
            f"({len(repeated)} rows), e.g. {examples}.",
            "join a table with one row per area (filter the table, or aggregate it first).",
        )


def _check_matched(spec: LayerSpec, join: JoinSpec, codes: pd.Series, index: pd.Index) -> None:
    unmatched = codes[~codes.isin(index)]
    if unmatched.empty:
        return
    examples = ", ".join(str(c) for c in unmatched.head(_EXAMPLES))
    sample = ", ".join(str(c) for c in index[:3])
    raise LayerSchemaError(
        spec.name,
        spec.path,
        f"{len(unmatched)} of {len(codes)} features find no row in {join.path} by "
        f"'{join.key}' (e.g. {examples}; the table's codes look like {sample}).",
        "use a table of the same vintage as the boundaries (LSOA 2011 codes with 2011 "
        "boundaries, 2021 with 2021), or convert the codes with the ONS lookup first.",
    )
