"""A study: a manifest with its layers loaded on demand, in one CRS.

:func:`open_study` reads a manifest; :class:`Study` then loads each layer the
first time it is asked for (validated, reprojected once into the analysis CRS,
and checked to overlap the wards) and keeps it. Indicator families take a
:class:`Study`, or the layers they need, and return columns for the ward table.
"""

from __future__ import annotations

import logging
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from rasterio.errors import RasterioError

from coventry_geo.errors import (
    LayerExtentError,
    LayerSchemaError,
    ManifestError,
    MissingLayerWarning,
)
from coventry_geo.layers.checks import check_readable
from coventry_geo.layers.raster import RasterLayer, is_raster_file, open_raster_layer
from coventry_geo.layers.schemas import LAYER_SCHEMAS
from coventry_geo.layers.vector import read_vector_layer
from coventry_geo.manifest import LayerSpec, Manifest, read_manifest

__all__ = ["SYNTHETIC_NOTICE", "Study", "open_study"]

logger = logging.getLogger(__name__)

#: The notice on every map, page and profile of a synthetic study (the demo city).
SYNTHETIC_NOTICE = "SYNTHETIC DATA: an invented city, not a real place; do not use for decisions."


def open_study(manifest_path: str | Path) -> Study:
    """Open a study from its manifest.

    Parameters
    ----------
    manifest_path : str or Path
        The TOML manifest (see ``docs/manifest.md``).

    Returns
    -------
    Study
        Layers are read lazily, on first use.

    Raises
    ------
    ManifestError
        If the manifest is missing or malformed.
    """
    return Study(read_manifest(manifest_path))


