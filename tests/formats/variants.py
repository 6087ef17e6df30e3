"""Odd but real dataset variants, written as real files, with what every consumer must agree on.

`VARIANTS` is the table: each `Variant` has a writer (`variant.write(path)` creates the
dataset at `path`, chunks included, so that statistics, thumbnails, `open()` and the
converters can read it) and the facts that the model, the summary and the inspector's
meta route must all report (`facts_of_model`, `facts_of_summary`). Tests of other features
import the table and add their own `facts_of_...`:

    from tests.formats.variants import VARIANTS, Variant
    @pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from fileglancer_ext.formats.jsonio import MetadataReader
from fileglancer_ext.formats.model import read_ngff_image, read_zarr_array


@dataclass(frozen=True)
class Variant:
    """One odd dataset. `levels` are (path, shape), largest first, as every consumer must
    see them; `problem` a text that the summary's problems must contain (None: no problem)."""

    name: str
    write: Callable[[Path], None]
    kind: str
    dtype: str
    byte_order: str | None
    version: str | None = None
    axes: tuple[str, ...] = ()
    axes_implied: bool = False
    levels: tuple[tuple[str, tuple[int, ...]], ...] = ()
    shape: tuple[int, ...] | None = None
    chunks: tuple[int, ...] | None = None
    shards: tuple[int, ...] | None = None
    problem: str | None = None

    @property
    def is_image(self) -> bool:
        return bool(self.levels)

    def facts(self) -> dict[str, Any]:
        """What every consumer must report for this variant (see `facts_of_model`)."""
        if self.is_image:
            return {
                "kind": self.kind,
                "dtype": self.dtype,
                "byte_order": self.byte_order,
                "version": self.version,
                "axes": self.axes,
                "axes_implied": self.axes_implied,
                "levels": self.levels,
            }
        return {
            "kind": self.kind,
            "dtype": self.dtype,
            "byte_order": self.byte_order,
            "shape": self.shape,
            "chunks": self.chunks,
            "shards": self.shards,
        }


# --- writers -----------------------------------------------------------------------------------


def ramp(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Data worth drawing: a ramp, wrapped to the type's range."""
    return (np.arange(math.prod(shape)) % 251).reshape(shape).astype(dtype)


def write_level(path: Path, shape: tuple[int, ...], dtype: str, *, zarr_format: int = 2) -> None:
    chunks = tuple(min(n, 32) for n in shape)
    array = zarr.create_array(
        store=str(path), shape=shape, chunks=chunks, dtype=dtype, zarr_format=zarr_format
    )
    array[...] = ramp(shape, dtype)


def write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, indent=1))


def scale(factor: float, ndim: int) -> list[dict[str, Any]]:
    return [{"type": "scale", "scale": [1.0] * (ndim - 2) + [factor, factor]}]


def write_numeric_level_path(path: Path) -> None:
    """`"path": 0`: some writers store level paths as numbers."""
    path.mkdir(parents=True)
    for index, shape in enumerate([(64, 64), (32, 32)]):
        write_level(path / str(index), shape, "uint8")
    axes = [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}]
    datasets = [
        {"path": index, "coordinateTransformations": scale(2.0**index, 2)} for index in (0, 1)
    ]
    write_json(path / ".zgroup", {"zarr_format": 2})
    write_json(
        path / ".zattrs", {"multiscales": [{"version": "0.4", "axes": axes, "datasets": datasets}]}
    )


def write_ngff_01(path: Path) -> None:
    """NGFF 0.1: no axes, 5D (t, c, z, y, x implied)."""
    path.mkdir(parents=True)
    for index, shape in enumerate([(1, 2, 4, 64, 64), (1, 2, 4, 32, 32)]):
        write_level(path / str(index), shape, "uint16")
    ms = {"version": "0.1", "datasets": [{"path": "0"}, {"path": "1"}]}
    write_json(path / ".zgroup", {"zarr_format": 2})
    write_json(path / ".zattrs", {"multiscales": [ms]})


