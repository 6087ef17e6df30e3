"""OME-Zarr -> OME-TIFF / TIFF, and the full TIFF -> OME-Zarr -> OME-TIFF round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from fileglancer_ext.convert import (
    CancelToken,
    ConversionOptions,
    convert_ome_zarr_to_tiff,
    convert_tiff_to_ome_zarr,
)
from fileglancer_ext.errors import ConversionCancelled, ConversionError

from .test_convert_tiff import CHANNELS, write_ome_tiff


@pytest.fixture
def ome_zarr(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.random.default_rng(5).integers(0, 60000, (3, 6, 100, 90), dtype=np.uint16)
    source = write_ome_tiff(tmp_path / "in.ome.tif", data)
    out = tmp_path / "in.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(chunks=(2, 32, 32)))
    return out, data


def _pixels(tif: tifffile.TiffFile) -> dict:
    import xml.etree.ElementTree as ET

    xml = tif.ome_metadata
    namespace = {"ome": xml.split('xmlns="', 1)[1].split('"', 1)[0]}
    pixels = ET.fromstring(xml).find("ome:Image/ome:Pixels", namespace)
    channels = pixels.findall("ome:Channel", namespace)
    return {
        "sizes": {a: float(pixels.get(f"PhysicalSize{a}")) for a in "XYZ"},
        "unit": pixels.get("PhysicalSizeXUnit"),
        "channels": [c.get("Name") for c in channels],
        "emission": [c.get("EmissionWavelength") for c in channels],
    }


def test_round_trip_keeps_every_pixel_pixel_sizes_and_channel_names(
    ome_zarr: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, data = ome_zarr
    out = tmp_path / "back.ome.tif"
    result = convert_ome_zarr_to_tiff(source, out, ConversionOptions(tiff_tile=32))

    assert result.kind == "ome-tiff"
    with tifffile.TiffFile(out) as tif:
        assert tif.is_ome and not tif.is_bigtiff
        page = tif.pages.first
        assert page.is_tiled and page.tilewidth == 32
        assert page.compression == tifffile.COMPRESSION.ADOBE_DEFLATE
        series = tif.series[0]
        assert series.axes == "CZYX"
        np.testing.assert_array_equal(series.asarray(), data)
        # the pyramid went into SubIFDs: the levels whose plane count matches level 0
        assert len(series.levels) >= 2
        assert series.levels[1].shape == (3, 6, 50, 45)
        pixels = _pixels(tif)
    assert pixels["sizes"] == {"X": 0.25, "Y": 0.25, "Z": 1.0}
    assert pixels["unit"] == "µm"
    assert pixels["channels"] == list(CHANNELS)
    assert pixels["emission"] == ["461.0", "510.0", "610.0"]


def test_one_chosen_level_with_its_pixel_size(
    ome_zarr: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, data = ome_zarr
    out = tmp_path / "level1.ome.tif"
    convert_ome_zarr_to_tiff(source, out, ConversionOptions(level=1))
    with tifffile.TiffFile(out) as tif:
        assert tif.series[0].shape == (3, 6, 50, 45) and len(tif.series[0].levels) == 1
        assert _pixels(tif)["sizes"]["X"] == 0.5


def test_plain_tiff_and_forced_bigtiff(ome_zarr: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    source, data = ome_zarr
    out = tmp_path / "plain.tif"
    options = ConversionOptions(ome_tiff=False, bigtiff=True, tiff_compression="zstd")
    result = convert_ome_zarr_to_tiff(source, out, options)
    assert result.kind == "tiff"
    with tifffile.TiffFile(out) as tif:
        assert not tif.is_ome and tif.is_bigtiff
        assert len(tif.pages) == 3 * 6
        np.testing.assert_array_equal(tif.asarray().reshape(data.shape), data)


def test_missing_level_and_cancel_leave_nothing(
    ome_zarr: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, _ = ome_zarr
    out = tmp_path / "x.ome.tif"
    with pytest.raises(ConversionError, match="no level 9"):
        convert_ome_zarr_to_tiff(source, out, ConversionOptions(level=9))
    token = CancelToken()
    token.cancel()
    with pytest.raises(ConversionCancelled):
        convert_ome_zarr_to_tiff(source, out, cancel=token)
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if ".partial-" in p.name] == []


def test_planes_too_large_to_hold_stream_band_by_band(
    ome_zarr: tuple[Path, np.ndarray], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fileglancer_ext.convert import to_tiff

    monkeypatch.setattr(to_tiff, "SLAB_TASKS", 0)  # nothing fits: one band of rows at a time
    source, data = ome_zarr
    out = tmp_path / "bands.ome.tif"
    convert_ome_zarr_to_tiff(source, out, ConversionOptions(level=0, tiff_tile=32))
    np.testing.assert_array_equal(tifffile.imread(out), data)
