"""docs/extending.md: a new indicator family is discovered, validated, computed and written.

The air-quality family of the recipe (its code blocks read from the page) is put in a
temporary folder added to the ``coventry_geo.evidence.families`` package's path, its layer
kind added to ``LAYER_SCHEMAS``, and the real command line is run on the tiny study in a
new process. Nothing is added to the library itself.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli import assert_ok, assert_refused
from tests.conftest import write_raster

DOCS = Path(__file__).resolve().parents[1] / "docs" / "extending.md"
MODULE = "coventry_geo/evidence/families/air_quality.py"
SCHEMAS = "coventry_geo/layers/schemas.py"

#: Runs ``coventry-geo ARGS`` with the recipe's family and layer kind added.
BOOT = """\
import sys
from coventry_geo.evidence import families
from coventry_geo.layers.schemas import LAYER_SCHEMAS, LayerSchema
families.__path__.append(sys.argv[1])
schema = eval(sys.argv[2], {"LayerSchema": LayerSchema})
LAYER_SCHEMAS[schema.kind] = schema
from coventry_geo.cli import cli
cli.main(sys.argv[3:], prog_name="coventry-geo")
"""


def _block_after(text: str, line: str) -> str:
    """The fenced code block that follows the first line containing ``line``."""
    start = text.index(line)
    match = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL).search(text, start)
    assert match is not None, f"no code block after {line!r} in {DOCS}"
    return match.group(1)


@pytest.fixture(scope="module")
def recipe() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    return {
        "module": _block_after(text, f"`{MODULE}`:"),
        "schema": _block_after(text, f"In `{SCHEMAS}`").strip().rstrip(","),
        "files": text[text.index("## Files touched") : text.index("## 1.")],
    }


@pytest.fixture
def air_quality_study(tiny_study, tmp_path, recipe):
    """The tiny study with an NO2 raster (W1 6, W2 half 8 and half 12, W3 14, W4 9 µg/m³)."""
    no2 = np.empty((200, 200), dtype="float32")
    no2[100:, :100] = 6.0  # W1, south-west
    no2[100:, 100:150] = 8.0  # W2, south-east: west half
    no2[100:, 150:] = 12.0  # W2: east half
    no2[:100, :100] = 14.0  # W3, north-west
    no2[:100, 100:] = 9.0  # W4, north-east
    write_raster(tmp_path / "no2.tif", no2)
    family_dir = tmp_path / "extra_families"
    family_dir.mkdir()
    (family_dir / "air_quality.py").write_text(recipe["module"], encoding="utf-8")

    def build(settings: str = "") -> Path:
        manifest = tiny_study(layers={"no2": {"kind": "air_quality", "path": "no2.tif"}})
        manifest.write_text(manifest.read_text() + settings, encoding="utf-8")
        return manifest

    return build


def _run(recipe: dict[str, str], family_dir: Path, *args: str | Path):
    return subprocess.run(
        [sys.executable, "-c", BOOT, str(family_dir), recipe["schema"], *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_recipe_touches_at_most_three_files(recipe):
    files = re.findall(r"^\| `([^`]+)` \|", recipe["files"], flags=re.MULTILINE)
    assert files == [MODULE, SCHEMAS, "docs/indicators.md"]
    assert (DOCS.parents[1] / SCHEMAS).is_file()


def test_a_new_family_is_discovered_computed_and_written(air_quality_study, tmp_path, recipe):
    manifest = air_quality_study("\n[settings.air_quality]\nguideline_ugm3 = 8.5\n")
    out = tmp_path / "out"
    result = _run(recipe, tmp_path / "extra_families", "run", manifest, "--out", out)
    assert_ok(result)
    with (out / "wards.csv").open(encoding="utf-8") as f:
        rows = {r["ward_id"]: r for r in csv.DictReader(f)}
    header = list(next(iter(rows.values())))
    # Ward families by order: heat (30) comes before air quality (90).
    assert header.index("lst_mean_c") < header.index("no2_mean_ugm3")
    mean = {w: float(r["no2_mean_ugm3"]) for w, r in rows.items()}
    above = {w: float(r["no2_above_who_pct"]) for w, r in rows.items()}
    assert mean == pytest.approx({"W1": 6.0, "W2": 10.0, "W3": 14.0, "W4": 9.0})
    # The manifest's guideline (8.5), not the default (10): W4 at 9 is above it.
    assert above == pytest.approx({"W1": 0.0, "W2": 50.0, "W3": 100.0, "W4": 100.0})


def test_the_default_guideline_is_the_whos(air_quality_study, tmp_path, recipe):
    out = tmp_path / "out"
    result = _run(recipe, tmp_path / "extra_families", "run", air_quality_study(), "--out", out)
    assert_ok(result)
    with (out / "wards.csv").open(encoding="utf-8") as f:
        above = {r["ward_id"]: float(r["no2_above_who_pct"]) for r in csv.DictReader(f)}
    assert above == pytest.approx({"W1": 0.0, "W2": 50.0, "W3": 100.0, "W4": 0.0})


@pytest.mark.parametrize(
    ("value", "needles"),
    [
        ('"ten"', ("[settings.air_quality]", "guideline_ugm3", "a finite number")),
        ("0", ("[settings.air_quality] guideline_ugm3 = 0 is out of range", "0 < value")),
    ],
)
def test_a_wrong_setting_of_the_new_family_is_refused(
    air_quality_study, tmp_path, recipe, value, needles
):
    manifest = air_quality_study(f"\n[settings.air_quality]\nguideline_ugm3 = {value}\n")
    result = _run(recipe, tmp_path / "extra_families", "validate", manifest)
    assert_refused(result, *needles)


def test_without_the_module_its_settings_table_is_unknown(air_quality_study, tmp_path, recipe):
    """The settings table is known only through the discovered family."""
    manifest = air_quality_study("\n[settings.air_quality]\nguideline_ugm3 = 8.5\n")
    result = _run(recipe, tmp_path / "no_such_folder", "validate", manifest)
    assert_refused(result, "unknown key(s) in [settings]: 'air_quality'")


def test_the_built_in_families_run_in_their_declared_order():
    """The ward table's column order follows this run order (the demo outputs depend on it)."""
    from coventry_geo.evidence.families import families

    names = [f.name for f in families()]
    assert names == [
        *("flood", "surface_water", "heat", "canopy", "heat_networks", "greenspace"),
        *("green_blue", "deprivation", "equity", "tree_equity", "risk", "cooling"),
    ]


