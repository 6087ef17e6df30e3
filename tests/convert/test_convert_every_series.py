"""Every series of a multi-series OME-TIFF or multi-scene CZI becomes one OME-Zarr in the
bioformats2raw layout; one chosen series stays a plain image; the `OME` folder of any
output is a Zarr group, so zarr-python lists the members without a warning."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.cli import main
from fileglancer_ext.convert import ConversionOptions, convert
from fileglancer_ext.formats.model import read_ome
from fileglancer_ext.formats.validate import validate_dataset
from fileglancer_ext.formats.zarr_meta import MetadataReader

from .other_writers import check_valid, levels, ome_attrs
from .test_convert_tiff import write_ome_tiff


def write_multi_series_ome_tiff(path: Path) -> list[np.ndarray]:
    """Three images of different shapes and types in one OME-TIFF."""
    rng = np.random.default_rng(4)
    images = [
        rng.integers(0, 4000, (2, 5, 32, 40), dtype=np.uint16),
        rng.integers(0, 255, (24, 24), dtype=np.uint8),
        rng.random((3, 16, 16), dtype=np.float32),
    ]
    axes = ["CZYX", "YX", "ZYX"]
    with tifffile.TiffWriter(path, ome=True) as tif:
        for index, (image, order) in enumerate(zip(images, axes, strict=True)):
            tif.write(image, metadata={"axes": order, "Name": f"image {index}"})
    return images


def check_layout(out: Path, images: list[np.ndarray], zarr_format: int) -> None:
    """bioformats2raw.layout 3, OME/series, one valid image per series holding its pixels,
    read back by the inspector's model and by ome-zarr-py."""
    names = [str(i) for i in range(len(images))]
    attrs = ome_attrs(out)
    assert attrs["bioformats2raw.layout"] == 3
    assert ome_attrs(out / "OME")["series"] == names
    assert zarr.open_group(out / "OME").metadata.zarr_format == zarr_format
    report = validate_dataset(out)
    assert report.valid, report.to_json()["errors"]
    for name, image in zip(names, images, strict=True):
        check_valid(out / name)
        np.testing.assert_array_equal(levels(out / name)[0], image)
    layout = read_ome(MetadataReader(out), out).bioformats2raw
    assert layout is not None and list(layout.series) == names
    assert layout.series_source == "OME/series"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.io import parse_url
        from ome_zarr.reader import Reader
    for name, image in zip(names, images, strict=True):
        node = list(Reader(parse_url(str(out / name)))())[0]
        np.testing.assert_array_equal(np.asarray(node.data[0]), image)


@pytest.mark.parametrize(("version", "zarr_format"), [("0.4", 2), ("0.5", 3)])
def test_every_series_of_an_ome_tiff_becomes_a_bioformats2raw_layout(
    tmp_path: Path, version: str, zarr_format: int
) -> None:
    source = tmp_path / "three.ome.tif"
    images = write_multi_series_ome_tiff(source)
    out = tmp_path / "three.ome.zarr"
    status = main(["convert", str(source), str(out), "--quiet", "--ngff-version", version])
    assert status == 0
    check_layout(out, images, zarr_format)
    xml = (out / "OME/METADATA.ome.xml").read_text(encoding="utf-8")
    assert xml == tifffile.TiffFile(source).ome_metadata
    assert not (out / "0/OME").exists()  # the layout keeps the one OME-XML
    assert ome_attrs(out / "1")["multiscales"][0]["name"] == "image 1"


def test_one_chosen_series_stays_a_plain_image(tmp_path: Path) -> None:
    source = tmp_path / "three.ome.tif"
    images = write_multi_series_ome_tiff(source)
    out = tmp_path / "second.ome.zarr"
    convert(source, out, ConversionOptions(series=1))
    check_valid(out)
    np.testing.assert_array_equal(levels(out)[0], images[1])
    assert "bioformats2raw.layout" not in ome_attrs(out)


def test_all_makes_a_layout_of_a_single_series_too(tmp_path: Path) -> None:
    data = np.random.default_rng(3).integers(0, 999, (3, 4, 32, 32), dtype=np.uint16)
    source = write_ome_tiff(tmp_path / "one.ome.tif", data)
    single = tmp_path / "single.ome.zarr"
    convert(source, single, ConversionOptions())
    assert "multiscales" in ome_attrs(single)  # unset: one image stays one image
    out = tmp_path / "layout.ome.zarr"
    convert(source, out, ConversionOptions(series="all"))
    check_layout(out, [data], 2)


def test_a_bad_series_option_is_refused() -> None:
    from fileglancer_ext.errors import BadRequest

    with pytest.raises(BadRequest, match="'every'"):
        ConversionOptions.from_json({"series": "every"})
    assert ConversionOptions.from_json({"series": "all"}).series == "all"


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_listing_an_images_members_gives_no_warning(tmp_path: Path, version: str) -> None:
    """The OME-XML kept beside an image lies in an `OME` Zarr group: zarr-python warned
    "Object at OME is not recognized" about the bare folder."""
    data = np.random.default_rng(3).integers(0, 999, (3, 4, 32, 32), dtype=np.uint16)
    source = write_ome_tiff(tmp_path / "one.ome.tif", data)
    out = tmp_path / "one.ome.zarr"
    convert(source, out, ConversionOptions(ngff_version=version))
    assert (out / "OME/METADATA.ome.xml").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        members = dict(zarr.open_group(out, mode="r").members())
    assert isinstance(members["OME"], zarr.Group)
    check_valid(out)


def test_every_scene_of_a_czi_becomes_a_bioformats2raw_layout(tmp_path: Path) -> None:
    pyczi = pytest.importorskip("pylibCZIrw.czi")
    rng = np.random.default_rng(8)
    scenes = [rng.integers(0, 4000, (2, 24, 32), dtype=np.uint16) for _ in range(2)]
    source = tmp_path / "scenes.czi"
    with pyczi.create_czi(str(source), exist_ok=True) as czi:
        for scene, image in enumerate(scenes):
            for c in range(image.shape[0]):
                czi.write(
                    image[c], plane={"C": c, "Z": 0, "T": 0}, scene=scene, location=(100 * scene, 0)
                )
        czi.write_metadata(document_name="scenes", scale_x=0.2e-6, scale_y=0.2e-6)
    out = tmp_path / "scenes.ome.zarr"
    convert(source, out, ConversionOptions(ngff_version="0.5"))
    check_layout(out, scenes, 3)
    assert not (out / "OME/METADATA.ome.xml").exists()  # a CZI has no OME-XML
    one = tmp_path / "one.ome.zarr"
    convert(source, one, ConversionOptions(series=1))
    np.testing.assert_array_equal(levels(one)[0], scenes[1])


def test_a_plain_tiff_converts_its_first_series_unless_told(tmp_path: Path) -> None:
    """A plain TIFF's second series is mostly a thumbnail or a mask: not a layout by default."""
    source = tmp_path / "two.tif"
    image, thumbnail = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64), np.ones((8, 8), "u1")
    with tifffile.TiffWriter(source) as tif:
        tif.write(image)
        tif.write(thumbnail)
    assert len(tifffile.TiffFile(source).series) == 2
    out = tmp_path / "first.ome.zarr"
    convert(source, out, ConversionOptions())
    np.testing.assert_array_equal(levels(out)[0], image)
    every = tmp_path / "every.ome.zarr"
    convert(source, every, ConversionOptions(series="all"))
    check_layout(every, [image, thumbnail], 2)
