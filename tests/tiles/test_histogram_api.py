"""The viewer's `histogram` route through the real server: per channel, the counts of the
visible region's values (as numpy counts them on the stored data) from the level that fits
the region, NaN left out, the suggested window, and bad parameters as 400s."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.demo.data import N5_PYRAMID, OME_TIFF, OME_ZARR_V04, write_demo_data
from fileglancer_ext.tiles.histogram import MAX_BINS

from .test_tile_api import LEVEL_VALUES, _write_levels, status


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lab = tmp_path_factory.mktemp("lab")
    write_demo_data(lab, many_files=0)
    _write_levels(lab / "levels.ome.zarr")
    values = np.linspace(-1.0, 3.0, 64 * 48, dtype=np.float32).reshape(48, 64)
    values[::5, ::3] = np.nan
    values[1, 1] = np.inf
    zarr.create_array(lab / "floats.zarr", data=values, chunks=(16, 16), zarr_format=2)
    (lab / "notes.txt").write_text("no image")
    big = zarr.create_array(lab / "big.zarr", shape=(3000, 3000), chunks=(1000, 1000), dtype="u1")
    big[:1500] = 7
    # Two chunks of 128 MiB (none written): more than a histogram may decode.
    zarr.create_array(lab / "huge.zarr", shape=(8192, 16384), chunks=(8192, 8192), dtype="u2")
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def histogram(jp_fetch, path: str, **params: str) -> dict:
    response = await jp_fetch("fileglancer", "api", "histogram", "lab", path, params=params)
    return json.loads(response.body)


async def test_counts_are_numpys_of_the_region_on_the_plane(jp_fetch, lab):
    region = {"x0": "30", "y0": "20", "x1": "200", "y1": "150"}
    found = await histogram(jp_fetch, OME_ZARR_V04.name, z="5", bins="100", **region)
    stored = zarr.open_array(lab / OME_ZARR_V04.name / "s0", mode="r")[:, 5, 20:150, 30:200]
    assert found["level"] == 0 and found["read"]["step"] == 1
    assert [c["name"] for c in found["channels"]] == ["DAPI", "GFP", "mCherry"]
    for channel, plane in zip(found["channels"], stored, strict=True):
        low, high = int(plane.min()), int(plane.max())
        assert (channel["min"], channel["max"]) == (low, high)
        assert channel["range"] == [low, high + 1]  # integers: the last value has its bin
        expected, _ = np.histogram(plane, bins=100, range=(low, high + 1))
        assert channel["counts"] == expected.tolist()
        assert channel["count"] == plane.size and channel["ignored"] == 0
        start, end = np.percentile(plane, (0.1, 99.9))
        assert channel["suggested"] == {"start": start, "end": end}
    other = await histogram(jp_fetch, OME_ZARR_V04.name, z="12", bins="100", **region)
    assert other["channels"][0]["counts"] != found["channels"][0]["counts"]


async def test_a_range_and_channels_asked_for_are_binned_as_asked(jp_fetch, lab):
    found = await histogram(
        jp_fetch,
        OME_ZARR_V04.name,
        x0="0",
        y0="0",
        x1="256",
        y1="256",
        z="8",
        channels="2",
        bins="16",
        ranges="0:1000",
    )
    plane = zarr.open_array(lab / OME_ZARR_V04.name / "s0", mode="r")[2, 8]
    (channel,) = found["channels"]
    assert channel["channel"] == 2 and channel["range"] == [0, 1000]
    assert channel["counts"] == np.histogram(plane, bins=16, range=(0, 1000))[0].tolist()
    assert channel["outside"] == [0, int((plane > 1000).sum())]


@pytest.mark.parametrize("name", [N5_PYRAMID.name, OME_TIFF.name])
async def test_n5_and_tiff_images_have_histograms(jp_fetch, lab, name):
    found = await histogram(jp_fetch, name, x0="0", y0="0", x1="64", y1="64", z="8")
    if name == OME_TIFF.name:
        with tifffile.TiffFile(lab / name) as tif:
            stored = tif.series[0].levels[0].asarray()[0, 8, :64, :64]  # CZYX
    else:
        stored = zarr.open_array(lab / OME_ZARR_V04.name / "s0", mode="r")[0, 8, :64, :64]
    low, high = int(stored.min()), int(stored.max())
    expected = np.histogram(stored, bins=256, range=(low, high + 1))[0]
    assert found["channels"][0]["counts"] == expected.tolist()


@pytest.mark.parametrize(
    ("region", "level"),
    [
        ((0, 0, 2048, 2048), 2),  # zoomed out: 512 x 512 pixels of the coarsest level
        ((0, 0, 1024, 1024), 1),
        ((100, 300, 1124, 1324), 1),
        ((0, 0, 600, 600), 0),  # zoomed in: level 1 would give fewer than 512 x 512
    ],
)
async def test_the_coarsest_level_with_enough_pixels_for_the_region_is_read(
    jp_fetch, region, level
):
    x0, y0, x1, y1 = (str(n) for n in region)
    found = await histogram(jp_fetch, "levels.ome.zarr", x0=x0, y0=y0, x1=x1, y1=y1)
    assert found["level"] == level
    (channel,) = found["channels"]
    assert channel["min"] == channel["max"] == LEVEL_VALUES[level]
    scale = 2**level
    assert channel["count"] == (region[2] - region[0]) // scale * ((region[3] - region[1]) // scale)
    assert channel["counts"] == [channel["count"]]  # one value: one bin [v, v + 1)


async def test_a_large_region_of_one_level_is_counted_from_a_strided_sample(jp_fetch):
    found = await histogram(jp_fetch, "big.zarr", x0="0", y0="0", x1="3000", y1="3000")
    assert found["level"] == 0 and found["read"]["step"] == 2  # 1500 x 1500 values counted
    (channel,) = found["channels"]
    assert channel["count"] == 1500 * 1500 and channel["range"] == [0, 8]
    assert channel["counts"][0] == channel["counts"][7] == 750 * 1500


async def test_a_region_whose_chunks_are_too_large_to_decode_is_a_400(jp_fetch):
    code, message = await status(
        jp_fetch, "histogram", "lab", "huge.zarr", x0="8000", y0="0", x1="8400", y1="400"
    )
    assert code == 400 and "too large" in message
    small = await histogram(jp_fetch, "huge.zarr", x0="0", y0="0", x1="400", y1="400")
    assert small["channels"][0]["counts"] == [400 * 400]  # one chunk: read (all zero)


async def test_nan_and_infinity_are_left_out_of_float_histograms(jp_fetch, lab):
    found = await histogram(jp_fetch, "floats.zarr", x0="0", y0="0", x1="64", y1="48", bins="50")
    values = zarr.open_array(lab / "floats.zarr", mode="r")[:]
    finite = values[np.isfinite(values)]
    (channel,) = found["channels"]
    assert channel["ignored"] == values.size - finite.size
    assert channel["range"] == [float(finite.min()), float(finite.max())]
    assert channel["counts"] == np.histogram(finite, bins=50)[0].tolist()
    assert channel["suggested"]["start"] == pytest.approx(np.percentile(finite, 0.1))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"y0": "0", "x1": "8", "y1": "8"}, "x0 is required"),
        ({"x0": "a", "y0": "0", "x1": "8", "y1": "8"}, "x0 must be an integer"),
        ({"x0": "8", "y0": "0", "x1": "8", "y1": "8"}, "the region is empty"),
        ({"x0": "0", "y0": "0", "x1": "2049", "y1": "8"}, "outside the 2048 x 2048 image"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "z": "1"}, "z must be below 1"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "bins": str(MAX_BINS + 1)}, "bins must"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "bins": "0"}, "bins must be 1 to"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "channels": "1"}, "channel 1 does not"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "channels": "r"}, "channels must be"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "ranges": "5:1"}, "ranges must be"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "ranges": "a:b"}, "ranges must be"),
        ({"x0": "0", "y0": "0", "x1": "8", "y1": "8", "ranges": "0:1,0:2"}, "more ranges"),
    ],
)
async def test_bad_histogram_parameters_are_400s_that_say_which(jp_fetch, params, expected):
    code, message = await status(jp_fetch, "histogram", "lab", "levels.ome.zarr", **params)
    assert code == 400 and expected in message


async def test_no_image_paths_outside_and_no_token_are_refused(jp_fetch, lab):
    region = {"x0": "0", "y0": "0", "x1": "8", "y1": "8"}
    code, message = await status(jp_fetch, "histogram", "lab", "notes.txt", **region)
    assert code == 400 and "no image" in message and str(lab) not in message
    assert (await status(jp_fetch, "histogram", "lab", "../outside", **region))[0] in (
        400,
        403,
        404,
    )
    assert (await status(jp_fetch, "histogram", "nowhere", "x", **region))[0] == 404
    with pytest.raises(Exception) as caught:
        await jp_fetch(
            "fileglancer",
            "api",
            "histogram",
            "lab",
            OME_ZARR_V04.name,
            params=region,
            headers={"Authorization": "token not-the-token"},
        )
    assert caught.value.code == 403  # type: ignore[attr-defined]
