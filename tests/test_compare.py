"""``coventry-geo compare``: two runs ward by ward, the inputs that changed, the bad inputs."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from coventry_geo import open_study, run_study
from coventry_geo.errors import RunComparisonError
from coventry_geo.progress.compare import compare_runs, load_run
from coventry_geo.run.folders import write_marker
from coventry_geo.run.pipeline import default_cache_dir
from tests.cli import assert_ok, assert_refused, run_cli

FLOOD = re.compile(r"^(fz[23]|flood|sw)_")
CANOPY = re.compile(r"^canopy_")  # not the tree equity score: it weighs heat in


def _raise_heat(manifest, degrees: float) -> None:
    """Add ``degrees`` to every valid pixel of the demo's heat raster; update its SHA-256."""
    path = manifest.parent / "demo" / "lst.tif"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with rasterio.open(path) as ds:
        profile, data = ds.profile, ds.read(1)
    valid = data != profile["nodata"]
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(np.where(valid, data + degrees, data).astype(profile["dtype"]), 1)
    after = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text().replace(before, after))


@pytest.fixture(scope="module")
def heat_rerun(demo_manifest, demo_run, tmp_path_factory):
    """The demo run, then a rerun into the same folder with the heat raster 2 degC warmer."""
    root = tmp_path_factory.mktemp("rerun")
    manifest = root / "layers" / demo_manifest.name
    shutil.copytree(demo_manifest.parent, manifest.parent)
    out = root / "out"
    shutil.copytree(demo_run.out_dir, out)
    shutil.copytree(demo_run.out_dir, root / "before")  # the first run's folder, kept aside
    cached = default_cache_dir(open_study(demo_manifest), demo_run.out_dir)
    shutil.copytree(cached, default_cache_dir(open_study(manifest), out))
    _raise_heat(manifest, 2.0)
    second = run_study(open_study(manifest), out_dir=out)
    return root, demo_run.run_id, second.run_id


def _changes(folder):
    table = pd.read_csv(folder / "changes.csv", dtype={"ward_id": str})
    return {name: rows for name, rows in table.groupby("indicator")}


@pytest.mark.parametrize("refs", [("before", "out"), ("previous", "latest")])
def test_heat_raised_by_2c_moves_lst_by_2c_in_every_ward_and_nothing_else(heat_rerun, refs):
    root, first, second = heat_rerun
    args = [root / r if r in ("before", "out") else r for r in refs]
    out = root / f"changes-{refs[0]}"
    result = run_cli("compare", *args, "--history", root / "out", "--out", out)
    assert_ok(result)
    changes = _changes(out)
    lst = changes["lst_mean_c"]
    assert len(lst) == 18
    assert lst["change"].to_numpy() == pytest.approx(np.full(18, 2.0), abs=0.01)
    assert lst["relative_change_pct"].isna().all()  # °C: an interval scale has no ratio
    assert (lst["old_rank"] == lst["new_rank"]).all()  # every ward warmed alike
    for name, rows in changes.items():
        if FLOOD.match(name) or CANOPY.match(name):
            assert (rows["change"].fillna(0) == 0).all(), name
    summary = result.stdout
    assert f"Compared run {first}" in summary
    assert f"with run {second}" in summary
    assert "Inputs changed: heat\n" in summary
    assert re.search(r"^  lst_mean_c \(mean change \+2(\.0+)? °C\): ", summary, re.M), summary
    assert not re.search(r"^  (fz3|canopy)_", summary, re.M), summary
    history = pd.read_csv(root / "out" / "history.csv")
    assert list(history["run_id"]) == [first, second]


def test_the_change_map_is_centred_on_zero_with_the_better_direction(heat_rerun):
    root, _, _ = heat_rerun
    out = root / "changes-map"
    assert_ok(run_cli("compare", "previous", root / "out", "--out", out))
    html = (out / "changes.html").read_text(encoding="utf-8")
    data = json.loads(
        re.search(r"window.COVENTRY_GEO_WARDMAP = (\{.*?\});</script>", html).group(1)
    )
    lst = next(i for i in data["indicators"] if i["id"] == "lst_mean_c_change")
    assert "a rise is worse" in lst["label"]
    assert "centred on 0: red above 0 (worse)" in lst["about"]
    assert lst["legend"]["method"].startswith("Centred on 0")
    ids = {i["id"] for i in data["indicators"]}
    assert [i for i in ids if FLOOD.match(i) or CANOPY.match(i)] == []  # unchanged: not mapped
    # the demo's runs: the synthetic-data warning, and what was compared in plain text
    assert re.search(r'<p class="wm-notice">SYNTHETIC DATA', html)
    intro = re.search(r'<p class="wm-intro">(.*?)</p>', html).group(1)
    assert "Inputs changed: heat." in intro


# --- hand-made runs: the bad inputs, and the columns of one run only ---------------------------


