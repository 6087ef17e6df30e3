"""Notebook API: `fileglancer_ext.open` (lazy arrays with metadata) and `show` (MIME bundle)."""

from __future__ import annotations

import contextlib
import html
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
import zarr

import fileglancer_ext
from fileglancer_ext.demo.data import OME_TIFF, OME_ZARR_V04, OME_ZARR_V05, write_demo_data
from fileglancer_ext.errors import BadRequest, NotFound
from fileglancer_ext.formats.summary import summarize
from fileglancer_ext.inspection.stats.core import compute_stats
from fileglancer_ext.notebook import MIME_TYPE
from fileglancer_ext.notebook.opening import LazyImage
from tests.viewers.test_snippets import serve_folder


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    write_demo_data(path, many_files=0)
    return path


def level_zero(path: Path) -> zarr.Array:
    """Level 0 read directly with zarr, through its declared path."""
    level = summarize(path)["ome"]["multiscales"][0]["datasets"][0]["path"]
    return zarr.open_array(path / level, mode="r")


@pytest.fixture
def without_xarray(monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)  # `import xarray` now raises ImportError


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05], ids=lambda d: d.name)
def test_open_ome_zarr_gives_dims_chunks_and_pixel_sizes(demo, dataset):
    image = fileglancer_ext.open(demo / dataset.name)
    expected = level_zero(demo / dataset.name)
    assert image.dims == ("c", "z", "y", "x")
    assert image.shape == expected.shape and image.data.chunksize == expected.chunks
    assert image.attrs["pixel_sizes"]["x"] == {"value": 0.5, "unit": "micrometer"}
    assert list(image.coords["c"].values) == ["DAPI", "GFP", "mCherry"]
    assert image.coords["y"].values[1] == 0.5
    np.testing.assert_array_equal(image[0, 0, :8, :8].values, expected[0, 0, :8, :8])


def test_open_uses_the_declared_level_path_never_assumes_0(tmp_path):
    group = zarr.open_group(tmp_path / "img.zarr", mode="w", zarr_format=2)
    data = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    group.create_array("full", data=data, chunks=(16, 16))
    group.create_array("half", data=data[::2, ::2], chunks=(8, 8))
    scale = [{"type": "scale", "scale": [1.0, 1.0]}]
    group.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
            "datasets": [
                {"path": "full", "coordinateTransformations": scale},
                {"path": "half", "coordinateTransformations": [{"type": "scale", "scale": [2, 2]}]},
            ],
        }
    ]
    half = fileglancer_ext.open(tmp_path / "img.zarr", level=1)
    assert half.shape == (32, 32) and half.data.chunksize == (8, 8)
    np.testing.assert_array_equal(half.values, data[::2, ::2])
    with pytest.raises(BadRequest, match="no level 2"):
        fileglancer_ext.open(tmp_path / "img.zarr", level=2)


@pytest.mark.parametrize("fmt", [2, 3])
def test_open_plain_zarr_array(tmp_path, fmt):
    data = np.arange(24, dtype="f4").reshape(4, 6)
    zarr.create_array(tmp_path / "a.zarr", data=data, chunks=(2, 3), zarr_format=fmt)
    image = fileglancer_ext.open(tmp_path / "a.zarr")
    assert image.data.chunksize == (2, 3)
    np.testing.assert_array_equal(image.values, data)


def test_a_null_dimension_name_is_no_dimension_called_none(tmp_path):
    """zarr-python 3 writes `dimension_names: [null, "x"]` for a half-named array."""
    data = np.zeros((2, 3), dtype="u1")
    zarr.create_array(tmp_path / "a.zarr", data=data, dimension_names=[None, "x"])
    image = fileglancer_ext.open(tmp_path / "a.zarr")
    assert tuple(image.dims) == ("dim_0", "x")


N5_DATA = np.arange(6 * 8 * 10, dtype=np.uint16).reshape(6, 8, 10)  # C order z, y, x


@pytest.fixture
def n5_folder(tmp_path) -> Path:
    """An N5 multiscale group (s0) and a bare dataset, written by tensorstore."""
    ts = pytest.importorskip("tensorstore")
    for sub in ("vol.n5/s0", "single.n5"):
        spec = {
            "driver": "n5",
            "kvstore": {"driver": "file", "path": str(tmp_path / sub)},
            "metadata": {"dimensions": [10, 8, 6], "blockSize": [5, 4, 3], "dataType": "uint16"},
            "create": True,
        }
        ts.open(spec).result().write(N5_DATA.T).result()  # N5 stores x fastest
    group = {"n5": "2.0.0", "pixelResolution": {"dimensions": [0.5, 0.5, 2.0], "unit": "um"}}
    (tmp_path / "vol.n5" / "attributes.json").write_text(json.dumps(group))
    return tmp_path


