"""The viewer's service in process: images the user may not read are Forbidden (as a user
file permissions apply to), a file that is no TIFF is no image, and tiles never leave a
level's bounds at the image's edge."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
import zarr
from PIL import Image

from fileglancer_ext.errors import BadRequest
from fileglancer_ext.system.confined_io import ANYWHERE
from fileglancer_ext.tiles.service import TileQuery, describe, render_tile
from tests.unprivileged import run_without_privileges


def _write(path: Path, data: np.ndarray) -> None:
    group = zarr.open_group(path, mode="w", zarr_format=2)
    group.create_array("0", shape=data.shape, chunks=(64, 64), dtype=data.dtype)[:] = data
    axes = [{"name": name, "type": "space"} for name in "yx"]
    scale = [{"type": "scale", "scale": [1.0, 1.0]}]
    datasets = [{"path": "0", "coordinateTransformations": scale}]
    group.attrs["multiscales"] = [{"version": "0.4", "axes": axes, "datasets": datasets}]


def test_a_tile_whose_chunk_may_not_be_read_is_forbidden(shared_tmp: Path) -> None:
    _write(shared_tmp / "img", np.full((128, 128), 7, np.uint8))
    (shared_tmp / "img" / "0" / "0.0").chmod(0o000)
    outcome = run_without_privileges(
        lambda: len(render_tile(shared_tmp / "img", ANYWHERE, TileQuery(scale=0, x=0, y=0)))
    )
    assert outcome["error"] == "Forbidden" and "permission denied" in outcome["message"]
    assert str(shared_tmp) not in outcome["message"]


def test_an_image_whose_metadata_may_not_be_read_is_forbidden(shared_tmp: Path) -> None:
    _write(shared_tmp / "img", np.zeros((8, 8), np.uint8))
    (shared_tmp / "img" / ".zattrs").chmod(0o000)
    outcome = run_without_privileges(lambda: describe(shared_tmp / "img", ANYWHERE))
    assert outcome == {"error": "Forbidden", "message": "cannot read .zattrs: permission denied"}


def test_a_text_file_named_tif_is_no_image(tmp_path: Path) -> None:
    (tmp_path / "notes.tif").write_text("not an image")
    with pytest.raises(BadRequest, match="no image to view: not a TIFF file"):
        describe(tmp_path / "notes.tif", ANYWHERE)


def test_edge_tiles_of_an_odd_sized_image_are_cut_to_it(tmp_path: Path) -> None:
    _write(tmp_path / "odd", np.arange(300 * 290, dtype=np.uint32).reshape(300, 290))
    assert describe(tmp_path / "odd", ANYWHERE)["maxScale"] == 1  # single level: 2x at most
    edge = render_tile(tmp_path / "odd", ANYWHERE, TileQuery(scale=0, x=1, y=1))
    assert Image.open(BytesIO(edge)).size == (290 - 256, 300 - 256)
    whole = render_tile(tmp_path / "odd", ANYWHERE, TileQuery(scale=1, x=0, y=0))
    assert Image.open(BytesIO(whole)).size == (145, 150)


def test_a_float_image_without_a_window_gets_one_inside_its_values(tmp_path: Path) -> None:
    _write(tmp_path / "float", np.linspace(-2.0, 6.0, 64 * 64, dtype=np.float32).reshape(64, 64))
    window = describe(tmp_path / "float", ANYWHERE)["channels"][0]["window"]
    assert window["min"] == -2.0 and window["max"] == 6.0
    assert -2.0 < window["start"] < window["end"] < 6.0


def _write_labels(image: Path, data: np.ndarray, colors: list[dict]) -> None:
    group = zarr.open_group(image / "labels", mode="a", zarr_format=2)
    group.attrs["labels"] = ["cells"]
    label = zarr.open_group(image / "labels" / "cells", mode="w", zarr_format=2)
    label.create_array("0", shape=data.shape, chunks=(64, 64), dtype=data.dtype)[:] = data
    axes = [{"name": name, "type": "space"} for name in "yx"]
    scale = [{"type": "scale", "scale": [1.0, 1.0]}]
    datasets = [{"path": "0", "coordinateTransformations": scale}]
    label.attrs["multiscales"] = [{"version": "0.4", "axes": axes, "datasets": datasets}]
    label.attrs["image-label"] = {"version": "0.4", "colors": colors}


def test_a_label_image_is_drawn_over_the_channels_in_its_colours(tmp_path: Path) -> None:
    _write(tmp_path / "img", np.zeros((128, 128), np.uint8))
    cells = np.zeros((128, 128), np.uint16)
    cells[:64, :64] = 5
    _write_labels(tmp_path / "img", cells, [{"label-value": 5, "rgba": [255, 0, 0, 255]}])
    assert describe(tmp_path / "img", ANYWHERE)["labels"] == ["cells"]
    png = render_tile(tmp_path / "img", ANYWHERE, TileQuery(scale=0, x=0, y=0, labels=("cells",)))
    pixels = np.asarray(Image.open(BytesIO(png)))
    assert pixels[:64, :64].tolist() == np.full((64, 64, 3), [128, 0, 0]).tolist()
    assert pixels[64:, :].max() == 0 and pixels[:, 64:].max() == 0
    with pytest.raises(BadRequest, match="no label image 'other'"):
        render_tile(tmp_path / "img", ANYWHERE, TileQuery(scale=0, x=0, y=0, labels=("other",)))
    with pytest.raises(BadRequest, match="no label image '../img'"):
        render_tile(tmp_path / "img", ANYWHERE, TileQuery(scale=0, x=0, y=0, labels=("../img",)))


def test_a_tile_that_would_decode_too_much_is_refused_and_the_image_still_opens(
    tmp_path: Path,
) -> None:
    group = zarr.open_group(tmp_path / "huge", mode="w", zarr_format=2)
    # Chunks larger than the array: 154 MiB decoded for any read, never written.
    group.create_array("0", shape=(2048, 2048), chunks=(9000, 9000), dtype="uint16")
    axes = [{"name": name, "type": "space"} for name in "yx"]
    scale = [{"type": "scale", "scale": [1.0, 1.0]}]
    datasets = [{"path": "0", "coordinateTransformations": scale}]
    group.attrs["multiscales"] = [{"version": "0.4", "axes": axes, "datasets": datasets}]
    with pytest.raises(BadRequest, match="chunks are too large for the viewer"):
        render_tile(tmp_path / "huge", ANYWHERE, TileQuery(scale=0, x=0, y=0))
    window = describe(tmp_path / "huge", ANYWHERE)["channels"][0]["window"]
    assert window == {"start": None, "end": None, "min": 0.0, "max": 65535.0}
