"""Report maps: one indicator on an A4-landscape page, as PNG (300 dpi), PDF or SVG.

Drawn with matplotlib through :class:`matplotlib.figure.Figure` (no pyplot state),
in the wards' own projected CRS. The page is laid out in separate axes, so that
nothing is drawn over the wards:

- a title band: the indicator, the study, and the synthetic-data notice of the demo;
- the map: wards in their class colours, ward names that do not collide
  (:mod:`coventry_geo.maps._labels`), a scale bar (:mod:`matplotlib_scalebar`)
  and a north arrow in a strip kept free below the wards;
- a legend column: the classes with units, the classification method, the city
  reference, reference values (canopy baseline and target) and what the
  indicator is;
- a footer with the credits of the layers the indicator was computed from.

Colours and classes are those of the web map (:func:`~coventry_geo.maps.symbology.symbolize`).
"""

from __future__ import annotations

import io
import logging
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from coventry_geo._files import write_atomic
from coventry_geo.errors import LayerSchemaError
from coventry_geo.maps._draw import draw_polygons
from coventry_geo.maps._facts import indicator_facts
from coventry_geo.maps._labels import label_points, place_labels
from coventry_geo.maps.symbology import Symbology, symbolize

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import geopandas as gpd
    from matplotlib.axes import Axes

    from coventry_geo.columns import ColumnInfo
    from coventry_geo.maps.classify import Scheme

__all__ = [
    "A4_LANDSCAPE_IN",
    "ReportMap",
    "report_map_figure",
    "write_report_map",
    "static_choropleth",
]

logger = logging.getLogger(__name__)

#: A4 landscape, in inches.
A4_LANDSCAPE_IN = (11.69, 8.27)
_EDGE = "#4d4d4d"
_NOTICE = {"color": "#8a1c12", "facecolor": "#fde2e1", "edgecolor": "#c0392b"}
#: File metadata without dates, so that the same input gives the same files.
_METADATA = {
    "pdf": {"Creator": "coventry_geo", "Producer": "coventry_geo", "CreationDate": None},
    "svg": {"Creator": "coventry_geo", "Date": None},
}


@dataclass(frozen=True)
class ReportMap:
    """What :func:`write_report_map` wrote: the files and the legend drawn on them."""

    column: str
    files: list[Path]
    legend: Symbology


