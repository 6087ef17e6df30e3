"""Every layout the viewer opens, through the real `viewer-info` and `tile` routes: each
odd dataset of `tests/formats/variants.py` (OME-Zarr 0.1-0.5, Zarr v2 and v3, sharded, big
endian), images inside a plate's well (0.4 on Zarr v2, 0.5 on v3), bioformats2raw layouts
(v2, v3), a sharded OME-Zarr 0.5 image, an N5 dataset and pyramid, TIFF and OME-TIFF.
Each tile is compared with the pixels of level 0 as zarr (or tensorstore, tifffile) reads
them; a plate or a well alone says which image to open, and the pages of a TIFF stack
without metadata are its z planes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from PIL import Image
from tornado.httpclient import HTTPClientError

from fileglancer_ext.demo.data import N5_PYRAMID, OME_TIFF, PLAIN_TIFF, write_demo_data
from tests.formats.variants import VARIANTS, ramp

WINDOW = "0:250"  # the ramp's values (`variants.ramp`): grey = value * 255 / 250


def _image(path: Path, fmt: int, **options: Any) -> None:
    """A (c, y, x) OME-Zarr image of two levels, 0.4 on Zarr v2 or 0.5 on v3."""
    group = zarr.open_group(path, mode="w", zarr_format=fmt)
    datasets = []
    for index, side in enumerate((96, 48)):
        shape = (2, side, side)
        chunks = (1, 16, 16) if "shards" in options else (1, 32, 32)
        array = group.create_array(str(index), shape=shape, chunks=chunks, dtype="uint8", **options)
        array[:] = ramp(shape, "uint8")
        scale = [1.0, 2.0**index, 2.0**index]
        datasets.append(
            {"path": str(index), "coordinateTransformations": [{"type": "scale", "scale": scale}]}
        )
    axes = [{"name": "c", "type": "channel"}] + [{"name": n, "type": "space"} for n in "yx"]
    multiscales = [{"axes": axes, "datasets": datasets}]
    if fmt == 2:
        multiscales[0]["version"] = "0.4"
        group.attrs["multiscales"] = multiscales
    else:
        group.attrs["ome"] = {"version": "0.5", "multiscales": multiscales}


def _ome_attrs(path: Path, fmt: int, doc: dict[str, Any]) -> None:
    group = zarr.open_group(path, mode="a", zarr_format=fmt)
    if fmt == 2:
        group.attrs.update({key: {**value, "version": "0.4"} for key, value in doc.items()})
    else:
        group.attrs["ome"] = {"version": "0.5", **doc}


def _plate(path: Path, fmt: int) -> None:
    """A plate of one well A/1 holding one field, 0."""
    _image(path / "A" / "1" / "0", fmt)
    well = {"images": [{"path": "0"}]}
    _ome_attrs(path / "A" / "1", fmt, {"well": well})
    zarr.open_group(path / "A", mode="a", zarr_format=fmt)
    plate = {
        "rows": [{"name": "A"}],
        "columns": [{"name": "1"}],
        "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}],
        "field_count": 1,
    }
    _ome_attrs(path, fmt, {"plate": plate})


def _bioformats2raw(path: Path, fmt: int) -> None:
    _image(path / "0", fmt)
    if fmt == 2:
        zarr.open_group(path, mode="a", zarr_format=2).attrs["bioformats2raw.layout"] = 3
    else:
        _ome_attrs(path, 3, {"bioformats2raw.layout": 3})


# Where the image is, and how it (and the layout around it) is written.
LAYOUTS: dict[str, Any] = {
    "plate-v2.ome.zarr/A/1/0": lambda p: _plate(p.parents[2], 2),
    "plate-v3.ome.zarr/A/1/0": lambda p: _plate(p.parents[2], 3),
    "bf2raw-v2.ome.zarr": lambda p: _bioformats2raw(p, 2),
    "bf2raw-v3.ome.zarr": lambda p: _bioformats2raw(p, 3),
    "sharded-0.5.ome.zarr": lambda p: _image(p, 3, shards=(1, 32, 32)),
}
LEVEL0 = {name: "0" if name.startswith(("plate", "sharded")) else "0/0" for name in LAYOUTS}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lab = tmp_path_factory.mktemp("layouts")
    write_demo_data(lab, many_files=0)
    for variant in VARIANTS:
        variant.write(lab / "variants" / variant.name)
    for name, write in LAYOUTS.items():
        write(lab / name)
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def _view(jp_fetch, path: str, **params: str) -> tuple[dict, np.ndarray]:
    """viewer-info, and the first tile at scale 0 (channel 0 in grey, the ramp's window)."""
    info = json.loads((await jp_fetch("fileglancer", "api", "viewer-info", "lab", path)).body)
    query = {"scale": "0", "x": "0", "y": "0", "channels": "0", "colors": "FFFFFF"}
    query = {**query, "windows": WINDOW, **params}
    response = await jp_fetch("fileglancer", "api", "tile", "lab", path, params=query)
    return info, np.asarray(Image.open(io.BytesIO(response.body))).astype(int)


def _grey(plane: np.ndarray, low: float = 0, high: float = 250) -> np.ndarray:
    return np.clip((plane.astype(float) - low) / (high - low), 0, 1) * 255


def _assert_tile_is(tile: np.ndarray, plane: np.ndarray, **window: float) -> None:
    expected = _grey(plane[:256, :256], **window)
    assert tile.shape[:2] == expected.shape
    assert np.abs(tile[..., 0] - expected).max() <= 1
    assert (tile[..., 0] == tile[..., 2]).all()  # grey


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
async def test_each_variant_opens_in_the_viewer_with_its_pixels(jp_fetch, lab, variant):
    info, tile = await _view(jp_fetch, f"variants/{variant.name}")
    first = variant.levels[0][1] if variant.is_image else variant.shape
    assert (info["height"], info["width"]) == first[-2:]
    assert len(info["levels"]) == max(1, len(variant.levels))
    level = lab / "variants" / variant.name / (variant.levels[0][0] if variant.is_image else "")
    data = zarr.open_array(level, mode="r")[...]
    while data.ndim > 2:  # t, c, z: the first plane, channel 0
        data = data[0]
    _assert_tile_is(tile, data)


@pytest.mark.parametrize("name", LAYOUTS)
async def test_images_in_plates_bioformats2raw_and_shards_open_with_their_pixels(
    jp_fetch, lab, name
):
    info, tile = await _view(jp_fetch, name)
    assert (info["width"], info["height"], len(info["levels"])) == (96, 96, 2)
    assert len(info["channels"]) == 2
    data = zarr.open_array(lab / name / LEVEL0[name], mode="r")[0]
    _assert_tile_is(tile, data)
    assert np.array_equal(data, ramp((2, 96, 96), "uint8")[0])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plate-v2.ome.zarr", "a plate; open one of its wells' images, such as those in A/1"),
        ("plate-v3.ome.zarr", "a plate; open one of its wells' images, such as those in A/1"),
        ("plate-v2.ome.zarr/A/1", "a well; open one of its images, such as 0"),
        ("plate-v3.ome.zarr/A/1", "a well; open one of its images, such as 0"),
    ],
)
async def test_a_plate_or_well_says_which_image_to_open(jp_fetch, name, expected):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", "viewer-info", "lab", name)
    assert caught.value.code == 400
    assert json.loads(caught.value.response.body)["message"] == f"no image to view: {expected}"


