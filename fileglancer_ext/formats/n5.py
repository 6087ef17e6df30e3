"""N5 summaries: datasets and groups from `attributes.json`, plus N5 multiscale conventions.

N5 stores `dimensions` and `blockSize` fastest-axis first (Fortran order, as in Java
ImgLib2). Both are reported as stored and reversed (`shape_c_order`, `block_shape_c_order`):
the reversed one is the C-order shape that zarr-python's and z5py's N5 readers show, while
tensorstore's n5 driver keeps the stored order. Multiscale conventions
(n5-viewer / BigDataViewer / saalfeld lab) are read from the group's `scales`,
`pixelResolution` and `downsamplingFactors`, and from `s0, s1, ...` children.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .model import (
    N5Child,
    N5Dataset,
    N5Group,
    N5Pyramid,
    PixelResolution,
    is_n5_dataset,
    n5_child,
    n5_dataset,
    n5_pyramid,
)
from .zarr_meta import MetadataReader, member_folders, members_page

_LEVEL_NAME = re.compile(r"s([0-9]+)")


def _list(values: tuple[int, ...] | None) -> list[int] | None:
    return list(values) if values is not None else None


def _resolution(value: PixelResolution | None) -> dict[str, Any] | None:
    return {"dimensions": value.dimensions, "unit": value.unit} if value is not None else None


def dataset_json(dataset: N5Dataset) -> dict[str, Any]:
    """The inspector's N5 dataset dict, rendered from the model."""
    comp = dataset.compression
    return {
        "dimensions": _list(dataset.dimensions),
        "block_size": _list(dataset.block_size),
        "order": "F",
        "shape_c_order": _list(dataset.shape),
        "block_shape_c_order": _list(dataset.block_shape),
        "data_type": dataset.data_type,
        "dtype": dataset.dtype,
        "byte_order": dataset.byte_order,
        "dtype_code": dataset.dtype_code,
        "itemsize": dataset.itemsize,
        "compression": (
            {"type": comp.type, "settings": dict(comp.settings)} if comp is not None else None
        ),
        "chunks_expected": dataset.chunk_count,
        "logical_bytes": dataset.uncompressed_bytes,
        "pixel_resolution": _resolution(dataset.pixel_resolution),
        "downsampling_factors": dataset.downsampling_factors,
        "attributes": dict(dataset.attributes),
    }


def dataset_summary(reader: MetadataReader, path: Path, attrs: dict[str, Any]) -> dict:
    """An N5 dataset: shapes as stored (F order) and as C order, type, compression, sizes."""
    return dataset_json(n5_dataset(reader, path, attrs))


def _child_json(found: N5Child) -> dict[str, Any]:
    return {
        "name": found.name,
        "kind": found.kind,
        "dimensions": _list(found.dimensions),
        "shape_c_order": _list(found.shape),
        "data_type": found.data_type,
        "downsampling_factors": found.downsampling_factors,
    }


def read_children(
    reader: MetadataReader, path: Path, limit: int, offset: int = 0
) -> tuple[tuple[N5Child, ...], int]:
    """Subfolders holding an attributes.json, sorted by name, and how many there are; only
    the page of `limit` from `offset` is read."""
    names = member_folders(reader, path, ("attributes.json",))
    children = []
    for name in names[offset : offset + limit]:
        attrs = reader.read_object(path / name / "attributes.json", keep_raw=False) or {}
        children.append(n5_child(name, attrs))
    return tuple(children), len(names)


def scale_level_names(names: Iterable[str]) -> list[str]:
    """The `sN` names among `names` (n5-viewer scale levels), in scale order: s2 before s10."""
    found = ((int(match[1]), name) for name in names if (match := _LEVEL_NAME.fullmatch(name)))
    return [name for _, name in sorted(found)]


def read_n5_group(
    reader: MetadataReader, path: Path, attrs: dict[str, Any], *, limit: int
) -> N5Group:
    """An N5 group: its attributes, children (the first `limit`) and pyramid if any."""
    children, total = read_children(reader, path, limit)
    by_name = {c.name: c for c in children}
    levels = tuple(by_name[name] for name in scale_level_names(by_name))
    return N5Group(
        n5_version=attrs.get("n5"),
        attributes={k: v for k, v in attrs.items() if k != "n5"},
        children=children,
        children_total=total,
        multiscale=n5_pyramid(attrs, levels),
    )


def _pyramid_json(pyramid: N5Pyramid) -> dict[str, Any]:
    return {
        "scales": pyramid.scales,
        "pixel_resolution": _resolution(pyramid.pixel_resolution),
        "resolution": pyramid.resolution,
        "units": pyramid.units,
        "downsampling_factors": pyramid.downsampling_factors,
        "levels": [
            {
                "path": c.name,
                "dimensions": _list(c.dimensions),
                "shape_c_order": _list(c.shape),
                "block_shape_c_order": _list(c.block_shape),
                "data_type": c.data_type,
                "downsampling_factors": c.downsampling_factors,
            }
            for c in pyramid.levels
        ],
    }


def group_summary(
    reader: MetadataReader, path: Path, attrs: dict[str, Any], *, limit: int
) -> dict[str, Any]:
    """An N5 group: its attributes, children (bounded) and multiscale information if any."""
    group = read_n5_group(reader, path, attrs, limit=limit)
    return {
        "n5_version": group.n5_version,
        "attributes": dict(group.attributes),
        "children": [_child_json(c) for c in group.children],
        "children_total": group.children_total,
        "children_truncated": group.children_total > limit,
        "multiscale": _pyramid_json(group.multiscale) if group.multiscale is not None else None,
    }


def children_page(reader: MetadataReader, path: Path, *, offset: int, limit: int) -> dict:
    """A page of an N5 group's children, shaped like a Zarr group's members page."""
    children, total = read_children(reader, path, limit, offset)
    return members_page([_child_json(c) for c in children], total, offset, consolidated=False)


def n5_summary(reader: MetadataReader, path: Path, *, limit: int) -> dict[str, Any] | None:
    """`{"dataset": ..., "group": ...}` (one of them None), or None without attributes.json."""
    attrs = reader.read_object(path / "attributes.json")
    if attrs is None:
        return None
    if is_n5_dataset(attrs):
        return {"dataset": dataset_summary(reader, path, attrs), "group": None}
    return {"dataset": None, "group": group_summary(reader, path, attrs, limit=limit)}
