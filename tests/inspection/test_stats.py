"""Storage statistics (`inspection.stats.core`) and their service, on real data on disk."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from tornado.httpclient import HTTPClientError

from fileglancer_ext.demo.data import write_demo_data
from fileglancer_ext.inspection.stats import walk as stats_walk
from fileglancer_ext.inspection.stats.core import (
    METADATA_NAMES,
    Cancelled,
    Progress,
    StatsResult,
    compute_stats,
    read_array_info,
    scan_stats,
)
from fileglancer_ext.inspection.stats.service import StatsService
from fileglancer_ext.system.confined_io import Within
from tests.unprivileged import run_without_privileges


def age(tree: Path, seconds: float = 3600) -> None:
    """Date every folder of `tree` back: the service trusts only results of settled folders,
    and a change made within the same mtime clock tick as the last one would go unseen."""
    past = time.time() - seconds
    for folder in [tree, *(p for p in tree.rglob("*") if p.is_dir() and not p.is_symlink())]:
        os.utime(folder, (past, past))


def du(folder: Path, *args: str) -> int:
    out = subprocess.run(["du", "-s", *args, str(folder)], check=True, capture_output=True)
    return int(out.stdout.split()[0])


def chunk_files_on_disk(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name not in METADATA_NAMES and not p.name.startswith(".")
    ]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("demo")
    write_demo_data(destination, many_files=5)
    return destination


# --- arrays ---------------------------------------------------------------------------------


def test_zarr_v2_array_with_missing_chunks(tmp_path: Path):
    path = tmp_path / "partial.zarr"
    array = zarr.create_array(path, shape=(10, 10), chunks=(3, 3), dtype="<u2", zarr_format=2)
    array[0:3, 0:6] = 7  # chunks (0, 0) and (0, 1) only, of a 4 x 4 grid
    stats = compute_stats(path)
    assert stats["kind"] == "zarr-array"
    assert stats["chunks_expected"] == 16
    assert stats["chunk_files"] == 2
    assert stats["chunks_missing"] == 14
    assert stats["logical_bytes"] == 10 * 10 * 2
    chunks = chunk_files_on_disk(path)
    assert stats["chunk_bytes"] == sum(p.stat().st_size for p in chunks)
    assert stats["compression_ratio"] == pytest.approx(200 / stats["chunk_bytes"])
    assert stats["files"] == len([p for p in path.rglob("*") if p.is_file()])
    assert stats["levels"] is None
    assert stats["unreadable"] == 0


def test_zarr_v3_sharded_array_expects_shards(tmp_path: Path):
    path = tmp_path / "sharded.zarr"
    array = zarr.create_array(
        path, shape=(64, 64), chunks=(8, 8), shards=(32, 32), dtype="uint16", fill_value=0
    )
    array[:32, :] = 5  # two of the four shards
    stats = compute_stats(path)
    assert stats["sharded"] is True
    assert stats["chunks_expected"] == 4
    assert stats["chunk_files"] == 2
    assert stats["chunks_missing"] == 2
    assert stats["logical_bytes"] == 64 * 64 * 2
    assert stats["files"] == 3  # zarr.json and two shards


def test_nested_chunk_folders(tmp_path: Path):
    path = tmp_path / "nested.zarr"
    array = zarr.create_array(
        path,
        shape=(10, 10, 10),
        chunks=(5, 5, 5),
        dtype="float32",
        zarr_format=2,
        chunk_key_encoding={"name": "v2", "separator": "/"},
    )
    array[:5] = 1.5  # 4 of 8 chunks, in folders 0/0/ and 0/1/
    stats = compute_stats(path)
    assert json.loads((path / ".zarray").read_text())["dimension_separator"] == "/"
    assert stats["chunks_expected"] == 8
    assert stats["chunk_files"] == 4
    assert stats["chunks_missing"] == 4
    assert stats["dirs"] == 4  # the array, 0, 0/0, 0/1
    assert stats["logical_bytes"] == 1000 * 4


def test_tensorstore_zarr3_array(tmp_path: Path):
    ts = pytest.importorskip("tensorstore")
    path = tmp_path / "ts.zarr"
    spec = {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": {
            "shape": [100, 40],
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [16, 16]}},
            "data_type": "int32",
        },
    }
    store = ts.open(spec, create=True).result()
    store[0:20, 0:16].write(np.ones((20, 16), dtype=np.int32)).result()
    stats = compute_stats(path)
    assert stats["kind"] == "zarr-array"
    assert stats["chunks_expected"] == 7 * 3
    assert stats["chunk_files"] == 2
    assert stats["chunks_missing"] == 19
    assert stats["logical_bytes"] == 100 * 40 * 4


def test_n5_dataset_written_by_tensorstore(tmp_path: Path):
    ts = pytest.importorskip("tensorstore")
    path = tmp_path / "data.n5"
    spec = {
        "driver": "n5",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": {"dimensions": [30, 30], "blockSize": [10, 10], "dataType": "uint8"},
    }
    store = ts.open(spec, create=True).result()
    store[0:10, 0:30].write(np.full((10, 30), 3, dtype=np.uint8)).result()
    stats = compute_stats(path)
    assert stats["kind"] == "n5-array"
    assert (stats["chunks_expected"], stats["chunk_files"], stats["chunks_missing"]) == (9, 3, 6)
    assert stats["logical_bytes"] == 900


def test_n5_pyramid_levels_in_scale_order_with_a_missing_block(tmp_path: Path):
    ts = pytest.importorskip("tensorstore")
    group = tmp_path / "pyramid.n5"
    for index, side in ((0, 40), (1, 20), (2, 10), (10, 5)):  # s10 after s2, not before
        spec = {
            "driver": "n5",
            "kvstore": {"driver": "file", "path": str(group / f"s{index}")},
            "metadata": {"dimensions": [side, side], "blockSize": [10, 10], "dataType": "uint16"},
        }
        store = ts.open(spec, create=True).result()
        store.write(np.ones((side, side), dtype=np.uint16)).result()
    (group / "attributes.json").write_text('{"n5": "4.0.0"}')
    (group / "s1" / "1" / "1").unlink()  # one block of s1 never written
    stats = compute_stats(group)
    assert stats["kind"] == "n5-group"
    assert [level["path"] for level in stats["levels"]] == ["s0", "s1", "s2", "s10"]
    s0, s1, s2, s10 = stats["levels"]
    assert (s0["chunks_expected"], s0["chunk_files"]) == (16, 16)
    assert (s1["chunks_expected"], s1["chunk_files"], s1["chunks_missing"]) == (4, 3, 1)
    assert s2["chunk_files"] == s10["chunk_files"] == 1
    assert stats["chunks_expected"] == 22 and stats["chunks_missing"] == 1
    assert stats["logical_bytes"] == (40 * 40 + 20 * 20 + 10 * 10 + 5 * 5) * 2


@pytest.mark.parametrize(
    ("dtype", "itemsize"),
    [("<u2", 2), ("|b1", 1), ("<c16", 16), ("|O", None), ([["x", "<u2"], ["y", "<f8"]], 10)],
)
def test_zarr_v2_item_sizes(tmp_path: Path, dtype: Any, itemsize: int | None):
    meta = {"zarr_format": 2, "shape": [4, 4], "chunks": [2, 2], "dtype": dtype}
    (tmp_path / ".zarray").write_text(json.dumps(meta))
    info = read_array_info(str(tmp_path))
    assert info is not None and info.itemsize == itemsize
    assert info.chunks_expected == 4


# --- pyramids -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ome_zarr_pyramid_levels_and_totals(demo: Path, version: str):
    path = demo / f"ome-zarr-{version}" / "cells.ome.zarr"
    stats = compute_stats(path)
    levels = stats["levels"]
    assert stats["kind"] == "ome-zarr"
    assert [level["path"] for level in levels] == ["s0", "s1", "s2"]
    root_files = [p for p in path.iterdir() if p.is_file()]
    root_files += [p for p in (path / "labels").rglob("*") if p.is_file()]  # labels/nuclei
    root_bytes = sum(p.stat().st_size for p in root_files)  # the group's metadata
    assert stats["stored_bytes"] == sum(level["stored_bytes"] for level in levels) + root_bytes
    assert stats["files"] == sum(level["files"] for level in levels) + len(root_files)
    for level in levels:
        array = zarr.open_array(path / level["path"], mode="r")
        assert level["logical_bytes"] == math.prod(array.shape) * array.dtype.itemsize
        assert level["chunks_expected"] == array.nchunks
        assert level["chunk_files"] == len(chunk_files_on_disk(path / level["path"]))
        assert level["compression_ratio"] == level["logical_bytes"] / level["chunk_bytes"]
    assert stats["logical_bytes"] == sum(level["logical_bytes"] for level in levels)
    assert stats["chunks_expected"] == sum(level["chunks_expected"] for level in levels)
    chunk_bytes = sum(level["chunk_bytes"] for level in levels)
    assert stats["compression_ratio"] == stats["logical_bytes"] / chunk_bytes


def test_levels_follow_the_declared_order(tmp_path: Path):
    group = tmp_path / "image.zarr"
    group.mkdir()
    datasets = [{"path": "full"}, {"path": "half"}, {"path": "../outside"}]
    attrs = {"multiscales": [{"version": "0.4", "datasets": datasets, "axes": []}]}
    (group / ".zattrs").write_text(json.dumps(attrs))
    (group / ".zgroup").write_text('{"zarr_format": 2}')
    zarr.create_array(group / "half", shape=(4,), chunks=(2,), dtype="u1", zarr_format=2)[:] = 1
    zarr.create_array(group / "full", shape=(8,), chunks=(2,), dtype="u1", zarr_format=2)[:2] = 1
    stats = compute_stats(group)
    assert [level["path"] for level in stats["levels"]] == ["full", "half"]
    assert [level["chunks_missing"] for level in stats["levels"]] == [3, 0]
    assert stats["chunks_missing"] == 3


def test_stored_bytes_equal_du(demo: Path):
    stats = compute_stats(demo)
    assert stats["stored_bytes"] + stats["dir_bytes"] == du(demo, "-b")
    assert stats["allocated_bytes"] == du(demo, "--block-size=1")
    assert stats["files"] == len([p for p in demo.rglob("*") if not p.is_dir()])


def test_plain_folder_and_single_file(demo: Path):
    folder = compute_stats(demo / "many-files")
    assert folder["kind"] == "directory"
    assert folder["files"] == 5 + 3 + 2 + 2
    assert folder["chunk_files"] is None and folder["compression_ratio"] is None
    planes = compute_stats(demo / "series" / "cells-planes")  # TIFF files, not chunks
    assert (planes["kind"], planes["files"], planes["chunk_files"]) == ("tiff-series", 40, None)
    single = compute_stats(demo / "tiff" / "stack.tif")
    assert single["kind"] == "tiff"
    assert single["stored_bytes"] == (demo / "tiff" / "stack.tif").stat().st_size


def test_symlinks_are_not_followed(tmp_path: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "big").write_bytes(b"x" * 5000)
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "link").symlink_to(tmp_path / "real")
    stats = compute_stats(tmp_path / "inside")
    assert stats["files"] == 1
    assert stats["stored_bytes"] == os.lstat(tmp_path / "inside" / "link").st_size


def test_missing_path_raises(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        compute_stats(tmp_path / "gone")


def test_cancelled_walk(tmp_path: Path):
    (tmp_path / "a").write_bytes(b"1")
    progress = Progress()
    progress.cancel.set()
    with pytest.raises(Cancelled):
        scan_stats(tmp_path, progress)


# --- unreadable parts -----------------------------------------------------------------------


def test_unreadable_subfolder_is_counted(shared_tmp: Path):
    for name, count in (("open", 2), ("closed", 3)):
        (shared_tmp / name).mkdir()
        for number in range(count):
            (shared_tmp / name / f"f{number}").write_bytes(b"abc")
        (shared_tmp / name / "f0").chmod(0o644)
    (shared_tmp / "open").chmod(0o755)
    (shared_tmp / "closed").chmod(0o700 if os.geteuid() == 0 else 0o000)
    stats = run_without_privileges(lambda: compute_stats(shared_tmp))["result"]
    assert stats["unreadable"] == 1
    assert stats["files"] == 2
    assert stats["stored_bytes"] == 6


# --- the service ----------------------------------------------------------------------------


class CountingCompute:
    """The real computation, counted; optionally held at `gate` before it starts."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.calls = 0
        self.errors: list[BaseException] = []

    def __call__(self, path: Path, progress: Progress, within: Within | None) -> StatsResult:
        self.calls += 1
        if self.gate is not None:
            assert self.gate.wait(10)
        try:
            return scan_stats(path, progress, within=within)
        except BaseException as err:
            self.errors.append(err)
            raise


