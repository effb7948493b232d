"""Evidence: every indicator family a study's layers allow, assembled.

:func:`compute_evidence` runs the ward-level families, then, where the study has
small areas, the small-area table (:mod:`.small_areas`) and the families
computed from it (equity, tree equity, composite risk, cooling). Each family is
declared once, in its own module of :mod:`.families` (found by listing that
package), and computed by the functions of :mod:`coventry_geo.indicators`;
this package only decides which to call with which layers and collects the
results.

Each of those is a *step* (``wards``, ``family:<name>``, ``small_areas``)
with a cache key made of the hashes of the layer files it reads, the manifest
parts it reads and the keys of the steps it uses (:func:`plan_evidence`), so
that a :class:`~coventry_geo.run.steps.StepRunner` with a cache recomputes only
the steps whose inputs changed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coventry_geo.evidence.context import SMALL_AREAS, Context, Evidence, Family, FamilyResult
from coventry_geo.run.cache import CachedResult
from coventry_geo.run.steps import StepRunner

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = [
    "Evidence",
    "EvidencePlan",
    "EvidenceStep",
    "FamilyResult",
    "compute_evidence",
    "plan_evidence",
]

logger = logging.getLogger(__name__)

_ALWAYS = ("residences",)


@dataclass(frozen=True)
class EvidenceStep:
    """One step of the evidence: the layers it reads, the steps it uses, how to compute it.

    Attributes
    ----------
    name : str
        ``wards``, ``family:<name>`` or ``small_areas``.
    layers : tuple of str
        Names of the layers it reads.
    after : tuple of str
        Names of the steps whose results it uses.
    compute : callable
        ``compute(ctx, evidence) -> FamilyResult``.
    role : str
        ``wards`` (the base ward table), ``small_areas`` (the small-area table)
        or ``family`` (columns, city values, tables and layers).
    key : str or None
        Cache key (None: not cacheable).
    """

    name: str
    layers: tuple[str, ...]
    after: tuple[str, ...]
    compute: Callable[[Context, Evidence], FamilyResult]
    role: str = "family"
    key: str | None = None


@dataclass
class EvidencePlan:
    """The steps a study's layers allow, in order, and the families skipped (with why)."""

    steps: list[EvidenceStep] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> dict[str, str | None]:
        """Step name to cache key."""
        return {s.name: s.key for s in self.steps}


def plan_evidence(study: Study, runner: StepRunner | None = None) -> EvidencePlan:
    """Decide the steps a study's layers allow and compute their cache keys.

    Reads no layer: only the manifest and, for the keys, the files' hashes.

    Parameters
    ----------
    study : Study
    runner : StepRunner, optional
        Gives the keys (hashing the input files); without it the keys are None.

    Returns
    -------
    EvidencePlan
    """
    from coventry_geo.evidence.families import families
    from coventry_geo.evidence.wards import base_columns

    every = families()
    plan = EvidencePlan()
    plan.steps.append(
        EvidenceStep(
            "wards",
            _present(study, _base_kinds(study)),
            (),
            lambda ctx, _: FamilyResult(layers={"wards": base_columns(ctx)}),
            role="wards",
        )
    )
    _add_families(study, plan, [f for f in every if SMALL_AREAS not in f.after], base="wards")
    from_small_areas = [f for f in every if SMALL_AREAS in f.after]
    if study.available("small_areas", needed_for="deprivation and equity indicators"):
        plan.steps.append(_small_area_step(study, plan, [f for f in every if f.small_area]))
        _add_families(study, plan, from_small_areas, base=SMALL_AREAS)
    else:
        for family in from_small_areas:
            plan.skipped[family.name] = f"no small_areas layer: {family.needed_for} not computed"
    if runner is not None:
        plan.steps = _with_keys(study, plan.steps, runner)
    return plan


