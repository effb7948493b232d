"""The interactive ward map: one page, every indicator, a selector grouped by theme.

:func:`write_ward_map` writes a small hand-written Leaflet page (the vendored
Leaflet, no CDN, no basemap unless one is named) with:

- a compact indicator selector (a native ``<select>`` grouped by theme), in a side
  panel on wide screens and behind a button on phones;
- the legend of the indicator shown (title with unit, classes, classification
  method), beside the map, never under a control;
- a hover tooltip that floats above everything (ward, value, rank of N, city);
- ward names on the map once it is zoomed in a step from the whole city (each at
  its polygon's pole of inaccessibility, so inside even a U-shaped ward);
- a ward search by name; clicking a ward (or choosing it in the search) shows
  its headline indicators with units, the city reference and its rank, and a
  link to its profile;
- links ``#indicator=<column>&ward=<ward_id>`` that open the page at an indicator
  and a ward;
- headline indicators whose layer is missing, as "Not assessed" with the layer to
  add: greyed out in the selector and listed with each ward's indicators.

Colours and legends come from :func:`coventry_geo.maps.symbology.symbolize`; ranks
are never mapped as quantities (the value they rank is, and the rank is in the
tooltip). The page is a deterministic function of its input: the same wards and
options give byte-identical HTML. Text from data is escaped JSON inserted with
``textContent``.
"""

from __future__ import annotations

import logging
from string import Template
from typing import TYPE_CHECKING, Any

from coventry_geo._files import write_atomic
from coventry_geo.columns import column_info
from coventry_geo.errors import LayerSchemaError
from coventry_geo.maps._assets import (
    LEAFLET_CSS,
    LEAFLET_JS,
    MAPS_CSS,
    MAPS_JS,
    copy_assets,
)
from coventry_geo.maps._facts import indicator_facts
from coventry_geo.maps._geometry import display_wards, to_features
from coventry_geo.maps._html import escape_html, script_json
from coventry_geo.maps._labels import label_points
from coventry_geo.maps.assessed import NOT_ASSESSED
from coventry_geo.maps.options import MapOptions
from coventry_geo.maps.symbology import column_title, symbolize
from coventry_geo.styles import HEADLINE, THEMES, map_style

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    import geopandas as gpd

    from coventry_geo.columns import ColumnInfo

__all__ = ["write_ward_map", "ward_map_html", "WARDMAP_ASSETS"]

logger = logging.getLogger(__name__)

#: Asset folder of the ward map's own script and styles.
WARDMAP_ASSETS = "wardmap"
_READING = {
    "hazard": "Darker means worse.",
    "asset": "Darker means more (better).",
    "neutral": "Darker means more.",
}
#: How each diverging ramp of :data:`coventry_geo.styles.PALETTES` reads.
_DIVERGING_READING = {
    "hazard": "Colours are centred on 0: red above 0 (worse), blue below (better).",
    "asset": "Colours are centred on 0: blue-green above 0 (better), brown below (worse).",
    "neutral": "Colours are centred on 0: orange above 0, purple below.",
}

