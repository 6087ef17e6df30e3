"""The statistics walk spread over worker processes (`inspection.stats.walk`), on real
trees on disk, against the same walk in process and against `du`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr

from fileglancer_ext.demo.data import write_demo_data
from fileglancer_ext.inspection.stats import core as stats
from fileglancer_ext.inspection.stats import walk as stats_walk
from fileglancer_ext.inspection.stats.core import METADATA_NAMES, scan_stats
from fileglancer_ext.inspection.stats.service import StatsService
from fileglancer_ext.inspection.stats.walk import (
    Cancelled,
    PooledStats,
    Progress,
    Walk,
    WalkPool,
    default_walk_processes,
    stat_names,
    walk_in_parallel,
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo OME-Zarr pyramid (three levels: buckets) beside a nested-chunk Zarr v2 array
    of 1000 chunk files in 100 folders, and a hidden file."""
    root = tmp_path_factory.mktemp("walk")
    write_demo_data(root / "demo", many_files=5)
    array = zarr.create_array(
        root / "nested.zarr",
        shape=(20, 20, 20),
        chunks=(2, 2, 2),
        dtype="<u2",
        zarr_format=2,
        chunk_key_encoding={"name": "v2", "separator": "/"},
    )
    array[:] = np.arange(8000, dtype="<u2").reshape(20, 20, 20)
    flat = zarr.create_array(
        root / "flat.zarr", shape=(40, 40), chunks=(2, 2), dtype="<u2", zarr_format=2
    )
    flat[:] = np.arange(1600, dtype="<u2").reshape(40, 40)  # 400 chunks in one folder
    (root / ".DS_Store").write_bytes(b"finder")
    return root


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand work to the pool after 20 entries, in parts of at most 25 entries: a small tree
    then takes many parts, each handing unfinished folders back."""
    monkeypatch.setattr(stats, "PARALLEL_AFTER", 20)
    monkeypatch.setattr(stats_walk, "PART_ENTRIES", 25)


@pytest.fixture
def small_spills(monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder's files past its first 60 entries are stat-ed by the pool, 30 at a time."""
    monkeypatch.setattr(stats_walk, "SPILL_AFTER", 60)
    monkeypatch.setattr(stats_walk, "_BATCH", 30)


@pytest.fixture
def pool() -> Iterator[WalkPool]:
    """Two workers, up before the test starts (a walk does not wait for them)."""
    walk_pool = WalkPool(2)
    walk_pool.start(wait=True)
    assert walk_pool.ready
    yield walk_pool
    walk_pool.close()


