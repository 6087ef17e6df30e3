"""summarize() on N5 datasets and multiscale groups written by tensorstore."""

from __future__ import annotations

import json
from pathlib import Path

import tensorstore as ts

from fileglancer_ext.formats.summary import summarize


def _dataset(path: Path, dims: list[int], block: list[int], **extra: object) -> None:
    metadata = {
        "dimensions": dims,
        "blockSize": block,
        "dataType": "uint16",
        "compression": {"type": "gzip", "level": 5},
        **extra,
    }
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(path)}, "metadata": metadata}
    ts.open(spec, create=True).result()


def test_tensorstore_n5_dataset(tmp_path: Path) -> None:
    path = tmp_path / "data.n5" / "volume"
    _dataset(path, [100, 60, 30], [64, 32, 16])
    summary = summarize(path)
    assert summary["kind"] == "n5-array"
    assert summary["zarr_format"] is None and summary["array"] is None
    assert summary["problems"] == []
    dataset = summary["n5"]["dataset"]
    assert summary["n5"]["group"] is None
    assert dataset["dimensions"] == [100, 60, 30] and dataset["order"] == "F"
    assert dataset["shape_c_order"] == [30, 60, 100]
    assert dataset["block_size"] == [64, 32, 16]
    assert dataset["block_shape_c_order"] == [16, 32, 64]
    assert dataset["data_type"] == "uint16" and dataset["dtype"] == "uint16"
    assert dataset["byte_order"] == "big" and dataset["dtype_code"] == ">u2"
    assert dataset["compression"] == {
        "type": "gzip",
        "settings": {"level": 5, "useZlib": False},
    }
    assert dataset["chunks_expected"] == 2 * 2 * 2
    assert dataset["logical_bytes"] == 100 * 60 * 30 * 2
    assert dataset["attributes"] == {}
    assert summary["raw"]["attributes.json"]["dataType"] == "uint16"


def test_multiscale_group(tmp_path: Path) -> None:
    root = tmp_path / "pyramid.n5"
    root.mkdir()
    # The group's attributes as n5-viewer / BigDataViewer write them.
    group_attrs = {
        "n5": "2.5.1",
        "scales": [[1, 1, 1], [2, 2, 1], [4, 4, 2]],
        "pixelResolution": {"dimensions": [0.25, 0.25, 1.0], "unit": "um"},
        "downsamplingFactors": [[1, 1, 1], [2, 2, 1], [4, 4, 2]],
        "name": "cells",
    }
    (root / "attributes.json").write_text(json.dumps(group_attrs))
    for level, (x, y, z) in enumerate([(64, 48, 8), (32, 24, 8), (16, 12, 4)]):
        _dataset(root / f"s{level}", [x, y, z], [16, 16, 4])
    # Level 10 sorts after level 2 by number, not by name.
    (root / "s10").mkdir()
    (root / "s10" / "attributes.json").write_text('{"dimensions": [1, 1, 1], "dataType": "int8"}')
    summary = summarize(root)
    assert summary["kind"] == "n5-group" and summary["problems"] == []
    group = summary["n5"]["group"]
    assert group["n5_version"] == "2.5.1"
    assert group["attributes"]["name"] == "cells"
    assert group["children_total"] == 4 and group["children_truncated"] is False
    ms = group["multiscale"]
    assert ms["scales"] == group_attrs["scales"]
    assert ms["downsampling_factors"] == group_attrs["downsamplingFactors"]
    assert ms["pixel_resolution"] == {"dimensions": [0.25, 0.25, 1.0], "unit": "um"}
    assert [lv["path"] for lv in ms["levels"]] == ["s0", "s1", "s2", "s10"]
    assert ms["levels"][1]["dimensions"] == [32, 24, 8]
    assert ms["levels"][1]["shape_c_order"] == [8, 24, 32]
    assert ms["levels"][0]["data_type"] == "uint16"
    # The block size of each level, in C order like its shape: the inspector's "Chunks".
    assert ms["levels"][0]["block_shape_c_order"] == [4, 16, 16]
    assert ms["levels"][3]["block_shape_c_order"] is None
    truncated = summarize(root, member_limit=2)["n5"]["group"]
    assert truncated["children_total"] == 4 and truncated["children_truncated"] is True
    assert [c["name"] for c in truncated["children"]] == ["s0", "s1"]


def test_pixel_resolution_as_a_list(tmp_path: Path) -> None:
    path = tmp_path / "old.n5"
    _dataset(path, [8, 8], [4, 4], pixelResolution=[0.5, 0.5], downsamplingFactors=[2, 2])
    dataset = summarize(path)["n5"]["dataset"]
    assert dataset["pixel_resolution"] == {"dimensions": [0.5, 0.5], "unit": None}
    assert dataset["downsampling_factors"] == [2, 2]
    assert dataset["attributes"] == {"pixelResolution": [0.5, 0.5], "downsamplingFactors": [2, 2]}


def test_malformed_attributes_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.n5"
    path.mkdir()
    (path / "attributes.json").write_text('{"dimensions": [1, 2')
    summary = summarize(path)
    assert summary["n5"] is None
    assert [p["file"] for p in summary["problems"]] == ["attributes.json"]
    assert "malformed attributes.json" in summary["problems"][0]["message"]
    assert summary["raw"] == {"attributes.json": None}


def test_wrong_types_in_attributes_json(tmp_path: Path) -> None:
    path = tmp_path / "wrong.n5"
    path.mkdir()
    doc = {
        "dimensions": "10,10",
        "blockSize": [5, 5],
        "dataType": "uint99",
        "compressionType": "raw",
    }
    (path / "attributes.json").write_text(json.dumps(doc))
    summary = summarize(path)
    dataset = summary["n5"]["dataset"]
    assert dataset["dimensions"] is None and dataset["logical_bytes"] is None
    assert dataset["block_size"] == [5, 5]
    assert dataset["compression"] == {"type": "raw", "settings": {}}
    assert len(summary["problems"]) == 2
    assert all(p["file"] == "attributes.json" for p in summary["problems"])
