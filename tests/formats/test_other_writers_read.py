"""What `info` and the inspector read from data other tools wrote (issue 15, point 7).

A bioformats2raw layout made by hand around an ome-zarr-py image; string, datetime and
partly named arrays written by zarr-python 3; ImageJ hyperstacks and OME-TIFFs written by
tifffile.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr
from ome_zarr.format import FormatV04
from ome_zarr.writer import write_image

from fileglancer_ext.cli import main
from fileglancer_ext.formats.health import dataset_health
from fileglancer_ext.formats.summary import summarize
from fileglancer_ext.formats.validate import validate_dataset


def test_info_shows_the_version_of_a_zarr_v2_bioformats2raw_layout(tmp_path: Path, capsys):
    layout = tmp_path / "layout.zarr"
    root = zarr.open_group(str(layout), mode="w", zarr_format=2)
    root.attrs["bioformats2raw.layout"] = 3
    root.create_group("OME").attrs["series"] = ["0"]
    series = root.create_group("0")
    image = np.zeros((1, 2, 1, 32, 32), "uint8")
    write_image(image, group=series, axes="tczyx", fmt=FormatV04(), scale_factors=[2])
    summary = summarize(layout)
    assert summary["kind"] == "bioformats2raw"
    assert summary["ome_version"] == summary["ome"]["version"] == "0.4"
    assert validate_dataset(layout).version == "0.4"
    assert main(["info", str(layout)]) == 0
    assert "(Zarr v2, OME-NGFF 0.4)" in capsys.readouterr().out.splitlines()[0]


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_python_string_and_datetime_arrays_have_a_data_type(tmp_path: Path, zarr_format):
    group = zarr.open_group(str(tmp_path / "table.zarr"), mode="w", zarr_format=zarr_format)
    group.create_array("names", shape=(3,), dtype=str)
    group.create_array("times", shape=(3,), dtype="datetime64[ns]")
    assert summarize(tmp_path / "table.zarr/names")["array"]["dtype"] == "string"
    assert summarize(tmp_path / "table.zarr/times")["array"]["dtype"] == "datetime64[ns]"
    expected = {"names": "string", "times": "datetime64[ns]"}
    members = summarize(tmp_path / "table.zarr")["group"]["members"]
    assert {m["name"]: m["dtype"] for m in members} == expected
    # Listed from consolidated metadata, the same.
    zarr.consolidate_metadata(str(tmp_path / "table.zarr"), zarr_format=zarr_format)
    listing = summarize(tmp_path / "table.zarr")["group"]
    assert listing["consolidated"]
    assert {m["name"]: m["dtype"] for m in listing["members"]} == expected


def test_a_null_dimension_name_stays_null(tmp_path: Path, capsys):
    path = tmp_path / "partly-named.zarr"
    zarr.create_array(str(path), shape=(3, 4, 5), dtype="uint8", dimension_names=["t", None, "x"])
    assert summarize(path)["array"]["dimension_names"] == ["t", None, "x"]
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "dimensions: t, (no name), x" in out and "None" not in out


def write_imagej_hyperstack(path: Path, labels: list[str]) -> None:
    """tifffile's ImageJ hyperstack: 3 frames 0.5 s apart, 2 z, 2 channels with ranges."""
    metadata = {
        "axes": "TZCYX",
        "finterval": 0.5,
        "Labels": labels,
        "Ranges": (0.0, 100.0, 10.0, 2000.0),
        "min": 0.0,
        "max": 100.0,
    }
    tifffile.imwrite(path, np.zeros((3, 2, 2, 16, 16), "uint16"), imagej=True, metadata=metadata)


def test_imagej_frame_interval_and_display_ranges_are_read(tmp_path: Path, capsys):
    path = tmp_path / "stack.tif"
    write_imagej_hyperstack(
        path, [f"t{t} z{z} c{c}" for t in range(3) for z in range(2) for c in range(2)]
    )
    [series] = summarize(path)["tiff"]["series"]
    assert series["time_spacing"] == {"value": 0.5, "unit": "second"}
    windows = [channel["window"] for channel in series["channels"]]
    assert windows == [
        {"start": 0.0, "end": 100.0, "min": None, "max": None},
        {"start": 10.0, "end": 2000.0, "min": None, "max": None},
    ]
    # Per-plane slice labels name no channel.
    assert [channel["name"] for channel in series["channels"]] == [None, None]
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "time interval: 0.5 second" in out and "channel 1: (no name) window 10-2000" in out


def test_imagej_labels_repeated_per_channel_name_the_channels(tmp_path: Path):
    path = tmp_path / "named.tif"
    write_imagej_hyperstack(path, ["DAPI", "GFP"] * 6)
    [series] = summarize(path)["tiff"]["series"]
    assert [channel["name"] for channel in series["channels"]] == ["DAPI", "GFP"]


def test_a_single_channel_imagej_display_range(tmp_path: Path):
    path = tmp_path / "movie.tif"
    metadata = {"axes": "TYX", "finterval": 2.0, "min": 5.0, "max": 50.0}
    tifffile.imwrite(path, np.zeros((3, 16, 16), "uint16"), imagej=True, metadata=metadata)
    [series] = summarize(path)["tiff"]["series"]
    assert series["time_spacing"] == {"value": 2.0, "unit": "second"}
    [channel] = series["channels"]
    assert channel["window"] == {"start": 5.0, "end": 50.0, "min": None, "max": None}


def codes(path: Path) -> dict[str, dict]:
    return {warning["code"]: warning for warning in dataset_health(summarize(path))}


def test_named_channels_get_no_unnamed_channels_warning(tmp_path: Path):
    ome_tiff = tmp_path / "named.ome.tif"
    metadata = {"axes": "CYX", "Channel": {"Name": ["DAPI", "GFP"]}}
    tifffile.imwrite(ome_tiff, np.zeros((2, 16, 16), "uint16"), metadata=metadata)
    assert "unnamed-channels" not in codes(ome_tiff)
    imagej = tmp_path / "named.tif"
    write_imagej_hyperstack(imagej, ["DAPI", "GFP"] * 6)
    assert "unnamed-channels" not in codes(imagej)
    # Unnamed ones still are: per-plane labels, or none.
    unnamed = tmp_path / "unnamed.ome.tif"
    tifffile.imwrite(unnamed, np.zeros((2, 16, 16), "uint16"), metadata={"axes": "CYX"})
    assert codes(unnamed)["unnamed-channels"]["message"] == "2 of 2 channels have no name"