def write_ngff_02_3d(path: Path) -> None:
    """NGFF 0.2 with 3D levels: the trailing three implied axes (z, y, x)."""
    path.mkdir(parents=True)
    for index, shape in enumerate([(4, 64, 64), (4, 32, 32)]):
        write_level(path / str(index), shape, "uint8")
    ms = {"version": "0.2", "name": "vol", "datasets": [{"path": "0"}, {"path": "1"}]}
    write_json(path / ".zgroup", {"zarr_format": 2})
    write_json(path / ".zattrs", {"multiscales": [ms]})


def write_ngff_03_string_axes(path: Path) -> None:
    """NGFF 0.3: axes as plain strings."""
    path.mkdir(parents=True)
    for index, shape in enumerate([(2, 64, 64), (2, 32, 32)]):
        write_level(path / str(index), shape, "uint8")
    ms = {"version": "0.3", "axes": ["c", "y", "x"], "datasets": [{"path": "0"}, {"path": "1"}]}
    write_json(path / ".zgroup", {"zarr_format": 2})
    write_json(path / ".zattrs", {"multiscales": [ms]})


def write_levels_out_of_order(path: Path) -> None:
    """A 0.4 image whose datasets list the smaller level first."""
    path.mkdir(parents=True)
    for index, shape in enumerate([(64, 64), (32, 32)]):
        write_level(path / str(index), shape, "uint8")
    axes = [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}]
    datasets = [
        {"path": "1", "coordinateTransformations": scale(2.0, 2)},
        {"path": "0", "coordinateTransformations": scale(1.0, 2)},
    ]
    write_json(path / ".zgroup", {"zarr_format": 2})
    write_json(
        path / ".zattrs", {"multiscales": [{"version": "0.4", "axes": axes, "datasets": datasets}]}
    )


def write_missing_optional_fields(path: Path) -> None:
    """No version, name, type, transforms or units; omero channels with a label only."""
    path.mkdir(parents=True)
    for index, shape in enumerate([(2, 64, 64), (2, 32, 32)]):
        write_level(path / str(index), shape, "uint16")
    axes = [{"name": "c"}, {"name": "y"}, {"name": "x"}]
    ms = {"axes": axes, "datasets": [{"path": "0"}, {"path": "1"}]}
    omero = {"channels": [{"label": "DAPI"}, {"label": "GFP"}]}
    write_json(path / ".zgroup", {"zarr_format": 2})
    write_json(path / ".zattrs", {"multiscales": [ms], "omero": omero})


def write_ngff_05(path: Path) -> None:
    """NGFF 0.5: Zarr v3, the OME metadata under attributes["ome"]."""
    path.mkdir(parents=True)
    for index, shape in enumerate([(64, 64), (32, 32)]):
        write_level(path / str(index), shape, "uint16", zarr_format=3)
    axes = [
        {"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"},
    ]
    datasets = [
        {"path": str(index), "coordinateTransformations": scale(2.0**index, 2)} for index in (0, 1)
    ]
    ome = {"version": "0.5", "multiscales": [{"axes": axes, "datasets": datasets}]}
    write_json(
        path / "zarr.json",
        {"zarr_format": 3, "node_type": "group", "attributes": {"ome": ome}},
    )


def write_sharded_v3(path: Path) -> None:
    """A Zarr v3 array in shards of 32x32 holding chunks of 8x8."""
    array = zarr.create_array(
        store=str(path), shape=(64, 64), chunks=(8, 8), shards=(32, 32), dtype="uint16"
    )
    array[...] = ramp((64, 64), "uint16")


def write_big_endian_v2(path: Path) -> None:
    """A Zarr v2 array of big-endian uint16 (">u2")."""
    array = zarr.create_array(
        store=str(path), shape=(40, 50), chunks=(20, 25), dtype=">u2", zarr_format=2
    )
    array[...] = ramp((40, 50), ">u2")


