"""Storage statistics of a dataset: bytes on disk, files, chunks present and expected, ratio.

`compute_stats(path)` answers, for a Zarr v2/v3 array, a Zarr group, an OME-Zarr pyramid
(per level, in the declared order, and in total), an N5 dataset, a plain folder or a file:

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
- `levels` (OME-Zarr images only): one dict per `multiscales[0].datasets[]` entry, in the
  declared order, with `path` and the same figures. The totals count the whole tree (group
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
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...formats.detect import MAX_METADATA_BYTES, detect_kind
from ...formats.n5 import scale_level_names
from ...formats.zarr_meta import int_list
from ...system.confined_io import ANYWHERE, Within, read_json
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
# Kinds whose non-metadata files are chunks; for anything else the chunk figures are None.
CHUNKED_KINDS = frozenset(
    {
        "zarr-array",
        "zarr-group",
        "ome-zarr",
        "ome-zarr-plate",
        "ome-zarr-well",
        "ome-zarr-labels",
        "bioformats2raw",
        "n5-array",
        "n5-group",
    }
)
_RAW_BITS = re.compile(r"r([0-9]+)")


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
    level_paths = multiscale_paths(root, within) if array is None else []
    level_dirs = {os.path.normpath(os.path.join(root, p)): i + 1 for i, p in enumerate(level_paths)}
    walk = Walk(len(level_paths) + 1, level_dirs, METADATA_NAMES, progress)
    walk.start(root, st)
    if pool is None:
        walk.run()
    else:
        _walk_with(walk, pool)
    data = _summarize(kind, array, level_paths, walk, root, within)
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
    doc = _read_json(os.path.join(folder, "zarr.json"), within)
    if doc is not None:
        return _zarr3_info(doc) if doc.get("node_type") == "array" else None
    doc = _read_json(os.path.join(folder, ".zarray"), within)
    if doc is not None:
        return _zarr2_info(doc)
    doc = _read_json(os.path.join(folder, "attributes.json"), within)
    if doc is not None and "dimensions" in doc and "dataType" in doc:
        return _n5_info(doc)
    return None


def _zarr3_info(doc: dict[str, Any]) -> ArrayInfo | None:
    shape = _int_tuple(doc.get("shape"))
    if shape is None:
        return None
    grid_doc = doc.get("chunk_grid")
    config = grid_doc.get("configuration") if isinstance(grid_doc, dict) else None
    grid = _int_tuple(config.get("chunk_shape"), low=1) if isinstance(config, dict) else None
    codecs = doc.get("codecs")
    sharded = isinstance(codecs, list) and any(
        isinstance(codec, dict) and codec.get("name") == "sharding_indexed" for codec in codecs
    )
    return ArrayInfo("zarr3", shape, grid, _itemsize(doc.get("data_type")), sharded)


def _zarr2_info(doc: dict[str, Any]) -> ArrayInfo | None:
    shape = _int_tuple(doc.get("shape"))
    if shape is None:
        return None
    grid = _int_tuple(doc.get("chunks"), low=1)
    return ArrayInfo("zarr2", shape, grid, _itemsize(doc.get("dtype")))


def _n5_info(doc: dict[str, Any]) -> ArrayInfo | None:
    shape = _int_tuple(doc.get("dimensions"))
    if shape is None:
        return None
    grid = _int_tuple(doc.get("blockSize"), low=1)
    return ArrayInfo("n5", shape, grid, _itemsize(doc.get("dataType")))


def _itemsize(dtype: Any) -> int | None:
    """Bytes per element of a Zarr v2/v3 or N5 data type; None when not fixed or unknown."""
    if isinstance(dtype, str):
        raw = _RAW_BITS.fullmatch(dtype)  # Zarr v3 raw bits, "r16"
        if raw:
            bits = int(raw[1])
            return bits // 8 if bits % 8 == 0 else None
    elif isinstance(dtype, list):  # Zarr v2 structured: [["x", "<u2"], ["y", "<f4", [2]]]
        if not all(isinstance(f, list) for f in dtype):
            return None  # not a structured type numpy could read
        dtype = [tuple(_tuples(f)) for f in dtype]
    else:
        return None  # a v3 extension data type ({"name": ...}): not ours to size
    try:
        parsed = np.dtype(dtype)
    except (TypeError, ValueError):
        return None
    if parsed.hasobject or parsed.itemsize == 0:  # objects, variable-length strings
        return None
    return int(parsed.itemsize)


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _int_tuple(value: Any, *, low: int = 0) -> tuple[int, ...] | None:
    found = int_list(value, low=low)  # the inspector's bounds: no overflow, no zero chunk
    return None if found is None else tuple(found)


def multiscale_paths(folder: str, within: Within = ANYWHERE) -> list[str]:
    """The dataset paths of the first multiscale in `folder`, in their declared order.

    From .zattrs (OME-NGFF <= 0.4) or zarr.json `attributes.ome` (0.5). Paths that are
    absolute, climb out with "..", or repeat are left out. For an N5 group, its `sN`
    scale-level datasets. [] for anything else.
    """
    n5_group = _read_json(os.path.join(folder, "attributes.json"), within)
    if n5_group is not None and "dimensions" not in n5_group:
        return _n5_levels(folder, within)
    attrs = _read_json(os.path.join(folder, "zarr.json"), within)
    if attrs is not None:
        attributes = attrs.get("attributes")
        attributes = attributes if isinstance(attributes, dict) else {}
        ome = attributes.get("ome")
        attrs = ome if isinstance(ome, dict) else attributes
    else:
        attrs = _read_json(os.path.join(folder, ".zattrs"), within) or {}
    multiscales = attrs.get("multiscales")
    if not isinstance(multiscales, list) or not multiscales:
        return []
    first = multiscales[0]
    datasets = first.get("datasets") if isinstance(first, dict) else None
    paths: list[str] = []
    for dataset in datasets if isinstance(datasets, list) else []:
        path = dataset.get("path") if isinstance(dataset, dict) else None
        if isinstance(path, int | float) and not isinstance(path, bool):
            path = str(path)  # some writers store "0" as a number
        if not isinstance(path, str):
            continue
        path = path.strip("/")
        if path and ".." not in path.split("/") and path not in paths:
            paths.append(path)
    return paths


def _n5_levels(folder: str, within: Within) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    levels = scale_level_names(names)
    return [n for n in levels if read_array_info(os.path.join(folder, n), within)]


def _read_json(path: str, within: Within) -> dict[str, Any] | None:
    """A small JSON object from disk; None when absent, too large, unreadable (a FIFO, a
    symlink out of `within`) or no object."""
    try:
        doc = read_json(path, within, limit=MAX_METADATA_BYTES)
    except (OSError, ValueError, RecursionError):  # TooLarge is a ValueError
        return None
    return doc if isinstance(doc, dict) else None


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
    level_paths: list[str],
    walk: Walk,
    root: str,
    within: Within,
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
    for index, level_path in enumerate(level_paths, start=1):
        info = read_array_info(os.path.join(root, level_path), within)
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
    "multiscale_paths",
    "read_array_info",
    "scan_stats",
]
