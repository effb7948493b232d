"""The maps a run writes: the interactive ward map and the report maps.

:func:`write_ward_maps` writes ``wards_map.html`` (every indicator, one selector)
and, unless ``[maps] static = false``, the report maps ``maps/<column>.<format>``:
by default the headline set (:data:`coventry_geo.styles.HEADLINE`), or the columns
``[maps] report`` names, or all of them (``report = "all"``), drawn in worker
processes when there are enough of them, and their index ``maps/index.html``,
which also lists the headline indicators not assessed (their layer is missing)
with the layer to add. Options come from the manifest's ``[maps]`` table
(:func:`~coventry_geo.maps.options.map_options`, docs/maps.md).
"""

from __future__ import annotations

import logging
from string import Template
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from coventry_geo._files import write_atomic
from coventry_geo.columns import ColumnInfo, column_info, registered_columns
from coventry_geo.indicators import load_families
from coventry_geo.maps._html import escape_html
from coventry_geo.maps._parallel import run_jobs
from coventry_geo.maps.assessed import NOT_ASSESSED
from coventry_geo.maps.classify import format_value
from coventry_geo.maps.credits import Credits
from coventry_geo.maps.options import MapOptions, map_options
from coventry_geo.styles import REFERENCES, map_style

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    import geopandas as gpd

    from coventry_geo.manifest.settings import Settings
    from coventry_geo.maps.static import ReportMap

__all__ = [
    "MapOptions",
    "map_options",
    "mapped_columns",
    "reference_notes",
    "report_index_html",
    "write_report_maps",
    "write_ward_maps",
]

logger = logging.getLogger(__name__)


def mapped_columns(wards: gpd.GeoDataFrame) -> list[ColumnInfo]:
    """Return the registered indicator columns present in a ward table, ids excluded."""
    load_families()
    return [
        c
        for c in registered_columns()
        if c.name in wards.columns and map_style(c).kind != "identifier"
    ]


def reference_notes(column: ColumnInfo, settings: Settings | None, values: Any) -> list[str]:
    """Return the reference values stated on a column's maps (canopy baseline, target).

    Parameters
    ----------
    column : ColumnInfo
    settings : Settings or None
        The study's settings (None: no references).
    values : array-like
        The wards' values, counted against the last reference (the target).

    Returns
    -------
    list of str
    """
    refs = REFERENCES.get(column.name, ())
    if settings is None or not refs:
        return []
    parts = [
        f"{label} {format_value(getattr(settings, attr), column.unit)}" for label, attr in refs
    ]
    target = float(getattr(settings, refs[-1][1]))
    numbers = [float(v) for v in values if v == v and v is not None]
    reached = sum(v >= target for v in numbers)
    return [
        f"Reference values (settings): {', '.join(parts)}.",
        f"{reached} of {len(numbers)} wards at or above the {refs[-1][0]}.",
    ]


