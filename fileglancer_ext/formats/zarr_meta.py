"""Zarr v2 and v3 metadata: bounded reading, array summaries and group member listings.

Everything here reads metadata documents only, never chunks. The arrays are read into the
model (`model.ZarrArray`, through `jsonio.MetadataReader`) and rendered as the inspector's
dicts here; `MetadataReader`, `child`, `int_list`... are re-exported from their new homes
(`jsonio`, `model`) for the code that still imports them from this module.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .detect import detect_kind
from .jsonio import MAX_METADATA_BYTES, MetadataReader, child, short
from .model import (
    MAX_EXTENT,
    MAX_NDIM,
    ZarrArray,
    grid_count,
    int_list,
    int_list_problem,
    numpy_dtype,
    read_zarr_array,
    zarr_array_v2,
    zarr_array_v3,
)

# Names probed, in order, to tell a member's kind without listing its folder.
_V3_META = "zarr.json"
_V2_ARRAY = ".zarray"
_V2_GROUP = ".zgroup"
_V2_ATTRS = ".zattrs"

__all__ = [
    "MAX_EXTENT",
    "MAX_METADATA_BYTES",
    "MAX_NDIM",
    "MetadataReader",
    "array_bounds_problem",
    "array_summary",
    "child",
    "grid_count",
    "int_list",
    "int_list_problem",
    "numpy_dtype",
    "read_array",
    "short",
]


def array_bounds_problem(shape: Any, chunks: Any) -> str | None:
    """Why an opened array's shape or chunks are out of `int_list`'s bounds, or None:
    zarr opens a shape of 10**400 or a chunk of 0, then fails in arithmetic later."""
    for name, dims, low in (("shape", list(shape), 0), ("chunks", list(chunks), 1)):
        if int_list(dims, low=low) is None:
            return int_list_problem(name, dims, low=low)
    return None


def _list(dims: tuple[int, ...] | None) -> list[int] | None:
    return list(dims) if dims is not None else None


def array_summary(array: ZarrArray) -> dict[str, Any]:
    """The inspector's ARRAY dict (see `formats.summary`), rendered from the model."""
    return {
        "zarr_format": array.zarr_format,
        "shape": _list(array.shape),
        "data_type": array.data_type,
        "dtype": array.dtype,
        "byte_order": array.byte_order,
        "dtype_code": array.dtype_code,
        "itemsize": array.itemsize,
        "chunk_shape": _list(array.chunks),
        "shard_shape": _list(array.shards),
        "chunks_per_shard": array.chunks_per_shard,
        "compressor": array.compressor,
        "filters": array.filters,
        "codecs": [codec.to_json() for codec in array.codecs],
        "fill_value": array.fill_value,
        "order": array.order,
        "dimension_separator": array.separator,
        "chunk_key_encoding": (
            array.chunk_key_encoding.to_json() if array.chunk_key_encoding is not None else None
        ),
        "dimension_names": (
            list(array.dimension_names) if array.dimension_names is not None else None
        ),
        "attributes": dict(array.attributes),
        "chunks_expected": array.file_count,
        "logical_bytes": array.uncompressed_bytes,
    }


def array_v2(reader: MetadataReader, path: Path, zarray: dict, attrs: dict | None) -> dict:
    """Summary of a Zarr v2 array from its `.zarray` and (optional) `.zattrs` documents."""
    return array_summary(zarr_array_v2(reader, path, zarray, attrs))


def array_v3(reader: MetadataReader, path: Path, doc: dict) -> dict:
    """Summary of a Zarr v3 array from its `zarr.json` (see `model.zarr_array_v3`)."""
    return array_summary(zarr_array_v3(reader, path, doc))


def read_array(reader: MetadataReader, path: Path, *, keep_raw: bool = True) -> dict | None:
    """The array summary at `path` (v3 first, then v2), or None when there is no array there."""
    array = read_zarr_array(reader, path, keep_raw=keep_raw)
    return array_summary(array) if array is not None else None


def _member(name: str, doc: dict | None, kind: str) -> dict[str, Any]:
    shape = dtype = None
    if isinstance(doc, dict):
        shape = int_list(doc.get("shape"))
        # The model's naming: a v2 or v3 array document read alone (consolidated metadata).
        reader = MetadataReader(Path("."))
        found = (
            zarr_array_v3(reader, Path("."), doc)
            if "data_type" in doc
            else zarr_array_v2(reader, Path("."), doc, None)
        )
        dtype = found.dtype
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
            read_zarr_array(reader, path / name, keep_raw=False)
            if info.kind == "zarr-array"
            else None
        )
        member = {"name": name, "kind": info.kind, "shape": None, "dtype": None}
        if array is not None:
            member.update(shape=_list(array.shape), dtype=array.dtype)
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
