"""TIFF as a first-class citizen: the `tiff` summary section and TIFF thumbnails."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from fileglancer_ext.demo.data import _write_ome_tiff
from fileglancer_ext.errors import BadRequest
from fileglancer_ext.formats.summary import summarize
from fileglancer_ext.inspection.service import describe_dataset
from fileglancer_ext.inspection.thumbnails.core import clear_thumbnail_cache, render_thumbnail


@pytest.fixture(scope="module")
def ome_tiff(tmp_path_factory) -> Path:
    """The demo data's pyramidal OME-TIFF (SubIFDs), written alone: the rest is not needed."""
    path = tmp_path_factory.mktemp("demo") / "cells.ome.tif"
    _write_ome_tiff(path)
    return path


def test_plain_multipage_tiff_has_one_series_of_pages(tmp_path):
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.zeros((5, 32, 48), np.uint8), metadata=None)
    summary = summarize(path)
    assert summary["kind"] == "tiff" and summary["problems"] == []
    series = summary["tiff"]["series"][0]
    assert series["shape"] == [5, 32, 48] and series["axes"][-2:] == "YX"
    assert series["dtype"] == "uint8" and series["dtype_code"] == "|u1"
    assert len(series["levels"]) == 1
    assert series["levels"][0]["tile"] is None and series["levels"][0]["rows_per_strip"] > 0


def test_tiled_bigtiff_reports_tiles_and_compression(tmp_path):
    path = tmp_path / "big.tif"
    data = np.zeros((300, 400), np.uint16)
    tifffile.imwrite(path, data, bigtiff=True, tile=(128, 128), compression="zlib")
    tiff = summarize(path)["tiff"]
    assert tiff["bigtiff"] is True
    level = tiff["series"][0]["levels"][0]
    assert level["tile"] == [128, 128] and level["rows_per_strip"] is None
    assert level["compression"] == "ADOBE_DEFLATE" and level["photometric"] == "MINISBLACK"


def test_pyramidal_ome_tiff_lists_subifd_levels_pixel_sizes_and_channels(ome_tiff):
    summary = describe_dataset(ome_tiff)
    assert summary["kind"] == "ome-tiff" and summary["problems"] == []
    series = summary["tiff"]["series"][0]
    assert series["axes"] == "CZYX" and series["dims"] == ["c", "z", "y", "x"]
    assert [lv["shape"][-1] for lv in series["levels"]] == [256, 128, 64]
    assert [lv["subifd"] for lv in series["levels"]] == [False, True, True]
    assert series["pixel_size"]["x"] == {"value": 0.5, "unit": "micrometer"}
    assert series["pixel_size"]["z"] == {"value": 2.0, "unit": "micrometer"}
    assert [(c["name"], c["color"]) for c in series["channels"]] == [
        ("DAPI", "0000FF"),
        ("GFP", "00FF00"),
        ("mCherry", "FF0000"),
    ]
    assert summary["tiff"]["ome_xml"]["images"][0]["name"] == "cells"


def test_ome_tiff_wavelengths_come_from_the_ome_xml(tmp_path):
    path = tmp_path / "w.ome.tif"
    metadata = {
        "axes": "CYX",
        "Channel": {"Name": ["a", "b"], "EmissionWavelength": [520.0, 610.0]},
    }
    tifffile.imwrite(path, np.zeros((2, 16, 16), np.uint8), metadata=metadata)
    channels = summarize(path)["tiff"]["series"][0]["channels"]
    assert channels[0]["emission_wavelength"]["value"] == 520.0


def test_imagej_tiff_has_imagej_metadata_and_pixel_sizes(tmp_path):
    path = tmp_path / "ij.tif"
    tifffile.imwrite(
        path,
        np.zeros((3, 16, 16), np.uint16),
        imagej=True,
        resolution=(4.0, 4.0),
        metadata={"axes": "ZYX", "unit": "um", "spacing": 2.0},
    )
    tiff = summarize(path)["tiff"]
    assert tiff["imagej"]["slices"] == 3
    sizes = tiff["series"][0]["pixel_size"]
    assert sizes["x"] == {"value": 0.25, "unit": "micrometer"}
    assert sizes["z"] == {"value": 2.0, "unit": "micrometer"}