async def test_an_n5_dataset_and_pyramid_open_with_their_pixels(jp_fetch, lab):
    import tensorstore as ts

    spec = {
        "driver": "n5",
        "kvstore": {"driver": "file", "path": str(lab / N5_PYRAMID.name / "s0")},
    }
    s0 = ts.open(spec, read=True).result().T.read().result()  # (z, y, x)
    for path, levels in [(N5_PYRAMID.name, 3), (f"{N5_PYRAMID.name}/s0", 1)]:
        info, tile = await _view(jp_fetch, path, windows="0:20000", z="8")
        assert (info["width"], info["height"], info["z"], len(info["levels"])) == (
            256,
            256,
            16,
            levels,
        )
        _assert_tile_is(tile, s0[8], high=20000)


@pytest.mark.parametrize("name", [OME_TIFF.name, PLAIN_TIFF.name])
async def test_tiff_and_ome_tiff_pyramids_open_with_their_pixels(jp_fetch, lab, name):
    import tifffile

    with tifffile.TiffFile(lab / name) as tif:
        series = tif.series[0]
        data = series.asarray()
        levels = len(series.levels)
    plane = data[0, 8] if data.ndim == 4 else data[8]  # (c, z, y, x) or (z, y, x)
    high = 20000 if data.dtype == np.uint16 else 255
    info, tile = await _view(jp_fetch, name, windows=f"0:{high}", z="8")
    assert (info["width"], info["height"], len(info["levels"])) == (256, 256, levels)
    assert info["z"] == data.shape[-3]  # the plain stack's pages are its z planes
    _assert_tile_is(tile, plane, high=high)