class PausingProgress:
    """A `Progress` stand-in that holds the walk after its first progress report."""

    def __init__(self, real: Progress, reached: threading.Event, gate: threading.Event) -> None:
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_events", (reached, gate))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._real, name, value)
        if name == "bytes_seen":  # reported after files_seen, once per batch
            reached, gate = self._events
            reached.set()
            assert gate.wait(10)


@pytest.fixture
def flat_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """50 files of 10 bytes, walked in batches of 10 (progress is reported per batch)."""
    monkeypatch.setattr(stats_walk, "_BATCH", 10)
    folder = tmp_path / "flat"
    folder.mkdir()
    for number in range(50):
        (folder / f"{number}").write_bytes(b"0123456789")
    age(folder)
    return folder


def test_service_reports_progress_then_the_result(flat_folder: Path):
    reached, gate = threading.Event(), threading.Event()

    def pausing(path: Path, progress: Progress, within: Within | None) -> StatsResult:
        return scan_stats(path, PausingProgress(progress, reached, gate))  # type: ignore[arg-type]

    with StatsService(compute=pausing) as service:
        first = service.request(flat_folder)
        assert first["state"] == "computing"
        assert first["started"] <= time.time()
        assert reached.wait(10)
        second = service.request(flat_folder)
        assert second == {**second, "state": "computing", "files_seen": 10}
        assert second["bytes_seen"] == 100
        gate.set()
        done = service.request(flat_folder, wait=10)
    assert done["state"] == "done"
    assert done["files"] == 50 and done["stored_bytes"] == 500