class Study:
    """A manifest and its layers, loaded on demand into the analysis CRS.

    Parameters
    ----------
    manifest : Manifest
        A parsed manifest (:func:`coventry_geo.manifest.read_manifest`).
    """

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self._vectors: dict[str, gpd.GeoDataFrame] = {}
        self._rasters: dict[str, RasterLayer] = {}
        self._missing_warned: set[str] = set()

    def __repr__(self) -> str:
        return f"Study({self.name!r}, layers={list(self.manifest.layers)})"

    @property
    def name(self) -> str:
        """Study name."""
        return self.manifest.study.name

    @property
    def crs(self) -> CRS:
        """Analysis CRS."""
        return self.manifest.study.crs

    @property
    def settings(self) -> dict[str, Any]:
        """The manifest's ``[settings]`` table."""
        return self.manifest.settings

    @property
    def synthetic(self) -> bool:
        """Whether the study's data are synthetic (the demo city)."""
        return self.manifest.study.synthetic

    def has(self, kind: str) -> bool:
        """Whether the manifest has at least one layer of a kind."""
        return bool(self.manifest.names_of(kind))

    def layer_name(self, kind: str) -> str | None:
        """Return the name of the single layer of a kind, or None when there is none.

        Raises
        ------
        ManifestError
            If the manifest has several layers of that kind.
        """
        names = self.manifest.names_of(kind)
        if len(names) > 1:
            msg = (
                f"manifest {self.manifest.path}: {len(names)} layers of kind '{kind}' "
                f"({', '.join(names)}) where one is expected. Fix: keep one, or merge the files."
            )
            raise ManifestError(msg)
        return names[0] if names else None

    def available(self, kind: str, *, needed_for: str) -> str | None:
        """Return the name of the layer of a kind if it can be used, else None.

        A layer marked ``required = false`` whose file is absent is skipped with
        a :class:`~coventry_geo.errors.MissingLayerWarning` (once per layer and
        study) saying what cannot be computed without it; a required layer whose
        file is absent is an error when it is loaded.

        Parameters
        ----------
        kind : str
            Layer kind.
        needed_for : str, keyword-only
            What the caller would compute with it (for the warning).

        Returns
        -------
        str or None
        """
        name = self.layer_name(kind)
        return name if name is not None and self._usable(name, needed_for) else None

    def available_all(self, kind: str, *, needed_for: str) -> list[str]:
        """Return the names of every usable layer of a kind (e.g. several ``blue`` layers).

        Parameters
        ----------
        kind : str
        needed_for : str, keyword-only
            What the caller would compute with them (for the warning).

        Returns
        -------
        list of str
            In manifest order; optional layers whose file is absent are left out
            with a warning, as in :meth:`available`.
        """
        return [n for n in self.manifest.names_of(kind) if self._usable(n, needed_for)]

    def missing_optional_layers(self) -> list[str]:
        """Return the optional layers (``required = false``) whose file is absent, in order."""
        return [
            name
            for name, spec in self.manifest.layers.items()
            if not spec.required and not spec.is_url and not _present(spec.path)
        ]

    def check_files(self) -> None:
        """Check that every present layer file and joined table can be read.

        Cheap (no file is hashed or parsed): run before a run hashes its inputs,
        so that an unreadable file is reported as such, naming the layer.

        Raises
        ------
        LayerNotFoundError, LayerReadError
            For a required file that is absent, a folder, a symbolic link loop
            or a file that cannot be read.
        """
        missing = self.missing_optional_layers()
        for name, spec in self.manifest.layers.items():
            if name not in missing and not spec.is_url:
                lookup = () if spec.ward_lookup is None else (spec.ward_lookup,)
                for item in (spec, *spec.joins, *lookup):
                    check_readable(item)

    def _usable(self, name: str, needed_for: str) -> bool:
        spec = self.spec(name)
        if spec.required or spec.is_url or _present(spec.path):
            return True
        if name not in self._missing_warned:
            self._missing_warned.add(name)
            msg = (
                f"layer '{name}' ({spec.path}): the file is not present, so {needed_for} "
                "cannot be computed. Fix: download it (see layers/README.md) and rerun."
            )
            warnings.warn(msg, MissingLayerWarning, stacklevel=3)
        return False

    def spec(self, name: str) -> LayerSpec:
        """Return a layer's manifest entry."""
        try:
            return self.manifest.layers[name]
        except KeyError:
            msg = (
                f"manifest {self.manifest.path}: no layer named '{name}'. "
                f"Fix: use one of the manifest's layers: {', '.join(self.manifest.layers)}."
            )
            raise ManifestError(msg, path=self.manifest.path, layer=name) from None

    @cached_property
    def wards(self) -> gpd.GeoDataFrame:
        """The ward layer (``ward_id``, ``ward_name``, ``geometry``), sorted by ward id."""
        spec = self.spec(self.manifest.study.ward_layer)
        wards = read_vector_layer(spec, crs=self.crs)
        duplicated = wards["ward_id"][wards["ward_id"].duplicated()].unique()
        if len(duplicated):
            raise LayerSchemaError(
                spec.name,
                spec.path,
                f"ward ids are not unique: {', '.join(map(str, duplicated[:5]))} repeat.",
                "map ward_id to a column with one value per ward, or dissolve the wards first.",
            )
        if self.synthetic:
            logger.warning("study '%s' is synthetic: results are not real", self.name)
        return wards.sort_values("ward_id").reset_index(drop=True)

    @cached_property
    def study_area(self) -> shapely.Geometry:
        """Union of the wards, in the analysis CRS."""
        return shapely.union_all(self.wards.geometry.array)

    def is_raster(self, name: str) -> bool:
        """Whether a layer is read as a raster."""
        spec = self.spec(name)
        schema = LAYER_SCHEMAS[spec.kind]
        return schema.geometry == "raster" or (schema.is_raster and is_raster_file(spec.path))

    def vector(self, name: str) -> gpd.GeoDataFrame:
        """Return a vector layer, validated and in the analysis CRS (loaded once)."""
        if name not in self._vectors:
            spec = self.spec(name)
            self._check_read_as(spec, raster=False)
            gdf = read_vector_layer(spec, crs=self.crs)
            self._check_overlap(spec, tuple(gdf.total_bounds), gdf)
            self._vectors[name] = gdf
        return self._vectors[name]

    def raster(self, name: str) -> RasterLayer:
        """Return a raster layer's description, validated (opened once)."""
        if name not in self._rasters:
            spec = self.spec(name)
            self._check_read_as(spec, raster=True)
            layer = open_raster_layer(spec)
            bounds = _bounds_in(layer.bounds, layer.crs, self.crs)
            self._check_overlap(spec, bounds, None)
            self._rasters[name] = layer
        return self._rasters[name]

    def _check_read_as(self, spec: LayerSpec, *, raster: bool) -> None:
        """Refuse to read a vector layer as a raster, or a raster as a vector, naming the call."""
        if self.is_raster(spec.name) == raster:
            return
        actual, other = ("vector", "raster") if raster else ("raster", "vector")
        raise LayerSchemaError(
            spec.name,
            spec.path,
            f"layer '{spec.name}' (kind '{spec.kind}') is a {actual} layer, not a {other} one.",
            f"use study.{actual}('{spec.name}'), or study.load('{spec.name}'), which reads "
            "either kind.",
        )

    def load(self, name: str) -> gpd.GeoDataFrame | RasterLayer:
        """Return a layer, as a GeoDataFrame or a RasterLayer according to its kind."""
        return self.raster(name) if self.is_raster(name) else self.vector(name)

    def extent_coverage(self, name: str) -> float:
        """Share (0-1) of the ward area inside a layer's extent (its bounding box).

        Parameters
        ----------
        name : str
            Layer name.

        Returns
        -------
        float
        """
        layer = self.load(name)
        if isinstance(layer, RasterLayer):
            bounds = _bounds_in(layer.bounds, layer.crs, self.crs)
        else:
            bounds = tuple(layer.total_bounds)
        inside = shapely.intersection(self.study_area, shapely.box(*bounds)).area
        return inside / self.study_area.area

    def check_ward_extent(self) -> None:
        """Check that the ward layer is not the one layer that misses all the others.

        Compares bounding boxes read from the files' headers (nothing is loaded):
        when the wards overlap none of the other layers while those overlap each
        other, the ward layer is the misplaced one.

        Raises
        ------
        LayerExtentError
            Naming the ward layer, its extent and the others'.
        """
        others = self._other_extents()
        wards = shapely.box(*self.study_area.bounds)
        if len(others) < 2 or any(wards.intersects(shapely.box(*b)) for b in others.values()):
            return
        boxes = {n: shapely.box(*b) for n, b in others.items()}
        agree = all(
            any(box.intersects(other) for m, other in boxes.items() if m != n)
            for n, box in boxes.items()
        )
        if agree:
            spec = self.spec(self.manifest.study.ward_layer)
            raise LayerExtentError(
                spec.name,
                spec.path,
                f"the ward layer overlaps none of the other layers, which agree with each "
                f"other: the wards span {_extent(self.study_area.bounds)}, and "
                + "; ".join(f"'{n}' {_extent(b)}" for n, b in others.items())
                + f" ({self.crs.to_string()}).",
                "check that the ward file is for this study area and that its CRS label is "
                "right; the other layers are where the study is.",
            )

    def _other_extents(self) -> dict[str, tuple[float, ...]]:
        """Bounding boxes (analysis CRS) of the non-ward layers, from their files' headers."""
        ward_layer = self.manifest.study.ward_layer
        missing = self.missing_optional_layers()
        extents = {}
        for name, spec in self.manifest.layers.items():
            if name == ward_layer or name in missing or spec.is_url:
                continue
            bounds = _header_extent(spec, raster=self.is_raster(name), crs=self.crs)
            if bounds is not None:
                extents[name] = bounds
        return extents

    def _check_overlap(
        self, spec: LayerSpec, bounds: tuple[float, ...], gdf: gpd.GeoDataFrame | None
    ) -> None:
        if spec.name == self.manifest.study.ward_layer:
            return
        area = self.study_area
        box = shapely.box(*bounds)
        hits = box.intersects(area)
        if hits and gdf is not None:
            hits = len(gdf.sindex.query(area, predicate="intersects")) > 0
        if not hits:
            self.check_ward_extent()  # the ward layer may be the misplaced one
            raise LayerExtentError(
                spec.name,
                spec.path,
                f"the layer does not overlap the wards: its extent is {_extent(bounds)} and the "
                f"wards' is {_extent(area.bounds)} ({self.crs.to_string()}).",
                "check that the layer is for this study area and that its CRS label is right.",
            )


