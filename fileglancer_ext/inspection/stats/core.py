"""Storage statistics of a dataset: bytes on disk, files, chunks present and expected, ratio.

`compute_stats(path)` answers, for a Zarr v2/v3 array, a Zarr group, an OME-Zarr pyramid
(per level, largest first, and in total), an N5 dataset, a plain folder or a file:

- `stored_bytes`: the sum of the files' sizes (st_size; symlinks count as themselves);
  `dir_bytes`: the folders' own sizes, so that `stored_bytes + dir_bytes` is `du -sb`;
  `allocated_bytes`: files' and folders' st_blocks * 512, as `du -s --block-size=1`.
  Hard links count once per name here (du counts them once).
- `files`, `dirs`: how many; `unreadable`: entries and folders that could not be read
  (permission denied, vanished during the walk), left out of every figure.
- `chunk_files`, `chunk_bytes`: the files that are chunks or shards, i.e. neither metadata
  files (`METADATA_NAMES`) nor hidden (".DS_Store"). None for what is no Zarr/N5 data.
- `chunks_expected`: the cells of the chunk grid from the array metadata (for sharded
  Zarr v3: shards, since the chunk grid then is the shard grid); `chunks_missing`:
  expected minus present (never below 0). Missing chunks are legal: they read as fill value.
- `logical_bytes`: prod(shape) * itemsize; `compression_ratio`: logical / chunk bytes,
  None without chunks or without a known item size (variable-length strings, extensions).
- `levels` (OME-Zarr images only): one dict per level of the first multiscale, largest first
  as the dataset model (`formats.model.read_ngff_image`) orders them, with `path` (always a
  string) and the same figures. The totals count the whole tree (group
  metadata, labels...); their `chunks_expected` and `logical_bytes` sum the levels, and their
  ratio is the levels' logical bytes over the levels' chunk bytes.

The walk (`stats_walk.py`) lstats each entry once, follows no symlink and opens no chunk:
a symlink counts as itself (its own size), never as the file it points to. Only metadata
documents are read, through `confined_io` and only inside `within` (the server passes the
root's, as meta and thumbnails read; the CLI, which has no roots, the walked folder's own):
one that is a FIFO, device or socket, or that leads out of `within`, is left unread (the
figures then lack what it would have said). Given a `WalkPool`, a large walk is spread over its
worker processes.
`scan_stats` also returns every folder's mtime stamp, which `StatsService` (in
`service.py`) uses to tell whether a cached result still holds.
"""

from __future__ import annotations

import math
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...formats.detect import KINDS, detect_kind
from ...formats.jsonio import MetadataReader, child
from ...formats.model import (
    ZarrArray,
    is_n5_dataset,
    n5_dataset,
    read_ngff_image,
    read_zarr_array,
)
from ...formats.n5 import scale_level_names
from ...system.confined_io import ANYWHERE, Within
from .walk import (
    PARALLEL_AFTER,
    Cancelled,
    PooledStats,
    Progress,
    Tally,
    Walk,
    WalkPool,
    walk_in_parallel,
)

METADATA_NAMES = frozenset(
    {".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json", "attributes.json"}
)
# Kinds whose non-metadata files are chunks (every Zarr and N5 kind of formats.detect);
# for anything else the chunk figures are None.
CHUNKED_KINDS = frozenset(KINDS) - {"directory", "file", "tiff", "ome-tiff", "tiff-series"}


@dataclass(frozen=True)
class StatsResult:
    """A computed answer: `data` (the JSON dict), every folder's (path, mtime_ns) seen, and
    when the walk started (time.time_ns(), before the first stat)."""

    data: dict[str, Any]
    stamps: list[tuple[str, int]]
    started_ns: int


def compute_stats(path: Path | str, within: Within | None = None) -> dict[str, Any]:
    """The statistics of the file or folder at `path` (see the module docstring); metadata
    read only inside `within` (None: the folder itself, e.g. for the CLI).

    Raises FileNotFoundError / NotADirectoryError when `path` does not exist and
    PermissionError when it cannot be read itself; unreadable parts inside are counted
    in `unreadable` instead.
    """
    return scan_stats(path, within=within).data


