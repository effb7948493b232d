"""Benchmark a cold full run of the demo city, side by side with a previous release.

Run: ``.venv/bin/python benchmarks/run.py [--baseline REF] [--repeat N]``.

1. Builds the previous release (default: the git tag ``v0.1.0``; ``--baseline REF`` gives
   any commit, e.g. ``6226e95`` when the tag is not in the clone) into a virtualenv of its
   own under ``benchmarks/data/run/`` (``git archive`` of the ref, ``python -m venv``,
   ``pip install``; built once per commit and reused).
2. Generates the demo city once, with the current code.
3. Runs ``coventry-geo -q run demo.toml --force --no-cache`` with the baseline and with
   the current code, one after the other, ``--repeat`` times (the order alternates), each
   into an output folder of its own.
4. Prints, for the best run of each: every step's time (from the ``steps`` of the run's
   ``run.json``), the run's total, the process's wall time (interpreter start and imports
   included), and what is polled every 50 ms over the process and all its descendants
   (the map-drawing workers included): their CPU time (user + system, each process's own
   as last seen; far less sensitive than wall time to other jobs on a shared machine), the
   peak of their summed proportional set size (PSS: memory pages a forked worker shares
   with its parent count once, split between them) and the peak resident set size of the
   largest single process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "run"
DEFAULT_BASELINE = "v0.1.0"
POLL_S = 0.05


@dataclass
class Measured:
    """One run of ``coventry-geo run``: wall time, peak memory, step times."""

    wall_s: float
    cpu_s: float
    peak_tree_mb: float
    peak_process_mb: float
    total_s: float
    steps: dict[str, float] = field(default_factory=dict)


def resolve_ref(ref: str | None) -> tuple[str, str]:
    """Return (label, commit) of the baseline: ``ref``, else the tag ``v0.1.0``."""
    label = ref or DEFAULT_BASELINE
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{label}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        hint = "" if ref else f" (this clone has no tag {DEFAULT_BASELINE})"
        raise SystemExit(
            f"baseline {label!r} is not a commit of this repository{hint}. "
            "Fix: give --baseline REF, e.g. --baseline 6226e95 (the v0.1.0 release commit)."
        )
    return label, found.stdout.strip()


def baseline_cli(commit: str) -> Path:
    """Return the ``coventry-geo`` of the baseline's own virtualenv, building it if needed."""
    home = DATA / f"baseline-{commit[:12]}"
    cli = home / "venv" / "bin" / "coventry-geo"
    if (home / "installed").is_file() and cli.is_file():
        return cli
    shutil.rmtree(home, ignore_errors=True)
    source = home / "src"
    source.mkdir(parents=True)
    print(f"building the baseline {commit[:12]} in {home} (once) ...", flush=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    pip = [str(home / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, str(source)], check=True)
    (home / "installed").write_text(commit + "\n", encoding="utf-8")
    return cli


def demo_manifest() -> Path:
    """Generate the demo city with the current code (reused when already there)."""
    from coventry_geo.demo import generate_demo

    return generate_demo(DATA / "layers")


#: Asks a release's manifest reader which keys it accepts (v0.1.0 refuses unknown keys).
_KNOWN_KEYS = """
import json
import coventry_geo.manifest as m
from coventry_geo.layers.schemas import LAYER_SCHEMAS
names = {"top": "_TOP_KEYS", "study": "_STUDY_KEYS", "layer": "_LAYER_KEYS", "join": "_JOIN_KEYS"}
known = {k: sorted(getattr(m, n)) for k, n in names.items() if hasattr(m, n)}
known |= {"kinds": sorted(LAYER_SCHEMAS), "presets": sorted(getattr(m, "PRESETS", ()))}
print(json.dumps(known))
"""


def baseline_manifest(manifest: Path, cli: Path) -> Path:
    """Write beside ``manifest`` a copy with only the keys the baseline's reader knows.

    The layers, their files and the settings are the same, except what v0.1.0 refuses:
    newer keys (such as a layer's ``date``, or the ``[site]`` table of the green-and-blue
    page's publisher), and layers of a kind or preset it does not know (the postcodes of
    the green-and-blue page's search), which are left out and listed. Reads the manifest
    line by line: one ``key = value`` per line, as :func:`coventry_geo.demo.generate_demo`
    writes.
    """
    python = cli.with_name("python")
    found = subprocess.run(  # not from the repository root, where it would import this code
        [str(python), "-c", _KNOWN_KEYS], capture_output=True, text=True, cwd=DATA
    )
    known = json.loads(found.stdout) if found.returncode == 0 else {}
    dropped = _unknown_layers(manifest, known)
    if dropped:
        print(f"layers left out of the baseline's manifest (unknown to it): {', '.join(dropped)}")
    kept, table = [], []
    for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True):
        header = re.match(r"\s*\[\[?([^\]]+)\]", line)
        if header:
            table = [part.strip() for part in header.group(1).split(".")]
        key = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)
        if table[:1] == ["layers"] and table[1:2] and table[1] in dropped:
            continue
        if _known(known, table, key.group(1) if key and not header else None):
            kept.append(line)
    copy = manifest.with_name(f"{manifest.stem}.baseline.toml")
    copy.write_text("".join(kept), encoding="utf-8")
    return copy


