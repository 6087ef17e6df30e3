"""Re-encoding and extracting OME-Zarr written by ome-zarr-py and ngff-zarr: levels where
the metadata says, translations, labels, versions kept; checked with ome-zarr-models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from fileglancer_ext.cli import main
from fileglancer_ext.convert import ConversionOptions, extract_ome_zarr_level, recompress_zarr

from .other_writers import (
    check_valid,
    datasets,
    levels,
    ome_attrs,
    transform,
    write_ngff_zarr,
    write_ome_zarr_py,
)


@pytest.fixture
def data() -> np.ndarray:
    return np.random.default_rng(4).integers(0, 4000, (2, 4, 64, 48), dtype=np.uint16)


def test_an_ome_zarr_py_image_re_encoded_to_0_5_keeps_levels_translations_and_labels(
    data: np.ndarray, tmp_path: Path
) -> None:
    source = write_ome_zarr_py(tmp_path / "in.ome.zarr", data, "0.4")
    out = tmp_path / "out.ome.zarr"
    assert main(["convert", str(source), str(out), "--ngff-version", "0.5", "--quiet"]) == 0

    check_valid(out)
    assert zarr.open_group(out, mode="r").metadata.zarr_format == 3
    for before, after in zip(levels(source), levels(out), strict=True):
        np.testing.assert_array_equal(before, after)
    for before, after in zip(datasets(source), datasets(out), strict=True):
        assert transform(after, "scale") == transform(before, "scale")
        assert transform(after, "translation") == transform(before, "translation")
    assert transform(datasets(out)[1], "translation") == [0.0, 0.0, 0.5, 0.5]
    # Nothing was downsampled here: no claim of how the levels were made.
    multiscale = ome_attrs(out)["multiscales"][0]
    assert "type" not in multiscale and "metadata" not in multiscale
    # The label image, re-encoded too.
    assert ome_attrs(out / "labels") == {"version": "0.5", "labels": ["cells"]}
    label = out / "labels" / "cells"
    assert "image-label" in ome_attrs(label)
    for before, after in zip(levels(source / "labels" / "cells"), levels(label), strict=True):
        np.testing.assert_array_equal(before, after)
    check_valid(label)


def test_an_ngff_zarr_image_with_nested_level_paths_re_encodes_both_ways(
    tmp_path: Path,
) -> None:
    volume = np.random.default_rng(5).integers(0, 255, (8, 64, 64), dtype=np.uint8)
    source = write_ngff_zarr(tmp_path / "in.ome.zarr", volume, "0.4")
    assert datasets(source)[0]["path"] == "scale0/image"
    v3 = tmp_path / "v3.ome.zarr"
    recompress_zarr(source, v3, ConversionOptions(ngff_version="0.5"))
    back = tmp_path / "back.ome.zarr"
    recompress_zarr(v3, back, ConversionOptions(ngff_version="0.4", codec="zstd"))
    for out in (v3, back):
        check_valid(out)
        assert [d["path"] for d in datasets(out)] == ["0", "1"]
        for before, after in zip(levels(source), levels(out), strict=True):
            np.testing.assert_array_equal(before, after)
        for before, after in zip(datasets(source), datasets(out), strict=True):
            assert transform(after, "translation") == transform(before, "translation")
        assert transform(datasets(out)[0], "translation") == [10.0, 0.0, 0.0]


def test_re_encoding_a_0_5_image_without_a_version_stays_0_5(
    data: np.ndarray, tmp_path: Path
) -> None:
    source = write_ome_zarr_py(tmp_path / "in.ome.zarr", data, "0.5", labels=False)
    out = tmp_path / "out.ome.zarr"
    recompress_zarr(source, out, ConversionOptions(codec="zstd"))
    check_valid(out)
    assert ome_attrs(out)["version"] == "0.5"


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_an_extracted_level_keeps_its_translation_and_its_version(
    data: np.ndarray, tmp_path: Path, version: str
) -> None:
    source = write_ome_zarr_py(tmp_path / "in.ome.zarr", data, version, labels=False)
    out = tmp_path / "level1.ome.zarr"
    extract_ome_zarr_level(source, out, ConversionOptions(level=1, levels=2))

    check_valid(out)
    assert zarr.open_group(out, mode="r").metadata.zarr_format == (2 if version == "0.4" else 3)
    extracted = datasets(out)
    assert transform(extracted[0], "scale") == [1.0, 1.0, 2.0, 2.0]
    assert transform(extracted[0], "translation") == [0.0, 0.0, 0.5, 0.5]
    # The level built below halves z alone (y and x are twice as coarse already), and
    # is centred on the blocks it averages: a shift of (2-1)/2 pixel.
    assert transform(extracted[1], "scale") == [1.0, 2.0, 2.0, 2.0]
    assert transform(extracted[1], "translation") == [0.0, 0.5, 0.5, 0.5]
    np.testing.assert_array_equal(levels(out)[0], levels(source)[1])


def test_a_tiff_with_x_y_in_nm_and_z_in_micrometres_halves_y_and_x_first(tmp_path: Path) -> None:
    """Pixel sizes compare in one unit: 100 nm in y and x, 0.2 µm in z."""
    import tifffile

    from fileglancer_ext.convert import convert_tiff_to_ome_zarr

    volume = np.random.default_rng(6).integers(0, 4000, (16, 128, 128), dtype=np.uint16)
    source = tmp_path / "mixed.ome.tif"
    metadata = {
        "axes": "ZYX",
        "PhysicalSizeX": 100.0,
        "PhysicalSizeXUnit": "nm",
        "PhysicalSizeY": 100.0,
        "PhysicalSizeYUnit": "nm",
        "PhysicalSizeZ": 0.2,
        "PhysicalSizeZUnit": "µm",
    }
    tifffile.imwrite(source, volume, ome=True, metadata=metadata)
    out = tmp_path / "mixed.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(levels=3, chunks=(16, 32, 32)))

    check_valid(out)
    assert [level.shape for level in levels(out)] == [(16, 128, 128), (16, 64, 64), (8, 32, 32)]
    found = datasets(out)
    assert [transform(d, "scale") for d in found] == [
        [0.2, 100.0, 100.0],
        [0.2, 200.0, 200.0],
        [0.4, 400.0, 400.0],
    ]
    # Each level centred on the blocks it averages, so that it registers with level 0.
    assert [transform(d, "translation") for d in found] == [
        [0.0, 0.0, 0.0],
        [0.0, 50.0, 50.0],
        [0.1, 150.0, 150.0],
    ]
    units = {a["name"]: a.get("unit") for a in ome_attrs(out)["multiscales"][0]["axes"]}
    assert units == {"z": "micrometer", "y": "nanometer", "x": "nanometer"}


def test_an_ome_tiff_from_ngff_zarr_says_which_levels_it_could_not_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import tifffile

    from fileglancer_ext.convert import convert

    volume = np.random.default_rng(7).integers(0, 255, (8, 64, 64), dtype=np.uint8)
    source = write_ngff_zarr(tmp_path / "in.ome.zarr", volume, "0.4")
    assert [d.shape for d in levels(source)] == [(8, 64, 64), (4, 32, 32)]  # z halves too
    result = convert(source, tmp_path / "out.ome.tif")
    assert result.to_json()["warnings"] == [
        "level 1 was not written (of 2): a TIFF pyramid's levels keep the z, c and t sizes "
        "of level 0, and level 1 has z 4 instead of 8. Convert one of them alone with the "
        "option 'level'."
    ]
    with tifffile.TiffFile(tmp_path / "out.ome.tif") as tif:
        assert len(tif.series[0].levels) == 1
        np.testing.assert_array_equal(tif.series[0].asarray(), volume)

    assert main(["convert", str(source), str(tmp_path / "cli.ome.tif"), "--quiet"]) == 0
    assert "warning: level 1 was not written (of 2)" in capsys.readouterr().err


def test_a_label_image_listed_but_missing_fails_the_re_encoding_saying_which(
    data: np.ndarray, tmp_path: Path
) -> None:
    import shutil

    from fileglancer_ext.errors import ConversionError

    source = write_ome_zarr_py(tmp_path / "in.ome.zarr", data, "0.4")
    shutil.rmtree(source / "labels" / "cells" / "s1")
    with pytest.raises(ConversionError, match="label image 'cells' cannot be re-encoded"):
        recompress_zarr(source, tmp_path / "out.ome.zarr", ConversionOptions(ngff_version="0.5"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ome.zarr"]