def report_map_figure(
    wards: gpd.GeoDataFrame,
    column: ColumnInfo,
    *,
    title: str,
    subtitle: str = "",
    attribution: Sequence[str] = (),
    symbology: Symbology | None = None,
    city_values: Mapping[str, float] | None = None,
    notice: str | None = None,
    references: Sequence[str] = (),
    labels: bool = True,
) -> Figure:
    """Lay out one report map on an A4-landscape figure.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards in a projected CRS in metres, with ``ward_name`` and the column.
    column : ColumnInfo
    title, subtitle : str
        Heading (the indicator) and the line under it (the study).
    attribution : sequence of str
        Credit lines, in the footer.
    symbology : Symbology, optional
        Colours and legend (default: :func:`symbolize` with its defaults).
    city_values : mapping of str to float, optional
        The run's city values (the legend states the city reference).
    notice : str, optional
        Shown in red under the title (the synthetic-data notice).
    references : sequence of str
        Reference values stated in the legend (e.g. canopy baseline and target).
    labels : bool
        Write the ward names.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check(wards, column)
    symbology = symbology or symbolize(wards[column.name], column)
    fig = Figure(figsize=A4_LANDSCAPE_IN)
    FigureCanvasAgg(fig)
    lines = _wrapped(attribution, 200)
    footer_top = 0.02 + 0.0165 * max(1, len(lines))
    top = _title_band(fig, title, subtitle, notice)
    height = top - footer_top - 0.02
    ax = fig.add_axes((0.02, footer_top + 0.015, 0.64, height))
    _draw_map(ax, wards, symbology, labels=labels)
    side = fig.add_axes((0.685, footer_top + 0.015, 0.295, height))
    facts = indicator_facts(wards, column, city_values)
    extra = [f"{facts.city_label}: {facts.city}"] if facts.city else []
    if facts.rank_note and symbology.title != column.label:
        extra.append(f"Ward ranks ({facts.rank_note} of {len(wards)}): ward map and profiles")
    _legend(side, symbology, [*extra, *references], column.description)
    fig.text(0.02, 0.012, "\n".join(lines), fontsize=6.5, color="#333333", va="bottom")
    return fig


def write_report_map(
    wards: gpd.GeoDataFrame,
    column: ColumnInfo,
    out_base: Path,
    *,
    formats: Sequence[str] = ("png", "pdf"),
    dpi: int = 300,
    title: str | None = None,
    subtitle: str = "",
    attribution: Sequence[str] = (),
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    city_values: Mapping[str, float] | None = None,
    notice: str | None = None,
    references: Sequence[str] = (),
    labels: bool = True,
) -> ReportMap:
    """Draw one report map and write it in each format (``<out_base>.<format>``).

    Parameters
    ----------
    wards, column
        As for :func:`report_map_figure`.
    out_base : Path
        Path without suffix.
    formats : sequence of {"png", "pdf", "svg"}
    dpi : int
        Resolution of the PNG.
    title : str, optional
        Default: the column's label.
    subtitle, attribution, city_values, notice, references, labels
        As for :func:`report_map_figure`.
    scheme, k, bins
        Classification (see :func:`~coventry_geo.maps.symbology.symbolize`).

    Returns
    -------
    ReportMap
        The files written and the legend drawn.

    Raises
    ------
    LayerSchemaError
        If the column is missing.
    ManifestError
        If the classification options are invalid.
    OutputError
        If a file cannot be written.
    """
    _check(wards, column)
    symbology = symbolize(wards[column.name], column, scheme=scheme, k=k, bins=bins)
    fig = report_map_figure(
        wards,
        column,
        title=title or column.label,
        subtitle=subtitle,
        attribution=attribution,
        symbology=symbology,
        city_values=city_values,
        notice=notice,
        references=references,
        labels=labels,
    )
    files = [write_atomic(out_base.with_suffix(f".{f}"), _render(fig, f, dpi)) for f in formats]
    logger.info("wrote report map %s (%s)", out_base, ", ".join(formats))
    return ReportMap(column.name, files, symbology)


def static_choropleth(
    wards: gpd.GeoDataFrame,
    column: ColumnInfo,
    out_path: Path,
    *,
    attribution: Sequence[str],
    title: str | None = None,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    notice: str | None = None,
    dpi: int = 150,
    labels: bool = True,
) -> Path:
    """Draw one ward indicator as an A4-landscape report map in the format of ``out_path``.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards with ``ward_name``, a geometry in a projected CRS and the column.
    column : ColumnInfo
    out_path : Path
        ``.png``, ``.pdf`` or ``.svg`` file to write (atomically).
    attribution : sequence of str
        Credit lines, in the footer.
    title : str, optional
        Heading; default ``column.label``.
    scheme, k, bins
        Classification, as for the web maps.
    notice : str, optional
        Red notice under the title (synthetic data).
    dpi : int
        Resolution of a PNG.
    labels : bool
        Write the ward names.

    Returns
    -------
    Path
        ``out_path``.
    """
    suffix = Path(out_path).suffix.lstrip(".").lower() or "png"
    done = write_report_map(
        wards,
        column,
        Path(out_path).with_suffix(""),
        formats=(suffix,),
        dpi=dpi,
        title=title,
        attribution=attribution,
        scheme=scheme,
        k=k,
        bins=bins,
        notice=notice,
        labels=labels,
    )
    return done.files[0]


def _check(wards: gpd.GeoDataFrame, column: ColumnInfo) -> None:
    missing = [c for c in (column.name, "ward_name") if c not in wards.columns]
    if missing:
        msg = f"the ward table has no column {missing}."
        layer = "wards"
        raise LayerSchemaError(layer, None, msg, "compute the indicator before mapping it.")


def _render(fig: Figure, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "png":
        _png(fig, dpi, buffer)
        return buffer.getvalue()
    with rc_context({"svg.hashsalt": "coventry_geo", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return buffer.getvalue()


def _png(fig: Figure, dpi: int, buffer: io.BytesIO) -> None:
    """Write the figure as a 256-colour PNG (flat fills stay within 1/255 of their colour).

    A map has few colours: an adaptive palette makes the file about a quarter of
    the size of a true-colour PNG, and is quicker to compress.
    """
    from PIL import Image

    fig.set_dpi(dpi)
    fig.canvas.draw()
    size = (int(fig.bbox.width), int(fig.bbox.height))
    rgba = Image.frombuffer("RGBA", size, fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    paletted = rgba.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    paletted.save(buffer, format="png", dpi=(dpi, dpi), pnginfo=_png_info())


def _png_info() -> object:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", "coventry_geo")
    return info


def _wrapped(lines: Sequence[str], width: int) -> list[str]:
    return [part for line in lines for part in textwrap.wrap(line, width) or [""]]


def _title_band(fig: Figure, title: str, subtitle: str, notice: str | None) -> float:
    """Write the title, subtitle and notice; return the figure fraction below them."""
    fig.text(0.02, 0.972, title, fontsize=17, fontweight="bold", va="top")
    y = 0.925
    if subtitle:
        fig.text(0.02, y, subtitle, fontsize=10.5, color="#333333", va="top")
        y -= 0.035
    if notice:
        box = {"boxstyle": "round,pad=0.3", "facecolor": _NOTICE["facecolor"]}
        box["edgecolor"] = _NOTICE["edgecolor"]
        fig.text(
            0.02,
            y,
            notice,
            fontsize=9.5,
            fontweight="bold",
            color=_NOTICE["color"],
            va="top",
            bbox=box,
        )
        y -= 0.04
    return y - 0.005


def _draw_map(ax: Axes, wards: gpd.GeoDataFrame, symbology: Symbology, *, labels: bool) -> None:
    draw_polygons(ax, list(wards.geometry), symbology.colors, edgecolors=_EDGE, linewidths=0.5)
    minx, miny, maxx, maxy = wards.total_bounds
    w, h = maxx - minx, maxy - miny
    ax.set_xlim(minx - 0.03 * w, maxx + 0.03 * w)
    ax.set_ylim(miny - 0.13 * h, maxy + 0.02 * h)  # a strip below the wards for the furniture
    ax.set_aspect("equal")
    ax.set_axis_off()
    _furniture(ax, wards)
    if labels:
        names = [str(n) for n in wards["ward_name"]]
        place_labels(
            ax, names, label_points(wards.geometry.array), fontsize=_label_size(len(names))
        )


def _label_size(n: int) -> float:
    return 7.5 if n <= 25 else 6.0 if n <= 60 else 4.5


def _furniture(ax: Axes, wards: gpd.GeoDataFrame) -> None:
    """Scale bar (lower left) and north arrow (lower right), in the strip below the wards."""
    from matplotlib_scalebar.scalebar import ScaleBar

    units = {a.unit_name for a in wards.crs.axis_info} if wards.crs is not None else set()
    if units & {"metre", "meter"}:
        ax.add_artist(
            ScaleBar(
                1.0,
                "m",
                location="lower left",
                frameon=False,
                length_fraction=0.25,
                font_properties={"size": 8},
                color="#222222",
            )
        )
    else:
        logger.warning("report map: the CRS is not in metres (%s); no scale bar", wards.crs)
    ax.annotate(
        "N",
        xy=(0.965, 0.085),
        xytext=(0.965, 0.015),
        xycoords="axes fraction",
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#222222", "lw": 1.4},
    )


def _legend(ax: Axes, symbology: Symbology, notes: Sequence[str], description: str) -> None:
    """Draw the legend column: title, classes, method, notes and what the indicator is."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    pt = 1.0 / (ax.get_position().height * A4_LANDSCAPE_IN[1] * 72)
    y = 1.0
    for line in textwrap.wrap(symbology.title, 34):
        ax.text(0, y, line, fontsize=11, fontweight="bold", va="top")
        y -= 15 * pt
    y -= 6 * pt
    for entry in symbology.entries:
        ax.add_patch(
            Rectangle(
                (0, y - 11 * pt),
                0.1,
                11 * pt,
                facecolor=entry.color,
                edgecolor=_EDGE,
                linewidth=0.5,
            )
        )
        ax.text(0.14, y - 5.5 * pt, entry.label, fontsize=9.5, va="center")
        y -= 16 * pt
    y -= 4 * pt
    blocks = [(f"Classes: {symbology.method}", 8.5, "#333333")]
    blocks += [(note, 9, "#111111") for note in notes]
    blocks.append((description, 8, "#444444"))
    for text, size, color in blocks:
        for line in textwrap.wrap(text, int(330 / size)):
            ax.text(0, y, line, fontsize=size, color=color, va="top")
            y -= (size + 3) * pt
        y -= 5 * pt
    if y < 0:
        logger.warning("report map legend of %s is taller than its column", symbology.name)
