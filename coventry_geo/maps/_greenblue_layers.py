"""The layers of the green-and-blue site, as the page script draws them.

Each layer becomes a JSON-ready spec (``data/layers.js``): id, name, style, key
(legend) items, whether it is on when the page opens, which group of the panel it
is in, and its features with the text shown for each (title and rows, inserted
with ``textContent``), the colour of its type and a point where its popup opens.
Green spaces, water and tree canopy are on; the areas beyond the greenspace
standard's distances are off, in their own group, drawn under the green spaces.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from coventry_geo.maps._canopy import CANOPY_LEVELS, CANOPY_RGB
from coventry_geo.maps._geometry import display_geometry, to_features
from coventry_geo.maps._greenblue_palette import blue_colours, greenspace_colours
from coventry_geo.maps.classify import format_value

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["GROUPS", "vector_specs", "canopy_spec"]

_TIER_COLORS = ("#fdae6b", "#e6550d", "#a63603", "#7f2704")
_OUTLINE = "#1b3a1b"
_WATER_OUTLINE = "#023f8f"
_NOT_PUBLIC = re.compile(r"private|restricted|not public|members|no access", re.IGNORECASE)
_DASH = "5 4"
_MISSING = "–"

#: Groups of layers in the panel, in order.
GROUPS = (
    {
        "id": "greenblue",
        "name": "Green and blue spaces",
        "layers": ["canopy", "greenspace", "blue", "wards"],
    },
    {
        "id": "access",
        "name": "Access to natural greenspace",
        "note": "Where homes are farther from natural greenspace than a standard asks. "
        "This shows a lack of access, not green space.",
        "layers": ["deficiency"],
    },
)


def _text(value: object) -> str:
    return (
        _MISSING if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    )


def vector_specs(frames: dict[str, gpd.GeoDataFrame], simplify_m: float) -> list[dict[str, Any]]:
    """Return the specs of the ward, greenspace, water and deficiency layers.

    ``frames`` holds the layers by name (``wards``, ``greenspace``, ``blue``,
    ``deficiency``), projected in metres; ``simplify_m`` is the display tolerance.
    """
    wards, sites, blue, deficiency = (
        display_geometry(gdf, name, tolerance_m=simplify_m) for name, gdf in frames.items()
    )
    area_ha = (
        frames["greenspace"]["area_ha"]
        if "area_ha" in frames["greenspace"].columns
        else frames["greenspace"].geometry.area / 10_000
    )
    sites = sites.assign(area_ha=area_ha.loc[sites.index])
    return [
        _deficiency_spec(deficiency),
        _greenspace_spec(sites),
        _blue_spec(blue),
        _ward_spec(wards),
    ]


def _label_points(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    """Return a point on each shape (mid-way along a line) as ``[lat, lon]``, for its popup."""
    geoms = gdf.geometry.to_numpy()
    lines = shapely.get_dimensions(geoms) == 1
    points = shapely.point_on_surface(geoms)
    points[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
    xy = shapely.get_coordinates(points).round(5)
    return [[lat, lon] for lon, lat in xy.tolist()]


def _layer(
    layer_id: str,
    name: str,
    gdf: gpd.GeoDataFrame,
    props: list[dict[str, Any]],
    *,
    style: dict[str, Any],
    legend: list[dict[str, Any]],
    item_name: str | None = None,
    list_name: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": layer_id,
        "name": name,
        "kind": "vector",
        "visible": True,
        "searchable": item_name is not None,
        "itemName": item_name,
        "listName": list_name,
        "style": style,
        "legend": legend,
        "data": to_features(
            gdf, [p | {"at": at} for p, at in zip(props, _label_points(gdf), strict=True)]
        ),
        **extra,
    }


def _ward_spec(wards: gpd.GeoDataFrame) -> dict[str, Any]:
    codes = wards["ward_id"] if "ward_id" in wards.columns else [None] * len(wards)
    props = [
        {"title": _text(name), "rows": [["Ward code", _text(code)]]}
        for name, code in zip(wards["ward_name"], codes, strict=True)
    ]
    style = {"color": "#222222", "weight": 1.5, "fill": False, "dashArray": "4 3"}
    legend = [{"color": "#222222", "label": "Ward boundary", "line": True, "dash": True}]
    return _layer(
        "wards",
        "Ward boundaries",
        wards,
        props,
        style=style,
        legend=legend,
        item_name="ward",
        list_name="wards",
        pane="outlines",
    )


def _not_public(access: object) -> bool:
    return isinstance(access, str) and bool(_NOT_PUBLIC.search(access))


def _greenspace_spec(sites: gpd.GeoDataFrame) -> dict[str, Any]:
    colors = greenspace_colours(_text(v) for v in sites["type"])
    access = sites["access"] if "access" in sites.columns else [None] * len(sites)
    props = [
        {
            "title": _text(name) if _text(name) != _MISSING else "Unnamed site",
            "rows": [
                ["Type", colors[_text(kind)][1]],
                ["Area", format_value(float(area), "ha")],
                ["Access", _text(acc)],
            ],
            "fill": colors[_text(kind)][0],
            **({"dash": _DASH} if _not_public(acc) else {}),
        }
        for name, kind, area, acc in zip(
            sites["name"], sites["type"], sites["area_ha"], access, strict=True
        )
    ]
    style = {"color": _OUTLINE, "weight": 1, "fillOpacity": 1}
    legend = [{"color": c, "label": label} for c, label in dict.fromkeys(colors.values())]
    if any(_not_public(a) for a in access):
        legend.append(
            {
                "color": "#ffffff",
                "outline": _OUTLINE,
                "dash": True,
                "label": "Not open to the public",
            }
        )
    return _layer(
        "greenspace",
        "Green spaces by type",
        sites,
        props,
        style=style,
        legend=legend,
        item_name="green space",
        list_name="green spaces",
    )


def _blue_spec(blue: gpd.GeoDataFrame) -> dict[str, Any]:
    names = blue["name"] if "name" in blue.columns else [None] * len(blue)
    colors = blue_colours(_text(t) for t in blue["type"])
    lines = shapely.get_dimensions(blue.geometry.to_numpy()) == 1
    props = [
        {
            "title": _text(n) if _text(n) != _MISSING else colors[_text(t)][1],
            "rows": [["Type", colors[_text(t)][1]]],
            **(
                {"stroke": colors[_text(t)][0]}
                if line
                else {"fill": colors[_text(t)][0], "stroke": _WATER_OUTLINE}
            ),
        }
        for n, t, line in zip(names, blue["type"], lines, strict=True)
    ]
    line_types = {_text(t) for t, line in zip(blue["type"], lines, strict=True) if line}
    legend = [
        {"color": c, "label": label, "line": kind in line_types, "outline": _WATER_OUTLINE}
        for kind, (c, label) in colors.items()
    ]
    style = {"color": _WATER_OUTLINE, "weight": 3, "fillOpacity": 1}
    return _layer(
        "blue",
        "Rivers, canals and water",
        blue,
        props,
        style=style,
        legend=legend,
        item_name="water",
        list_name="rivers, canals and water",
    )


def _tier_labels(deficiency: gpd.GeoDataFrame) -> list[str]:
    """Tier labels ordered from the nearest, smallest standard to the farthest."""
    order = [c for c in ("max_distance_m", "min_area_ha") if c in deficiency.columns]
    ordered = deficiency.sort_values(order, kind="stable") if order else deficiency
    names = ordered["label"] if "label" in ordered.columns else ordered["tier"]
    return list(dict.fromkeys(_text(v) for v in names))


def _no(label: str) -> str:
    return f"No {label[:1].lower()}{label[1:]}"


def _deficiency_spec(deficiency: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the spec of the areas beyond each tier's distance, every tier kept visible.

    The tiers overlap: the largest area is drawn first (at the bottom) and each
    smaller one over it, each with a light fill and a solid outline in its tier's
    colour, so a tier is never hidden under another.
    """
    labels = _tier_labels(deficiency)
    colors = {label: _TIER_COLORS[i % len(_TIER_COLORS)] for i, label in enumerate(labels)}
    deficiency = deficiency.iloc[
        np.argsort(-shapely.area(deficiency.geometry.to_numpy()), kind="stable")
    ]
    names = deficiency["label"] if "label" in deficiency.columns else deficiency["tier"]
    props = [
        {
            "title": _no(_text(name)),
            "rows": [["Standard", _text(name)]],
            "fill": colors[_text(name)],
            "stroke": colors[_text(name)],
        }
        for name in names
    ]
    style = {"weight": 2.5, "fillOpacity": 0.18, "opacity": 1}
    legend = [{"color": c, "label": _no(k), "outline": c} for k, c in colors.items()]
    spec = _layer(
        "deficiency",
        "Areas without natural greenspace nearby",
        deficiency,
        props,
        style=style,
        legend=legend,
        pane="access",
    )
    return {**spec, "visible": False}


def canopy_spec(bounds: tuple[tuple[float, float], tuple[float, float]]) -> dict[str, Any]:
    """Return the spec of the canopy image, placed at ``((south, west), (north, east))``."""
    rgb = "#{:02x}{:02x}{:02x}".format(*CANOPY_RGB)
    step = 100 // CANOPY_LEVELS
    legend = [
        {
            "color": rgb + f"{round(210 * (i + 1) / CANOPY_LEVELS):02x}",
            "label": f"{i * step}–{(i + 1) * step}% of the ground under trees",
        }
        for i in range(CANOPY_LEVELS)
    ]
    return {
        "id": "canopy",
        "name": "Tree canopy",
        "kind": "image",
        "visible": True,
        "url": "data/canopy.png",
        "bounds": [list(bounds[0]), list(bounds[1])],
        "alt": "Tree canopy: darker green where more of the ground is under tree crowns.",
        "legend": legend,
    }