def compute_evidence(
    study: Study, *, runner: StepRunner | None = None, plan: EvidencePlan | None = None
) -> Evidence:
    """Compute every indicator family whose layers the study has.

    Parameters
    ----------
    study : Study
    runner : StepRunner, optional, keyword-only
        Runs the steps (through its cache, if it has one); default: compute all.
    plan : EvidencePlan, optional, keyword-only
        From :func:`plan_evidence` (made here when not given).

    Returns
    -------
    Evidence
        Ward table, small-area table, city values, extra tables and layers.
        Families whose layers are absent, or that had nothing to write, are
        listed in ``skipped`` with the reason.

    Raises
    ------
    CoventryGeoError
        For bad input (a message naming the layer, the file and the fix).
    """
    from coventry_geo.evidence.wards import assemble

    runner = runner or StepRunner()
    plan = plan or plan_evidence(study, runner)
    ctx = Context.from_study(study)
    evidence = Evidence(wards=None, skipped=dict(plan.skipped))
    columns = []
    for step in plan.steps:
        stored = runner.run(step.name, step.key, lambda s=step: _to_cache(s.compute(ctx, evidence)))
        result = _from_cache(stored)
        ctx.cache.update(result.shared)
        evidence.made_by.update(dict.fromkeys(_made(result), step.name))
        if step.role == "wards":
            evidence.wards = result.layers["wards"]
        elif step.role == "small_areas":
            evidence.small_areas = result.layers["small_areas"]
        else:
            _merge(evidence, result, columns)
        if result.skipped:
            evidence.skipped[step.name.removeprefix("family:")] = result.skipped
    evidence.wards = assemble(evidence.wards, columns)
    return evidence


def _present(study: Study, kinds: tuple[str, ...]) -> tuple[str, ...]:
    names = [study.available_all(k, needed_for=f"the {k} layer") for k in dict.fromkeys(kinds)]
    return tuple(n for group in names for n in group)


def _has_residences(study: Study) -> bool:
    return study.available("residences", needed_for="residence-based counts") is not None


def _base_kinds(study: Study) -> tuple[str, ...]:
    """Layer kinds the base ward columns read: residences, else the small areas' population."""
    return _ALWAYS if _has_residences(study) else (*_ALWAYS, "small_areas")


def _either(kinds: list[str]) -> str:
    """Return ``a``, ``a or b``, ``a, b or c``."""
    return " or ".join(filter(None, [", ".join(kinds[:-1]), kinds[-1]]))


def _add_families(study: Study, plan: EvidencePlan, families: list[Family], *, base: str) -> None:
    for family in families:
        layers = {k: study.available(k, needed_for=family.needed_for) for k in family.kinds}
        missing = [kind for kind, name in layers.items() if name is None]
        absent = [a for a in family.after if a != SMALL_AREAS and f"family:{a}" not in plan.keys]
        if missing or absent:
            why = f"no {_either(missing)} layer" if missing else f"{', '.join(absent)} not run"
            plan.skipped[family.name] = f"{why}: {family.needed_for} not computed"
            continue
        estimate = () if _has_residences(study) else family.without_residences
        reads = _present(study, (*family.kinds, *_ALWAYS, *family.optional, *estimate))
        uses = (f"family:{a}" for a in family.after if a != SMALL_AREAS)
        plan.steps.append(
            EvidenceStep(
                f"family:{family.name}",
                reads,
                (base, *uses),
                lambda ctx, ev, f=family, chosen=layers: _family_step(ctx, ev, f, chosen),
            )
        )


def _family_step(
    ctx: Context, evidence: Evidence, family: Family, layers: dict[str, str]
) -> FamilyResult:
    logger.info("computing %s", family.needed_for)
    return family.compute(ctx, layers, evidence)


def _small_area_step(study: Study, plan: EvidencePlan, families: list[Family]) -> EvidenceStep:
    """Return the small-area table's step: the columns of ``families``, after those it uses."""
    from coventry_geo.evidence.small_areas import small_area_table

    kinds = (SMALL_AREAS, *_ALWAYS, *(f.small_area.kind for f in families))
    uses = [f"family:{f.name}" for f in families if f.small_area.uses_result]
    return EvidenceStep(
        SMALL_AREAS,
        _present(study, kinds),
        ("wards", *(u for u in uses if u in plan.keys)),
        lambda ctx, ev: FamilyResult(layers={SMALL_AREAS: small_area_table(ctx, ev, families)}),
        role="small_areas",
    )


