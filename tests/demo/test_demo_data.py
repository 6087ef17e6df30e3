"""Tests for the demo data generator: read everything back with real readers."""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.demo import data as demo_data
from fileglancer_ext.demo.data import DemoDataset, write_demo_data

MANY_FILES = 25
EXPECTED = {
    "ome-zarr-0.4/cells.ome.zarr": "ome-zarr",
    "ome-zarr-0.5/cells.ome.zarr": "ome-zarr",
    "zarr-v2/volume.zarr": "zarr-array",
    "zarr-v3/sharded.zarr": "zarr-array",
    "tiff/cells.ome.tif": "ome-tiff",
    "tiff/stack.tif": "tiff",
    "n5/nuclei.n5": "n5-group",
    "series/cells-planes": "tiff-series",
    "many-files": "directory",
}
PIXEL_SIZES = {"c": 1.0, "z": 2.0, "y": 0.5, "x": 0.5}
CHANNELS = {"DAPI": "0000FF", "GFP": "00FF00", "mCherry": "FF0000"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[DemoDataset]]:
    """Write the demo data once; these tests only read it."""
    root = tmp_path_factory.mktemp("demo")
    return root, write_demo_data(root, many_files=MANY_FILES)


@pytest.fixture
def root(demo: tuple[Path, list[DemoDataset]]) -> Path:
    return demo[0]


def _staging_leftovers(root: Path) -> list[Path]:
    return [path for path in root.rglob(".*") if ".tmp-" in path.name]


def _mtimes(paths: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in paths}


# --- the list of datasets ------------------------------------------------------------------


def test_returns_every_dataset_and_each_exists(demo: tuple[Path, list[DemoDataset]]) -> None:
    root, datasets = demo
    assert {d.name: d.kind for d in datasets} == EXPECTED
    for dataset in datasets:
        assert (root / dataset.name).exists(), dataset.name
        assert dataset.description.strip().endswith(".")


def test_no_staging_directories_are_left_behind(root: Path) -> None:
    assert _staging_leftovers(root) == []


# --- OME-Zarr ------------------------------------------------------------------------------


def _check_multiscale_image(image: Path, attrs: dict, version: str, zarr_format: int) -> None:
    """Shared structure checks for the 0.4 and 0.5 pyramids (attrs = the OME attributes)."""
    (multiscale,) = attrs["multiscales"]
    axes = multiscale["axes"]
    assert [axis["name"] for axis in axes] == ["c", "z", "y", "x"]
    assert [axis["type"] for axis in axes] == ["channel", "space", "space", "space"]
    assert all(axis["unit"] == "micrometer" for axis in axes[1:])

    datasets = multiscale["datasets"]
    assert len(datasets) == 3
    shapes = []
    for level, dataset in enumerate(datasets):
        array = zarr.open_array(image / dataset["path"], mode="r")
        assert array.metadata.zarr_format == zarr_format
        assert array.dtype == np.uint16
        shapes.append(array.shape)
        scale = next(t for t in dataset["coordinateTransformations"] if t["type"] == "scale")
        expected = [PIXEL_SIZES[axis] * (2**level if axis in "yx" else 1) for axis in "czyx"]
        assert scale["scale"] == pytest.approx(expected)
    assert shapes[0] == (3, 16, 256, 256)
    for bigger, smaller in pairwise(shapes):
        assert smaller == (bigger[0], bigger[1], bigger[2] // 2, bigger[3] // 2)

    channels = attrs["omero"]["channels"]
    assert {c["label"]: c["color"] for c in channels} == CHANNELS
    for channel in channels:
        window = channel["window"]
        assert window["min"] <= window["start"] < window["end"] <= window["max"]

    # The reference reader recognises it as a multiscale image with named channels.
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    location = parse_url(str(image))
    assert location is not None and location.fmt.version == version
    node = next(iter(Reader(location)()))
    assert [level.shape for level in node.data] == shapes
    assert node.metadata["channel_names"] == list(CHANNELS)


def test_ome_zarr_04_is_zarr_v2_with_multiscales_and_omero(root: Path) -> None:
    image = root / "ome-zarr-0.4/cells.ome.zarr"
    assert (image / ".zgroup").is_file() and (image / ".zattrs").is_file()
    assert not (image / "zarr.json").exists()
    attrs = json.loads((image / ".zattrs").read_text())
    assert attrs["multiscales"][0]["version"] == "0.4"
    _check_multiscale_image(image, attrs, version="0.4", zarr_format=2)


def test_ome_zarr_05_is_zarr_v3_with_ome_attributes(root: Path) -> None:
    image = root / "ome-zarr-0.5/cells.ome.zarr"
    assert not (image / ".zattrs").exists()
    metadata = json.loads((image / "zarr.json").read_text())
    assert metadata["zarr_format"] == 3 and metadata["node_type"] == "group"
    ome = metadata["attributes"]["ome"]
    assert ome["version"] == "0.5"
    _check_multiscale_image(image, ome, version="0.5", zarr_format=3)


def test_ome_zarr_channels_hold_different_nonzero_images(root: Path) -> None:
    image = root / "ome-zarr-0.5/cells.ome.zarr"
    path = zarr.open_group(image, mode="r").attrs["ome"]["multiscales"][0]["datasets"][0]["path"]
    data = zarr.open_array(image / path, mode="r")[:]
    assert data.min() > 0  # the background gradient is never zero
    assert all(data[c].max() > 4 * np.median(data[c]) for c in range(3))  # bright blobs
    assert not np.array_equal(data[0], data[1]) and not np.array_equal(data[1], data[2])


def test_both_ome_zarr_versions_hold_the_same_image(root: Path) -> None:
    levels = []
    for version in ("0.4", "0.5"):
        image = root / f"ome-zarr-{version}/cells.ome.zarr"
        attrs = zarr.open_group(image, mode="r").attrs.asdict()
        multiscale = (attrs.get("ome") or attrs)["multiscales"][0]
        levels.append(zarr.open_array(image / multiscale["datasets"][0]["path"], mode="r")[:])
    np.testing.assert_array_equal(*levels)


# --- plain Zarr arrays ---------------------------------------------------------------------


def test_n5_pyramid_holds_the_nuclei_channel_at_three_levels(root: Path) -> None:
    import tensorstore as ts

    from fileglancer_ext.formats.summary import summarize

    group = root / "n5" / "nuclei.n5"
    summary = summarize(group)
    assert summary["kind"] == "n5-group" and summary["problems"] == []
    multiscale = summary["n5"]["group"]["multiscale"]
    assert [level["path"] for level in multiscale["levels"]] == ["s0", "s1", "s2"]
    assert multiscale["levels"][2]["shape_c_order"] == [16, 64, 64]
    assert multiscale["pixel_resolution"] == {"dimensions": [0.5, 0.5, 2.0], "unit": "um"}
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(group / "s0")}}
    s0 = ts.open(spec, read=True).result().T.read().result()
    image = root / demo_data.OME_ZARR_V04.name
    first = zarr.open_group(image, mode="r").attrs["multiscales"][0]["datasets"][0]["path"]
    cells = zarr.open_array(image / first, mode="r")
    assert np.array_equal(s0, cells[0])  # the OME-Zarr's first channel