class CountingSubmits:
    """Counts the parts and the batches of names a pool is given (each still runs in the
    real worker processes)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self.names = 0
        real, real_names = WalkPool.submit, WalkPool.submit_names

        def submit(pool: WalkPool, walk: Walk, folders: list[Any]) -> Any:
            self.count += 1
            return real(pool, walk, folders)

        def submit_names(pool: WalkPool, directory: str, names: list[str], meta: Any) -> Any:
            self.names += len(names)
            return real_names(pool, directory, names, meta)

        monkeypatch.setattr(WalkPool, "submit", submit)
        monkeypatch.setattr(WalkPool, "submit_names", submit_names)


def figures(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "elapsed"}


def du_bytes(folder: Path) -> int:
    out = subprocess.run(["du", "-sb", str(folder)], check=True, capture_output=True)
    return int(out.stdout.split()[0])


@pytest.mark.parametrize("part", ["demo/ome-zarr-0.4/cells.ome.zarr", "nested.zarr", "."])
def test_a_walk_over_workers_gives_the_figures_of_the_walk_in_process(
    tree: Path, part: str, pool: WalkPool, small_parts: None, monkeypatch: pytest.MonkeyPatch
):
    path = tree / part
    alone = scan_stats(path)
    submits = CountingSubmits(monkeypatch)
    shared = scan_stats(path, pool=pool)
    assert submits.count >= 2, "the walk was not spread over the workers"
    assert figures(shared.data) == figures(alone.data)
    assert sorted(shared.stamps) == sorted(alone.stamps)
    assert shared.data["stored_bytes"] + shared.data["dir_bytes"] == du_bytes(path)
    dirs = [p for p in path.rglob("*") if p.is_dir()]
    assert len(shared.stamps) == len(dirs) + 1


def test_the_levels_of_a_pyramid_are_tallied_apart_by_the_workers(
    tree: Path, pool: WalkPool, small_parts: None
):
    path = tree / "demo/ome-zarr-0.4/cells.ome.zarr"
    data = scan_stats(path, pool=pool).data
    for level in data["levels"]:
        files = [p for p in (path / level["path"]).rglob("*") if p.is_file()]
        chunks = [p for p in files if p.name not in METADATA_NAMES]
        assert level["files"] == len(files)
        assert level["chunk_files"] == len(chunks) == level["chunks_expected"]
        assert level["chunk_bytes"] == sum(p.stat().st_size for p in chunks)


def test_the_nested_array_counts_every_chunk_and_no_hidden_file(
    tree: Path, pool: WalkPool, small_parts: None, monkeypatch: pytest.MonkeyPatch
):
    submits = CountingSubmits(monkeypatch)
    data = scan_stats(tree / "nested.zarr", pool=pool).data
    assert submits.count > 20  # parts hand unfinished folders back, to be handed out again
    assert data["chunk_files"] == data["chunks_expected"] == 1000
    assert data["chunks_missing"] == 0
    whole = scan_stats(tree, pool=pool).data
    everything = [p for p in tree.rglob("*") if p.is_file()]
    assert whole["files"] == len(everything)
    assert whole["stored_bytes"] == sum(p.stat().st_size for p in everything)


def test_the_files_of_a_huge_folder_are_stat_ed_by_the_workers(
    tree: Path, pool: WalkPool, small_spills: None, monkeypatch: pytest.MonkeyPatch
):
    path = tree / "flat.zarr"
    alone = scan_stats(path)
    submits = CountingSubmits(monkeypatch)
    shared = scan_stats(path, pool=pool)
    assert submits.names > 300  # all but the first 60 entries of the folder
    assert figures(shared.data) == figures(alone.data)
    assert shared.data["chunk_files"] == shared.data["chunks_expected"] == 400
    assert shared.data["stored_bytes"] + shared.data["dir_bytes"] == du_bytes(path)


def test_a_worker_sets_a_huge_folder_s_files_aside_for_all_workers(
    tree: Path, pool: WalkPool, small_spills: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(stats, "PARALLEL_AFTER", 1)  # the tree's own folder only, here
    alone = scan_stats(tree)
    submits = CountingSubmits(monkeypatch)
    shared = scan_stats(tree, pool=pool)
    assert submits.count >= 2  # the rest of the tree went to the workers...
    assert submits.names > 300  # ...and flat.zarr's files came back to be handed out
    assert figures(shared.data) == figures(alone.data)
    assert sorted(shared.stamps) == sorted(alone.stamps)


def test_a_worker_sets_aside_a_bounded_number_of_names(
    tree: Path, pool: WalkPool, small_spills: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(stats, "PARALLEL_AFTER", 1)
    monkeypatch.setattr(stats_walk, "MAX_SET_ASIDE", 100)
    alone = scan_stats(tree)
    submits = CountingSubmits(monkeypatch)
    shared = scan_stats(tree, pool=pool)
    assert submits.count >= 2
    assert submits.names == 0  # flat.zarr's 400 names would pass 100: the worker stat-ed them
    assert figures(shared.data) == figures(alone.data)


def test_without_a_pool_set_aside_files_are_stat_ed_here(tree: Path, pool: WalkPool):
    walk = Walk(1, {}, METADATA_NAMES)
    part = stats_walk.WalkPart(
        [stats_walk.Tally()], [], 0, [], [(str(tree / "flat.zarr"), 0, ["0.0", "0.1"])]
    )
    walk.absorb(part)
    assert walk.tallies[0].chunk_files == 2 and walk.progress.files_seen == 2


def test_stat_names_counts_what_vanished(tree: Path):
    folder = str(tree / "flat.zarr")
    tally, unreadable = stat_names(folder, ["0.0", "gone", ".zarray"], METADATA_NAMES)
    assert (tally.files, tally.chunk_files, unreadable) == (2, 1, 1)
    assert tally.stored == os.lstat(f"{folder}/0.0").st_size + os.lstat(f"{folder}/.zarray").st_size
    assert stat_names(str(tree / "gone"), ["a", "b"], METADATA_NAMES)[1] == 2


def test_a_walk_whose_workers_die_while_they_stat_finishes_in_process(
    tree: Path, pool: WalkPool, small_spills: None
):
    expected = figures(scan_stats(tree / "flat.zarr").data)
    assert figures(scan_stats(tree / "flat.zarr", pool=pool).data) == expected
    executor = pool._executor
    assert executor is not None
    for process in list(executor._processes.values()):  # type: ignore[attr-defined]
        os.kill(process.pid, signal.SIGKILL)
    assert figures(scan_stats(tree / "flat.zarr", pool=pool).data) == expected
    pool.start(wait=True)
    assert pool._executor is not executor


def test_a_cancelled_walk_drops_the_names_waiting_for_a_worker(
    tree: Path, pool: WalkPool, small_spills: None
):
    progress = Progress()
    walk = Walk(1, {}, METADATA_NAMES, progress)
    spill = PooledStats(walk, pool)
    for start in range(0, 400, 30):
        spill.submit(
            str(tree / "flat.zarr"), 0, [f"{i // 20}.{i % 20}" for i in range(start, start + 30)]
        )
    progress.cancel.set()
    with pytest.raises(Cancelled):
        spill.finish()
    spill.cancel()
    assert not spill._pending


def test_a_small_dataset_never_starts_the_workers(tree: Path):
    idle = WalkPool(2)
    try:
        data = scan_stats(tree / "demo/ome-zarr-0.4/cells.ome.zarr", pool=idle).data
        assert data["files"] > 0
        assert idle._executor is None and not idle.ready  # below PARALLEL_AFTER entries
    finally:
        idle.close()


def test_a_walk_goes_on_in_process_while_the_workers_start(
    tree: Path, small_parts: None, small_spills: None, monkeypatch: pytest.MonkeyPatch
):
    """The first start of a forkserver under JupyterLab takes seconds: no walk waits."""
    release = threading.Event()
    real_start = WalkPool._start_workers

    def slow_start(pool: WalkPool) -> None:
        assert release.wait(30)
        real_start(pool)

    monkeypatch.setattr(WalkPool, "_start_workers", slow_start)
    submits = CountingSubmits(monkeypatch)
    starting = WalkPool(2)
    try:
        data = scan_stats(tree, pool=starting).data
        assert figures(data) == figures(scan_stats(tree).data)
        assert submits.count == submits.names == 0  # all of it in process
        assert not starting.ready  # but the workers were asked to start
        release.set()
        starting.start(wait=True)
        assert starting.ready
        assert figures(scan_stats(tree, pool=starting).data) == figures(data)
        assert submits.count >= 2
    finally:
        release.set()
        starting.close()


def test_a_folder_gone_before_a_worker_lists_it_is_unreadable(tree: Path, pool: WalkPool):
    walk = Walk(1, {}, METADATA_NAMES)
    walk.stack = [(str(tree / "nested.zarr"), 0), (str(tree / "vanished"), 0)]
    walk_in_parallel(walk, pool)
    assert walk.unreadable == 1
    assert walk.tallies[0].chunk_files == 1000
    assert walk.progress.files_seen == walk.tallies[0].files


def test_killed_workers_are_replaced_and_the_walk_finishes_in_process(
    tree: Path, pool: WalkPool, small_parts: None
):
    expected = figures(scan_stats(tree).data)
    assert figures(scan_stats(tree, pool=pool).data) == expected  # the workers are up
    executor = pool._executor
    assert executor is not None
    for process in list(executor._processes.values()):  # type: ignore[attr-defined]
        os.kill(process.pid, signal.SIGKILL)
    assert figures(scan_stats(tree, pool=pool).data) == expected
    assert figures(scan_stats(tree, pool=pool).data) == expected
    pool.start(wait=True)  # new workers, started in the background
    assert pool.ready and pool._executor is not None and pool._executor is not executor
    assert figures(scan_stats(tree, pool=pool).data) == expected


def test_workers_discarded_while_they_start_are_replaced(monkeypatch: pytest.MonkeyPatch):
    real = WalkPool._executor_now
    made: list[Any] = []

    def executor_now(pool: WalkPool) -> Any:
        executor = real(pool)
        made.append(executor)
        if len(made) == 1:
            pool.discard()  # a walk's part failed while the first workers started
        return executor

    monkeypatch.setattr(WalkPool, "_executor_now", executor_now)
    walk_pool = WalkPool(2)
    try:
        walk_pool.start()
        assert walk_pool._ready.wait(30)
        assert len(made) >= 2 and walk_pool._executor is made[-1]
    finally:
        walk_pool.close()


def test_a_cancelled_walk_stops_and_leaves_the_pool_usable(
    tree: Path, pool: WalkPool, small_parts: None
):
    progress = Progress()
    walk = Walk(1, {}, METADATA_NAMES, progress)
    walk.stack = [(str(tree / "nested.zarr"), 0)]
    progress.cancel.set()
    with pytest.raises(Cancelled):
        walk_in_parallel(walk, pool)
    data = scan_stats(tree / "nested.zarr", pool=pool).data
    assert data["chunk_files"] == 1000


def test_a_closed_pool_refuses_work_and_the_walk_still_finishes(tree: Path, small_parts: None):
    walk_pool = WalkPool(2)
    walk_pool.close()
    with pytest.raises(RuntimeError):
        walk_pool.submit(Walk(1, {}, METADATA_NAMES), [(str(tree), 0)])
    data = scan_stats(tree / "nested.zarr", pool=walk_pool).data  # falls back in process
    assert data["chunk_files"] == 1000


def test_the_service_walks_with_processes_and_stops_them_on_close(tree: Path, small_parts: None):
    service = StatsService(processes=2)
    answer = service.request(tree / "nested.zarr", wait=30)
    assert answer["state"] == "done" and answer["chunk_files"] == 1000
    walk_pool = service._walk_pool
    assert walk_pool is not None
    walk_pool.start(wait=True)  # the walk asked for them
    assert walk_pool._executor is not None
    workers = [p.pid for p in walk_pool._executor._processes.values()]  # type: ignore[attr-defined]
    service.close()
    assert walk_pool._executor is None
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def test_one_process_means_no_pool():
    with StatsService(processes=1) as service:
        assert service._walk_pool is None


def test_default_processes_follow_the_cores():
    assert 1 <= default_walk_processes() <= 4
    assert default_walk_processes() <= (os.cpu_count() or 1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by the forkserver) has no /proc/<pid>/cwd to read.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


# --- through the real server ----------------------------------------------------------------


@pytest.fixture
def lab(tmp_path: Path, tree: Path) -> Path:
    lab = tmp_path / "lab"
    shutil.copytree(tree, lab, copy_function=os.link)
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"], "stats_processes": 2}


async def test_the_stats_route_walks_over_the_configured_processes(
    jp_fetch, jp_serverapp, lab: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
):
    (app,) = jp_serverapp.extension_manager.extension_apps["fileglancer_ext"]
    walk_pool = app.inspector.stats_service._walk_pool
    assert walk_pool is not None and walk_pool.processes == 2
    await asyncio.to_thread(walk_pool.start, True)
    submits = CountingSubmits(monkeypatch)
    answer: dict[str, Any] = {"state": "computing"}
    deadline = time.monotonic() + 30
    while answer["state"] == "computing" and time.monotonic() < deadline:
        response = await jp_fetch("fileglancer", "api", "stats", "lab", "nested.zarr")
        answer = json.loads(response.body)
        await asyncio.sleep(0.05)
    assert answer["state"] == "done"
    assert submits.count > 2
    assert answer["chunk_files"] == answer["chunks_expected"] == 1000
    assert answer["stored_bytes"] + answer["dir_bytes"] == du_bytes(lab / "nested.zarr")
