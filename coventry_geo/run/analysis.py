"""The analyst's API: a study's evidence, ward table and small-area table, through the step cache.

The functions here compute what :func:`~coventry_geo.run.pipeline.run_study`
computes, without writing outputs, and share its step cache
(:mod:`coventry_geo.run.cache`): after a run, or after a first call, the steps
whose inputs have not changed are read back rather than recomputed, so a
notebook can call them again and again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from coventry_geo.errors import ManifestError
from coventry_geo.evidence import Evidence, EvidencePlan, plan_evidence
from coventry_geo.evidence import compute_evidence as _compute
from coventry_geo.run.cache import FileHashes, StepCache, check_cache_dir, default_cache_dir
from coventry_geo.run.folders import safe_resolve
from coventry_geo.run.steps import StepRunner

if TYPE_CHECKING:
    import geopandas as gpd

    from coventry_geo.study import Study

__all__ = ["compute_evidence", "small_area_table", "ward_table"]


def compute_evidence(
    study: Study, *, cache_dir: str | Path | None = None, use_cache: bool = True
) -> Evidence:
    """Compute every indicator family whose layers the study has, through the step cache.

    Parameters
    ----------
    study : Study
    cache_dir : str or Path, optional, keyword-only
        Step cache folder; default the one :func:`~coventry_geo.run_study` uses
        (``<outputs>/../.coventry_geo_cache/<study code>``, or under
        ``$COVENTRY_GEO_CACHE_DIR``).
    use_cache : bool, keyword-only
        False: compute every step and store nothing.

    Returns
    -------
    Evidence
        Ward table (a column ``ward_id``), small-area table, city values,
        extra tables and layers; ``skipped`` lists the families not computed
        and why.

    Raises
    ------
    CoventryGeoError
        For bad input (a message naming the layer, the file and the fix).
    OutputError
        If the cache folder holds files the toolkit did not write, or cannot be written.
    """
    return _cached(study, plan_evidence, cache_dir=cache_dir, use_cache=use_cache)


def ward_table(
    study: Study, *, cache_dir: str | Path | None = None, use_cache: bool = True
) -> gpd.GeoDataFrame:
    """Build the ward table: one row per ward with every computable indicator column.

    Parameters
    ----------
    study : Study
    cache_dir : str or Path, optional, keyword-only
        Step cache folder (see :func:`compute_evidence`).
    use_cache : bool, keyword-only
        False: compute every step and store nothing.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``ward_id`` (sorted): ``ward_name``, ``area_ha``,
        ``residences``, ``residents``, the columns of each family whose layers
        are present, and ``geometry``, in the analysis CRS.
        :func:`~coventry_geo.columns.column_info` describes each column.
    """
    wards = compute_evidence(study, cache_dir=cache_dir, use_cache=use_cache).wards
    return wards.set_index("ward_id").sort_index()


def small_area_table(
    study: Study, *, cache_dir: str | Path | None = None, use_cache: bool = True
) -> gpd.GeoDataFrame:
    """Build the small-area table: the exposure indicators per small area (LSOA, data zone...).

    Computes only what the table needs (the ward table and, for the heat
    columns, the city's heat reference values).

    Parameters
    ----------
    study : Study
    cache_dir : str or Path, optional, keyword-only
        Step cache folder (see :func:`compute_evidence`).
    use_cache : bool, keyword-only
        False: compute every step and store nothing.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``area_id``: the small areas' own fields (population,
        deprivation...), ``ward_id``, ``area_ha`` and the exposure columns
        whose layers the study has (``docs/indicators.md``).

    Raises
    ------
    ManifestError
        If the study has no small-area layer.
    """

    def plan(study: Study, runner: StepRunner) -> EvidencePlan:
        full = plan_evidence(study, runner)
        table = next((s for s in full.steps if s.name == "small_areas"), None)
        if table is None:
            msg = (
                f"manifest {study.manifest.path}: no layer of kind 'small_areas', so there "
                "is no small-area table. Fix: add one (e.g. the LSOAs with their population "
                "and deprivation; see docs/manifest.md)."
            )
            raise ManifestError(msg, path=study.manifest.path)
        needed = {"wards", "small_areas", *table.after}
        return EvidencePlan(steps=[s for s in full.steps if s.name in needed])

    evidence = _cached(study, plan, cache_dir=cache_dir, use_cache=use_cache)
    return evidence.small_areas.set_index("area_id")


def _cached(
    study: Study,
    plan: Callable[[Study, StepRunner], EvidencePlan],
    *,
    cache_dir: str | Path | None,
    use_cache: bool,
) -> Evidence:
    """Compute the steps of ``plan(study, runner)`` with a runner on the study's step cache."""
    if not use_cache:
        runner = StepRunner()
        return _compute(study, runner=runner, plan=plan(study, runner))
    root = (
        safe_resolve(cache_dir, what="cache folder")
        if cache_dir is not None
        else default_cache_dir(study.manifest.study.outputs, study.manifest.study.code)
    )
    check_cache_dir(root)
    hashes = FileHashes(root / "file_hashes.json")
    runner = StepRunner(cache=StepCache(root), hashes=hashes)
    evidence = _compute(study, runner=runner, plan=plan(study, runner))
    hashes.save()
    return evidence