def scan_stats(
    path: Path | str,
    progress: Progress | None = None,
    pool: WalkPool | None = None,
    *,
    within: Within | None = None,
) -> StatsResult:
    """`compute_stats`, plus the folder stamps; reports into (and is cancelled by) `progress`.

    Metadata is read only inside `within`: the server passes the dataset's root's
    (`RootRegistry.within`), so a document symlinked to a sibling folder of the root counts
    as it does for meta; None (the CLI: no roots) confines it to the walked folder itself.

    With a `pool`, a walk past `PARALLEL_AFTER` entries goes on in its worker processes.
    Raises `Cancelled` when `progress.cancel` is set during the walk.
    """
    started_ns = time.time_ns()
    started = time.perf_counter()
    root = os.path.normpath(os.fspath(path))
    st = os.lstat(root)
    if not stat.S_ISDIR(st.st_mode):
        file_stats = _file_stats(root, st, within or Within.folders(root))
        return StatsResult(file_stats, [(root, st.st_mtime_ns)], started_ns)
    os.scandir(root).close()  # PermissionError for the dataset itself, before any work
    within = within or Within.folders(root)
    kind = detect_kind(Path(root), is_dir=True, within=within).kind
    array = read_array_info(root, within)
    levels = multiscale_levels(root, within) if array is None else []
    level_dirs = {os.path.normpath(os.path.join(root, p)): i + 1 for i, (p, _) in enumerate(levels)}
    walk = Walk(len(levels) + 1, level_dirs, METADATA_NAMES, progress)
    walk.start(root, st)
    if pool is None:
        walk.run()
    else:
        _walk_with(walk, pool)
    data = _summarize(kind, array, levels, walk)
    data["elapsed"] = round(time.perf_counter() - started, 6)
    return StatsResult(data, walk.stamps, started_ns)


def _walk_with(walk: Walk, pool: WalkPool) -> None:
    """In process until `PARALLEL_AFTER` entries and the pool's workers are up (the files of
    a huge folder stat-ed by the pool meanwhile, once it is up), then the rest of the tree
    in the workers."""
    walk.spill = PooledStats(walk, pool)
    try:
        walk.run(max_entries=PARALLEL_AFTER)
        if walk.stack:
            pool.start()
        while walk.stack and not pool.ready:  # the first time, workers take a while
            walk.run(max_entries=PARALLEL_AFTER)
        if walk.stack:
            walk_in_parallel(walk, pool)
        walk.spill.finish()
    finally:
        walk.spill.cancel()