def test_zarr_v2_volume(root: Path) -> None:
    path = root / "zarr-v2/volume.zarr"
    assert (path / ".zarray").is_file()
    array = zarr.open_array(path, mode="r")
    assert array.metadata.zarr_format == 2
    assert array.shape == (64, 256, 256) and array.chunks == (32, 64, 64)
    assert array.dtype == np.float32
    assert array.metadata.compressor.codec_id == "blosc"
    assert array.attrs["voxel_unit"] == "micrometer"
    assert float(np.max(array[:])) > 0


def test_zarr_v3_volume_is_sharded(root: Path) -> None:
    array = zarr.open_array(root / "zarr-v3/sharded.zarr", mode="r")
    assert array.metadata.zarr_format == 3
    assert array.shape == (128, 512, 512) and array.dtype == np.uint16
    assert array.shards == (64, 256, 256)
    assert array.chunks == (32, 64, 64)
    assert array.metadata.dimension_names == ("z", "y", "x")
    assert "zstd" in json.dumps(array.metadata.to_dict()["codecs"])
    # One file per shard, not per chunk.
    shard_files = [p for p in (root / "zarr-v3/sharded.zarr/c").rglob("*") if p.is_file()]
    assert len(shard_files) == 2 * 2 * 2
    assert array[64].max() > array[64].min() > 0


# --- TIFF ----------------------------------------------------------------------------------


def test_ome_tiff_has_pixel_sizes_channels_and_pyramid(root: Path) -> None:
    with tifffile.TiffFile(root / "tiff/cells.ome.tif") as tif:
        assert tif.is_ome
        page = tif.pages.first
        assert page.is_tiled and page.compression == tifffile.COMPRESSION.ADOBE_DEFLATE
        series = tif.series[0]
        assert series.axes == "CZYX"
        assert [level.shape for level in series.levels] == [
            (3, 16, 256, 256),
            (3, 16, 128, 128),
            (3, 16, 64, 64),
        ]
        assert series.asarray().max() > 0
        ome_xml = tif.ome_metadata
    assert ome_xml is not None
    namespace = {"ome": ome_xml.split('xmlns="', 1)[1].split('"', 1)[0]}
    pixels = ET.fromstring(ome_xml).find("ome:Image/ome:Pixels", namespace)
    assert pixels is not None
    assert float(pixels.get("PhysicalSizeX", "nan")) == pytest.approx(0.5)
    assert float(pixels.get("PhysicalSizeZ", "nan")) == pytest.approx(2.0)
    channels = pixels.findall("ome:Channel", namespace)
    assert [channel.get("Name") for channel in channels] == list(CHANNELS)
    # OME-XML colours are signed 32-bit RGBA integers.
    colors = [int(channel.get("Color", "0")) & 0xFFFFFFFF for channel in channels]
    assert [f"{color >> 8:06X}" for color in colors] == list(CHANNELS.values())


