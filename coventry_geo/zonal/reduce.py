"""Per-run reductions of one strip of raster values, accumulated per zone.

A *run* is a horizontal stretch of pixels of one zone in one row (see
:mod:`coventry_geo.zonal.grid`). Each strip is reduced run by run with ufunc
``reduceat`` over contiguous memory, then the (few) run results are added per
zone with ``bincount``. Three sum kernels, chosen per strip, are all exact:

* 0/1 data (masks): ones are counted 8 pixels per byte with ``packbits`` and
  ``bitwise_count`` (about 0.15 ns a pixel);
* integers whose run sums stay below 2**24: summed as float32, which is exact for
  integers below 2**24 (pairwise SIMD sums, about 0.6 ns a pixel);
* anything else: float64 sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ReducerSpec", "StripReducer", "count_true_runs"]

_F32_EXACT = 2**24


def count_true_runs(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Count the true values of a flat boolean array in each run.

    Parameters
    ----------
    mask : numpy.ndarray of bool or 0/1 uint8, 1-D
    starts : numpy.ndarray of int
        Ascending run starts; run ``k`` is ``mask[starts[k]:starts[k+1]]`` (the last
        one runs to the end).

    Returns
    -------
    numpy.ndarray of int64

    Notes
    -----
    With ``B(i)`` the number of ones before bit ``i`` and bytes of 8 bits packed
    big-endian, the ones of run ``[s, e)`` are the ones of the whole bytes
    ``[s // 8, e // 8)``, minus the leading ``s % 8`` bits of byte ``s // 8``,
    plus the leading ``e % 8`` bits of byte ``e // 8``.
    """
    packed = np.packbits(mask.view(np.uint8))
    ones = np.bitwise_count(np.append(packed, np.uint8(0)))
    bounds = np.append(starts, mask.size)
    byte = bounds // 8
    whole = np.add.reduceat(ones, byte[:-1], dtype=np.int64)
    whole[byte[1:] == byte[:-1]] = 0  # reduceat returns one element for empty spans
    head = np.bitwise_count(np.append(packed, np.uint8(0))[byte] >> (8 - bounds % 8) % 8)
    head[bounds % 8 == 0] = 0
    return whole - head[:-1] + head[1:]


def _run_sums(values: np.ndarray, starts: np.ndarray, vmax: float, row_width: int) -> np.ndarray:
    """Exact sum of ``values`` over each run (see the module notes for the kernels)."""
    if values.dtype.kind in "ub" and vmax <= 1:
        return count_true_runs(values, starts).astype(np.float64)
    if values.dtype.kind in "ui" and max(vmax, 1) * row_width < _F32_EXACT:
        return np.add.reduceat(values.astype(np.float32), starts).astype(np.float64)
    return np.add.reduceat(values, starts, dtype=np.float64)


