"""Download official datasets that have stable open endpoints.

A manifest lists what may be fetched in its ``[fetch]`` table::

    [fetch.wards_2022]
    dataset = "ons_wards_2022"          # a key of DATASETS
    lad_code = "E08000026"              # the local authority to select
    path = "coventry/wards_2022_bgc.geojson"

:func:`fetch` queries the ONS Open Geography Portal's ArcGIS REST endpoint
page by page (``resultOffset``), checks every response (status, length,
content type, that it parses as GeoJSON), writes the features to a temporary
file in the target folder, validates that file as a layer of the dataset's
preset, and only then moves it into place (``os.replace``) beside a sidecar
``<file>.json`` recording the URL, SHA-256, size and date. On any error
nothing is left half-written.

The base URL can be overridden (``base_url=`` or the environment variable
``COVENTRY_GEO_FETCH_BASE_URL``), which is how the tests serve fixture
responses from 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import os
import string
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyogrio
from pyproj import CRS

from coventry_geo._files import file_sha256, staged_file, strict_dumps
from coventry_geo.errors import CoventryGeoError, FetchError
from coventry_geo.layers.official.presets import PRESETS
from coventry_geo.layers.official.tables import resolve_fields
from coventry_geo.layers.vector import read_vector_layer
from coventry_geo.manifest import LayerSpec

if TYPE_CHECKING:
    from coventry_geo.manifest import Manifest

__all__ = [
    "DATASETS",
    "BASE_URL_ENV",
    "ONS_ARCGIS_BASE_URL",
    "FetchDataset",
    "FetchRecord",
    "fetch",
    "fetch_from_manifest",
]

logger = logging.getLogger(__name__)

#: The ONS Open Geography Portal's ArcGIS REST services.
ONS_ARCGIS_BASE_URL = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"
#: Environment variable overriding the base URL of every dataset.
BASE_URL_ENV = "COVENTRY_GEO_FETCH_BASE_URL"
_PAGE_SIZE = 1000
_MAX_PAGES = 1000
_JSON_TYPES = ("application/geo+json", "application/json", "text/plain")


@dataclass(frozen=True)
class FetchDataset:
    """A dataset with a stable open endpoint.

    Attributes
    ----------
    name : str
    title : str
    service : str
        ArcGIS feature service name under the base URL.
    where : str
        SQL filter with ``{placeholders}`` filled from the ``[fetch]`` table.
    preset : str
        Preset the download is validated against.
    """

    name: str
    title: str
    service: str
    where: str
    preset: str

    @property
    def parameters(self) -> list[str]:
        """The placeholders of ``where`` that the ``[fetch]`` table must give."""
        return [f for _, f, _, _ in string.Formatter().parse(self.where) if f]


DATASETS: dict[str, FetchDataset] = {
    d.name: d
    for d in (
        FetchDataset(
            "ons_wards_2022",
            "Wards (December 2022) Boundaries UK BGC",
            "Wards_December_2022_Boundaries_UK_BGC",
            "LAD22CD = '{lad_code}'",
            "ons_wards",
        ),
        FetchDataset(
            "ons_lsoa_2021",
            "LSOA (December 2021) Boundaries EW BGC V5",
            "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5",
            "LSOA21NM LIKE '{lad_name} %'",
            "ons_lsoa",
        ),
    )
}


@dataclass(frozen=True)
class FetchRecord:
    """What was downloaded: the content of the sidecar ``<file>.json``."""

    dataset: str
    path: str
    url: str
    where: str
    features: int
    size: int
    sha256: str
    date: str
    licence: str

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return dict(self.__dict__)


def fetch(
    dataset: str,
    dest: str | Path,
    *,
    params: dict[str, str],
    base_url: str | None = None,
    page_size: int = _PAGE_SIZE,
    timeout: float = 60.0,
) -> FetchRecord:
    """Download a dataset to a file, validate it, and record its provenance.

    Parameters
    ----------
    dataset : str
        A key of :data:`DATASETS`.
    dest : str or Path
        The GeoJSON file to write; its folder is created if needed.
    params : dict of str to str
        Values of the dataset's ``where`` placeholders (e.g. ``lad_code``).
    base_url : str, optional
        Overrides :data:`ONS_ARCGIS_BASE_URL` (default: the environment
        variable ``COVENTRY_GEO_FETCH_BASE_URL``, else the ONS portal).
    page_size : int, keyword-only
        Features per request (``resultRecordCount``).
    timeout : float, keyword-only
        Seconds per request.

    Returns
    -------
    FetchRecord
        Also written to ``<dest>.json``.

    Raises
    ------
    FetchError
        On any HTTP error, truncated or non-GeoJSON response, empty result or
        a download that does not validate; ``dest`` is then left as it was.
    """
    spec = _dataset(dataset)
    where = _where(spec, params)
    base = (base_url or os.environ.get(BASE_URL_ENV) or ONS_ARCGIS_BASE_URL).rstrip("/")
    url = f"{base}/{spec.service}/FeatureServer/0/query"
    features = _download_features(url, where, page_size=page_size, timeout=timeout)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features}
    with staged_file(dest) as tmp:
        tmp.write_text(strict_dumps(collection), encoding="utf-8")
        _validate(spec, tmp)
        record = FetchRecord(
            dataset=spec.name,
            path=str(dest),
            url=url,
            where=where,
            features=len(features),
            size=tmp.stat().st_size,
            sha256=file_sha256(tmp),
            date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            licence=f"{PRESETS[spec.preset].licence}. {PRESETS[spec.preset].attribution}",
        )
    _write_sidecar(dest, record)
    logger.info("fetched %s: %d features to %s", spec.name, len(features), dest)
    return record


def fetch_from_manifest(
    manifest: Manifest, name: str, *, base_url: str | None = None
) -> FetchRecord:
    """Run one ``[fetch.<name>]`` entry of a manifest.

    Parameters
    ----------
    manifest : Manifest
    name : str
        The entry's name.
    base_url : str, optional
        See :func:`fetch`.

    Returns
    -------
    FetchRecord

    Raises
    ------
    FetchError
        If the entry is missing or malformed, or the download fails.
    """
    entry = manifest.fetch.get(name)
    if not isinstance(entry, dict):
        msg = (
            f"manifest {manifest.path}: no [fetch.{name}] table (it has: "
            f"{', '.join(manifest.fetch) or 'none'}). Fix: add one naming dataset, path and "
            f'the area, e.g. dataset = "ons_wards_2022", lad_code = "E08000026".'
        )
        raise FetchError(msg)
    for key in ("dataset", "path"):
        if not isinstance(entry.get(key), str):
            msg = f"manifest {manifest.path}: [fetch.{name}] has no '{key}'."
            raise FetchError(msg)
    base = manifest.path.parent
    dest = (base / entry["path"]).resolve()
    if not dest.is_relative_to(base):
        msg = (
            f"manifest {manifest.path}: [fetch.{name}] path {entry['path']!r} leaves the "
            "manifest's folder. Fix: download under it (e.g. layers/<city>/)."
        )
        raise FetchError(msg)
    params = {k: str(v) for k, v in entry.items() if k not in ("dataset", "path")}
    return fetch(entry["dataset"], dest, params=params, base_url=base_url)


def _dataset(name: str) -> FetchDataset:
    if name not in DATASETS:
        msg = f"no fetchable dataset {name!r}. Fetchable: {', '.join(DATASETS)}."
        raise FetchError(msg)
    return DATASETS[name]


def _where(spec: FetchDataset, params: dict[str, str]) -> str:
    missing = [p for p in spec.parameters if p not in params]
    if missing:
        msg = (
            f"dataset '{spec.name}' needs {', '.join(missing)} to select the area. "
            f'Fix: add e.g. {missing[0]} = "..." to its [fetch] table.'
        )
        raise FetchError(msg)
    quoted = {k: str(v).replace("'", "''") for k, v in params.items()}
    return spec.where.format(**quoted)


def _download_features(
    url: str, where: str, *, page_size: int, timeout: float
) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    for _ in range(_MAX_PAGES):
        query = {
            "where": where,
            "outFields": "*",
            "outSR": "4326",
            "f": "geojson",
            "resultOffset": str(len(features)),
            "resultRecordCount": str(page_size),
        }
        page = _get_geojson(f"{url}?{urllib.parse.urlencode(query)}", timeout=timeout)
        new = page.get("features") or []
        features += new
        more = page.get("exceededTransferLimit") or (page.get("properties") or {}).get(
            "exceededTransferLimit"
        )
        if not (more and new):
            break
    if not features:
        msg = (
            f"{url} returned no features for {where!r}. Fix: check the area code or name "
            "in the [fetch] table."
        )
        raise FetchError(msg)
    return features


def _get_geojson(url: str, *, timeout: float) -> dict[str, Any]:
    body, content_type = _get(url, timeout=timeout)
    if not content_type.startswith(_JSON_TYPES):
        preview = body[:120].decode("utf-8", "replace").replace("\n", " ")
        msg = (
            f"{url}: expected GeoJSON but the server sent {content_type or 'no content type'} "
            f"({preview!r}...), probably an error page. Fix: retry later, or check the "
            "dataset's service name at https://geoportal.statistics.gov.uk/."
        )
        raise FetchError(msg)
    try:
        page = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"{url}: the response is not valid JSON ({exc}). Fix: retry the download."
        raise FetchError(msg) from exc
    if not isinstance(page, dict) or "error" in page:
        detail = page.get("error") if isinstance(page, dict) else page
        msg = f"{url}: the service answered with an error ({detail}). Fix: check the query."
        raise FetchError(msg)
    return page


def _get(url: str, *, timeout: float) -> tuple[bytes, str]:
    request = urllib.request.Request(url, headers={"User-Agent": "coventry-geo"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
            content_type = response.headers.get("Content-Type", "")
            declared = response.headers.get("Content-Length")
    except urllib.error.HTTPError as exc:
        msg = f"{url}: HTTP {exc.code} {exc.reason}. Fix: check the URL, or retry later."
        raise FetchError(msg) from exc
    except http.client.IncompleteRead as exc:
        msg = (
            f"{url}: the download was cut short ({len(exc.partial)} bytes received, "
            f"{exc.expected} more expected). Fix: retry."
        )
        raise FetchError(msg) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        msg = f"{url}: cannot download ({exc}). Fix: check the network connection and URL."
        raise FetchError(msg) from exc
    if declared is not None and int(declared) != len(body):
        msg = f"{url}: received {len(body)} bytes of {declared} declared. Fix: retry."
        raise FetchError(msg)
    return body, content_type.lower()


def _validate(spec: FetchDataset, path: Path) -> None:
    preset = PRESETS[spec.preset]
    layer = LayerSpec(
        name=spec.name,
        kind=preset.kind,
        path=str(path),
        preset=preset.name,
        field_patterns=dict(preset.fields),
    )
    try:
        if preset.kind == "small_areas":
            _check_required_patterns(layer, path)
        else:
            read_vector_layer(layer, crs=CRS.from_epsg(27700))
    except CoventryGeoError as exc:
        msg = f"the download of '{spec.name}' does not validate: {exc}"
        raise FetchError(msg) from exc


def _check_required_patterns(layer: LayerSpec, path: Path) -> None:
    """Small areas need their deprivation joined; check the boundary fields only."""
    columns = list(pyogrio.read_info(path)["fields"])
    fields = resolve_fields({}, layer.field_patterns, columns, layer=layer.name, path=str(path))
    if "area_id" not in fields:
        msg = f"no LSOA code column in {path} (columns: {', '.join(columns)})."
        raise FetchError(msg)


def _write_sidecar(dest: Path, record: FetchRecord) -> None:
    sidecar = dest.with_name(dest.name + ".json")
    with staged_file(sidecar) as tmp:
        tmp.write_text(strict_dumps(record.as_dict(), indent=2) + "\n", encoding="utf-8")
