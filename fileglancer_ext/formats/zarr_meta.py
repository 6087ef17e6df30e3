"""Zarr v2 and v3 metadata: bounded reading, array summaries and group member listings.

Everything here reads metadata documents only, never chunks. `MetadataReader` is shared by
the OME and N5 summaries: it reads JSON files bounded by `MAX_METADATA_BYTES`, keeps the
parsed documents for the inspector's "raw" view and turns every unreadable or malformed file
into a `{file, message}` problem instead of raising.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np

from ..system.confined_io import ANYWHERE, TooLarge, Within, read_bounded
from .detect import MAX_METADATA_BYTES, detect_kind

# Names probed, in order, to tell a member's kind without listing its folder.
_V3_META = "zarr.json"
_V2_ARRAY = ".zarray"
_V2_GROUP = ".zgroup"
_V2_ATTRS = ".zattrs"

# Bounds of array metadata (see `int_list`): Zarr and N5 store sizes as 64-bit ints.
MAX_NDIM = 32
MAX_EXTENT = 2**63 - 1


class MetadataReader:
    """Reads metadata files below `root` and collects `raw` documents and `problems`.

    `raw` maps a file's path relative to `root` (POSIX style) to its parsed JSON, or None
    when it could not be parsed; `problems` is a list of `{"file", "message"}` without
    duplicates, where "file" is relative to `root` ("." for the summarized folder itself).
    Files are opened with `confined_io`: regular files inside `within` only.
    """

    def __init__(self, root: Path, within: Within = ANYWHERE) -> None:
        self.root = root
        self.within = within
        self.raw: dict[str, Any] = {}
        self.problems: list[dict[str, Any]] = []

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def problem(self, path: Path | None, message: str) -> None:
        entry = {"file": None if path is None else self.rel(path), "message": message}
        if entry not in self.problems:  # e.g. a member that is also a pyramid level
            self.problems.append(entry)

    def read_bytes(self, path: Path, *, limit: int = MAX_METADATA_BYTES) -> bytes | None:
        """The file's bytes, or None (silently) when it is missing, or None with a problem."""
        name = self.rel(path)
        try:
            return read_bounded(path, self.within, limit=limit)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except IsADirectoryError:
            self.problem(path, f"{name} is a folder, not a file")
        except TooLarge as err:
            self.problem(path, f"{name} is {err}")
        except OSError as err:  # confined_io.Refused too: a FIFO, or a symlink out
            self.problem(path, f"cannot read {name}: {err.strerror or short(err)}")
        return None

    def read_json(self, path: Path, *, keep_raw: bool = True, required: bool = False) -> Any:
        """Parsed JSON of `path`, or None when missing/unreadable/malformed (with a problem).

        A missing file is a problem only when `required`. `keep_raw=False` skips the "raw"
        record (member listings would otherwise copy hundreds of documents).
        """
        raw = self.read_bytes(path)
        if raw is None:
            if required and not path.exists():
                self.problem(path, f"{self.rel(path)} is missing")
            if keep_raw and path.exists():
                self.raw[self.rel(path)] = None
            return None
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError) as err:
            self.problem(path, f"malformed {self.rel(path)}: {short(err)}")
            doc = None
        if keep_raw:
            self.raw[self.rel(path)] = doc
        return doc

    def read_object(self, path: Path, **kwargs: Any) -> dict[str, Any] | None:
        """Like `read_json`, but anything other than a JSON object is a problem and None."""
        doc = self.read_json(path, **kwargs)
        if doc is not None and not isinstance(doc, dict):
            self.problem(path, f"malformed {self.rel(path)}: not a JSON object")
            return None
        return doc


def child(reader: MetadataReader, base: Path, rel: Any) -> Path | None:
    """`base / rel` for a relative path taken from metadata, or None (with a problem) when it
    is not a plain relative path or leads, through `..` or a symlink, outside the summarized
    path: metadata must never make us read (and show) files from elsewhere.
    """
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
        reader.problem(base, f"not a usable relative path in the metadata: {rel!r}")
        return None
    if ".." in rel.split("/"):
        reader.problem(base, f"path {rel!r} in the metadata leaves the dataset")
        return None
    target = base / rel
    try:
        real, root = target.resolve(), reader.root.resolve()
    except (OSError, RuntimeError):  # symlink loops
        reader.problem(base, f"cannot resolve {rel!r}")
        return None
    if real != root and root not in real.parents:
        reader.problem(base, f"path {rel!r} in the metadata leaves the dataset")
        return None
    return target


