"""`GET /fileglancer/api/viewers/{root}/{path}`: the Share tab's answer for one dataset,
through the real server: no viewers until the dataset has a data link, Neuroglancer,
vizarr and the validator once it has, none again after revocation."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from fileglancer_ext.demo.data import _write_ome_zarr

from .conftest import api, api_status

IMAGE = "data/cells.ome.zarr"


@pytest.fixture
def image(share_tree: dict[str, Path]) -> Path:
    path = share_tree["lab"] / IMAGE
    _write_ome_zarr(path, ngff_version="0.4")
    return path


@pytest.fixture
def fileglancer_config(share_tree: dict[str, Path], store_url: str) -> dict:
    return {
        "roots": [
            {
                "name": "lab",
                "path": str(share_tree["lab"]),
                "smb_url": "smb://fs.example.org/lab",
                "unc_path": r"\\fs.example.org\lab",
            }
        ],
        "database_url": store_url,
        "extra_viewers": [
            {
                "name": "Lab viewer",
                "url_template": "https://lab.example/?u={url}",
                "kinds": ["ome-zarr"],
            },
            {"name": "Broken", "url_template": "no placeholder", "kinds": ["ome-zarr"]},
        ],
        "neuroglancer_url": "https://ng.example.org/",
    }


async def test_without_a_link_there_are_local_snippets_and_paths_but_no_viewers(
    jp_fetch, image: Path
):
    answer = await api(jp_fetch, "GET", "viewers", "lab", IMAGE)
    assert answer["link"] is None and answer["data_url"] is None
    assert answer["viewers"] == []
    assert {snippet["target"] for snippet in answer["snippets"]} == {"local"}
    assert any(str(image) in snippet["code"] for snippet in answer["snippets"])
    assert answer["paths"] == {
        "linux": str(image),
        "mac": "smb://fs.example.org/lab/data/cells.ome.zarr",
        "windows": r"\\fs.example.org\lab\data\cells.ome.zarr",
    }


async def test_a_shared_image_opens_in_each_viewer_through_its_link(jp_fetch, image: Path):
    link = await api(jp_fetch, "POST", "links", body={"root": "lab", "path": IMAGE})
    answer = await api(jp_fetch, "GET", "viewers", "lab", IMAGE)
    assert answer["link"]["id"] == link["id"]
    assert answer["data_url"] == link["url"]
    names = [viewer["name"] for viewer in answer["viewers"]]
    assert "Neuroglancer" in names and "vizarr" in names and "Lab viewer" in names
    assert "Broken" not in names  # malformed: logged and left out
    neuroglancer = next(v for v in answer["viewers"] if v["name"] == "Neuroglancer")
    base, fragment = neuroglancer["url"].split("#!", 1)
    assert base == "https://ng.example.org/"
    state = json.loads(urllib.parse.unquote(fragment))
    sources = [layer["source"] for layer in state["layers"]]
    assert all(str(source).find(f"zarr2://{link['url']}") >= 0 for source in sources)
    # A layer per channel, then the demo's label image as a segmentation layer.
    assert [(layer["name"], layer["type"]) for layer in state["layers"]] == [
        ("DAPI", "image"),
        ("GFP", "image"),
        ("mCherry", "image"),
        ("nuclei (labels)", "segmentation"),
    ]
    lab_viewer = next(v for v in answer["viewers"] if v["name"] == "Lab viewer")
    assert lab_viewer["url"] == f"https://lab.example/?u={link['url']}"
    assert {snippet["target"] for snippet in answer["snippets"]} == {"local", "link"}

    # Revoked: the viewers go away with the link.
    await api(jp_fetch, "DELETE", "links", link["id"])
    answer = await api(jp_fetch, "GET", "viewers", "lab", IMAGE)
    assert answer["link"] is None and answer["viewers"] == []


@pytest.mark.parametrize(
    ("path", "status"), [("data/../../secret", 400), ("data/nothing.zarr", 404)]
)
async def test_viewers_refuse_paths_like_every_route(jp_fetch, image: Path, path: str, status: int):
    code, error = await api_status(jp_fetch, "GET", "viewers", "lab", path)
    assert code == status and error["message"]


async def test_viewers_need_a_logged_in_user(jp_fetch, image: Path):
    response = await jp_fetch(
        "fileglancer",
        "api",
        "viewers",
        "lab",
        IMAGE,
        headers={"Authorization": ""},
        raise_error=False,
    )
    assert response.code == 403


async def test_a_shared_ome_tiff_has_link_snippets_that_read_it(jp_fetch, share_tree):
    """A data link to one file: the link snippets name the file in the URL, so that
    `fileglancer_ext.open` and tifffile know it is a TIFF, and they read it through the link."""
    import asyncio

    import numpy as np

    from fileglancer_ext.demo.data import _write_ome_tiff

    path = share_tree["lab"] / "data" / "cells.ome.tif"
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_ome_tiff(path)
    link = await api(jp_fetch, "POST", "links", body={"root": "lab", "path": "data/cells.ome.tif"})
    answer = await api(jp_fetch, "GET", "viewers", "lab", "data/cells.ome.tif")
    remote = [s for s in answer["snippets"] if s["target"] == "link"]
    assert [s["title"] for s in remote][:2] == ["fileglancer_ext.open", "tifffile"]
    remote = remote[:2]  # then the virtual OME-Zarr's (test_tiff_virtual)
    url = link["url"].rstrip("/") + "/cells.ome.tif"
    assert all(repr(url) in s["code"] for s in remote)

    def run(code: str) -> np.ndarray:
        namespace: dict = {}
        exec(compile(code, "<snippet>", "exec"), namespace)
        image = namespace["image"]
        return np.asarray(image[(0,) * (image.ndim - 2)][:4, :4])

    from fileglancer_ext.notebook.opening import open_dataset

    expected = np.asarray(open_dataset(path).data)
    for snippet in remote:  # the server answers in this loop: read from another thread
        corner = await asyncio.to_thread(run, snippet["code"])
        np.testing.assert_array_equal(corner, expected[(0,) * (expected.ndim - 2)][:4, :4])
