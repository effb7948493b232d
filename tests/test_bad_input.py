"""Bad input is exit 2 with a message, never an internal error (exit 1) or a silent repair.

Each case runs the real ``coventry-geo`` console script on the tiny study.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tests.cli import COVENTRY_GEO, assert_ok, assert_refused, run_cli
from tests.conftest import X0, Y0, tiny_residences, tiny_wards, write_raster

BOWTIE = shapely.Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000)])


def test_layer_path_that_is_a_symlink_loop(tiny_study, tmp_path):
    (tmp_path / "loop.tif").symlink_to(tmp_path / "loop.tif")
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "loop.tif"}})
    for command in ("validate", "run"):
        result = run_cli(command, manifest, cwd=tmp_path)
        assert_refused(result, "layer 'heat'", "symbolic link loop", "Fix:")


def test_optional_layer_that_is_a_symlink_loop_is_an_error_not_a_skip(tiny_study, tmp_path):
    (tmp_path / "loop.gpkg").symlink_to(tmp_path / "loop.gpkg")
    flood = {"kind": "flood_zones", "path": "loop.gpkg", "required": False}
    result = run_cli("run", tiny_study(layers={"flood": flood}), cwd=tmp_path)
    assert_refused(result, "layer 'flood'", "symbolic link loop")


def test_layer_path_that_is_a_broken_symlink(tiny_study, tmp_path):
    (tmp_path / "gone.tif").symlink_to(tmp_path / "moved-away.tif")
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "gone.tif"}})
    result = run_cli("run", manifest, cwd=tmp_path)
    assert_refused(result, "layer 'heat'", "moved-away.tif", "does not exist")


def test_manifest_and_output_folder_that_are_symlink_loops(tiny_study, tmp_path):
    manifest = tiny_study()
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    assert_refused(run_cli("validate", tmp_path / "loop.toml", cwd=tmp_path), "cannot be read")
    (tmp_path / "outloop").symlink_to(tmp_path / "outloop")
    result = run_cli("run", manifest, "--out", tmp_path / "outloop", cwd=tmp_path)
    assert_refused(result, "symbolic link loop", "Fix:")


def test_a_folder_where_a_file_is_expected(tiny_study, tmp_path):
    (tmp_path / "heat_tiles").mkdir()
    manifest = tiny_study(layers={"heat": {"kind": "heat", "path": "heat_tiles"}})
    result = run_cli("run", manifest, cwd=tmp_path)
    assert_refused(result, "layer 'heat'", "is a folder, not a file", "Fix:")
    assert_refused(run_cli("validate", tmp_path, cwd=tmp_path), "is a directory")


#: Linux ``prctl`` option and the capabilities that let root read any file.
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def _without_read_override() -> dict:
    """Let file permissions apply to the child even when we are root.

    Root reads every file through two capabilities; the child drops them from
    its bounding set before it starts the command, so permission bits count.
    """
    if os.geteuid() != 0:
        return {}
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
            if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return {"preexec_fn": drop}


@pytest.fixture
def shared_study():
    """The tiny study in a folder every user may read and write (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="coventry-geo-perm-"))
    folder.chmod(0o777)
    tiny_wards().to_file(folder / "wards.gpkg", layer="wards")
    tiny_residences().to_file(folder / "residences.gpkg", layer="residences")
    write_raster(folder / "heat.tif", np.full((200, 200), 20.0, "float32"))
    fields = 'fields = { ward_id = "WD_CODE", ward_name = "WD_NAME" }'
    (folder / "study.toml").write_text(
        '[study]\nname = "Tiny Town"\ncode = "tiny"\noutputs = "out"\n'
        f'[layers.wards]\nkind = "wards"\npath = "wards.gpkg"\n{fields}\n'
        '[layers.residences]\nkind = "residences"\npath = "residences.gpkg"\n'
        '[layers.heat]\nkind = "heat"\npath = "heat.tif"\n'
    )
    for f in folder.iterdir():
        f.chmod(0o666)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_permission_denied(shared_study, what):
    if what == "file":
        (shared_study / "heat.tif").chmod(0o000)
    else:
        (shared_study / "private").mkdir()
        os.replace(shared_study / "heat.tif", shared_study / "private" / "heat.tif")
        (shared_study / "private").chmod(0o000)
        text = (shared_study / "study.toml").read_text()
        (shared_study / "study.toml").write_text(text.replace('"heat.tif"', '"private/heat.tif"'))
    env = {**os.environ, "HOME": str(shared_study), "MPLCONFIGDIR": str(shared_study / ".mpl")}
    try:
        result = subprocess.run(
            [str(COVENTRY_GEO), "run", str(shared_study / "study.toml")],
            cwd=shared_study,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            **_without_read_override(),
        )
    except subprocess.SubprocessError as exc:  # prctl refused (a container without CAP_SETPCAP)
        pytest.skip(f"cannot drop root's file-read capabilities here: {exc}")
    assert_refused(result, "layer 'heat'", "permission denied", "Fix:")


