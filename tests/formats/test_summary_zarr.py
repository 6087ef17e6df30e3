"""summarize() on Zarr v2/v3 arrays and groups written by zarr-python and tensorstore."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numcodecs
import pytest
import tensorstore as ts
import zarr

from fileglancer_ext.errors import NotFound
from fileglancer_ext.formats.summary import summarize


def _problem_files(summary: dict) -> list[str]:
    return [p["file"] for p in summary["problems"]]


def test_zarr_python_v2_array_with_blosc_filters_and_slash_separator(tmp_path: Path) -> None:
    path = tmp_path / "v2.zarr"
    zarr.create_array(
        store=path,
        shape=(100, 200),
        chunks=(10, 30),
        dtype="u2",
        zarr_format=2,
        compressors=numcodecs.Blosc(cname="zstd", clevel=3, shuffle=2),
        filters=[numcodecs.Delta(dtype="u2")],
        chunk_key_encoding={"name": "v2", "separator": "/"},
        fill_value=7,
        attributes={"_ARRAY_DIMENSIONS": ["y", "x"], "note": "hi"},
    )
    summary = summarize(path)
    assert summary["kind"] == "zarr-array"
    assert summary["zarr_format"] == 2
    assert summary["problems"] == []
    assert summary["group"] is None and summary["ome"] is None and summary["n5"] is None
    array = summary["array"]
    assert array["shape"] == [100, 200]
    assert array["dtype"] == "uint16" and array["data_type"] == "<u2" and array["itemsize"] == 2
    assert array["byte_order"] == "little" and array["dtype_code"] == "<u2"
    assert array["chunk_shape"] == [10, 30]
    assert array["shard_shape"] is None and array["chunks_per_shard"] is None
    assert array["compressor"] == {
        "id": "blosc",
        "cname": "zstd",
        "clevel": 3,
        "shuffle": 2,
        "blocksize": 0,
    }
    assert array["filters"] == [{"id": "delta", "dtype": "<u2", "astype": "<u2"}]
    assert [c["name"] for c in array["codecs"]] == ["delta", "blosc"]
    assert array["codecs"][1]["configuration"]["cname"] == "zstd"
    assert array["fill_value"] == 7
    assert array["order"] == "C"
    assert array["dimension_separator"] == "/"
    assert array["chunk_key_encoding"] == {"name": "v2", "configuration": {"separator": "/"}}
    assert array["dimension_names"] == ["y", "x"]
    assert array["attributes"] == {"_ARRAY_DIMENSIONS": ["y", "x"], "note": "hi"}
    assert array["chunks_expected"] == 10 * 7  # ceil(200 / 30) == 7
    assert array["logical_bytes"] == 100 * 200 * 2
    assert set(summary["raw"]) == {".zarray", ".zattrs"}
    assert summary["raw"][".zarray"]["zarr_format"] == 2


def test_zarr_python_v3_sharded_array_with_dimension_names(tmp_path: Path) -> None:
    path = tmp_path / "v3.zarr"
    zarr.create_array(
        store=path,
        shape=(100, 200),
        chunks=(10, 20),
        shards=(50, 100),
        dtype="float32",
        dimension_names=["y", "x"],
        attributes={"a": 1},
    )
    summary = summarize(path)
    assert summary["kind"] == "zarr-array" and summary["zarr_format"] == 3
    assert summary["problems"] == []
    array = summary["array"]
    assert array["shape"] == [100, 200]
    assert array["data_type"] == "float32" and array["dtype"] == "float32"
    assert array["dtype_code"] == "<f4"
    assert array["shard_shape"] == [50, 100]
    assert array["chunk_shape"] == [10, 20]
    assert array["chunks_per_shard"] == 25
    assert array["chunks_expected"] == 4  # shard files
    assert array["codecs"][0]["name"] == "sharding_indexed"
    inner = [c["name"] for c in array["codecs"][0]["configuration"]["codecs"]]
    assert inner[0] == "bytes"
    assert array["chunk_key_encoding"]["name"] == "default"
    assert array["dimension_separator"] == "/"
    assert array["dimension_names"] == ["y", "x"]
    assert array["attributes"] == {"a": 1}
    assert array["fill_value"] == 0.0
    assert array["order"] is None
    assert array["logical_bytes"] == 100 * 200 * 4
    assert list(summary["raw"]) == ["zarr.json"]


def test_v3_group_lists_members_from_disk(tmp_path: Path) -> None:
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    group.create_array("b", shape=(3, 4), dtype="int16")
    group.create_group("a")
    (tmp_path / "g.zarr" / "not-a-node").mkdir()
    summary = summarize(tmp_path / "g.zarr")
    assert summary["kind"] == "zarr-group" and summary["zarr_format"] == 3
    assert summary["array"] is None
    assert summary["group"] == {
        "members": [
            {"name": "a", "kind": "zarr-group", "shape": None, "dtype": None},
            {"name": "b", "kind": "zarr-array", "shape": [3, 4], "dtype": "int16"},
        ],
        "members_total": 2,
        "members_offset": 0,
        "members_truncated": False,
        "consolidated": False,
    }
    assert list(summary["raw"]) == ["zarr.json"]  # members' documents are not copied


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_consolidated_metadata_is_used_for_members(tmp_path: Path, zarr_format: int) -> None:
    path = tmp_path / "c.zarr"
    group = zarr.open_group(path, mode="w", zarr_format=zarr_format)
    group.create_array("img", shape=(8, 9), dtype="uint8")
    group.create_group("sub")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # v3 consolidated metadata is not in the spec yet
        zarr.consolidate_metadata(path)
    # Only consolidated metadata can still tell about the members now.
    shutil.rmtree(path / "img")
    shutil.rmtree(path / "sub")
    summary = summarize(path)
    assert summary["kind"] == "zarr-group" and summary["zarr_format"] == zarr_format
    assert summary["group"]["consolidated"] is True
    assert summary["group"]["members"] == [
        {"name": "img", "kind": "zarr-array", "shape": [8, 9], "dtype": "uint8"},
        {"name": "sub", "kind": "zarr-group", "shape": None, "dtype": None},
    ]
    assert summary["group"]["members_total"] == 2
    assert summary["problems"] == []
    if zarr_format == 2:
        assert ".zmetadata" in summary["raw"] and ".zgroup" in summary["raw"]


def test_tensorstore_zarr_v2_array(tmp_path: Path) -> None:
    path = tmp_path / "ts2.zarr"
    ts.open(
        {"driver": "zarr", "kvstore": {"driver": "file", "path": str(path)}},
        create=True,
        dtype=ts.int32,
        shape=[30, 40, 50],
        chunk_layout=ts.ChunkLayout(chunk_shape=[10, 20, 25]),
    ).result()
    summary = summarize(path)
    assert summary["kind"] == "zarr-array" and summary["zarr_format"] == 2
    assert summary["problems"] == []
    array = summary["array"]
    assert array["shape"] == [30, 40, 50]
    assert array["chunk_shape"] == [10, 20, 25]
    assert array["dtype"] == "int32" and array["dtype_code"] == "<i4"
    assert array["chunks_expected"] == 3 * 2 * 2
    assert array["logical_bytes"] == 30 * 40 * 50 * 4
    assert array["order"] == "C"
    assert array["compressor"] == json.loads((path / ".zarray").read_text())["compressor"]
    assert array["dimension_separator"] == "."  # tensorstore omits it; "." is the default
    assert array["attributes"] == {}


def test_tensorstore_zarr_v3_array(tmp_path: Path) -> None:
    path = tmp_path / "ts3.zarr"
    ts.open(
        {
            "driver": "zarr3",
            "kvstore": {"driver": "file", "path": str(path)},
            "metadata": {
                "shape": [64, 48],
                "data_type": "uint16",
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [32, 16]}},
                "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                "dimension_names": ["row", "col"],
            },
        },
        create=True,
    ).result()
    summary = summarize(path)
    assert summary["zarr_format"] == 3 and summary["problems"] == []
    array = summary["array"]
    assert array["shape"] == [64, 48] and array["chunk_shape"] == [32, 16]
    assert array["dtype"] == "uint16" and array["data_type"] == "uint16"
    assert array["shard_shape"] is None
    assert array["codecs"] == [{"name": "bytes", "configuration": {"endian": "little"}}]
    assert array["dimension_names"] == ["row", "col"]
    assert array["chunks_expected"] == 2 * 3
    assert array["chunk_key_encoding"]["name"] == "default"


def test_truncated_zarray_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.zarr"
    zarr.create_array(store=path, shape=(4,), dtype="u1", zarr_format=2)
    text = (path / ".zarray").read_text()
    (path / ".zarray").write_text(text[: len(text) // 2])
    summary = summarize(path)
    assert summary["kind"] == "zarr-array"
    assert summary["array"] is None
    assert _problem_files(summary) == [".zarray"]
    assert "malformed .zarray" in summary["problems"][0]["message"]
    assert summary["raw"][".zarray"] is None


def test_wrong_types_are_problems_and_the_rest_is_summarized(tmp_path: Path) -> None:
    path = tmp_path / "wrong.zarr"
    zarr.create_array(store=path, shape=(10, 10), chunks=(5, 5), dtype="u1", zarr_format=2)
    doc = json.loads((path / ".zarray").read_text())
    doc["shape"] = "10,10"
    (path / ".zarray").write_text(json.dumps(doc))
    summary = summarize(path)
    array = summary["array"]
    assert array["shape"] is None and array["logical_bytes"] is None
    assert array["chunks_expected"] is None
    assert array["chunk_shape"] == [5, 5] and array["dtype"] == "uint8"
    assert [p["message"] for p in summary["problems"]] == [
        "malformed .zarray: shape has the wrong type"
    ]


def test_oversized_zattrs_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "big.zarr"
    group = zarr.open_group(path, mode="w", zarr_format=2)
    group.create_array("x", shape=(2,), dtype="u1")
    (path / ".zattrs").write_text(json.dumps({"blob": "x" * (5 * 1024 * 1024)}))
    summary = summarize(path)
    assert summary["kind"] == "zarr-group"
    assert ".zattrs" in _problem_files(summary)
    assert "too large" in summary["problems"][0]["message"]
    assert summary["raw"][".zattrs"] is None
    assert [m["name"] for m in summary["group"]["members"]] == ["x"]


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        summarize(tmp_path / "nope.zarr")


def test_plain_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hi")
    assert summarize(tmp_path / "a.txt")["kind"] == "file"
    summary = summarize(tmp_path)
    assert summary["kind"] == "directory"
    assert summary["raw"] == {} and summary["problems"] == []


def test_group_with_500_members_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "many.zarr"
    path.mkdir()
    (path / ".zgroup").write_text('{"zarr_format": 2}')
    zarray = json.dumps(
        {
            "shape": [3],
            "chunks": [3],
            "dtype": "<f8",
            "compressor": None,
            "fill_value": 0,
            "filters": None,
            "order": "C",
            "zarr_format": 2,
        }
    )
    for index in range(500):  # hand-written: 500 zarr-python arrays would take seconds
        member = path / f"m{index:03d}"
        member.mkdir()
        (member / ".zarray").write_text(zarray)
    summary = summarize(path, member_limit=200)
    group = summary["group"]
    assert group["members_total"] == 500
    assert group["members_truncated"] is True
    assert len(group["members"]) == 200
    assert group["members"][0] == {
        "name": "m000",
        "kind": "zarr-array",
        "shape": [3],
        "dtype": "float64",
    }
    assert group["members"][-1]["name"] == "m199"