def test_service_caches_and_notices_new_chunks(tmp_path: Path):
    path = tmp_path / "nested.zarr"
    array = zarr.create_array(
        path,
        shape=(4, 4, 4),
        chunks=(2, 2, 2),
        dtype="u1",
        zarr_format=2,
        chunk_key_encoding={"name": "v2", "separator": "/"},
    )
    array[:2, :2, :2] = 1
    age(path)
    gate = threading.Event()
    compute = CountingCompute(gate)
    with StatsService(compute=compute) as service:
        assert service.request(path)["state"] == "computing"
        gate.set()
        first = service.request(path, wait=10)
        assert first["state"] == "done" and first["chunk_files"] == 1
        again = service.request(path)  # from the cache: no walk
        assert again == first
        assert compute.calls == 1 and service.computations == 1
        # A new chunk two folders deep: only its own folder's mtime changes.
        (path / "1" / "1").mkdir(parents=True)
        (path / "1" / "1" / "1").write_bytes(b"chunk")
        changed = service.request(path, wait=10)
        assert changed["state"] == "done" and changed["chunk_files"] == 2
        assert compute.calls == 2


def test_service_does_not_cache_a_result_of_a_just_changed_folder(tmp_path: Path):
    (tmp_path / "a").write_bytes(b"1")  # changed now: within racy_seconds of the walk
    compute = CountingCompute()
    with StatsService(compute=compute, racy_seconds=3600) as service:
        assert service.request(tmp_path, wait=10)["state"] == "done"
        assert service.request(tmp_path, wait=10)["state"] == "done"
    assert compute.calls == 2


