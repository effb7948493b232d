"""Run a study end to end: layers, indicator families, ward table, files and maps.

The pipeline wraps the library's steps; it does not live inside them. Each
indicator family is a plain function of the layers it needs (in
:mod:`coventry_geo.indicators`) that a notebook can call alone; this module
calls the families whose layers the study has, assembles the ward table, the
city summary and the extra tables, and writes them atomically
(:mod:`coventry_geo.run.outputs`).

Runs are incremental: every step (each family, the small-area table, the maps,
the green-and-blue site) is cached under a key made of the hashes of its
inputs (:mod:`coventry_geo.run.cache`), so a rerun recomputes only what changed,
and a rerun with nothing changed leaves the output folder as it is. Each run
writes its provenance (:mod:`coventry_geo.run.provenance`) and holds a lock on
its output folder (:mod:`coventry_geo.run.lock`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from coventry_geo._files import file_sha256, gpkg_timestamp, strict_dumps
from coventry_geo.errors import OutputError, StrictRunError
from coventry_geo.evidence import (
    Evidence,
    EvidencePlan,
    compute_evidence,
    layer_files,
    manifest_part,
    plan_evidence,
)
from coventry_geo.manifest.settings import study_settings
from coventry_geo.progress.history import record_run
from coventry_geo.progress.targets import progress_caption
from coventry_geo.run.cache import (
    CachedResult,
    FileHashes,
    StepCache,
    canonical_json,
    check_cache_dir,
)
from coventry_geo.run.cache import default_cache_dir as _default_cache_dir
from coventry_geo.run.folders import check_replaceable, safe_resolve
from coventry_geo.run.lock import output_lock
from coventry_geo.run.outputs import recover_output_dir, staged_output_dir, write_results
from coventry_geo.run.provenance import (
    environment,
    input_records,
    new_run_id,
    output_records,
    read_run_record,
    recorded_log_warnings,
    stamp_outputs,
)
from coventry_geo.run.steps import StepRecord, StepRunner, replay_warnings, warning_records
from coventry_geo.study import SYNTHETIC_NOTICE

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = ["RunResult", "default_cache_dir", "run_study"]

logger = logging.getLogger(__name__)

#: Version of the output layout; part of the run key.
OUTPUT_FORMAT = 1


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    out_dir : Path
        The output folder.
    run_id : str
        The id of the run whose outputs ``out_dir`` holds (the previous run's
        when ``up_to_date``).
    outputs : list of Path
        Every output file, relative to ``out_dir``.
    steps : list of StepRecord
        Each step run, with its key, time and whether it was cached.
    up_to_date : bool
        True when nothing had changed: no step ran and ``out_dir`` was left as it was.
    warnings : list of dict
        The warnings of the run (``category``, ``message``), as in ``run.json``.
    skipped_layers : list of str
        Optional layers (``required = false``) whose file is absent.
    skipped : dict of str to str
        Indicator families not computed (their layers are absent) or with nothing
        to write, and why, as in ``run.json``.
    """

    out_dir: Path
    run_id: str
    outputs: list[Path] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    up_to_date: bool = False
    warnings: list[dict[str, str]] = field(default_factory=list)
    skipped_layers: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    load_evidence: Callable[[], Evidence] | None = field(default=None, repr=False)
    _evidence: Evidence | None = field(default=None, repr=False)

    @property
    def evidence(self) -> Evidence:
        """Every result (read back from the cache on first use when the run was up to date)."""
        if self._evidence is None and self.load_evidence is not None:
            self._evidence = self.load_evidence()
        return self._evidence

    @property
    def wards(self) -> gpd.GeoDataFrame:
        """The ward table."""
        return self.evidence.wards

    @property
    def computed(self) -> list[str]:
        """Names of the steps computed in this run (not read from the cache)."""
        return [s.name for s in self.steps if not s.cached]


def default_cache_dir(study: Study, out_dir: str | Path | None = None) -> Path:
    """Return the cache folder a run of the study uses by default.

    ``<out_dir>/../.coventry_geo_cache/<study code>``, or
    ``$COVENTRY_GEO_CACHE_DIR/<study code>`` when that variable is set.
    """
    target = Path(out_dir) if out_dir is not None else study.manifest.study.outputs
    return _default_cache_dir(target, study.manifest.study.code)


