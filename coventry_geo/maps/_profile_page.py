"""HTML of the ward profiles: one A4 page per ward when printed, and the index.

The pages are self-contained (styles inline, maps as inline SVG, no script), so
that a profile can be mailed or printed on its own. Every text from data passes
through :func:`~coventry_geo.maps._html.escape_html`.
"""

from __future__ import annotations

from string import Template
from typing import TYPE_CHECKING
from urllib.parse import quote

from coventry_geo.maps._facts import CITY_WIDE
from coventry_geo.maps._html import escape_html
from coventry_geo.maps._svg import svg_map

if TYPE_CHECKING:
    from collections.abc import Sequence

    from coventry_geo.maps.profiles import WardProfile

__all__ = ["profile_html", "index_html"]

_STYLE = """
body { font: 13px/1.35 system-ui, sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 1000px;
  padding: 14px 18px; }
h1 { font-size: 24px; margin: 0; } h2 { font-size: 15px; margin: 12px 0 4px; }
.kicker, .code { margin: 0; color: #444; }
.notice { display: inline-block; margin: 6px 0 0; padding: 2px 8px; background: #fde2e1;
  color: #8a1c12; border: 1px solid #c0392b; border-radius: 3px; font-weight: 600; }
.maps { display: grid; grid-template-columns: 1fr 2fr; gap: 14px; margin-top: 8px; }
figure { margin: 0; } figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 11.5px; color: #333; }
.legend { list-style: none; padding: 0; margin: 4px 0 0; display: flex; flex-wrap: wrap;
  gap: 2px 12px; font-size: 11.5px; }
.legend span { display: inline-block; width: 14px; height: 10px; border: 1px solid #555;
  margin-right: 4px; vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #ddd; vertical-align: top; }
thead th { border-bottom: 1px solid #888; }
td.num, td:first-child { white-space: nowrap; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.note, footer { font-size: 11px; color: #444; }
footer .nav { margin: 4px 0; }
footer { margin-top: 10px; border-top: 1px solid #ccc; padding-top: 4px; }
@page { size: A4 portrait; margin: 9mm; }
@media print {
  body { font-size: 9.5pt; max-width: none; padding: 0; }
  h1 { font-size: 16pt; } h2 { font-size: 10pt; margin: 5px 0 2px; }
  table { font-size: 7.6pt; } th, td { padding: 0.5px 4px; }
  .maps { grid-template-columns: 1fr 1.6fr; } figure svg { max-height: 38mm; }
  figcaption, .legend, .note, footer { font-size: 7.5pt; }
  .note { margin: 2px 0; }
  .nav { display: none; }
  section, figure, table { break-inside: avoid; }
}
@media (max-width: 700px) { .maps, .cols { grid-template-columns: 1fr; }
  td.num, td:first-child { white-space: normal; } }
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$name: ward profile ($title)</title>
<style>$style</style>
</head>
<body>
<header>
<p class="kicker">Ward profile · $title</p>
<h1>$name</h1>
<p class="code">Ward code $code · one of $count wards</p>
$notice</header>
<main>
<div class="maps">
<figure>$locator<figcaption>Where the ward is in the city.</figcaption></figure>
<figure>$areas<figcaption>$areas_caption</figcaption>$area_legend</figure>
</div>
<section>
<h2>Headline indicators</h2>
<table>
<thead><tr><th scope="col">Indicator</th><th scope="col">Ward</th><th scope="col">$city_head</th>\
<th scope="col">Rank of $count</th></tr></thead>
<tbody>
$headline</tbody>
</table>
<p class="note">Rank 1 is the worst ward (the highest hazard or the least of an asset), or the \
highest value where an indicator is neither better nor worse; tied wards share a rank. \
A city-wide value is computed over the whole city; "city total" adds up the wards; \
"median ward" (the middle ward) is given where the city has no value of its own.</p>
</section>
<div class="cols">
<section><h2>Top planting priorities</h2>$planting</section>
<section><h2>Top cooling priorities</h2>$cooling</section>
</div>
<p class="note">City rank: among all the city's small areas, 1 first. All three: hotter, \
less cooled by green space and more vulnerable than the median small area.</p>
<section><h2>Double-jeopardy small areas</h2>$dj</section>
</main>
<footer>
<p>$credits</p>
<nav class="nav" aria-label="Ward profiles"><a href="index.html">All ward profiles</a> · \
<a href="$map_href">Ward map</a> · <a href="$pdf">This profile as PDF</a></nav>
</footer>
</body>
</html>
""")