_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="stylesheet" href="$leaflet_css">
<link rel="stylesheet" href="$maps_css">
<link rel="stylesheet" href="assets/wardmap/wardmap.css">
</head>
<body class="wm">
<a class="wm-skip" href="#indicator">Skip to the indicator selector</a>
<header class="wm-header">
<h1>$title</h1>
$notice<button type="button" id="panel-toggle" class="wm-toggle" aria-controls="panel" \
aria-expanded="false">Indicator and search</button>
</header>
<div class="wm-side">
<section id="panel" class="wm-panel" aria-label="Indicator and ward search">
<button type="button" id="panel-close" class="wm-close">Close</button>
$intro<label for="indicator">Indicator</label>
<select id="indicator">
$options</select>
<p id="indicator-about" class="wm-about"></p>
<label for="ward-search">Find a ward</label>
<input type="search" id="ward-search" autocomplete="off" placeholder="Ward name" \
aria-describedby="search-status" aria-controls="search-results">
<p id="search-status" class="wm-status" role="status" aria-live="polite"></p>
<ul id="search-results" class="wm-results"></ul>
</section>
<section id="legend" class="wm-legend" aria-label="Legend" aria-live="polite"></section>
<section id="details" class="wm-details" aria-label="Selected ward" aria-live="polite">
<p class="wm-hint">Click a ward on the map, or find it by name, to see its headline \
indicators.</p>
</section>
</div>
<main class="wm-map-wrap">
<div id="map" class="wm-map" role="region" aria-label="Map of the wards coloured by the \
indicator chosen" aria-describedby="map-summary"></div>
<p id="map-summary" class="wm-hidden">$summary</p>
</main>
<footer class="wm-footer">$links<p>$credits</p></footer>
<div id="tooltip" class="wm-tooltip" role="tooltip" hidden></div>
<script src="$leaflet_js"></script>
<script src="$maps_js"></script>
<script>window.COVENTRY_GEO_WARDMAP = $data;</script>
<script src="assets/wardmap/wardmap.js"></script>
</body>
</html>
""")


def ward_map_html(
    wards: gpd.GeoDataFrame,
    columns: Sequence[ColumnInfo],
    *,
    title: str,
    attribution: Sequence[str],
    city_values: Mapping[str, float] | None = None,
    options: MapOptions | None = None,
    notice: str | None = None,
    intro: str | None = None,
    profile_links: Mapping[str, str] | None = None,
    profiles_index: str | None = None,
    lang: str = "en",
    not_assessed: Mapping[str, str] | None = None,
) -> str:
    """Return the HTML of the ward map (see :func:`write_ward_map` for the parameters)."""
    options = options or MapOptions()
    shown = [c for c in columns if map_style(c).mappable and wards[c.name].notna().any()]
    if not shown:
        msg = "the ward table has no indicator column with a value to map."
        layer = "wards"
        raise LayerSchemaError(layer, None, msg, "compute some indicators first.")
    display = display_wards(wards, [c.name for c in shown], tolerance_m=options.simplify_m)
    ids = [str(i) for i in display["ward_id"]]
    links = profile_links or {}
    at = label_points(display.geometry.to_numpy()).round(5)
    props = [
        {"id": i, "name": str(n), "profile": links.get(i), "at": [lat, lon]}
        for i, n, (lon, lat) in zip(ids, display["ward_name"], at.tolist(), strict=True)
    ]
    indicators = [_indicator(display, c, city_values or {}, options) for c in shown]
    gaps = {n: fix for n, fix in (not_assessed or {}).items() if n not in {c.name for c in shown}}
    bounds = display.total_bounds
    data = {
        "title": title,
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        "tiles": _tiles(options),
        "wards": to_features(display, props),
        "indicators": indicators,
        "headline": [c.name for c in _headline(shown)],
        "default": _default(options.default, shown),
        "wardCount": len(display),
        "notAssessed": [
            {"label": column_info(n).label, "fix": fix[:1].upper() + fix[1:]}
            for n, fix in gaps.items()
        ],
    }
    return _PAGE.substitute(
        lang=escape_html(lang),
        title=escape_html(title),
        notice=f'<p class="wm-notice">{escape_html(notice)}</p>\n' if notice else "",
        intro=f'<p class="wm-intro">{escape_html(intro)}</p>\n' if intro else "",
        options=_options_html(shown, data["default"], gaps),
        summary=escape_html(_summary(len(display), len(shown))),
        links=_links_html(profiles_index),
        credits=" · ".join(escape_html(line) for line in attribution),
        data=script_json(data),
        leaflet_css=LEAFLET_CSS,
        leaflet_js=LEAFLET_JS,
        maps_css=MAPS_CSS,
        maps_js=MAPS_JS,
    )


def write_ward_map(
    wards: gpd.GeoDataFrame,
    out_path: Path,
    *,
    columns: Sequence[ColumnInfo],
    title: str,
    attribution: Sequence[str],
    city_values: Mapping[str, float] | None = None,
    options: MapOptions | None = None,
    notice: str | None = None,
    intro: str | None = None,
    profile_links: Mapping[str, str] | None = None,
    profiles_index: str | None = None,
    lang: str = "en",
    not_assessed: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write the interactive ward map and its vendored assets (``assets/`` beside it).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards in a projected CRS (metres) with ``ward_id`` (a column or the index),
        ``ward_name`` and the columns.
    out_path : Path
        The ``.html`` file to write (atomically).
    columns : sequence of ColumnInfo
        Indicators; identifiers, ranks and columns with no value are left out of the
        selector (a rank is shown in the tooltip of the value it ranks).
    title : str
        Page title and heading.
    attribution : sequence of str
        Credit lines (the layers the indicators were computed from), in the footer.
    city_values : mapping of str to float, optional
        The run's city values, shown beside each ward's.
    options : MapOptions, optional
        Classification (``scheme``, ``k``, ``schemes``, ``bins``), the indicator
        shown first (``default``), basemap and outline simplification.
    notice : str, optional
        A notice shown under the title (the synthetic-data warning of the demo).
    intro : str, optional
        A paragraph at the top of the side panel saying what the page shows.
    profile_links : mapping of str to str, optional
        Ward id to the relative URL of its profile.
    profiles_index : str, optional
        Relative URL of the profiles' index, linked in the footer.
    lang : str
        Page language (BCP 47).
    not_assessed : mapping of str to str, optional
        Indicators not computed because their layer is missing, to what to do
        ("add a canopy layer"), as from :func:`coventry_geo.maps.assessed.not_assessed`.

    Returns
    -------
    list of Path
        The page and the asset files written.

    Raises
    ------
    LayerSchemaError
        If a column is missing, or none has a value.
    ManifestError
        If the classification options are invalid.
    OutputError
        If the folder cannot be written.
    """
    html = ward_map_html(
        wards,
        columns,
        title=title,
        attribution=attribution,
        city_values=city_values,
        options=options,
        notice=notice,
        intro=intro,
        profile_links=profile_links,
        profiles_index=profiles_index,
        lang=lang,
        not_assessed=not_assessed,
    )
    assets = copy_assets(out_path.parent, extra=(WARDMAP_ASSETS,))
    write_atomic(out_path, html)
    logger.info("wrote ward map %s (%d kB)", out_path, len(html) // 1000)
    return [out_path, *assets]


def _indicator(
    display: gpd.GeoDataFrame,
    column: ColumnInfo,
    city_values: Mapping[str, float],
    options: MapOptions,
) -> dict[str, Any]:
    scheme, bins = options.classes_of(column.name)
    symbology = symbolize(display[column.name], column, scheme=scheme, k=options.k, bins=bins)
    facts = indicator_facts(display, column, city_values)
    style = facts.style
    return {
        "id": column.name,
        "label": column.label,
        "unit": column.unit,
        "theme": style.theme,
        "about": f"{column.description} {_reading(column)}",
        "legend": symbology.to_json(),
        "values": facts.values,
        "ranks": facts.ranks,
        "rankNote": facts.rank_note,
        "cityLabel": facts.city_label,
        "city": facts.city,
        "cityText": facts.city_text,
    }


def _reading(column: ColumnInfo) -> str:
    style = map_style(column)
    if style.kind == "boolean":
        return f"Wards are shown as '{style.categories[0]}' or '{style.categories[1]}'."
    if style.kind == "diverging":
        return _DIVERGING_READING[style.polarity]
    return _READING[style.polarity]


def _headline(shown: Sequence[ColumnInfo]) -> list[ColumnInfo]:
    by_name = {c.name: c for c in shown}
    return [by_name[n] for n in HEADLINE if n in by_name] or list(shown[:12])


def _default(wanted: str | None, shown: Sequence[ColumnInfo]) -> str:
    names = [c.name for c in shown]
    target = None if wanted is None else map_style(wanted).rank_of or wanted
    if target in names:
        return target
    fallback = next((n for n in HEADLINE if n in names), names[0])
    if wanted is not None:
        logger.warning(
            "[maps] default = '%s' was not computed for this study; the ward map opens on '%s'",
            wanted,
            fallback,
        )
    return fallback


def _options_html(shown: Sequence[ColumnInfo], default: str, gaps: Mapping[str, str]) -> str:
    """Return the selector's options by theme; indicators not assessed are greyed out."""
    missing = [column_info(n) for n in gaps]
    lines = []
    for theme, heading in (*THEMES, ("other", "Other indicators")):
        group = [c for c in shown if map_style(c).theme == theme]
        absent = [c for c in missing if map_style(c).theme == theme]
        if not group and not absent:
            continue
        lines.append(f'<optgroup label="{escape_html(heading)}">')
        for c in group:
            label = column_title(c)
            chosen = " selected" if c.name == default else ""
            lines.append(
                f'<option value="{escape_html(c.name)}"{chosen}>{escape_html(label)}</option>'
            )
        lines += [
            f'<option value="{escape_html(c.name)}" disabled>'
            f"{escape_html(f'{c.label}: {NOT_ASSESSED.lower()} ({gaps[c.name]})')}</option>"
            for c in absent
        ]
        lines.append("</optgroup>")
    return "\n".join(lines) + "\n"


def _links_html(profiles_index: str | None) -> str:
    if not profiles_index:
        return ""
    href = escape_html(profiles_index)
    return f'<p><a href="{href}">Ward profiles (one printable page per ward)</a></p>'


def _summary(n_wards: int, n_indicators: int) -> str:
    return (
        f"A map of {n_wards} wards coloured by one of {n_indicators} indicators. Choose the "
        "indicator in the list; the legend beside the map explains the colours. Find a ward "
        "by name to read its headline indicators, ranks and the city values."
    )


def _tiles(options: MapOptions) -> dict[str, Any] | None:
    tiles = options.tiles
    if tiles is None:
        return None
    return {"url": tiles.url, "attribution": tiles.attribution, "maxZoom": tiles.max_zoom}
