"""CZI -> OME-Zarr, on CZI files written by pylibCZIrw (Zeiss's libCZI)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fileglancer_ext.convert import ConversionOptions, convert
from fileglancer_ext.convert.czi_source import convert_czi_to_ome_zarr
from fileglancer_ext.errors import ConversionError
from fileglancer_ext.formats.validate import validate_dataset

from .other_writers import check_valid
from .test_convert_tiff import _level, _multiscale, _omero

pyczi = pytest.importorskip("pylibCZIrw.czi")

NAMES = {0: "DAPI", 1: "GFP"}


def write_czi(path: Path, data: np.ndarray) -> Path:
    """data is (z, c, y, x) gray, or (y, x, 3) RGB."""
    with pyczi.create_czi(str(path), exist_ok=True) as czi:
        if data.ndim == 3:
            czi.write(data[..., ::-1].copy(), plane={"C": 0, "Z": 0, "T": 0})
        else:
            for z, c in np.ndindex(*data.shape[:2]):
                czi.write(data[z, c], plane={"C": c, "Z": z, "T": 0})
        czi.write_metadata(
            document_name="sample",
            channel_names=NAMES if data.ndim == 4 else None,
            scale_x=0.2e-6,
            scale_y=0.2e-6,
            scale_z=1e-6,
        )
    return path


def test_czi_becomes_ome_zarr_with_pixel_sizes_and_channel_names(tmp_path: Path) -> None:
    data = np.random.default_rng(4).integers(0, 5000, (3, 2, 70, 90), dtype=np.uint16)
    source = write_czi(tmp_path / "sample.czi", data)
    out = tmp_path / "sample.ome.zarr"
    result = convert(source, out, ConversionOptions(ngff_version="0.5", chunks=(32, 32)))

    assert result.kind == "ome-zarr"
    assert validate_dataset(out).valid
    multiscale = _multiscale(out)
    assert [a["name"] for a in multiscale["axes"]] == ["c", "z", "y", "x"]
    scale = multiscale["datasets"][0]["coordinateTransformations"][0]["scale"]
    assert scale == pytest.approx([1.0, 1.0, 0.2, 0.2])
    assert [c["label"] for c in _omero(out)["channels"]] == ["DAPI", "GFP"]
    np.testing.assert_array_equal(_level(out, 0)[:], data.transpose(1, 0, 2, 3))


def test_rgb_czi_becomes_three_channels(tmp_path: Path) -> None:
    rgb = np.random.default_rng(6).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    source = write_czi(tmp_path / "rgb.czi", rgb)
    out = tmp_path / "rgb.ome.zarr"
    convert_czi_to_ome_zarr(source, out)
    np.testing.assert_array_equal(_level(out, 0)[:], rgb.transpose(2, 0, 1))


def test_not_a_czi_and_unsupported_pixel_type_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.czi"
    fake.write_bytes(b"hello, not a czi")
    with pytest.raises(ConversionError, match="not a CZI"):
        convert_czi_to_ome_zarr(fake, tmp_path / "o.zarr")

    source = write_czi(tmp_path / "gray.czi", np.zeros((1, 1, 16, 16), dtype=np.uint16))
    # libCZI writes only the types it can read; patch the subblocks' pixel type (Gray16 = 1)
    # to Gray64ComplexFloat (= 10), a type of the CZI spec that we do not convert.
    raw = bytearray(source.read_bytes())
    entry = raw.find(b"DV\x01\x00\x00\x00")
    while entry >= 0:
        raw[entry + 2] = 10
        entry = raw.find(b"DV\x01\x00\x00\x00", entry + 1)
    source.write_bytes(bytes(raw))
    with pytest.raises(ConversionError, match="pixel type"):
        convert_czi_to_ome_zarr(source, tmp_path / "o.zarr")
    assert not (tmp_path / "o.zarr").exists()


def test_zens_display_colours_and_ranges_become_omero_channels(tmp_path: Path) -> None:
    data = np.random.default_rng(8).integers(0, 4000, (2, 2, 40, 40), dtype=np.uint16)
    source = tmp_path / "shown.czi"
    blue, green = pyczi.Rgb8Color(*np.uint8([0, 0, 255])), pyczi.Rgb8Color(*np.uint8([0, 255, 0]))
    with pyczi.create_czi(str(source), exist_ok=True) as czi:
        for z, c in np.ndindex(*data.shape[:2]):
            czi.write(data[z, c], plane={"C": c, "Z": z, "T": 0})
        czi.write_metadata(
            document_name="shown",
            channel_names=NAMES,
            display_settings={
                0: pyczi.ChannelDisplaySettingsDataClass(
                    True, pyczi.TintingMode.Color, blue, 0.0, 0.05
                ),
                1: pyczi.ChannelDisplaySettingsDataClass(
                    True, pyczi.TintingMode.Color, green, 0.01, 0.5
                ),
            },
        )
    out = tmp_path / "shown.ome.zarr"
    convert_czi_to_ome_zarr(source, out)

    check_valid(out)
    channels = _omero(out)["channels"]
    assert [(c["label"], c["color"]) for c in channels] == [("DAPI", "0000FF"), ("GFP", "00FF00")]
    # Fractions of the 16-bit range, as ZEN shows them.
    assert [(c["window"]["start"], c["window"]["end"]) for c in channels] == [
        (0.0, 3277.0),
        (655.0, 32768.0),
    ]
