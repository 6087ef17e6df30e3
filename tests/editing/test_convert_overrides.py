"""Metadata given with a conversion overrides the source's: a plain multi-page TIFF without
OME-XML becomes a fully described OME-Zarr (CLI, library and jobs options alike)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from fileglancer_ext.cli import main
from fileglancer_ext.convert import ConversionOptions, convert
from fileglancer_ext.errors import BadRequest
from fileglancer_ext.formats.health import dataset_health
from fileglancer_ext.formats.summary import summarize
from tests.editing.helpers import read_back


@pytest.fixture
def plain_tiff(tmp_path: Path) -> Path:
    """Three pages, no OME-XML, no ImageJ metadata, no resolution: nothing described."""
    path = tmp_path / "pages.tif"
    data = np.random.default_rng(3).integers(0, 4000, (3, 96, 80), dtype=np.uint16)
    tifffile.imwrite(path, data, metadata=None, photometric="minisblack")
    return path


def test_a_plain_tiff_becomes_a_fully_described_ome_zarr_from_the_cli(tmp_path, plain_tiff):
    out = tmp_path / "described.ome.zarr"
    args = ["convert", str(plain_tiff), str(out), "--quiet", "--axis-names", "cyx"]
    args += ["--pixel-size", "y=0.25,x=0.25", "--unit", "micrometer", "--name", "retina"]
    args += ["--channel", "0:label=DAPI,color=0000FF", "--channel", "1:label=GFP,color=00FF00"]
    args += ["--channel", "2:label=Cy5,color=FF00FF", "--ngff-version", "0.5"]
    assert main(args) == 0
    read = read_back(out)  # ome-zarr-py, and ome-zarr-models validation
    assert [a["name"] for a in read["axes"]] == ["c", "y", "x"]
    assert [a.get("unit") for a in read["axes"]] == [None, "micrometer", "micrometer"]
    assert read["coordinateTransformations"][0][0]["scale"] == [1, 0.25, 0.25]
    assert read["name"] == "retina" and read["channel_names"] == ["DAPI", "GFP", "Cy5"]
    assert read["colormap"][2][1] == [1, 0, 1]
    codes = {w["code"] for w in dataset_health(summarize(out))}
    assert not codes & {"missing-pixel-sizes", "missing-units", "unnamed-channels"}


def test_the_options_override_the_source_and_are_checked(tmp_path, plain_tiff):
    options = ConversionOptions.from_json(
        {"pixel_sizes": {"z": 2, "y": 0.5, "x": 0.5}, "units": {"space": "micrometer"}}
    )
    convert(plain_tiff, tmp_path / "z.ome.zarr", options)
    read = read_back(tmp_path / "z.ome.zarr")
    assert read["coordinateTransformations"][0][0]["scale"] == [2, 0.5, 0.5]

    for bad, word in [
        ({"pixel_sizes": {"y": -1}}, "greater than 0"),
        ({"units": {"space": "furlong"}}, "furlong"),
        ({"axis_names": "xy"}, "in that order"),
        ({"channel_colors": ["blue"]}, "RRGGBB"),
        ({"pixel_sizes": {"y": "a"}}, "wrong type"),
    ]:
        with pytest.raises(BadRequest, match=word):
            ConversionOptions.from_json(bad)
    with pytest.raises(BadRequest, match="no axis 't'"):
        convert(plain_tiff, tmp_path / "t.ome.zarr", ConversionOptions(pixel_sizes={"t": 1.0}))
    with pytest.raises(BadRequest, match="3 channel"):
        convert(
            plain_tiff,
            tmp_path / "c.ome.zarr",
            ConversionOptions(axis_names="cyx", channel_labels=("a", "b", "c", "d")),
        )
    with pytest.raises(BadRequest, match="keeps the source's metadata"):
        convert(
            tmp_path / "z.ome.zarr",
            tmp_path / "r.ome.zarr",
            ConversionOptions(pixel_sizes={"y": 1.0}),
            kind="recompress",
        )
