"""The layer manifest: a TOML file that names a study and its layers.

:func:`read_manifest` turns the TOML into typed, checked records
(:class:`Manifest`, :class:`StudySpec`, :class:`LayerSpec`). It checks the
structure only (keys, kinds, paths, field names); reading and validating the
layers' contents is the job of :mod:`coventry_geo.layers`. The format is
documented in ``docs/manifest.md``.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from coventry_geo.errors import ManifestError
from coventry_geo.layers.official.presets import PRESETS, Preset
from coventry_geo.layers.schemas import LAYER_SCHEMAS, REPORTING_KINDS
from coventry_geo.manifest.keys import manifest_problems
from coventry_geo.manifest.settings import problems_message, settings_problems
from coventry_geo.progress.targets import Target, read_targets
from coventry_geo.publisher import SiteSpec, data_date, site_spec

__all__ = ["Manifest", "StudySpec", "LayerSpec", "JoinSpec", "read_manifest", "DATA_DIR_ENV"]

#: Environment variable prefix that overrides a ``[study.data_dirs]`` entry:
#: ``COVENTRY_GEO_DIR_SHARED`` overrides ``data_dirs.shared``.
DATA_DIR_ENV = "COVENTRY_GEO_DIR_"

logger = logging.getLogger(__name__)

_URL = re.compile(r"^(https?|s3|gs)://", re.IGNORECASE)
_DATA_DIR_REF = re.compile(r"^\$\{(\w+)\}(?:/(.*))?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Kind of the presets that describe a small-area-to-ward lookup table.
LOOKUP_KIND = "ward_lookup"
#: Fields of a ward lookup: the small area's code and its ward's code.
LOOKUP_FIELDS = ("area_id", "ward_id")


@dataclass(frozen=True)
class StudySpec:
    """The ``[study]`` table of a manifest.

    Attributes
    ----------
    name : str
        Study (city) name shown on every output.
    code : str
        Short slug, used for the default output folder.
    crs : pyproj.CRS
        Analysis CRS: projected, in metres (default EPSG:27700).
    ward_layer : str
        Name of the layer of kind ``wards``.
    outputs : Path
        Output folder (absolute).
    synthetic : bool
        True for generated data; every output then says so.
    attribution : str
        Attribution text for maps and tables.
    data_dirs : dict of str to Path
        The ``[study.data_dirs]`` folders (after environment overrides) that
        layer paths may refer to as ``${name}/...``.
    """

    name: str
    code: str
    crs: CRS
    ward_layer: str
    outputs: Path
    synthetic: bool = False
    allow_external_paths: bool = False
    allow_urls: bool = False
    attribution: str = ""
    description: str = ""
    data_dirs: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class JoinSpec:
    """One ``[[layers.<name>.join]]`` table: an attribute table joined by code.

    Attributes
    ----------
    name : str
        ``<layer>.join[<i>]``, for messages.
    path : str
        The CSV file (absolute).
    key : str
        Toolkit field of the layer the table is joined on (default: the kind's
        identifier, e.g. ``area_id``).
    fields : dict of str to str
        Toolkit field name to the table's column name (``on`` is ``fields[key]``).
    field_patterns : dict of str to tuple of str
        From the preset: toolkit field name to patterns of the published column.
    preset : str or None
    data_dir : str
        Name of the ``[study.data_dirs]`` folder the path was given in (``${name}/...``),
        or empty.
    """

    name: str
    path: str
    key: str
    fields: dict[str, str] = field(default_factory=dict)
    field_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    preset: str | None = None
    sha256: str | None = None
    source: str = ""
    licence: str = ""
    description: str = ""
    data_dir: str = ""


@dataclass(frozen=True)
class LayerSpec:
    """One ``[layers.<name>]`` table of a manifest.

    Attributes
    ----------
    name : str
        The layer's name in the manifest.
    kind : str
        Layer kind (a key of :data:`coventry_geo.layers.schemas.LAYER_SCHEMAS`).
    path : str
        Absolute file path, or a URL when the study allows URLs.
    fields : dict of str to str
        Toolkit field name to the file's own column name.
    required : bool
        When False and the file is absent, the layer is skipped with a
        :class:`~coventry_geo.errors.MissingLayerWarning` naming what cannot be
        computed; when True (default) an absent file is an error.
    repair : bool or None
        Whether invalid geometries are repaired with ``shapely.make_valid``
        (``None``: the kind's default, see :attr:`repairs`).
    preset : str or None
        Name of the official-dataset preset the layer follows
        (:data:`coventry_geo.layers.official.presets.PRESETS`).
    field_patterns : dict of str to tuple of str
        From the preset, for fields not given explicitly: patterns of the
        published column names, resolved against the file when it is read.
    layer_patterns : tuple of str
        From the preset when ``layer`` is not given: patterns of the layer name.
    joins : tuple of JoinSpec
        Attribute tables joined to the layer by code before it is checked.
    ward_lookup : JoinSpec or None
        ``[layers.<name>.ward_lookup]`` of a ``small_areas`` layer: an official
        best-fit lookup table (``area_id`` to ``ward_id``) used instead of the
        area rule to give each small area its ward.
    date : str
        Date of the layer's data (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; empty if not
        given), shown on the published map.
    data_dir : str
        Name of the ``[study.data_dirs]`` folder the path was given in (``${name}/...``),
        or empty: a missing file there is reported with the variable that moves the folder.
    """

    name: str
    kind: str
    path: str
    layer: str | None = None
    band: int = 1
    variable: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    values: str | None = None
    units: str | None = None
    nodata: float | str | None = None
    crs: str | None = None
    sha256: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    licence: str = ""
    description: str = ""
    required: bool = True
    repair: bool | None = None
    preset: str | None = None
    field_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    layer_patterns: tuple[str, ...] = ()
    joins: tuple[JoinSpec, ...] = ()
    ward_lookup: JoinSpec | None = None
    date: str = ""
    data_dir: str = ""

    @property
    def is_url(self) -> bool:
        """Whether the layer is read from a URL."""
        return bool(_URL.match(self.path))

    @property
    def table_files(self) -> dict[str, str]:
        """Label to path of the tables read with the layer (``<name>.join[<i>]``, lookup)."""
        files = {f"{self.name}.join[{i}]": join.path for i, join in enumerate(self.joins)}
        if self.ward_lookup is not None:
            files[self.ward_lookup.name] = self.ward_lookup.path
        return files

    def column(self, toolkit_field: str) -> str:
        """Return the file's column name for a toolkit field name."""
        return self.fields.get(toolkit_field, toolkit_field)

    @property
    def repairs(self) -> bool:
        """Whether invalid geometries are repaired with ``make_valid``.

        ``repair`` when given; else False for reporting zones (wards, small
        areas: results are published per zone) and True for other kinds.
        """
        return self.repair if self.repair is not None else self.kind not in REPORTING_KINDS


