"""What the families share: the study's loaded layers, settings and results so far."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from coventry_geo.backends import RESIDENCE_ACCESS, run_task
from coventry_geo.manifest.settings import Settings, study_settings

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = [
    "AREA_ID",
    "POPULATION_KINDS",
    "SMALL_AREAS",
    "Context",
    "Evidence",
    "Family",
    "FamilyResult",
    "SmallAreaColumns",
    "residence_access",
]


@dataclass
class FamilyResult:
    """What one indicator family adds.

    Attributes
    ----------
    columns : pandas.DataFrame or None
        Ward columns, indexed by ``ward_id``.
    city : dict
        City-wide values.
    tables : dict of str to pandas.DataFrame
        Extra tables (written as CSV).
    layers : dict of str to geopandas.GeoDataFrame
        Extra map layers (written as GeoPackage layers).
    shared : dict of str to pandas.DataFrame
        Intermediate results later steps reuse (e.g. ``access:<standard>``, the
        ANGSt access of every residence), kept in the step cache with the rest,
        so that they are reused when this step comes from the cache too; not
        written out. Later steps find them in :attr:`Context.cache`.
    skipped : str or None
        Why the family has nothing to write, when it ran but its inputs allow
        no result (listed under ``skipped`` in ``run.json``).
    """

    columns: pd.DataFrame | None = None
    city: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    shared: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: str | None = None


@dataclass
class Evidence:
    """Every result of a study.

    Attributes
    ----------
    wards : geopandas.GeoDataFrame
        The ward table: one row per ward, every indicator column.
    small_areas : geopandas.GeoDataFrame or None
        The small-area table (indicators per small area), when the study has small areas.
    city : dict of str to float
        City-wide values (e.g. ``lst_mean_c``, ``canopy_pct``).
    tables : dict of str to pandas.DataFrame
        Extra tables (e.g. ``heat_network_zones``, ``equity``).
    layers : dict of str to geopandas.GeoDataFrame
        Extra map layers (e.g. ``greenspace_sites``, ``deficiency_angst_2010``).
    skipped : dict of str to str
        Families not computed (their layers are absent) or with nothing to
        write, and why.
    made_by : dict of str to str
        Ward column, ``table:<name>`` or ``layer:<name>`` to the step that made it
        (maps credit the layers that step read).
    """

    wards: gpd.GeoDataFrame
    small_areas: gpd.GeoDataFrame | None = None
    city: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    made_by: dict[str, str] = field(default_factory=dict)


class Context:
    """The study's layers and settings, shared by the families of one run.

    The layers are loaded on first use, so that a run whose steps are all
    cached loads none of them.

    Parameters
    ----------
    study : Study
    """

    def __init__(self, study: Study) -> None:
        self.study = study
        self.settings: Settings = study_settings(
            study.manifest.settings, manifest=str(study.manifest.path)
        )
        #: The :attr:`FamilyResult.shared` results of the steps run so far.
        self.cache: dict[str, pd.DataFrame] = {}

    @classmethod
    def from_study(cls, study: Study) -> Context:
        """Return the context of a study (layers are loaded when first used)."""
        return cls(study)

    @cached_property
    def wards(self) -> gpd.GeoDataFrame:
        """The ward layer."""
        return self.study.wards

    @cached_property
    def residences(self) -> gpd.GeoDataFrame | None:
        """The residences (None without a usable residences layer)."""
        name = self.study.available("residences", needed_for="residence-based counts")
        return self.study.vector(name) if name else None

    @cached_property
    def small_areas(self) -> gpd.GeoDataFrame | None:
        """The small areas (None without a usable small_areas layer)."""
        name = self.study.available("small_areas", needed_for="deprivation and equity indicators")
        return self.study.vector(name) if name else None

    @cached_property
    def small_area_wards(self) -> pd.Series:
        """Ward of each small area (``ward_id`` by ``area_id``).

        From the official lookup named by the small-area layer's ``ward_lookup``
        (checked: every small area once, every ward known), else by area best
        fit (:func:`coventry_geo.geography.best_fit_lookup`).
        """
        from coventry_geo.geography import best_fit_lookup
        from coventry_geo.layers.official.lookups import read_ward_lookup

        lookup = self.study.spec(self.study.layer_name("small_areas")).ward_lookup
        if lookup is None:
            return best_fit_lookup(self.small_areas, self.wards)
        return read_ward_lookup(
            lookup, small_areas=self.small_areas["area_id"], wards=self.wards["ward_id"]
        )

    @cached_property
    def population(self) -> gpd.GeoDataFrame | None:
        """Small-area population spread over each area (or its residential land).

        None when the study has residences (counts come from the points) or its
        small areas have no ``population``: the ``*_residents_est`` columns are
        made only without address points.
        """
        if self.residences is not None or self.small_areas is None:
            return None
        if "population" not in self.small_areas.columns:
            return None
        from coventry_geo.indicators.population import population_surface

        name = self.study.available("residential_land", needed_for="dasymetric estimates")
        land = self.study.vector(name) if name else None
        return population_surface(self.small_areas, land)

    @cached_property
    def sites(self) -> gpd.GeoDataFrame | None:
        """Greenspace parcels merged into sites (None without a greenspace layer)."""
        name = self.study.available("greenspace", needed_for="greenspace sites")
        if name is None:
            return None
        from coventry_geo.indicators.greenspace import greenspace_sites  # heavy: used on demand

        options = self.study.spec(name).options
        keys = (
            "merge_gap_m",
            "accessible_values",
            "natural_types",
            "lnr_types",
            "natural_min_share",
        )
        return greenspace_sites(
            self.study.vector(name), **{k: options[k] for k in keys if k in options}
        )


#: Name of the small-area table, in a family's ``after``: it is computed from that table.
SMALL_AREAS = "small_areas"
#: Id column of the small areas.
AREA_ID = "area_id"
#: Layers residents are estimated from when there are no residences (``*_residents_est``).
POPULATION_KINDS = ("small_areas", "residential_land")


@dataclass(frozen=True)
class SmallAreaColumns:
    """What a family adds to the small-area table: its columns with the small areas as zones.

    Attributes
    ----------
    kind : str
        Layer kind it reads (the columns are left out when the study has none).
    compute : callable
        ``compute(ctx, evidence, small_areas, layer_name) -> DataFrame or None``,
        indexed by ``area_id``.
    uses_result : bool
        Whether it reads the family's own ward-level result (e.g. city values),
        so that the small-area table runs after the family.
    """

    kind: str
    compute: Callable[[Context, Evidence, gpd.GeoDataFrame, str], pd.DataFrame | None]
    uses_result: bool = False


@dataclass(frozen=True)
class Family:
    """An indicator family: the layer kinds it needs, its settings and how to compute it.

    Each module of :mod:`coventry_geo.evidence.families` declares one, as ``FAMILY``.

    Attributes
    ----------
    name : str
        Its name: step ``family:<name>``, ``[settings.<name>]``, ``skipped`` entries.
    kinds : tuple of str
        Layer kinds it needs (the family is skipped when one is absent).
    needed_for : str
        What it computes, for messages.
    compute : callable
        ``compute(ctx, layers, evidence) -> FamilyResult``; ``layers`` maps each
        of ``kinds`` to the layer chosen.
    optional : tuple of str
        Layer kinds it also reads when present (part of its cache key).
    without_residences : tuple of str
        Layer kinds it also reads when present and the study has no residences
        (e.g. small areas, to estimate residents from their population).
    settings : type or None
        Frozen dataclass of its ``[settings.<name>]`` table, its fields declared
        with :func:`coventry_geo.manifest.settings.setting` (checked when the
        manifest is read; an optional ``problems()`` method checks the fields
        together). None: the family has no settings table.
    after : tuple of str
        Families whose results it uses, and ``small_areas`` when it is computed
        from the small-area table.
    small_area : SmallAreaColumns or None
        Its columns in the small-area table, if any.
    order : int
        Place in the run (and of its columns in the ward table), lowest first.
    indicators : str or None
        Module computing its indicators, whose import registers its columns
        (:func:`coventry_geo.indicators.load_families`); None when the family
        module registers them itself.
    """

    name: str
    kinds: tuple[str, ...]
    needed_for: str
    compute: Callable[[Context, dict[str, str], Evidence], FamilyResult]
    optional: tuple[str, ...] = ()
    without_residences: tuple[str, ...] = ()
    settings: type | None = None
    after: tuple[str, ...] = ()
    small_area: SmallAreaColumns | None = None
    order: int = 1000
    indicators: str | None = None


def residence_access(
    residences: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, **options: Any
) -> gpd.GeoDataFrame:
    """ANGSt access per residence, on the active backend (Dask workers within ``use_client``)."""
    from coventry_geo.indicators import greenspace

    return run_task(RESIDENCE_ACCESS, greenspace.residence_access, residences, sites, **options)
