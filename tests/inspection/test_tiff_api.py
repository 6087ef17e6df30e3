"""TIFF through the real server: `GET meta` has the tiff section and health, `GET thumbnail`
draws it, and a broken .tif is a problem, never a 500."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from fileglancer_ext.demo.data import OME_TIFF, PLAIN_TIFF, write_demo_data


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lab = tmp_path_factory.mktemp("lab")
    write_demo_data(lab, many_files=0)
    (lab / "notes.tif").write_text("not an image")
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def get(jp_fetch, *parts: str, **params: str):
    return await jp_fetch("fileglancer", "api", *parts, params=params)


async def test_meta_of_an_ome_tiff_has_series_levels_channels_and_no_health_warning(jp_fetch):
    summary = json.loads((await get(jp_fetch, "meta", "lab", OME_TIFF.name)).body)
    assert summary["kind"] == "ome-tiff"
    series = summary["tiff"]["series"][0]
    assert len(series["levels"]) == 3 and series["channels"][1]["name"] == "GFP"
    assert summary["health"] == []


async def test_meta_of_a_plain_tiff_suggests_converting_it(jp_fetch):
    summary = json.loads((await get(jp_fetch, "meta", "lab", PLAIN_TIFF.name)).body)
    plain = next(h for h in summary["health"] if h["code"] == "plain-tiff")
    assert plain["fix"]["kind"] == "tiff-to-ome-zarr"


async def test_meta_of_a_text_file_named_tif_is_a_problem_not_a_500(jp_fetch):
    summary = json.loads((await get(jp_fetch, "meta", "lab", "notes.tif")).body)
    assert summary["kind"] == "file" and "not a TIFF" in summary["problems"][0]["message"]


async def test_thumbnail_route_draws_a_tiff(jp_fetch):
    response = await get(jp_fetch, "thumbnail", "lab", OME_TIFF.name, size="96")
    assert response.code == 200
    assert Image.open(io.BytesIO(response.body)).size == (96, 96)