def test_service_reports_a_vanished_folder(tmp_path: Path):
    with StatsService() as service:
        answer = service.request(tmp_path / "gone", wait=10)
    assert answer == {"state": "error", "error": "not_found", "message": "It no longer exists."}


def test_service_notices_a_removed_folder(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "x").write_bytes(b"12")
    age(folder)
    with StatsService() as service:
        assert service.request(folder, wait=10)["state"] == "done"
        shutil.rmtree(folder)
        assert service.request(folder, wait=10)["state"] == "error"


def test_service_cache_is_bounded(tmp_path: Path):
    folders = []
    for name in "abc":
        (tmp_path / name).mkdir()
        folders.append(tmp_path / name)
    age(tmp_path)
    compute = CountingCompute()
    with StatsService(compute=compute, max_cached=2) as service:
        for folder in folders:
            assert service.request(folder, wait=10)["state"] == "done"
        assert service.request(folders[2], wait=10)["state"] == "done"  # cached
        assert service.request(folders[0], wait=10)["state"] == "done"  # evicted: walked
    assert compute.calls == 4


def test_close_cancels_the_walk_and_stops_the_workers(flat_folder: Path):
    reached, gate = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    progresses: list[Progress] = []

    def pausing(path: Path, progress: Progress, within: Within | None) -> StatsResult:
        progresses.append(progress)
        try:
            return scan_stats(path, PausingProgress(progress, reached, gate))  # type: ignore[arg-type]
        except BaseException as err:
            errors.append(err)
            raise

    service = StatsService(compute=pausing)
    assert service.request(flat_folder)["state"] == "computing"
    assert reached.wait(10)
    closer = threading.Thread(target=service.close)
    closer.start()
    assert progresses[0].cancel.wait(10)
    gate.set()  # the walk goes on to its cancellation check
    closer.join(10)
    assert not closer.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)
    assert not [t for t in threading.enumerate() if t.name.startswith("fg-stats")]
    with pytest.raises(RuntimeError):
        service.request(flat_folder)