_AFTER_HEAT = """\
from coventry_geo.evidence.context import Family, FamilyResult

FAMILY = Family(
    name="hot_homes",
    kinds=("residences",),
    needed_for="residents of hot homes",
    compute=lambda ctx, layers, evidence: FamilyResult(),
    after=("heat",),
    order={order},
)
"""


@pytest.fixture
def extra_family(tmp_path, monkeypatch):
    """Add a family module (source text) to the families package for this test only."""
    from coventry_geo.evidence import families

    folder = tmp_path / "extra_families"
    folder.mkdir()
    monkeypatch.setattr(families, "__path__", [*families.__path__, str(folder)])

    def add(name: str, source: str) -> None:
        (folder / f"{name}.py").write_text(source, encoding="utf-8")

    yield add
    for name in [m for m in sys.modules if m.startswith(f"{families.__name__}.")]:
        if Path(sys.modules[name].__file__).parent == folder:
            del sys.modules[name]


def test_a_family_after_another_uses_its_step_or_is_skipped(tiny_study, extra_family):
    from coventry_geo.evidence import plan_evidence
    from coventry_geo.study import open_study

    extra_family("hot_homes", _AFTER_HEAT.format(order=95))
    plan = plan_evidence(open_study(tiny_study()))
    step = next(s for s in plan.steps if s.name == "family:hot_homes")
    assert step.after == ("wards", "family:heat")
    assert [s.name for s in plan.steps].index("family:heat") < plan.steps.index(step)
    plan = plan_evidence(open_study(tiny_study(layers={"heat": None})))
    assert "family:hot_homes" not in plan.keys
    assert plan.skipped["hot_homes"] == "heat not run: residents of hot homes not computed"


def test_a_family_placed_before_one_it_uses_is_refused(extra_family):
    from coventry_geo.evidence.families import families

    extra_family("hot_homes", _AFTER_HEAT.format(order=5))
    with pytest.raises(ValueError, match="'hot_homes' runs after 'heat', which is not a family"):
        families()


def test_a_module_without_a_family_is_refused(extra_family):
    from coventry_geo.evidence.families import families

    extra_family("notes", '"""Not a family."""\n')
    with pytest.raises(TypeError, match=r"families\.notes declares no FAMILY = Family"):
        families()