def _output_folder(folder, *, study="tiny", run_id="20260101T000000Z-aaaaaaaa", **columns):
    folder.mkdir(parents=True)
    write_marker(folder, study)
    wards = pd.DataFrame({"ward_id": ["W1", "W2"], "ward_name": ["One", "Two"], **columns})
    wards.to_csv(folder / "wards.csv", index=False)
    record = {
        "run_id": run_id,
        "study": study,
        "manifest_sha256": "m",
        "inputs": [{"layer": "heat", "sha256": run_id[-8:]}, {"layer": "wards", "sha256": "w"}],
        "outputs": [{"path": "wards.csv"}],
    }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_columns_of_one_run_are_listed_and_ranks_follow_the_direction(tmp_path):
    old = _output_folder(tmp_path / "old", canopy_pct=[10.0, 20.0], lst_mean_c=[20.0, 30.0])
    new = _output_folder(
        tmp_path / "new",
        run_id="20260201T000000Z-bbbbbbbb",
        canopy_pct=[25.0, 20.0],
        fz3_residents=[5.0, 0.0],
    )
    comparison = compare_runs(load_run(old), load_run(new), threshold_pct=10)
    assert comparison.only_old == ["lst_mean_c"]
    assert comparison.only_new == ["fz3_residents"]
    assert comparison.changed_inputs == ["heat"]
    canopy = comparison.changes.set_index("ward_id")
    assert canopy.loc["W1", "change"] == 15.0
    assert canopy.loc["W1", "relative_change_pct"] == 150.0
    # less canopy is worse: rank 1 is the lowest value
    assert (canopy.loc["W1", "old_rank"], canopy.loc["W1", "new_rank"]) == (1, 2)
    assert comparison.moved == {"canopy_pct": ["One"]}
    summary = comparison.summary()
    assert "Columns only in the old run (not compared): lst_mean_c" in summary
    assert "Columns only in the new run (not compared): fz3_residents" in summary


def test_runs_of_different_studies_are_refused(tmp_path):
    old = _output_folder(tmp_path / "a", study="tiny", canopy_pct=[1.0, 2.0])
    new = _output_folder(tmp_path / "b", study="other", canopy_pct=[1.0, 2.0])
    with pytest.raises(RunComparisonError, match="only runs of one study"):
        compare_runs(load_run(old), load_run(new))
    result = run_cli("compare", old, new, "--out", tmp_path / "changes")
    assert_refused(result, "study 'tiny'", "study 'other'", "Fix:")
    assert not (tmp_path / "changes").exists()


@pytest.mark.parametrize(
    ("make", "needles"),
    [
        (lambda p: p.mkdir(), ["is not an output folder of coventry_geo", "Fix:"]),
        (lambda p: None, ["neither a folder nor a run id"]),
    ],
)
def test_a_folder_that_is_not_an_output_folder_is_refused(tmp_path, make, needles):
    good = _output_folder(tmp_path / "good", canopy_pct=[1.0, 2.0])
    make(tmp_path / "plain")
    result = run_cli("compare", tmp_path / "plain", good, "--out", tmp_path / "changes")
    assert_refused(result, *needles)


def test_unknown_run_ids_and_an_out_inside_an_output_folder_are_refused(tmp_path):
    good = _output_folder(tmp_path / "good", canopy_pct=[1.0, 2.0])
    assert_refused(
        run_cli("compare", "20250101T0000", good, "--out", tmp_path / "c"),
        "is not in the history of",
    )
    assert_refused(run_cli("compare", "previous", "latest"), "no output folder to look it up in")
    assert_refused(
        run_cli("compare", good, good, "--out", good / "changes"),
        "inside the output folder",
    )
    assert not (good / "changes").exists()


def test_a_users_changes_file_is_never_overwritten(tmp_path):
    old = _output_folder(tmp_path / "old", canopy_pct=[10.0, 20.0])
    new = _output_folder(
        tmp_path / "new", run_id="20260201T000000Z-bbbbbbbb", canopy_pct=[9.0, 20.0]
    )
    mine = tmp_path / "reports"
    mine.mkdir()
    (mine / "changes.csv").write_text("my own notes\n", encoding="utf-8")
    result = run_cli("compare", old, new, "--out", mine)
    assert_refused(result, "changes.csv", "not written by coventry-geo compare", "Fix:")
    assert (mine / "changes.csv").read_text(encoding="utf-8") == "my own notes\n"
    outlines = [shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)]
    gpd.GeoDataFrame({"ward_id": ["W1", "W2"]}, geometry=outlines, crs=27700).to_parquet(
        new / "wards.parquet"
    )
    fresh = tmp_path / "fresh"
    assert_ok(run_cli("compare", old, new, "--out", fresh))
    assert_ok(run_cli("compare", old, new, "--out", fresh))  # its own files: replaced
    assert (fresh / "changes.csv").read_text(encoding="utf-8").startswith("ward_id")
