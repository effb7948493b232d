"""What the families share: the study's loaded layers, settings and results so far."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from coventry_geo.manifest.settings import Settings, study_settings

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = ["Context", "Evidence", "Family", "FamilyResult", "residence_access"]


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
    """

    columns: pd.DataFrame | None = None
    city: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    shared: dict[str, pd.DataFrame] = field(default_factory=dict)


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
        Families not computed, and why.
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


@dataclass(frozen=True)
class Family:
    """An indicator family: the layer kinds it needs and how to compute it.

    Attributes
    ----------
    name : str
    kinds : tuple of str
        Layer kinds it needs (the family is skipped when one is absent).
    needed_for : str
        What it computes, for messages.
    compute : callable
        ``compute(ctx, layers, evidence) -> FamilyResult``.
    optional : tuple of str
        Layer kinds it also reads when present (part of its cache key).
    """

    name: str
    kinds: tuple[str, ...]
    needed_for: str
    compute: Callable[[Context, dict[str, str], Evidence], FamilyResult]
    optional: tuple[str, ...] = ()


def residence_access(
    residences: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, **options: Any
) -> gpd.GeoDataFrame:
    """ANGSt access per residence, on the Dask workers when a client is in use."""
    from coventry_geo._client import active_client
    from coventry_geo.indicators import greenspace

    client = active_client()
    if client is None:
        return greenspace.residence_access(residences, sites, **options)
    from coventry_geo.distributed import residence_access_distributed

    return residence_access_distributed(residences, sites, client=client, **options)
