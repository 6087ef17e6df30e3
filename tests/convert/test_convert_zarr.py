"""Zarr -> Zarr: recompress, Zarr v2 -> v3, extract one level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from fileglancer_ext.convert import (
    ConversionOptions,
    convert_tiff_to_ome_zarr,
    extract_ome_zarr_level,
    recompress_zarr,
)
from fileglancer_ext.errors import ConversionError
from fileglancer_ext.formats.validate import validate_dataset

from .test_convert_tiff import CHANNELS, _level, _multiscale, _omero, write_ome_tiff


@pytest.fixture
def v2_image(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.random.default_rng(9).integers(0, 3000, (3, 4, 64, 48), dtype=np.uint16)
    source = write_ome_tiff(tmp_path / "in.ome.tif", data)
    out = tmp_path / "v2.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(chunks=(2, 16, 16)))
    return out, data


def _all_levels(path: Path) -> list[np.ndarray]:
    return [_level(path, i)[:] for i in range(len(_multiscale(path)["datasets"]))]


def test_v2_to_v3_keeps_every_level_and_the_metadata(
    v2_image: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, _ = v2_image
    out = tmp_path / "v3.ome.zarr"
    result = recompress_zarr(source, out, ConversionOptions(ngff_version="0.5"))

    report = validate_dataset(out)
    assert report.valid and report.version == "0.5" and report.zarr_format == 3
    assert _level(out, 0).metadata.zarr_format == 3
    assert _level(out, 0).chunks == _level(source, 0).chunks
    for before, after in zip(_all_levels(source), _all_levels(out), strict=True):
        np.testing.assert_array_equal(before, after)
    assert [c["label"] for c in _omero(out)["channels"]] == list(CHANNELS)
    assert _multiscale(out)["axes"] == _multiscale(source)["axes"]
    assert (out / "OME/METADATA.ome.xml").is_file()
    assert result.level_shapes[0] == (3, 4, 64, 48)


def test_recompress_with_new_codec_chunks_and_shards_keeps_data(
    v2_image: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, data = v2_image
    out = tmp_path / "sharded.ome.zarr"
    options = ConversionOptions(
        ngff_version="0.5",
        codec="zstd",
        compression_level=9,
        chunks=(2, 32, 32),
        shards=(4, 64, 64),
    )
    recompress_zarr(source, out, options)
    level0 = _level(out, 0)
    assert level0.chunks == (1, 2, 32, 32) and level0.shards == (1, 4, 64, 64)
    assert "zstd" in str(level0.metadata.to_dict()["codecs"])
    np.testing.assert_array_equal(level0[:], data)
    assert validate_dataset(out).valid


def test_plain_array_recompress_keeps_attributes(tmp_path: Path) -> None:
    source = tmp_path / "plain.zarr"
    data = np.arange(40 * 30, dtype=np.float32).reshape(40, 30)
    array = zarr.create_array(
        source,
        shape=data.shape,
        dtype=data.dtype,
        chunks=(10, 10),
        zarr_format=2,
        attributes={"note": "hello"},
    )
    array[:] = data
    out = tmp_path / "plain-v3.zarr"
    result = recompress_zarr(source, out, ConversionOptions(ngff_version="0.5", codec="gzip"))
    copy = zarr.open_array(out, mode="r")
    assert result.kind == "zarr-array" and copy.metadata.zarr_format == 3
    assert copy.attrs["note"] == "hello"
    np.testing.assert_array_equal(copy[:], data)


def test_extract_level_as_its_own_ome_zarr(
    v2_image: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, _ = v2_image
    out = tmp_path / "level1.ome.zarr"
    extract_ome_zarr_level(source, out, ConversionOptions(level=1, ngff_version="0.5"))
    assert validate_dataset(out).valid
    assert len(_multiscale(out)["datasets"]) == 1
    np.testing.assert_array_equal(_level(out, 0)[:], _level(source, 1)[:])
    scale = _multiscale(out)["datasets"][0]["coordinateTransformations"][0]["scale"]
    assert scale == _multiscale(source)["datasets"][1]["coordinateTransformations"][0]["scale"]
    with pytest.raises(ConversionError, match="no level 7"):
        extract_ome_zarr_level(source, tmp_path / "x.zarr", ConversionOptions(level=7))


def test_recompress_in_place_with_overwrite_but_never_into_a_parent(
    v2_image: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    from fileglancer_ext.errors import BadRequest

    source, data = v2_image
    recompress_zarr(source, source, ConversionOptions(ngff_version="0.5", overwrite=True))
    assert _level(source, 0).metadata.zarr_format == 3
    np.testing.assert_array_equal(_level(source, 0)[:], data)
    with pytest.raises(BadRequest, match="contains the source"):
        recompress_zarr(source, tmp_path, ConversionOptions(overwrite=True))
    assert source.exists()
