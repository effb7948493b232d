"""Never touch what the toolkit did not write: output folders, their neighbours, the cache.

Every test runs the real ``coventry-geo`` console script on the tiny study and
compares what is on disk before and after, byte for byte.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from coventry_geo.errors import OutputError
from coventry_geo.run.folders import (
    MARKER,
    check_replaceable,
    foreign_entries,
    remove_owned,
    write_marker,
)
from coventry_geo.run.outputs import staged_output_dir
from tests.cli import assert_ok, assert_refused, run_cli, snapshot

#: Random foreign folders tried as --out by the property test (each in a new process).
N_FOREIGN = 24
_SEED = 20261202


def _entry(rng: np.random.Generator, folder: Path, outside: Path, i: int) -> None:
    """Put one random foreign thing in ``folder``."""
    kind = rng.choice(
        ["file", "hidden", "folder", "link_file", "link_folder", "broken_link", "loop", "git"]
    )
    name = f"{kind}-{i}"
    data = rng.bytes(int(rng.integers(0, 2000)))
    if kind == "file":
        (folder / f"{name}.{rng.choice(['csv', 'gpkg', 'txt', 'json'])}").write_bytes(data)
    elif kind == "hidden":
        (folder / f".{name}").write_bytes(data)
    elif kind == "folder":
        sub = folder / name
        sub.mkdir()
        for j in range(int(rng.integers(0, 3))):
            _entry(rng, sub, outside, i * 10 + j)
    elif kind == "link_file":
        target = outside / f"target-{i}.txt"
        target.write_bytes(data)
        (folder / name).symlink_to(target)
    elif kind == "link_folder":
        target = outside / f"target-{i}"
        target.mkdir()
        (target / "precious.txt").write_bytes(data)
        (folder / name).symlink_to(target, target_is_directory=True)
    elif kind == "broken_link":
        (folder / name).symlink_to(outside / "nothing-here")
    elif kind == "loop":
        (folder / name).symlink_to(folder / name)
    else:
        (folder / ".git").mkdir(exist_ok=True)
        (folder / ".git" / f"HEAD-{i}").write_bytes(data)


def _foreign_case(rng: np.random.Generator, root: Path) -> Path:
    """A folder of 1-5 random foreign things, with the files its links point to beside it."""
    out, outside = root / "out", root / "outside"
    for folder in (out, outside):
        folder.mkdir(parents=True)
    for i in range(int(rng.integers(1, 6))):
        _entry(rng, out, outside, i)
    return out


def _special_cases(root: Path) -> list[tuple[Path, Path]]:
    """Targets a careless tool would take for its own: (case folder, --out)."""
    cases = []
    for name, marker in [
        ("other-study", {"written_by": "coventry_geo", "study": "other"}),
        ("garbled-marker", None),
    ]:
        out = root / name / "out"
        out.mkdir(parents=True)
        text = json.dumps(marker) if marker else "not json {"
        (out / MARKER).write_text(text)
        (out / "mine.csv").write_text("a,b\n1,2\n")
        cases.append((root / name, out))
    file_case = root / "a-file"
    file_case.mkdir()
    (file_case / "out").write_text("I am a file\n")
    cases.append((file_case, file_case / "out"))
    linked = root / "link-to-foreign"
    (linked / "real").mkdir(parents=True)
    (linked / "real" / "thesis.docx").write_bytes(b"years of work")
    (linked / "out").symlink_to(linked / "real", target_is_directory=True)
    cases.append((linked, linked / "out"))
    return cases


def _run_cases(manifest: Path, targets: list[Path]) -> list:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(
            pool.map(
                lambda out: run_cli("run", manifest, "--out", out, cwd=manifest.parent), targets
            )
        )


def test_random_foreign_folders_are_refused_and_left_byte_identical(tiny_study, tmp_path):
    manifest = tiny_study()
    rng = np.random.default_rng(_SEED)
    cases = [
        (tmp_path / "cases" / f"{i:02d}", _foreign_case(rng, tmp_path / "cases" / f"{i:02d}"))
        for i in range(N_FOREIGN)
    ]
    cases += _special_cases(tmp_path / "special")
    before = {root: snapshot(root) for root, _ in cases}
    started = time.perf_counter()
    results = _run_cases(manifest, [out for _, out in cases])
    seconds = time.perf_counter() - started
    for (root, out), result in zip(cases, results, strict=True):
        # (a file given as --out is refused by the option itself, without a "Fix:")
        assert_refused(result, str(out.resolve()), *(["Fix:"] if out.is_dir() else []))
        # nothing created, moved or deleted: no lock file, no cache, no staging folder
        assert snapshot(root) == before[root], out
    assert seconds < 600


def test_empty_and_new_folders_are_used_and_their_neighbours_kept(tiny_study, tmp_path):
    manifest = tiny_study()
    rng = np.random.default_rng(_SEED + 1)
    crowded = tmp_path / "crowded"
    _foreign_case(rng, crowded)  # a parent full of foreign things
    empty = crowded / "empty"
    empty.mkdir()
    (tmp_path / "real-empty").mkdir()
    (crowded / "linked-empty").symlink_to(tmp_path / "real-empty", target_is_directory=True)
    targets = [empty, crowded / "new" / "nested", crowded / "linked-empty"]
    before = snapshot(crowded)
    results = _run_cases(manifest, targets)
    for out, result in zip(targets, results, strict=True):
        assert_ok(result)
        assert (out / MARKER).is_file()
        assert (out / "wards.csv").is_file()
    after = snapshot(crowded)
    changed = {k for k in before if after.get(k) != before[k]}
    assert changed == set(), changed  # every pre-existing entry as it was
    assert not [p for p in crowded.rglob("*.lock*")]  # lock files removed after each run
    assert not [p for p in crowded.rglob(".staging-*")] + [p for p in crowded.rglob(".retired-*")]


@pytest.fixture
def repository(tiny_study, tmp_path):
    """The tiny study inside a folder laid out as a git repository with a README."""
    manifest = tiny_study()
    repo = tmp_path / "repo"
    (repo / "layers").mkdir(parents=True)
    for f in tmp_path.iterdir():
        if f.is_file():
            f.rename(repo / "layers" / f.name)
    (repo / ".git").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / "README.md").write_text("# My project\n")
    return repo, repo / "layers" / manifest.name


@pytest.mark.parametrize(
    ("out", "cwd", "needles"),
    [
        (".", "", ["holds the manifest", "layer 'wards'", "the current folder"]),
        ("layers", "", ["holds the manifest", "layer 'heat'"]),
        ("..", "layers", ["the current folder"]),
    ],
)
def test_folders_holding_inputs_git_or_the_current_folder_are_never_replaced(
    repository, out, cwd, needles
):
    repo, manifest = repository
    before = snapshot(repo)
    result = run_cli("run", manifest, "--out", out, cwd=repo / cwd)
    assert_refused(result, *needles, "Fix:")
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("inside", "cache", "needle"),
    [(".git", False, "holds a .git folder"), ("cache", True, "the step cache")],
)
def test_a_folder_holding_git_or_the_cache_is_never_replaced(
    tiny_study, tmp_path, inside, cache, needle
):
    manifest = tiny_study()
    out = tmp_path / "work"
    (out / inside).mkdir(parents=True)
    before = snapshot(tmp_path)
    options = ["--cache-dir", out / "cache"] if cache else []
    assert_refused(run_cli("run", manifest, "--out", out, *options, cwd=tmp_path), needle)
    assert snapshot(tmp_path) == before


def test_a_file_added_to_the_output_folder_is_never_deleted(tiny_study, tmp_path):
    manifest = tiny_study()
    out = tmp_path / "out"
    assert_ok(run_cli("run", manifest, cwd=tmp_path))
    (out / "my notes.txt").write_text("keep me")
    (out / "maps" / "extra.png").write_bytes(b"png")
    before = snapshot(tmp_path)
    result = run_cli("run", manifest, "--force", cwd=tmp_path)
    assert_refused(result, "2 file(s) or folder(s)", "maps/extra.png", "my notes.txt", "move them")
    assert snapshot(tmp_path) == before
    (out / "my notes.txt").unlink()
    (out / "maps" / "extra.png").unlink()
    assert_ok(run_cli("run", manifest, "--force", cwd=tmp_path))


def test_outputs_of_another_study_are_not_replaced(tiny_study, tmp_path):
    manifest = tiny_study(study={"code": "other", "name": "Other Town"})
    out = tmp_path / "out"
    out.mkdir()
    write_marker(out, "tiny")
    (out / "run.json").write_text(json.dumps({"run_id": "r", "outputs": []}))
    before = snapshot(out)
    result = run_cli("run", manifest, cwd=tmp_path)
    assert_refused(result, "outputs of study 'tiny'", "not of 'other'")
    assert snapshot(out) == before


def test_outputs_of_an_earlier_version_without_marker_are_adopted(tiny_study, tmp_path):
    manifest = tiny_study()
    assert_ok(run_cli("run", manifest, cwd=tmp_path))
    (tmp_path / "out" / MARKER).unlink()  # as written before markers existed
    assert_ok(run_cli("run", manifest, "--force", cwd=tmp_path))
    assert (tmp_path / "out" / MARKER).is_file()
    assert not list(tmp_path.glob(".retired-*"))


def test_forged_run_record_cannot_reach_outside_the_folder(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    write_marker(out, "tiny")
    listed = ["../secret.txt", str(secret), "a/../../secret.txt", "a/link"]
    (out / "a" / "link").symlink_to(secret)
    record = {"run_id": "x", "outputs": [{"path": p} for p in listed]}
    (out / "run.json").write_text(json.dumps(record))
    assert [p.as_posix() for p in foreign_entries(out)] == ["a/link"]  # a link is never ours
    (out / "a" / "link").unlink()
    with staged_output_dir(out, study_code="tiny") as staging:
        (staging / "new.csv").write_text("1\n")
    assert secret.read_text() == "outside"
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "secret.txt"]


def test_folders_named_like_staging_but_not_marked_are_left_alone(tiny_study, tmp_path):
    manifest = tiny_study()
    for name in (".staging-out-mine", ".retired-out-mine"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "data.csv").write_text("1\n")
    before = {n: snapshot(tmp_path / n) for n in (".staging-out-mine", ".retired-out-mine")}
    assert_ok(run_cli("run", manifest, cwd=tmp_path))
    for name, content in before.items():
        assert snapshot(tmp_path / name) == content


def test_a_foreign_cache_folder_is_refused(tiny_study, tmp_path):
    manifest = tiny_study()
    cache = tmp_path / "mycache"
    (cache / "tmp" / "notes").mkdir(parents=True)
    (cache / "report.docx").write_bytes(b"mine")
    before = snapshot(tmp_path)
    assert_refused(run_cli("run", manifest, "--cache-dir", cache, cwd=tmp_path), "report.docx")
    assert snapshot(tmp_path) == before


def test_remove_owned_keeps_what_the_run_did_not_write(tmp_path, caplog):
    logging.getLogger("coventry_geo.run.folders").addHandler(caplog.handler)
    folder = tmp_path / ".retired-out-1234"
    (folder / "maps").mkdir(parents=True)
    write_marker(folder, "tiny")
    (folder / "maps" / "a.html").write_text("ours")
    (folder / "maps" / "late.txt").write_text("added during the run")
    record = {"run_id": "r", "outputs": [{"path": "maps/a.html"}]}
    (folder / "run.json").write_text(json.dumps(record))
    assert [p.as_posix() for p in foreign_entries(folder)] == ["maps/late.txt"]
    assert remove_owned(folder) is False
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "maps",
        "maps/late.txt",
    ]
    assert "left" in caplog.text
    assert "late.txt" in caplog.text


def test_lock_file_is_removed_and_refusal_creates_nothing(tiny_study, tmp_path):
    manifest = tiny_study()
    assert_ok(run_cli("run", manifest, cwd=tmp_path))
    assert not list(tmp_path.glob(".out.lock*"))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text("x")
    before = sorted(os.listdir(tmp_path))
    assert_refused(run_cli("run", manifest, "--out", tmp_path / "elsewhere", cwd=tmp_path))
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize("where", ["demo/my_wards.gpkg", "demo.toml"])
def test_demo_never_replaces_layers_it_did_not_write(tmp_path, where):
    layers = tmp_path / "layers"
    (layers / "demo").mkdir(parents=True)
    (layers / where).write_text('[study]\nname = "mine"\n')
    before = snapshot(tmp_path)
    result = run_cli("demo", "--layers", layers, "--out", tmp_path / "out", cwd=tmp_path)
    assert_refused(result, Path(where).name, "which the demo did not write", "Fix:")
    assert snapshot(tmp_path) == before


def test_files_programs_derive_from_outputs_do_not_block_a_rerun(tiny_study, tmp_path):
    manifest = tiny_study()
    out = tmp_path / "out"
    assert_ok(run_cli("run", manifest, cwd=tmp_path))
    (out / "wards.gpkg.aux.xml").write_text("<PAMDataset/>")  # QGIS opened the table
    (out / "maps" / ".DS_Store").write_bytes(b"\0")  # Finder opened the folder
    assert_ok(run_cli("run", manifest, "--force", cwd=tmp_path))
    assert not (out / "wards.gpkg.aux.xml").exists()
    (out / "notes.txt.aux.xml").write_text("<PAMDataset/>")  # not derived from an output
    result = run_cli("run", manifest, "--force", cwd=tmp_path)
    assert_refused(result, "notes.txt.aux.xml")


def test_a_folder_holding_only_file_browser_clutter_counts_as_empty(tiny_study, tmp_path):
    manifest = tiny_study()
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / ".DS_Store").write_bytes(b"\0")
    assert_ok(run_cli("run", manifest, "--out", tmp_path / "fresh", cwd=tmp_path))
    assert (tmp_path / "fresh" / MARKER).is_file()


@pytest.mark.parametrize("taken", [0, 2])
def test_a_refused_folder_message_suggests_a_new_folder_beside_it(tmp_path, taken):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "budget.xlsx").write_text("mine")
    for name in ["reports-tiny", *(f"reports-tiny-{n}" for n in range(2, taken + 1))][:taken]:
        (tmp_path / name).mkdir()
    with pytest.raises(OutputError) as caught:
        check_replaceable(out, study_code="tiny")
    suggested = re.search(r"--out (\S+?)\.?$", str(caught.value)).group(1)
    assert Path(suggested).parent == tmp_path
    assert not Path(suggested).exists()
    assert Path(suggested).name == ("reports-tiny" if taken == 0 else f"reports-tiny-{taken + 1}")
