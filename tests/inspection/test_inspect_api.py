"""Inspecting datasets through the real server: meta (and later stats, thumbnail)."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from tornado.httpclient import HTTPClientError

from fileglancer_ext.demo.data import write_demo_data


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
    invalid = lab / "invalid.ome.zarr"
    shutil.copytree(lab / "ome-zarr-0.4" / "cells.ome.zarr", invalid)
    shutil.rmtree(invalid / "s1")  # a pyramid level the metadata promises is gone
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
    assert meta["validation"]["valid"] is True
    assert meta["validation"]["version"] == "0.4"


async def test_meta_reports_why_an_ome_zarr_is_invalid(jp_fetch):
    meta = await get_json(jp_fetch, "meta", "lab", "invalid.ome.zarr")
    validation = meta["validation"]
    assert validation["valid"] is False
    assert any("s1" in (error["file"] + error["message"]) for error in validation["errors"])


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


async def test_thumbnail_is_a_png_of_the_requested_size_with_the_channel_colours(jp_fetch):
    response = await get(jp_fetch, "thumbnail", "lab", "ome-zarr-0.5/cells.ome.zarr", size="128")
    assert response.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.body))
    assert image.format == "PNG" and max(image.size) == 128
    red, green, blue = (band.getextrema()[1] for band in image.convert("RGB").split())
    assert red > 0 and green > 0 and blue > 0


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("ome-zarr-0.5/cells.ome.zarr", "level 's2', maximum projection over 16 z planes"),
        ("zarr-v3/sharded.zarr", "the array, middle plane [64]"),
        ("n5/nuclei.n5", "middle plane [8]"),
        ("tiff/cells.ome.tif", "series 0, level 2 (the smallest), z plane 8 of 16"),
    ],
)
async def test_thumbnail_says_which_level_and_plane_it_shows(jp_fetch, path: str, shown: str):
    """The inspector's larger preview captions the picture with this header."""
    from urllib.parse import unquote

    response = await get(jp_fetch, "thumbnail", "lab", path, size="512")
    assert shown in unquote(response.headers["X-Fileglancer-Preview"])
    again = await get(jp_fetch, "thumbnail", "lab", path, size="512")  # from the cache
    assert again.headers["X-Fileglancer-Preview"] == response.headers["X-Fileglancer-Preview"]


@pytest.mark.parametrize("size", ["big", "-5", "5", "4096"])
async def test_thumbnail_refuses_a_bad_size(jp_fetch, size: str):
    status, body = await error_of(
        jp_fetch, "thumbnail", "lab", "ome-zarr-0.4/cells.ome.zarr", size=size
    )
    assert (status, body["error"]) == (400, "bad_request")


async def test_thumbnail_of_something_that_is_not_an_image_is_a_clear_400(jp_fetch):
    status, body = await error_of(jp_fetch, "thumbnail", "lab", "many-files")
    assert status == 400 and "no image" in body["message"]


async def test_stats_count_chunks_per_level_and_the_compression_ratio(jp_fetch, lab: Path):
    stats = {"state": "computing"}
    for _ in range(50):  # small data answers at once; poll briefly like the UI does
        stats = await get_json(jp_fetch, "stats", "lab", "ome-zarr-0.4/cells.ome.zarr")
        if stats["state"] == "done":
            break
    assert stats["state"] == "done"
    assert [level["path"] for level in stats["levels"]] == ["s0", "s1", "s2"]
    s0 = stats["levels"][0]
    assert s0["logical_bytes"] == 3 * 16 * 256 * 256 * 2
    assert s0["chunks_missing"] == 0 and s0["chunk_files"] == s0["chunks_expected"]
    assert stats["compression_ratio"] > 1
    files = [p for p in (lab / "ome-zarr-0.4/cells.ome.zarr").rglob("*") if p.is_file()]
    assert stats["stored_bytes"] == sum(p.stat().st_size for p in files)
    assert stats["files"] == len(files)


async def test_stats_of_a_missing_path_is_404(jp_fetch):
    status, body = await error_of(jp_fetch, "stats", "lab", "nope.zarr")
    assert (status, body["error"]) == (404, "not_found")
