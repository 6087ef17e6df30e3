"""The viewer's routes through the real server: `viewer-info` describes demo OME-Zarr 0.4
and 0.5, N5 and OME-TIFF images, `tile` draws decoded PNG pixels from the level that fits
the zoom, for a z, channels, windows and colours, and bad parameters are 400s."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import zarr
from PIL import Image
from tornado.httpclient import HTTPClientError

from fileglancer_ext.demo.data import (
    LABEL_NAME,
    N5_PYRAMID,
    OME_TIFF,
    OME_ZARR_V04,
    OME_ZARR_V05,
    write_demo_data,
)

IMAGES = [OME_ZARR_V04.name, OME_ZARR_V05.name, N5_PYRAMID.name, OME_TIFF.name]
LEVEL_VALUES = (40, 120, 200)  # the constant grey of each level of the synthetic pyramid


def _write_levels(path: Path) -> None:
    """A 2048 x 2048 OME-Zarr 0.4 (y, x) of 3 levels, each a constant of its own."""
    group = zarr.open_group(path, mode="w", zarr_format=2)
    datasets = []
    for index, value in enumerate(LEVEL_VALUES):
        side = 2048 // 2**index
        array = group.create_array(str(index), shape=(side, side), chunks=(256, 256), dtype="uint8")
        array[:] = value
        datasets.append(
            {
                "path": str(index),
                "coordinateTransformations": [{"type": "scale", "scale": [2.0**index] * 2}],
            }
        )
    group.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": [
                {"name": "y", "type": "space", "unit": "micrometer"},
                {"name": "x", "type": "space", "unit": "micrometer"},
            ],
            "datasets": datasets,
        }
    ]
    group.attrs["omero"] = {
        "channels": [{"color": "FFFFFF", "window": {"start": 0, "end": 255, "min": 0, "max": 255}}]
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lab = tmp_path_factory.mktemp("lab")
    write_demo_data(lab, many_files=0)
    _write_levels(lab / "levels.ome.zarr")
    (lab / "notes.txt").write_text("no image")
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def info(jp_fetch, path: str) -> dict:
    response = await jp_fetch("fileglancer", "api", "viewer-info", "lab", path)
    return json.loads(response.body)


async def tile(jp_fetch, path: str, **params: str) -> np.ndarray:
    response = await jp_fetch("fileglancer", "api", "tile", "lab", path, params=params)
    assert response.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.body))
    assert image.mode == "RGB"
    return np.asarray(image).astype(int)


async def status(jp_fetch, *parts: str, **params: str) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", *parts, params=params)
    body = caught.value.response.body if caught.value.response is not None else b"{}"
    return caught.value.code, json.loads(body or b"{}").get("message", "")


@pytest.mark.parametrize("name", IMAGES)
async def test_viewer_info_gives_levels_planes_channels_and_pixel_size(jp_fetch, name):
    described = await info(jp_fetch, name)
    assert (described["width"], described["height"], described["z"], described["t"]) == (
        256,
        256,
        16,
        1,
    )
    assert [level["downsample"] for level in described["levels"]] == [1.0, 2.0, 4.0]
    assert described["pixelSize"]["x"] == 0.5
    channels = described["channels"]
    assert len(channels) == (1 if name == N5_PYRAMID.name else 3)
    for channel in channels:  # every channel gets a usable window (OMERO's or automatic)
        window = channel["window"]
        assert window["min"] <= window["start"] < window["end"] <= window["max"]
    if name != N5_PYRAMID.name:
        assert [c["name"] for c in channels] == ["DAPI", "GFP", "mCherry"]
        assert [c["color"] for c in channels] == ["0000FF", "00FF00", "FF0000"]


@pytest.mark.parametrize("name", IMAGES)
async def test_tiles_change_with_z_channels_windows_and_colors(jp_fetch, name):
    base = await tile(
        jp_fetch, name, scale="0", x="0", y="0", z="8", channels="0", windows="0:20000"
    )
    assert base.shape == (256, 256, 3) and base.max() > 0
    assert not np.array_equal(
        base,
        await tile(jp_fetch, name, scale="0", x="0", y="0", z="2", channels="0", windows="0:20000"),
    )
    narrow = await tile(
        jp_fetch, name, scale="0", x="0", y="0", z="8", channels="0", windows="0:5000"
    )
    assert narrow.sum() > base.sum()  # a narrower window is brighter
    red = await tile(
        jp_fetch,
        name,
        scale="0",
        x="0",
        y="0",
        z="8",
        channels="0",
        windows="0:20000",
        colors="FF0000",
    )
    assert red[..., 0].max() > 0 and red[..., 1:].max() == 0
    if name != N5_PYRAMID.name:  # three channels: hiding one changes the colours drawn
        both = await tile(jp_fetch, name, scale="0", x="0", y="0", z="8", channels="0,1")
        one = await tile(jp_fetch, name, scale="0", x="0", y="0", z="8", channels="1")
        assert both[..., 2].max() > 0 and one[..., 2].max() == 0


@pytest.mark.parametrize("name", [OME_ZARR_V04.name, OME_ZARR_V05.name])
async def test_the_demo_labels_overlay_the_tile_in_their_image_label_colours(jp_fetch, lab, name):
    """The demo's nuclei segmentation (`labels/nuclei`) over the channels: changed pixels
    are half the tile, half one of its `image-label` colours (LABEL_OPACITY)."""
    assert (await info(jp_fetch, name))["labels"] == [LABEL_NAME]
    attrs = zarr.open_group(lab / name / "labels" / LABEL_NAME, mode="r").attrs.asdict()
    colors = (attrs.get("ome") or attrs)["image-label"]["colors"]
    palette = np.array([entry["rgba"][:3] for entry in colors])
    query = {"scale": "0", "x": "0", "y": "0", "z": "8"}
    plain = await tile(jp_fetch, name, **query)
    overlaid = await tile(jp_fetch, name, **query, labels=LABEL_NAME)
    changed = np.any(plain != overlaid, axis=-1)
    assert 0.02 < changed.mean() < 0.3  # the nuclei, not the background
    drawn = 2 * overlaid[changed] - plain[changed]  # the label colour, +-1 for rounding
    nearest = np.abs(drawn[:, None, :] - palette[None, :, :]).max(axis=-1).min(axis=-1)
    assert nearest.max() <= 1
    assert len(np.unique(drawn // 4, axis=0)) >= 5  # several nuclei, each its own colour


@pytest.mark.parametrize(("scale", "level"), [(0, 0), (1, 1), (2, 2), (3, 2)])
async def test_a_tile_is_drawn_from_the_coarsest_level_that_keeps_its_resolution(
    jp_fetch, scale, level
):
    described = await info(jp_fetch, "levels.ome.zarr")
    assert described["maxScale"] == 3 and described["pixelSize"] == {
        "x": 1.0,
        "y": 1.0,
        "unit": "micrometer",
    }
    pixels = await tile(jp_fetch, "levels.ome.zarr", scale=str(scale), x="0", y="0")
    assert pixels.shape == (256, 256, 3)
    assert (pixels == LEVEL_VALUES[level]).all()


async def test_the_last_tile_of_a_row_is_cut_to_the_image(jp_fetch):
    pixels = await tile(jp_fetch, "levels.ome.zarr", scale="3", x="0", y="0")
    assert pixels.shape == (256, 256, 3)
    code, message = await status(
        jp_fetch, "tile", "lab", "levels.ome.zarr", scale="3", x="1", y="0"
    )
    assert code == 400 and "outside the image" in message


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"x": "0", "y": "0"}, "scale is required"),
        ({"scale": "0", "x": "a", "y": "0"}, "x must be an integer"),
        ({"scale": "0", "x": "-1", "y": "0"}, "x must be 0 or more"),
        ({"scale": "4", "x": "0", "y": "0"}, "scale must be at most 3"),
        ({"scale": "0", "x": "8", "y": "0"}, "outside the image"),
        ({"scale": "0", "x": "0", "y": "0", "z": "1"}, ""),  # no z axis: z must be 0
        ({"scale": "0", "x": "0", "y": "0", "channels": "1"}, "channel 1 does not exist"),
        ({"scale": "0", "x": "0", "y": "0", "channels": "x"}, "channels must be"),
        ({"scale": "0", "x": "0", "y": "0", "channels": "0", "windows": "1-2"}, "windows must be"),
        ({"scale": "0", "x": "0", "y": "0", "channels": "0", "colors": "red"}, "colors must be"),
        ({"scale": "0", "x": "0", "y": "0", "labels": "a,b,c,d,e"}, "at most 4 label images"),
        ({"scale": "0", "x": "0", "y": "0", "labels": "cells"}, "no label image 'cells'"),
    ],
)
async def test_bad_tile_parameters_are_400s_that_say_which(jp_fetch, params, expected):
    if "z" in params:  # an image without z accepts only z=0: the demo's z is 16
        code, message = await status(
            jp_fetch, "tile", "lab", OME_ZARR_V04.name, scale="0", x="0", y="0", z="16"
        )
        assert code == 400 and "z must be below 16" in message
        return
    code, message = await status(jp_fetch, "tile", "lab", "levels.ome.zarr", **params)
    assert code == 400 and expected in message


async def test_no_image_and_paths_outside_the_roots_are_refused(jp_fetch, lab):
    code, message = await status(jp_fetch, "viewer-info", "lab", "notes.txt")
    assert code == 400 and "no image" in message
    assert (await status(jp_fetch, "viewer-info", "lab", "../outside"))[0] in (400, 403, 404)
    assert (await status(jp_fetch, "tile", "nowhere", "x", scale="0", x="0", y="0"))[0] == 404
    assert str(lab) not in message


async def test_pixel_gives_each_channel_value_at_a_pixel_and_plane(jp_fetch, lab):
    expected = zarr.open_array(lab / OME_ZARR_V04.name / "s0", mode="r")[:, 5, 30, 40]
    response = await jp_fetch(
        "fileglancer",
        "api",
        "pixel",
        "lab",
        OME_ZARR_V04.name,
        params={"x": "40", "y": "30", "z": "5"},
    )
    found = json.loads(response.body)
    assert [v["value"] for v in found["values"]] == expected.tolist()
    assert [v["name"] for v in found["values"]] == ["DAPI", "GFP", "mCherry"]
    code, message = await status(jp_fetch, "pixel", "lab", OME_ZARR_V04.name, x="256", y="0")
    assert code == 400 and "outside" in message
    assert (await status(jp_fetch, "pixel", "lab", OME_ZARR_V04.name, y="0"))[1] == "x is required"
