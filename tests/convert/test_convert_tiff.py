"""TIFF / OME-TIFF -> OME-Zarr: pixels, pyramid, metadata, and outputs other tools accept."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr
from fileglancer_ext.convert.plan import FuturesExecutor, region_tasks
from fileglancer_ext.formats.validate import validate_dataset

CHANNELS = ("DAPI", "GFP", "mCherry")
SHAPE = (3, 10, 96, 80)  # c, z, y, x


def _image(shape: tuple[int, ...] = SHAPE, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4000, shape, dtype=np.uint16)


def write_ome_tiff(path: Path, data: np.ndarray, **extra: object) -> Path:
    metadata = {
        "axes": "CZYX",
        "Name": "sample",
        "PhysicalSizeX": 0.25,
        "PhysicalSizeXUnit": "µm",
        "PhysicalSizeY": 0.25,
        "PhysicalSizeYUnit": "µm",
        "PhysicalSizeZ": 1.0,
        "PhysicalSizeZUnit": "µm",
        "Channel": {
            "Name": list(CHANNELS),
            "Color": [-16776961, 16711935, 65535],  # red, green, blue as signed RGBA
            "EmissionWavelength": [461.0, 510.0, 610.0],
        },
    }
    tifffile.imwrite(
        path, data, ome=True, metadata=metadata, tile=(32, 32), compression="zlib", **extra
    )
    return path


@pytest.fixture
def ome_tiff(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = _image()
    return write_ome_tiff(tmp_path / "sample.ome.tif", data), data


def _multiscale(path: Path) -> dict:
    attrs = zarr.open_group(path, mode="r").attrs.asdict()
    return (attrs.get("ome") or attrs)["multiscales"][0]


def _omero(path: Path) -> dict:
    attrs = zarr.open_group(path, mode="r").attrs.asdict()
    return (attrs.get("ome") or attrs)["omero"]


def _level(path: Path, index: int) -> zarr.Array:
    return zarr.open_array(path / _multiscale(path)["datasets"][index]["path"], mode="r")


@pytest.mark.parametrize("version,zarr_format", [("0.4", 2), ("0.5", 3)])
def test_ome_tiff_becomes_a_valid_ome_zarr_with_every_pixel(
    ome_tiff: tuple[Path, np.ndarray], tmp_path: Path, version: str, zarr_format: int
) -> None:
    source, data = ome_tiff
    out = tmp_path / "out.ome.zarr"
    options = ConversionOptions(ngff_version=version, chunks=(4, 32, 32))
    result = convert_tiff_to_ome_zarr(source, out, options)

    assert result.destination == out and result.kind == "ome-zarr"
    report = validate_dataset(out)
    assert report.valid, report.to_json()
    assert report.version == version and report.zarr_format == zarr_format
    level0 = _level(out, 0)
    assert level0.metadata.zarr_format == zarr_format
    assert level0.chunks == (1, 4, 32, 32)
    np.testing.assert_array_equal(level0[:], data)


def test_pixel_sizes_units_channels_and_ome_xml_are_carried(
    ome_tiff: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, _ = ome_tiff
    out = tmp_path / "out.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(chunks=(4, 32, 32)))

    multiscale = _multiscale(out)
    assert [a["name"] for a in multiscale["axes"]] == ["c", "z", "y", "x"]
    assert {a["name"]: a.get("unit") for a in multiscale["axes"]} == {
        "c": None,
        "z": "micrometer",
        "y": "micrometer",
        "x": "micrometer",
    }
    scale0 = multiscale["datasets"][0]["coordinateTransformations"][0]["scale"]
    assert scale0 == [1.0, 1.0, 0.25, 0.25]
    channels = _omero(out)["channels"]
    assert [c["label"] for c in channels] == list(CHANNELS)
    assert [c["color"] for c in channels] == ["FF0000", "00FF00", "0000FF"]
    assert [c["emissionWavelength"] for c in channels] == [461.0, 510.0, 610.0]
    kept = (out / "OME/METADATA.ome.xml").read_text(encoding="utf-8")
    assert kept == tifffile.TiffFile(source).ome_metadata


def test_ome_zarr_py_reader_opens_the_output(
    ome_tiff: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.io import parse_url
        from ome_zarr.reader import Reader

    source, data = ome_tiff
    for version in ("0.4", "0.5"):
        out = tmp_path / f"out-{version}.ome.zarr"
        convert_tiff_to_ome_zarr(source, out, ConversionOptions(ngff_version=version))
        nodes = list(Reader(parse_url(str(out)))())
        image = nodes[0]
        assert image.metadata["axes"][0]["name"] == "c"
        assert image.metadata["name"] == "sample"
        np.testing.assert_array_equal(np.asarray(image.data[0]), data)


def test_pyramid_levels_halve_yx_first_and_hold_block_means(tmp_path: Path) -> None:
    data = _image((3, 10, 96, 80))
    source = write_ome_tiff(tmp_path / "in.ome.tif", data)
    out = tmp_path / "out.ome.zarr"
    result = convert_tiff_to_ome_zarr(source, out, ConversionOptions(chunks=(4, 16, 16)))

    # z (1 um) is 4x coarser than y, x (0.25 um): it waits until they catch up.
    assert result.level_shapes[:4] == [
        (3, 10, 96, 80),
        (3, 10, 48, 40),
        (3, 10, 24, 20),
        (3, 5, 12, 10),
    ]
    assert result.level_shapes[-1][2] <= 16 and result.level_shapes[-1][3] <= 16
    expected = data.reshape(3, 10, 48, 2, 40, 2).astype(np.float64).mean(axis=(3, 5))
    np.testing.assert_array_equal(_level(out, 1)[:], np.rint(expected).astype(np.uint16))
    scales = [d["coordinateTransformations"][0]["scale"] for d in _multiscale(out)["datasets"]]
    assert scales[1] == [1.0, 1.0, 0.5, 0.5] and scales[3] == [1.0, 2.0, 2.0, 2.0]


def test_levels_option_limits_the_pyramid(
    ome_tiff: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    source, _ = ome_tiff
    result = convert_tiff_to_ome_zarr(source, tmp_path / "o.zarr", ConversionOptions(levels=2))
    assert len(result.level_shapes) == 2


def test_label_images_downsample_by_mode(tmp_path: Path) -> None:
    labels = np.zeros((64, 64), dtype=np.uint16)
    labels[:, 32:] = 7
    labels[0::2, 0::2] = 3  # one pixel in four: never the mode of a 2x2 block
    source = tmp_path / "labels.tif"
    tifffile.imwrite(source, labels, metadata=None)
    out = tmp_path / "labels.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(labels=True, chunks=(16, 16)))

    level1 = _level(out, 1)[:]
    assert set(np.unique(level1)) == {0, 7}
    assert (level1[:, :16] == 0).all() and (level1[:, 16:] == 7).all()
    assert validate_dataset(out).valid


def test_v3_output_can_be_sharded(ome_tiff: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    source, data = ome_tiff
    out = tmp_path / "sharded.ome.zarr"
    options = ConversionOptions(ngff_version="0.5", chunks=(2, 16, 16), shards=(4, 64, 64))
    convert_tiff_to_ome_zarr(source, out, options)

    level0 = _level(out, 0)
    assert level0.shards == (1, 4, 64, 64) and level0.chunks == (1, 2, 16, 16)
    np.testing.assert_array_equal(level0[:], data)
    assert validate_dataset(out).valid


def test_plain_multipage_tiff_becomes_a_z_stack(tmp_path: Path) -> None:
    stack = _image((12, 40, 50))
    source = tmp_path / "stack.tif"
    tifffile.imwrite(source, stack, photometric="minisblack", metadata=None)
    out = tmp_path / "stack.ome.zarr"
    convert_tiff_to_ome_zarr(source, out)
    assert [a["name"] for a in _multiscale(out)["axes"]] == ["z", "y", "x"]
    np.testing.assert_array_equal(_level(out, 0)[:], stack)
    assert validate_dataset(out).valid


def test_rgb_tiff_samples_become_channels(tmp_path: Path) -> None:
    rgb = _image((48, 40, 3)).astype(np.uint8)
    source = tmp_path / "rgb.tif"
    tifffile.imwrite(source, rgb, photometric="rgb")
    out = tmp_path / "rgb.ome.zarr"
    convert_tiff_to_ome_zarr(source, out)
    np.testing.assert_array_equal(_level(out, 0)[:], rgb.transpose(2, 0, 1))
    assert [c["label"] for c in _omero(out)["channels"]] == ["red", "green", "blue"]


def test_pyramidal_bigtiff_with_subifds_uses_full_resolution(tmp_path: Path) -> None:
    data = _image((2, 128, 96))
    source = tmp_path / "pyramid.ome.tif"
    with tifffile.TiffWriter(source, bigtiff=True, ome=True) as tif:
        tif.write(data, subifds=1, tile=(32, 32), metadata={"axes": "CYX"})
        tif.write(data[:, ::2, ::2], subfiletype=1, tile=(32, 32))
    out = tmp_path / "out.ome.zarr"
    convert_tiff_to_ome_zarr(source, out)
    np.testing.assert_array_equal(_level(out, 0)[:], data)


def test_tasks_pickle_and_run_in_a_process_pool(
    ome_tiff: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    import concurrent.futures as cf
    import multiprocessing

    source, data = ome_tiff
    out = tmp_path / "pool.ome.zarr"
    context = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(2, mp_context=context) as pool:
        convert_tiff_to_ome_zarr(
            source,
            out,
            ConversionOptions(chunks=(2, 32, 32), task_bytes=1 << 20),
            executor=FuturesExecutor(pool),
        )
    np.testing.assert_array_equal(_level(out, 0)[:], data)
    assert validate_dataset(out).valid


def test_region_tasks_are_picklable_and_cover_whole_chunks() -> None:
    from fileglancer_ext.convert.plan import ZarrArrayRef

    tasks = region_tasks(
        ZarrArrayRef("/in"),
        ZarrArrayRef("/out", writable=True),
        (10, 100, 70),
        (4, 32, 32),
        (1, 1, 1),
        "mean",
        2,
        1 << 20,
    )
    covered = sum(t.nbytes_out for t in tasks)
    assert covered == 10 * 100 * 70
    for task in tasks:
        assert pickle.loads(pickle.dumps(task)) == task
        assert all(a % c == 0 for (a, _), c in zip(task.region, (4, 32, 32), strict=True))


def test_tasks_run_on_a_dask_distributed_cluster(
    ome_tiff: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    source, data = ome_tiff
    out = tmp_path / "dask.ome.zarr"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        convert_tiff_to_ome_zarr(
            source,
            out,
            ConversionOptions(chunks=(2, 32, 32), task_bytes=1 << 20),
            executor=FuturesExecutor(client.get_executor()),
        )
    np.testing.assert_array_equal(_level(out, 0)[:], data)
    assert validate_dataset(out).valid


def test_imagej_hyperstack_axes_and_calibration_are_read(tmp_path: Path) -> None:
    data = _image((2, 3, 2, 40, 30))  # t, z, c, y, x as ImageJ stores them
    source = tmp_path / "hyperstack.tif"
    tifffile.imwrite(
        source,
        data,
        imagej=True,
        resolution=(1 / 0.5, 1 / 0.5),
        metadata={"axes": "TZCYX", "spacing": 2.0, "unit": "um"},
    )
    out = tmp_path / "hyperstack.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(levels=1))

    multiscale = _multiscale(out)
    assert [a["name"] for a in multiscale["axes"]] == ["t", "c", "z", "y", "x"]
    assert multiscale["datasets"][0]["coordinateTransformations"][0]["scale"] == [
        1.0,
        1.0,
        2.0,
        0.5,
        0.5,
    ]
    assert {a["name"]: a.get("unit") for a in multiscale["axes"]}["x"] == "micrometer"
    np.testing.assert_array_equal(_level(out, 0)[:], data.transpose(0, 2, 1, 3, 4))
    assert validate_dataset(out).valid


def test_imagej_frame_interval_display_ranges_and_colours_are_carried(tmp_path: Path) -> None:
    from .other_writers import check_valid

    data = _image((3, 2, 2, 40, 30))  # t, z, c, y, x
    source = tmp_path / "timelapse.tif"
    red, green = np.zeros((3, 256), np.uint8), np.zeros((3, 256), np.uint8)
    red[0], green[1] = np.arange(256), np.arange(256)
    tifffile.imwrite(
        source,
        data,
        imagej=True,
        resolution=(1 / 0.5, 1 / 0.5),
        metadata={
            "axes": "TZCYX",
            "unit": "um",
            "finterval": 1.5,
            "tunit": "min",
            "Ranges": (10.0, 1000.0, 20.0, 2000.0),
            "LUTs": [red, green],
            # One label per plane (t * z * c): what each plane shows, not channel names.
            "Labels": [f"plane {i}" for i in range(12)],
        },
    )
    out = tmp_path / "timelapse.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(levels=1))

    check_valid(out)
    multiscale = _multiscale(out)
    t_axis = multiscale["axes"][0]
    assert t_axis == {"name": "t", "type": "time", "unit": "minute"}
    assert multiscale["datasets"][0]["coordinateTransformations"][0]["scale"][0] == 1.5
    channels = _omero(out)["channels"]
    assert [c["label"] for c in channels] == ["Channel 0", "Channel 1"]
    assert [c["color"] for c in channels] == ["FF0000", "00FF00"]
    assert [(c["window"]["start"], c["window"]["end"]) for c in channels] == [
        (10.0, 1000.0),
        (20.0, 2000.0),
    ]
