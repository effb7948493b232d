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
from coventry_geo.layers.schemas import LAYER_SCHEMAS
from coventry_geo.official.presets import PRESETS, Preset
from coventry_geo.publisher import SiteSpec, data_date, site_spec

__all__ = ["Manifest", "StudySpec", "LayerSpec", "JoinSpec", "read_manifest", "DATA_DIR_ENV"]

#: Environment variable prefix that overrides a ``[study.data_dirs]`` entry:
#: ``COVENTRY_GEO_DIR_SHARED`` overrides ``data_dirs.shared``.
DATA_DIR_ENV = "COVENTRY_GEO_DIR_"

logger = logging.getLogger(__name__)

_URL = re.compile(r"^(https?|s3|gs)://", re.IGNORECASE)
_DATA_DIR_REF = re.compile(r"^\$\{(\w+)\}(?:/(.*))?$")
_STUDY_KEYS = {
    "name",
    "code",
    "crs",
    "ward_layer",
    "outputs",
    "synthetic",
    "allow_external_paths",
    "allow_urls",
    "attribution",
    "description",
    "data_dirs",
}
_LAYER_KEYS = {
    "kind",
    "path",
    "layer",
    "band",
    "variable",
    "fields",
    "values",
    "units",
    "nodata",
    "crs",
    "sha256",
    "options",
    "source",
    "licence",
    "description",
    "required",
    "preset",
    "join",
    "ward_lookup",
    "date",
}
_JOIN_KEYS = {"path", "preset", "on", "key", "fields", "sha256", "source", "licence", "description"}
_TOP_KEYS = {"study", "settings", "layers", "maps", "fetch", "site"}
_LOOKUP_KEYS = {"path", "preset", "fields", "sha256", "source", "licence", "description"}
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
    preset : str or None
        Name of the official-dataset preset the layer follows
        (:data:`coventry_geo.official.presets.PRESETS`).
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
    preset: str | None = None
    field_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    layer_patterns: tuple[str, ...] = ()
    joins: tuple[JoinSpec, ...] = ()
    ward_lookup: JoinSpec | None = None
    date: str = ""

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
        (checked by :mod:`coventry_geo.fetch`).
    site : SiteSpec
        The ``[site]`` table: publisher, contact, accessibility statement and logo
        of the green-and-blue map.
    """

    path: Path
    study: StudySpec
    layers: dict[str, LayerSpec]
    settings: dict[str, Any] = field(default_factory=dict)
    maps: dict[str, Any] = field(default_factory=dict)
    fetch: dict[str, Any] = field(default_factory=dict)
    site: SiteSpec = field(default_factory=SiteSpec)

    def names_of(self, kind: str) -> list[str]:
        """Return the names of the layers of one kind, in manifest order."""
        return [name for name, spec in self.layers.items() if spec.kind == kind]

    def section(self, name: str) -> dict[str, Any]:
        """Return a sub-table of ``[settings]`` (empty when absent)."""
        value = self.settings.get(name, {})
        return value if isinstance(value, dict) else {}


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
    _check_keys(path, "the top level", data, _TOP_KEYS)
    study_table = _table(path, data, "study", required=True)
    layers_table = _table(path, data, "layers", required=True)
    if not layers_table:
        msg = f"manifest {path}: [layers] is empty. Fix: add at least a [layers.wards] table."
        raise ManifestError(msg)
    base = path.resolve().parent
    raw_study = dict(study_table)
    layers = {
        name: _layer_spec(path, base, name, table, raw_study)
        for name, table in layers_table.items()
    }
    study = _study_spec(path, base, raw_study, layers)
    return Manifest(
        path=path.resolve(),
        study=study,
        layers=layers,
        settings=_table(path, data, "settings", required=False),
        maps=_table(path, data, "maps", required=False),
        fetch=_table(path, data, "fetch", required=False),
        site=site_spec(
            _table(path, data, "site", required=False),
            manifest=path,
            base=base,
            allow_external_paths=study.allow_external_paths,
        ),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        msg = (
            f"manifest {path}: file not found. Fix: give the path of a TOML manifest "
            "(run `coventry-geo demo` to generate layers/demo.toml)."
        )
        raise ManifestError(msg)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"manifest {path}: not valid TOML ({exc}). Fix: correct the syntax at that line."
        raise ManifestError(msg) from exc


def _table(path: Path, data: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            msg = f"manifest {path}: no [{key}] table. Fix: add a [{key}] table (docs/manifest.md)."
            raise ManifestError(msg)
        return {}
    if not isinstance(value, dict):
        msg = f"manifest {path}: '{key}' must be a table, got {type(value).__name__}."
        raise ManifestError(msg)
    return value


def _check_keys(path: Path, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        hints = [_closest(k, allowed) for k in unknown]
        detail = ", ".join(
            f"'{k}'" + (f" (did you mean '{h}'?)" if h else "")
            for k, h in zip(unknown, hints, strict=True)
        )
        msg = (
            f"manifest {path}: unknown key(s) in {where}: {detail}. "
            f"Allowed: {', '.join(sorted(allowed))}."
        )
        raise ManifestError(msg)


def _closest(word: str, choices: set[str] | list[str]) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return match[0] if match else None


def _layer_spec(path: Path, base: Path, name: str, table: Any, study: dict[str, Any]) -> LayerSpec:
    where = f"[layers.{name}]"
    if not isinstance(table, dict):
        msg = f"manifest {path}: {where} must be a table."
        raise ManifestError(msg)
    _check_keys(path, where, table, _LAYER_KEYS)
    preset = _preset(path, where, table, as_table=False)
    kind = table.get("kind", preset.kind if preset else None)
    if kind not in LAYER_SCHEMAS:
        hint = _closest(str(kind), list(LAYER_SCHEMAS))
        msg = (
            f"manifest {path}: {where} has kind {kind!r}, which is not a layer kind"
            + (f" (did you mean '{hint}'?)" if hint else "")
            + f". Known kinds: {', '.join(LAYER_SCHEMAS)}."
        )
        raise ManifestError(msg)
    if preset is not None and preset.kind != kind:
        msg = (
            f"manifest {path}: {where} has kind '{kind}' but preset '{preset.name}' describes "
            f"a '{preset.kind}' layer. Fix: remove 'kind' or choose the right preset."
        )
        raise ManifestError(msg)
    if not isinstance(table.get("path"), str) or not table["path"]:
        msg = f"manifest {path}: {where} has no 'path'. Fix: add path = \"<file>\"."
        raise ManifestError(msg)
    fields = table.get("fields", {})
    _check_fields(path, where, kind, fields)
    defaults = _preset_defaults(preset)
    return LayerSpec(
        name=name,
        kind=kind,
        path=_resolve_path(path, base, where, table["path"], study),
        layer=table.get("layer"),
        band=int(table.get("band", 1)),
        variable=table.get("variable", defaults["variable"]),
        fields=dict(fields),
        values=table.get("values", defaults["values"]),
        units=table.get("units", defaults["units"]),
        nodata=table.get("nodata", defaults["nodata"]),
        crs=table.get("crs", defaults["crs"]),
        sha256=table.get("sha256"),
        options={**defaults["options"], **table.get("options", {})},
        source=str(table.get("source", defaults["source"])),
        licence=str(table.get("licence", defaults["licence"])),
        description=str(table.get("description", "")),
        required=bool(table.get("required", True)),
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
        hint = _closest(str(name), list(PRESETS))
        msg = (
            f"manifest {path}: {where} has preset {name!r}, which is not a preset"
            + (f" (did you mean '{hint}'?)" if hint else "")
            + f". Presets: {', '.join(PRESETS)}."
        )
        raise ManifestError(msg)
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
        raise ManifestError(msg)
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
    path: Path, base: Path, layer: str, kind: str, raw: Any, study: dict[str, Any]
) -> tuple[JoinSpec, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        msg = (
            f"manifest {path}: [layers.{layer}].join must be a list of tables: write each as "
            f"[[layers.{layer}.join]]."
        )
        raise ManifestError(msg)
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
    _check_keys(path, where, table, _JOIN_KEYS)
    preset = _preset(path, where, table, as_table=True)
    if preset is not None and preset.kind != kind:
        msg = (
            f"manifest {path}: {where} uses preset '{preset.name}' (a '{preset.kind}' table) "
            f"on a '{kind}' layer. Fix: choose a preset for '{kind}'."
        )
        raise ManifestError(msg)
    if not isinstance(table.get("path"), str) or not table["path"]:
        msg = f"manifest {path}: {where} has no 'path'. Fix: add path = \"<table>.csv\"."
        raise ManifestError(msg)
    schema = LAYER_SCHEMAS[kind]
    key = str(table.get("key", schema.field_names[0]))
    if key not in schema.field_names:
        msg = (
            f"manifest {path}: {where} has key {key!r}, not a field of kind '{kind}'. "
            f"Fields: {', '.join(schema.field_names)}."
        )
        raise ManifestError(msg)
    fields = dict(table.get("fields", {}))
    if "on" in table:
        fields[key] = table["on"]
    _check_fields(path, where, kind, fields)
    if key not in fields and not (preset and key in preset.fields):
        msg = (
            f"manifest {path}: {where} does not say which column holds the {key}. "
            f'Fix: add on = "<column>" (e.g. on = "LSOA code (2021)") or a preset.'
        )
        raise ManifestError(msg)
    return JoinSpec(
        name=f"{layer}.join[{index + 1}]",
        path=_resolve_path(path, base, where, table["path"], study),
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
        raise ManifestError(msg)
    _check_keys(path, where, table, _LOOKUP_KEYS)
    preset = _preset(path, where, table, as_table=True)
    if preset is not None and preset.kind != LOOKUP_KIND:
        lookups = [p.name for p in PRESETS.values() if p.kind == LOOKUP_KIND]
        msg = (
            f"manifest {path}: {where} uses preset '{preset.name}', which is not a ward "
            f"lookup. Fix: use {' or '.join(lookups)}, or name the columns in fields."
        )
        raise ManifestError(msg)
    fields = table.get("fields", {})
    _check_fields(path, where, LOOKUP_KIND, fields)
    patterns = _patterns(preset, fields)
    absent = [f for f in LOOKUP_FIELDS if f not in fields and f not in patterns]
    if not isinstance(table.get("path"), str) or not table["path"] or absent:
        msg = (
            f"manifest {path}: {where} needs a path and the columns of {', '.join(LOOKUP_FIELDS)}"
            f'. Fix: path = "<lookup>.csv" with preset = "ons_lsoa_ward_lookup", or fields = '
            '{ area_id = "LSOA21CD", ward_id = "WD24CD" }.'
        )
        raise ManifestError(msg)
    return JoinSpec(
        name=f"{layer}.ward_lookup",
        path=_resolve_path(path, base, where, table["path"], study),
        key="area_id",
        fields=dict(fields),
        field_patterns=patterns,
        preset=preset.name if preset else None,
        sha256=table.get("sha256"),
        source=str(table.get("source", preset.source_url if preset else "")),
        licence=str(table.get("licence", _preset_defaults(preset)["licence"])),
        description=str(table.get("description", "")),
    )


def _check_fields(path: Path, where: str, kind: str, fields: Any) -> None:
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        msg = (
            f"manifest {path}: {where}.fields must map toolkit field names to the file's "
            'column names, e.g. fields = { ward_id = "WD22CD" }.'
        )
        raise ManifestError(msg)
    known = LOOKUP_FIELDS if kind == LOOKUP_KIND else LAYER_SCHEMAS[kind].field_names
    unknown = [k for k in fields if k not in known]
    if unknown:
        hints = {k: _closest(k, known) for k in unknown}
        detail = ", ".join(
            f"'{k}'" + (f" (did you mean '{h}'?)" if h else "") for k, h in hints.items()
        )
        msg = (
            f"manifest {path}: {where}.fields names {detail}, not a field of kind '{kind}'. "
            f"Fields of '{kind}': {', '.join(known) or 'none'}."
        )
        raise ManifestError(msg)


def _resolve_path(path: Path, base: Path, where: str, raw: str, study: dict[str, Any]) -> str:
    if _URL.match(raw):
        if not study.get("allow_urls", False):
            msg = (
                f"manifest {path}: {where} path {raw!r} is a URL, which this manifest does not "
                "allow. Fix: download the file next to the manifest, or set "
                "allow_urls = true in [study]."
            )
            raise ManifestError(msg)
        return raw
    ref = _DATA_DIR_REF.match(raw)
    if ref:
        return str(_data_dir(path, base, where, ref.group(1), study) / (ref.group(2) or ""))
    resolved = (base / raw).resolve()
    if not study.get("allow_external_paths", False) and not resolved.is_relative_to(base):
        msg = (
            f"manifest {path}: {where} path {raw!r} leaves the manifest's folder ({base}). "
            "Fix: move the file under that folder, declare its folder in [study.data_dirs] "
            "and write the path as ${name}/file, or set allow_external_paths = true in [study]."
        )
        raise ManifestError(msg)
    return str(resolved)


def _data_dir(path: Path, base: Path, where: str, name: str, study: dict[str, Any]) -> Path:
    """Resolve ``${name}``: the environment override, else ``[study.data_dirs]``."""
    dirs = study.get("data_dirs", {})
    if not isinstance(dirs, dict) or not all(isinstance(v, str) for v in dirs.values()):
        msg = (
            f"manifest {path}: [study.data_dirs] must map names to folders, e.g. "
            'data_dirs = { shared = "../../shared/data/coventry" }.'
        )
        raise ManifestError(msg)
    env = os.environ.get(f"{DATA_DIR_ENV}{name.upper()}")
    if env:
        return Path(env).expanduser().resolve()
    if name not in dirs:
        msg = (
            f"manifest {path}: {where} refers to ${{{name}}}, which [study.data_dirs] does not "
            f"declare (it declares: {', '.join(dirs) or 'none'}). Fix: add {name} = "
            f'"<folder>" to [study.data_dirs], or set {DATA_DIR_ENV}{name.upper()}.'
        )
        raise ManifestError(msg)
    return (base / dirs[name]).resolve()


def _study_spec(
    path: Path, base: Path, table: dict[str, Any], layers: dict[str, LayerSpec]
) -> StudySpec:
    _check_keys(path, "[study]", table, _STUDY_KEYS)
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        msg = f'manifest {path}: [study] has no name. Fix: add name = "<city>".'
        raise ManifestError(msg)
    code = str(table.get("code") or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
    outputs = (base / table["outputs"]) if "outputs" in table else Path("outputs") / code
    return StudySpec(
        name=name,
        code=code,
        crs=_analysis_crs(path, table.get("crs", "EPSG:27700")),
        ward_layer=_ward_layer(path, table.get("ward_layer"), layers),
        outputs=outputs.resolve(),
        synthetic=bool(table.get("synthetic", False)),
        allow_external_paths=bool(table.get("allow_external_paths", False)),
        allow_urls=bool(table.get("allow_urls", False)),
        attribution=str(table.get("attribution", "")),
        description=str(table.get("description", "")),
        data_dirs={
            n: _data_dir(path, base, "[study]", n, table) for n in table.get("data_dirs", {})
        },
    )


def _analysis_crs(path: Path, value: Any) -> CRS:
    try:
        crs = CRS.from_user_input(value)
    except CRSError as exc:
        msg = (
            f"manifest {path}: [study] crs {value!r} is not a CRS ({exc}). "
            'Fix: e.g. crs = "EPSG:27700".'
        )
        raise ManifestError(msg) from exc
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in ("metre", "meter"):
        msg = (
            f"manifest {path}: [study] crs {value!r} is not a projected CRS in metres "
            f"(got {crs.name}, unit {unit or 'none'}). Areas and distances need one. "
            'Fix: use a local projected CRS such as crs = "EPSG:27700" (British National Grid).'
        )
        raise ManifestError(msg)
    return crs


def _ward_layer(path: Path, value: Any, layers: dict[str, LayerSpec]) -> str:
    wards = [n for n, s in layers.items() if s.kind == "wards"]
    if value is None:
        if len(wards) != 1:
            msg = (
                f"manifest {path}: found {len(wards)} layers of kind 'wards' ({', '.join(wards)}). "
                'Fix: have exactly one, or name it in [study] ward_layer = "<name>".'
            )
            raise ManifestError(msg)
        return wards[0]
    if value not in layers or layers[value].kind != "wards":
        msg = (
            f"manifest {path}: [study] ward_layer = {value!r} is not a layer of kind 'wards'. "
            f"Layers of kind 'wards': {', '.join(wards) or 'none'}."
        )
        raise ManifestError(msg)
    return str(value)
