"""Ward profiles: one printable page per ward, as HTML and as PDF, and an index.

:func:`write_ward_profiles` writes ``profiles/<ward>.html`` (print CSS: one A4
page), ``profiles/<ward>.pdf`` (drawn with matplotlib, no browser) and
``profiles/index.html``. Each profile has:

- a locator: the city's wards with this one highlighted;
- the ward's small areas on a mini-map, coloured by composite climate risk (or
  deprivation) in city-wide classes, double-jeopardy areas outlined;
- every headline indicator with its unit, the ward's value, the city reference
  and its rank of N, and "Not assessed" with the layer to add for those whose
  layer is missing;
- its double-jeopardy small areas (high hazard among high deprivation), and its
  top planting and cooling priorities, with their city-wide ranks; a section
  the run could not compute says "Not assessed" and the layer to add, so that
  an empty section always means "none found".

Every text from data is escaped; file names are made from the ward ids with
anything but letters, digits, ``-`` and ``_`` replaced.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from coventry_geo._files import write_atomic
from coventry_geo.columns import ColumnInfo, column_info
from coventry_geo.maps._facts import IndicatorFacts, indicator_facts, value_text
from coventry_geo.maps._parallel import run_jobs
from coventry_geo.maps._svg import SvgShape
from coventry_geo.maps.assessed import NOT_ASSESSED, not_assessed, section_gap
from coventry_geo.maps.classify import NO_DATA_COLOR, format_value
from coventry_geo.maps.report import mapped_columns
from coventry_geo.maps.symbology import Symbology, column_title, symbolize
from coventry_geo.styles import HEADLINE, THEMES, map_style

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    import geopandas as gpd

    from coventry_geo.evidence import Evidence
    from coventry_geo.maps.credits import Credits
    from coventry_geo.maps.options import MapOptions

__all__ = ["WardProfile", "profile_links", "ward_profiles", "write_ward_profiles", "TOP"]

logger = logging.getLogger(__name__)

#: Priorities listed per ward.
TOP = 5
#: Double-jeopardy areas listed per ward (the rest are counted), to keep one page.
DJ_ROWS = 8
_AREA_RISK = ColumnInfo(
    "risk_index", "Composite climate risk", "0-1", "Small-area risk index.", "risk", True
)
_AREA_IMD = ColumnInfo(
    "imd_score", "IMD score", "score", "Index of Multiple Deprivation score.", "equity", True
)
_DJ_STROKE = "#000000"


#: What an empty section says when the run computed it (nothing was found).
_NONE_FOUND = {
    "planting": "No small area of the ward has a canopy gap to its goal.",
    "cooling": "No small area of the ward is among the cooling priorities.",
    "double_jeopardy": "None of the ward's small areas is a double-jeopardy area.",
}


@dataclass
class WardProfile:
    """Everything one ward's profile shows (text already formatted).

    Attributes
    ----------
    ward_id, name, stem : str
        Ward code, name and the file name stem of its profile.
    headline : list of tuple of str
        ``(indicator with unit, ward value, city reference, rank of N)``.
    double_jeopardy : list of tuple of str
        ``(small area, the indicators it is a double-jeopardy area for)``.
    planting, cooling : list of tuple of str
        Top priorities: ``(city rank, small area, value, detail)``.
    locator, areas : list of SvgShape
        The city's wards (this one highlighted) and the ward's small areas.
    area_legend : Symbology or None
        Colours of the small areas.
    empty : dict of str to str
        What ``planting``, ``cooling`` and ``double_jeopardy`` say when they list
        nothing: "none found", or "Not assessed" and the layer to add.
    """

    ward_id: str
    name: str
    stem: str
    headline: list[tuple[str, str, str, str]] = field(default_factory=list)
    double_jeopardy: list[tuple[str, str]] = field(default_factory=list)
    planting: list[tuple[str, str, str, str]] = field(default_factory=list)
    cooling: list[tuple[str, str, str, str]] = field(default_factory=list)
    locator: list[SvgShape] = field(default_factory=list)
    areas: list[SvgShape] = field(default_factory=list)
    area_legend: Symbology | None = None
    empty: dict[str, str] = field(default_factory=lambda: dict(_NONE_FOUND))


def profile_links(ward_ids: Iterable[object], *, prefix: str = "") -> dict[str, str]:
    """Ward id to the relative URL of its profile page (``<prefix><stem>.html``)."""
    stems = _stems([str(i) for i in ward_ids])
    return {i: f"{prefix}{quote(stem)}.html" for i, stem in stems.items()}


def _stems(ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for ward_id in ids:
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", ward_id).strip("_") or "ward"
        base, n = stem, 2
        while stem.lower() in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem.lower())
        out[ward_id] = stem
    return out


def ward_profiles(
    evidence: Evidence, *, city_values: Mapping[str, float] | None = None
) -> list[WardProfile]:
    """Gather what each ward's profile shows.

    Parameters
    ----------
    evidence : Evidence
        The run's results: the ward table, the small-area table, the tables
        ``planting_priorities`` and ``cooling_priorities``, ``risk_small_areas``
        and the layer ``double_jeopardy``, where the run made them.
    city_values : mapping of str to float, optional
        Default: ``evidence.city``.

    Returns
    -------
    list of WardProfile
        In the order of the ward table.
    """
    wards = evidence.wards.reset_index(drop=True)
    city = evidence.city if city_values is None else city_values
    present = {c.name for c in mapped_columns(wards)}
    facts = [indicator_facts(wards, column_info(n), city) for n in HEADLINE if n in present]
    gaps = not_assessed(evidence, HEADLINE)
    small, shown = _small_areas(evidence)
    empty = _empty_sections(evidence, small)
    legend = None if shown is None else symbolize(small["map_value"], shown, k=5)
    stems = _stems([str(i) for i in wards["ward_id"]])
    profiles = []
    for row, ward_id in enumerate(str(i) for i in wards["ward_id"]):
        profile = WardProfile(
            ward_id, str(wards["ward_name"].iloc[row]), stems[ward_id], empty=empty
        )
        profile.headline = _headline(facts, gaps, row)
        profile.locator = _locator(wards, row)
        if small is not None:
            mine = small[small["ward_id"].astype(str) == ward_id]
            profile.areas, profile.area_legend = _area_shapes(small, mine, legend), legend
            profile.double_jeopardy = _double_jeopardy(mine)
            profile.planting = _planting(evidence, mine)
            profile.cooling = _cooling(evidence, mine)
        profiles.append(profile)
    return profiles


def _headline(
    facts: list[IndicatorFacts], gaps: Mapping[str, str], row: int
) -> list[tuple[str, str, str, str]]:
    """Rows of the headline table, in :data:`HEADLINE` order, not-assessed ones included."""
    rows = {
        f.column.name: (column_title(f.column, f.style), f.values[row], f.city_text, f.ranks[row])
        for f in facts
    }
    for name, fix in gaps.items():
        column = column_info(name)
        rows[name] = (
            column_title(column),
            NOT_ASSESSED,
            fix[:1].upper() + fix[1:],
            "\u2013",
        )
    return [rows[n] for n in HEADLINE if n in rows]


def _empty_sections(evidence: Evidence, small: pd.DataFrame | None) -> dict[str, str]:
    """Return what each section says when it lists nothing: not assessed (why), or none found."""
    out = {name: section_gap(evidence, name) or text for name, text in _NONE_FOUND.items()}
    themes = _dj_themes(small) if small is not None else []
    if out["double_jeopardy"] == _NONE_FOUND["double_jeopardy"] and themes:
        out["double_jeopardy"] = out["double_jeopardy"][:-1] + f" (for {', '.join(themes)})."
    return out


def _dj_themes(small: pd.DataFrame) -> list[str]:
    """Return the themes double jeopardy was assessed for (flood, heat, trees...).

    A flag with no value in any small area was not tested (too few values, or no variation).
    """
    flags = [c for c in small.columns if c.startswith("dj_") and small[c].notna().any()]
    return list(dict.fromkeys(_short(c[3:]) for c in flags))


def _small_areas(evidence: Evidence) -> tuple[gpd.GeoDataFrame | None, ColumnInfo | None]:
    """Return the small areas with ``map_value`` (risk, else IMD score) and ``dj_*`` flags."""
    small = evidence.small_areas
    if small is None or "ward_id" not in small.columns:
        return None, None
    small = small.reset_index(drop=True)
    risk = evidence.tables.get("risk_small_areas")
    shown = None
    if risk is not None and "risk_index" in risk.columns:
        values = risk.set_index("area_id")["risk_index"]
        small, shown = small.assign(map_value=small["area_id"].map(values).to_numpy()), _AREA_RISK
    elif "imd_score" in small.columns:
        small, shown = small.assign(map_value=small["imd_score"]), _AREA_IMD
    dj = evidence.layers.get("double_jeopardy")
    flags = [c for c in dj.columns if c.startswith("dj_")] if dj is not None else []
    if flags:
        small = small.merge(pd.DataFrame(dj[["area_id", *flags]]), on="area_id", how="left")
    if shown is not None and small["map_value"].isna().all():
        shown = None
    return small, shown


def _locator(wards: gpd.GeoDataFrame, row: int) -> list[SvgShape]:
    outline = wards.geometry.simplify(20.0)
    shapes = [
        SvgShape(g, "#e6e6e6", "#ffffff", 0.8, str(n))
        for i, (g, n) in enumerate(zip(outline, wards["ward_name"], strict=True))
        if i != row
    ]
    shapes.append(
        SvgShape(outline.iloc[row], "#08519c", "#000000", 1.2, str(wards["ward_name"].iloc[row]))
    )
    return shapes


def _area_shapes(
    small: gpd.GeoDataFrame, mine: gpd.GeoDataFrame, legend: Symbology | None
) -> list[SvgShape]:
    colors = legend.colors if legend is not None else [NO_DATA_COLOR] * len(small)
    flagged = _flagged(mine)
    shapes, top = [], []
    for i, area in mine.iterrows():
        name = str(area.get("area_name", area["area_id"]))
        value = area.get("map_value")
        text = (
            f"{name}: {format_value(float(value), '')}"
            if value == value and value is not None
            else name
        )
        if i in flagged.index and flagged.loc[i]:
            top.append(
                SvgShape(area.geometry, colors[i], _DJ_STROKE, 2.6, f"{text} (double jeopardy)")
            )
        else:
            shapes.append(SvgShape(area.geometry, colors[i], "#4d4d4d", 0.6, text))
    return shapes + top


def _flagged(mine: pd.DataFrame) -> pd.Series:
    flags = [c for c in mine.columns if c.startswith("dj_")]
    if not flags:
        return pd.Series(False, index=mine.index)
    return mine[flags].fillna(False).astype(bool).any(axis=1)


def _double_jeopardy(mine: pd.DataFrame) -> list[tuple[str, str]]:
    flags = [c for c in mine.columns if c.startswith("dj_")]
    rows = []
    for _, area in mine.iterrows():
        hit = [_short(c[3:]) for c in flags if pd.notna(area[c]) and bool(area[c])]
        if hit:
            rows.append((_area_name(area), ", ".join(dict.fromkeys(hit))))
    if len(rows) > DJ_ROWS:
        more = len(rows) - DJ_ROWS + 1
        rows = [*rows[: DJ_ROWS - 1], (f"and {more} more", "see the double_jeopardy layer")]
    return rows


def _short(name: str) -> str:
    """Return what a double-jeopardy indicator is about: its theme (flood, heat, trees...)."""
    try:
        theme = map_style(column_info(name)).theme
    except KeyError:
        return name
    return dict(THEMES).get(theme, name).lower()


def _area_name(area: pd.Series) -> str:
    name = area.get("area_name")
    return str(area["area_id"]) if name is None or name != name else str(name)


def _planting(evidence: Evidence, mine: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    table = evidence.tables.get("planting_priorities")
    if table is None:
        return []
    rows = table[table["area_id"].isin(mine["area_id"])].sort_values("planting_rank").head(TOP)
    names = mine.set_index("area_id")
    return [
        (
            str(int(r.planting_rank)),
            _area_name(_row(names, r.area_id)),
            format_value(float(r.tes_score), ""),
            value_text(r.tes_trees_needed, column_info("tes_trees_needed")),
        )
        for r in rows.itertuples()
    ]


def _row(names: pd.DataFrame, area_id: object) -> pd.Series:
    row = names.loc[area_id].copy()
    row["area_id"] = area_id
    return row


def _cooling(evidence: Evidence, mine: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    table = evidence.tables.get("cooling_priorities")
    if table is None:
        return []
    rows = table[table["area_id"].isin(mine["area_id"])]
    rows = rows.sort_values("cooling_priority_rank").head(TOP)
    names = mine.set_index("area_id")
    return [
        (
            str(int(r.cooling_priority_rank)),
            _area_name(_row(names, r.area_id)),
            format_value(float(r.lst_mean_c), "°C"),
            "yes" if bool(r.candidate) else "no",
        )
        for r in rows.itertuples()
    ]


def write_ward_profiles(
    evidence: Evidence,
    folder: Path,
    *,
    title: str,
    credits: Credits,
    options: MapOptions,
    notice: str | None = None,
    progress: str | None = None,
) -> list[Path]:
    """Write a profile page (HTML and PDF) per ward and their index.

    Parameters
    ----------
    evidence : Evidence
        The run's results.
    folder : Path
        The ``profiles`` folder to write.
    title : str
        Study name.
    credits : Credits
        Credit lines of the layers each indicator came from.
    options : MapOptions
        ``processes`` (PDFs are drawn in worker processes when worth it).
    notice : str, optional
        Synthetic-data notice.
    progress : str, optional
        Caption of the chart of progress to the plan's targets, which the run
        writes as ``progress.png`` beside ``profiles/``; the index shows it.

    Returns
    -------
    list of Path
        ``index.html`` and each ward's ``.html`` and ``.pdf``.
    """
    from coventry_geo.maps._profile_page import index_html, profile_html

    profiles = ward_profiles(evidence)
    names = [*HEADLINE, "table:planting_priorities", "table:cooling_priorities"]
    lines = credits.lines([*names, "layer:double_jeopardy", "small_areas"])
    count = len(profiles)
    files = [
        write_atomic(
            folder / f"{p.stem}.html",
            profile_html(p, title=title, notice=notice, credits=lines, count=count),
        )
        for p in profiles
    ]
    jobs = [
        {
            "profile": p,
            "path": folder / f"{p.stem}.pdf",
            "title": title,
            "notice": notice,
            "credits": lines,
            "count": count,
        }
        for p in profiles
    ]
    files += run_jobs(_draw_pdf, jobs, processes=options.processes)
    files.append(
        write_atomic(
            folder / "index.html",
            index_html(profiles, title=title, notice=notice, progress=progress),
        )
    )
    logger.info("wrote %d ward profiles in %s", count, folder)
    return files


def _draw_pdf(job: dict[str, Any]) -> Path:
    """Worker entry point: draw one profile as PDF."""
    from coventry_geo.maps._profile_pdf import profile_pdf

    return write_atomic(job.pop("path"), profile_pdf(job.pop("profile"), **job))
