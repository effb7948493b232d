"""Who publishes the green-and-blue map, and when each layer's data date from.

The manifest's optional ``[site]`` table names the organisation that publishes
the map (NB2), how to contact it, its accessibility statement and its logo;
the published page shows them in its header and footer. Each layer may give
the date of its data (``date = "2024-05"``), shown on the page beside the
layer. :func:`site_spec` and :func:`data_date` read and check these keys for
:func:`coventry_geo.manifest.read_manifest`; the format is documented in
``docs/manifest.md`` and ``docs/maps.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coventry_geo.errors import ManifestError

__all__ = ["SiteSpec", "site_spec", "data_date", "LOGO_MAX_BYTES"]

#: Largest logo accepted, bytes (the published site has a size budget).
LOGO_MAX_BYTES = 256 * 1024
_LOGO_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_WEB_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_SITE_PATH = re.compile(r"^/[^\s<>\"']*$")
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_TEXT_KEYS = ("title", "organisation", "contact", "accessibility_statement", "logo")


@dataclass(frozen=True)
class SiteSpec:
    """The ``[site]`` table: the publisher of the green-and-blue map.

    Attributes
    ----------
    title : str
        Page title and heading; empty: ``"<study name>: green and blue spaces"``.
    organisation : str
        Publishing organisation, shown in the header and footer.
    contact : str
        An e-mail address or an ``https://`` page for questions about the map.
    accessibility_statement : str
        URL of the organisation's accessibility statement for the page (``https://``,
        or a path on the same web site such as ``/accessibility``).
    logo : Path or None
        Absolute path of the logo file (PNG, SVG, JPEG, GIF or WebP), copied into the site.
    """

    title: str = ""
    organisation: str = ""
    contact: str = ""
    accessibility_statement: str = ""
    logo: Path | None = None

    @property
    def contact_href(self) -> str:
        """The contact as a link target (``mailto:`` for an e-mail address)."""
        return f"mailto:{self.contact}" if _EMAIL.match(self.contact) else self.contact


def site_spec(
    table: dict[str, Any], *, manifest: Path, base: Path, allow_external_paths: bool = False
) -> SiteSpec:
    """Read and check the manifest's ``[site]`` table.

    Parameters
    ----------
    table : dict
        The ``[site]`` table (empty when the manifest has none).
    manifest : Path
        The manifest file, for messages.
    base : Path
        The manifest's folder: ``logo`` is relative to it.
    allow_external_paths : bool, keyword-only
        Whether ``logo`` may lie outside ``base`` (``[study] allow_external_paths``).

    Returns
    -------
    SiteSpec

    Raises
    ------
    ManifestError
        For an unknown key, a value that is not text, a contact that is neither an
        e-mail address nor an ``https://`` URL, an accessibility statement that is
        not a web address, or a logo that is missing, outside the manifest's folder,
        not an image or too large. The message names the key, the value and the fix.
    """
    _check_site_keys(manifest, table)
    text = {k: _text(manifest, k, table.get(k, "")) for k in _TEXT_KEYS}
    if text["contact"] and not (_EMAIL.match(text["contact"]) or _WEB_URL.match(text["contact"])):
        _fail(manifest, "contact", text["contact"], "an e-mail address or an https:// web page")
    statement = text["accessibility_statement"]
    if statement and not (_WEB_URL.match(statement) or _SITE_PATH.match(statement)):
        _fail(
            manifest,
            "accessibility_statement",
            statement,
            "a web address (https://...) or a path on the council's site (/accessibility)",
        )
    logo = _logo(manifest, base, text["logo"], allow_external_paths) if text["logo"] else None
    return SiteSpec(
        title=text["title"].strip(),
        organisation=text["organisation"].strip(),
        contact=text["contact"],
        accessibility_statement=statement,
        logo=logo,
    )


def data_date(value: Any, *, manifest: Path, where: str) -> str:
    """Check a layer's ``date`` and return it as ISO text (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).

    Parameters
    ----------
    value : str, datetime.date or None
        The manifest value: text, or a TOML date (``date = 2024-05-01``).
    manifest : Path
        The manifest file, for messages.
    where : str
        The table, e.g. ``[layers.greenspace]``.

    Returns
    -------
    str
        Empty when no date is given.

    Raises
    ------
    ManifestError
        If the value is neither a date nor text in one of those forms.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    msg = (
        f"manifest {manifest}: {where} date = {value!r} ({type(value).__name__}) is not a date; "
        'expected text "YYYY", "YYYY-MM" or "YYYY-MM-DD" (e.g. date = "2024-05"), or a TOML '
        "date. Fix: give the month or day the data were published or surveyed."
    )
    raise ManifestError(msg)


def _check_site_keys(manifest: Path, table: dict[str, Any]) -> None:
    unknown = sorted(set(table) - set(_TEXT_KEYS))
    if unknown:
        near = difflib.get_close_matches(unknown[0], _TEXT_KEYS, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        msg = (
            f"manifest {manifest}: unknown key '{unknown[0]}' in [site]{hint}. "
            f"Fix: use the known keys only: {', '.join(_TEXT_KEYS)}."
        )
        raise ManifestError(msg, path=manifest)


def _text(manifest: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        _fail(manifest, key, value, "text in quotes")
    return value


def _fail(manifest: Path, key: str, value: Any, expected: str) -> None:
    msg = (
        f"manifest {manifest}: [site] {key} = {value!r} ({type(value).__name__}) is not "
        f"{expected}. Fix: correct [site] {key} (docs/maps.md, Publishing the green-and-blue map)."
    )
    raise ManifestError(msg)


def _logo(manifest: Path, base: Path, raw: str, allow_external: bool) -> Path:
    path = (base / raw).resolve()
    if not allow_external and not path.is_relative_to(base.resolve()):
        _fail(manifest, "logo", raw, "a file inside the manifest's folder")
    if path.suffix.lower() not in _LOGO_SUFFIXES:
        _fail(manifest, "logo", raw, f"an image file ({', '.join(_LOGO_SUFFIXES)})")
    if not path.is_file():
        _fail(manifest, "logo", raw, f"an existing file (looked for {path})")
    if path.stat().st_size > LOGO_MAX_BYTES:
        size = f"{path.stat().st_size // 1024} KB"
        _fail(manifest, "logo", raw, f"an image under {LOGO_MAX_BYTES // 1024} KB (it is {size})")
    return path