def short(err: BaseException, limit: int = 160) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def int_list(value: Any, *, low: int = 0) -> list[int] | None:
    """`value` as a list of shape-like ints, or None when it is anything else: at most
    MAX_NDIM of them, each at least `low` (1 for chunk sizes), and their product (the
    elements of an array or of a chunk) at most MAX_EXTENT. Metadata beyond these bounds
    (a shape of 10**400, a chunk of 0) describes no array that can exist, and would
    overflow floats or divide by zero in every figure computed from it."""
    if not isinstance(value, list) or len(value) > MAX_NDIM:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= low for v in value):
        return None
    if max(value, default=0) > MAX_EXTENT or math.prod(value) > MAX_EXTENT:
        return None
    return list(value)


def int_list_problem(field: str, value: Any, *, low: int = 0) -> str:
    """Why `int_list(value, low=low)` refused `value`, for a problem message."""
    numbers = isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )
    if not numbers:
        return f"{field} has the wrong type"
    return (
        f"{field} out of bounds: at most {MAX_NDIM} whole numbers from {low} up, "
        "with a product below 2**63"
    )


def array_bounds_problem(shape: Any, chunks: Any) -> str | None:
    """Why an opened array's shape or chunks are out of `int_list`'s bounds, or None:
    zarr opens a shape of 10**400 or a chunk of 0, then fails in arithmetic later."""
    for name, dims, low in (("shape", list(shape), 0), ("chunks", list(chunks), 1)):
        if int_list(dims, low=low) is None:
            return int_list_problem(name, dims, low=low)
    return None