def _unknown_layers(manifest: Path, known: dict[str, list[str]]) -> list[str]:
    """Names of the manifest's layers whose kind or preset the baseline does not know."""
    layers = tomllib.loads(manifest.read_text(encoding="utf-8")).get("layers", {})
    kinds, presets = set(known.get("kinds", ())), set(known.get("presets", ()))
    return [
        name
        for name, spec in layers.items()
        if (kinds and spec.get("kind") not in kinds)
        or (presets and "preset" in spec and spec["preset"] not in presets)
    ]


def _known(known: dict[str, list[str]], table: list[str], key: str | None) -> bool:
    """Whether the baseline knows a table (``key`` None) or a key of that table."""
    if table and "top" in known and table[0] not in known["top"]:
        return False
    if key is None:
        return True
    if table == ["study"]:
        allowed = known.get("study")
    elif len(table) == 2 and table[0] == "layers":
        allowed = known.get("layer")
    elif len(table) == 3 and table[0] == "layers" and table[2] == "join":
        allowed = known.get("join")
    else:
        allowed = None
    return allowed is None or key in allowed


def measure(cli: Path, manifest: Path, out: Path) -> Measured:
    """Run ``cli run manifest --force --no-cache`` into ``out``; poll its processes."""
    shutil.rmtree(out, ignore_errors=True)
    command = [str(cli), "-q", "run", str(manifest), "--out", str(out), "--force", "--no-cache"]
    start = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, cwd=out.parent)
    peak_tree = peak_process = 0
    cpu: dict[int, float] = {}
    while process.poll() is None:
        shares = []
        for proc in [process, *_children(process)]:
            try:
                shares.append(_pss(proc))
                peak_process = max(peak_process, proc.memory_info().rss)
                times = proc.cpu_times()
                cpu[proc.pid] = times.user + times.system
            except psutil.Error:  # ended between the listing and the read
                continue
        peak_tree = max(peak_tree, sum(shares))
        time.sleep(POLL_S)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit status {process.returncode}")
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    steps: dict[str, float] = {}
    for step in record.get("steps", []):
        steps[step["name"]] = steps.get(step["name"], 0.0) + step["seconds"]
    mb = 1024**2
    return Measured(
        wall, sum(cpu.values()), peak_tree / mb, peak_process / mb, record["seconds"], steps
    )


def _pss(proc: psutil.Process) -> int:
    """Proportional set size: pages shared between processes (forked workers) split among them."""
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return proc.memory_info().rss


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def best(runs: list[Measured]) -> Measured:
    """The run with the shortest wall time."""
    return min(runs, key=lambda m: m.wall_s)


def print_table(label: str, base: Measured, current: Measured) -> None:
    """Print step, baseline s, current s and their ratio; then totals and memory."""
    names = list(current.steps) + [n for n in base.steps if n not in current.steps]
    print(f"\n{'step':<28} {label + ' s':>14} {'current s':>10} {'ratio':>7}")
    for name in names:
        print(_row(name, base.steps.get(name), current.steps.get(name)))
    print(_row("run total (run.json)", base.total_s, current.total_s))
    print(_row("process wall time", base.wall_s, current.wall_s))
    print(_row("CPU time (all processes)", base.cpu_s, current.cpu_s))
    print(_row("peak PSS, all processes MB", base.peak_tree_mb, current.peak_tree_mb, ".0f"))
    print(
        _row("peak RSS, largest process MB", base.peak_process_mb, current.peak_process_mb, ".0f")
    )
    print("ratio = baseline / current (above 1: the current code is faster or smaller)")


def _row(name: str, base: float | None, current: float | None, fmt: str = ".2f") -> str:
    def cell(value: float | None, width: int) -> str:
        return f"{value:>{width}{fmt}}" if value is not None else f"{'-':>{width}}"

    ratio = f"{base / current:7.2f}" if base and current else f"{'-':>7}"
    return f"{name:<28} {cell(base, 14)} {cell(current, 10)} {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REF", help="git ref of the previous release")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (best is shown)")
    args = parser.parse_args()
    label, commit = resolve_ref(args.baseline)
    clis = {
        "baseline": baseline_cli(commit),
        "current": Path(sys.executable).with_name("coventry-geo"),
    }
    manifest = demo_manifest()
    manifests = {"baseline": baseline_manifest(manifest, clis["baseline"]), "current": manifest}
    print(f"demo manifest: {manifest}; cores usable: {len(os.sched_getaffinity(0))}")
    runs: dict[str, list[Measured]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        for i in range(args.repeat):
            order = ["baseline", "current"] if i % 2 == 0 else ["current", "baseline"]
            for which in order:
                load = os.getloadavg()[0]
                runs[which].append(measure(clis[which], manifests[which], Path(tmp) / which))
                print(
                    f"run {i + 1} {which:<8}: {runs[which][-1].wall_s:6.1f} s wall, "
                    f"peak {runs[which][-1].peak_tree_mb:5.0f} MB (load before {load:.1f})",
                    flush=True,
                )
    print_table(f"{label} ({commit[:7]})", best(runs["baseline"]), best(runs["current"]))


if __name__ == "__main__":
    main()
