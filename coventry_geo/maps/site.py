"""The published green-and-blue map of a study: its layers chosen from the study's results.

:func:`write_study_site` gathers what :func:`~coventry_geo.maps.build_greenblue_site`
shows from a study and its results (the greenspace sites with the type of their
largest parcel, the blue layers, the first ANGSt deficiency layer, the canopy
raster, the postcodes, the NB2 database, the credits) and builds the site;
:func:`site_layers` names the layers it shows or draws on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coventry_geo.indicators.green_blue import LINE_LAYER, POLYGON_LAYER
from coventry_geo.maps._credits import layer_credit
from coventry_geo.maps.greenblue import build_greenblue_site
from coventry_geo.maps.options import map_options

if TYPE_CHECKING:
    import datetime as dt

    from coventry_geo.evidence import Evidence
    from coventry_geo.study import Study

__all__ = ["site_layers", "write_study_site"]

#: Kinds of the single layers the site shows or draws on (blue layers: every one).
_KINDS = ("greenspace", "greenspace_access_points", "canopy", "postcodes")


def site_layers(study: Study) -> tuple[str, ...]:
    """Return the layers the green-and-blue site shows or draws on (credited on the page)."""
    names = [study.available(k, needed_for="the green-and-blue map") for k in _KINDS]
    missing = study.missing_optional_layers()
    blue = [n for n in study.manifest.names_of("blue") if n not in missing]
    return tuple(n for n in [study.manifest.study.ward_layer, *names, *blue] if n)


def write_study_site(
    study: Study,
    evidence: Evidence,
    folder: Path,
    *,
    title: str,
    updated: dt.date,
    notice: str = "",
) -> list[Path]:
    """Write the green-and-blue site of a study's results into ``folder / "greenblue"``.

    Parameters
    ----------
    study : Study
    evidence : Evidence
        The study's results; without greenspace sites no site is written.
    folder : Path
        The output folder (normally a staging folder).
    title : str, keyword-only
        The page's title unless the manifest's ``[site] title`` gives one.
    updated : datetime.date, keyword-only
        The date the page gives as "last updated".
    notice : str, keyword-only
        A banner shown on every page (e.g. that the data are synthetic); none when empty.

    Returns
    -------
    list of Path
        Every file of the site (none without greenspace sites).
    """
    sites = evidence.layers.get("greenspace_sites")
    if sites is None:
        return []
    empty = gpd.GeoDataFrame({"type": [], "tier": []}, geometry=[], crs=study.crs)
    blue = [study.vector(n) for n in study.available_all("blue", needed_for="the map")]
    canopy = study.available("canopy", needed_for="the canopy layer of the green-and-blue map")
    raster = canopy is not None and study.is_raster(canopy)
    postcodes = study.available("postcodes", needed_for="postcode search on the map")
    parts = [evidence.layers.get(k) for k in (POLYGON_LAYER, LINE_LAYER)]
    parts = [p for p in parts if p is not None]
    site = study.manifest.site
    index = build_greenblue_site(
        folder / "greenblue",
        wards=evidence.wards[["ward_id", "ward_name", "geometry"]],
        sites=_described(sites[sites.intersects(study.study_area)], study),
        blue=pd.concat(blue, ignore_index=True) if blue else empty,
        deficiency=_deficiency(evidence, empty),
        canopy_path=Path(study.spec(canopy).path) if raster else None,
        canopy_values=study.spec(canopy).values or "mask" if raster else "mask",
        title=site.title or title,
        attribution=[study.manifest.study.attribution],
        tiles=map_options(study.manifest.maps, manifest=str(study.manifest.path)).tiles,
        postcodes=study.vector(postcodes) if postcodes else None,
        database=pd.concat(parts, ignore_index=True) if parts else None,
        publisher=site,
        credits=[layer_credit(study.spec(n)) for n in site_layers(study)],
        updated=updated,
        notice=notice,
    )
    return sorted(p for p in index.parent.rglob("*") if p.is_file())


def _deficiency(evidence: Evidence, empty: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the first ANGSt deficiency layer of the results (``deficiency_<std>``), else none."""
    return next((v for k, v in evidence.layers.items() if k.startswith("deficiency_")), empty)


def _described(sites: gpd.GeoDataFrame, study: Study) -> gpd.GeoDataFrame:
    """Give each merged site the ``type`` and ``access`` of its largest parcel, for the map."""
    from coventry_geo.indicators.greenspace import describe_sites

    parcels = study.vector(study.layer_name("greenspace"))
    return describe_sites(sites, parcels, default_type="Greenspace")
