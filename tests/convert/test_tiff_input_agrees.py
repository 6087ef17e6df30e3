"""A TIFF converted to OME-Zarr carries exactly the metadata the inspector shows for it:
both read the TIFF through one model (`formats.tiff.tiff_series`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
import zarr

from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr
from fileglancer_ext.formats.summary import summarize

from .other_writers import check_valid


def _image(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 4000, shape, dtype=np.uint16)


def _ome_tiff(path: Path) -> Path:
    tifffile.imwrite(
        path,
        _image((2, 2, 3, 32, 24)),
        ome=True,
        metadata={
            "axes": "TCZYX",
            "Name": "cells",
            "PhysicalSizeX": 0.25,
            "PhysicalSizeXUnit": "µm",
            "PhysicalSizeY": 0.25,
            "PhysicalSizeYUnit": "µm",
            "PhysicalSizeZ": 2.0,
            "PhysicalSizeZUnit": "nm",
            "TimeIncrement": 30.0,
            "TimeIncrementUnit": "s",
            "Channel": {"Name": ["DAPI", "GFP"], "Color": [-16776961, 16711935]},
        },
    )
    return path


def _imagej_hyperstack(path: Path) -> Path:
    red, green = np.zeros((3, 256), np.uint8), np.zeros((3, 256), np.uint8)
    red[0], green[1] = np.arange(256), np.arange(256)
    tifffile.imwrite(
        path,
        _image((3, 2, 2, 32, 24)),  # t, z, c, y, x as ImageJ stores them
        imagej=True,
        resolution=(1 / 0.5, 1 / 0.5),
        metadata={
            "axes": "TZCYX",
            "unit": "\\u00B5m",  # as ImageJ writes µm; the old converter dropped it
            "spacing": 1.5,
            "finterval": 2.0,
            "tunit": "min",
            "Ranges": (10.0, 1000.0, 20.0, 2000.0),
            "LUTs": [red, green],
            # Labels repeated per channel name the channels (the old converter ignored them).
            "Labels": ["nuclei", "membrane"] * 6,
        },
    )
    return path


def _plain_with_resolution(path: Path) -> Path:
    tifffile.imwrite(
        path, _image((5, 32, 24)), resolution=(2000.0, 4000.0), resolutionunit="CENTIMETER"
    )
    return path


def _written(out: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    attrs = zarr.open_group(out, mode="r").attrs.asdict()
    ome = attrs.get("ome") or attrs
    return ome["multiscales"][0], (ome.get("omero") or {}).get("channels", [])


@pytest.mark.parametrize(
    "write", [_ome_tiff, _imagej_hyperstack, _plain_with_resolution], ids=lambda w: w.__name__
)
def test_converted_tiff_carries_what_the_inspector_shows(tmp_path: Path, write: Any) -> None:
    source = write(tmp_path / "source.tif")
    shown = summarize(source)["tiff"]["series"][0]
    out = tmp_path / "out.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(levels=1))
    check_valid(out)

    multiscale, channels = _written(out)
    names = [axis["name"] for axis in multiscale["axes"]]
    scale = multiscale["datasets"][0]["coordinateTransformations"][0]["scale"]
    units = {axis["name"]: axis.get("unit") for axis in multiscale["axes"]}
    assert shown["pixel_size"], "each sample has pixel sizes"
    for axis, size in shown["pixel_size"].items():
        assert scale[names.index(axis)] == pytest.approx(size["value"])
        assert units[axis] == size["unit"]
    if "t" in names:
        assert shown["time_spacing"] is not None
        assert scale[names.index("t")] == shown["time_spacing"]["value"]
        assert units["t"] == shown["time_spacing"]["unit"]
    assert len(channels) == len(shown["channels"])
    for index, (written, seen) in enumerate(zip(channels, shown["channels"], strict=True)):
        assert written["label"] == (seen["name"] or f"Channel {index}")
        assert seen["color"] is not None and written["color"] == seen["color"]
        if seen["window"] is not None:
            window = written["window"]
            assert (window["start"], window["end"]) == (
                seen["window"]["start"],
                seen["window"]["end"],
            )


def test_where_the_two_readers_disagreed_the_model_wins(tmp_path: Path) -> None:
    """ImageJ's escaped micro sign, channel names from per-channel labels, LUT colours in
    the inspector, and the OME-XML's TimeIncrement in the inspector."""
    hyperstack = summarize(_imagej_hyperstack(tmp_path / "h.tif"))["tiff"]["series"][0]
    assert hyperstack["pixel_size"]["x"] == {"value": 0.5, "unit": "micrometer"}
    assert [(c["name"], c["color"]) for c in hyperstack["channels"]] == [
        ("nuclei", "FF0000"),
        ("membrane", "00FF00"),
    ]
    out = tmp_path / "h.ome.zarr"
    convert_tiff_to_ome_zarr(tmp_path / "h.tif", out, ConversionOptions(levels=1))
    multiscale, channels = _written(out)
    assert {a["name"]: a.get("unit") for a in multiscale["axes"]}["x"] == "micrometer"
    assert [c["label"] for c in channels] == ["nuclei", "membrane"]

    ome = summarize(_ome_tiff(tmp_path / "o.ome.tif"))["tiff"]["series"][0]
    assert ome["time_spacing"] == {"value": 30.0, "unit": "second"}
    assert ome["pixel_size"]["z"] == {"value": 2.0, "unit": "nanometer"}


def test_a_series_past_the_inspectors_list_keeps_its_metadata(tmp_path: Path) -> None:
    """The inspector summarizes the first 500 OME-XML images; converting series 500 still
    reads that image's pixel size."""
    source = tmp_path / "plate.ome.tif"
    with tifffile.TiffWriter(source, ome=True) as tif:
        for index in range(501):
            size = 0.5 if index == 500 else 1.0
            tif.write(
                np.zeros((4, 4), np.uint8),
                metadata={"axes": "YX", "PhysicalSizeX": size, "PhysicalSizeY": size},
            )
    out = tmp_path / "plate.ome.zarr"
    convert_tiff_to_ome_zarr(source, out, ConversionOptions(levels=1, series=500))
    multiscale, _ = _written(out)
    assert multiscale["datasets"][0]["coordinateTransformations"][0]["scale"] == [0.5, 0.5]