def test_open_n5_counts_levels_as_statistics_and_previews_do(n5_folder):
    # s0 and s2, no s1: statistics list [s0, s2] and the preview draws s2; open() agrees.
    shutil.copytree(n5_folder / "vol.n5" / "s0", n5_folder / "vol.n5" / "s2")
    levels = [lv["path"] for lv in compute_stats(n5_folder / "vol.n5")["levels"]]
    assert levels == ["s0", "s2"]
    assert fileglancer_ext.open(n5_folder / "vol.n5", level=1).attrs["n5_path"] == "s2"
    with pytest.raises(BadRequest, match="has 2 level"):
        fileglancer_ext.open(n5_folder / "vol.n5", level=2)


@pytest.mark.parametrize("name", ["vol.n5", "single.n5"])
def test_open_n5_in_c_order_with_its_blocks(n5_folder, name):
    image = fileglancer_ext.open(n5_folder / name)
    assert image.dims == ("z", "y", "x") and image.data.chunksize == (3, 4, 5)
    np.testing.assert_array_equal(image.values, N5_DATA)


def test_open_n5_reads_n5_viewer_pixel_sizes(n5_folder):
    sizes = fileglancer_ext.open(n5_folder / "vol.n5").attrs["pixel_sizes"]
    assert sizes["z"] == {"value": 2.0, "unit": "um"} and sizes["x"]["value"] == 0.5


def test_open_n5_over_http(n5_folder):
    with serve_folder(n5_folder) as (url, _paths):
        image = fileglancer_ext.open(f"{url}vol.n5")
        np.testing.assert_array_equal(image.values, N5_DATA)


def test_open_ome_tiff_level_through_tifffiles_zarr_interface(demo):
    image = fileglancer_ext.open(demo / OME_TIFF.name, level=1)
    assert image.dims == ("c", "z", "y", "x") and image.shape == (3, 16, 128, 128)
    assert image.attrs["pixel_sizes"]["x"] == {"value": 1.0, "unit": "micrometer"}
    expected = tifffile.imread(demo / OME_TIFF.name, level=1)
    np.testing.assert_array_equal(image[1, 3].values, expected[1, 3])


def test_open_without_xarray_returns_a_lazy_image(demo, without_xarray):
    image = fileglancer_ext.open(demo / OME_ZARR_V05.name)
    assert isinstance(image, LazyImage)
    assert image.dims == ("c", "z", "y", "x") and image.data.chunksize == (1, 16, 128, 128)
    assert image.pixel_sizes["z"] == {"value": 2.0, "unit": "micrometer"}
    assert [c["name"] for c in image.channels] == ["DAPI", "GFP", "mCherry"]
    assert image.data[0, 0, 0, 0].compute() == level_zero(demo / OME_ZARR_V05.name)[0, 0, 0, 0]


def test_open_refuses_a_missing_path_and_a_plain_folder(tmp_path):
    with pytest.raises(NotFound):
        fileglancer_ext.open(tmp_path / "nothing")
    with pytest.raises(BadRequest, match="not a dataset"):
        fileglancer_ext.open(tmp_path)


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05, OME_TIFF], ids=lambda d: d.name)
def test_open_over_http_like_a_data_link(demo, dataset):
    with serve_folder(demo) as (url, _paths):
        image = fileglancer_ext.open(f"{url}{dataset.name}", level=1)
        local = fileglancer_ext.open(demo / dataset.name, level=1)
        assert image.dims == local.dims and image.shape == local.shape
        assert image.attrs["pixel_sizes"] == local.attrs["pixel_sizes"]
        np.testing.assert_array_equal(image[0, 0, :16, :16].values, local[0, 0, :16, :16].values)


def test_show_bundle_has_the_mime_type_and_the_meta_payload(demo):
    bundle = fileglancer_ext.show(demo / OME_ZARR_V05.name)._repr_mimebundle_()
    payload = bundle[MIME_TYPE]
    json.dumps(payload)  # JSON-ready
    assert payload["kind"] == "ome-zarr" and payload["validation"]["valid"] is True
    assert payload["health"] == []
    assert payload["thumbnail"].startswith("data:image/png;base64,")
    assert payload["path"] == str(demo / OME_ZARR_V05.name)
    assert "DAPI" in bundle["text/html"] and payload["thumbnail"] in bundle["text/html"]