def test_rgb_tiff_is_photometric_rgb_with_samples(tmp_path):
    path = tmp_path / "rgb.tif"
    tifffile.imwrite(path, np.zeros((20, 30, 3), np.uint8), photometric="rgb")
    series = summarize(path)["tiff"]["series"][0]
    assert series["axes"] == "YXS" and series["shape"] == [20, 30, 3]
    assert series["levels"][0]["photometric"] == "RGB"


def test_text_file_named_tif_is_a_problem_not_an_error(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("not an image")
    summary = summarize(path)
    assert summary["kind"] == "file" and summary["tiff"] is None
    assert "not a TIFF" in summary["problems"][0]["message"]


@pytest.mark.parametrize("keep", [6, 0.5], ids=["header-only", "half"])
def test_truncated_tiff_is_a_problem_not_an_error(tmp_path, keep):
    whole = tmp_path / "whole.tif"
    tifffile.imwrite(whole, np.arange(10 * 64 * 64, dtype=np.uint16).reshape(10, 64, 64))
    data = whole.read_bytes()
    path = tmp_path / "cut.tif"
    path.write_bytes(data[: keep if isinstance(keep, int) else int(len(data) * keep)])
    summary = describe_dataset(path)
    assert summary["problems"], summary
    assert "damaged" in summary["problems"][0]["message"] or "truncated" in str(summary)


def _png_size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def test_tiff_thumbnail_draws_the_smallest_level_in_colour(ome_tiff):
    png = render_thumbnail(ome_tiff, size=64)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert image.shape == (64, 64, 3)
    assert image[..., 1].mean() > 0 and image[..., 2].mean() > 0  # GFP and DAPI drawn


def test_rgb_tiff_thumbnail_keeps_its_colours(tmp_path):
    path = tmp_path / "red.tif"
    rgb = np.zeros((40, 40, 3), np.uint8)
    rgb[..., 0] = 200
    tifffile.imwrite(path, rgb, photometric="rgb")
    pixel = Image.open(io.BytesIO(render_thumbnail(path, size=32))).convert("RGB").getpixel((5, 5))
    assert pixel == (200, 0, 0)


def test_thumbnail_of_a_text_file_named_tif_is_a_bad_request(tmp_path):
    path = tmp_path / "x.tif"
    path.write_text("hello")
    with pytest.raises(BadRequest, match="not a TIFF"):
        render_thumbnail(path, size=64)


def _bytes_read() -> int:
    with open("/proc/self/io") as handle:
        return int(next(line for line in handle if line.startswith("rchar")).split()[1])


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/self/io")
def test_thumbnail_of_a_large_tiled_tiff_reads_a_bounded_number_of_bytes(tmp_path):
    path = tmp_path / "large.tif"
    side = 8192  # 64 MiB, uncompressed, no pyramid: the worst case
    noise = np.random.default_rng(0).integers(0, 255, (side, side), dtype=np.uint8)
    tifffile.imwrite(path, noise, tile=(256, 256), compression=None)
    del noise
    clear_thumbnail_cache()
    before = _bytes_read()
    png = render_thumbnail(path, size=128)
    read = _bytes_read() - before
    assert _png_size(png) == (128, 128)
    assert read < 8 * 2**20, f"read {read} bytes of a {path.stat().st_size} byte file"


def test_ome_tif_name_without_ome_xml_is_a_tiff_with_a_problem(tmp_path):
    plain = tmp_path / "plain.tif"  # tifffile would write OME-XML for an .ome.tif name
    tifffile.imwrite(plain, np.zeros((8, 8), np.uint8), metadata=None)
    path = plain.rename(tmp_path / "fake.ome.tif")
    summary = summarize(path)
    assert summary["kind"] == "tiff" and summary["tiff"]["series"][0]["shape"] == [8, 8]
    assert "no OME-XML" in summary["problems"][0]["message"]