def profile_html(
    profile: WardProfile,
    *,
    title: str,
    notice: str | None,
    credits: Sequence[str],
    count: int,
) -> str:
    """Return the HTML page of one ward's profile."""
    e = escape_html
    ward = quote(profile.ward_id, safe="")
    return _PAGE.substitute(
        style=_STYLE,
        title=e(title),
        name=e(profile.name),
        code=e(profile.ward_id),
        count=count,
        city_head=e(CITY_WIDE),
        notice=f'<p class="notice">{e(notice)}</p>\n' if notice else "",
        locator=svg_map(
            profile.locator, width=300, height=260, label=f"{profile.name} in the city"
        ),
        areas=_areas_svg(profile),
        areas_caption=e(_areas_caption(profile)),
        area_legend=_area_legend(profile),
        headline="".join(
            f'<tr><th scope="row">{e(a)}</th><td class="num">{e(b)}</td><td class="num">{e(c)}'
            f'</td><td class="num">{e(d)}</td></tr>\n'
            for a, b, c, d in profile.headline
        ),
        dj=_table(
            ["Small area", "High hazard, or little of an asset, among high deprivation: in"],
            profile.double_jeopardy,
            profile.empty["double_jeopardy"],
        ),
        planting=_table(
            ["City rank", "Small area", "Tree Equity Score", "Trees needed"],
            profile.planting,
            profile.empty["planting"],
        ),
        cooling=_table(
            ["City rank", "Small area", "Mean LST", "All three"],
            profile.cooling,
            profile.empty["cooling"],
        ),
        credits=" · ".join(e(line) for line in credits),
        map_href=e(f"../wards_map.html#indicator=risk_index&ward={ward}"),
        pdf=e(f"{quote(profile.stem)}.pdf"),
    )


def _areas_svg(profile: WardProfile) -> str:
    if not profile.areas:
        return "<p>No small areas: the study has no small-area layer.</p>"
    label = f"Small areas of {profile.name}"
    return svg_map(profile.areas, width=520, height=300, label=label)


def _areas_caption(profile: WardProfile) -> str:
    if profile.area_legend is None:
        return "The ward's small areas."
    return (
        f"The ward's small areas by {profile.area_legend.title}, in classes of the whole city "
        f"({profile.area_legend.method.lower()}). Thick black outline: a double-jeopardy area."
    )


def _area_legend(profile: WardProfile) -> str:
    if profile.area_legend is None:
        return ""
    e = escape_html
    items = "".join(
        f'<li><span style="background:{e(entry.color)}"></span>{e(entry.label)}</li>'
        for entry in profile.area_legend.entries
    )
    return f'<ul class="legend">{items}</ul>'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f'<p class="note">{escape_html(empty)}</p>'
    head = "".join(f'<th scope="col">{escape_html(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape_html(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_INDEX = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ward profiles ($title)</title>
<style>$style</style>
</head>
<body>
<header>
<h1>Ward profiles</h1>
<nav class="kicker" aria-label="Maps">$title · $count wards · \
<a href="../wards_map.html">Ward map</a></nav>
$notice</header>
<main>
<table>
<thead><tr><th scope="col">Ward</th><th scope="col">Code</th>$first_head\
<th scope="col">Printable page</th></tr></thead>
<tbody>
$rows</tbody>
</table>
$progress</main>
</body>
</html>
""")


def index_html(
    profiles: Sequence[WardProfile],
    *,
    title: str,
    notice: str | None,
    progress: str | None = None,
) -> str:
    """Return the index of the profiles: each ward with its first headline and links.

    ``progress`` is the caption (and text alternative) of the chart of progress
    to the plan's targets (``../progress.png``), shown under the table when given.
    """
    e = escape_html
    first = profiles[0].headline[0] if profiles and profiles[0].headline else None
    rows = []
    for p in sorted(profiles, key=lambda p: p.name.lower()):
        stem = quote(p.stem)
        value = (
            f'<td class="num">{e(p.headline[0][1])} (rank {e(p.headline[0][3])})</td>'
            if first
            else ""
        )
        rows.append(
            f'<tr><th scope="row"><a href="{e(stem)}.html">{e(p.name)}</a></th>'
            f"<td>{e(p.ward_id)}</td>{value}"
            f'<td><a href="{e(stem)}.html">HTML</a> · <a href="{e(stem)}.pdf">PDF</a></td></tr>\n'
        )
    return _INDEX.substitute(
        style=_STYLE,
        title=e(title),
        count=len(profiles),
        notice=f'<p class="notice">{e(notice)}</p>\n' if notice else "",
        first_head=f'<th scope="col">{e(first[0])}</th>' if first else "",
        rows="".join(rows),
        progress=_progress_html(progress),
    )


def _progress_html(caption: str | None) -> str:
    """Return the section of the chart of progress to the targets (empty without targets)."""
    if not caption:
        return ""
    text = escape_html(caption)
    return (
        '<section class="progress" aria-labelledby="progress-heading">\n'
        '<h2 id="progress-heading">Progress to the plan\'s targets</h2>\n'
        f'<figure><img src="../progress.png" alt="{text}" width="700" '
        'style="max-width: 100%; height: auto;">\n'
        f"<figcaption>{text} Ward by ward: "
        '<a href="../progress.csv">progress.csv</a>.</figcaption></figure>\n'
        "</section>\n"
    )