class InlineExecutor(Executor):
    """Runs each submission in the caller's thread, at once."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_an_injected_executor_is_used_and_not_shut_down(tmp_path: Path):
    (tmp_path / "x").write_bytes(b"abc")
    age(tmp_path)
    executor = InlineExecutor()
    service = StatsService(executor=executor)
    assert service.request(tmp_path)["state"] == "done"  # computed inline, no wait needed
    service.close()
    assert executor.submit(lambda: 1).result() == 1


def test_concurrent_requests_share_one_computation(tmp_path: Path):
    (tmp_path / "x").write_bytes(b"abc")
    age(tmp_path)
    gate = threading.Event()
    compute = CountingCompute(gate)
    answers: list[dict[str, Any]] = []
    with StatsService(compute=compute, workers=4) as service:
        threads = [
            threading.Thread(target=lambda: answers.append(service.request(tmp_path)))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        gate.set()
        assert service.request(tmp_path, wait=10)["state"] == "done"
    assert [answer["state"] for answer in answers] == ["computing"] * 8
    assert compute.calls == 1 and service.computations == 1


# --- through the real server ----------------------------------------------------------------


@pytest.fixture
def fileglancer_config(tmp_path: Path) -> dict:
    (tmp_path / "lab").mkdir(exist_ok=True)
    return {"roots": [f"lab={tmp_path / 'lab'}"]}


def _zarray(folder: Path, **fields: Any) -> None:
    folder.mkdir()
    doc = {"zarr_format": 2, "shape": [10], "chunks": [10], "dtype": "|u1", "compressor": None}
    (folder / ".zarray").write_text(json.dumps({**doc, "fill_value": 0, **fields}))
    (folder / "0").write_bytes(b"0123456789")


async def test_metadata_no_number_fits_still_gives_figures(jp_fetch, tmp_path: Path):
    # A dtype numpy cannot read, a shape out of bounds (see zarr_meta.int_list): the figures
    # that need them are unknown, the others counted.
    _zarray(tmp_path / "lab" / "odd-dtype.zarr", dtype=[1])
    _zarray(tmp_path / "lab" / "huge.zarr", shape=[10**400])
    for name in ("odd-dtype.zarr", "huge.zarr"):
        response = await jp_fetch("fileglancer", "api", "stats", "lab", name, params={"wait": "5"})
        stats = json.loads(response.body)
        assert stats["state"] == "done" and stats["chunk_files"] == 1
        assert stats["compression_ratio"] is None
        assert stats["logical_bytes"] is None


async def test_an_unexpected_failure_is_logged_and_answered_without_its_detail(
    jp_fetch, jp_serverapp, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    (tmp_path / "lab" / "data").mkdir()

    def failing(path: Path, progress: Progress, within: Within | None = None) -> StatsResult:
        raise RuntimeError(f"cannot walk {path}")  # a bug whose text names the server path

    (app,) = jp_serverapp.extension_manager.extension_apps["fileglancer_ext"]
    app.inspector.stats_service.close()
    app.inspector.stats_service = StatsService(compute=failing)
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", "stats", "lab", "data", params={"wait": "5"})
    answer = json.loads(caught.value.response.body)
    assert caught.value.code == 500
    assert answer == {
        "error": "internal_error",
        "message": (
            "Computing the statistics failed unexpectedly; the server's log has the details."
        ),
    }
    assert f"cannot walk {tmp_path / 'lab' / 'data'}" in caplog.text