def run_study(
    study: Study,
    *,
    out_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    force: bool = False,
    progress: bool = False,
    strict: bool = False,
) -> RunResult:
    """Compute every indicator the study's layers allow and write the outputs.

    Parameters
    ----------
    study : Study
    out_dir : str or Path, optional, keyword-only
        Output folder; default: the manifest's ``[study] outputs``. It must be
        missing, empty, or a folder the toolkit wrote for this study (see
        ``docs/pipeline.md``, "What the toolkit touches").
    cache_dir : str or Path, optional, keyword-only
        Step cache folder; default :func:`default_cache_dir`.
    use_cache : bool, keyword-only
        False: compute everything and store nothing.
    force : bool, keyword-only
        Compute every step and rewrite every output even when nothing changed
        (the cache is refreshed).
    progress : bool, keyword-only
        Show a progress bar of the steps on stderr.
    strict : bool, keyword-only
        Refuse to publish (raise :class:`~coventry_geo.errors.StrictRunError`,
        the previous outputs kept) when an optional layer is missing or the run
        issues any warning.

    Returns
    -------
    RunResult

    Raises
    ------
    CoventryGeoError
        For bad input (a message naming the layer, the file and the fix). The
        previous outputs are then left untouched.
    OutputError
        If the output folder may not be replaced (it holds files the toolkit
        did not write, or the study's inputs), or another run holds its lock.
    """
    target = safe_resolve(out_dir if out_dir is not None else study.manifest.study.outputs)
    root = (
        safe_resolve(cache_dir, what="cache folder")
        if cache_dir is not None
        else default_cache_dir(study, target)
    )
    code = study.manifest.study.code
    check_replaceable(target, study_code=code, protected=_protected(study, root, use_cache))
    if use_cache:
        check_cache_dir(root)
    study.check_files()
    if strict:
        _refuse_missing_layers(study)
    _make_parent(target)
    with output_lock(target):
        recover_output_dir(target)
        cache = StepCache(root) if use_cache else None
        hashes = FileHashes(root / "file_hashes.json" if use_cache else None)
        runner = StepRunner(cache=cache, hashes=hashes, force=force)
        with warnings.catch_warnings(record=True) as caught, recorded_log_warnings() as logged:
            result = _run(study, target, runner, caught, logged, progress=progress, strict=strict)
        hashes.save()
    replay_warnings(w for w in result.warnings if not w["category"].startswith("log:"))
    return result


def _protected(study: Study, cache_root: Path, use_cache: bool) -> dict[str, Path]:
    """Return what an output folder must not hold: inputs, the cache, the current folder."""
    protected = study.manifest.input_paths()
    if use_cache:
        protected["the step cache"] = cache_root
    with contextlib.suppress(OSError):
        protected["the current folder"] = Path.cwd().resolve()
    return protected


