"""The style registry: every column has a style, and each cartographic rule holds."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from coventry_geo.columns import ColumnInfo, column_info, registered_columns
from coventry_geo.indicators import load_families
from coventry_geo.maps.classify import NO_DATA_COLOR
from coventry_geo.maps.symbology import symbolize
from coventry_geo.styles import (
    COLOUR_BLIND_SAFE,
    HEADLINE,
    PALETTES,
    THEMES,
    map_style,
)

load_families()
ALL = registered_columns()
RED_RAMPS = {"YlOrRd", "OrRd", "Reds", "YlOrBr"}
GREEN_RAMPS = {"YlGn", "Greens", "BuGn"}
PEOPLE = ColumnInfo("x_residents", "People at risk", "persons", "People.", "flood", True)
ANOMALY = ColumnInfo("x_anomaly_c", "Anomaly", "°C", "Ward minus city.", "heat", True)
MEETS = ColumnInfo("meets_x", "Meets: X", "true/false", "Meets the standard.", "greenspace", False)
HAZARD = ColumnInfo("x_pct", "Hazard share", "%", "Share.", "flood", True)
ASSET = ColumnInfo("y_pct", "Asset share", "%", "Share.", "canopy", False)


def _luminance(color: str) -> float:
    r, g, b = to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("column", ALL, ids=[c.name for c in ALL])
def test_every_registered_column_has_a_style_in_a_theme(column: ColumnInfo) -> None:
    style = map_style(column)
    assert style.theme in dict(THEMES), f"{column.name}: theme {style.theme!r} is not in THEMES"
    if style.kind in ("identifier", "boolean"):
        return
    assert style.palette.removesuffix("_r") in COLOUR_BLIND_SAFE, style.palette
    if style.kind in ("quantity", "count") and style.polarity == "hazard":
        assert style.palette in RED_RAMPS, f"{column.name}: hazards are drawn in reds"
    if style.kind in ("quantity", "count") and style.polarity == "asset":
        assert style.palette in GREEN_RAMPS, f"{column.name}: assets are drawn in greens"


def test_units_decide_the_kind() -> None:
    kinds = {c.name: map_style(c).kind for c in ALL}
    assert kinds["ward_id"] == kinds["ward_name"] == "identifier"
    assert kinds["risk_rank"] == "rank"
    assert kinds["meets_angst_lnr_capacity"] == "boolean"
    assert kinds["fz3_residents"] == kinds["hotspot_residents"] == "count"
    assert kinds["lst_anomaly_c"] == kinds["concentration_index"] == "diverging"
    assert kinds["erreygers_index"] == kinds["sii"] == "diverging"
    assert kinds["indicator_unit"] == "identifier"
    assert kinds["canopy_pct"] == "quantity"


def test_ranks_name_the_value_they_rank_and_are_not_offered_as_indicators() -> None:
    for column in ALL:
        style = map_style(column)
        if style.kind == "rank":
            assert style.rank_of is not None
            assert map_style(column_info(style.rank_of)).mappable
            assert not style.mappable


def test_headline_set_is_twelve_to_sixteen_mappable_columns() -> None:
    assert 12 <= len(HEADLINE) <= 16
    assert len(set(HEADLINE)) == len(HEADLINE)
    assert all(map_style(column_info(n)).mappable for n in HEADLINE)


def test_every_palette_is_colour_blind_safe() -> None:
    assert all(p.removesuffix("_r") in COLOUR_BLIND_SAFE for p in PALETTES.values())


@pytest.mark.parametrize("column", [HAZARD, ASSET, PEOPLE])
def test_darker_means_more(column: ColumnInfo) -> None:
    sym = symbolize(np.arange(1.0, 10.0), column, k=5)
    lum = [_luminance(e.color) for e in sym.entries]
    assert lum == sorted(lum, reverse=True)
    assert len(set(lum)) == len(lum)


def test_rank_one_is_the_strongest_colour() -> None:
    rank = column_info("risk_rank")
    sym = symbolize(np.arange(1, 19), rank, k=5)
    assert sym.entries[0].label.startswith("1 ")
    first, last = sym.entries[0].color, sym.entries[-1].color
    assert _luminance(first) < _luminance(last)
    assert sym.colors[0] == first  # the ward ranked 1 is in the first, strongest class
    assert "1 = highest" in sym.title


def test_counts_have_whole_bounds_and_a_zero_class() -> None:
    values = [0, 0, 0, 0, 0, 0, 5, 12, 68.8, 69, 200, 379, 1691, 2375, 1000, 50, 3, 0]
    sym = symbolize(values, PEOPLE, k=5)
    labels = [e.label for e in sym.entries]
    assert labels[0] == "0 persons"
    assert all(re.fullmatch(r"[\d,]+( – [\d,]+)? persons", t) for t in labels), labels
    lows_highs = [[int(x.replace(",", "")) for x in re.findall(r"[\d,]+", t)] for t in labels[1:]]
    for (_, hi), (lo, _) in zip(lows_highs[:-1], lows_highs[1:], strict=True):
        assert lo == hi + 1  # whole-number classes that meet without a gap or an overlap
    assert "0 in a class of its own" in sym.method
    assert sym.index[:6] == (0, 0, 0, 0, 0, 0)


def test_no_zero_class_when_few_zones_are_zero() -> None:
    sym = symbolize([0] + list(range(1, 20)), PEOPLE, k=4)
    assert sym.entries[0].label != "0 persons"


def test_diverging_is_centred_on_zero() -> None:
    values = [-1.6, -1.2, -0.4, -0.1, 0.2, 0.5, 1.1, 1.6, 4.0]
    sym = symbolize(values, ANOMALY, k=6)
    labels = [e.label for e in sym.entries]
    below = [i for i, t in enumerate(labels) if t.startswith("\u2212")]
    assert below == list(range(len(below)))  # negative classes first, then the positive ones
    neg = to_rgb(sym.colors[0])
    pos = to_rgb(sym.colors[-1])
    assert neg[2] > neg[0]  # below 0: blue
    assert pos[0] > pos[2]  # above 0 (hotter, worse): red
    # the same distance from 0 gets the same colour strength on both sides
    mirror = symbolize([-1.6, 1.6, -0.1, 0.1], ANOMALY, k=4)
    labels = [e.label for e in mirror.entries]
    assert len(labels) == 4
    assert labels[0].startswith("\u22121.6")
    assert labels[-1].endswith("1.6 °C")
    assert mirror.colors[:2] == [mirror.entries[0].color, mirror.entries[-1].color]
    assert "Centred on 0" in sym.method


def test_booleans_are_labelled_categories() -> None:
    sym = symbolize([False, False, np.nan, False], MEETS)
    labels = [e.label for e in sym.entries]
    assert labels == ["meets (0)", "does not meet (3)", "unknown (1)"]
    assert sym.entries[2].color == NO_DATA_COLOR
    assert sym.colors[0] == sym.entries[1].color != sym.entries[0].color
    assert "Categories" in sym.method


def test_legend_names_unit_and_method() -> None:
    sym = symbolize(np.arange(1.0, 10.0), HAZARD, scheme="natural_breaks", k=3)
    assert sym.title == "Hazard share (%)"
    assert sym.method == "Natural breaks (Fisher-Jenks), 3 classes"