@pytest.mark.parametrize("nodata", [None, -9999.0])
def test_truncated_raster_says_so_first(tiny_study, tmp_path, nodata):
    write_raster(tmp_path / "heat.tif", np.full((200, 200), 20.0, "float32"), nodata=nodata)
    data = (tmp_path / "heat.tif").read_bytes()
    (tmp_path / "heat.tif").write_bytes(data[: len(data) * 3 // 4])
    manifest = tiny_study()
    for command in ("validate", "run"):
        result = run_cli(command, manifest, cwd=tmp_path)
        assert_refused(result, "layer 'heat'", "truncated", "download or export the file again")
        assert "nodata" not in result.stderr + result.stdout


def test_truncated_raster_header(tiny_study, tmp_path):
    manifest = tiny_study()
    data = (tmp_path / "heat.tif").read_bytes()
    (tmp_path / "heat.tif").write_bytes(data[:500])
    assert_refused(
        run_cli("run", manifest, cwd=tmp_path),
        "layer 'heat'",
        "the file is truncated",
        "only 500 bytes",
    )


def _bowtie_wards(path: Path) -> None:
    wards = tiny_wards()
    wards.loc[0, "geometry"] = BOWTIE
    wards.to_file(path, layer="wards")


def test_invalid_ward_is_refused_naming_the_feature_and_where(tiny_study, tmp_path):
    _bowtie_wards(tmp_path / "wards.gpkg")
    manifest = tiny_study()
    for command in ("validate", "run"):
        result = run_cli(command, manifest, cwd=tmp_path)
        assert_refused(
            result,
            "layer 'wards'",
            "1 of 4 features have invalid geometry",
            'W1 "South West": self-intersection at (433500, 278500)',
            "repair them in a GIS",
            "repair = true in [layers.wards]",
        )
    assert not (tmp_path / "out").exists()


def test_invalid_ward_with_repair_true_logs_areas_before_and_after(tiny_study, tmp_path):
    _bowtie_wards(tmp_path / "wards.gpkg")
    fields = {"ward_id": "WD_CODE", "ward_name": "WD_NAME"}
    wards = {"kind": "wards", "path": "wards.gpkg", "repair": True, "fields": fields}
    result = run_cli("run", tiny_study(layers={"wards": wards}), cwd=tmp_path)
    assert_ok(result)
    assert "InvalidGeometryWarning" in result.stderr
    assert 'W1 "South West": 0.00 ha before, 50.00 ha after' in result.stderr


def test_invalid_small_area_is_refused(tiny_study, tmp_path):
    small = tiny_wards().rename(columns={"WD_CODE": "code", "WD_NAME": "label"})
    small["imd"] = [10.0, 20.0, 30.0, 40.0]
    small.loc[2, "geometry"] = shapely.Polygon(
        [(X0, Y0 + 1000), (X0 + 1000, Y0 + 2000), (X0 + 1000, Y0 + 1000), (X0, Y0 + 2000)]
    )
    small.to_file(tmp_path / "lsoa.gpkg", layer="lsoa")
    layer = {
        "kind": "small_areas",
        "path": "lsoa.gpkg",
        "fields": {"area_id": "code", "area_name": "label", "imd_score": "imd"},
    }
    result = run_cli("validate", tiny_study(layers={"small_areas": layer}), cwd=tmp_path)
    assert_refused(result, "layer 'small_areas'", 'W3 "North West": self-intersection')


def test_a_ward_layer_far_from_every_other_layer_is_the_ward_layers_problem(tiny_study, tmp_path):
    wards = tiny_wards()
    wards.set_geometry(wards.translate(xoff=-300_000)).to_file(tmp_path / "wards.gpkg")
    manifest = tiny_study()
    for command in ("validate", "run"):
        result = run_cli(command, manifest, cwd=tmp_path)
        assert_refused(
            result, "layer 'wards'", "overlaps none of the other layers", "'residences'", "'heat'"
        )
        assert "layer 'residences'" not in result.stdout + result.stderr


def test_a_layer_far_from_the_others_is_that_layers_problem(tiny_study, tmp_path):
    far = tiny_residences()
    far.set_geometry(far.translate(xoff=-300_000)).to_file(tmp_path / "residences.gpkg")
    result = run_cli("run", tiny_study(), cwd=tmp_path)
    assert_refused(result, "layer 'residences'", "does not overlap the wards")
    assert "layer 'wards'" not in result.stdout + result.stderr


def test_other_kinds_keep_the_repair_with_one_warning(tiny_study, tmp_path):
    zones = gpd.GeoDataFrame({"FZ": ["FZ3"]}, geometry=[BOWTIE], crs=27700)
    zones.to_file(tmp_path / "flood.gpkg", layer="flood")
    flood = {"kind": "flood_zones", "path": "flood.gpkg", "fields": {"flood_zone": "FZ"}}
    result = run_cli("run", tiny_study(layers={"flood": flood}), cwd=tmp_path)
    assert_ok(result)
    assert result.stderr.count("InvalidGeometryWarning") == 1
    # shown like the toolkit's own lines, under the module that warned (not "py.warnings")
    line = next(li for li in result.stderr.splitlines() if "InvalidGeometryWarning" in li)
    assert re.match(r"WARNING coventry_geo(\.\w+)*: InvalidGeometryWarning: layer .flood.", line)
    assert "py.warnings" not in result.stderr
