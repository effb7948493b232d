"""The green-and-blue map's type colours stay apart for colour-blind readers.

Colour-vision deficiency is simulated with Machado et al. (2009) at full severity and
differences are CIEDE2000, both computed by colour-science (an independent library).
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from coventry_geo.demo.land import GREENSPACE_TYPES
from coventry_geo.maps._greenblue_palette import (
    BLUE_COLOURS,
    BLUE_LABELS,
    GREENSPACE_COLOURS,
    OTHER_GREEN,
    OTHER_WATER,
    blue_colours,
    greenspace_colours,
)

colour = pytest.importorskip("colour", reason="needs colour-science (dev extra)")

#: OS Open Greenspace ``function`` values, as the product publishes them.
OS_OPEN_GREENSPACE_FUNCTIONS = (
    "Allotments Or Community Growing Spaces",
    "Bowling Green",
    "Cemetery",
    "Golf Course",
    "Other Sports Facility",
    "Play Space",
    "Playing Field",
    "Public Park Or Garden",
    "Religious Grounds",
    "Tennis Court",
)
SIMULATIONS = ("Deuteranomaly", "Protanomaly", "Tritanomaly")  # severity 1: -anopia
MIN_DELTA_E = 10.0
DOCS = Path(__file__).resolve().parents[1] / "docs" / "maps.md"

ALL_COLOURS = {
    **{f"green: {k}": v for k, v in GREENSPACE_COLOURS.items()},
    "green: other": OTHER_GREEN,
    **{f"water: {k}": v for k, v in BLUE_COLOURS.items()},
    "water: other": OTHER_WATER,
}


def _lab(hex_colours: list[str], simulation: str | None) -> np.ndarray:
    rgb = np.array([[int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)] for h in hex_colours])
    linear = colour.cctf_decoding(rgb, function="sRGB")
    if simulation is not None:
        with warnings.catch_warnings():  # the tritanomaly matrices carry a usage note
            warnings.simplefilter("ignore")
            matrix = colour.blindness.matrix_cvd_Machado2009(simulation, 1.0)
        linear = np.clip(linear @ matrix.T, 0, 1)
    xyz = colour.RGB_to_XYZ(linear, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=False)
    return colour.XYZ_to_Lab(xyz)


def _closest_pair(simulation: str | None) -> tuple[float, str, str]:
    names = list(ALL_COLOURS)
    lab = _lab(list(ALL_COLOURS.values()), simulation)
    i, j = np.array(list(itertools.combinations(range(len(names)), 2))).T
    delta = colour.delta_E(lab[i], lab[j], method="CIE 2000")
    k = int(np.argmin(delta))
    return float(delta[k]), names[i[k]], names[j[k]]


@pytest.mark.parametrize("simulation", [None, *SIMULATIONS], ids=["normal", *SIMULATIONS])
def test_every_pair_of_type_colours_stays_apart(simulation: str | None) -> None:
    delta, a, b = _closest_pair(simulation)
    assert delta >= MIN_DELTA_E, f"{a} and {b}: CIEDE2000 {delta:.1f} under {simulation}"


@pytest.mark.parametrize("simulation", [None, *SIMULATIONS], ids=["normal", *SIMULATIONS])
def test_type_colours_stand_out_from_the_white_page(simulation: str | None) -> None:
    lab = _lab(list(ALL_COLOURS.values()), simulation)
    white = _lab(["#ffffff"], simulation)
    assert colour.delta_E(lab, white, method="CIE 2000").min() >= 12


def test_the_check_would_catch_a_confusable_pair() -> None:
    # a red and a green of equal lightness: apart in normal vision, not for deuteranopes
    red_green = _lab(["#c0392b", "#6d8a2b"], "Deuteranomaly")
    assert colour.delta_E(red_green[0], red_green[1], method="CIE 2000") < MIN_DELTA_E


def test_every_official_and_demo_type_has_its_own_colour() -> None:
    types = [*OS_OPEN_GREENSPACE_FUNCTIONS, *GREENSPACE_TYPES]
    colours = greenspace_colours(types)
    assert set(colours) == set(types)
    own = {c for c, _ in colours.values()}
    assert len(own) == len(set(types))
    assert OTHER_GREEN not in own


def test_greens_for_green_space_and_blues_for_water() -> None:
    def hue(hex_colours: list[str]) -> np.ndarray:
        lab = _lab(hex_colours, None)
        return np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360

    greens = hue([*GREENSPACE_COLOURS.values(), OTHER_GREEN])
    assert np.all((greens > 95) & (greens < 180))
    blues = hue([*BLUE_COLOURS.values(), OTHER_WATER])
    assert np.all((blues > 200) & (blues < 300))


def test_types_match_ignoring_case_and_unknown_types_share_other() -> None:
    colours = greenspace_colours(["PUBLIC PARK OR GARDEN", "Village green", "Verge"])
    assert colours["PUBLIC PARK OR GARDEN"] == ("#339977", "Public park or garden")
    assert colours["Village green"] == (OTHER_GREEN, "Other green space: Verge, Village green")
    assert greenspace_colours(["Verge"])["Verge"] == (OTHER_GREEN, "Verge")
    assert blue_colours(["water_body", "reservoir"]) == {
        "water_body": (BLUE_COLOURS["water_body"], "Pond or lake"),
        "reservoir": (OTHER_WATER, "reservoir"),
    }


def test_docs_list_every_colour() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (.+?) \| `(#[0-9a-f]{6})` \|", text, flags=re.M))
    expected = {**GREENSPACE_COLOURS, "Other green space": OTHER_GREEN}
    expected |= {BLUE_LABELS[k]: v for k, v in BLUE_COLOURS.items()} | {"Other water": OTHER_WATER}
    assert rows == expected


def test_legend_labels_are_in_sentence_case():
    labels = [label for _, label in greenspace_colours(GREENSPACE_COLOURS).values()]
    assert "Public park or garden" in labels
    assert "Allotments or community growing spaces" in labels
    assert all(label[1:] == label[1:].lower() for label in labels), labels
    assert greenspace_colours(["Village green"])["Village green"][1] == "Village green"