def _with_keys(study: Study, steps: list[EvidenceStep], runner: StepRunner) -> list[EvidenceStep]:
    keyed: dict[str, str | None] = {}
    out = []
    for step in steps:
        key = runner.key(
            step.name,
            files=layer_files(study, (study.manifest.study.ward_layer, *step.layers))
            | (_setting_files(study) if step.role != "wards" else {}),
            manifest=manifest_part(study, step.layers, settings=step.role != "wards"),
            after=[keyed[a] for a in step.after],
        )
        keyed[step.name] = key
        out.append(dataclasses.replace(step, key=key))
    return out


def layer_files(study: Study, names: tuple[str, ...]) -> dict[str, str]:
    """Return input label to file for layers (and their join tables), for step keys."""
    files = {}
    for name in dict.fromkeys(names):
        spec = study.spec(name)
        files[name] = spec.path
        files.update(spec.table_files)
    return files


def _setting_files(study: Study) -> dict[str, str]:
    """Return label to file for the files ``[settings]`` names (greenspace standards)."""
    return {f"settings:{raw}": str(p) for raw, p in study.manifest.setting_files.items()}


def manifest_part(study: Study, names: tuple[str, ...], *, settings: bool = True) -> dict[str, Any]:
    """Return the manifest parts a step reads: its layers' specs (paths aside), ``[settings]``.

    Paths are left out (the files' hashes stand for them), so a study moved to
    another folder keeps its cache.
    """
    manifest = study.manifest
    specs = {}
    for name in (manifest.study.ward_layer, *names):
        spec = dataclasses.asdict(study.spec(name))
        spec.pop("path")
        for join in (*spec["joins"], spec["ward_lookup"] or {}):
            join.pop("path", None)
        specs[name] = spec
    return {
        "crs": manifest.study.crs.to_wkt(),
        "layers": specs,
        "settings": manifest.settings if settings else None,
    }


def _to_cache(result: FamilyResult) -> CachedResult:
    frames = {} if result.columns is None else {"columns": result.columns}
    frames |= {f"table:{k}": v for k, v in result.tables.items()}
    frames |= {f"layer:{k}": v for k, v in result.layers.items()}
    frames |= {f"shared:{k}": v for k, v in result.shared.items()}
    city = {k: None if v is None else float(v) for k, v in result.city.items()}
    return CachedResult(frames=frames, values={"city": city, "skipped": result.skipped})


def _from_cache(stored: CachedResult) -> FamilyResult:
    frames = stored.frames
    return FamilyResult(
        columns=frames.get("columns"),
        city=dict(stored.values.get("city", {})),
        tables={k[6:]: v for k, v in frames.items() if k.startswith("table:")},
        layers={k[6:]: v for k, v in frames.items() if k.startswith("layer:")},
        shared={k[7:]: v for k, v in frames.items() if k.startswith("shared:")},
        skipped=stored.values.get("skipped"),
    )


def _made(result: FamilyResult) -> list[str]:
    """Names of what a step made: its ward columns, ``table:<name>`` and ``layer:<name>``."""
    columns = [] if result.columns is None else list(result.columns.columns)
    wards = result.layers.get("wards")
    columns += [] if wards is None else [c for c in wards.columns if c != wards.geometry.name]
    return [
        *columns,
        *(f"table:{k}" for k in result.tables),
        *(f"layer:{k}" for k in result.layers),
    ]


def _merge(evidence: Evidence, result: FamilyResult, columns: list) -> None:
    if result.columns is not None:
        columns.append(result.columns)
    evidence.city.update(result.city)
    evidence.tables.update(result.tables)
    evidence.layers.update(result.layers)
