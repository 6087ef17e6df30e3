"""The one bounded metadata reader (`formats.jsonio`) and the dataset model (`formats.model`),
on real files: sizes, errors that name the file, and each tolerance of odd metadata."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest

from fileglancer_ext.errors import BadRequest
from fileglancer_ext.formats.jsonio import (
    MAX_METADATA_BYTES,
    MetadataError,
    MetadataReader,
    read_document,
)
from fileglancer_ext.formats.model import (
    Axis,
    ZarrArray,
    read_ngff_image,
    read_ome,
    read_zarr_array,
)
from fileglancer_ext.system.confined_io import Within


def write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def v2_array(path: Path, shape=(8, 8), chunks=(4, 4), dtype="<u2", **extra) -> Path:
    doc = {
        "zarr_format": 2,
        "shape": list(shape),
        "chunks": list(chunks),
        "dtype": dtype,
        "compressor": None,
        "filters": None,
        "fill_value": 0,
        "order": "C",
        **extra,
    }
    write(path / ".zarray", doc)
    return path


# --- jsonio ----------------------------------------------------------------------------------


def test_read_document_returns_the_object_and_none_when_missing(tmp_path: Path):
    write(tmp_path / "zarr.json", {"node_type": "group"})
    assert read_document(tmp_path / "zarr.json") == {"node_type": "group"}
    assert read_document(tmp_path / "absent.json") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"a": ', "malformed sub/.zattrs: Expecting value: line 1 column 7"),
        ("[1, 2]", "malformed sub/.zattrs: not a JSON object"),
        (b"\xff\xfe", "malformed sub/.zattrs"),
        ("[" * 100_000, "malformed sub/.zattrs"),
    ],
)
def test_a_bad_document_is_a_bad_request_naming_the_file(tmp_path: Path, content, message):
    path = tmp_path / "sub" / ".zattrs"
    path.parent.mkdir()
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(MetadataError) as caught:
        read_document(path, name="sub/.zattrs")
    assert isinstance(caught.value, BadRequest)
    assert caught.value.message.startswith(message)
    assert str(tmp_path) not in caught.value.message


def test_a_document_over_the_limit_is_refused_unparsed(tmp_path: Path):
    path = tmp_path / "zarr.json"
    path.write_text(" " * MAX_METADATA_BYTES + "{}")
    with pytest.raises(MetadataError) as caught:
        read_document(path)
    assert caught.value.message == (
        f"zarr.json is too large ({MAX_METADATA_BYTES + 2} bytes, over the 4 MiB limit)"
    )
    assert caught.value.reason == "too_large"
    path.write_text("{}" + " " * (MAX_METADATA_BYTES - 2))
    assert read_document(path) == {}


def test_a_document_leading_outside_the_root_is_refused(tmp_path: Path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(outside / "zarr.json", {"secret": 1})
    root.mkdir()
    os.symlink(outside / "zarr.json", root / "zarr.json")
    with pytest.raises(MetadataError, match="zarr.json: .*outside the shared folders"):
        read_document(root / "zarr.json", Within.folders(root))
    assert read_document(root / "zarr.json") == {"secret": 1}  # the CLI's own rights


def test_a_fifo_named_like_metadata_is_refused_without_blocking(tmp_path: Path):
    os.mkfifo(tmp_path / ".zarray")
    with pytest.raises(MetadataError, match="cannot read .zarray: .*not a regular file"):
        read_document(tmp_path / ".zarray")


def test_the_reader_collects_problems_with_dataset_relative_names(tmp_path: Path):
    (tmp_path / "0").mkdir()
    (tmp_path / "0" / ".zarray").write_text("{")
    reader = MetadataReader(tmp_path)
    assert reader.read_object(tmp_path / "0" / ".zarray") is None
    assert reader.problems == [{"file": "0/.zarray", "message": reader.problems[0]["message"]}]
    assert reader.problems[0]["message"].startswith("malformed 0/.zarray: Expecting")
    assert reader.raw == {"0/.zarray": None}


# --- ZarrArray -------------------------------------------------------------------------------


def test_a_v2_array_has_plain_dtype_names_and_keeps_the_byte_order(tmp_path: Path):
    v2_array(tmp_path / "a", dtype=">u2", dimension_separator="/")
    array = read_zarr_array(tmp_path / "a")
    assert isinstance(array, ZarrArray)
    assert (array.dtype, array.byte_order, array.dtype_code, array.itemsize) == (
        "uint16",
        "big",
        ">u2",
        2,
    )
    assert array.numpy_dtype == np.dtype(">u2")
    assert array.shape == (8, 8) and array.chunks == (4, 4) and array.shards is None
    assert array.grid == (2, 2) and array.chunk_count == 4 and array.file_count == 4
    assert array.uncompressed_bytes == 128 and array.separator == "/"
    with pytest.raises(dataclasses.FrozenInstanceError):
        array.shape = (1,)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("stored", "name", "order"),
    [
        ("|u1", "uint8", None),
        ("<f4", "float32", "little"),
        ("|b1", "bool", None),
        ("<M8[ns]", "datetime64[ns]", "little"),
        ("<U10", "U10", "little"),
        ("|V4", "r32", None),
        ([["a", "<u2"], ["b", "<f4"]], "structured", None),
    ],
)
def test_v2_dtype_names(tmp_path: Path, stored, name, order):
    array = read_zarr_array(v2_array(tmp_path / "a", dtype=stored))
    assert array is not None and (array.dtype, array.byte_order) == (name, order)


def test_a_sharded_v3_array_reads_inner_chunks_and_counts_shard_files(tmp_path: Path):
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [100, 100],
        "data_type": "uint16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [50, 50]}},
        "chunk_key_encoding": {"name": "default"},
        "fill_value": 0,
        "codecs": [
            {
                "name": "sharding_indexed",
                "configuration": {
                    "chunk_shape": [10, 10],
                    "codecs": [{"name": "bytes", "configuration": {"endian": "big"}}],
                    "index_codecs": [{"name": "bytes"}, {"name": "crc32c"}],
                },
            }
        ],
        "dimension_names": ["y", 7],
    }
    write(tmp_path / "a" / "zarr.json", doc)
    array = read_zarr_array(tmp_path / "a")
    assert array is not None
    assert array.chunks == (10, 10) and array.shards == (50, 50)
    assert array.chunk_count == 100 and array.file_count == 4 and array.chunks_per_shard == 25
    assert array.dtype == "uint16" and array.byte_order == "big" and array.dtype_code == ">u2"
    assert array.separator == "/"  # the default encoding's separator when none is given
    assert array.dimension_names == ("y", "7")
    assert [c.name for c in array.codecs] == ["sharding_indexed"]


def test_unknown_codecs_and_data_types_are_described_not_refused(tmp_path: Path):
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [4],
        "data_type": "mystery_float7",  # not bfloat16: ml_dtypes (via tensorstore) adds that
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2]}},
        "chunk_key_encoding": {"name": "v2"},
        "fill_value": 0,
        "codecs": ["bytes", {"name": "mystery_codec", "configuration": {"level": 3}}],
    }
    write(tmp_path / "a" / "zarr.json", doc)
    reader = MetadataReader(tmp_path)
    array = read_zarr_array(reader, tmp_path / "a")
    assert array is not None and array.shape == (4,) and array.dtype is None
    assert [(c.name, dict(c.configuration)) for c in array.codecs] == [
        ("bytes", {}),
        ("mystery_codec", {"level": 3}),
    ]
    assert array.separator == "."


def test_malformed_fields_are_none_with_a_problem(tmp_path: Path):
    v2_array(tmp_path / "a", shape="big", chunks=[0, 4])
    reader = MetadataReader(tmp_path)
    array = read_zarr_array(reader, tmp_path / "a")
    assert array is not None and array.shape is None and array.chunks is None
    assert array.dtype == "uint16" and array.chunk_count is None
    messages = [p["message"] for p in reader.problems]
    assert "malformed a/.zarray: shape has the wrong type" in messages
    assert any(m.startswith("malformed a/.zarray: chunks out of bounds") for m in messages)


def test_a_v2_array_without_fill_value_is_described(tmp_path: Path):
    write(tmp_path / "a" / ".zarray", {"shape": [2], "chunks": [2], "dtype": "<i4"})
    array = read_zarr_array(tmp_path / "a")
    assert array is not None and array.fill_value is None and array.dtype == "int32"


# --- NgffImage -------------------------------------------------------------------------------


def image(tmp_path: Path, multiscale: dict, *, levels=((16, 16), (8, 8)), **attrs) -> Path:
    for index, shape in enumerate(levels):
        v2_array(tmp_path / str(index), shape=shape, chunks=shape, dtype="|u1")
    write(tmp_path / ".zattrs", {"multiscales": [multiscale], **attrs})
    return tmp_path


def test_a_numeric_level_path_is_read_as_a_string(tmp_path: Path):
    ms = {
        "version": "0.4",
        "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
        "datasets": [
            {"path": 0, "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}]},
            {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [2, 2]}]},
        ],
    }
    reader = MetadataReader(image(tmp_path, ms))
    found = read_ngff_image(reader)
    assert found is not None
    assert [level.path for level in found.levels] == ["0", "1"]
    assert found.level(0).array is not None and found.level(0).shape == (16, 16)
    assert found.level(1).scale == (2, 2)
    assert any("level path 0 is a number" in p["message"] for p in reader.problems)


@pytest.mark.parametrize("version", ["0.1", "0.2"])
def test_axes_of_ngff_0_1_and_0_2_are_implied(tmp_path: Path, version: str):
    ms = {"version": version, "datasets": [{"path": "0"}, {"path": "1"}]}
    found = read_ngff_image(image(tmp_path, ms, levels=((2, 3, 16, 16), (2, 3, 8, 8))))
    assert found is not None and found.axes_implied
    assert found.axis_names == ("c", "z", "y", "x")
    assert [a.name for a in found.space_axes] == ["z", "y", "x"]
    assert found.levels[0].scale is None


def test_axes_given_as_plain_strings_get_their_types(tmp_path: Path):
    ms = {"version": "0.3", "axes": ["y", "x"], "datasets": [{"path": "0"}, {"path": "1"}]}
    found = read_ngff_image(image(tmp_path, ms))
    assert found is not None and not found.axes_implied
    assert found.axes == (Axis("y", "space", None), Axis("x", "space", None))


def test_levels_listed_out_of_order_are_put_largest_first(tmp_path: Path):
    ms = {
        "version": "0.4",
        "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
        "datasets": [
            {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [2, 2]}]},
            {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}]},
        ],
    }
    reader = MetadataReader(image(tmp_path, ms))
    found = read_ngff_image(reader)
    assert found is not None
    assert [(lv.path, lv.shape, lv.scale) for lv in found.levels] == [
        ("0", (16, 16), (1, 1)),
        ("1", (8, 8), (2, 2)),
    ]
    assert any("out of order" in p["message"] for p in reader.problems)


def test_a_scale_of_the_wrong_length_is_ignored_with_a_problem(tmp_path: Path):
    ms = {
        "version": "0.4",
        "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
        "datasets": [
            {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}]},
            {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [2, 2]}]},
        ],
        "coordinateTransformations": [{"type": "scale", "scale": [0.5, 0.25]}],
    }
    reader = MetadataReader(image(tmp_path, ms))
    found = read_ngff_image(reader)
    assert found is not None
    assert found.levels[0].scale is None and found.levels[0].own_scale == (1, 1, 1)
    assert found.levels[1].scale == (1.0, 0.5)
    assert found.pixel_size(found.levels[1]) == {"y": (1.0, None), "x": (0.5, None)}
    assert {"file": ".", "message": "level '0': scale does not match the axes"} in reader.problems


def test_missing_optional_fields_are_none(tmp_path: Path):
    ms = {"axes": [{"name": "x"}], "datasets": [{"path": "0"}]}
    omero = {"channels": [{"label": "DAPI"}, {"color": "00FF00", "window": {"start": 0}}]}
    found = read_ngff_image(image(tmp_path, ms, levels=((4,),), omero=omero))
    assert found is not None
    assert found.version is None and found.name is None and found.type is None
    assert found.axes == (Axis("x", "space", None),)  # a missing type is guessed from the name
    first, second = found.channels
    assert (first.label, first.color, first.window, first.active) == ("DAPI", None, None, None)
    assert second.color == "00FF00" and second.window is not None
    assert (second.window.start, second.window.end) == (0.0, None)


def test_ngff_0_5_is_read_from_zarr_json_attributes_ome(tmp_path: Path):
    for index, shape in enumerate(((16, 16), (8, 8))):
        write(
            tmp_path / str(index) / "zarr.json",
            {
                "zarr_format": 3,
                "node_type": "array",
                "shape": list(shape),
                "data_type": "uint8",
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(shape)}},
                "chunk_key_encoding": {"name": "default"},
                "fill_value": 0,
                "codecs": [{"name": "bytes"}],
            },
        )
    ome = {
        "version": "0.5",
        "multiscales": [
            {
                "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                "datasets": [
                    {
                        "path": "0",
                        "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}],
                    },
                    {
                        "path": "1",
                        "coordinateTransformations": [{"type": "scale", "scale": [2, 2]}],
                    },
                ],
            }
        ],
    }
    write(
        tmp_path / "zarr.json",
        {"zarr_format": 3, "node_type": "group", "attributes": {"ome": ome}},
    )
    group = read_ome(MetadataReader(tmp_path), tmp_path)
    assert group.version == "0.5" and group.image is not None
    assert group.image.version == "0.5"
    assert [lv.shape for lv in group.image.levels] == [(16, 16), (8, 8)]
    assert group.image.levels[0].array is not None
    assert group.image.levels[0].array.dtype == "uint8"