def write_ward_maps(
    wards: gpd.GeoDataFrame,
    folder: Path,
    *,
    title: str,
    credits: Credits | Sequence[str],
    city_values: Mapping[str, float],
    options: MapOptions,
    settings: Settings | None = None,
    notice: str | None = None,
    not_assessed: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write the interactive ward map and, if asked, the report maps and their index.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        The ward table.
    folder : Path
        Output folder (normally a staging folder).
    title : str
        Study name (says "synthetic" for the demo).
    credits : Credits or sequence of str
        The credits of each indicator's layers (or fixed lines for every map).
    city_values : mapping of str to float
        City values, shown beside each ward's.
    options : MapOptions
    settings : Settings, optional
        Reference values (canopy baseline and target).
    notice : str, optional
        Synthetic-data notice, on every map.
    not_assessed : mapping of str to str, optional
        Headline indicators not computed for want of a layer, to what to do
        (:func:`coventry_geo.maps.assessed.not_assessed`): shown as "Not assessed".

    Returns
    -------
    list of Path
        ``wards_map.html``, ``assets/``, ``maps/<column>.<format>`` and ``maps/index.html``.
    """
    from coventry_geo.maps.profiles import profile_links
    from coventry_geo.maps.wardmap import write_ward_map

    if not isinstance(credits, Credits):  # fixed lines, shown as they are
        credits = Credits(study=" · ".join(credits))
    columns = mapped_columns(wards)
    links = profile_links(wards["ward_id"], prefix="profiles/") if options.profiles else None
    files = write_ward_map(
        wards,
        folder / "wards_map.html",
        columns=columns,
        title=title,
        attribution=credits.lines(c.name for c in columns),
        city_values=city_values,
        options=options,
        notice=notice,
        profile_links=links,
        profiles_index="profiles/index.html" if options.profiles else None,
        not_assessed=not_assessed,
    )
    if options.static:
        present = [c.name for c in columns if wards[c.name].notna().any()]
        chosen = options.report_columns(present)
        done = write_report_maps(
            wards,
            folder / "maps",
            [column_info(n) for n in chosen],
            title=title,
            credits=credits,
            city_values=city_values,
            options=options,
            settings=settings,
            notice=notice,
        )
        files += [f for report in done for f in report.files]
        page = report_index_html(done, not_assessed or {}, title=title, notice=notice)
        files.append(write_atomic(folder / "maps" / "index.html", page))
    return files


def report_index_html(
    done: Sequence[ReportMap], not_assessed: Mapping[str, str], *, title: str, notice: str | None
) -> str:
    """Return the index of the report maps: each map's files, then what was not assessed."""
    e = escape_html
    items = "".join(
        f"<li>{e(column_info(r.column).label)}: "
        + " · ".join(f'<a href="{e(quote(f.name))}">{e(f.suffix[1:].upper())}</a>' for f in r.files)
        + "</li>\n"
        for r in done
    )
    gaps = "".join(
        f"<li>{e(column_info(n).label)}: {e(fix)}</li>\n" for n, fix in not_assessed.items()
    )
    return _INDEX.substitute(
        title=e(title),
        notice=f'<p class="notice">{e(notice)}</p>\n' if notice else "",
        maps=f"<ul>\n{items}</ul>" if items else "<p>No report maps were drawn.</p>",
        gaps=f"<h2>{NOT_ASSESSED}</h2>\n<p>Their layer is missing from the study: add it to "
        f"the manifest and run again.</p>\n<ul>\n{gaps}</ul>"
        if gaps
        else "",
    )


_INDEX = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Report maps ($title)</title>
<style>body { font: 15px/1.45 system-ui, sans-serif; max-width: 760px; margin: 0 auto;
padding: 12px 16px; color: #1b1b1b; } li { margin: 3px 0; }
.notice { padding: 2px 8px; background: #fde2e1; color: #8a1c12; border: 1px solid #c0392b; }
</style>
</head>
<body>
<h1>Report maps</h1>
<p>$title · <a href="../wards_map.html">Interactive ward map</a></p>
$notice$maps
$gaps
</body>
</html>
""")


def write_report_maps(
    wards: gpd.GeoDataFrame,
    folder: Path,
    columns: Sequence[ColumnInfo],
    *,
    title: str,
    credits: Credits,
    city_values: Mapping[str, float],
    options: MapOptions,
    settings: Settings | None = None,
    notice: str | None = None,
) -> list[ReportMap]:
    """Draw the report maps of ``columns`` (in worker processes when worth it).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
    folder : Path
        Folder of the maps (``<folder>/<column>.<format>``).
    columns : sequence of ColumnInfo
    title, credits, city_values, options, settings, notice
        As for :func:`write_ward_maps`.

    Returns
    -------
    list of ReportMap
        The files and legend of each map, in the order of ``columns``.
    """
    base = [c for c in ("ward_id", "ward_name", "area_ha") if c in wards.columns]
    jobs = []
    for column in columns:
        scheme, bins = options.classes_of(column.name)
        jobs.append(
            {
                "wards": wards[[*dict.fromkeys([*base, column.name]), wards.geometry.name]],
                "column": column,
                "out_base": folder / column.name,
                "formats": options.formats,
                "dpi": options.dpi,
                "title": column.label,
                "subtitle": f"{title}: wards",
                "attribution": credits.lines([column.name]),
                "scheme": scheme,
                "k": options.k,
                "bins": bins,
                "city_values": dict(city_values),
                "notice": notice,
                "references": reference_notes(column, settings, wards[column.name]),
                "labels": options.labels,
            }
        )
    return run_jobs(_draw_report_map, jobs, processes=options.processes)


def _draw_report_map(job: dict[str, Any]) -> ReportMap:
    """Worker entry point: draw one report map."""
    from coventry_geo.maps.static import write_report_map

    return write_report_map(job.pop("wards"), job.pop("column"), job.pop("out_base"), **job)
