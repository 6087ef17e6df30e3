"""PNG previews of TIFF / BigTIFF / OME-TIFF files, reading a bounded number of bytes.

The first series' smallest resolution level (the last SubIFD or pyramid level) is opened
through tifffile's Zarr interface, which reads only the tiles or strips a selection
touches. On that level: z (and ImageJ/page axes) at the middle plane, t at 0; channels
blended with the OME-XML colours (else grey / red, green, blue), RGB images as they are.
Like a plain Zarr array, when the y/x plane spans more than `MAX_TIFF_CHUNKS` tiles or
strips the preview shows the central chunk-aligned region of at most that many; the
decoded chunks may total at most `MAX_TIFF_DECODED_BYTES`. So a 100 GB single-level file
costs the same few MiB as a small one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ...errors import BadRequest, Forbidden
from ...formats.detect import TIFF_MAGICS, tiff_from_handle
from ...system.confined_io import ANYWHERE, Within, open_file
from .render import (
    ChannelStyle,
    blend_channels,
    default_styles,
    encode_png,
    parse_hex_color,
)

MAX_TIFF_CHUNKS = 64  # tiles/strips per y/x plane (and channel) read
MAX_TIFF_DECODED_BYTES = 64 * 2**20
MAX_CHANNELS = 8


def render_tiff_thumbnail(path: Path, size: int, within: Within = ANYWHERE) -> tuple[bytes, str]:
    """A PNG of the TIFF at `path`, longer edge `size` (module docstring says what is drawn).

    Raises BadRequest for a file that is no TIFF (a FIFO or device included), is damaged,
    lies outside `within` or would read too much; Forbidden when it cannot be read for
    lack of permission.
    """
    try:
        handle = open_file(path, within)
    except PermissionError as err:
        raise Forbidden(f"cannot read {path.name}: permission denied") from err
    except OSError as err:  # confined_io.Refused too
        raise BadRequest(f"cannot read {path.name}: {err.strerror or _short(err)}") from err
    with handle:
        return _render_open_tiff(handle, path.name, size)


def _render_open_tiff(handle: BinaryIO, name: str, size: int) -> tuple[bytes, str]:
    """`render_tiff_thumbnail` of the file open as `handle`: tifffile reads only that file."""
    try:
        magic = handle.read(4)
        handle.seek(0)
    except OSError as err:
        raise BadRequest(f"cannot read {name}: {err.strerror or _short(err)}") from err
    if magic not in TIFF_MAGICS:
        raise BadRequest("no image to preview: not a TIFF file")
    try:
        with tiff_from_handle(handle, name) as tif:
            if not tif.series:
                raise BadRequest("no image to preview: the TIFF holds no image")
            series = tif.series[0]
            level = series.levels[-1]
            colors = _ome_colors(tif)
            rgb = _is_rgb(level)
            array = _open_level(series, len(series.levels) - 1)
            planes, styles = _read_planes(array, level.axes, colors, rgb, size)
            count = len(series.levels)
            shown = f"series 0, level {count - 1}" + (" (the smallest)" if count > 1 else "")
            planes_of = [
                f"{axis.lower()} plane {n // 2} of {n}"
                for axis, n in zip(level.axes, array.shape, strict=True)
                if axis not in "YXCST" and n > 1
            ]
            shown = ", ".join([shown, *planes_of])
    except BadRequest:
        raise
    except Exception as err:  # tifffile and codecs raise many types on damaged files
        raise BadRequest(f"cannot read {name}: damaged TIFF file ({_short(err)})") from err
    return encode_png(blend_channels(planes, styles), size=size), shown


def _open_level(series: Any, level: int) -> Any:
    import zarr

    return zarr.open_array(series.aszarr(level=level), mode="r")


def _is_rgb(level: Any) -> bool:
    page = level.keyframe
    return page is not None and getattr(page.photometric, "name", "") in ("RGB", "YCBCR")


def _ome_colors(tif: Any) -> list[tuple[float, float, float] | None]:
    """The first image's channel colours from the OME-XML ([] without, or when unparseable)."""
    if not (tif.is_ome and tif.ome_metadata):
        return []
    from ...formats.ome import ome_xml_summary

    try:
        images = ome_xml_summary(tif.ome_metadata)["images"]
    except Exception:  # a preview without colours beats no preview
        return []
    channels = images[0]["channels"] if images else []
    return [parse_hex_color(channel.get("color")) for channel in channels]