def grid_count(shape: list[int] | None, chunks: list[int] | None) -> int | None:
    """How many chunks (or shards) a regular grid of `chunks` over `shape` has."""
    if shape is None or chunks is None or len(shape) != len(chunks) or 0 in chunks:
        return None
    return math.prod(-(-s // c) for s, c in zip(shape, chunks, strict=True))


def numpy_dtype(value: Any) -> np.dtype | None:
    """The numpy dtype that a v2 `dtype` or v3 `data_type` names, or None when unknown."""
    try:
        if isinstance(value, list):  # v2 structured dtype: [[name, type, shape?], ...]
            return np.dtype([tuple(field) for field in value])
        if isinstance(value, str):
            if value.startswith("r") and value[1:].isdigit():  # v3 raw bits, e.g. "r16"
                return np.dtype(f"V{int(value[1:]) // 8}")
            return np.dtype(value)
    except Exception:  # numpy raises TypeError, ValueError, OverflowError... on odd names
        pass
    return None


def _check(reader: MetadataReader, path: Path, field: str, ok: bool) -> None:
    if not ok:
        reader.problem(path, f"malformed {reader.rel(path)}: {field} has the wrong type")


def _dims(
    reader: MetadataReader, path: Path, field: str, value: Any, *, low: int = 0
) -> list[int] | None:
    """`int_list(value)`, or None with a problem saying why not."""
    found = int_list(value, low=low)
    if found is None:
        problem = int_list_problem(field, value, low=low)
        reader.problem(path, f"malformed {reader.rel(path)}: {problem}")
    return found


def _named(codec: Any) -> dict[str, Any]:
    """A v3 codec as `{name, configuration}`; v3 allows a bare name string."""
    if isinstance(codec, str):
        return {"name": codec, "configuration": {}}
    if isinstance(codec, dict):
        config = codec.get("configuration")
        return {
            "name": codec.get("name"),
            "configuration": config if isinstance(config, dict) else {},
        }
    return {"name": None, "configuration": {"value": codec}}


def _from_numcodecs(codec: Any) -> dict[str, Any]:
    """A v2 numcodecs config `{"id": ..., **settings}` as `{name, configuration}`."""
    if not isinstance(codec, dict):
        return {"name": None, "configuration": {"value": codec}}
    return {"name": codec.get("id"), "configuration": {k: v for k, v in codec.items() if k != "id"}}


def _finish(summary: dict[str, Any], grid: list[int] | None) -> dict[str, Any]:
    dtype = summary.pop("_np", None)
    summary["dtype"] = dtype.str if dtype is not None else None
    summary["itemsize"] = dtype.itemsize if dtype is not None else None
    summary["chunks_expected"] = grid_count(summary["shape"], grid)
    shape = summary["shape"]
    summary["logical_bytes"] = (
        math.prod(shape) * dtype.itemsize if shape is not None and dtype is not None else None
    )
    return summary


def array_v2(reader: MetadataReader, path: Path, zarray: dict, attrs: dict | None) -> dict:
    """Summary of a Zarr v2 array from its `.zarray` and (optional) `.zattrs` documents.

    `dimension_names` come from xarray's `_ARRAY_DIMENSIONS` attribute when present. Fields
    with the wrong type are None, each with a problem.
    """
    meta = path / _V2_ARRAY
    shape = _dims(reader, meta, "shape", zarray.get("shape"))
    chunks = _dims(reader, meta, "chunks", zarray.get("chunks"), low=1)
    dtype = numpy_dtype(zarray.get("dtype"))
    _check(reader, meta, "dtype", dtype is not None)
    compressor, filters = zarray.get("compressor"), zarray.get("filters")
    _check(reader, meta, "compressor", compressor is None or isinstance(compressor, dict))
    _check(reader, meta, "filters", filters is None or isinstance(filters, list))
    codecs = [_from_numcodecs(f) for f in filters] if isinstance(filters, list) else []
    if isinstance(compressor, dict):
        codecs.append(_from_numcodecs(compressor))
    attrs = attrs or {}
    names = attrs.get("_ARRAY_DIMENSIONS")
    summary = {
        "zarr_format": 2,
        "shape": shape,
        "data_type": zarray.get("dtype"),
        "_np": dtype,
        "chunk_shape": chunks,
        "shard_shape": None,
        "chunks_per_shard": None,
        "compressor": compressor,
        "filters": filters,
        "codecs": codecs,
        "fill_value": zarray.get("fill_value"),
        "order": zarray.get("order"),
        "dimension_separator": zarray.get("dimension_separator", "."),
        "chunk_key_encoding": {
            "name": "v2",
            "configuration": {"separator": zarray.get("dimension_separator", ".")},
        },
        "dimension_names": names if isinstance(names, list) else None,
        "attributes": attrs,
    }
    return _finish(summary, chunks)


def array_v3(reader: MetadataReader, path: Path, doc: dict) -> dict:
    """Summary of a Zarr v3 array from its `zarr.json`.

    With a `sharding_indexed` first codec, the outer chunk grid is the shard grid:
    `shard_shape` is that grid, `chunk_shape` the inner chunks, `codecs` the outer codec list
    (the sharding codec's configuration holds the inner codecs) and `chunks_expected` counts
    shard files.
    """
    meta = path / _V3_META
    shape = _dims(reader, meta, "shape", doc.get("shape"))
    grid_doc = doc.get("chunk_grid")
    grid_cfg = grid_doc.get("configuration") if isinstance(grid_doc, dict) else None
    grid_shape = grid_cfg.get("chunk_shape") if isinstance(grid_cfg, dict) else None
    grid = _dims(reader, meta, "chunk_grid", grid_shape, low=1)
    dtype = numpy_dtype(doc.get("data_type"))
    raw_codecs = doc.get("codecs")
    _check(reader, meta, "codecs", isinstance(raw_codecs, list))
    codecs = [_named(c) for c in raw_codecs] if isinstance(raw_codecs, list) else []
    shard_shape, chunk_shape, per_shard = None, grid, None
    if codecs and codecs[0]["name"] == "sharding_indexed":
        shard_shape = grid
        inner = codecs[0]["configuration"].get("chunk_shape")
        chunk_shape = _dims(reader, meta, "sharding chunk_shape", inner, low=1)
        per_shard = grid_count(shard_shape, chunk_shape)
    key_enc = doc.get("chunk_key_encoding")
    key = _named(key_enc) if key_enc is not None else None
    attrs = doc.get("attributes")
    summary = {
        "zarr_format": 3,
        "shape": shape,
        "data_type": doc.get("data_type"),
        "_np": dtype,
        "chunk_shape": chunk_shape,
        "shard_shape": shard_shape,
        "chunks_per_shard": per_shard,
        "compressor": None,
        "filters": None,
        "codecs": codecs,
        "fill_value": doc.get("fill_value"),
        "order": None,
        "dimension_separator": (key or {}).get("configuration", {}).get("separator"),
        "chunk_key_encoding": key,
        "dimension_names": doc.get("dimension_names"),
        "attributes": attrs if isinstance(attrs, dict) else {},
    }
    return _finish(summary, grid)


def read_array(reader: MetadataReader, path: Path, *, keep_raw: bool = True) -> dict | None:
    """The array summary at `path` (v3 first, then v2), or None when there is no array there."""
    doc = reader.read_object(path / _V3_META, keep_raw=keep_raw)
    if doc is not None and doc.get("node_type") == "array":
        return array_v3(reader, path, doc)
    zarray = reader.read_object(path / _V2_ARRAY, keep_raw=keep_raw)
    if zarray is None:
        return None
    attrs = reader.read_object(path / _V2_ATTRS, keep_raw=keep_raw)
    return array_v2(reader, path, zarray, attrs)


def _member(name: str, doc: dict | None, kind: str) -> dict[str, Any]:
    shape = dtype = None
    if isinstance(doc, dict):
        shape = int_list(doc.get("shape"))
        np_dtype = numpy_dtype(doc.get("data_type", doc.get("dtype")))
        dtype = np_dtype.str if np_dtype is not None else None
    return {"name": name, "kind": kind, "shape": shape, "dtype": dtype}


def consolidated_members(
    docs: dict[str, Any], zarr_format: int, limit: int, offset: int = 0
) -> dict:
    """Direct children from consolidated metadata: v2 `.zmetadata` keys or v3 inline keys;
    the page of `limit` from `offset` in name order."""
    members: dict[str, dict[str, Any]] = {}
    for key, doc in docs.items():
        if zarr_format == 2:
            name, _, leaf = key.rpartition("/")
            if "/" in name or not name or leaf not in (_V2_ARRAY, _V2_GROUP):
                continue
            kind = "zarr-array" if leaf == _V2_ARRAY else "zarr-group"
        else:
            name = key
            if "/" in name or not isinstance(doc, dict):
                continue
            kind = "zarr-array" if doc.get("node_type") == "array" else "zarr-group"
        members[name] = _member(name, doc if kind == "zarr-array" else None, kind)
    names = sorted(members)
    page = [members[n] for n in names[offset : offset + limit]]
    return members_page(page, len(names), offset, consolidated=True)


def member_folders(reader: MetadataReader, path: Path, markers: tuple[str, ...]) -> list[str]:
    """The subfolders of `path` (not hidden) that hold one of the files `markers`, sorted
    by name; a symlinked one only when it stays inside the dataset (`child`).

    One stat per probe, relative to the open folder (no path objects): a group of 100,000
    members is probed in a fraction of a second.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with os.scandir(fd) as entries:
                found = [(e.name, e.is_symlink()) for e in entries if _is_subfolder(e)]
            names = [
                name
                for name, linked in found
                if _holds(fd, name, markers)
                and (not linked or child(reader, path, name) is not None)
            ]
        finally:
            os.close(fd)
    except OSError as err:
        reader.problem(path, f"cannot list the group: {err.strerror or short(err)}")
        return []
    return sorted(names)


def _is_subfolder(entry: os.DirEntry[str]) -> bool:
    try:
        return not entry.name.startswith(".") and entry.is_dir()
    except OSError:
        return False


def _holds(fd: int, name: str, markers: tuple[str, ...]) -> bool:
    for marker in markers:
        try:
            if stat.S_ISREG(os.stat(f"{name}/{marker}", dir_fd=fd).st_mode):
                return True
        except OSError:
            continue
    return False


def listed_members(reader: MetadataReader, path: Path, limit: int, offset: int = 0) -> dict:
    """Direct children found on disk: subfolders with Zarr metadata, sorted by name.

    Every subfolder is probed for a metadata file (no reads) to count them; metadata is read
    only for the page of `limit` from `offset`.
    """
    names = member_folders(reader, path, (_V3_META, _V2_ARRAY, _V2_GROUP))
    members = []
    for name in names[offset : offset + limit]:
        info = detect_kind(path / name, is_dir=True, within=reader.within)
        array = (
            read_array(reader, path / name, keep_raw=False) if info.kind == "zarr-array" else None
        )
        member = {"name": name, "kind": info.kind, "shape": None, "dtype": None}
        if array is not None:
            member.update(shape=array["shape"], dtype=array["dtype"])
        members.append(member)
    return members_page(members, len(names), offset, consolidated=False)


def members_page(page: list[dict], total: int, offset: int, *, consolidated: bool) -> dict:
    """A page of a group's members (or N5 children) as the API answers it;
    `members_truncated`: more follow this page (ask again from `offset + len(page)`)."""
    return {
        "members": page,
        "members_total": total,
        "members_offset": offset,
        "members_truncated": offset + len(page) < total,
        "consolidated": consolidated,
    }