@dataclass(frozen=True)
class Manifest:
    """A parsed, structurally checked manifest.

    Attributes
    ----------
    path : Path
        The manifest file.
    study : StudySpec
    layers : dict of str to LayerSpec
        In the order of the file.
    settings : dict
        The ``[settings]`` table (indicator parameters).
    maps : dict
        The ``[maps]`` table (map options).
    fetch : dict
        The ``[fetch]`` table: downloads ``coventry-geo fetch`` can make
        (checked by :mod:`coventry_geo.layers.official.fetch`).
    site : SiteSpec
        The ``[site]`` table: publisher, contact, accessibility statement and logo
        of the green-and-blue map.
    targets : dict of str to Target
        The ``[targets]`` table: indicator to its baseline, target and their years.
    setting_files : dict of str to Path
        Files named in ``[settings]`` (greenspace standards given as TOML files):
        the value as written to the file, resolved against the manifest's folder
        and confined like layer paths.
    """

    path: Path
    study: StudySpec
    layers: dict[str, LayerSpec]
    settings: dict[str, Any] = field(default_factory=dict)
    maps: dict[str, Any] = field(default_factory=dict)
    fetch: dict[str, Any] = field(default_factory=dict)
    site: SiteSpec = field(default_factory=SiteSpec)
    targets: dict[str, Target] = field(default_factory=dict)
    setting_files: dict[str, Path] = field(default_factory=dict)

    def names_of(self, kind: str) -> list[str]:
        """Return the names of the layers of one kind, in manifest order."""
        return [name for name, spec in self.layers.items() if spec.kind == kind]

    def section(self, name: str) -> dict[str, Any]:
        """Return a sub-table of ``[settings]`` (empty when absent)."""
        value = self.settings.get(name, {})
        return value if isinstance(value, dict) else {}

    def input_paths(self) -> dict[str, Path]:
        """Return the manifest and every local layer file and joined table, by description.

        Returns
        -------
        dict of str to Path
            ``"the manifest"``, ``"layer 'wards'"``, ``"table wards.join[1]"`` ...
            to the absolute path (URLs left out).
        """
        found = {"the manifest": self.path}
        for name, spec in self.layers.items():
            if not spec.is_url:
                found[f"layer '{name}'"] = Path(spec.path)
            found |= {f"table {label}": Path(p) for label, p in spec.table_files.items()}
        found |= {f"settings file {raw}": p for raw, p in self.setting_files.items()}
        return found


