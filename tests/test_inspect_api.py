"""Inspecting datasets through the real server: meta (and later stats, thumbnail)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from fileglancer_ext.demo_data import write_demo_data


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("demo") / "demo"
    write_demo_data(destination, many_files=5)
    return destination


@pytest.fixture
def lab(tmp_path: Path, demo_data: Path) -> Path:
    lab = tmp_path / "lab"
    shutil.copytree(demo_data, lab, copy_function=os.link)
    broken = lab / "broken.zarr"
    broken.mkdir()
    (broken / ".zarray").write_text('{"shape": [10, 10], "chunks": ')  # truncated JSON
    (tmp_path / "outside").mkdir()
    (lab / "escape").symlink_to(tmp_path / "outside")
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def get(jp_fetch, *parts: str, **params: str):
    return await jp_fetch("fileglancer", "api", *parts, params=params)


async def get_json(jp_fetch, *parts: str, **params: str) -> dict:
    response = await get(jp_fetch, *parts, **params)
    assert response.code == 200
    return json.loads(response.body)


async def error_of(jp_fetch, *parts: str, **params: str) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await get(jp_fetch, *parts, **params)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_meta_summarizes_the_demo_ome_zarr_image(jp_fetch):
    meta = await get_json(jp_fetch, "meta", "lab", "ome-zarr-0.4/cells.ome.zarr")
    assert (meta["root"], meta["path"]) == ("lab", "ome-zarr-0.4/cells.ome.zarr")
    assert (meta["kind"], meta["zarr_format"], meta["ome_version"]) == ("ome-zarr", 2, "0.4")
    image = meta["ome"]["multiscales"][0]
    assert [axis["name"] for axis in image["axes"]] == ["c", "z", "y", "x"]
    assert [level["path"] for level in image["datasets"]] == ["s0", "s1", "s2"]
    assert image["datasets"][0]["shape"] == [3, 16, 256, 256]
    assert image["datasets"][1]["pixel_size"]["x"] == {"value": 1.0, "unit": "micrometer"}
    channels = meta["ome"]["omero"]["channels"]
    assert [(c["label"], c["color"]) for c in channels] == [
        ("DAPI", "0000FF"),
        ("GFP", "00FF00"),
        ("mCherry", "FF0000"),
    ]
    assert ".zattrs" in meta["raw"] and meta["problems"] == []


async def test_meta_summarizes_a_sharded_zarr_v3_array(jp_fetch):
    meta = await get_json(jp_fetch, "meta", "lab", "zarr-v3/sharded.zarr")
    array = meta["array"]
    assert array["shape"] == [128, 512, 512]
    assert array["shard_shape"] == [64, 256, 256] and array["chunk_shape"] == [32, 64, 64]
    assert array["dimension_names"] == ["z", "y", "x"]


async def test_malformed_metadata_is_reported_not_a_server_error(jp_fetch):
    meta = await get_json(jp_fetch, "meta", "lab", "broken.zarr")
    assert meta["kind"] == "zarr-array"
    assert any(problem["file"] == ".zarray" for problem in meta["problems"])


@pytest.mark.parametrize(
    ("path", "status"), [("escape", 403), ("no-such.zarr", 404), ("a/../b", 400)]
)
async def test_meta_refuses_paths_like_every_route(jp_fetch, path: str, status: int):
    got, body = await error_of(jp_fetch, "meta", "lab", path)
    assert got == status and body["message"]


async def test_meta_needs_a_logged_in_user(jp_fetch):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(
            "fileglancer", "api", "meta", "lab", "", headers={"Authorization": "token wrong"}
        )
    assert caught.value.code == 403
