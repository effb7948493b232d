"""The HTML of the green-and-blue site: landmarks, panel, publishing furniture.

The page is static HTML with every manifest and data text HTML-escaped: a header
(logo, organisation, title), one ``<main>`` holding the panel (a side panel on
desktops, a bottom sheet on phones) and the map region, and a footer with the
licence line, contact, accessibility statement and the date of the release. The
panel's search, layer list and lists of places are filled in by
``assets/greenblue/greenblue.js`` from ``data/layers.js``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Template
from typing import TYPE_CHECKING

from coventry_geo.maps._assets import LEAFLET_CSS, LEAFLET_JS, MAPS_CSS, MAPS_JS
from coventry_geo.maps._credits import OGL_STATEMENT, OGL_URL
from coventry_geo.maps._html import escape_html

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from coventry_geo.maps._credits import LayerCredit
    from coventry_geo.maps._downloads import Download
    from coventry_geo.publisher import SiteSpec

__all__ = ["PageText", "render_page", "date_text", "size_text"]

_MONTHS = (
    "January February March April May June July August September October November December"
).split()

_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<meta name="description" content="$summary">
<link rel="icon" href="$icon">
<link rel="stylesheet" href="$leaflet_css">
<link rel="stylesheet" href="$maps_css">
<link rel="stylesheet" href="assets/greenblue/greenblue.css">
</head>
<body>
<a class="gb-skip" href="#search">Skip to search</a>
<header class="gb-header">$logo<div class="gb-titles">$organisation<h1>$title</h1></div>\
$notice</header>
<main class="gb-main">
<section class="gb-panel" id="panel" aria-label="Search, layers and data" data-open="true">
<button type="button" class="gb-sheet-toggle" id="sheet-toggle" aria-expanded="true" \
aria-controls="panel-body"><span class="gb-toggle-text">Search, layers and data</span></button>
<div class="gb-panel-body" id="panel-body">
<p class="gb-summary" id="map-summary">$summary</p>
<h2 id="search-heading">Search</h2>
<label for="search">$search_label</label>
<p class="gb-hint" id="search-hint">$search_hint</p>
<input type="search" id="search" autocomplete="off" aria-describedby="search-hint">
<button type="button" id="near-me" class="gb-button" hidden>Green spaces near me</button>
<p id="search-status" role="status" aria-live="polite"></p>
<ul id="search-results" aria-labelledby="search-heading"></ul>
<div id="details" aria-live="polite"><p class="gb-small">Choose a search result, or a shape on \
the map, to see its details here.</p></div>
<div id="browse"></div>
<h2>Layers and key</h2>
<div id="layers"></div>
<p id="basemap-status" role="status"></p>
$about
</div>
</section>
<div id="map" role="region" aria-label="Map" aria-describedby="map-summary"></div>
</main>
<footer class="gb-footer">$footer</footer>
<script src="$leaflet_js"></script>
<script src="$maps_js"></script>
<script src="data/layers.js"></script>
<script src="assets/greenblue/greenblue.js"></script>
</body>
</html>
""")


@dataclass(frozen=True)
class PageText:
    """What the page says besides the map data (all plain text; escaped when rendered).

    Attributes
    ----------
    title, summary, lang : str
    attribution : sequence of str
        Notes on the study (e.g. that the data are synthetic).
    statements : sequence of str
        Licence and attribution statements (:func:`coventry_geo.maps._credits.licence_statements`).
    credits : sequence of LayerCredit
        The layers used, with their dates.
    downloads : sequence of Download
    updated : datetime.date or None
        Date of the release ("Last updated").
    publisher : SiteSpec or None
    logo : str
        Path of the copied logo, relative to the page (empty: none).
    postcodes : bool
        Whether the search finds postcodes.
    examples : sequence of str
        Example searches shown in the hint.
    notice : str
        A banner under the title, on every screen size (the demo's "synthetic data"
        warning); empty: none.
    """

    title: str
    summary: str
    lang: str = "en"
    attribution: Sequence[str] = ()
    statements: Sequence[str] = ()
    credits: Sequence[LayerCredit] = ()
    downloads: Sequence[Download] = ()
    updated: dt.date | None = None
    publisher: SiteSpec | None = None
    logo: str = ""
    postcodes: bool = False
    examples: Sequence[str] = field(default_factory=tuple)
    notice: str = ""


