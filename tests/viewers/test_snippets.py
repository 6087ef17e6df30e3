"""Code snippets are real code: run them against real data, on disk and over HTTP."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from fileglancer_ext.demo.data import (
    CELLS_SHAPE,
    N5_PYRAMID,
    OME_TIFF,
    OME_ZARR_V04,
    OME_ZARR_V05,
    PLAIN_TIFF,
    ZARR_V2_ARRAY,
    ZARR_V3_SHARDED,
    DemoDataset,
    write_demo_data,
)
from fileglancer_ext.inspection.service import describe_dataset
from fileglancer_ext.viewers import code_snippets, viewers_for
from fileglancer_ext.viewers.snippets import first_level_path

DATASETS = [OME_ZARR_V04, OME_ZARR_V05, ZARR_V2_ARRAY, ZARR_V3_SHARDED]
RUNNABLE = ("fileglancer_ext.open", "zarr-python", "dask.array", "ome-zarr-py", "fsspec")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_data(folder, many_files=0)
    return folder


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that answers Range requests and allows CORS, as share links
    do (fsspec and Neuroglancer read shards by byte range; the standard handler would
    send whole files), and that does not list folders either. Each request path is
    appended to the server's `paths_served`."""

    def log_message(self, *args: Any) -> None:
        self.server.paths_served.append(self.path)  # type: ignore[attr-defined]

    def list_directory(self, path: str) -> None:  # type: ignore[override]
        self.send_error(404, "Folders of a share cannot be listed")  # like the share route
        return None

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def send_head(self):  # type: ignore[override]
        requested = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", (requested or "").strip())
        if match is None or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else len(data) - 1, len(data) - 1)
        else:  # "bytes=-N": the last N bytes
            start, end = max(0, len(data) - int(last)), len(data) - 1
        body = data[start : end + 1]
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve `folder` over HTTP on loopback: yields (base URL, the paths requested so far)."""
    handler = functools.partial(RangeRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.paths_served = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server.paths_served  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def served_demo(demo: Path) -> Iterator[str]:
    """The demo folder over HTTP on loopback; yields its base URL."""
    with serve_folder(demo) as (url, _paths):
        yield url


def expected_image(demo: Path, dataset: DemoDataset) -> np.ndarray:
    """The full-resolution image, read directly with zarr."""
    node = zarr.open(demo / dataset.name, mode="r")
    if isinstance(node, zarr.Group):
        node = node[first_level_path(describe_dataset(demo / dataset.name))]
    return node[...]


def run_snippet(code: str) -> Any:
    """Execute a snippet in a fresh namespace; returns what it calls `image`."""
    namespace: dict[str, Any] = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace["image"]


def corner(image: Any) -> np.ndarray:
    """A small block of the first planes, as numpy (works for zarr and dask arrays)."""
    block = image[(0,) * (image.ndim - 2) + (slice(0, 8), slice(0, 8))]
    return np.asarray(block.compute() if hasattr(block, "compute") else block)


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_local_snippets_read_the_full_resolution_image(demo, dataset, capsys):
    path = demo / dataset.name
    snippets = code_snippets(describe_dataset(path), str(path), "local")
    expected = expected_image(demo, dataset)
    ran = []
    for snippet in snippets:
        assert snippet["target"] == "local" and snippet["language"] == "python"
        if snippet["title"] not in RUNNABLE:
            continue
        image = run_snippet(snippet["code"])
        assert tuple(image.shape) == expected.shape, snippet["title"]
        assert image.dtype == expected.dtype, snippet["title"]
        np.testing.assert_array_equal(corner(image), corner(expected), err_msg=snippet["title"])
        ran.append(snippet["title"])
    is_ome = dataset.kind == "ome-zarr"
    assert ran == (
        ["fileglancer_ext.open", "zarr-python", "dask.array", "ome-zarr-py"]
        if is_ome
        else ["fileglancer_ext.open", "zarr-python", "dask.array"]
    )
    assert f"{expected.shape} {expected.dtype}" in capsys.readouterr().out  # they print it


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.name)
def test_link_snippets_read_the_image_over_http(demo, served_demo, dataset):
    url = f"{served_demo}{dataset.name}/"
    snippets = code_snippets(describe_dataset(demo / dataset.name), url, "link")
    expected = expected_image(demo, dataset)
    titles = []
    for snippet in snippets:
        assert snippet["target"] == "link"
        titles.append(snippet["title"])
        if snippet["title"] not in RUNNABLE:
            continue
        image = run_snippet(snippet["code"])
        assert tuple(image.shape) == expected.shape, snippet["title"]
        np.testing.assert_array_equal(corner(image), corner(expected), err_msg=snippet["title"])
    assert "fsspec" in titles
    assert "fsspec.get_mapper(" in next(s["code"] for s in snippets if s["title"] == "fsspec")


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05], ids=["0.4", "0.5"])
def test_napari_snippet_is_valid_python_with_the_ome_zarr_plugin(demo, dataset):
    path = demo / dataset.name
    (napari,) = [
        s
        for s in code_snippets(describe_dataset(path), str(path), "local")
        if s["title"] == "napari"
    ]
    compile(napari["code"], "<napari>", "exec")
    assert 'plugin="napari-ome-zarr"' in napari["code"]
    assert repr(str(path)) in napari["code"]


def test_ome_zarr_snippets_open_the_declared_first_level_not_zero(demo):
    summary = describe_dataset(demo / OME_ZARR_V05.name)
    assert first_level_path(summary) == "s0"  # ome-zarr-py 0.5 names levels s0, s1, ...
    codes = {s["title"]: s["code"] for s in code_snippets(summary, "/d", "local")}
    assert "group['s0']" in codes["zarr-python"]
    assert "component='s0'" in codes["dask.array"]


def test_a_level_path_from_metadata_is_honoured(demo):
    summary = describe_dataset(demo / OME_ZARR_V04.name)
    summary["ome"]["multiscales"][0]["datasets"][0]["path"] = "full-res"
    codes = {s["title"]: s["code"] for s in code_snippets(summary, "/d", "local")}
    assert "group['full-res']" in codes["zarr-python"]


def test_paths_with_quotes_and_backslashes_stay_valid_literals(tmp_path):
    path = tmp_path / 'it\'s a "test" \\ folder.zarr'
    zarr.create_array(path, shape=(4, 5), dtype="u1", zarr_format=3)[:] = 7
    for snippet in code_snippets(describe_dataset(path), str(path), "local"):
        image = run_snippet(snippet["code"])
        assert image.shape == (4, 5) and int(image[0, 0]) == 7, snippet["title"]


@pytest.mark.parametrize("kind", ["zarr-group", "directory", "ome-zarr-plate"])
def test_kinds_without_a_python_reader_get_no_snippets(kind):
    assert code_snippets({"kind": kind}, "/d", "local") == []


def test_fsspec_snippet_is_only_for_links(demo):
    summary = describe_dataset(demo / ZARR_V2_ARRAY.name)
    assert "fsspec" not in [s["title"] for s in code_snippets(summary, "/d", "local")]
    assert "fsspec" in [s["title"] for s in code_snippets(summary, "http://h/d/", "link")]


def test_entry_point_gives_local_and_link_snippets_for_the_same_dataset(demo, served_demo):
    path = demo / OME_ZARR_V04.name
    result = viewers_for(
        describe_dataset(path), path, data_url=f"{served_demo}{OME_ZARR_V04.name}/"
    )
    by_target: dict[str, list[str]] = {}
    for snippet in result["snippets"]:
        by_target.setdefault(snippet["target"], []).append(snippet["title"])
    assert by_target == {
        "local": ["fileglancer_ext.open", "zarr-python", "dask.array", "ome-zarr-py", "napari"],
        "link": [
            "fileglancer_ext.open",
            "zarr-python",
            "dask.array",
            "ome-zarr-py",
            "napari",
            "fsspec",
        ],
    }
    assert CELLS_SHAPE == tuple(run_snippet(result["snippets"][-1]["code"]).shape)


@pytest.mark.parametrize("dataset", [OME_TIFF, PLAIN_TIFF, N5_PYRAMID], ids=lambda d: d.name)
@pytest.mark.parametrize("target", ["local", "link"])
def test_tiff_and_n5_snippets_read_level_0_from_a_path_and_a_link(
    demo, served_demo, dataset, target
):
    """OME-TIFF, TIFF and N5 get `fileglancer_ext.open` (and TIFFs tifffile) in both forms."""
    path = demo / dataset.name
    location = str(path) if target == "local" else f"{served_demo}{dataset.name}"
    snippets = code_snippets(describe_dataset(path), location, target)
    titles = [s["title"] for s in snippets]
    is_tiff = dataset.kind in ("tiff", "ome-tiff")
    assert titles == (["fileglancer_ext.open", "tifffile"] if is_tiff else ["fileglancer_ext.open"])
    expected = np.asarray(fileglancer_open(path).data)
    for snippet in snippets:
        image = run_snippet(snippet["code"])
        assert tuple(image.shape) == expected.shape, snippet["title"]
        np.testing.assert_array_equal(corner(image), corner(expected), err_msg=snippet["title"])


def fileglancer_open(path: Path) -> Any:
    from fileglancer_ext.notebook.opening import open_dataset

    return open_dataset(path)
