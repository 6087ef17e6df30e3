"""The in-JupyterLab viewer's server side: a descriptor of an image and PNG tiles of it.

The viewer (OpenSeadragon in `src/viewer/`) asks for square tiles of `TILE_SIZE` pixels in
a power-of-two grid over level 0: a tile at `scale` s covers `TILE_SIZE * 2**s` pixels of
level 0 per side. The server draws it from the coarsest level whose downsampling is at most
2**s (so at most `MAX_OVERSAMPLE` times more pixels are read than drawn), for one z and t,
with the channels, windows and colours asked for, blended as the thumbnails are
(`thumbnails.render.blend_channels`). One request reads one region of one level: bounded
by `TILE_SIZE * MAX_OVERSAMPLE` pixels per side and channel, and by `MAX_DECODED_BYTES` of
decoded chunks, which later tiles over the same chunks take from `chunkcache.CHUNK_CACHE`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import BadRequest
from ..inspection.thumbnails.core import chunks_touched, label_colors
from ..inspection.thumbnails.render import (
    ChannelStyle,
    auto_window,
    blend_channels,
    color_labels,
    encode_png,
    parse_hex_color,
)
from ..system.confined_io import Within
from .pyramid import Pyramid, open_label, open_pyramid

TILE_SIZE = 256
MAX_OVERSAMPLE = 4  # level pixels read per tile pixel, per side, at most
MAX_CHANNELS = 8  # channels drawn in one tile
MAX_LABELS = 4  # label images drawn over one tile
LABEL_OPACITY = 0.5
MAX_DECODED_BYTES = 128 * 2**20  # decoded chunks one tile may touch
AUTO_WINDOW_PIXELS = 2048 * 2048  # coarsest planes up to this size give channels a window


@dataclass(frozen=True)
class TileQuery:
    """What one tile shows; `windows[i]` and `colors[i]` go with `channels[i]`."""

    scale: int
    x: int
    y: int
    z: int = 0
    t: int = 0
    channels: tuple[int, ...] | None = None  # None: the active channels
    windows: tuple[tuple[float, float] | None, ...] = ()
    colors: tuple[str | None, ...] = ()
    labels: tuple[str, ...] = ()  # label images drawn over the channels


def int_param(query: Mapping[str, str], name: str, default: int | None = None) -> int:
    text = query.get(name)
    if text is None:
        if default is None:
            raise BadRequest(f"{name} is required")
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {text!r}") from None
    if value < 0:
        raise BadRequest(f"{name} must be 0 or more, got {value}")
    return value


def list_param(query: Mapping[str, str], name: str) -> list[str] | None:
    text = query.get(name)
    return None if text is None else text.split(",") if text else []


def channel_list(query: Mapping[str, str], per: str) -> tuple[int, ...] | None:
    """The `channels=0,2` asked for (None: not given), at most `MAX_CHANNELS` per `per`."""
    names = list_param(query, "channels")
    if names is None:
        return None
    if len(names) > MAX_CHANNELS:
        raise BadRequest(f"at most {MAX_CHANNELS} channels per {per}")
    if not all(name.isdigit() for name in names):
        raise BadRequest(f"channels must be channel numbers, got {query['channels']!r}")
    return tuple(int(name) for name in names)


def parse_tile_query(query: Mapping[str, str]) -> TileQuery:
    """A TileQuery from `scale, x, y[, z, t, channels=0,2, windows=lo:hi,..., colors=RRGGBB,...]`;
    BadRequest naming the parameter when one is malformed."""
    channels = channel_list(query, "tile")
    raw_windows = list_param(query, "windows") or []
    windows = tuple(parse_window(text) for text in raw_windows)
    raw_colors = list_param(query, "colors") or []
    for text in raw_colors:
        if text and parse_hex_color(text) is None:
            raise BadRequest(f"colors must be RRGGBB, got {text!r}")
    colors = tuple(text or None for text in raw_colors)
    labels = tuple(name for name in list_param(query, "labels") or [] if name)
    if len(labels) > MAX_LABELS:
        raise BadRequest(f"at most {MAX_LABELS} label images per tile")
    if channels is not None and (len(windows) > len(channels) or len(colors) > len(channels)):
        raise BadRequest("more windows or colors than channels")
    return TileQuery(
        scale=int_param(query, "scale"),
        x=int_param(query, "x"),
        y=int_param(query, "y"),
        z=int_param(query, "z", 0),
        t=int_param(query, "t", 0),
        channels=channels,
        windows=windows,
        colors=colors,
        labels=labels,
    )


def parse_window(text: str) -> tuple[float, float] | None:
    if not text:
        return None
    low, sep, high = text.partition(":")
    try:
        window = (float(low), float(high)) if sep else None
    except ValueError:
        window = None
    if window is None or not all(math.isfinite(v) for v in window):
        raise BadRequest(f"windows must be start:end numbers, got {text!r}")
    return window


def _downsample(pyramid: Pyramid, level: int) -> float:
    """How many level-0 pixels one pixel of `level` spans (along x, the larger of x and y)."""
    y, x = pyramid.axis("y"), pyramid.axis("x")
    first, shape = pyramid.shapes[0], pyramid.shapes[level]
    return max(first[x] / shape[x], first[y] / shape[y])  # type: ignore[index]


def max_scale(pyramid: Pyramid) -> int:
    """The coarsest tile scale served: the whole image in one tile, or less when the
    coarsest level is too large to draw from it (`MAX_OVERSAMPLE`)."""
    first = pyramid.shapes[0]
    longer = max(first[pyramid.axis("y")], first[pyramid.axis("x")])  # type: ignore[index]
    whole = max(0, math.ceil(math.log2(max(1, longer) / TILE_SIZE)))
    coarsest = _downsample(pyramid, len(pyramid.shapes) - 1)
    return min(whole, int(math.floor(math.log2(coarsest * MAX_OVERSAMPLE))))


def describe(path: Path, within: Within) -> dict[str, Any]:
    """What the viewer needs to lay out tiles and controls (see the module docstring)."""
    with open_pyramid(path, within) as pyramid:
        return _describe(pyramid)


def _describe(pyramid: Pyramid) -> dict[str, Any]:
    first = pyramid.shapes[0]
    y, x = pyramid.axis("y"), pyramid.axis("x")
    z, t = pyramid.axis("z"), pyramid.axis("t")
    dtype = np.dtype(pyramid.dtype)
    limits = _dtype_range(dtype)
    auto = _auto_windows(pyramid)
    return {
        "width": first[x],  # type: ignore[index]
        "height": first[y],  # type: ignore[index]
        "tileSize": TILE_SIZE,
        "maxScale": max_scale(pyramid),
        "levels": [
            {"width": shape[x], "height": shape[y], "downsample": _downsample(pyramid, i)}  # type: ignore[index]
            for i, shape in enumerate(pyramid.shapes)
        ],
        "z": first[z] if z is not None else 1,
        "t": first[t] if t is not None else 1,
        "dtype": dtype.name,
        "channels": [
            {
                "name": channel.name,
                "color": channel.color,
                "active": channel.active,
                "window": _window_json(channel.window, limits, auto.get(index)),
            }
            for index, channel in enumerate(pyramid.channels)
        ],
        "pixelSize": pyramid.pixel_size,
        "labels": list(pyramid.labels),
    }


def _dtype_range(dtype: np.dtype) -> tuple[float, float] | None:
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return float(info.min), float(info.max)
    if dtype.kind == "b":
        return 0.0, 1.0
    return None


def _auto_windows(pyramid: Pyramid) -> dict[int, tuple[float, float, float, float]]:
    """(start, end, lowest, highest) of each channel without a window: its 0.5/99.5
    percentiles and extremes on the middle plane of the coarsest level, when that is at
    most `AUTO_WINDOW_PIXELS` (else none: the type's range)."""
    wanted = [
        i
        for i, c in enumerate(pyramid.channels[:MAX_CHANNELS])
        if c.window is None or c.window.start is None or c.window.end is None
    ]
    level = len(pyramid.shapes) - 1
    shape, z_axis = pyramid.shapes[level], pyramid.axis("z")
    y, x = shape[pyramid.axis("y")], shape[pyramid.axis("x")]  # type: ignore[index]
    if not wanted or y * x > AUTO_WINDOW_PIXELS:
        return {}
    middle_z = pyramid.shapes[0][z_axis] // 2 if z_axis is not None else 0
    middle = TileQuery(scale=0, x=0, y=0, z=middle_z)
    selections = [plane_selection(pyramid, level, middle, i, (0, y), (0, x)) for i in wanted]
    try:
        check_decoded(pyramid, level, selections)
    except BadRequest:  # the viewer still opens, with the type's range
        return {}
    array = pyramid.open_level(level)
    found = {}
    for index, selection in zip(wanted, selections, strict=True):
        plane = np.nan_to_num(read_selection(array, selection, pyramid).astype(np.float32))
        found[index] = (*auto_window(plane), float(plane.min()), float(plane.max()))
    return found


def _window_json(
    window: Any,
    limits: tuple[float, float] | None,
    auto: tuple[float, float, float, float] | None,
) -> dict[str, Any]:
    """start/end (None: unknown) and min/max (the slider's range: the metadata's, else the
    type's, else the values seen) of a channel."""
    start = window.start if window is not None else None
    end = window.end if window is not None else None
    if (start is None or end is None) and auto is not None:
        start, end = auto[:2]
    low = window.min if window is not None and window.min is not None else None
    high = window.max if window is not None and window.max is not None else None
    fallback = limits if limits is not None else auto[2:] if auto is not None else None
    if low is None and fallback is not None:
        low = fallback[0]
    if high is None and fallback is not None:
        high = fallback[1]
    return {"start": start, "end": end, "min": low, "max": high}


def render_tile(path: Path, within: Within, query: TileQuery) -> bytes:
    """The PNG of one tile (module docstring); BadRequest for a tile outside the image,
    a z, t or channel out of range, or a scale coarser than `max_scale`."""
    with open_pyramid(path, within) as pyramid:
        labels = [open_label(pyramid, path, within, name) for name in query.labels]
        return _render(pyramid, query, labels)


def _pick_level(pyramid: Pyramid, scale: int) -> int:
    """The coarsest level whose downsampling is at most 2**scale (level 0 when none is)."""
    chosen = 0
    for index in range(len(pyramid.shapes)):
        if _downsample(pyramid, index) <= 2**scale * 1.01:
            chosen = index
    return chosen


def _render(pyramid: Pyramid, query: TileQuery, labels: list[Pyramid]) -> bytes:
    if query.scale > max_scale(pyramid):
        raise BadRequest(f"scale must be at most {max_scale(pyramid)}, got {query.scale}")
    y_axis, x_axis = pyramid.axis("y"), pyramid.axis("x")
    assert y_axis is not None and x_axis is not None
    first = pyramid.shapes[0]
    span = TILE_SIZE * 2**query.scale  # level-0 pixels per tile side
    x0, y0 = query.x * span, query.y * span
    if x0 >= first[x_axis] or y0 >= first[y_axis]:
        raise BadRequest(f"tile ({query.x}, {query.y}) at scale {query.scale} is outside the image")
    x1, y1 = min(first[x_axis], x0 + span), min(first[y_axis], y0 + span)
    out_w, out_h = math.ceil((x1 - x0) / 2**query.scale), math.ceil((y1 - y0) / 2**query.scale)

    level = _pick_level(pyramid, query.scale)
    (ly0, ly1), (lx0, lx1) = level_region(pyramid, level, (x0, x1), (y0, y1))

    channels = query.channels
    if channels is None:
        channels = tuple(i for i, c in enumerate(pyramid.channels) if c.active)[:MAX_CHANNELS]
    check_channels(pyramid, channels)
    selections = [
        plane_selection(pyramid, level, query, channel, (ly0, ly1), (lx0, lx1))
        for channel in channels
    ]
    check_decoded(pyramid, level, selections)
    array = pyramid.open_level(level)
    planes = [np.asarray(read_selection(array, selection, pyramid)) for selection in selections]
    styles = [_style(pyramid, query, i, channel) for i, channel in enumerate(channels)]
    rgb = (
        blend_channels(planes, styles) if planes else np.zeros((ly1 - ly0, lx1 - lx0, 3), np.uint8)
    )
    if rgb.shape[:2] != (out_h, out_w):
        resample = Image.Resampling.BOX if rgb.shape[0] > out_h else Image.Resampling.NEAREST
        rgb = np.asarray(Image.fromarray(rgb).resize((out_w, out_h), resample=resample))
    for label in labels:
        size = (first[y_axis], first[x_axis])
        rgb = _overlay(rgb, label, query, (x0, x1), (y0, y1), size)
    return encode_png(rgb, size=max(out_w, out_h))


def _overlay(
    rgb: np.ndarray,
    label: Pyramid,
    query: TileQuery,
    x_range: tuple[int, int],
    y_range: tuple[int, int],
    size: tuple[int, int],
) -> np.ndarray:
    """`rgb` (the tile) with the non-zero labels of `label` blended over it in their
    `image-label` colours (else hashed ones). `size` is the image's level-0 (height, width);
    the label's level is picked as the image's is, and scaled onto the image's pixels."""
    ly, lx = label.axis("y"), label.axis("x")
    assert ly is not None and lx is not None
    level = _pick_level(label, query.scale)
    (y0, y1), (x0, x1) = level_region(label, level, x_range, y_range, size)
    z, t = min(query.z, extent(label, "z") - 1), min(query.t, extent(label, "t") - 1)
    selection = plane_selection(label, level, replace(query, z=z, t=t), 0, (y0, y1), (x0, x1))
    check_decoded(label, level, [selection])
    plane = read_selection(label.open_level(level), selection, label)
    height, width = rgb.shape[:2]  # nearest neighbour onto the tile's pixels
    rows = np.minimum((np.arange(height) * plane.shape[0] / height).astype(int), plane.shape[0] - 1)
    cols = np.minimum((np.arange(width) * plane.shape[1] / width).astype(int), plane.shape[1] - 1)
    plane = plane[rows][:, cols]
    colored = color_labels(plane, label_colors(label.label_colors))
    blended = rgb * (1 - LABEL_OPACITY) + colored * LABEL_OPACITY
    return np.where((plane != 0)[..., None], np.rint(blended), rgb).astype(np.uint8)


def level_region(
    pyramid: Pyramid,
    level: int,
    x_range: tuple[int, int],
    y_range: tuple[int, int],
    size: tuple[int, int] | None = None,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The (rows, columns) of `level` covering level-0 columns `x_range` and rows
    `y_range`: at least one of each, never past the level. `size` is level 0's (height,
    width): the pyramid's own, or an image's a label pyramid is drawn over."""
    y, x = pyramid.axis("y"), pyramid.axis("x")
    assert y is not None and x is not None
    shape = pyramid.shapes[level]
    height, width = size if size is not None else (pyramid.shapes[0][y], pyramid.shapes[0][x])
    fy, fx = height / shape[y], width / shape[x]
    y0 = min(int(y_range[0] // fy), shape[y] - 1)
    x0 = min(int(x_range[0] // fx), shape[x] - 1)
    y1 = max(y0 + 1, min(shape[y], math.ceil(y_range[1] / fy)))
    x1 = max(x0 + 1, min(shape[x], math.ceil(x_range[1] / fx)))
    return (y0, y1), (x0, x1)


def check_channels(pyramid: Pyramid, channels: tuple[int, ...]) -> None:
    """BadRequest naming the first of `channels` the image does not have."""
    count = len(pyramid.channels)
    for channel in channels:
        if channel >= count:
            raise BadRequest(f"channel {channel} does not exist: the image has {count}")


def extent(pyramid: Pyramid, kind: str) -> int:
    axis = pyramid.axis(kind)
    return pyramid.shapes[0][axis] if axis is not None else 1


def plane_selection(
    pyramid: Pyramid,
    level: int,
    query: TileQuery,
    channel: int,
    y_range: tuple[int, int],
    x_range: tuple[int, int],
) -> tuple:
    shape, first = pyramid.shapes[level], pyramid.shapes[0]
    selection: list[int | slice] = []
    for axis, kind in enumerate(pyramid.kinds):
        if kind == "y":
            selection.append(slice(*y_range))
        elif kind == "x":
            selection.append(slice(*x_range))
        elif kind == "c":
            selection.append(channel)
        elif kind in ("z", "t"):
            wanted = query.z if kind == "z" else query.t
            if wanted >= first[axis]:
                raise BadRequest(f"{kind} must be below {first[axis]}, got {wanted}")
            selection.append(min(shape[axis] - 1, wanted * shape[axis] // first[axis]))
        else:
            selection.append(0)
    return tuple(selection)


def check_decoded(pyramid: Pyramid, level: int, selections: list[tuple]) -> None:
    chunks = pyramid.chunks[level]
    chunk_bytes = math.prod(chunks) * np.dtype(pyramid.dtype).itemsize
    touched = sum(chunks_touched(chunks, selection) for selection in selections)
    if touched * chunk_bytes > MAX_DECODED_BYTES:
        raise BadRequest(
            f"this tile would decode {touched} chunks of {chunk_bytes / 2**20:.1f} MiB; "
            "the image's chunks are too large for the viewer"
        )


def read_selection(array: Any, selection: tuple, pyramid: Pyramid) -> np.ndarray:
    try:
        return np.asarray(array[selection])
    except (BadRequest, PermissionError, OSError):
        raise
    except Exception as err:  # codecs raise RuntimeError, ValueError, TypeError, ...
        raise BadRequest(
            f"cannot decode chunk data of {pyramid.label}: {type(err).__name__}"
        ) from err


def _style(pyramid: Pyramid, query: TileQuery, index: int, channel: int) -> ChannelStyle:
    info = pyramid.channels[channel]
    color_text = query.colors[index] if index < len(query.colors) else None
    color = parse_hex_color(color_text or info.color) or (1.0, 1.0, 1.0)
    window = query.windows[index] if index < len(query.windows) else None
    if window is None and info.window is not None:
        if info.window.start is not None and info.window.end is not None:
            window = (info.window.start, info.window.end)
    return ChannelStyle(color, window)


def pixel_values(path: Path, within: Within, query: Mapping[str, str]) -> dict[str, Any]:
    """The value of every channel at level-0 pixel (x, y) of plane (z, t): one chunk read
    per channel. BadRequest for a pixel outside the image."""
    x, y, z, t = (
        int_param(query, name, None if name in "xy" else 0) for name in ("x", "y", "z", "t")
    )
    with open_pyramid(path, within) as pyramid:
        first = pyramid.shapes[0]
        width, height = first[pyramid.axis("x")], first[pyramid.axis("y")]  # type: ignore[index]
        if x >= width or y >= height:
            raise BadRequest(f"pixel ({x}, {y}) is outside the {width} x {height} image")
        where = TileQuery(scale=0, x=0, y=0, z=z, t=t)
        selections = [
            plane_selection(pyramid, 0, where, channel, (y, y + 1), (x, x + 1))
            for channel in range(len(pyramid.channels))
        ]
        array = pyramid.open_level(0)
        values = [
            read_selection(array, selection, pyramid).reshape(-1)[0].item()
            for selection in selections
        ]
    return {
        "x": x,
        "y": y,
        "z": z,
        "t": t,
        "values": [
            {"channel": index, "name": channel.name, "value": value}
            for index, (channel, value) in enumerate(zip(pyramid.channels, values, strict=True))
        ],
    }
