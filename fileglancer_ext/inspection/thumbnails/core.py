"""PNG previews of OME-Zarr images and plain Zarr arrays, bounded in memory and reads.

`render_thumbnail(path, size=...)` is the one entry point (the REST route
`GET /fileglancer/api/thumbnail/{root}/{path}?size=` calls it with an already confined
path). What it reads:

* **OME-Zarr image** (NGFF 0.1-0.5; Zarr v2 `.zattrs` or v3 `zarr.json` `attributes.ome`):
  the smallest pyramid level, i.e. the last level of the dataset model's image (levels
  largest first, `formats.model.read_ome`), opened with zarr-python. t is the OMERO
  `rdefs.defaultT` (else 0). z is the OMERO `rdefs.defaultZ` when given; otherwise a
  **maximum projection over z** when the z stack of the channels drawn is at most
  `MAX_PROJECTION_BYTES` uncompressed, else the middle plane.
  Channels are blended additively with the OMERO colours and windows (active channels
  only); without OMERO one channel is grey and up to three are red/green/blue, with a
  0.5/99.5 percentile auto-contrast wherever there is no window. A label image
  (`image-label`) is drawn with its `colors` (rgba) or a stable hashed palette, middle
  plane, never projected.
* **Plain Zarr v2/v3 array** (>= 2 dimensions): the last two dimensions are y and x, the
  middle index of every other one; every k-th row and column so that the read is about
  size x size, grey with auto-contrast. A strided read still decodes every chunk it
  touches, so when the plane spans more than `MAX_PLAIN_CHUNKS` chunks, the preview shows
  the central chunk-aligned region of at most `MAX_PLAIN_CHUNKS` chunks instead of the
  whole plane.

* **N5 dataset** (or the smallest `sN` level of an N5 multiscale group): as a plain
  array, in C order, read through tensorstore; see `n5`.

* **bioformats2raw layout**: its first series, "0", drawn as the OME-Zarr image it is (the
  image `fileglancer_ext.open()` opens for the layout).

* **TIFF / OME-TIFF file**: the first series' smallest level, see `tiff`.

Bounds: the plane(s) read may be at most `MAX_PLANE_BYTES` uncompressed and the chunks they
touch at most `MAX_DECODED_BYTES` decoded; beyond that `BadRequest` ("too large for a
preview"). Missing chunks read as the fill value. Every file is read through `confined_io`
(zarr through `confined_store.ConfinedStore`, N5 through an in-memory copy): metadata or a
chunk that is a FIFO, device or socket, or that leads outside `within` (the root), is a
`BadRequest` naming the file, never read. Results are kept in a small thread-safe
LRU cache keyed by (path, size, mtime_ns of the image metadata and of the level's array
metadata): rewriting chunks without touching metadata is not noticed.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from ...errors import BadRequest, Forbidden
from ...formats.jsonio import MetadataError, MetadataReader, read_document
from ...formats.model import Channel, NgffImage, OmeGroup, read_ome
from ...formats.zarr_meta import array_bounds_problem, int_list, int_list_problem
from ...system.confined_io import ANYWHERE, Refused, Within
from .n5 import N5Array, n5_level
from .render import (
    ChannelStyle,
    blend_channels,
    color_labels,
    default_styles,
    encode_png,
    parse_hex_color,
)

MIN_SIZE = 16
MAX_SIZE = 1024
DEFAULT_SIZE = 256

MAX_PLANE_BYTES = 64 * 2**20  # uncompressed bytes of the plane(s) read from an OME level
MAX_PROJECTION_BYTES = 16 * 2**20  # a z stack up to this size is max-projected
MAX_DECODED_BYTES = 256 * 2**20  # decoded size of all chunks a read touches
MAX_PLAIN_CHUNKS = 256  # chunks a plain array's strided read may touch
CACHE_ENTRIES = 128

_IMPLIED_AXES = "tczyx"  # NGFF 0.1/0.2: no axes, trailing (t, c, z, y, x)
_AXIS_TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}


# --- public API -----------------------------------------------------------------------------


def render_thumbnail(path: Path, *, size: int = DEFAULT_SIZE, within: Within = ANYWHERE) -> bytes:
    """A PNG (RGB) of the image or array at `path` whose longer edge is `size` pixels;
    `render_thumbnail_shown` also says which level and plane it draws."""
    return render_thumbnail_shown(path, size=size, within=within)[0]


def render_thumbnail_shown(
    path: Path, *, size: int = DEFAULT_SIZE, within: Within = ANYWHERE
) -> tuple[bytes, str]:
    """(PNG, what it shows: the level and plane, e.g. "level 's2', maximum projection
    over 16 z planes"): a preview a user can tell apart from the full data.

    `size` must be an int in 16..1024. Raises `BadRequest` for a bad size, for a path that
    is no image ("no image to preview"), for data too large to preview, and for metadata or
    chunks that cannot be read or decoded ("cannot decode chunk ..."); `Forbidden` when a
    file cannot be read for lack of permission. Every file is read through `confined_io`:
    metadata or a chunk that is a FIFO, device or socket, or that leads outside `within`,
    is a `BadRequest` too, never read. Repeat calls are served from the cache.
    """
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
        raise BadRequest(f"size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
    path = Path(path)
    if path.is_file():  # TIFF / OME-TIFF: the cache key is the file's mtime and size
        from .tiff import render_tiff_thumbnail

        stat = path.stat()
        key = (os.fspath(path), size, (stat.st_mtime_ns, stat.st_size), within)
        cached = _CACHE.get(key)
        if cached is None:
            cached = render_tiff_thumbnail(path, size, within)
            _CACHE.put(key, cached)
        return cached
    source = _find_source(path, within)
    key = (os.fspath(path), size, source.stamps, within)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    shown = _render(source, size)
    _CACHE.put(key, shown)
    return shown


def clear_thumbnail_cache() -> None:
    """Forget every cached thumbnail."""
    _CACHE.clear()


def thumbnail_cache_info() -> dict[str, int]:
    """Cache counters: {"hits", "misses", "entries"}."""
    return _CACHE.info()


# --- cache ----------------------------------------------------------------------------------


class _LRU:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self._misses += 1
                return None
            self._items.move_to_end(key)
            self._hits += 1
            return value

    def put(self, key: tuple, value: tuple[bytes, str]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._hits = self._misses = 0

    def info(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self._hits, "misses": self._misses, "entries": len(self._items)}


_CACHE = _LRU(CACHE_ENTRIES)


# --- what to read ---------------------------------------------------------------------------


@dataclass
class _Source:
    """The array to read and how: `ome` is None for a plain array."""

    array_path: Path
    zarr_format: int
    stamps: tuple[int, ...]
    label: str  # how messages name the array, e.g. "level 's2'"
    ome: OmeGroup | None = None
    axes: list[tuple[str, str]] = field(default_factory=list)  # (name, type), OME only
    n5: bool = False  # an N5 dataset (`zarr_format` is then 0)
    within: Within = ANYWHERE  # where its files may be read from (`confined_io`)


def _stamp(path: Path) -> int:
    """The file's mtime_ns, taken before it is read (0 when absent): a change after this
    makes the next request miss the cache, never serve an older picture."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _read_json(path: Path, within: Within) -> tuple[dict[str, Any], int] | None:
    """(document, mtime_ns) of a metadata file, None when absent; BadRequest (naming the file
    and the reason, see `jsonio`) when unusable, Forbidden when it may not be read."""
    stamp = _stamp(path)
    try:
        doc = read_document(path, within)
    except MetadataError as err:
        if err.message.endswith("permission denied"):
            raise Forbidden(err.message) from None
        raise
    return None if doc is None else (doc, stamp)


def _find_source(path: Path, within: Within, *, series: bool = True) -> _Source:
    v3 = _read_json(path / "zarr.json", within)
    if v3 is not None:
        doc, stamp = v3
        if doc.get("node_type") == "array":
            return _Source(path, 3, (stamp,), "the array", within=within)
        attributes = doc.get("attributes")
        ome = attributes.get("ome") if isinstance(attributes, dict) else None
        if isinstance(ome, dict) and "multiscales" in ome:
            return _ome_source(path, ome, 3, stamp, within)
        if isinstance(ome, dict) and "bioformats2raw.layout" in ome and series:
            return _first_series(path, stamp, within)
        raise BadRequest("no image to preview: a Zarr group without multiscales")
    v2 = _read_json(path / ".zarray", within)
    if v2 is not None:
        return _Source(path, 2, (v2[1],), "the array", within=within)
    attrs = _read_json(path / ".zattrs", within)
    if attrs is not None and "multiscales" in attrs[0]:
        return _ome_source(path, attrs[0], 2, attrs[1], within)
    if attrs is not None and "bioformats2raw.layout" in attrs[0] and series:
        return _first_series(path, attrs[1], within)
    n5 = _read_json(path / "attributes.json", within)
    if n5 is not None:
        return _n5_source(path, *n5, within)
    raise BadRequest("no image to preview")


def _first_series(path: Path, stamp: int, within: Within) -> _Source:
    """A bioformats2raw layout is previewed by its first series, "0", the image `open()`
    opens for it; never a layout nested in it (a symlink "0" -> "." would loop)."""
    first = path / "0"
    if not first.is_dir() or first.resolve() == path.resolve():
        raise BadRequest("no image to preview: a bioformats2raw layout without series 0")
    if not first.resolve().is_relative_to(path.resolve()):
        raise BadRequest("series 0 leaves the bioformats2raw layout")
    source = _find_source(first, within, series=False)
    if source.ome is None:
        raise BadRequest("no image to preview: series 0 of the layout is no image")
    return replace(source, stamps=(stamp, *source.stamps), label=f"series 0, {source.label}")


def _n5_source(path: Path, attrs: dict[str, Any], stamp: int, within: Within) -> _Source:
    def level_attrs(folder: Path) -> dict[str, Any] | None:
        found = _read_json(folder / "attributes.json", within)
        return found[0] if found is not None else None

    level = n5_level(path, attrs, level_attrs)
    if level is None:
        raise BadRequest("no image to preview: an N5 group without a dataset or scale levels")
    if not level.path.resolve().is_relative_to(path.resolve()):
        raise BadRequest(f"{level.label} leaves the N5 group")
    stamps, level_doc = (stamp,), attrs
    if level.path != path:  # a level: its own attributes count too
        found = _read_json(level.path / "attributes.json", within)
        stamps = (stamp, found[1] if found is not None else 0)
        level_doc = found[0] if found is not None else {}
    for key, low in (("dimensions", 0), ("blockSize", 1)):
        if int_list(level_doc.get(key), low=low) is None:  # before tensorstore sees it
            problem = int_list_problem(key, level_doc.get(key), low=low)
            raise BadRequest(f"no image to preview: malformed {level.label}: {problem}")
    return _Source(level.path, 0, stamps, level.label, n5=True, within=within)


def _ome_source(
    path: Path, attrs: dict[str, Any], zarr_format: int, stamp: int, within: Within
) -> _Source:
    """The smallest level of the image, as the model orders its levels (largest first)."""
    meta_name = "zarr.json" if zarr_format == 3 else ".zarray"
    group = read_ome(MetadataReader(path, within), path, attrs)
    image = group.image
    if image is None or not image.levels:
        raise BadRequest("no image to preview: multiscales lists no datasets")
    relative = image.levels[-1].path
    if not relative:
        raise BadRequest("malformed multiscales: the last dataset has no path")
    parts = PurePosixPath(relative).parts
    if relative.startswith("/") or ".." in parts or "\\" in relative:
        raise BadRequest(f"malformed multiscales: dataset path {relative!r} leaves the image")
    level = path.joinpath(*parts)
    if not level.resolve().is_relative_to(path.resolve()):
        raise BadRequest(f"dataset path {relative!r} leaves the image")
    level_stamp = _stamp(level / meta_name)
    array = image.levels[-1].array
    if array is None or array.zarr_format != zarr_format:
        # Unreadable metadata says why (jsonio's message); else there is none.
        _read_json(level / meta_name, within)
        raise BadRequest(f"the smallest level {relative!r} has no {meta_name}")
    axes = _axes(image, array.ndim)
    label = f"level {relative!r}"
    return _Source(level, zarr_format, (stamp, level_stamp), label, group, axes, within=within)


def _axes(image: NgffImage, ndim: int | None) -> list[tuple[str, str]]:
    """(name, type) of each axis; a type the metadata leaves out is guessed from the name."""
    if image.axes_implied and (ndim is None or ndim > len(_IMPLIED_AXES)):
        raise BadRequest("malformed multiscales: no axes and not 5 dimensions or fewer")
    axes = [(a.name, a.type or _AXIS_TYPES.get(a.name.lower(), "")) for a in image.axes]
    if ndim is not None and len(axes) != ndim:
        raise BadRequest(f"multiscales names {len(axes)} axes but the level has {ndim}")
    return axes


# --- reading --------------------------------------------------------------------------------


def _open(source: _Source) -> Any:
    from ...system.confined_store import open_confined_array

    try:
        if source.n5:
            return N5Array(source.array_path, source.within)
        return open_confined_array(source.array_path, source.within, zarr_format=source.zarr_format)
    except Refused as err:
        raise BadRequest(f"cannot open {source.label}: {err.strerror}") from err
    except PermissionError as err:
        raise Forbidden(f"cannot read {source.label}: permission denied") from err
    except Exception as err:  # zarr raises many types for bad metadata, tensorstore ValueError
        if source.n5 and isinstance(err, ImportError):
            raise BadRequest("N5 previews need tensorstore (pip install tensorstore)") from err
        raise BadRequest(f"cannot open {source.label}: {_reason(err, source)}") from err


def _read(array: Any, selection: tuple, source: _Source) -> np.ndarray:
    try:
        return np.asarray(array[selection])
    except Refused as err:  # a chunk that is a FIFO, or a symlink out: never drawn
        raise BadRequest(f"cannot read a chunk of {source.label}: {err.strerror}") from err
    except PermissionError as err:
        raise Forbidden(f"cannot read a chunk of {source.label}: permission denied") from err
    except Exception as err:  # codecs raise RuntimeError, ValueError, TypeError, ...
        reason = _reason(err, source)
        raise BadRequest(f"cannot decode chunk data of {source.label}: {reason}") from err


def _reason(err: BaseException, source: _Source) -> str:
    """What went wrong, for users: an OSError's reason, else the library's message with
    the server's path of the array (zarr names its store by it) replaced by its label."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    text = (str(err) or type(err).__name__).replace(os.fspath(source.array_path), source.label)
    return text if len(text) <= 200 else text[:199] + "…"


def chunks_touched(chunks: tuple[int, ...], selection: tuple) -> int:
    """How many chunks a basic selection (ints and slices with a stop) touches."""
    count = 1
    for chunk, item in zip(chunks, selection, strict=True):
        if not isinstance(item, slice):
            continue
        start, step = item.start or 0, item.step or 1
        elements = len(range(start, item.stop, step))
        if elements == 0:
            return 0
        if step >= chunk:  # every element lies in a chunk of its own
            count *= elements
        else:  # the gaps are shorter than a chunk: every chunk from first to last
            last = start + (elements - 1) * step
            count *= last // chunk - start // chunk + 1
    return count


def _check_decoded(array: Any, touched: int, source: _Source) -> None:
    chunk_bytes = math.prod(array.chunks) * array.dtype.itemsize
    if touched * chunk_bytes > MAX_DECODED_BYTES:
        raise BadRequest(
            f"{source.label} would need {touched} chunks of {_mib(chunk_bytes)} decoded; "
            "too large for a preview"
        )


def _render(source: _Source, size: int) -> tuple[bytes, str]:
    array = _open(source)
    problem = array_bounds_problem(array.shape, array.chunks)
    if problem is not None:
        raise BadRequest(f"no image to preview: malformed {source.label}: {problem}")
    if array.dtype.kind not in "biufc":
        raise BadRequest(f"no image to preview: {source.label} has dtype {array.dtype}")
    if 0 in array.shape:
        raise BadRequest(f"no image to preview: {source.label} is empty")
    if source.ome is None:
        return _render_plain(array, source, size)
    return _render_ome(array, source, size)


def _render_plain(array: Any, source: _Source, size: int) -> tuple[bytes, str]:
    shape, chunks = tuple(array.shape), tuple(array.chunks)
    if len(shape) < 2:
        raise BadRequest(f"no image to preview: the array has {len(shape)} dimension(s)")
    height, width = shape[-2:]
    grid_y, grid_x = math.ceil(height / chunks[-2]), math.ceil(width / chunks[-1])
    keep_y, keep_x = grid_y, grid_x
    if grid_y * grid_x > MAX_PLAIN_CHUNKS:  # central region of at most MAX_PLAIN_CHUNKS chunks
        side = math.isqrt(MAX_PLAIN_CHUNKS)
        keep_y = min(grid_y, max(1, side if grid_x >= side else MAX_PLAIN_CHUNKS // grid_x))
        keep_x = min(grid_x, MAX_PLAIN_CHUNKS // keep_y)
    y0 = (grid_y - keep_y) // 2 * chunks[-2]
    x0 = (grid_x - keep_x) // 2 * chunks[-1]
    y1, x1 = min(height, y0 + keep_y * chunks[-2]), min(width, x0 + keep_x * chunks[-1])
    step = max(1, math.ceil(max(y1 - y0, x1 - x0) / size))
    selection = tuple(n // 2 for n in shape[:-2]) + (slice(y0, y1, step), slice(x0, x1, step))
    _check_decoded(array, chunks_touched(chunks, selection), source)
    plane = _read(array, selection, source)
    shown = source.label
    if len(shape) > 2:
        shown += ", middle plane [" + ", ".join(str(n // 2) for n in shape[:-2]) + "]"
    if (y1 - y0, x1 - x0) != (height, width):
        shown += ", central region"
    return encode_png(blend_channels([plane], default_styles(1)), size=size), shown


def _render_ome(array: Any, source: _Source, size: int) -> tuple[bytes, str]:
    assert source.ome is not None
    shape, dtype = tuple(array.shape), array.dtype
    axes = source.axes
    space = [i for i, (_, kind) in enumerate(axes) if kind == "space"]
    if len(space) < 2:
        raise BadRequest("no image to preview: fewer than two space axes")
    y_axis, x_axis = space[-2], space[-1]
    channel_axis = next((i for i, (_, kind) in enumerate(axes) if kind == "channel"), None)
    z_axis = space[-3] if len(space) >= 3 else None
    omero = source.ome.omero
    rdefs = omero.rdefs if omero is not None else {}
    label_meta = source.ome.image_label
    is_labels = label_meta is not None

    n_channels = shape[channel_axis] if channel_axis is not None else 1
    if is_labels:
        channels, styles = [0], []
    else:
        channels, styles = _channel_styles(omero.channels if omero else (), n_channels)
    height, width = shape[y_axis], shape[x_axis]
    plane_bytes = len(channels) * height * width * dtype.itemsize
    if plane_bytes > MAX_PLANE_BYTES:
        dims = f"{height}x{width}" + (f"x{len(channels)}" if len(channels) > 1 else "")
        raise BadRequest(
            f"the smallest level is {dims} ({_mib(plane_bytes)} per plane); too large for a preview"
        )
    z_index: int | slice = 0
    if z_axis is not None:
        default_z = _int(rdefs.get("defaultZ"))
        depth = shape[z_axis]
        if default_z is not None:
            z_index = min(max(default_z, 0), depth - 1)
        elif not is_labels and plane_bytes * depth <= MAX_PROJECTION_BYTES:
            z_index = slice(0, depth)
        else:
            z_index = depth // 2
    t_index = _int(rdefs.get("defaultT")) or 0

    selections = []
    for channel in channels:
        selection: list[int | slice] = []
        for axis, (_, kind) in enumerate(axes):
            if axis in (y_axis, x_axis):
                selection.append(slice(0, shape[axis]))
            elif axis == z_axis:
                selection.append(z_index)
            elif axis == channel_axis:
                selection.append(channel)
            elif kind == "time":
                selection.append(min(max(t_index, 0), shape[axis] - 1))
            else:
                selection.append(0)
        selections.append(tuple(selection))
    _check_decoded(array, sum(chunks_touched(array.chunks, s) for s in selections), source)
    planes = []
    for selection in selections:
        data = _read(array, selection, source)
        if isinstance(z_index, slice):
            kept = [axis for axis, item in enumerate(selection) if isinstance(item, slice)]
            data = data.max(axis=kept.index(z_axis))
        planes.append(data)
    shown = [source.label]
    if z_axis is not None:
        depth = shape[z_axis]
        shown.append(
            f"maximum projection over {depth} z planes"
            if isinstance(z_index, slice)
            else f"z plane {z_index} of {depth}"
        )
    if any(kind == "time" for _, kind in axes):
        shown.append(f"t {t_index}")
    if is_labels:
        rgb = color_labels(planes[0], label_colors(label_meta.colors))
        return encode_png(rgb, size=size, nearest=True), ", ".join(shown)
    return encode_png(blend_channels(planes, styles), size=size), ", ".join(shown)


def _channel_styles(
    entries: tuple[Channel, ...], count: int
) -> tuple[list[int], list[ChannelStyle]]:
    """The channels to draw and their styles: OMERO's active channels, else the defaults."""
    if not entries:
        styles = default_styles(count)
        return list(range(len(styles))), styles
    channels, styles = [], []
    fallback = default_styles(min(count, 3))
    for index, entry in enumerate(entries[:count]):
        if entry.active is False:
            continue
        color = parse_hex_color(entry.color)
        if color is None:
            color = fallback[index].color if index < len(fallback) else (1.0, 1.0, 1.0)
        window, limits = entry.window, None
        if window is not None and window.start is not None and window.end is not None:
            if window.end > window.start:
                limits = (window.start, window.end)
        channels.append(index)
        styles.append(ChannelStyle(color, limits, entry.extra.get("inverted") is True))
    return channels, styles


def label_colors(entries: Any) -> dict[int, tuple[int, int, int, int]]:
    """The label colours of `image-label.colors` (as stored) that are usable rgba values."""
    colors: dict[int, tuple[int, int, int, int]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        value, rgba = _int(entry.get("label-value")), entry.get("rgba")
        if value is None or not isinstance(rgba, list) or len(rgba) not in (3, 4):
            continue
        parts = [_int(part) for part in rgba] + [255] * (4 - len(rgba))
        if all(part is not None and 0 <= part <= 255 for part in parts):
            colors[value] = tuple(parts)  # type: ignore[assignment]
    return colors


# --- small helpers --------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _mib(count: int) -> str:
    return f"{count / 2**20:.1f} MiB"