VARIANTS: list[Variant] = [
    Variant(
        "numeric-level-path",
        write_numeric_level_path,
        kind="ome-zarr",
        dtype="uint8",
        byte_order=None,
        version="0.4",
        axes=("y", "x"),
        levels=(("0", (64, 64)), ("1", (32, 32))),
        problem="level path 0 is a number",
    ),
    Variant(
        "ngff-0.1-no-axes",
        write_ngff_01,
        kind="ome-zarr",
        dtype="uint16",
        byte_order="little",
        version="0.1",
        axes=("t", "c", "z", "y", "x"),
        axes_implied=True,
        levels=(("0", (1, 2, 4, 64, 64)), ("1", (1, 2, 4, 32, 32))),
    ),
    Variant(
        "ngff-0.2-3d-no-axes",
        write_ngff_02_3d,
        kind="ome-zarr",
        dtype="uint8",
        byte_order=None,
        version="0.2",
        axes=("z", "y", "x"),
        axes_implied=True,
        levels=(("0", (4, 64, 64)), ("1", (4, 32, 32))),
    ),
    Variant(
        "ngff-0.3-string-axes",
        write_ngff_03_string_axes,
        kind="ome-zarr",
        dtype="uint8",
        byte_order=None,
        version="0.3",
        axes=("c", "y", "x"),
        levels=(("0", (2, 64, 64)), ("1", (2, 32, 32))),
    ),
    Variant(
        "levels-out-of-order",
        write_levels_out_of_order,
        kind="ome-zarr",
        dtype="uint8",
        byte_order=None,
        version="0.4",
        axes=("y", "x"),
        levels=(("0", (64, 64)), ("1", (32, 32))),
        problem="out of order",
    ),
    Variant(
        "missing-optional-fields",
        write_missing_optional_fields,
        kind="ome-zarr",
        dtype="uint16",
        byte_order="little",
        version=None,
        axes=("c", "y", "x"),
        levels=(("0", (2, 64, 64)), ("1", (2, 32, 32))),
    ),
    Variant(
        "ngff-0.5-attributes-ome",
        write_ngff_05,
        kind="ome-zarr",
        dtype="uint16",
        byte_order="little",
        version="0.5",
        axes=("y", "x"),
        levels=(("0", (64, 64)), ("1", (32, 32))),
    ),
    Variant(
        "sharded-v3-array",
        write_sharded_v3,
        kind="zarr-array",
        dtype="uint16",
        byte_order="little",
        shape=(64, 64),
        chunks=(8, 8),
        shards=(32, 32),
    ),
    Variant(
        "big-endian-v2-array",
        write_big_endian_v2,
        kind="zarr-array",
        dtype="uint16",
        byte_order="big",
        shape=(40, 50),
        chunks=(20, 25),
    ),
]


# --- what each consumer reports ---------------------------------------------------------------


def facts_of_model(variant: Variant, path: Path) -> tuple[dict[str, Any], list[dict]]:
    """The variant's facts as the model reads them, and the reader's problems."""
    reader = MetadataReader(path)
    if variant.is_image:
        image = read_ngff_image(reader)
        assert image is not None
        first = image.levels[0].array
        return {
            "kind": variant.kind,  # the model has no kinds: detection tells them
            "dtype": first.dtype if first else None,
            "byte_order": first.byte_order if first else None,
            "version": image.version,
            "axes": image.axis_names,
            "axes_implied": image.axes_implied,
            "levels": tuple((level.path, level.shape) for level in image.levels),
        }, reader.problems
    array = read_zarr_array(reader)
    assert array is not None
    return {
        "kind": variant.kind,
        "dtype": array.dtype,
        "byte_order": array.byte_order,
        "shape": array.shape,
        "chunks": array.chunks,
        "shards": array.shards,
    }, reader.problems


def _tuple(values: list | None) -> tuple | None:
    return tuple(values) if values is not None else None


def facts_of_summary(variant: Variant, summary: dict[str, Any]) -> dict[str, Any]:
    """The variant's facts as a metadata summary (`formats.summary` / the meta route) has them."""
    if variant.is_image:
        image = summary["ome"]["multiscales"][0]
        first = image["datasets"][0]
        return {
            "kind": summary["kind"],
            "dtype": first["dtype"],
            "byte_order": first["byte_order"],
            "version": summary["ome_version"],
            "axes": tuple(axis["name"] for axis in image["axes"]),
            "axes_implied": image["axes_inferred"],
            "levels": tuple((lv["path"], _tuple(lv["shape"])) for lv in image["datasets"]),
        }
    array = summary["array"]
    return {
        "kind": summary["kind"],
        "dtype": array["dtype"],
        "byte_order": array["byte_order"],
        "shape": _tuple(array["shape"]),
        "chunks": _tuple(array["chunk_shape"]),
        "shards": _tuple(array["shard_shape"]),
    }
