"""Decoded chunks shared by the viewer's tiles: a bytes-bounded, thread-safe LRU.

Neighbouring 256-px tiles of one level usually fall in the same chunks (a 1024 x 1024
chunk lies under 16 tiles), and the viewer asks for them in parallel. `CachedLevel` wraps
one level's array (zarr, N5 through tensorstore, TIFF through tifffile's Zarr store) and
reads a selection chunk by chunk through `CHUNK_CACHE`: each chunk is decoded once, by one
thread (the others asking for it at the same moment wait for it), and kept until the
cache's byte bound pushes it out, least recently used first.

A chunk's key holds the identity of the file it was decoded from (device, inode, size,
mtime and ctime in ns, `file_identity`), taken again by a `stat` at every read: a chunk
file rewritten, replaced, written for the first time or deleted gets a new key, so the
viewer never shows stale pixels. Cached values are read-only NumPy arrays; a read hands
out a fresh array.

Why our own: zarr-python 3 caches no decoded chunks (`zarr.experimental.cache_store.
CacheStore` keeps encoded bytes, expired by age, blind to a rewritten file), and
tensorstore's `cache_pool` only serves tensorstore's drivers (here N5 alone) within one
`Context`, keyed by its kvstore's generation, which the confined in-memory copy of each
request (`thumbnails.n5.N5Array`) renews; tifffile has none. One cache over all three
readers has one bound, one set of counters and one rule for staleness.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_MAX_BYTES = 256 * 2**20
# A chunk larger than this share of the cache is kept only for the planes (z, c, t) read.
WHOLE_CHUNK_SHARE = 16

Identity = tuple[int, int, int, int, int] | None


def file_identity(path: str | os.PathLike[str]) -> Identity:
    """(device, inode, size, mtime_ns, ctime_ns) of the file at `path`; None when absent
    (a missing chunk reads as the fill value, until it is written)."""
    try:
        return stat_identity(os.stat(path))
    except (FileNotFoundError, NotADirectoryError):
        return None


def stat_identity(found: os.stat_result) -> Identity:
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


@dataclass(frozen=True)
class CacheStats:
    hits: int  # chunks served without decoding (including waits for another thread's read)
    misses: int  # chunks decoded
    evictions: int
    entries: int
    bytes: int
    max_bytes: int


class _Pending:
    """A chunk being decoded by one thread; the others wait for `done`."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: np.ndarray | None = None


class ChunkCache:
    """Decoded chunks by key, at most `max_bytes` of them (0: no caching)."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self._bytes = 0
        self._max_bytes = max_bytes
        self._hits = self._misses = self._evictions = 0

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    def resize(self, max_bytes: int) -> None:
        with self._lock:
            self._max_bytes = max(0, max_bytes)
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self._hits = self._misses = self._evictions = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                self._hits,
                self._misses,
                self._evictions,
                len(self._items),
                self._bytes,
                self._max_bytes,
            )

    def get(self, key: Hashable, read: Callable[[], Any]) -> np.ndarray:
        """The chunk at `key`, from the cache or from `read()` (by one thread at a time)."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self._hits += 1
                return found
            pending = self._pending.get(key)
            owner = pending is None
            if pending is None:
                pending = self._pending[key] = _Pending()
        if not owner:
            pending.done.wait()
            if pending.value is not None:
                with self._lock:
                    self._hits += 1
                return pending.value
            return self._decoded(read)  # the owner failed: try (and fail) on our own
        value = None
        try:
            value = self._decoded(read)
        finally:
            with self._lock:
                del self._pending[key]
                if value is not None:
                    self._misses += 1
                    if value.nbytes <= self._max_bytes:
                        self._items[key] = value
                        self._bytes += value.nbytes
                        self._evict()
            pending.value = value
            pending.done.set()
        return value

    @staticmethod
    def _decoded(read: Callable[[], Any]) -> np.ndarray:
        value = np.array(read())  # a copy: no view into a reader's buffer
        value.setflags(write=False)
        return value

    def _evict(self) -> None:
        while self._bytes > self._max_bytes and self._items:
            _, value = self._items.popitem(last=False)
            self._bytes -= value.nbytes
            self._evictions += 1


CHUNK_CACHE = ChunkCache()


class CachedLevel:
    """One level's `array` (shape, dtype, NumPy basic selections) read through `cache`,
    one chunk of shape `chunks` at a time. `source(index)` names what chunk `index` is
    decoded from, its file's identity included (`file_identity`); `key` names the level
    (its folder or file, the reader's confinement, ...)."""

    def __init__(
        self,
        array: Any,
        chunks: tuple[int, ...],
        key: Hashable,
        source: Callable[[tuple[int, ...]], Hashable],
        cache: ChunkCache = CHUNK_CACHE,
    ) -> None:
        self.array, self.chunks, self.key = array, chunks, key
        self.source, self.cache = source, cache
        self.shape = tuple(int(n) for n in array.shape)
        self.dtype = np.dtype(array.dtype)

    def __getitem__(self, selection: tuple) -> np.ndarray:
        ranges = self._ranges(selection)
        if ranges is None or self.cache.max_bytes == 0:
            return np.asarray(self.array[selection])
        planes = math.prod(self.chunks) * self.dtype.itemsize > (
            self.cache.max_bytes // WHOLE_CHUNK_SHARE
        )
        out = np.empty(tuple(b - a for a, b, kept in ranges if kept), self.dtype)
        per_axis = [
            range(a // c, (b - 1) // c + 1)
            for (a, b, _), c in zip(ranges, self.chunks, strict=True)
        ]
        for index in itertools.product(*per_axis):
            box = []
            for (a, b, kept), c, k, n in zip(ranges, self.chunks, index, self.shape, strict=True):
                # A large chunk is kept only for the planes read along the integer axes.
                box.append((a, b) if planes and not kept else (k * c, min(n, (k + 1) * c)))
            chunk = self._chunk(index, tuple(box))
            source, target = [], []
            for (a, b, kept), (lo, hi) in zip(ranges, box, strict=True):
                start, stop = max(a, lo), min(b, hi)
                if kept:
                    source.append(slice(start - lo, stop - lo))
                    target.append(slice(start - a, stop - a))
                else:
                    source.append(start - lo)
            out[tuple(target)] = chunk[tuple(source)]
        return out

    def _chunk(self, index: tuple[int, ...], box: tuple[tuple[int, int], ...]) -> np.ndarray:
        key = (self.key, index, box, self.source(index))
        region = tuple(slice(lo, hi) for lo, hi in box)
        return self.cache.get(key, lambda: self.array[region])

    def _ranges(self, selection: tuple) -> list[tuple[int, int, bool]] | None:
        """(start, stop, axis kept) per axis; None when `selection` is not one integer or
        step-1 slice per axis selecting something (it is then read without the cache)."""
        if not isinstance(selection, tuple) or len(selection) != len(self.shape):
            return None
        ranges = []
        for item, size in zip(selection, self.shape, strict=True):
            if isinstance(item, slice):
                start, stop, step = item.indices(size)
                if step != 1 or stop <= start:
                    return None
                ranges.append((start, stop, True))
            elif isinstance(item, int | np.integer) and -size <= item < size:
                ranges.append((int(item) % size, int(item) % size + 1, False))
            else:
                return None
        return ranges