@dataclass
class StripReducer:
    """Accumulate per-zone statistics over strips.

    Parameters
    ----------
    n_codes : int
        Number of zone codes including code 0 (no zone).
    want_minmax : bool
        Track minimum and maximum.
    hist_range : tuple of int or None
        For integer rasters whose quantiles or classes are asked: (lowest, highest)
        value of the dtype; per-zone value histograms are then kept (exact).
    collect_values : bool
        For float rasters whose quantiles are asked: keep every valid value per zone
        (exact; memory is 4 or 8 bytes per pixel in zones).
    keep_strip_sums : bool
        Also keep each strip's per-code sums (``count``, ``total``, ``above`` and,
        with weights, ``wtotal`` and ``wsum``) in :attr:`strip_sums`, so that
        reductions of consecutive strips made apart (on cluster workers) can be
        added up strip by strip in the same order as one pass, giving bit-identical
        float sums.
    above_rule : tuple of float or None
        ``(threshold, scale, offset)``: also count, per code, the valid pixels whose
        converted value ``stored * scale + offset`` is at least ``threshold``
        (in :attr:`above`).
    """

    n_codes: int
    want_minmax: bool = True
    hist_range: tuple[int, int] | None = None
    collect_values: bool = False
    keep_strip_sums: bool = False
    above_rule: tuple[float, float, float] | None = None
    count: np.ndarray = field(init=False)
    total: np.ndarray = field(init=False)
    above: np.ndarray = field(init=False)
    vmin: np.ndarray = field(init=False)
    vmax: np.ndarray = field(init=False)
    wsum: np.ndarray = field(init=False)
    wtotal: np.ndarray = field(init=False)
    hist: np.ndarray | None = field(init=False, default=None)
    values: list[list[np.ndarray]] = field(init=False, default_factory=list)
    strip_sums: list[dict[str, np.ndarray]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        n = self.n_codes
        self.count = np.zeros(n)
        self.total = np.zeros(n)
        self.above = np.zeros(n)
        self.vmin = np.full(n, np.inf)
        self.vmax = np.full(n, -np.inf)
        self.wsum = np.zeros(n)
        self.wtotal = np.zeros(n)
        if self.hist_range is not None:
            lo, hi = self.hist_range
            self.hist = np.zeros((n, hi - lo + 1), np.int64)
        if self.collect_values:
            self.values = [[] for _ in range(n)]

    def add(
        self,
        data: np.ndarray,
        valid: np.ndarray | None,
        starts: np.ndarray,
        codes: np.ndarray,
        *,
        row_width: int,
        weights: np.ndarray | None = None,
    ) -> None:
        """Reduce one strip.

        Parameters
        ----------
        data : numpy.ndarray, 1-D
            The strip's values, flattened row by row.
        valid : numpy.ndarray of bool or None
            Valid pixels (None: all valid).
        starts, codes : numpy.ndarray
            The strip's runs (local flat starts, zone codes).
        row_width : int
            Pixels per row (bounds a run's length).
        weights : numpy.ndarray or None
            Weight of each pixel (same shape as ``data``; invalid weights already
            folded into ``valid``).
        """
        if len(starts) == 0:
            return
        lengths = np.diff(starts, append=data.size)
        if valid is None:
            counts, clean = lengths, data
        else:
            counts = count_true_runs(valid, starts)
            clean = np.where(valid, data, data.dtype.type(0))
        top = float(clean.max()) if clean.dtype.kind in "uib" else np.inf
        count = self._add_by_code(self.count, codes, counts)
        total = self._add_by_code(self.total, codes, _run_sums(clean, starts, top, row_width))
        if self.want_minmax and clean.dtype.kind in "ub" and top <= 1:
            self._minmax_binary(count, total)
        elif self.want_minmax:
            self._minmax(data, valid, starts, codes, counts)
        sums = {"count": count, "total": total}
        if self.above_rule is not None:
            hot = count_true_runs(self._at_least(data, valid), starts).astype(np.float64)
            sums["above"] = self._add_by_code(self.above, codes, hot)
        if weights is not None:
            w = weights if valid is None else np.where(valid, weights, 0.0)
            wrun, wvrun = (np.add.reduceat(a, starts, dtype=np.float64) for a in (w, w * clean))
            sums["wtotal"] = self._add_by_code(self.wtotal, codes, wrun)
            sums["wsum"] = self._add_by_code(self.wsum, codes, wvrun)
        if self.keep_strip_sums:
            self.strip_sums.append(sums)
        if self.hist is not None or self.collect_values:
            self._distribution(data, valid, starts, codes, lengths)

    def _at_least(self, data: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
        """Mark the valid pixels whose converted value reaches the threshold of ``above_rule``."""
        threshold, scale, offset = self.above_rule
        with np.errstate(invalid="ignore"):
            hot = data.astype(np.float64) * scale + offset >= threshold
        return hot if valid is None else hot & valid

    def _add_by_code(
        self,
        target: np.ndarray,
        codes: np.ndarray,
        per_run: np.ndarray,
    ) -> np.ndarray:
        """Add the run values to ``target`` per code; return this strip's per-code sums."""
        strip = np.bincount(codes, weights=per_run, minlength=self.n_codes)[: self.n_codes]
        target += strip
        return strip

    def _minmax_binary(self, count: np.ndarray, ones: np.ndarray) -> None:
        """Min and max of a strip whose valid values are all 0 or 1, from per-code sums.

        A zone's minimum is 1 when all its valid pixels are ones, its maximum is 1
        when any is; zones without valid pixels in the strip are left alone.
        """
        has = count > 0
        np.minimum(self.vmin, np.where(has, ones == count, np.inf), out=self.vmin)
        np.maximum(self.vmax, np.where(has, ones > 0, -np.inf), out=self.vmax)

    def _minmax(
        self,
        data: np.ndarray,
        valid: np.ndarray | None,
        starts: np.ndarray,
        codes: np.ndarray,
        counts: np.ndarray,
    ) -> None:
        lo_fill, hi_fill = _extremes(data.dtype)
        lows = data if valid is None else np.where(valid, data, hi_fill)
        highs = data if valid is None else np.where(valid, data, lo_fill)
        has = counts > 0
        np.minimum.at(self.vmin, codes[has], np.minimum.reduceat(lows, starts)[has])
        np.maximum.at(self.vmax, codes[has], np.maximum.reduceat(highs, starts)[has])

    def _distribution(
        self,
        data: np.ndarray,
        valid: np.ndarray | None,
        starts: np.ndarray,
        codes: np.ndarray,
        lengths: np.ndarray,
    ) -> None:
        pixel_codes = np.repeat(codes, lengths)
        keep = pixel_codes > 0 if valid is None else (pixel_codes > 0) & valid
        if self.hist is not None:
            width = self.hist.shape[1]
            key = pixel_codes[keep].astype(np.int64) * width + (
                data[keep].astype(np.int64) - self.hist_range[0]
            )
            self.hist += np.bincount(key, minlength=self.hist.size).reshape(self.hist.shape)
            return
        kept_codes, kept = pixel_codes[keep], data[keep]
        order = np.argsort(kept_codes, kind="stable")
        bounds = np.searchsorted(kept_codes[order], np.arange(self.n_codes + 1))
        for code in np.flatnonzero(np.diff(bounds)):
            self.values[code].append(kept[order[bounds[code] : bounds[code + 1]]])

    def quantiles(self, qs: Sequence[float]) -> np.ndarray:
        """Per-code quantiles (numpy's linear interpolation), shape (n_codes, len(qs))."""
        out = np.full((self.n_codes, len(qs)), np.nan)
        for code in range(1, self.n_codes):
            if self.hist is not None:
                out[code] = _hist_quantiles(self.hist[code], self.hist_range[0], qs)
            elif self.values[code]:
                out[code] = np.quantile(np.concatenate(self.values[code]), qs)
        return out


def _extremes(dtype: np.dtype) -> tuple[float, float]:
    if dtype.kind == "f":
        return -np.inf, np.inf
    if dtype.kind == "b":
        return False, True
    info = np.iinfo(dtype)
    return info.min, info.max


def _hist_quantiles(hist: np.ndarray, lowest: int, qs: Sequence[float]) -> np.ndarray:
    r"""Quantiles of the values counted in ``hist`` (bin ``i`` holds value ``lowest + i``).

    Notes
    -----
    With ``n`` values sorted as :math:`x_0 \le \dots \le x_{n-1}` and
    :math:`h = q (n - 1)`, the quantile is
    :math:`x_{\lfloor h \rfloor}
    + (h - \lfloor h \rfloor)(x_{\lceil h \rceil} - x_{\lfloor h \rfloor})`,
    numpy's default ("linear"); the value of rank ``k`` is the first bin whose
    cumulative count exceeds ``k``.
    """
    n = int(hist.sum())
    if n == 0:
        return np.full(len(qs), np.nan)
    cum = np.cumsum(hist)
    h = np.asarray(qs, dtype=np.float64) * (n - 1)
    lo = np.searchsorted(cum, np.floor(h), side="right") + lowest
    hi = np.searchsorted(cum, np.ceil(h), side="right") + lowest
    return lo + (h - np.floor(h)) * (hi - lo)


@dataclass(frozen=True)
class ReducerSpec:
    """What each reducer keeps: min/max, a histogram range, every value (floats), a threshold."""

    want_minmax: bool
    hist_range: tuple[int, int] | None
    collect_values: bool
    above_rule: tuple[float, float, float] | None = None

    def reducer(self, n_codes: int, *, keep_strip_sums: bool = False) -> StripReducer:
        """Make a fresh :class:`StripReducer` of ``n_codes`` codes with these options."""
        return StripReducer(
            n_codes,
            want_minmax=self.want_minmax,
            hist_range=self.hist_range,
            collect_values=self.collect_values,
            keep_strip_sums=keep_strip_sums,
            above_rule=self.above_rule,
        )