def read_manifest(path: str | Path) -> Manifest:
    """Read and check a manifest file.

    Parameters
    ----------
    path : str or Path
        The TOML manifest.

    Returns
    -------
    Manifest

    Raises
    ------
    ManifestError
        If the file is missing, is not valid TOML, or names unknown keys or
        kinds, a path outside the manifest's folder tree or a URL that the
        study does not allow, or an analysis CRS that is not projected.

    Examples
    --------
    >>> from coventry_geo.manifest import read_manifest
    >>> read_manifest("no/such/file.toml")
    Traceback (most recent call last):
    ...
    coventry_geo.errors.ManifestError: manifest no/such/file.toml: file not found. ...
    """
    path = Path(path)
    data = _read_toml(path)
    problems = manifest_problems(data)
    if isinstance(data.get("settings"), dict):
        problems += settings_problems(data["settings"])
    if problems:
        raise ManifestError(problems_message(str(path), problems), path=path)
    study_table = _table(path, data, "study", required=True)
    layers_table = _table(path, data, "layers", required=True)
    if not layers_table:
        msg = f"manifest {path}: [layers] is empty. Fix: add at least a [layers.wards] table."
        raise ManifestError(msg, path=path)
    base = path.resolve().parent
    raw_study = dict(study_table)
    layers = {
        name: _layer_spec(path, base, name, table, raw_study)
        for name, table in layers_table.items()
    }
    study = _study_spec(path, base, raw_study, layers)
    settings = _table(path, data, "settings", required=False)
    return Manifest(
        path=path.resolve(),
        study=study,
        layers=layers,
        settings=settings,
        setting_files=_setting_files(path, base, settings, raw_study),
        maps=_table(path, data, "maps", required=False),
        fetch=_table(path, data, "fetch", required=False),
        site=site_spec(
            _table(path, data, "site", required=False),
            manifest=path,
            base=base,
            allow_external_paths=study.allow_external_paths,
        ),
        targets=read_targets(_table(path, data, "targets", required=False), manifest=str(path)),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    if path.is_dir():
        msg = f"manifest {path}: is a folder, not a file. Fix: give the path of the .toml file."
        raise ManifestError(msg, path=path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        msg = (
            f"manifest {path}: file not found. Fix: give the path of a TOML manifest "
            "(run `coventry-geo demo` to generate layers/demo.toml)."
        )
        raise ManifestError(msg, path=path) from None
    except OSError as exc:
        msg = (
            f"manifest {path}: cannot be read ({exc.strerror or exc}; a symbolic link loop or "
            "a file this user may not read). Fix: give a readable manifest file."
        )
        raise ManifestError(msg, path=path) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        if path.suffix.lower() != ".toml":
            raise ManifestError(_not_a_manifest(path), path=path) from exc
        msg = f"manifest {path}: not valid TOML ({exc}). Fix: correct the syntax at that line."
        raise ManifestError(msg, path=path) from exc


def _not_a_manifest(path: Path) -> str:
    """Say that a data file (a GeoPackage, a GeoTIFF ...) was given where a manifest is expected."""
    return (
        f"manifest {path}: this is not a layer manifest (a TOML file naming the study's layers), "
        f"but a {path.suffix or 'suffix-less'} file that is not TOML. Fix: write a manifest "
        "that names this file as a layer, e.g. mycity.toml holding\n"
        '  [study]\n  name = "My city"\n'
        f'  [layers.wards]\n  kind = "wards"\n  path = "{path.name}"\n'
        '  fields = { ward_id = "<code column>", ward_name = "<name column>" }\n'
        "and open that (docs/manifest.md; `coventry-geo demo` writes a complete example, "
        "layers/demo.toml)."
    )


def _table(path: Path, data: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            msg = f"manifest {path}: no [{key}] table. Fix: add a [{key}] table (docs/manifest.md)."
            raise ManifestError(msg, path=path)
        return {}
    if not isinstance(value, dict):
        msg = (
            f"manifest {path}: '{key}' must be a table, got {type(value).__name__}. "
            f"Fix: write it as a [{key}] table (docs/manifest.md)."
        )
        raise ManifestError(msg, path=path)
    return value


def _closest(word: str, choices: set[str] | list[str]) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return match[0] if match else None


def _not_one_of(
    path: Path, where: str, key: str, value: Any, choices: list[str], what: str
) -> ManifestError:
    """Return the error for a key whose value is none of its choices, with the closest one.

    Parameters
    ----------
    path : Path
        The manifest, for the message.
    where : str
        The table holding the key (``"[layers.heat]"``).
    key : str
        The key (``"kind"``, ``"preset"``).
    value : any
        Its value, as written.
    choices : list of str
        The values it may take.
    what : str
        What a choice is, with its article (``"a layer kind"``).

    Returns
    -------
    ManifestError
        Naming the value, the closest choice (if any is close) and every choice.
    """
    hint = _closest(str(value), choices)
    msg = (
        f"manifest {path}: {where} has {key} {value!r}, which is not {what}"
        + (f" (did you mean '{hint}'?)" if hint else "")
        + f". Fix: set {key} to one of {', '.join(choices)}"
        + (f" (probably '{hint}')." if hint else ".")
    )
    return ManifestError(msg, path=path)


def _layer_spec(path: Path, base: Path, name: str, table: Any, study: dict[str, Any]) -> LayerSpec:
    where = f"[layers.{name}]"
    preset = _preset(path, where, table, as_table=False)
    kind = table.get("kind", preset.kind if preset else None)
    if kind not in LAYER_SCHEMAS:
        raise _not_one_of(path, where, "kind", kind, list(LAYER_SCHEMAS), "a layer kind")
    if preset is not None and preset.kind != kind:
        msg = (
            f"manifest {path}: {where} has kind '{kind}' but preset '{preset.name}' describes "
            f"a '{preset.kind}' layer. Fix: remove 'kind' or choose the right preset."
        )
        raise ManifestError(msg, path=path)
    if "path" not in table:
        msg = f"manifest {path}: {where} has no 'path'. Fix: add path = \"<file>\"."
        raise ManifestError(msg, path=path)
    fields = table.get("fields", {})
    _check_fields(path, where, kind, fields)
    defaults = _preset_defaults(preset)
    return LayerSpec(
        name=name,
        kind=kind,
        path=_resolve_path(path, base, where, table["path"], study),
        data_dir=_data_dir_name(table["path"]),
        layer=table.get("layer"),
        band=table.get("band", 1),
        variable=table.get("variable", defaults["variable"]),
        fields=dict(fields),
        values=table.get("values", defaults["values"]),
        units=table.get("units", defaults["units"]),
        nodata=table.get("nodata", defaults["nodata"]),
        crs=_text_or_none(table.get("crs", defaults["crs"])),
        sha256=table.get("sha256"),
        options={**defaults["options"], **table.get("options", {})},
        source=str(table.get("source", defaults["source"])),
        licence=str(table.get("licence", defaults["licence"])),
        description=str(table.get("description", "")),
        required=table.get("required", True),
        repair=table.get("repair"),
        preset=preset.name if preset else None,
        field_patterns=_patterns(preset, fields),
        layer_patterns=preset.layer if preset and "layer" not in table else (),
        joins=_joins(path, base, name, kind, table.get("join", []), study),
        ward_lookup=_ward_lookup(path, base, name, kind, table.get("ward_lookup"), study),
        date=data_date(table.get("date"), manifest=path, where=where),
    )


def _preset(path: Path, where: str, table: dict[str, Any], *, as_table: bool) -> Preset | None:
    name = table.get("preset")
    if name is None:
        return None
    if name not in PRESETS:
        raise _not_one_of(path, where, "preset", name, list(PRESETS), "a preset")
    preset = PRESETS[name]
    if preset.table != as_table:
        use = "a [[layers.<name>.join]] table" if preset.table else "a layer"
        if preset.kind == LOOKUP_KIND:
            use = "[layers.<small areas>.ward_lookup]"
        msg = (
            f"manifest {path}: {where} uses preset '{name}', which describes "
            f"{'an attribute table' if preset.table else 'a map layer'}. "
            f"Fix: use it in {use}."
        )
        raise ManifestError(msg, path=path)
    return preset


def _preset_defaults(preset: Preset | None) -> dict[str, Any]:
    if preset is None:
        return dict.fromkeys(("variable", "values", "units", "nodata", "crs"), None) | {
            "options": {},
            "source": "",
            "licence": "",
        }
    return {
        "variable": preset.variable,
        "values": preset.values,
        "units": preset.units,
        "nodata": preset.nodata,
        "crs": preset.crs,
        "options": dict(preset.options),
        "source": preset.source_url,
        "licence": f"{preset.licence}. {preset.attribution}".strip(". "),
    }


def _patterns(preset: Preset | None, fields: dict[str, str]) -> dict[str, tuple[str, ...]]:
    if preset is None:
        return {}
    return {k: v for k, v in preset.fields.items() if k not in fields}


def _joins(
    path: Path, base: Path, layer: str, kind: str, raw: list[dict[str, Any]], study: dict[str, Any]
) -> tuple[JoinSpec, ...]:
    return tuple(_join_spec(path, base, layer, kind, i, t, study) for i, t in enumerate(raw))


def _join_spec(
    path: Path,
    base: Path,
    layer: str,
    kind: str,
    index: int,
    table: dict[str, Any],
    study: dict[str, Any],
) -> JoinSpec:
    where = f"[[layers.{layer}.join]] number {index + 1}"
    preset = _preset(path, where, table, as_table=True)
    if preset is not None and preset.kind != kind:
        msg = (
            f"manifest {path}: {where} uses preset '{preset.name}' (a '{preset.kind}' table) "
            f"on a '{kind}' layer. Fix: choose a preset for '{kind}'."
        )
        raise ManifestError(msg, path=path)
    if "path" not in table:
        msg = f"manifest {path}: {where} has no 'path'. Fix: add path = \"<table>.csv\"."
        raise ManifestError(msg, path=path)
    schema = LAYER_SCHEMAS[kind]
    key = str(table.get("key", schema.field_names[0]))
    if key not in schema.field_names:
        msg = (
            f"manifest {path}: {where} has key {key!r}, not a field of kind '{kind}'. "
            f"Fix: set key to one of {', '.join(schema.field_names)}."
        )
        raise ManifestError(msg, path=path)
    fields = dict(table.get("fields", {}))
    if "on" in table:
        fields[key] = table["on"]
    _check_fields(path, where, kind, fields)
    if key not in fields and not (preset and key in preset.fields):
        msg = (
            f"manifest {path}: {where} does not say which column holds the {key}. "
            f'Fix: add on = "<column>" (e.g. on = "LSOA code (2021)") or a preset.'
        )
        raise ManifestError(msg, path=path)
    return JoinSpec(
        name=f"{layer}.join[{index + 1}]",
        path=_resolve_path(path, base, where, table["path"], study),
        data_dir=_data_dir_name(table["path"]),
        key=key,
        fields=fields,
        field_patterns=_patterns(preset, fields),
        preset=preset.name if preset else None,
        sha256=table.get("sha256"),
        source=str(table.get("source", preset.source_url if preset else "")),
        licence=str(table.get("licence", _preset_defaults(preset)["licence"])),
        description=str(table.get("description", "")),
    )


def _ward_lookup(
    path: Path, base: Path, layer: str, kind: str, table: Any, study: dict[str, Any]
) -> JoinSpec | None:
    """Parse ``[layers.<layer>.ward_lookup]``: a small-area-to-ward lookup table (CSV)."""
    if table is None:
        return None
    where = f"[layers.{layer}.ward_lookup]"
    if kind != "small_areas" or not isinstance(table, dict):
        msg = (
            f"manifest {path}: {where} must be a table on a 'small_areas' layer (this layer is "
            f"'{kind}'). Fix: write it as [layers.<small areas>.ward_lookup] with a path."
        )
        raise ManifestError(msg, path=path)
    preset = _preset(path, where, table, as_table=True)
    if preset is not None and preset.kind != LOOKUP_KIND:
        lookups = [p.name for p in PRESETS.values() if p.kind == LOOKUP_KIND]
        msg = (
            f"manifest {path}: {where} uses preset '{preset.name}', which is not a ward "
            f"lookup. Fix: use {' or '.join(lookups)}, or name the columns in fields."
        )
        raise ManifestError(msg, path=path)
    fields = table.get("fields", {})
    _check_fields(path, where, LOOKUP_KIND, fields)
    patterns = _patterns(preset, fields)
    absent = [f for f in LOOKUP_FIELDS if f not in fields and f not in patterns]
    if "path" not in table or absent:
        msg = (
            f"manifest {path}: {where} needs a path and the columns of {', '.join(LOOKUP_FIELDS)}"
            f'. Fix: path = "<lookup>.csv" with preset = "ons_lsoa_ward_lookup", or fields = '
            '{ area_id = "LSOA21CD", ward_id = "WD24CD" }.'
        )
        raise ManifestError(msg, path=path)
    return JoinSpec(
        name=f"{layer}.ward_lookup",
        path=_resolve_path(path, base, where, table["path"], study),
        data_dir=_data_dir_name(table["path"]),
        key="area_id",
        fields=dict(fields),
        field_patterns=patterns,
        preset=preset.name if preset else None,
        sha256=table.get("sha256"),
        source=table.get("source", preset.source_url if preset else ""),
        licence=table.get("licence", _preset_defaults(preset)["licence"]),
        description=table.get("description", ""),
    )


def _check_fields(path: Path, where: str, kind: str, fields: dict[str, str]) -> None:
    known = LOOKUP_FIELDS if kind == LOOKUP_KIND else LAYER_SCHEMAS[kind].field_names
    unknown = [k for k in fields if k not in known]
    if unknown:
        hints = {k: _closest(k, known) for k in unknown}
        detail = ", ".join(
            f"'{k}'" + (f" (did you mean '{h}'?)" if h else "") for k, h in hints.items()
        )
        msg = (
            f"manifest {path}: {where}.fields names {detail}, not a field of kind '{kind}'. "
            f"Fix: name fields of '{kind}' only: {', '.join(known) or 'none'}."
        )
        raise ManifestError(msg, path=path)


def _resolve_path(
    path: Path, base: Path, where: str, raw: str, study: dict[str, Any], *, url: bool = True
) -> str:
    if url and _URL.match(raw):
        if not study.get("allow_urls", False):
            msg = (
                f"manifest {path}: {where} path {raw!r} is a URL, which this manifest does not "
                "allow. Fix: download the file next to the manifest, or set "
                "allow_urls = true in [study]."
            )
            raise ManifestError(msg, path=path)
        return raw
    ref = _DATA_DIR_REF.match(raw)
    if ref:
        folder = _data_dir(path, base, where, ref.group(1), study)
        resolved = _resolved(folder / (ref.group(2) or ""))
        if not resolved.is_relative_to(folder):
            msg = (
                f"manifest {path}: {where} path {raw!r} leaves the declared folder "
                f"${{{ref.group(1)}}} ({folder}). Fix: write a path inside it."
            )
            raise ManifestError(msg, path=path)
        return str(resolved)
    resolved = _resolved(base / raw)
    if not study.get("allow_external_paths", False) and not resolved.is_relative_to(base):
        msg = (
            f"manifest {path}: {where} path {raw!r} leaves the manifest's folder ({base}). "
            "Fix: keep it under that folder, or declare its folder in [study.data_dirs] "
            "and write the path as ${name}/..., or set allow_external_paths = true in [study]."
        )
        raise ManifestError(msg, path=path)
    return str(resolved)


def _setting_files(
    path: Path, base: Path, settings: dict[str, Any], study: dict[str, Any]
) -> dict[str, Path]:
    """Greenspace standards given as files: each value to its path (resolved like a layer's)."""
    from coventry_geo.standards import SHIPPED_STANDARDS

    greenspace = settings.get("greenspace", {})
    entries = greenspace.get("standards") or [] if isinstance(greenspace, dict) else []
    where = "[settings.greenspace] standards:"
    return {
        raw: Path(_resolve_path(path, base, where, raw, study, url=False))
        for raw in entries
        if raw not in SHIPPED_STANDARDS
    }


def _data_dir_name(raw: object) -> str:
    """Return ``name`` when a path is written ``${name}/...``, else an empty string."""
    ref = _DATA_DIR_REF.match(str(raw))
    return ref.group(1) if ref else ""


def _resolved(target: Path) -> Path:
    """Return ``target`` made absolute with links resolved.

    A symbolic link loop is left unresolved: the layer's file check then
    reports it, naming the layer.
    """
    try:
        return target.expanduser().resolve()
    except (RuntimeError, OSError):  # Python < 3.13 raises RuntimeError for loops
        return Path(os.path.abspath(target.expanduser()))


def _data_dir(path: Path, base: Path, where: str, name: str, study: dict[str, Any]) -> Path:
    """Resolve ``${name}``: the environment override, else ``[study.data_dirs]``."""
    dirs = study.get("data_dirs", {})
    env = os.environ.get(f"{DATA_DIR_ENV}{name.upper()}")
    if env:
        return _resolved(Path(env))
    if name not in dirs:
        msg = (
            f"manifest {path}: {where} refers to ${{{name}}}, which [study.data_dirs] does not "
            f"declare (it declares: {', '.join(dirs) or 'none'}). Fix: add {name} = "
            f'"<folder>" to [study.data_dirs], or set {DATA_DIR_ENV}{name.upper()}.'
        )
        raise ManifestError(msg, path=path)
    return _resolved(base / dirs[name])


def _study_spec(
    path: Path, base: Path, table: dict[str, Any], layers: dict[str, LayerSpec]
) -> StudySpec:
    name = table.get("name")
    if name is None:
        msg = f'manifest {path}: [study] has no name. Fix: add name = "<city>".'
        raise ManifestError(msg, path=path)
    code = _study_code(path, table)
    return StudySpec(
        name=name,
        code=code,
        crs=_analysis_crs(path, table.get("crs", "EPSG:27700")),
        ward_layer=_ward_layer(path, table.get("ward_layer"), layers),
        outputs=_outputs(path, base, table, code),
        synthetic=table.get("synthetic", False),
        allow_external_paths=table.get("allow_external_paths", False),
        allow_urls=table.get("allow_urls", False),
        attribution=table.get("attribution", ""),
        description=table.get("description", ""),
        data_dirs={
            n: _data_dir(path, base, "[study]", n, table) for n in table.get("data_dirs", {})
        },
    )


def _study_code(path: Path, table: dict[str, Any]) -> str:
    """Return the study's code: given, or a slug of its name (``[a-z0-9_-]``, 1-64 long)."""
    given = table.get("code")
    code = given if given is not None else re.sub(r"[^a-z0-9]+", "-", table["name"].lower())
    code = code if given is not None else code.strip("-")[:64].strip("-")
    if not _SLUG.match(code):
        what = (
            f"code = {given!r}" if given is not None else f"the code made from the name ({code!r})"
        )
        msg = (
            f"manifest {path}: [study] {what} is not a short slug: it must be 1-64 characters "
            "of a-z, 0-9, '_' and '-', starting with a letter or digit (it names the output "
            'and cache folders). Fix: set e.g. code = "coventry" in [study].'
        )
        raise ManifestError(msg, path=path)
    return code


def _outputs(path: Path, base: Path, table: dict[str, Any], code: str) -> Path:
    """Return the output folder: ``[study] outputs`` (confined like paths), else outputs/<code>."""
    if "outputs" not in table:
        return (Path("outputs") / code).resolve()
    resolved = Path(
        _resolve_path(path, base, "[study] outputs", table["outputs"], table, url=False)
    )
    return resolved


def _analysis_crs(path: Path, value: Any) -> CRS:
    try:
        crs = CRS.from_user_input(value)
    except CRSError as exc:
        msg = (
            f"manifest {path}: [study] crs {value!r} is not a CRS ({exc}). "
            'Fix: e.g. crs = "EPSG:27700".'
        )
        raise ManifestError(msg, path=path) from exc
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in ("metre", "meter"):
        msg = (
            f"manifest {path}: [study] crs {value!r} is not a projected CRS in metres "
            f"(got {crs.name}, unit {unit or 'none'}). Areas and distances need one. "
            'Fix: use a local projected CRS such as crs = "EPSG:27700" (British National Grid).'
        )
        raise ManifestError(msg, path=path)
    return crs


def _ward_layer(path: Path, value: Any, layers: dict[str, LayerSpec]) -> str:
    wards = [n for n, s in layers.items() if s.kind == "wards"]
    if value is None:
        if len(wards) != 1:
            msg = (
                f"manifest {path}: found {len(wards)} layers of kind 'wards' ({', '.join(wards)}). "
                'Fix: have exactly one, or name it in [study] ward_layer = "<name>".'
            )
            raise ManifestError(msg, path=path)
        return wards[0]
    if value not in layers or layers[value].kind != "wards":
        msg = (
            f"manifest {path}: [study] ward_layer = {value!r} is not a layer of kind 'wards'. "
            f"Fix: name one of the layers of kind 'wards': {', '.join(wards) or 'none'}."
        )
        raise ManifestError(msg, path=path)
    return str(value)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