def _read_planes(
    array: Any, axes: str, colors: list, rgb: bool, size: int
) -> tuple[list[np.ndarray], list[ChannelStyle]]:
    """One 2D plane per channel drawn, and how to draw each."""
    shape, chunks = tuple(array.shape), tuple(array.chunks)
    if "Y" not in axes or "X" not in axes or 0 in shape:
        raise BadRequest(f"no image to preview: axes {axes!r}, shape {shape}")
    if array.dtype.kind not in "biuf":
        raise BadRequest(f"no image to preview: dtype {array.dtype}")
    y_axis, x_axis = axes.index("Y"), axes.index("X")
    channel_axis = axes.index("C") if "C" in axes else axes.index("S") if "S" in axes else None
    count = shape[channel_axis] if channel_axis is not None else 1
    styles = _styles(count, colors, rgb, array.dtype)
    y_range, x_range = _central_region(shape, chunks, y_axis, x_axis)
    step = max(1, math.ceil(max(len(y_range), len(x_range)) / size))
    selection: list[int | slice] = []
    for axis, name in enumerate(axes):
        if axis == y_axis:
            selection.append(slice(y_range.start, y_range.stop, step))
        elif axis == x_axis:
            selection.append(slice(x_range.start, x_range.stop, step))
        elif axis == channel_axis:
            selection.append(slice(0, len(styles)))
        elif name == "T":
            selection.append(0)
        else:  # Z and the page axes (I, Q) of stacks without metadata: the middle plane
            selection.append(shape[axis] // 2)
    _check_budget(array, selection)
    data = np.asarray(array[tuple(selection)])
    kept = [axis for axis, item in enumerate(selection) if isinstance(item, slice)]
    if channel_axis is None:
        return [data], styles
    data = np.moveaxis(data, kept.index(channel_axis), 0)
    return [data[i] for i in range(len(styles))], styles


def _styles(count: int, colors: list, rgb: bool, dtype: np.dtype) -> list[ChannelStyle]:
    if rgb:  # true colour: the full range of the type, no auto-contrast
        full = (0.0, float(np.iinfo(dtype).max)) if dtype.kind in "ui" else None
        return [ChannelStyle(c.color, full) for c in default_styles(3)[: min(count, 3)]]
    if colors and any(color is not None for color in colors):
        fallback = default_styles(min(count, 3))
        return [
            ChannelStyle(
                colors[i] if i < len(colors) and colors[i] is not None else fallback[i % 3].color
            )
            for i in range(min(count, MAX_CHANNELS))
        ]
    return default_styles(count)


def _central_region(
    shape: tuple[int, ...], chunks: tuple[int, ...], y_axis: int, x_axis: int
) -> tuple[range, range]:
    """The central chunk-aligned y and x ranges that touch at most MAX_TIFF_CHUNKS chunks."""
    height, width = shape[y_axis], shape[x_axis]
    chunk_y, chunk_x = chunks[y_axis], chunks[x_axis]
    grid_y, grid_x = math.ceil(height / chunk_y), math.ceil(width / chunk_x)
    keep_y, keep_x = grid_y, grid_x
    if grid_y * grid_x > MAX_TIFF_CHUNKS:
        side = math.isqrt(MAX_TIFF_CHUNKS)
        keep_y = min(grid_y, max(1, side if grid_x >= side else MAX_TIFF_CHUNKS // grid_x))
        keep_x = min(grid_x, max(1, MAX_TIFF_CHUNKS // keep_y))
    y0 = (grid_y - keep_y) // 2 * chunk_y
    x0 = (grid_x - keep_x) // 2 * chunk_x
    return (
        range(y0, min(height, y0 + keep_y * chunk_y)),
        range(x0, min(width, x0 + keep_x * chunk_x)),
    )


def _check_budget(array: Any, selection: list[int | slice]) -> None:
    """BadRequest when the chunks the selection touches decode to too many bytes."""
    touched = 1
    for chunk, item in zip(array.chunks, selection, strict=True):
        if isinstance(item, slice):
            touched *= (item.stop - 1) // chunk - item.start // chunk + 1
    decoded = touched * math.prod(array.chunks) * array.dtype.itemsize
    if decoded > MAX_TIFF_DECODED_BYTES:
        raise BadRequest(
            f"the smallest level would decode {decoded / 2**20:.1f} MiB of tiles or strips; "
            "too large for a preview"
        )


def _short(err: BaseException, limit: int = 200) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
