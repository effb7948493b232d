"""A ward profile as a one-page A4 PDF, drawn with matplotlib (no browser needed)."""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from coventry_geo.maps._draw import draw_polygons
from coventry_geo.maps._facts import CITY_WIDE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes

    from coventry_geo.maps._svg import SvgShape
    from coventry_geo.maps.profiles import WardProfile

__all__ = ["profile_pdf", "profile_figure", "A4_PORTRAIT_IN"]

#: A4 portrait, in inches.
A4_PORTRAIT_IN = (8.27, 11.69)
_LEFT = 0.06
_WIDTH = 0.88
_ROW = 0.0142
_GREY = "#444444"


def profile_pdf(
    profile: WardProfile, *, title: str, notice: str | None, credits: Sequence[str], count: int
) -> bytes:
    """Return one ward's profile as the bytes of a one-page A4 PDF (see :func:`profile_figure`)."""
    fig = profile_figure(profile, title=title, notice=notice, credits=credits, count=count)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="pdf", metadata={"Creator": "coventry_geo", "CreationDate": None})
    return buffer.getvalue()


def profile_figure(
    profile: WardProfile, *, title: str, notice: str | None, credits: Sequence[str], count: int
) -> Figure:
    """Lay out one ward's profile on an A4-portrait figure.

    Parameters
    ----------
    profile : WardProfile
    title : str
        Study name.
    notice : str or None
        Synthetic-data notice.
    credits : sequence of str
        Credit lines.
    count : int
        Number of wards (ranks are "of N").

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=A4_PORTRAIT_IN)
    FigureCanvasAgg(fig)
    fig.text(_LEFT, 0.975, f"Ward profile · {title}", fontsize=8.5, color=_GREY, va="top")
    fig.text(_LEFT, 0.96, profile.name, fontsize=19, fontweight="bold", va="top")
    fig.text(
        _LEFT,
        0.928,
        f"Ward code {profile.ward_id} · one of {count} wards",
        fontsize=8.5,
        color=_GREY,
        va="top",
    )
    if notice:
        box = {"boxstyle": "round,pad=0.3", "facecolor": "#fde2e1", "edgecolor": "#c0392b"}
        fig.text(
            _LEFT, 0.91, notice, fontsize=8, fontweight="bold", color="#8a1c12", va="top", bbox=box
        )
    _shapes(fig.add_axes((_LEFT, 0.67, 0.27, 0.21)), profile.locator)
    fig.text(_LEFT, 0.66, "Where the ward is in the city.", fontsize=7, color=_GREY, va="top")
    if profile.areas:
        _shapes(fig.add_axes((0.37, 0.67, 0.57, 0.21)), profile.areas)
        _area_legend(fig, profile)
    y = _table(
        fig,
        0.625,
        "Headline indicators",
        ["Indicator", "Ward", CITY_WIDE, f"Rank of {count}"],
        profile.headline,
        [0.42, 0.19, 0.29, 0.10],
        "",
    )
    fig.text(
        _LEFT,
        y + 0.004,
        "Rank 1 = worst ward (highest hazard or least of an asset), or "
        "highest value where neither applies. Priority ranks: among all the city's small areas.",
        fontsize=6.5,
        color=_GREY,
        va="top",
    )
    y -= 0.02
    plant = _table(
        fig,
        y,
        "Top planting priorities",
        ["Rank", "Small area", "TES", "Trees"],
        profile.planting,
        [0.14, 0.5, 0.16, 0.2],
        profile.empty["planting"],
        left=_LEFT,
        width=0.42,
    )
    cool = _table(
        fig,
        y,
        "Top cooling priorities",
        ["Rank", "Small area", "LST", "Cand."],
        profile.cooling,
        [0.14, 0.5, 0.2, 0.16],
        profile.empty["cooling"],
        left=0.52,
        width=0.42,
    )
    _table(
        fig,
        min(plant, cool) - 0.015,
        "Double-jeopardy small areas",
        ["Small area", "High hazard (or low asset) among high deprivation in"],
        profile.double_jeopardy,
        [0.35, 0.65],
        profile.empty["double_jeopardy"],
    )
    lines = [part for line in credits for part in textwrap.wrap(line, 150)]
    fig.text(_LEFT, 0.015, "\n".join(lines), fontsize=6, color=_GREY, va="bottom")
    return fig


def _shapes(ax: Axes, shapes: Sequence[SvgShape]) -> None:
    draw_polygons(
        ax,
        [s.geometry for s in shapes],
        [s.fill for s in shapes],
        edgecolors=[s.stroke for s in shapes],
        linewidths=[s.width * 0.6 for s in shapes],
    )
    ax.set_aspect("equal")
    ax.set_axis_off()


def _area_legend(fig: Figure, profile: WardProfile) -> None:
    legend = profile.area_legend
    if legend is None:
        return
    fig.text(
        0.37,
        0.66,
        f"Small areas by {legend.title} (city-wide classes); thick outline: double jeopardy.",
        fontsize=7,
        color=_GREY,
        va="top",
    )
    for n, entry in enumerate(legend.entries):
        x, y = 0.37 + (n % 3) * 0.19, 0.641 - (n // 3) * 0.012
        fig.add_artist(
            Rectangle(
                (x, y - 0.004),
                0.018,
                0.008,
                transform=fig.transFigure,
                facecolor=entry.color,
                edgecolor="#555555",
                linewidth=0.4,
            )
        )
        fig.text(x + 0.022, y, entry.label, fontsize=6.3, va="center")


def _table(
    fig: Figure,
    top: float,
    heading: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    empty: str,
    *,
    left: float = _LEFT,
    width: float = _WIDTH,
) -> float:
    """Draw a heading and a text table from ``top`` down; return the y below it."""
    fig.text(left, top, heading, fontsize=10, fontweight="bold", va="top")
    y = top - 0.02
    if not rows:
        fig.text(left, y, empty, fontsize=7.5, color=_GREY, va="top")
        return y - _ROW
    for n, row in enumerate([header, *rows]):
        x = left
        for cell, share in zip(row, widths, strict=True):
            chars = max(4, int(share * width * A4_PORTRAIT_IN[0] * 72 / (7.5 * 0.52)))
            text = cell if len(cell) <= chars else cell[: chars - 1] + "…"
            fig.text(x, y, text, fontsize=7.5, va="top", fontweight="bold" if n == 0 else None)
            x += share * width
        y -= _ROW
        fig.add_artist(
            Rectangle(
                (left, y + 0.003),
                width,
                0.0004,
                transform=fig.transFigure,
                facecolor="#cccccc",
                edgecolor="none",
            )
        )
    return y