# --- metadata -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrayInfo:
    """What the chunk figures need from an array's metadata. `grid` is the chunk shape
    (the shard shape for sharded Zarr v3); `itemsize` None when not fixed or unknown."""

    format: str  # "zarr2", "zarr3", "n5"
    shape: tuple[int, ...]
    grid: tuple[int, ...] | None
    itemsize: int | None
    sharded: bool = False

    @property
    def chunks_expected(self) -> int | None:
        if self.grid is None or len(self.grid) != len(self.shape) or min(self.grid, default=1) < 1:
            return None
        return math.prod(
            -(-size // chunk) for size, chunk in zip(self.shape, self.grid, strict=True)
        )

    @property
    def logical_bytes(self) -> int | None:
        return None if self.itemsize is None else math.prod(self.shape) * self.itemsize


def read_array_info(folder: str, within: Within = ANYWHERE) -> ArrayInfo | None:
    """The array metadata in `folder` (zarr.json, .zarray or N5 attributes.json), or None
    when it holds no array or the metadata is unusable (or not readable inside `within`)."""
    reader = MetadataReader(Path(folder), within)
    array = read_zarr_array(reader, Path(folder), keep_raw=False)
    if array is not None:
        return _zarr_array_info(array)
    doc = reader.read_object(Path(folder) / "attributes.json", keep_raw=False)
    if doc is None or not is_n5_dataset(doc):
        return None
    n5 = n5_dataset(reader, Path(folder), doc)
    if n5.dimensions is None:
        return None
    return ArrayInfo("n5", n5.dimensions, n5.block_size, n5.itemsize or None)


def _zarr_array_info(array: ZarrArray) -> ArrayInfo | None:
    if array.shape is None:
        return None
    # The files on disk: shards when sharded (the chunk grid then is the shard grid).
    grid = array.shards if array.shards is not None else array.chunks
    fmt = "zarr3" if array.zarr_format == 3 else "zarr2"
    return ArrayInfo(fmt, array.shape, grid, _fixed_itemsize(array), array.shards is not None)


def _fixed_itemsize(array: ZarrArray) -> int | None:
    """Bytes per element, None when not fixed: objects and variable-length strings hold
    pointers in memory, their size on disk is not the element count times anything."""
    dtype = array.numpy_dtype
    if dtype is None or dtype.hasobject or not dtype.itemsize:
        return None
    return array.itemsize


def multiscale_levels(folder: str, within: Within = ANYWHERE) -> list[tuple[str, ArrayInfo | None]]:
    """The levels of the first multiscale in `folder`, largest first, each as its path and
    its array's figures, read once (`read_ngff_image` reads each level's array and decides
    every tolerance: numeric paths, levels listed out of order, NGFF 0.5's
    `attributes.ome`). Paths that lead outside the image or repeat are left out. For an N5
    group, its `sN` scale-level datasets. [] for anything else.
    """
    reader = MetadataReader(Path(folder), within)
    n5_group = reader.read_object(Path(folder) / "attributes.json", keep_raw=False)
    if n5_group is not None and "dimensions" not in n5_group:
        return _n5_levels(folder, within)
    image = read_ngff_image(reader, Path(folder))
    levels: dict[str, ArrayInfo | None] = {}
    for level in image.levels if image is not None else ():
        path = level.path.strip("/")
        if child(reader, Path(folder), path) is not None and path not in levels:
            levels[path] = _zarr_array_info(level.array) if level.array is not None else None
    return list(levels.items())


def _n5_levels(folder: str, within: Within) -> list[tuple[str, ArrayInfo | None]]:
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    levels = scale_level_names(names)
    infos = ((name, read_array_info(os.path.join(folder, name), within)) for name in levels)
    return [(name, info) for name, info in infos if info]


# --- results --------------------------------------------------------------------------------


def _figures(tally: Tally, array: ArrayInfo | None, chunked: bool) -> dict[str, Any]:
    """The JSON figures of one tally; chunk figures from `array` when known."""
    expected = array.chunks_expected if array is not None else None
    logical = array.logical_bytes if array is not None else None
    return {
        "stored_bytes": tally.stored,
        "allocated_bytes": tally.blocks * 512,
        "dir_bytes": tally.dir_bytes,
        "files": tally.files,
        "dirs": tally.dirs,
        "chunk_files": tally.chunk_files if chunked else None,
        "chunk_bytes": tally.chunk_bytes if chunked else None,
        "chunks_expected": expected,
        "chunks_missing": None if expected is None else max(0, expected - tally.chunk_files),
        "logical_bytes": logical,
        "compression_ratio": _ratio(logical, tally.chunk_bytes),
    }


def _ratio(logical: int | None, chunk_bytes: int) -> float | None:
    if logical is None or chunk_bytes <= 0:
        return None
    try:
        return logical / chunk_bytes
    except OverflowError:  # a shape of 10**400 elements: no float holds the ratio
        return None


def _summarize(
    kind: str,
    array: ArrayInfo | None,
    level_paths: list[tuple[str, ArrayInfo | None]],
    walk: Walk,
) -> dict[str, Any]:
    chunked = kind in CHUNKED_KINDS
    total = Tally()
    for tally in walk.tallies:
        total.add(tally)
    data = {"kind": kind, **_figures(total, array, chunked), "unreadable": walk.unreadable}
    data["sharded"] = array.sharded if array is not None else None
    data["levels"] = None
    if not level_paths:
        return data
    levels = []
    for index, (level_path, info) in enumerate(level_paths, start=1):
        levels.append({"path": level_path, **_figures(walk.tallies[index], info, True)})
    data["levels"] = levels
    expected = [lv["chunks_expected"] for lv in levels if lv["chunks_expected"] is not None]
    known = [lv for lv in levels if lv["logical_bytes"] is not None]
    data["chunks_expected"] = sum(expected) if expected else None
    data["chunks_missing"] = sum(lv["chunks_missing"] or 0 for lv in levels) if expected else None
    data["logical_bytes"] = sum(lv["logical_bytes"] for lv in known) if known else None
    data["compression_ratio"] = _ratio(
        data["logical_bytes"], sum(lv["chunk_bytes"] for lv in known)
    )
    return data


def _file_stats(path: str, st: os.stat_result, within: Within) -> dict[str, Any]:
    """A single file (or symlink, not followed): its own figures, no chunks."""
    tally = Tally()
    tally.files, tally.stored, tally.blocks = 1, st.st_size, st.st_blocks
    if stat.S_ISLNK(st.st_mode):
        kind = "file"
    else:
        kind = detect_kind(Path(path), is_dir=False, within=within).kind
    data = {"kind": kind, **_figures(tally, None, False), "unreadable": 0}
    return {**data, "sharded": None, "levels": None, "elapsed": 0.0}


__all__ = [
    "CHUNKED_KINDS",
    "METADATA_NAMES",
    "ArrayInfo",
    "Cancelled",
    "Progress",
    "StatsResult",
    "compute_stats",
    "multiscale_levels",
    "read_array_info",
    "scan_stats",
]
