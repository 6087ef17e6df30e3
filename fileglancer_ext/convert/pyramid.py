"""Pyramid geometry (which axes halve at each level) and block downsampling."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

SPATIAL = "zyx"
# NGFF (UDUNITS-2) length units in metres: pixel sizes compare in one unit.
METRES = {
    "angstrom": 1e-10,
    "attometer": 1e-18,
    "centimeter": 1e-2,
    "decimeter": 1e-1,
    "exameter": 1e18,
    "femtometer": 1e-15,
    "foot": 0.3048,
    "gigameter": 1e9,
    "hectometer": 1e2,
    "inch": 0.0254,
    "kilometer": 1e3,
    "megameter": 1e6,
    "meter": 1.0,
    "micrometer": 1e-6,
    "mile": 1609.344,
    "millimeter": 1e-3,
    "nanometer": 1e-9,
    "parsec": 3.0856775814913673e16,
    "petameter": 1e15,
    "picometer": 1e-12,
    "terameter": 1e12,
    "yard": 0.9144,
    "yoctometer": 1e-24,
    "yottameter": 1e24,
    "zeptometer": 1e-21,
    "zettameter": 1e21,
}


@dataclass(frozen=True)
class Level:
    """One resolution level: its shape, its pixel size per axis, the factors that made
    it from the level before (all 1 for level 0), and its offset: where its first
    pixel's centre lies, in the units of `scale`."""

    shape: tuple[int, ...]
    scale: tuple[float, ...]
    factors: tuple[int, ...]
    translation: tuple[float, ...] | None = None


def plan_levels(
    axes: str,
    shape: tuple[int, ...],
    scale: tuple[float, ...],
    chunks: tuple[int, ...],
    levels: int | None,
    *,
    units: Mapping[str, str] | None = None,
    translation: tuple[float, ...] | None = None,
    method: str = "mean",
) -> list[Level]:
    """The levels of a pyramid over `shape`.

    Each level halves the spatial axes that are still finer than twice the finest one
    (so an anisotropic z waits until y and x catch up) and longer than 1, comparing
    pixel sizes in one unit (`units`: x and y in nm, z in µm). With `levels=None`,
    levels are added until the smallest fits in one chunk (spatially).

    A level made by a block mean or mode is centred on its block: it moves by (f-1)/2
    pixels of the level before, as ome-zarr-py and ngff-zarr write it, so that levels
    register with level 0 in viewers that honour translations; "nearest" keeps the
    block's first pixel, and its place.
    """
    start = tuple(translation) if translation is not None else (0.0,) * len(shape)
    result = [Level(tuple(shape), tuple(scale), (1,) * len(shape), start)]
    metres = tuple(METRES.get((units or {}).get(a, ""), 1.0) for a in axes)
    while levels is None or len(result) < levels:
        last = result[-1]
        fits = all(n <= c for a, n, c in zip(axes, last.shape, chunks, strict=True) if a in SPATIAL)
        if levels is None and fits:
            break
        factors = _next_factors(axes, last, metres)
        if all(f == 1 for f in factors):
            break
        shift = 0.0 if method == "nearest" else 0.5
        result.append(
            Level(
                tuple(math.ceil(n / f) for n, f in zip(last.shape, factors, strict=True)),
                tuple(s * f for s, f in zip(last.scale, factors, strict=True)),
                factors,
                tuple(
                    t + shift * (f - 1) * s
                    for t, f, s in zip(last.translation or start, factors, last.scale, strict=True)
                ),
            )
        )
    return result


def _next_factors(axes: str, level: Level, metres: tuple[float, ...]) -> tuple[int, ...]:
    sizes = [s * m for s, m in zip(level.scale, metres, strict=True)]
    spatial = [s for a, s in zip(axes, sizes, strict=True) if a in SPATIAL]
    finest = min(spatial) if spatial else 1.0
    return tuple(
        2 if a in SPATIAL and n > 1 and s < 2 * finest * (1 - 1e-9) else 1
        for a, n, s in zip(axes, level.shape, sizes, strict=True)
    )


def downsample(block: np.ndarray, factors: tuple[int, ...], method: str) -> np.ndarray:
    """Reduce `block` by integer `factors` per axis (edge blocks may be partial).

    "mean" averages (rounded back to integer types), "mode" keeps the most frequent value
    (label images: ties go to the lowest offset), "nearest" keeps the first sample.
    Works on strided views, so the float work is the size of the output, not the input.
    """
    if all(f == 1 for f in factors):
        return block
    if method == "nearest":
        return np.ascontiguousarray(block[tuple(slice(None, None, f) for f in factors)])
    # Pad partial edge blocks by repeating the edge: the padded copies do not change a
    # mean of two, and cannot win a mode.
    pad = [(0, -n % f) for n, f in zip(block.shape, factors, strict=True)]
    if any(after for _, after in pad):
        block = np.pad(block, pad, mode="edge")
    offsets = list(itertools.product(*(range(f) for f in factors)))
    views = [
        block[tuple(slice(o, None, f) for o, f in zip(offset, factors, strict=True))]
        for offset in offsets
    ]
    if method == "mode":
        return _mode(views)
    return _mean(views, block.dtype)


def _mean(views: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    accumulator = np.float64 if dtype.itemsize >= 4 else np.float32
    total = np.zeros(views[0].shape, dtype=accumulator)
    for view in views:
        total += view
    total /= len(views)
    if np.issubdtype(dtype, np.integer):
        np.rint(total, out=total)
    return total.astype(dtype)


def _mode(views: list[np.ndarray]) -> np.ndarray:
    best = views[0].copy()
    best_count = np.zeros(best.shape, dtype=np.uint8)
    for candidate in views:
        count = np.zeros(best.shape, dtype=np.uint8)
        for other in views:
            count += candidate == other
        better = count > best_count
        best[better] = candidate[better]
        best_count = np.maximum(best_count, count)
    return best
