"""N5 summaries: datasets and groups from `attributes.json`, plus N5 multiscale conventions.

N5 stores `dimensions` and `blockSize` fastest-axis first (Fortran order, as in Java
ImgLib2). Both are reported as stored and reversed (`shape_c_order`, `block_shape_c_order`):
the reversed one is the C-order shape that zarr-python's and z5py's N5 readers show, while
tensorstore's n5 driver keeps the stored order. Multiscale conventions
(n5-viewer / BigDataViewer / saalfeld lab) are read from the group's `scales`,
`pixelResolution` and `downsamplingFactors`, and from `s0, s1, ...` children.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .zarr_meta import (
    MetadataReader,
    grid_count,
    int_list,
    int_list_problem,
    member_folders,
    members_page,
    numpy_dtype,
)

_LEVEL_NAME = re.compile(r"s([0-9]+)")
# Keys with a meaning of their own; everything else in attributes.json is a user attribute.
_DATASET_KEYS = ("dimensions", "blockSize", "dataType", "compression", "compressionType")
_MULTISCALE_KEYS = ("scales", "pixelResolution", "downsamplingFactors", "resolution", "units")
_N5_TYPES = {
    "uint8": "u1",
    "uint16": "u2",
    "uint32": "u4",
    "uint64": "u8",
    "int8": "i1",
    "int16": "i2",
    "int32": "i4",
    "int64": "i8",
    "float32": "f4",
    "float64": "f8",
}


def _compression(attrs: dict[str, Any]) -> dict[str, Any] | None:
    """`{type, settings}`; N5 before 1.0 had a bare `compressionType` string instead."""
    comp = attrs.get("compression")
    if isinstance(comp, dict):
        return {
            "type": comp.get("type"),
            "settings": {k: v for k, v in comp.items() if k != "type"},
        }
    if isinstance(attrs.get("compressionType"), str):
        return {"type": attrs["compressionType"], "settings": {}}
    return None


def _pixel_resolution(value: Any) -> dict[str, Any] | None:
    """`pixelResolution` as `{dimensions, unit}` whether stored as that object or a list."""
    if isinstance(value, dict):
        return {"dimensions": value.get("dimensions"), "unit": value.get("unit")}
    if isinstance(value, list):
        return {"dimensions": value, "unit": None}
    return None


def dataset_summary(reader: MetadataReader, path: Path, attrs: dict[str, Any]) -> dict:
    """An N5 dataset: shapes as stored (F order) and as C order, type, compression, sizes."""
    meta = path / "attributes.json"
    dims, block = int_list(attrs.get("dimensions")), int_list(attrs.get("blockSize"), low=1)
    for key, value, low in (("dimensions", dims, 0), ("blockSize", block, 1)):
        if value is None:
            problem = int_list_problem(key, attrs.get(key), low=low)
            reader.problem(meta, f"malformed attributes.json: {problem}")
    data_type = attrs.get("dataType")
    known = isinstance(data_type, str) and data_type in _N5_TYPES
    np_type = numpy_dtype(">" + _N5_TYPES[data_type]) if known else None
    if np_type is None:
        reader.problem(meta, f"attributes.json: unknown dataType {data_type!r}")
    itemsize = np_type.itemsize if np_type is not None else None
    return {
        "dimensions": dims,
        "block_size": block,
        "order": "F",
        "shape_c_order": dims[::-1] if dims is not None else None,
        "block_shape_c_order": block[::-1] if block is not None else None,
        "data_type": data_type,
        "dtype": np_type.str if np_type is not None else None,  # N5 blocks are big-endian
        "itemsize": itemsize,
        "compression": _compression(attrs),
        "chunks_expected": grid_count(dims, block),
        "logical_bytes": math.prod(dims) * itemsize if dims is not None and itemsize else None,
        "pixel_resolution": _pixel_resolution(attrs.get("pixelResolution")),
        "downsampling_factors": attrs.get("downsamplingFactors"),
        "attributes": {k: v for k, v in attrs.items() if k not in _DATASET_KEYS},
    }


def _children(
    reader: MetadataReader, path: Path, limit: int, offset: int = 0
) -> tuple[list[dict], int]:
    """Subfolders holding an attributes.json, sorted by name, and how many there are; only
    the page of `limit` from `offset` is read."""
    names = member_folders(reader, path, ("attributes.json",))
    children = []
    for name in names[offset : offset + limit]:
        attrs = reader.read_object(path / name / "attributes.json", keep_raw=False) or {}
        is_dataset = "dimensions" in attrs and "dataType" in attrs
        dims = int_list(attrs.get("dimensions"))
        children.append(
            {
                "name": name,
                "kind": "n5-array" if is_dataset else "n5-group",
                "dimensions": dims,
                "shape_c_order": dims[::-1] if dims is not None else None,
                "data_type": attrs.get("dataType"),
                "downsampling_factors": attrs.get("downsamplingFactors"),
            }
        )
    return children, len(names)


def scale_level_names(names: Iterable[str]) -> list[str]:
    """The `sN` names among `names` (n5-viewer scale levels), in scale order: s2 before s10."""
    found = ((int(match[1]), name) for name in names if (match := _LEVEL_NAME.fullmatch(name)))
    return [name for _, name in sorted(found)]


def group_summary(
    reader: MetadataReader, path: Path, attrs: dict[str, Any], *, limit: int
) -> dict[str, Any]:
    """An N5 group: its attributes, children (bounded) and multiscale information if any."""
    children, total = _children(reader, path, limit)
    by_name = {c["name"]: c for c in children}
    levels = [by_name[name] for name in scale_level_names(by_name)]
    multiscale = None
    if levels or any(k in attrs for k in ("scales", "downsamplingFactors")):
        multiscale = {
            "scales": attrs.get("scales"),
            "pixel_resolution": _pixel_resolution(attrs.get("pixelResolution")),
            "resolution": attrs.get("resolution"),
            "units": attrs.get("units"),
            "downsampling_factors": attrs.get("downsamplingFactors"),
            "levels": [
                {
                    "path": c["name"],
                    "dimensions": c["dimensions"],
                    "shape_c_order": c["shape_c_order"],
                    "data_type": c["data_type"],
                    "downsampling_factors": c["downsampling_factors"],
                }
                for c in levels
            ],
        }
    return {
        "n5_version": attrs.get("n5"),
        "attributes": {k: v for k, v in attrs.items() if k != "n5"},
        "children": children,
        "children_total": total,
        "children_truncated": total > limit,
        "multiscale": multiscale,
    }


def children_page(reader: MetadataReader, path: Path, *, offset: int, limit: int) -> dict:
    """A page of an N5 group's children, shaped like a Zarr group's members page."""
    children, total = _children(reader, path, limit, offset)
    return members_page(children, total, offset, consolidated=False)


def n5_summary(reader: MetadataReader, path: Path, *, limit: int) -> dict[str, Any] | None:
    """`{"dataset": ..., "group": ...}` (one of them None), or None without attributes.json."""
    attrs = reader.read_object(path / "attributes.json")
    if attrs is None:
        return None
    if "dimensions" in attrs and "dataType" in attrs:
        return {"dataset": dataset_summary(reader, path, attrs), "group": None}
    return {"dataset": None, "group": group_summary(reader, path, attrs, limit=limit)}