def test_show_html_escapes_hostile_channel_names(tmp_path):
    group = zarr.open_group(tmp_path / "evil.zarr", mode="w", zarr_format=2)
    group.create_array("0", data=np.zeros((2, 8, 8), np.uint8))
    hostile = "<script>alert(1)</script>"
    group.attrs.update(
        {
            "multiscales": [
                {
                    "version": "0.4",
                    "axes": [
                        {"name": "c", "type": "channel"},
                        {"name": "y", "type": "space"},
                        {"name": "x", "type": "space"},
                    ],
                    "datasets": [
                        {
                            "path": "0",
                            "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}],
                        }
                    ],
                }
            ],
            "omero": {"channels": [{"label": hostile, "color": '"><b>'}, {"label": "ok"}]},
        }
    )
    page = fileglancer_ext.show(tmp_path / "evil.zarr")._repr_mimebundle_()["text/html"]
    assert "<script>" not in page and html.escape(hostile) in page
    assert '"><b>' not in page


def test_show_of_a_tiff_without_preview_still_answers(tmp_path):
    path = tmp_path / "x.tif"
    path.write_text("hello")
    payload = fileglancer_ext.show(path)._repr_mimebundle_()[MIME_TYPE]
    assert payload["thumbnail"] is None and payload["problems"]


def test_importing_the_package_loads_no_array_library():
    code = (
        "import sys, fileglancer_ext; "
        "print([m for m in ('dask', 'xarray', 'zarr', 'tifffile') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
    assert callable(fileglancer_ext.open) and callable(fileglancer_ext.show)
    assert fileglancer_ext._jupyter_server_extension_points()[0]["module"] == "fileglancer_ext"


def test_dataarray_attrs_hold_units_and_channel_colours(demo):
    image = fileglancer_ext.open(demo / OME_ZARR_V04.name)
    assert image.attrs["units"] == {"z": "micrometer", "y": "micrometer", "x": "micrometer"}
    assert [c["color"] for c in image.attrs["channels"]] == ["0000FF", "00FF00", "FF0000"]


# --- FIFOs never hang `open` (issue 13, point 4) ----------------------------------------------

PROMPT = 10.0  # seconds: far more than opening needs, far less than "forever"


def _fifo_in_place_of(path: Path) -> Path:
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    return path


def _promptly(action: Callable[[], Any], fifos: list[Path]) -> tuple[Any, BaseException | None]:
    """`action`'s (result, error), failing the test if it waits on a FIFO past PROMPT."""
    outcome: list[Any] = [None, None]

    def run() -> None:
        try:
            outcome[0] = action()
        except BaseException as err:  # noqa: BLE001 - handed to the test
            outcome[1] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(PROMPT)
    if thread.is_alive():  # stuck in open(): a writer lets it go, then the test fails
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(PROMPT)
        pytest.fail(f"still waiting on a FIFO after {PROMPT} s")
    return outcome[0], outcome[1]


def test_open_n5_with_a_fifo_block_refuses_it_when_read(n5_folder):
    fifo = _fifo_in_place_of(n5_folder / "vol.n5" / "s0" / "0" / "0" / "0")
    image, error = _promptly(lambda: fileglancer_ext.open(n5_folder / "vol.n5"), [fifo])
    assert error is None
    np.testing.assert_array_equal(image[:, 4:, :].values, N5_DATA[:, 4:, :])  # other blocks
    _, error = _promptly(lambda: image.values, [fifo])
    assert isinstance(error, OSError)
    assert "cannot read the N5 block '0/0/0': it is a named pipe (FIFO)" in str(error)


@pytest.mark.parametrize(
    ("name", "shown"), [("vol.n5/s0", "s0/attributes.json"), ("single.n5", "attributes.json")]
)
def test_open_n5_with_fifo_attributes_answers_at_once(n5_folder, name, shown):
    fifo = _fifo_in_place_of(n5_folder / name / "attributes.json")
    dataset = n5_folder / name.partition("/")[0]
    _, error = _promptly(lambda: fileglancer_ext.open(dataset), [fifo])
    assert isinstance(error, BadRequest)
    assert str(error) == f"cannot read {shown}: it is a named pipe (FIFO), not a regular file"


@pytest.mark.parametrize(("fmt", "name"), [(2, "0.0"), (3, "c/0/0"), (3, "zarr.json")])
def test_open_zarr_with_a_fifo_chunk_or_metadata_never_waits(tmp_path, fmt, name):
    path = tmp_path / f"v{fmt}.zarr"
    zarr.create_array(path, shape=(4, 4), chunks=(4, 4), dtype="uint8", zarr_format=fmt)[:] = 7
    fifo = _fifo_in_place_of(path / name)

    def open_and_read() -> Any:
        return fileglancer_ext.open(path).values

    _, error = _promptly(open_and_read, [fifo])
    assert isinstance(error, OSError | BadRequest)