def test_plain_tiff_is_a_20_page_stack_without_ome(root: Path) -> None:
    with tifffile.TiffFile(root / "tiff/stack.tif") as tif:
        assert not tif.is_ome and not tif.is_imagej
        assert len(tif.pages) == 20
        stack = tif.asarray()
    assert stack.shape == (20, 256, 256) and stack.dtype == np.uint8
    assert stack.max() > 0


def test_file_series_is_one_image_of_two_channels_and_20_planes(root: Path) -> None:
    from fileglancer_ext.formats.detect import detect_kind
    from fileglancer_ext.formats.summary import summarize

    folder = root / "series/cells-planes"
    assert detect_kind(folder, is_dir=True).kind == "tiff-series"
    summary = summarize(folder)
    assert summary["problems"] == []
    assert summary["series"] == {
        "pattern": "cells_z{z}_c{c}.tif",
        "guessed": True,
        "axes": "czyx",
        "sizes": {"c": 2, "z": 20, "y": 128, "x": 128},
        "starts": {"c": 0, "z": 0},
        "plane_shape": [128, 128],
        "dtype": "uint16",
        "file_count": 40,
        "problem": None,
    }


# --- many files ----------------------------------------------------------------------------


def test_many_files_folder(root: Path) -> None:
    folder = root / "many-files"
    items = sorted(p.name for p in folder.glob("item-*.txt"))
    assert len(items) == MANY_FILES
    assert items[0] == "item-00001.txt" and items[-1] == f"item-{MANY_FILES:05d}.txt"
    subfolders = [p for p in folder.iterdir() if p.is_dir()]
    assert len(subfolders) >= 2
    assert all(any(sub.iterdir()) for sub in subfolders)


# --- re-running, overwriting and failing ---------------------------------------------------


def test_second_run_keeps_existing_data_and_is_fast(demo: tuple[Path, list[DemoDataset]]) -> None:
    root, datasets = demo
    watched = [root / d.name for d in datasets] + [
        root / "zarr-v2/volume.zarr/.zarray",
        root / "many-files/item-00001.txt",
    ]
    before = _mtimes(watched)
    started = time.perf_counter()
    again = write_demo_data(root, many_files=MANY_FILES)
    assert time.perf_counter() - started < 1.0
    assert again == datasets
    assert _mtimes(watched) == before


def test_overwrite_replaces_datasets(tmp_path: Path) -> None:
    write_demo_data(tmp_path, many_files=3)
    marker = tmp_path / "many-files/stray.txt"
    marker.write_text("left over from an older demo")
    write_demo_data(tmp_path, many_files=4, overwrite=True)
    assert not marker.exists()
    assert len(list((tmp_path / "many-files").glob("item-*.txt"))) == 4
    assert _staging_leftovers(tmp_path) == []


def test_failed_write_leaves_no_dataset_and_no_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def write_half_then_fail(path: Path, **_: object) -> None:
        path.mkdir()
        (path / ".zgroup").write_text('{"zarr_format": 2}')
        raise RuntimeError("interrupted")

    monkeypatch.setattr(demo_data, "_write_ome_zarr", write_half_then_fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_demo_data(tmp_path, many_files=1)
    assert not (tmp_path / "ome-zarr-0.4/cells.ome.zarr").exists()
    assert _staging_leftovers(tmp_path) == []


def test_stale_staging_directories_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "many-files"
    target.mkdir()  # already "written", so this run only tidies up
    stale = tmp_path / ".many-files.tmp-stale"
    (stale / "many-files").mkdir(parents=True)
    old = time.time() - 2 * demo_data.STALE_STAGING_AGE_S
    os.utime(stale, (old, old))
    fresh = tmp_path / ".many-files.tmp-live"  # could belong to a concurrent writer
    fresh.mkdir()

    demo_data._remove_stale_staging_dirs(target)

    assert not stale.exists()
    assert fresh.exists()


def test_negative_many_files_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="many_files"):
        write_demo_data(tmp_path, many_files=-1)