def render_page(text: PageText) -> str:
    """Return the site's ``index.html``."""
    org = text.publisher.organisation if text.publisher else ""
    target = "a green space, ward or postcode" if text.postcodes else "a green space or ward"
    examples = " or ".join(escape_html(e) for e in text.examples)
    return _PAGE.substitute(
        lang=escape_html(text.lang),
        title=escape_html(text.title),
        notice=f'<p class="gb-notice" role="note">{escape_html(text.notice)}</p>'
        if text.notice
        else "",
        summary=escape_html(text.summary),
        logo=f'<img class="gb-logo" src="{escape_html(text.logo)}" alt="{escape_html(org)}">'
        if text.logo
        else "",
        organisation=_organisation(org, hidden=bool(text.logo)),
        icon=escape_html(text.logo) if text.logo else "data:,",
        search_label=f"Find {target}",
        search_hint=f"For example: {examples}." if examples else "Type part of a name.",
        about=_about(text),
        footer=_footer(text),
        leaflet_css=LEAFLET_CSS,
        leaflet_js=LEAFLET_JS,
        maps_css=MAPS_CSS,
        maps_js=MAPS_JS,
    )


def _organisation(org: str, *, hidden: bool) -> str:
    if not org:
        return ""
    aria = ' aria-hidden="true"' if hidden else ""  # the logo's alt text names it already
    return f'<p class="gb-org"{aria}>{escape_html(org)}</p>'


def date_text(iso: str) -> str:
    """Write an ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date as ``12 May 2024`` (or less)."""
    parts = iso.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return iso


def size_text(size_bytes: int) -> str:
    """File size for people: ``980 KB``, ``2.3 MB`` (1 KB = 1,000 bytes)."""
    if size_bytes < 1_000_000:
        return f"{max(1, round(size_bytes / 1000))} KB"
    return f"{size_bytes / 1_000_000:.1f} MB"


def _statements_html(statements: Sequence[str]) -> str:
    parts = []
    for statement in statements:
        html = escape_html(statement)
        if statement == OGL_STATEMENT:
            html = html.replace(
                "Open Government Licence v3.0",
                f'<a href="{OGL_URL}">Open Government Licence v3.0</a>',
            )
        parts.append(html)
    return " ".join(parts)


def _about(text: PageText) -> str:
    notes = "".join(f'<p class="gb-small">{escape_html(a)}</p>' for a in text.attribution if a)
    by_role: dict[str, list[LayerCredit]] = {}
    for credit in text.credits:  # two water layers are one entry, "Rivers, canals and water"
        by_role.setdefault(credit.role, []).append(credit)
    layers = "".join(
        f"<dt>{escape_html(role)}</dt>"
        + "".join(
            f"<dd>{escape_html(_sentence(c.title))} "
            f"{'Data as of ' + date_text(c.date) if c.date else 'Date of the data not given'}.</dd>"
            for c in credits
        )
        for role, credits in by_role.items()
    )
    updated = (
        f'<p class="gb-small">Map last updated {date_text(text.updated.isoformat())}.</p>'
        if text.updated
        else ""
    )
    return (
        f'{_downloads(text)}<h2 id="about-heading">About the data</h2>'
        f'{notes}<dl class="gb-data">{layers}</dl>{updated}'
    )


def _sentence(text: str) -> str:
    """Capitalise the first letter and end with a full stop."""
    text = text.strip()
    return f"{text[:1].upper()}{text[1:]}" + ("" if text.endswith(".") else ".")


def _downloads(text: PageText) -> str:
    if not text.downloads:
        return ""
    items = "".join(
        f'<li><a href="{escape_html(d.path)}" download>{escape_html(d.title)}</a>, '
        f"{escape_html(d.format)}, {size_text(d.size_bytes)}"
        + (f'<br><span class="gb-small">{escape_html(d.detail)}</span>' if d.detail else "")
        + "</li>"
        for d in text.downloads
    )
    licence = _statements_html(text.statements) or "No licence was given for the input layers."
    return (
        '<h2 id="download-heading">Download the data</h2>'
        f'<ul class="gb-downloads">{items}</ul><p class="gb-small">Licence: {licence}</p>'
    )


def _footer(text: PageText) -> str:
    spec = text.publisher
    links = []
    if spec is not None and spec.organisation:
        links.append(f"Published by {escape_html(spec.organisation)}")
    if spec is not None and spec.contact:
        shown = escape_html(spec.contact.removeprefix("mailto:"))
        links.append(f'Contact: <a href="{escape_html(spec.contact_href)}">{shown}</a>')
    if spec is not None and spec.accessibility_statement:
        href = escape_html(spec.accessibility_statement)
        links.append(f'<a href="{href}">Accessibility statement</a>')
    if text.updated is not None:
        links.append(f"Last updated {date_text(text.updated.isoformat())}")
    licence = _statements_html(text.statements)
    return (f"<p><strong>Data:</strong> {licence}</p>" if licence else "") + (
        f"<p>{' · '.join(links)}</p>" if links else ""
    )
