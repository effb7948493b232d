"""Shape and name helpers for the synthetic demo city (:mod:`coventry_geo.demo`).

Everything here is a pure function of its arguments and of the
:class:`numpy.random.Generator` it is given, so the demo is reproducible from its
seed. Coordinates are metres in the analysis CRS (EPSG:27700).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

__all__ = [
    "GRID_M",
    "blob",
    "meander",
    "corridor",
    "sample_points",
    "place_names",
    "stream",
]

#: Coordinates of generated geometries are snapped to this grid (metres).
GRID_M = 0.01

_STEMS = (
    "Ash",
    "Bram",
    "Cald",
    "Dun",
    "Elm",
    "Fern",
    "Gos",
    "Hol",
    "Kes",
    "Lin",
    "Mar",
    "Nor",
    "Oak",
    "Pen",
    "Red",
    "Stan",
    "Tile",
    "Wyn",
    "Whit",
    "Bin",
    "Cor",
    "Hearn",
    "Sow",
    "Brin",
    "Chel",
    "Eld",
    "Fox",
    "Hart",
    "Ley",
    "Mill",
    "Quin",
    "Rad",
    "Sel",
    "Thorn",
    "Wil",
    "Yar",
)
_ENDINGS = (
    "ley",
    "ford",
    "ton",
    "field",
    "hill",
    "brook",
    "wood",
    "dale",
    "more",
    "by",
    "cote",
    "well",
    "hurst",
    "mead",
    "stone",
    "worth",
)


def stream(seed: int, step: int) -> np.random.Generator:
    """Return the random generator of one generation step.

    Each step draws from its own stream, so changing one step leaves the others'
    output unchanged.

    Parameters
    ----------
    seed : int
        The demo's seed.
    step : int
        A fixed number identifying the step.

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng([seed, step])


def blob(
    rng: np.random.Generator,
    centre: tuple[float, float],
    area_m2: float,
    *,
    wobble: float = 0.25,
    aspect: float = 1.0,
    n: int = 48,
) -> Polygon:
    r"""Return an irregular, star-shaped polygon of an exact area.

    The radius is :math:`r(\\theta) = 1 + \\sum_{k=2}^{5} a_k \\cos(k\\theta + \\phi_k)`
    with random :math:`a_k \\le` ``wobble``/k, stretched by ``aspect``, rotated at
    random and scaled so the polygon's area is ``area_m2``.

    Parameters
    ----------
    rng : numpy.random.Generator
    centre : tuple of float
        Centre (x, y), metres.
    area_m2 : float
        Area of the polygon, m².
    wobble : float
        Irregularity of the outline (0 is an ellipse).
    aspect : float
        Ratio of the long to the short axis.
    n : int
        Number of vertices.

    Returns
    -------
    shapely.Polygon
    """
    theta = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    k = np.arange(2, 6)[:, None]
    amp = wobble * rng.uniform(0.3, 1.0, (4, 1)) / (k - 1)
    phase = rng.uniform(0.0, 2.0 * np.pi, (4, 1))
    radius = np.clip(1.0 + (amp * np.cos(k * theta + phase)).sum(axis=0), 0.35, None)
    angle = rng.uniform(0.0, np.pi)
    x = radius * np.cos(theta) * np.sqrt(aspect)
    y = radius * np.sin(theta) / np.sqrt(aspect)
    xr = x * np.cos(angle) - y * np.sin(angle)
    yr = x * np.sin(angle) + y * np.cos(angle)
    unit = Polygon(np.column_stack([xr, yr]))
    scale = np.sqrt(area_m2 / unit.area)
    coords = np.column_stack([centre[0] + xr * scale, centre[1] + yr * scale])
    return shapely.set_precision(Polygon(coords), GRID_M)


def meander(
    rng: np.random.Generator,
    waypoints: np.ndarray,
    *,
    amplitude: float,
    n: int = 240,
) -> LineString:
    """Return a smooth meandering line through (near) waypoints.

    The polyline through ``waypoints`` is resampled to ``n`` points and each
    point is moved sideways by a sum of three sinusoids of random phase,
    tapered to zero at both ends so the line starts and ends at the first and
    last waypoint exactly.

    Parameters
    ----------
    rng : numpy.random.Generator
    waypoints : numpy.ndarray
        (k, 2) array of coordinates, metres.
    amplitude : float
        Largest sideways offset, metres.
    n : int
        Number of vertices of the result.

    Returns
    -------
    shapely.LineString
    """
    base = LineString(waypoints)
    s = np.linspace(0.0, 1.0, n)
    pts = shapely.get_coordinates(shapely.line_interpolate_point(base, s, normalized=True))
    tangent = np.gradient(pts, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    waves = rng.uniform(2.0, 9.0, 3)
    phases = rng.uniform(0.0, 2.0 * np.pi, 3)
    weights = np.array([1.0, 0.5, 0.25])
    offset = (weights[:, None] * np.sin(2 * np.pi * waves[:, None] * s + phases[:, None])).sum(0)
    offset *= amplitude / weights.sum() * np.sin(np.pi * s) ** 0.5
    return shapely.set_precision(LineString(pts + normal * offset[:, None]), GRID_M)


def corridor(line: LineString, widths: np.ndarray) -> BaseGeometry:
    """Return a buffer of ``line`` whose half-width varies along it.

    Parameters
    ----------
    line : shapely.LineString
    widths : numpy.ndarray
        Half-width (metres) at each vertex of ``line``.

    Returns
    -------
    shapely geometry
        The union of the convex hulls of consecutive vertex discs.
    """
    discs = shapely.buffer(shapely.points(shapely.get_coordinates(line)), widths, quad_segs=8)
    hulls = shapely.convex_hull(shapely.union(discs[:-1], discs[1:]))
    return shapely.set_precision(shapely.union_all(hulls), GRID_M)


def sample_points(rng: np.random.Generator, geom: BaseGeometry, n: int) -> np.ndarray:
    """Return ``n`` uniformly random points inside a geometry.

    Parameters
    ----------
    rng : numpy.random.Generator
    geom : shapely geometry
        A polygonal geometry of positive area.
    n : int
        Number of points.

    Returns
    -------
    numpy.ndarray
        (n, 2) array of coordinates, rounded to the centimetre.
    """
    shapely.prepare(geom)
    xmin, ymin, xmax, ymax = geom.bounds
    fill = geom.area / ((xmax - xmin) * (ymax - ymin))
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        m = int((n - count) / max(fill, 0.01) * 1.2) + 16
        xy = rng.uniform((xmin, ymin), (xmax, ymax), (m, 2))
        xy = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
    return np.round(np.concatenate(found)[:n], 2)


def place_names(rng: np.random.Generator, n: int) -> list[str]:
    """Return ``n`` distinct invented English place-name stems (e.g. "Ashbrook").

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Number of names (at most the number of stem x ending pairs).

    Returns
    -------
    list of str
    """
    pairs = [a + b for a in _STEMS for b in _ENDINGS]
    picks = rng.choice(len(pairs), size=n, replace=False)
    return [pairs[i] for i in picks]