def _extent(bounds: tuple[float, ...]) -> str:
    return f"x {bounds[0]:.0f}..{bounds[2]:.0f}, y {bounds[1]:.0f}..{bounds[3]:.0f}"


def _header_extent(spec: LayerSpec, *, raster: bool, crs: CRS) -> tuple[float, ...] | None:
    """Return a layer's bounding box in ``crs`` from its file's header; None when unknown."""
    try:
        if raster:
            with rasterio.open(spec.path) as ds:
                bounds, source = tuple(ds.bounds), ds.crs and ds.crs.to_wkt()
        else:
            info = pyogrio.read_info(spec.path, layer=spec.layer)
            if info.get("total_bounds") is None:  # an empty layer
                return None
            bounds, source = tuple(info["total_bounds"]), info["crs"]
        source = source or spec.crs
        if source is None or not all(np.isfinite(bounds)):
            return None
        return _bounds_in(bounds, CRS.from_user_input(source), crs)
    except (OSError, ValueError, RuntimeError, CRSError, RasterioError):
        return None


def _present(path: str) -> bool:
    """Whether something is at ``path``: a file, a folder, or a symbolic link (even broken)."""
    return Path(path).exists() or Path(path).is_symlink()


def _bounds_in(bounds: tuple[float, ...], src: CRS, dst: CRS) -> tuple[float, float, float, float]:
    if src.equals(dst):
        return tuple(bounds)  # type: ignore[return-value]
    transformer = Transformer.from_crs(src, dst, always_xy=True)
    return transformer.transform_bounds(*bounds, densify_pts=21)
