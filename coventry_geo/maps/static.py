"""Static ward choropleths (PNG) for reports, with the web maps' classes and colours.

Drawn with matplotlib's Agg backend through :class:`matplotlib.figure.Figure`
(no pyplot state), in the wards' own projected CRS.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from coventry_geo.errors import LayerSchemaError
from coventry_geo.maps._assets import write_atomic
from coventry_geo.maps.classify import NO_DATA_COLOR, classify

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import geopandas as gpd

    from coventry_geo.columns import ColumnInfo
    from coventry_geo.maps.classify import Scheme

__all__ = ["static_choropleth"]

logger = logging.getLogger(__name__)


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
    figsize_in: tuple[float, float] = (8.0, 8.0),
    dpi: int = 150,
) -> Path:
    """Draw one ward indicator as a PNG choropleth with a legend in its unit.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Wards with a geometry and the column ``column.name``.
    column : ColumnInfo
        The indicator (label, unit, direction).
    out_path : Path
        The ``.png`` file to write (atomically).
    attribution : sequence of str
        Attribution lines printed under the map.
    title : str, optional
        Heading; default ``column.label``.
    scheme : {"quantiles", "natural_breaks", "fixed"}
        Classification, as for the web maps.
    k : int
        Number of classes for ``quantiles`` and ``natural_breaks``.
    bins : sequence of float, optional
        Upper class bounds for ``fixed``.
    figsize_in : tuple of float
        Figure width and height in inches.
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    LayerSchemaError
        If the column is missing.
    ManifestError
        If the classification options are invalid.
    OutputError
        If the file cannot be written.
    """
    if column.name not in wards.columns:
        msg = f"the ward table has no column '{column.name}'."
        msg_0 = "wards"
        raise LayerSchemaError(msg_0, None, msg, "compute the indicator before mapping it.")
    values = wards[column.name].to_numpy(dtype="float64", na_value=np.nan)
    classes = classify(values, column, scheme=scheme, k=k, bins=bins)
    idx = classes.assign(values)
    colors = [classes.colors[i] if i >= 0 else NO_DATA_COLOR for i in idx]
    fig = Figure(figsize=figsize_in, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    wards.plot(ax=ax, color=colors, edgecolor="#333333", linewidth=0.5)
    ax.set_axis_off()
    ax.set_title(title or column.label)
    handles = [
        Patch(facecolor=c, edgecolor="#333333", label=t)
        for c, t in zip(classes.colors, classes.labels(column.unit), strict=True)
    ]
    if (idx < 0).any():
        handles.append(Patch(facecolor=NO_DATA_COLOR, edgecolor="#333333", label="No data"))
    legend_title = column.label + (f" ({column.unit})" if column.unit else "")
    ax.legend(
        handles=handles,
        title=legend_title,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize="small",
        frameon=False,
    )
    fig.text(0.01, 0.01, "\n".join(attribution), fontsize=7, va="bottom", color="#333333")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    logger.info("wrote static map %s", out_path)
    return write_atomic(out_path, buffer.getvalue())
