"""The manifest's [targets]: checks, the straight-line trajectory, progress.csv and the chart."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from coventry_geo import open_study, run_study
from coventry_geo.errors import ManifestError
from coventry_geo.manifest import read_manifest
from coventry_geo.progress.targets import Target, progress_chart, progress_table

CANOPY = Target("canopy_pct", baseline=11.0, baseline_year=2023, target=20.0, target_year=2050)
FLOOD = Target("fz3_residents", baseline=1000.0, baseline_year=2020, target=600.0, target_year=2040)


def _target(name="canopy_pct", **keys) -> str:
    """One line of [targets]: the canopy target, with ``keys`` replaced (None drops a key)."""
    spec = {"baseline": 11.0, "baseline_year": 2023, "target": 20.0, "target_year": 2050}
    spec |= keys
    items = ", ".join(f"{k} = {v}" for k, v in spec.items() if v is not None)
    return f"{name} = {{ {items} }}"


def _with_targets(manifest, text: str):
    manifest.write_text(manifest.read_text() + "\n[targets]\n" + text + "\n")
    return manifest


def test_the_trajectory_is_a_straight_line_held_at_its_ends():
    assert CANOPY.needed(date(2023, 1, 1)) == 11.0
    assert CANOPY.needed(date(2026, 1, 1)) == pytest.approx(11.0 + 9.0 * 3 / 27)  # 12.0
    assert CANOPY.needed(date(2020, 6, 1)) == 11.0  # before the baseline year
    assert CANOPY.needed(date(2060, 1, 1)) == 20.0  # after the target year
    assert FLOOD.needed(date(2030, 1, 1)) == pytest.approx(800.0)
    assert CANOPY.on_track(12.0, date(2026, 1, 1)) is True
    assert CANOPY.on_track(11.9, date(2026, 1, 1)) is False
    assert FLOOD.on_track(790.0, date(2030, 1, 1)) is True  # falling: at most the needed value
    assert FLOOD.on_track(810.0, date(2030, 1, 1)) is False
    assert CANOPY.on_track(float("nan"), date(2026, 1, 1)) is None


def test_progress_rows_per_ward_for_shares_and_for_the_city_only_for_counts():
    wards = pd.DataFrame(
        {
            "ward_id": ["A", "B"],
            "ward_name": ["Ash", "Birch"],
            "canopy_pct": [14.0, 10.0],
            "fz3_residents": [500.0, 310.0],
        }
    )
    city = {"canopy_pct": 11.25, "fz3_residents": 810.0}
    table = progress_table(
        {"canopy_pct": CANOPY, "fz3_residents": FLOOD}, wards, city, as_of=date(2030, 1, 1)
    )
    canopy = table[table["indicator"] == "canopy_pct"].set_index(["area", "ward_id"])
    need = 11.0 + 9.0 * 7 / 27
    assert canopy["needed"].tolist() == pytest.approx([need] * 3)
    assert canopy["on_track"].tolist() == [False, True, False]  # city 11.25, A 14, B 10
    assert canopy.loc[("ward", "B"), "gap"] == pytest.approx(10.0 - need)
    flood = table[table["indicator"] == "fz3_residents"]
    assert flood["area"].tolist() == ["city"]  # a city total says nothing of one ward's count
    assert flood["on_track"].tolist() == [False]  # 810 > 800 needed in 2030


def test_the_chart_draws_the_observed_values_of_hand_made_runs():
    history = pd.DataFrame(
        {
            "run_id": ["r1", "r2", "r3"],
            "date": ["2023-03-01T10:00:00+00:00", "2024-03-01T10:00:00+00:00", "2025-03-01"],
            "canopy_pct": [11.0, 11.4, 11.9],
        }
    )
    png = progress_chart({"canopy_pct": CANOPY}, history, as_of=date(2025, 3, 1))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    import io

    import matplotlib.image as mpimg

    image = mpimg.imread(io.BytesIO(png))
    assert image.shape[0] > 200
    assert image.shape[1] > 600
    # the observed points are drawn in the chart's blue (#2166ac)
    blue = (abs(image[..., 0] - 0x21 / 255) < 0.02) & (abs(image[..., 2] - 0xAC / 255) < 0.02)
    assert blue.sum() > 50


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (
            _target("canopy_pc"),
            ["'canopy_pc' is not an indicator column", "did you mean 'canopy_pct'"],
        ),
        (
            _target(baseline_year=2050, target_year=2023),
            ["target_year = 2023 is not after baseline_year = 2050"],
        ),
        (
            _target(baseline='"11"'),
            ['baseline = "11" is not a finite number'],
        ),
        (
            _target(target=120.0),
            ["target = 120 is outside 0 to 100 (%)"],
        ),
        (
            _target(baseline_year=None, goal=1),
            ["has no baseline_year", "unknown key(s) in [targets.canopy_pct]: 'goal'"],
        ),
        (
            _target(baseline_year=23),
            ["baseline_year = 23 is not a year"],
        ),
        ("canopy_pct = 20.0", ["[targets] canopy_pct = 20.0 is not a table"]),
    ],
)
def test_bad_targets_are_refused_with_the_fix(tiny_study, text, needles):
    manifest = _with_targets(tiny_study(), text)
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    for needle in needles:
        assert needle in str(caught.value)


def test_a_run_with_targets_writes_progress_and_shows_it_on_the_profiles_index(tiny_study):
    # the tiny study: wards W1, W2 at 20 degC, W3, W4 at 30 degC (equal areas): city 25 degC
    target = (
        "lst_mean_c = { baseline = 25.0, baseline_year = 2020, target = 23.0, target_year = 2040 }"
    )
    manifest = _with_targets(tiny_study(), target)
    assert read_manifest(manifest).targets["lst_mean_c"].target == 23.0
    result = run_study(open_study(manifest))
    table = pd.read_csv(result.out_dir / "progress.csv", dtype={"ward_id": str})
    track = dict(zip(table["ward_id"].fillna("city"), table["on_track"], strict=True))
    # any day between 2020 and 2040 needs less than 25 and more than 23 degC
    assert track == {"city": False, "W1": True, "W2": True, "W3": False, "W4": False}
    assert (result.out_dir / "progress.png").read_bytes().startswith(b"\x89PNG")
    index = (result.out_dir / "profiles" / "index.html").read_text(encoding="utf-8")
    assert "Progress to the plan" in index
    assert 'src="../progress.png"' in index
    assert "from 25 °C in 2020 to 23 °C in 2040" in index


def test_the_chart_caption_gives_values_with_units_and_thousands_separators():
    from coventry_geo.progress.targets import progress_caption

    people = Target("fz3_residents", baseline=12000.0, baseline_year=2023, target=9600.0,
                    target_year=2040)  # fmt: skip
    caption = progress_caption({"canopy_pct": CANOPY, "fz3_residents": people})
    assert "from 11% in 2023 to 20% in 2050" in caption
    assert "from 12,000 persons in 2023 to 9,600 persons in 2040" in caption
    assert progress_caption({}) is None