def _make_parent(target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = (
            f"output folder {target}: cannot create its parent folder "
            f"({exc.strerror or exc}). Fix: choose a writable --out."
        )
        raise OutputError(msg, path=target) from exc


def _refuse_missing_layers(study: Study) -> None:
    missing = study.missing_optional_layers()
    if missing:
        listed = ", ".join(f"'{n}' ({study.spec(n).path})" for n in missing)
        msg = (
            f"strict run: optional layer(s) {listed} not present, so the indicators that need "
            "them would be skipped. Fix: download them (see layers/README.md), or run "
            "without --strict."
        )
        raise StrictRunError(msg)


#: Warning categories about library code rather than the data: not a reason to refuse a run.
_DEVELOPER_WARNINGS = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning")


def _refuse_warnings(records: list[dict[str, str]]) -> None:
    """In a strict run, refuse to publish outputs when the run issued a warning."""
    found = [w for w in records if w["category"] not in _DEVELOPER_WARNINGS]
    if found:
        listed = "; ".join(f"{w['category']}: {w['message']}" for w in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        msg = (
            f"strict run: {len(found)} warning(s), so the outputs are not published: "
            f"{listed}{more}. Fix: correct what they point at, or run without --strict."
        )
        raise StrictRunError(msg)


def _run(
    study: Study,
    target: Path,
    runner: StepRunner,
    caught: list[warnings.WarningMessage],
    logged: list[dict[str, str]],
    *,
    progress: bool,
    strict: bool,
) -> RunResult:
    started = datetime.now(UTC)
    clock = time.perf_counter()
    plan = plan_evidence(study, runner)
    keys = {**plan.keys, **_output_keys(study, plan, runner)}
    run_key = _run_key(keys)
    previous = read_run_record(target)
    if runner.cache is not None and not runner.force and _up_to_date(target, previous, run_key):
        logger.info(
            "study '%s': outputs in %s are up to date (run %s)",
            study.name,
            target,
            previous["run_id"],
        )
        found = _merged(previous.get("warnings", []), warning_records(caught), logged)
        if strict:
            _refuse_warnings(found)
        loader = StepRunner(cache=runner.cache, hashes=runner.hashes)
        return RunResult(
            out_dir=target,
            run_id=previous["run_id"],
            outputs=[Path(o["path"]) for o in previous["outputs"]],
            up_to_date=True,
            warnings=_merged(previous.get("warnings", []), warning_records(caught)),
            skipped_layers=study.missing_optional_layers(),
            skipped=previous.get("skipped", {}),
            load_evidence=lambda: compute_evidence(study, runner=loader, plan=plan),
        )
    from tqdm import tqdm

    run_id = new_run_id(run_key)
    code = study.manifest.study.code
    with tqdm(total=len(keys) + 1, desc=code, unit="step", disable=not progress) as bar:
        runner.bar = bar
        logger.info("study '%s': computing indicators (run %s)", study.name, run_id)
        evidence = compute_evidence(study, runner=runner, plan=plan)
        with staged_output_dir(target, study_code=code) as staging:
            with gpkg_timestamp(started.strftime("%Y-%m-%dT%H:%M:%S.000Z")):
                files, steps_of = _write_outputs(
                    study, evidence, staging, runner, keys, run_id, updated=_release_date(started)
                )
            files += stamp_outputs(staging, files, run_id, steps=steps_of)
            inputs = input_records(study, runner.hashes)
            history = record_run(
                study,
                evidence,
                previous=target,
                staging=staging,
                run_id=run_id,
                started=started,
                inputs=inputs,
            )
            steps_of.update(dict.fromkeys(history, "history"))
            files += history
            record = {
                "run_id": run_id,
                "run_key": run_key,
                "started": started.isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - clock, 3),
                "warnings": _merged(warning_records(caught), logged),
                **_summary(study, evidence),
                "inputs": inputs,
                "environment": environment(),
                "steps": [asdict(r) | {"seconds": round(r.seconds, 3)} for r in runner.records],
                "outputs": output_records(staging, files, steps_of),
            }
            if strict:
                _refuse_warnings(record["warnings"])
            (staging / "run.json").write_text(strict_dumps(record, indent=2), encoding="utf-8")
            outputs = [f.relative_to(staging) for f in files] + [Path("run.json")]
    logger.info("study '%s': wrote %d outputs to %s", study.name, len(outputs), target)
    return RunResult(
        out_dir=target,
        run_id=run_id,
        outputs=outputs,
        steps=list(runner.records),
        warnings=record["warnings"],
        skipped_layers=study.missing_optional_layers(),
        skipped=dict(evidence.skipped),
        _evidence=evidence,
    )


def _merged(*lists: list[dict[str, str]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for items in lists:
        out += [w for w in items if w not in out]
    return out


def _output_keys(study: Study, plan: EvidencePlan, runner: StepRunner) -> dict[str, str | None]:
    """Keys of the steps that write files: the maps and the green-and-blue site."""
    shown = {"title": _title(study), "attribution": _attribution(study)}
    from coventry_geo.maps.credits import map_credits
    from coventry_geo.maps.options import map_options

    map_options(study.manifest.maps, manifest=str(study.manifest.path))  # bad [maps]: fail early
    maps = {
        "maps": study.manifest.maps,
        "settings": study.manifest.settings,
        "title": _title(study),
        "notice": _notice(study),
        "credits": map_credits(study, plan).to_json(),
        **({"targets": progress_caption(study.manifest.targets)} if study.manifest.targets else {}),
    }
    keys = {
        name: runner.key(name, files={}, manifest=maps, after=plan.keys.values())
        for name in ("maps", "profiles")
    }
    if "family:greenspace" in plan.keys:
        from coventry_geo.maps.site import site_layers

        names = site_layers(study)
        logo = study.manifest.site.logo
        keys["site"] = runner.key(
            "site",
            files={**layer_files(study, names), **({"site.logo": str(logo)} if logo else {})},
            manifest={**manifest_part(study, names), **shown, **_site_options(study)},
            after=[
                plan.keys[k] for k in ("family:greenspace", "family:green_blue") if k in plan.keys
            ],
        )
    return keys


def _site_options(study: Study) -> dict[str, Any]:
    """Return the manifest's ``[site]`` table and basemap, for the site step's key."""
    site = asdict(study.manifest.site) | {"logo": None}  # the logo file is hashed instead
    return {
        "site": site,
        "tiles": [study.manifest.maps.get(k) for k in ("tiles_url", "tiles_attribution")],
    }


def _run_key(keys: dict[str, str | None]) -> str | None:
    if any(k is None for k in keys.values()):
        return None
    payload = canonical_json({"format": OUTPUT_FORMAT, "steps": keys})
    return hashlib.sha256(payload.encode()).hexdigest()


def _up_to_date(target: Path, previous: dict[str, Any] | None, run_key: str | None) -> bool:
    """Whether ``target`` holds exactly the outputs of a run with this run key."""
    if run_key is None or previous is None or previous.get("run_key") != run_key:
        return False
    for output in previous.get("outputs", []):
        path = target / output["path"]
        if not path.is_file() or path.stat().st_size != output["size"]:
            return False
        if file_sha256(path) != output["sha256"]:
            return False
    return True


def _write_outputs(
    study: Study,
    evidence: Evidence,
    staging: Path,
    runner: StepRunner,
    keys: dict[str, str | None],
    run_id: str,
    *,
    updated: date,
) -> tuple[list[Path], dict[Path, str]]:
    """Write every output into the staging folder; return the files and the step of each."""
    steps_of: dict[Path, str] = {}

    def files_step(name: str, write: Callable[[], list[Path]]) -> list[Path]:
        stored = runner.run(
            name,
            keys.get(name),
            lambda: CachedResult(files=[str(f.relative_to(staging)) for f in write()]),
            files_dir=staging,
        )
        written = [staging / f for f in stored.files]
        steps_of.update(dict.fromkeys(written, name))
        return written

    files = files_step("tables", lambda: write_results(evidence, staging, run_id=run_id))
    files += files_step("maps", lambda: _write_maps(study, evidence, staging))
    files += files_step("profiles", lambda: _write_profiles(study, evidence, staging))
    if "site" in keys:
        files += files_step("site", lambda: _write_site(study, evidence, staging, updated=updated))
    return files, steps_of


def _release_date(started: datetime) -> date:
    """Return the date the published map gives as "last updated": the run's.

    ``SOURCE_DATE_EPOCH`` (seconds, the reproducible-builds convention) overrides it,
    so that a rebuild from the same inputs is byte-identical.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return datetime.fromtimestamp(int(epoch), UTC).date() if epoch.isdigit() else started.date()


def _write_site(study: Study, evidence: Evidence, folder: Path, *, updated: date) -> list[Path]:
    """Write the published green-and-blue map (NB2), when there are greenspace sites."""
    from coventry_geo.maps.site import write_study_site  # heavy: not needed by an up-to-date run

    title = _title(study, "green and blue spaces")
    return write_study_site(
        study, evidence, folder, title=title, updated=updated, notice=_notice(study) or ""
    )


def _title(study: Study, what: str = "") -> str:
    name = f"{study.name}: {what}" if what else study.name
    synthetic = study.synthetic and "synthetic" not in study.name.lower()
    return f"{name} (SYNTHETIC DATA)" if synthetic else name


def _write_maps(study: Study, evidence: Evidence, folder: Path) -> list[Path]:
    """Write the ward map and the report maps (coventry_geo.maps.report)."""
    from coventry_geo.maps.assessed import not_assessed
    from coventry_geo.maps.report import write_ward_maps  # heavy, as above
    from coventry_geo.styles import HEADLINE

    inputs = _map_inputs(study, evidence)
    gaps = not_assessed(evidence, HEADLINE)
    return write_ward_maps(
        evidence.wards, folder, city_values=evidence.city, not_assessed=gaps, **inputs
    )


def _write_profiles(study: Study, evidence: Evidence, folder: Path) -> list[Path]:
    """Write the ward profiles (coventry_geo.maps.profiles), unless [maps] profiles = false."""
    from coventry_geo.maps.profiles import write_ward_profiles  # heavy, as above

    inputs = _map_inputs(study, evidence)
    inputs.pop("settings")
    progress = progress_caption(study.manifest.targets)
    return (
        write_ward_profiles(evidence, folder / "profiles", progress=progress, **inputs)
        if inputs["options"].profiles
        else []
    )


def _map_inputs(study: Study, evidence: Evidence) -> dict[str, Any]:
    """Return what maps and profiles show besides the results: title, credits, options."""
    from coventry_geo.maps.credits import map_credits
    from coventry_geo.maps.options import map_options

    return {
        "title": _title(study),
        "credits": map_credits(study, plan_evidence(study), evidence),
        "options": map_options(study.manifest.maps, manifest=str(study.manifest.path)),
        "settings": study_settings(study.manifest.settings),
        "notice": _notice(study),
    }


def _notice(study: Study) -> str | None:
    """Return the notice on every map and profile of a synthetic study (else None)."""
    return SYNTHETIC_NOTICE if study.synthetic else None


def _attribution(study: Study) -> list[str]:
    lines = [study.manifest.study.attribution] if study.manifest.study.attribution else []
    for spec in study.manifest.layers.values():
        for text in (spec.source, spec.licence):
            if text and text not in lines:
                lines.append(text)
    return lines


def _summary(study: Study, evidence: Evidence) -> dict[str, Any]:
    """Return the study, its manifest (path and SHA-256) and its results, for ``run.json``."""
    manifest = study.manifest.path
    return {
        "study": study.name,
        "synthetic": study.synthetic,
        "note": "SYNTHETIC demo data: describes no real place" if study.synthetic else "",
        "manifest": str(manifest),
        "manifest_sha256": file_sha256(manifest),
        "crs": study.crs.to_string(),
        "wards": len(evidence.wards),
        "city": evidence.city,
        "skipped": evidence.skipped,
        "settings": asdict(study_settings(study.manifest.settings)),
    }
