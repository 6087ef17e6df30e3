"""A folder of TIFF planes (a file series) becomes one OME-Zarr: the pattern guessed or given,
gaps, duplicates and odd planes refused naming the file, read region by region."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile

from fileglancer_ext.cli import main
from fileglancer_ext.convert import ConversionOptions, convert
from fileglancer_ext.convert.registry import check_conversion
from fileglancer_ext.errors import BadRequest
from fileglancer_ext.formats.detect import detect_kind
from fileglancer_ext.formats.series import SeriesError, guess_pattern, series_grid

from .other_writers import check_valid, levels


def write_planes(folder: Path, data: np.ndarray, name: str = "img_z{z:02d}_c{c}.tif") -> Path:
    """One TIFF per (c, z) plane of a c, z, y, x array, 0.5 um pixels."""
    folder.mkdir(parents=True, exist_ok=True)
    for c in range(data.shape[0]):
        for z in range(data.shape[1]):
            tifffile.imwrite(
                folder / name.format(c=c, z=z),
                data[c, z],
                resolution=(20000.0, 20000.0),  # pixels per cm: 0.5 um
                resolutionunit="CENTIMETER",
            )
    return folder


@pytest.fixture
def planes(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.random.default_rng(7).integers(0, 4000, (2, 20, 40, 56), dtype=np.uint16)
    return write_planes(tmp_path / "planes", data), data


@pytest.mark.parametrize(
    ("names", "pattern"),
    [
        (
            [f"img_t{t}_z{z:02d}_c{c}.tif" for t in range(2) for z in range(3) for c in range(2)],
            "img_t{t}_z{z}_c{c}.tif",
        ),
        ([f"stack{z:04d}.tif" for z in range(5)], "stack{z}.tif"),
        (
            [f"Run2024_ch{c}_slice{z}.TIFF" for c in (1, 2) for z in range(1, 12)],
            "Run2024_ch{c}_slice{z}.TIFF",
        ),
        # Two unnamed numbers: z first, then t; a README and hidden files are ignored.
        ([f"a{t}_{z}.tif" for t in range(2) for z in range(4)] + ["README.txt"], "a{z}_{t}.tif"),
        (["only.tif", "notes.txt"], None),
        ([f"same{i}.tif" for i in (1, 1)], None),
    ],
)
def test_a_pattern_is_guessed_from_the_names(names: list[str], pattern: str | None) -> None:
    assert guess_pattern(names) == pattern


def test_two_channels_of_20_planes_round_trip_with_the_guessed_pattern(
    planes: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    folder, data = planes
    assert detect_kind(folder, is_dir=True).kind == "tiff-series"
    out = tmp_path / "planes.ome.zarr"
    status = main(["convert", str(folder), str(out), "--quiet", "--ngff-version", "0.5"])
    assert status == 0
    check_valid(out)
    np.testing.assert_array_equal(levels(out)[0], data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.io import parse_url
        from ome_zarr.reader import Reader
    image = list(Reader(parse_url(str(out)))())[0]
    assert [a["name"] for a in image.metadata["axes"]] == ["c", "z", "y", "x"]
    assert image.metadata["coordinateTransformations"][0][0]["scale"][-2:] == [0.5, 0.5]
    np.testing.assert_array_equal(np.asarray(image.data[0]), data)


def test_an_explicit_pattern_with_a_wildcard_and_numbers_from_one(tmp_path: Path) -> None:
    data = np.random.default_rng(1).integers(0, 255, (3, 4, 16, 24), dtype=np.uint8)
    folder = tmp_path / "export"
    folder.mkdir()
    for t in range(3):
        for z in range(4):
            tifffile.imwrite(folder / f"scan-{t + 1}_{z + 1:03d}_2026.tif", data[t, z])
    (folder / "scan-notes.tif").write_bytes(b"not a plane, and matches no pattern")
    out = tmp_path / "out.ome.zarr"
    options = ConversionOptions(pattern="scan-{t}_{z}*.tif", chunks=(2, 8, 8))
    result = convert(folder, out, options)
    assert result.level_shapes[0] == (3, 4, 16, 24)
    check_valid(out)
    np.testing.assert_array_equal(levels(out)[0], data)


def _refusal(folder: Path, tmp_path: Path, pattern: str | None = None) -> str:
    with pytest.raises(BadRequest) as caught:
        check_conversion(
            folder,
            tmp_path / "out.ome.zarr",
            ConversionOptions(pattern=pattern),
            shown=lambda path: repr(path.name),  # as a job names it: no server path
        )
    message = str(caught.value)
    assert str(tmp_path) not in message
    return message


def test_a_gap_is_refused_naming_the_missing_file(
    planes: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    folder, _ = planes
    (folder / "img_z07_c1.tif").unlink()
    message = _refusal(folder, tmp_path)
    assert "img_z07_c1.tif is missing" in message and "c=1, z=7" in message
    assert not (tmp_path / "out.ome.zarr").exists()


def test_a_duplicate_is_refused_naming_both_files(
    planes: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    folder, data = planes
    tifffile.imwrite(folder / "img_z7_c1.tif", data[1, 7])
    message = _refusal(folder, tmp_path, "img_z{z}_c{c}.tif")
    assert "img_z7_c1.tif" in message and "img_z07_c1.tif" in message and "duplicate" in message


@pytest.mark.parametrize(
    ("plane", "said"),
    [
        (np.zeros((40, 57), np.uint16), "40 x 57"),
        (np.zeros((40, 56), np.float32), "float32"),
        (np.zeros((3, 40, 56), np.uint16), "2D plane"),
    ],
)
def test_a_plane_of_another_shape_or_type_is_refused_naming_the_file(
    planes: tuple[Path, np.ndarray], tmp_path: Path, plane: np.ndarray, said: str
) -> None:
    folder, _ = planes
    tifffile.imwrite(folder / "img_z13_c0.tif", plane)
    message = _refusal(folder, tmp_path)
    assert "img_z13_c0.tif" in message and said in message


def test_a_damaged_plane_is_refused_naming_the_file(
    planes: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    folder, _ = planes
    (folder / "img_z03_c1.tif").write_bytes(b"II*\x00 cut short")
    assert "img_z03_c1.tif" in _refusal(folder, tmp_path)


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("img_z{q}.tif", "{q} is no axis"),
        ("img_z{z}_{z}.tif", "twice"),
        ("img.tif", "names no axis"),
        ("../img_{z}.tif", "no file name pattern"),
    ],
)
def test_a_bad_pattern_is_refused_saying_why(tmp_path: Path, pattern: str, said: str) -> None:
    with pytest.raises(BadRequest, match="pattern") as caught:
        ConversionOptions(pattern=pattern).validated()
    assert said in str(caught.value)


def test_a_pattern_that_matches_nothing_is_refused(
    planes: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    assert "no file in the folder matches" in _refusal(planes[0], tmp_path, "cell_{z}.tif")


def test_the_grid_orders_files_by_axis_whatever_the_pattern_order() -> None:
    names = [f"z{z}_t{t}.tif" for z in range(3) for t in range(2)]
    grid = series_grid(names, "z{z}_t{t}.tif")
    assert (grid.axes, grid.shape) == ("tz", (2, 3))
    assert grid.file_at((1, 2)) == "z2_t1.tif"
    with pytest.raises(SeriesError, match="z2_t1.tif is missing"):
        series_grid(names[:-1], "z{z}_t{t}.tif")


def test_a_region_reads_only_its_own_files(planes: tuple[Path, np.ndarray]) -> None:
    """Memory stays bounded: a region opens the files it covers, each for its window."""
    from fileglancer_ext.convert.series_source import open_series_source

    folder, data = planes
    source = open_series_source(folder)
    reader = source.ref.open_reader()
    for name in ("img_z00_c0.tif", "img_z19_c1.tif"):  # outside the region: never opened
        (folder / name).write_bytes(b"gone")
    block = reader.read((slice(0, 2), slice(5, 9), slice(10, 30), slice(0, 56)))
    np.testing.assert_array_equal(block, data[:, 5:9, 10:30])


def test_detection_reads_names_only_from_a_bounded_sample(tmp_path: Path) -> None:
    """A listing detects a series on names alone: FIFOs named like planes would block any
    open, and a folder of thousands answers from its first SAMPLE_NAMES entries."""
    import os
    import time

    from fileglancer_ext.formats.series import SAMPLE_NAMES, sample_names

    folder = tmp_path / "fifos"
    folder.mkdir()
    for z in range(5000):
        os.mkfifo(folder / f"plane_z{z:05d}.tif")
    started = time.perf_counter()
    assert detect_kind(folder, is_dir=True).kind == "tiff-series"
    assert time.perf_counter() - started < 2.0  # an open of a FIFO would never return
    assert len(sample_names(str(folder))[0]) == SAMPLE_NAMES


def test_a_file_asked_to_convert_as_a_series_is_refused_saying_what_it_reads(
    tmp_path: Path,
) -> None:
    source = tmp_path / "one.tif"
    tifffile.imwrite(source, np.zeros((8, 8), np.uint8))
    with pytest.raises(BadRequest, match="reads a folder of TIFF planes; 'one.tif' is not"):
        check_conversion(source, tmp_path / "out.ome.zarr", kind="series-to-ome-zarr")
