"""A shared TIFF served as a virtual OME-NGFF 0.4 image (Zarr v2), computed from the file.

URL scheme: the TIFF's own path inside the share, then `/ome.zarr/`, then a Zarr key::

    /fileglancer/s/TOKEN/<path/to/file.tif>/ome.zarr/.zattrs
    /fileglancer/s/TOKEN/<path/to/file.tif>/ome.zarr/0/.zarray
    /fileglancer/s/TOKEN/<path/to/file.tif>/ome.zarr/0/0/0/3/5      (level/t/c/z/y/x...)

(a link on the file itself: `<path>` is the file's name; the S3 view: the same key after
`/fileglancer/s3/TOKEN/`). No real path runs through a file, so the scheme never hides a
shared file. Series 0 is served; its pyramid levels (SubIFDs or OME pyramid series) are the
multiscales datasets "0", "1", ...; axes are OME order (t, c, z, y, x, length-1 axes left
out, as the converter does: `convert.source.map_axes`). Chunk keys use "/" (OME-NGFF 0.4
requires it, and it keeps a level's keys a tree that listings can walk).

Chunks are tifffile's chunks (`ZarrTiffStore._parse_key` maps a key to a page's tile or
strip: no TIFF parsing here), read from the request's own descriptor. A tile stored with
no compression, deflate or zstd (no predictor, whole bytes per sample, in OME order) is
sent as it is stored (its offset and byte count asked of tifffile once, then kept in a
table per level, bounded by `LAYOUT_CHUNKS`: a chunk request is a look-up and one `pread`),
with the matching compressor in `.zarray`; anything else is decoded by
tifffile and encoded with zlib, once: an LRU of encoded chunks bounded in bytes. Strips are
grouped (or, uncompressed, cut by rows) into chunks of about `STRIP_CHUNK_BYTES`, so memory
per request stays a few chunks whatever the file's size.

Versions: a parsed file is cached by (device, inode, size, mtime): every request opens the
file through the share (`ShareServer.open`: token, revocation, confinement), and uses the
parse of that exact version, reading its bytes from its own descriptor, then checks that
the descriptor still is that version. A replaced file is a new version (new ETag); one
rewritten in place during a read is refused (409), never served mixed.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import zlib
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from math import ceil, prod
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BadRequest, Conflict, NotFound
from ..formats.detect import TIFF_MAGICS, tiff_from_handle
from .responses import plan_response

if TYPE_CHECKING:
    from .serving import ShareResponse, ShareServer

VIRTUAL_NAME = "ome.zarr"
# Names of the TIFF family whose path may precede `/ome.zarr/` (the converter's and the
# inspector's TIFF names, plus slide formats tifffile reads as TIFF).
TIFF_NAMES = (".tif", ".tiff", ".btf", ".tf8", ".tf2", ".svs", ".ndpi", ".qptiff", ".scn")
STRIP_CHUNK_BYTES = 4 * 1024 * 1024  # strips are served in chunks of about this size
CACHE_BYTES = 64 * 1024 * 1024  # decoded and re-encoded chunks kept
PARSED_FILES = 8  # parsed TIFF versions kept (each holds one open descriptor)
# Chunks whose (offset, byte count) a parsed version keeps in a table, over all its levels
# (16 bytes each: 16 MiB at most per version); levels past it ask tifffile every time.
LAYOUT_CHUNKS = 1 << 20
SMALL_LEVEL_BYTES = 32 * 1024 * 1024  # windows are computed from a level up to this size
ZLIB_LEVEL = 1  # re-encoded chunks: fast, and every Zarr reader decodes zlib

# TIFF compression -> the Zarr v2 compressor that decodes its stored bytes as they are.
_PASSTHROUGH = {1: None, 8: {"id": "zlib", "level": 6}, 32946: {"id": "zlib", "level": 6}}
_PASSTHROUGH[50000] = {"id": "zstd", "level": 0}
_REENCODED = {"id": "zlib", "level": ZLIB_LEVEL}


class NotServableTiff(BadRequest):
    """A file that is not a TIFF, or one this view cannot serve (the message says why)."""

    code = "not_servable_as_ome_zarr"


class FileChanged(Conflict):
    """The file was rewritten while a chunk was read: nothing mixed is served."""

    code = "file_changed"


def split_virtual(subpath: str) -> tuple[str, str] | None:
    """(the TIFF's path, the Zarr key) of a virtual-image URL path, else None (no I/O)."""
    parts = subpath.split("/")
    for index in range(1, len(parts)):
        if parts[index] == VIRTUAL_NAME and parts[index - 1].lower().endswith(TIFF_NAMES):
            return "/".join(parts[:index]), "/".join(parts[index + 1 :])
    return None


def virtual_url(share_url: str, file_subpath: str) -> str:
    """The virtual image's URL (ending in "/") in the share at `share_url` (ending in "/")."""
    prefix = f"{file_subpath.strip('/')}/" if file_subpath.strip("/") else ""
    return f"{share_url}{prefix}{VIRTUAL_NAME}/"


Identity = tuple[int, int, int, int]


@dataclass
class _Level:
    """One pyramid level: tifffile's store (key -> tile), its source layout, the OME one."""

    store: Any
    keyframe: Any
    src_shape: tuple[int, ...]
    src_chunks: tuple[int, ...]
    keep: tuple[str, ...]  # OME axis of each source axis, "" for a dropped length-1 axis
    shape: tuple[int, ...]  # OME order
    chunks: tuple[int, ...]  # OME order
    compressor: dict[str, Any] | None
    passthrough: bool  # stored chunks are served as they are
    striped: bool
    rows_by_range: bool  # uncompressed strips: chunks read as row ranges
    transform: Any
    # A passed-through tile's (offset, byte count) by OME chunk index, filled as chunks are
    # asked for (-1: not yet): a chunk request then does no TIFF work. None: not kept.
    layout: np.ndarray | None = None
    grid: tuple[int, ...] = ()  # chunks per axis


class VirtualImage:
    """The virtual OME-Zarr of one parsed version of a TIFF file."""

    def __init__(self, tif: Any, name: str) -> None:
        from ..convert.source import map_axes
        from ..convert.tiff_source import _tiff_metadata

        self.tif = tif
        self.lock = threading.RLock()  # tifffile loads pages lazily through its handle
        if not tif.series:
            raise NotServableTiff("This TIFF file holds no image.")
        series = tif.series[0]
        mapping = map_axes(series.axes, tuple(series.shape))
        self.axes = mapping.target_axes
        self.dtype = np.dtype(series.dtype).newbyteorder(tif.byteorder)
        if self.dtype.kind not in "biuf":
            raise NotServableTiff(f"Pixels of type {series.dtype} cannot be served as Zarr.")
        self.levels = [self._level(series, i, mapping.keep) for i in range(len(series.levels))]
        budget = LAYOUT_CHUNKS
        for level in self.levels:
            level.grid = tuple(ceil(n / c) for n, c in zip(level.shape, level.chunks, strict=True))
            if level.passthrough and not level.striped and prod(level.grid) <= budget:
                level.layout = np.full((*level.grid, 2), -1, np.int64)
                budget -= prod(level.grid)
        self.meta = _tiff_metadata(tif, 0, self.axes)
        if not (tif.is_ome and series.name):
            self.meta.name = name
        self.zattrs = self._zattrs()

    def _level(self, series: Any, index: int, keep: tuple[str, ...]) -> _Level:
        store = series.aszarr(level=index)
        zarray = json.loads(store._store[".zarray"])
        src_shape, src_chunks = tuple(zarray["shape"]), tuple(zarray["chunks"])
        if len(src_shape) != len(keep):
            raise NotServableTiff("The axes of this TIFF's pyramid levels differ.")
        page = series.levels[index].keyframe
        by_axis = {a: (n, c) for a, n, c in zip(keep, src_shape, src_chunks, strict=True) if a}
        shape = tuple(by_axis[a][0] for a in self.axes)
        chunks = [by_axis[a][1] for a in self.axes]
        kept_chunks = [c for a, c in zip(keep, src_chunks, strict=True) if a]
        kept_axes = [a for a in keep if a]
        # The bytes of a chunk keep their order when only length-1 chunk axes move.
        in_order = [a for a, c in zip(kept_axes, kept_chunks, strict=True) if c > 1] == [
            a for a in self.axes if by_axis[a][1] > 1
        ]
        whole_bytes = int(page.bitspersample) == self.dtype.itemsize * 8
        plain = (
            in_order
            and whole_bytes
            and int(page.predictor) == 1
            and int(page.fillorder) == 1
            and page.jpegtables is None
            and series.transform is None
        )
        compression = int(page.compression)
        passthrough = plain and compression in _PASSTHROUGH
        if not passthrough:
            _check_decodable(page)
        compressor = _PASSTHROUGH[compression] if passthrough else _REENCODED
        striped = not page.is_tiled and "y" in self.axes
        rows_by_range = striped and passthrough and compression == 1 and page.planarconfig == 1
        if striped:
            y = self.axes.index("y")
            row_bytes = prod(chunks) // chunks[y] * self.dtype.itemsize
            rows = max(1, STRIP_CHUNK_BYTES // max(row_bytes, 1))
            if not rows_by_range:  # whole strips, grouped
                rows = chunks[y] * max(1, rows // chunks[y])
            elif chunks[y] <= rows:  # whole strips where they fit: one read each
                rows -= rows % chunks[y]
            chunks[y] = min(rows, shape[y])
        return _Level(
            store=store,
            keyframe=page,
            src_shape=src_shape,
            src_chunks=src_chunks,
            keep=keep,
            shape=shape,
            chunks=tuple(chunks),
            compressor=compressor,
            passthrough=passthrough,
            striped=striped,
            rows_by_range=rows_by_range,
            transform=series.transform,
        )

    # --- metadata -------------------------------------------------------------------------

    def _zattrs(self) -> dict[str, Any]:
        from ..convert.ome_zarr_out import ngff_axes, omero_metadata

        meta, base = self.meta, self.levels[0].shape
        axes = ngff_axes(meta)
        datasets = []
        for index, level in enumerate(self.levels):
            scale = [
                float(meta.scale.get(axis, 1.0))
                * (_factor(base[i], level.shape[i]) if axis in "zyx" else 1.0)
                for i, axis in enumerate(self.axes)
            ]
            datasets.append(
                {
                    "path": str(index),
                    "coordinateTransformations": [{"type": "scale", "scale": scale}],
                }
            )
        multiscale = {"version": "0.4", "name": meta.name, "axes": axes, "datasets": datasets}
        attrs: dict[str, Any] = {"multiscales": [multiscale]}
        size_c = base[self.axes.index("c")] if "c" in self.axes else 1
        attrs["omero"] = omero_metadata(meta, size_c, self._windows(size_c), self.dtype)
        attrs["omero"]["version"] = "0.4"
        return attrs

    def _windows(self, size_c: int) -> list[tuple[float, float]] | None:
        """Per-channel (min, max) of the smallest level when it is small, else None."""
        if all(channel.window for channel in self.meta.channels[:size_c]) and (
            len(self.meta.channels) >= size_c
        ):
            return None  # the file's own display ranges are used
        level = self.levels[-1]
        if prod(level.shape) * self.dtype.itemsize > SMALL_LEVEL_BYTES:
            return None
        try:
            data = self.tif.series[0].levels[len(self.levels) - 1].asarray()
        except Exception:  # a damaged level: the dtype's range, as without windows
            return None
        data = self._to_ome(np.asarray(data), level.keep, tuple(data.shape))
        if data.size == 0:
            return None
        if "c" not in self.axes:
            return [(float(data.min()), float(data.max()))]
        moved = np.moveaxis(data, self.axes.index("c"), 0).reshape(size_c, -1)
        return [(float(lo), float(hi)) for lo, hi in zip(moved.min(1), moved.max(1), strict=True)]

    def metadata(self, key: str) -> bytes | None:
        """The JSON document of a metadata key, or None."""
        if key == ".zgroup":
            return _json({"zarr_format": 2})
        if key == ".zattrs":
            return _json(self.zattrs)
        level, _, name = key.partition("/")
        if name == ".zarray" and level.isdecimal() and int(level) < len(self.levels):
            found = self.levels[int(level)]
            return _json(
                {
                    "zarr_format": 2,
                    "shape": list(found.shape),
                    "chunks": list(found.chunks),
                    "dtype": self.dtype.str,
                    "compressor": found.compressor,
                    "fill_value": 0,
                    "order": "C",
                    "filters": None,
                    "dimension_separator": "/",
                }
            )
        if name == ".zattrs" and level.isdecimal() and int(level) < len(self.levels):
            return _json({"_ARRAY_DIMENSIONS": list(self.axes)})
        return None

    def keys(self) -> list[str]:
        """The metadata keys (the share route's folder listings name no chunk: Zarr readers
        never list them; S3 listings do, through `keys_from`)."""
        found = [".zattrs", ".zgroup"]
        for index in range(len(self.levels)):
            found += [f"{index}/.zarray", f"{index}/.zattrs"]
        return found

    # --- chunks ---------------------------------------------------------------------------

    def chunk_index(self, key: str) -> tuple[int, tuple[int, ...]] | None:
        """(level, OME chunk index) of a chunk key, None when it names no chunk."""
        parts = key.split("/")
        if len(parts) < 2 or not key.replace("/", "").isdecimal() or len(key) > 80:
            return None
        level = int(parts[0])
        if level >= len(self.levels) or "" in parts:
            return None
        index = tuple(map(int, parts[1:]))
        grid = self.levels[level].grid
        if len(index) != len(grid) or any(i >= n for i, n in zip(index, grid, strict=True)):
            return None
        return level, index

    def chunk(self, level_number: int, index: tuple[int, ...], fd: int) -> bytes | None:
        """The bytes of a chunk (as `.zarray` declares them), read from `fd`; None when the
        file stores nothing there (a sparse tile: the fill value)."""
        level = self.levels[level_number]
        if level.striped:
            return _encode(level, self._striped(level, index, fd))
        if level.layout is not None:
            offset, bytecount = level.layout[index].tolist()
            if offset < 0:
                offset, bytecount = self._tile_place(level, index)
            return self._passthrough(level, fd, offset, bytecount)
        src_key = self._source_key(level, index)
        with self.lock:
            keyframe, page, chunkindex, offset, bytecount = level.store._parse_key(src_key)
        if page is None:
            return None
        if level.passthrough:
            return self._passthrough(level, fd, offset or 0, bytecount or 0)
        if not offset or not bytecount:
            return None
        data = _pread(fd, bytecount, offset)
        decoded = self._decode(level, keyframe, page, chunkindex, data)
        return _encode(level, self._to_ome(decoded, level.keep, level.src_chunks))

    def _tile_place(self, level: _Level, index: tuple[int, ...]) -> tuple[int, int]:
        """(offset, byte count) of a passed-through tile, from tifffile, kept in `layout`;
        (0, 0) for a tile the file does not store."""
        with self.lock:
            _, page, _, offset, bytecount = level.store._parse_key(self._source_key(level, index))
            place = (offset or 0, bytecount or 0) if page is not None else (0, 0)
            if level.layout is not None:
                level.layout[index] = place
        return place

    def stored_size(self, level: _Level, index: tuple[int, ...]) -> int | None:
        """The size of a passed-through chunk as served, None when the file stores none."""
        offset, bytecount = (-1, 0) if level.layout is None else level.layout[index].tolist()
        if offset < 0:
            offset, bytecount = self._tile_place(level, index)
        if not offset or not bytecount:
            return None
        return prod(level.chunks) * self.dtype.itemsize if level.compressor is None else bytecount

    def _passthrough(self, level: _Level, fd: int, offset: int, bytecount: int) -> bytes | None:
        """A stored tile as it is stored (a writer's short last tile padded): one read."""
        if not offset or not bytecount:
            return None
        data = _pread(fd, bytecount, offset)
        if level.compressor is None:
            full = prod(level.chunks) * self.dtype.itemsize
            if len(data) < full:  # a writer's short last tile
                data += bytes(full - len(data))
        return data

    def _source_key(self, level: _Level, index: tuple[int, ...], y_chunk: int | None = None) -> str:
        by_axis = dict(zip(self.axes, index, strict=True))
        if y_chunk is not None:
            by_axis["y"] = y_chunk
        return ".".join(str(by_axis[a]) if a else "0" for a in level.keep)

    def _decode(self, level: _Level, keyframe: Any, page: Any, chunkindex: int, data: bytes):
        args: dict[str, Any] = {"_fullsize": True}
        if page.jpegtables is not None:
            args["jpegtables"] = page.jpegtables
        if keyframe.jpegheader is not None:
            args["jpegheader"] = keyframe.jpegheader
        try:
            decoded = keyframe.decode(data, chunkindex, **args)[0]
        except Exception as err:  # imagecodecs lacks a codec, or the bytes are damaged
            raise NotServableTiff(f"A tile of this TIFF cannot be decoded: {err}") from None
        if decoded is None:
            raise NotServableTiff("A tile of this TIFF cannot be decoded.")
        if level.transform is not None:
            decoded = level.transform(decoded)
        return np.asarray(decoded).reshape(level.src_chunks)

    def _to_ome(self, data: np.ndarray, keep: tuple[str, ...], shape: tuple[int, ...]):
        """A block in source axis order (`shape`) as the same block in OME order."""
        data = data.reshape(shape)
        kept = tuple(i for i, a in enumerate(keep) if a)
        data = data.reshape([shape[i] for i in kept])
        names = [keep[i] for i in kept]
        return np.ascontiguousarray(data.transpose([names.index(a) for a in self.axes]))

    def _striped(self, level: _Level, index: tuple[int, ...], fd: int) -> np.ndarray:
        """A chunk of grouped strips (or of rows of uncompressed strips), in OME order."""
        y = self.axes.index("y")
        rows, strip_rows = level.chunks[y], level.src_chunks[level.keep.index("y")]
        first = index[y] * rows
        last = min(first + rows, level.shape[y])
        out = np.zeros(level.chunks, self.dtype)
        for strip in range(first // strip_rows, ceil(last / strip_rows)):
            start = max(first, strip * strip_rows)
            stop = min(last, (strip + 1) * strip_rows)
            with self.lock:
                found = level.store._parse_key(self._source_key(level, index, strip))
            keyframe, page, chunkindex, offset, bytecount = found
            if page is None or not offset or not bytecount:
                continue
            target = [slice(None)] * len(level.chunks)
            target[y] = slice(start - first, stop - first)
            if level.rows_by_range:
                row_bytes = out[tuple(target)].nbytes // (stop - start)
                skip = (start - strip * strip_rows) * row_bytes
                length = min((stop - start) * row_bytes, bytecount - skip)
                data = os.pread(fd, max(length, 0), offset + skip)
                block = np.zeros(out[tuple(target)].shape, self.dtype)
                block.reshape(-1).view("B")[: len(data)] = np.frombuffer(data, "B")
                out[tuple(target)] = block
                continue
            data = _pread(fd, bytecount, offset)
            decoded = self._decode(level, keyframe, page, chunkindex, data)
            block = self._to_ome(decoded, level.keep, level.src_chunks)
            source = [slice(None)] * len(level.chunks)
            source[y] = slice(start - strip * strip_rows, stop - strip * strip_rows)
            out[tuple(target)] = block[tuple(source)]
        return out

    def close(self) -> None:
        self.tif.close()


def _check_decodable(page: Any) -> None:
    """NotServableTiff, saying why, when tifffile has no decoder for the page's tiles."""
    import tifffile

    compression = int(page.compression)
    try:
        tifffile.TIFF.DECOMPRESSORS[compression]
    except (KeyError, ValueError):
        name = getattr(page.compression, "name", str(compression))
        raise NotServableTiff(
            f"Its tiles are compressed with {name}, which this server cannot decode."
        ) from None


def _pread(fd: int, length: int, offset: int) -> bytes:
    """`length` bytes at `offset`: FileChanged when the file ends before them."""
    data = os.pread(fd, length, offset)
    if len(data) != length:
        raise FileChanged("The file is shorter than its TIFF structure says.")
    return data


def _factor(base: int, size: int) -> float:
    """The downsampling factor from `base` to `size` pixels: a whole number when the level
    is the rounded division by one (90 -> 23 is 4, not 3.91)."""
    whole = round(base / size) if size else 1
    if whole >= 1 and size in (base // whole, -(-base // whole)):
        return float(whole)
    return base / size if size else 1.0


def _encode(level: _Level, block: np.ndarray) -> bytes:
    data = np.ascontiguousarray(block).tobytes()
    if level.compressor is None:
        return data
    if level.compressor["id"] == "zstd":
        import numcodecs

        return bytes(numcodecs.Zstd(level=1).encode(data))
    return zlib.compress(data, ZLIB_LEVEL)


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=1).encode()


class _Cache:
    """Parsed TIFF versions (few) and encoded chunks (bounded in bytes), least recent out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.images: OrderedDict[Identity, VirtualImage] = OrderedDict()
        self.chunks: OrderedDict[tuple[Identity, int, tuple[int, ...]], bytes] = OrderedDict()
        self.chunk_bytes = 0

    def image(self, identity: Identity, fd: int, name: str) -> VirtualImage:
        with self.lock:
            if identity in self.images:
                self.images.move_to_end(identity)
                return self.images[identity]
        image = _parse(fd, name)
        with self.lock:
            if identity in self.images:  # another thread parsed it meanwhile
                image.close()
                return self.images[identity]
            self.images[identity] = image
            while len(self.images) > PARSED_FILES:
                _, old = self.images.popitem(last=False)
                old.close()
                self._forget_chunks()
        return image

    def _forget_chunks(self) -> None:
        for key in [k for k in self.chunks if k[0] not in self.images]:
            self.chunk_bytes -= len(self.chunks.pop(key))

    def get_chunk(self, key: tuple[Identity, int, tuple[int, ...]]) -> bytes | None:
        with self.lock:
            found = self.chunks.get(key)
            if found is not None:
                self.chunks.move_to_end(key)
            return found

    def put_chunk(self, key: tuple[Identity, int, tuple[int, ...]], data: bytes) -> None:
        if len(data) > CACHE_BYTES // 4:
            return
        with self.lock:
            if key not in self.chunks:
                self.chunks[key] = data
                self.chunk_bytes += len(data)
            while self.chunk_bytes > CACHE_BYTES:
                _, old = self.chunks.popitem(last=False)
                self.chunk_bytes -= len(old)


_CACHE = _Cache()


def _parse(fd: int, name: str) -> VirtualImage:
    """Parse the TIFF open as `fd` (through its own duplicate descriptor, kept open)."""
    import tifffile

    if os.pread(fd, 4, 0) not in TIFF_MAGICS:
        raise NotServableTiff(f"{name} is not a TIFF file (its first bytes are no TIFF header).")
    handle = open(os.dup(fd), "rb")  # noqa: SIM115 - the VirtualImage closes it
    try:
        tif = tiff_from_handle(handle, name)
    except (tifffile.TiffFileError, struct.error, EOFError, ValueError) as err:
        handle.close()
        raise NotServableTiff(f"{name} is a damaged TIFF file: {err}") from None
    try:
        return VirtualImage(tif, name)
    except NotServableTiff:
        tif.close()
        raise
    except Exception as err:  # tifffile raises many types on odd files
        tif.close()
        raise NotServableTiff(f"{name} cannot be served as OME-Zarr: {err}") from None


def _identity(info: os.stat_result) -> Identity:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def respond(
    server: ShareServer,
    token: str,
    file_subpath: str,
    key: str,
    request_headers: Mapping[str, str],
    *,
    with_body: bool,
) -> ShareResponse | None:
    """The share route's answer for `key` of the virtual image of the TIFF at `file_subpath`
    (opened as every shared file is); None when that path is a folder (then the path is
    an ordinary one). Raises NotFound for a key that names nothing (a Zarr reader's probe,
    a chunk outside the image), NotServableTiff, FileChanged."""
    from .serving import SharedDirectory, ShareResponse

    shared = server.open(token, file_subpath)
    if isinstance(shared, SharedDirectory):
        shared.close()
        return None
    with shared.file:
        fd = shared.file.fileno()
        identity = _identity(shared.info)
        name = file_subpath.rpartition("/")[2] or shared.link.path.rpartition("/")[2]
        image = _CACHE.image(identity, fd, name)
        if key in ("", ".") and server.directory_listing:
            return ShareResponse(listing=_listing(image, ""))
        body = image.metadata(key)
        content_type = "application/json"
        if body is None:
            found = image.chunk_index(key)
            if found is None:
                if server.directory_listing and _is_level(image, key):
                    return ShareResponse(listing=_listing(image, key))
                raise NotFound(f"'{key}' is not a key of this image.")
            level = image.levels[found[0]]
            decoded = level.striped or not level.passthrough  # worth keeping once encoded
            cache_key = (identity, found[0], found[1])
            body = _CACHE.get_chunk(cache_key) if decoded else None
            if body is None:
                body = image.chunk(found[0], found[1], fd)
                if body is None:
                    raise NotFound(f"'{key}' is not stored: it holds the fill value.")
                if _identity(os.fstat(fd)) != identity:
                    raise FileChanged("The file changed while it was read; please retry.")
                if decoded:
                    _CACHE.put_chunk(cache_key, body)
            content_type = "application/octet-stream"
    virtual = VirtualDocument(shared.link, body, shared.info, content_type)
    plan = plan_response(virtual, request_headers)  # type: ignore[arg-type]
    whole = plan.offset == 0 and plan.length == len(body)
    first = (body if whole else body[plan.offset : plan.offset + plan.length]) if with_body else b""
    return ShareResponse(file=virtual, plan=plan, first_block=first)  # type: ignore[arg-type]


def parsed_version(
    server: ShareServer, token: str, file_subpath: str
) -> tuple[os.stat_result, VirtualImage] | None:
    """The TIFF's stat and its virtual image (opened as `respond` opens it, for listings),
    or None when the path is a folder. Raises as `respond` does."""
    from .serving import SharedDirectory

    shared = server.open(token, file_subpath)
    if isinstance(shared, SharedDirectory):
        shared.close()
        return None
    with shared.file:
        name = file_subpath.rpartition("/")[2] or shared.link.path.rpartition("/")[2]
        image = _CACHE.image(_identity(shared.info), shared.file.fileno(), name)
        return shared.info, image


def keys_from(image: VirtualImage, low: str) -> Iterator[tuple[str, int | None]]:
    """The virtual image's keys from `low` on (inclusive), in S3's byte order, each with
    its size, or None for a chunk the file does not store (a reader's 404). Chunks are
    listed for passed-through levels only: the size of a re-encoded chunk is known only by
    encoding it. Lazy: a caller reads one page of it, whatever the image's size."""
    names = sorted([".zattrs", ".zgroup", *(f"{i}/" for i in range(len(image.levels)))])
    for name in names:
        if not name.endswith("/"):
            if name >= low:
                yield name, len(image.metadata(name) or b"")
            continue
        if name < low and not low.startswith(name):
            continue  # every key of the level sorts before `low`
        for meta in (".zarray", ".zattrs"):
            if name + meta >= low:
                yield name + meta, len(image.metadata(name + meta) or b"")
        level = image.levels[int(name[:-1])]
        if level.passthrough and not level.striped:
            yield from _chunk_keys(image, level, name, (), low)


def _chunk_keys(
    image: VirtualImage, level: _Level, prefix: str, index: tuple[int, ...], low: str
) -> Iterator[tuple[str, int | None]]:
    names = _sorted_names(level.grid[len(index)])
    start = 0
    if low > prefix:  # some keys of this folder may sort before `low`
        if not low.startswith(prefix):
            return
        start = bisect_left(names, low[len(prefix) :].partition("/")[0])
    last = len(index) + 1 == len(level.grid)
    for name in names[start:]:
        here = (*index, int(name))
        if not last:
            yield from _chunk_keys(image, level, f"{prefix}{name}/", here, low)
        elif prefix + name >= low:
            yield prefix + name, image.stored_size(level, here)


@lru_cache(maxsize=8)
def _sorted_names(count: int) -> list[str]:
    """0 .. count - 1 as names, in byte order (0, 1, 10, 11, ..., 2, ...)."""
    return sorted(map(str, range(count)))


def virtual_summary(path: Path, within: Any) -> dict[str, Any]:
    """The metadata summary (`formats.summary.summarize`, as for an OME-Zarr on disk) of the
    virtual image of the TIFF at `path` (read inside `within`), for the Share tab's viewers
    and snippets: its metadata documents are written to a temporary folder and summarized
    there, so the viewers read it through the one dataset model. Raises NotServableTiff."""
    import tempfile

    from ..formats.summary import summarize
    from ..system.confined_io import open_file

    with open_file(path, within) as handle:
        fd = handle.fileno()
        image = _CACHE.image(_identity(os.fstat(fd)), fd, path.name)
        documents = {key: image.metadata(key) or b"" for key in image.keys()}
    with tempfile.TemporaryDirectory(prefix="fileglancer-virtual-") as folder:
        root = Path(folder) / VIRTUAL_NAME
        for key, body in documents.items():
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            (root / key).write_bytes(body)
        summary = summarize(root)
    summary.pop("raw", None)
    return summary


def _is_level(image: VirtualImage, key: str) -> bool:
    return key.strip("/").isdecimal() and int(key.strip("/")) < len(image.levels)


def _listing(image: VirtualImage, key: str) -> dict[str, Any]:
    """A share-route folder listing of the virtual image's root or of a level's folder."""
    prefix = key.strip("/")
    entries: dict[str, dict[str, Any]] = {}
    for found in image.keys():
        if prefix and not found.startswith(prefix + "/"):
            continue
        name, _, rest = found[len(prefix) + 1 if prefix else 0 :].partition("/")
        if rest:
            entries.setdefault(name, {"name": name, "kind": "directory", "size": 0})
        else:
            size = len(image.metadata(found) or b"")
            entries[name] = {"name": name, "kind": "file", "size": size}
    return {
        "path": prefix,
        "entries": sorted(entries.values(), key=lambda e: e["name"]),
        "truncated": False,
    }


class VirtualDocument:
    """A key of the virtual image as the share route sends a file (`SharedFile`'s fields):
    its ETag is the TIFF's (inode, size, mtime) and the virtual marker, so it changes with
    the file, and differs from the file's own."""

    def __init__(self, link: Any, body: bytes, info: os.stat_result, content_type: str) -> None:
        self.link = link
        self.body = body
        self.size = len(body)
        self.mtime = info.st_mtime
        self.content_type = content_type
        self.etag = f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}-z"'

    def read(self, offset: int, length: int) -> bytes:
        return self.body[offset : offset + length]

    def close(self) -> None:
        pass
