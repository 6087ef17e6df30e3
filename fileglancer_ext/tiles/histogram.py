"""Histograms of what the viewer shows: per channel, the values of one region of level 0
(the visible viewport) on one z and t plane, for the contrast panel.

The region is read from the coarsest level that still gives it at least `TARGET_PIXELS`
pixels (zoomed out: a coarse level; zoomed in: a fine one), through the same pyramid and
selections as the tiles (`tiles.service`), bounded by `MAX_DECODED_BYTES` of decoded
chunks; at most `MAX_SAMPLED_PIXELS` of the values read are counted (a strided sample).
Non-finite values (NaN, inf) are left out. Bins span the values' range (integers: whole
values per bin when there are few), or the range asked for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BadRequest
from ..system.confined_io import Within
from .pyramid import Pyramid, open_pyramid
from .service import (
    MAX_CHANNELS,
    TileQuery,
    channel_list,
    check_channels,
    check_decoded,
    extent,
    int_param,
    level_region,
    list_param,
    parse_window,
    plane_selection,
    read_selection,
)

DEFAULT_BINS = 256
MAX_BINS = 1024
TARGET_PIXELS = 512 * 512  # the coarsest level giving the region this many pixels is read
MAX_SAMPLED_PIXELS = 2048 * 2048  # values counted per channel, at most (strided beyond)
SUGGESTED_PERCENTILES = (0.1, 99.9)  # the window the "auto" button sets


@dataclass(frozen=True)
class HistogramQuery:
    """A region [x0, x1) x [y0, y1) of level 0 on plane (z, t); `ranges[i]` (None: the
    values' own) goes with `channels[i]`."""

    x0: int
    y0: int
    x1: int
    y1: int
    z: int = 0
    t: int = 0
    channels: tuple[int, ...] | None = None  # None: every channel (up to MAX_CHANNELS)
    bins: int = DEFAULT_BINS
    ranges: tuple[tuple[float, float] | None, ...] = ()


def parse_histogram_query(query: Mapping[str, str]) -> HistogramQuery:
    """A HistogramQuery from `x0, y0, x1, y1[, z, t, channels=0,2, bins, ranges=lo:hi,...]`;
    BadRequest naming the parameter when one is malformed."""
    x0, y0, x1, y1 = (int_param(query, name) for name in ("x0", "y0", "x1", "y1"))
    if x1 <= x0 or y1 <= y0:
        raise BadRequest(f"the region is empty: x0 < x1 and y0 < y1 needed, got {x0, y0, x1, y1}")
    bins = int_param(query, "bins", DEFAULT_BINS)
    if not 1 <= bins <= MAX_BINS:
        raise BadRequest(f"bins must be 1 to {MAX_BINS}, got {bins}")
    channels = channel_list(query, "histogram")
    ranges = tuple(_range(text) for text in list_param(query, "ranges") or [])
    if len(ranges) > (len(channels) if channels is not None else MAX_CHANNELS):
        raise BadRequest("more ranges than channels")
    return HistogramQuery(
        x0=x0,
        y0=y0,
        x1=x1,
        y1=y1,
        z=int_param(query, "z", 0),
        t=int_param(query, "t", 0),
        channels=channels,
        bins=bins,
        ranges=ranges,
    )


def _range(text: str) -> tuple[float, float] | None:
    """ "lo:hi" (lo < hi) or "" (the values' own range)."""
    try:
        found = parse_window(text)
    except BadRequest:
        found = (0.0, 0.0)
    if found is not None and not found[0] < found[1]:
        raise BadRequest(f"ranges must be start:end numbers with start < end, got {text!r}")
    return found


def histogram(path: Path, within: Within, query: HistogramQuery) -> dict[str, Any]:
    """Each channel's histogram of the region (module docstring); BadRequest for a region
    outside the image, a z, t or channel out of range, or chunks too large to decode."""
    with open_pyramid(path, within) as pyramid:
        return _histogram(pyramid, query)


def pick_level(pyramid: Pyramid, width: float, height: float) -> int:
    """The coarsest level on which a `width` x `height` region of level 0 still has
    `TARGET_PIXELS` pixels (level 0 when none has)."""
    y, x = pyramid.axis("y"), pyramid.axis("x")
    first = pyramid.shapes[0]
    for level in range(len(pyramid.shapes) - 1, 0, -1):
        shape = pyramid.shapes[level]
        fy, fx = first[y] / shape[y], first[x] / shape[x]  # type: ignore[index]
        if (width / fx) * (height / fy) >= TARGET_PIXELS:
            return level
    return 0


def _histogram(pyramid: Pyramid, query: HistogramQuery) -> dict[str, Any]:
    y_axis, x_axis = pyramid.axis("y"), pyramid.axis("x")
    assert y_axis is not None and x_axis is not None
    first = pyramid.shapes[0]
    width, height = first[x_axis], first[y_axis]
    if query.x1 > width or query.y1 > height:
        raise BadRequest(
            f"the region ({query.x0}, {query.y0})-({query.x1}, {query.y1}) is outside "
            f"the {width} x {height} image"
        )
    for kind, wanted in (("z", query.z), ("t", query.t)):  # without the axis: 0 only
        if wanted >= extent(pyramid, kind):
            raise BadRequest(f"{kind} must be below {extent(pyramid, kind)}, got {wanted}")
    channels = query.channels
    if channels is None:
        channels = tuple(range(min(len(pyramid.channels), MAX_CHANNELS)))
    check_channels(pyramid, channels)
    if len(query.ranges) > len(channels):
        raise BadRequest("more ranges than channels")

    level = pick_level(pyramid, query.x1 - query.x0, query.y1 - query.y0)
    (ly0, ly1), (lx0, lx1) = level_region(
        pyramid, level, (query.x0, query.x1), (query.y0, query.y1)
    )
    where = TileQuery(scale=0, x=0, y=0, z=query.z, t=query.t)
    selections = [
        plane_selection(pyramid, level, where, channel, (ly0, ly1), (lx0, lx1))
        for channel in channels
    ]
    check_decoded(pyramid, level, selections)
    pixels = (ly1 - ly0) * (lx1 - lx0)
    step = max(1, math.ceil(math.sqrt(pixels / MAX_SAMPLED_PIXELS)))
    array = pyramid.open_level(level)
    integer = np.dtype(pyramid.dtype).kind in "uib"
    found = []
    for index, (channel, selection) in enumerate(zip(channels, selections, strict=True)):
        plane = np.asarray(read_selection(array, selection, pyramid))[::step, ::step]
        wanted = query.ranges[index] if index < len(query.ranges) else None
        found.append(
            {
                "channel": channel,
                "name": pyramid.channels[channel].name,
                **channel_histogram(plane, query.bins, wanted, integer=integer),
            }
        )
    return {
        "level": level,
        "region": {"x0": query.x0, "y0": query.y0, "x1": query.x1, "y1": query.y1},
        "read": {"x0": lx0, "y0": ly0, "x1": lx1, "y1": ly1, "step": step},
        "z": query.z,
        "t": query.t,
        "dtype": np.dtype(pyramid.dtype).name,
        "channels": found,
    }


def channel_histogram(
    plane: np.ndarray,
    bins: int,
    wanted: tuple[float, float] | None = None,
    *,
    integer: bool = False,
) -> dict[str, Any]:
    """`counts` in `bins` equal bins over `range` (`wanted`, else the finite values' min to
    max, integers up to max + 1 with at most one bin per value), the values' `min`/`max`,
    how many were counted and left out (non-finite), and the `suggested` window (the
    `SUGGESTED_PERCENTILES` of the values; None without values)."""
    values = plane.reshape(-1)
    if values.dtype.kind == "b":
        values = values.astype(np.uint8)
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        ignored = int(values.size - np.count_nonzero(finite))
        if ignored:
            values = values[finite]
    else:
        ignored = 0
    low = high = None
    if values.size:
        low, high = values.min().item(), values.max().item()
    if wanted is not None:
        start, end = wanted
    elif low is None:
        start, end = 0.0, 1.0
    elif integer:
        start, end = float(low), float(high) + 1
        bins = min(bins, int(high) - int(low) + 1)
    elif low == high:
        start, end = float(low) - 0.5, float(high) + 0.5  # as numpy.histogram widens it
    else:
        start, end = float(low), float(high)
    counts, _ = np.histogram(values, bins=bins, range=(start, end))
    below = int(np.count_nonzero(values < start)) if wanted is not None else 0
    above = int(np.count_nonzero(values > end)) if wanted is not None else 0
    suggested = None
    if values.size:
        lo, hi = np.percentile(values, SUGGESTED_PERCENTILES)
        suggested = {"start": float(lo), "end": float(hi)}
    return {
        "range": [start, end],
        "counts": counts.tolist(),
        "min": low,
        "max": high,
        "count": int(values.size),
        "ignored": ignored,
        "outside": [below, above],  # values below and above `range` (not in `counts`)
        "suggested": suggested,
    }
