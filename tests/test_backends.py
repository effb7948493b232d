"""Heavy tasks go where the active backend sends them; files are written whole or not at all."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coventry_geo._files import file_sha256, staged_file, write_atomic
from coventry_geo.backends import (
    LOCAL,
    RASTER_ZONAL_STATS,
    RESIDENCE_ACCESS,
    Backend,
    active_backend,
    run_task,
    use_backend,
)
from coventry_geo.errors import LayerSchemaError, OutputError
from coventry_geo.evidence.context import residence_access
from coventry_geo.zonal import ZonalOptions, raster_zonal_stats
from tests.conftest import tiny_residences, tiny_wards, write_raster

# --------------------------------------------------------------------------- backends


def test_tasks_run_locally_outside_any_backend_block() -> None:
    assert active_backend() is LOCAL
    assert run_task("anything", lambda a, *, b: a + b, 2, b=3) == 5


def test_a_backend_takes_the_tasks_it_has_a_handler_for_and_only_inside_the_block() -> None:
    calls = []
    backend = Backend("fake", {"double": lambda x: calls.append(x) or "handled"})
    with use_backend(backend) as active:
        assert active is backend is active_backend()
        assert run_task("double", lambda x: 2 * x, 21) == "handled"
        assert run_task("other", lambda x: 2 * x, 21) == 42  # no handler: runs here
    assert calls == [21]
    assert active_backend() is LOCAL
    assert run_task("double", lambda x: 2 * x, 21) == 42


def test_raster_zonal_stats_sends_one_checked_options_object_to_the_backend(
    tmp_path: Path,
) -> None:
    path = write_raster(tmp_path / "r.tif", np.ones((200, 200), dtype=np.float32))
    seen = {}

    def handler(zones, raster_path, options):
        seen.update(zones=zones, raster_path=raster_path, options=options)
        return pd.DataFrame({"count": [7]})

    with use_backend(Backend("fake", {RASTER_ZONAL_STATS: handler})):
        table = raster_zonal_stats(
            tiny_wards(), path, zone_id="WD_CODE", stats=["mean", "p90"], scale=2.0
        )
    assert table["count"].tolist() == [7]
    options = seen["options"]
    assert isinstance(options, ZonalOptions)
    assert (options.zone_id, options.stats, options.scale) == ("WD_CODE", ("mean", "p90"), 2.0)
    assert options.quantile_levels == [0.9]
    assert seen["raster_path"] == path
    local = raster_zonal_stats(tiny_wards(), path, zone_id="WD_CODE", stats=["count"], cache=None)
    assert local["count"].tolist() == [10_000] * 4  # outside the block: the real engine


def test_bad_options_are_refused_before_any_backend_sees_them(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "r.tif", np.ones((200, 200), dtype=np.float32))
    backend = Backend("fake", {RASTER_ZONAL_STATS: pytest.fail})
    with use_backend(backend), pytest.raises(LayerSchemaError, match="unknown statistic 'median'"):
        raster_zonal_stats(tiny_wards(), path, zone_id="WD_CODE", stats=["median"])
    with pytest.raises(LayerSchemaError, match="needs a finite threshold"):
        ZonalOptions(zone_id="id", stats=("frac_above",))


def test_residence_access_goes_through_the_same_backends() -> None:
    seen = []
    handler = lambda residences, sites, **options: seen.append(options) or "on the cluster"  # noqa: E731
    with use_backend(Backend("fake", {RESIDENCE_ACCESS: handler})):
        result = residence_access(tiny_residences(), tiny_wards(), standard="angst_2010")
    assert result == "on the cluster"
    assert seen == [{"standard": "angst_2010"}]


# --------------------------------------------------------------------------- files


def test_write_atomic_replaces_the_file_readable_by_all_and_leaves_nothing_else(
    tmp_path: Path,
) -> None:
    target = tmp_path / "sub" / "page.html"
    write_atomic(target, "old")
    write_atomic(target, b"new \xc3\xa9")
    assert target.read_text(encoding="utf-8") == "new é"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]


def test_a_failed_staged_write_leaves_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "layer.gpkg"
    target.write_text("previous")
    seen = []

    def write_half() -> None:
        with staged_file(target) as staged:
            seen.append(staged)
            staged.write_text("half")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_half()
    assert seen[0].parent == target.parent
    assert seen[0].suffix == ".gpkg"  # GDAL picks its driver by extension
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["layer.gpkg"]


def test_write_atomic_names_the_file_when_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot write .*file/page.html"):
        write_atomic(blocker / "page.html", "x")


def test_file_sha256_matches_the_known_digest_of_abc(tmp_path: Path) -> None:
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # FIPS 180-2, appendix B.1.
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert file_sha256(path) == expected
