"""The runner on its own: progress written at a bounded rate, and stopping the server."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import tifffile

from fileglancer_ext.jobs.engines import LocalProcessEngine
from fileglancer_ext.jobs.runner import JobRunner, _shown
from fileglancer_ext.jobs.store import JobStore
from fileglancer_ext.jobs.submission import parse_submission
from fileglancer_ext.roots import RootRegistry, load_roots

from .conftest import job_body


@pytest.fixture
def registry(lab: Path) -> RootRegistry:
    data = np.random.default_rng(3).integers(0, 65535, (48, 512, 512), dtype=np.uint16)
    tifffile.imwrite(lab / "big.tif", data)
    roots, problems = load_roots([f"lab={lab}"], str(lab))
    assert not problems
    return RootRegistry(roots)


class CountingStore(JobStore):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.progress_writes = 0

    def save_progress(self, job) -> None:
        self.progress_writes += 1
        super().save_progress(job)


@pytest.fixture
def store(store_url: str):
    from fileglancer_ext.database import create_store_engine

    store = CountingStore(create_store_engine(store_url))
    yield store
    store.close()


def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


BIG = job_body(
    source="big.tif",
    destination="out/big.ome.zarr",
    options={"chunks": [8, 64, 64], "task_bytes": 1 << 20},
)


def test_progress_reaches_the_store_at_most_once_a_second(store, registry):
    runner = JobRunner(store, LocalProcessEngine(1), registry, progress_interval=1.0)
    seen: list[tuple[float, str]] = []
    try:
        job = runner.submit("ana", parse_submission(BIG, registry))
        started = time.monotonic()

        def finished() -> bool:
            live = runner.current(job.id)
            if live is not None:
                seen.append((live.progress, live.stage))
            return live is None

        wait_until(finished)
        seconds = time.monotonic() - started
    finally:
        runner.shutdown()
    assert store.get("ana", job.id).state == "done"
    assert store.progress_writes <= seconds + 1
    assert any(0 < progress < 1 and stage.startswith("level") for progress, stage in seen)


def test_stopping_interrupts_running_and_queued_jobs_and_cleans_up(store, registry, lab: Path):
    runner = JobRunner(store, LocalProcessEngine(1), registry)
    running = runner.submit("ana", parse_submission(BIG, registry))
    second = {**BIG, "destination": {"root": "lab", "path": "out/second.ome.zarr"}}
    queued = runner.submit("ana", parse_submission(second, registry))
    wait_until(lambda: (runner.current(running.id) or running).state == "running")
    runner.shutdown(timeout=30)
    for job_id in (running.id, queued.id):
        job = store.get("ana", job_id)
        assert job.state == "interrupted" and job.error_code == "interrupted"
    assert list((lab / "out").iterdir()) == []


def test_up_to_max_running_jobs_run_at_once_and_the_rest_wait(store, registry):
    runner = JobRunner(store, LocalProcessEngine(1), registry, max_running_jobs=2)
    bodies = [
        {**BIG, "destination": {"root": "lab", "path": f"out/{name}.ome.zarr"}}
        for name in ("a", "b", "c")
    ]
    try:
        jobs = [runner.submit("ana", parse_submission(body, registry)) for body in bodies]
        states: set[tuple[str, ...]] = set()

        def all_done() -> bool:
            live = [runner.current(job.id) for job in jobs]
            now = tuple("ended" if job is None else job.state for job in live)
            states.add(now)
            return not runner.active_ids()

        wait_until(all_done, timeout=60)
    finally:
        runner.shutdown()
    assert [store.get("ana", job.id).state for job in jobs] == ["done"] * 3
    assert ("running", "running", "queued") in states
    assert not any(state.count("running") > 2 for state in states)


def test_a_full_disk_fails_the_job_and_leaves_nothing_however_the_workers_race(
    store, lab: Path, small_disk: Path
):
    noise = np.random.default_rng(8).integers(0, 65535, (16, 256, 256), dtype=np.uint16)
    tifffile.imwrite(lab / "noise.tif", noise)
    roots, problems = load_roots([f"lab={lab}", f"small={small_disk}"], str(lab))
    assert not problems
    registry = RootRegistry(roots)
    body = {
        "source": {"root": "lab", "path": "noise.tif"},
        "destination": {"root": "small", "path": "noise.ome.zarr"},
        "options": {"codec": "none", "chunks": [1, 64, 64], "task_bytes": 1 << 20},
    }
    runner = JobRunner(store, LocalProcessEngine(2), registry)
    try:
        for _ in range(5):  # a worker still writing when the job failed left files 1 in 3
            job = runner.submit("ana", parse_submission(body, registry))
            wait_until(lambda job=job: runner.current(job.id) is None, timeout=60)
            ended = store.get("ana", job.id)
            assert (ended.state, ended.error_code) == ("failed", "no_space"), ended
            assert list(small_disk.iterdir()) == []
    finally:
        runner.shutdown()


def test_a_starting_server_removes_only_the_partial_outputs_of_its_dead_jobs(
    store, registry, lab: Path, tmp_path: Path
):
    import json
    import os
    import pwd
    import socket
    import subprocess

    from fileglancer_ext.convert.atomic import STAGING_MARKER

    from .test_job_store import dead_runner, make_job

    dead = dead_runner()
    store.create(make_job("d1", state="running", runner=dead))  # its server was killed
    store.create(make_job("d2", state="running", runner=dead))
    out = lab / "out"

    def staging(name: str, marker: dict | None) -> Path:
        folder = out / name
        (folder / "x").mkdir(parents=True)
        if marker is not None:
            (folder / STAGING_MARKER).write_text(json.dumps(marker))
        return folder

    removed = staging(".d1.ome.zarr.partial-aaaa", {"job": "d1", "runner": dead})
    unmarked = staging(".d1.ome.zarr.partial-bbbb", None)
    another_job = staging(".d1.ome.zarr.partial-cccc", {"job": "d9", "runner": dead})
    others = [unmarked, another_job]
    if os.geteuid() == 0:  # a folder of another user, though its marker names the job
        not_mine = staging(".d1.ome.zarr.partial-ffff", {"job": "d1", "runner": dead})
        os.chown(not_mine, pwd.getpwnam("nobody").pw_uid, -1)
        others.append(not_mine)
    sleeper = subprocess.Popen(["sleep", "60"])  # a live server process on this host
    try:
        live = f"{socket.gethostname()}:{sleeper.pid}"
        still_writing = staging(".d2.ome.zarr.partial-dddd", {"job": "d2", "runner": live})
        outside = tmp_path / "outside"
        staging_elsewhere = outside / "x"
        staging_elsewhere.mkdir(parents=True)
        (outside / STAGING_MARKER).write_text(json.dumps({"job": "d1", "runner": dead}))
        (out / ".d1.ome.zarr.partial-eeee").symlink_to(outside, target_is_directory=True)

        runner = JobRunner(store, LocalProcessEngine(1), registry)
        runner._cleanup.join(timeout=30)
        runner.shutdown()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert store.get("ana", "d1").state == store.get("ana", "d2").state == "interrupted"
    assert not removed.exists()
    assert all(folder.exists() for folder in others) and still_writing.exists()
    assert (out / ".d1.ome.zarr.partial-eeee").is_symlink() and staging_elsewhere.exists()


def test_a_folder_swapped_above_the_destination_as_the_job_starts_is_not_held(registry, lab: Path):
    # The moment between the start's check (`resolve_again`) and the open of the folder,
    # as the runner opens it: another user of a shared parent renamed a folder above the
    # destination's and put a symlink to a look-alike in its place.
    from fileglancer_ext.convert.atomic import DestinationFolder, LocationChanged
    from fileglancer_ext.jobs.submission import destination_folder, resolve_again

    (lab / "group" / "out").mkdir(parents=True)
    (lab / "lookalike" / "out").mkdir(parents=True)
    body = job_body(destination="group/out/cells.ome.zarr")
    request = parse_submission(body, registry)
    resolve_again(request, registry)
    (lab / "group").rename(lab / "group-aside")
    (lab / "group").symlink_to(lab / "lookalike", target_is_directory=True)

    with pytest.raises(LocationChanged):
        folder = DestinationFolder(
            request.destination.parent,
            locate=lambda: destination_folder(request, registry),
            owner={"job": "j1"},
        )
        folder.close()  # held the look-alike: what the job would then write into


def test_the_partial_output_of_a_job_on_another_host_is_left_to_that_host(
    store, registry, lab: Path
):
    # A shared store (PostgreSQL under a hub): a job of another machine whose heartbeat
    # is late (a busy database, clocks a minute apart) is marked interrupted here, but
    # nothing here can tell its server is gone: its workers may be writing still.
    import json

    from fileglancer_ext.convert.atomic import STAGING_MARKER

    from .test_job_store import make_job

    elsewhere = "another-host.example:4242"
    store.create(make_job("far", state="running", runner=elsewhere, heartbeat=time.time() - 600))
    staging = lab / "out" / ".far.ome.zarr.partial-aaaa"
    (staging / "far.ome.zarr").mkdir(parents=True)
    (staging / STAGING_MARKER).write_text(json.dumps({"job": "far", "runner": elsewhere}))

    runner = JobRunner(store, LocalProcessEngine(1), registry)
    runner._cleanup.join(timeout=30)
    runner.shutdown()
    assert store.get("ana", "far").state == "interrupted"
    assert staging.exists()


def test_a_folder_put_in_place_of_a_running_jobs_staging_folder_is_left_alone(
    store, registry, lab: Path
):
    # Another member of a group-writable (not sticky) folder can rename entries in it: the
    # job's staging folder aside, and another folder of the job's user in its place. The
    # job writes, moves and removes only through the staging folder it made.
    valuable = lab / "out" / "results"
    valuable.mkdir()
    (valuable / "keep.txt").write_text("years of work")
    runner = JobRunner(store, LocalProcessEngine(1), registry)
    try:
        job = runner.submit("ana", parse_submission(BIG, registry))
        wait_until(lambda: [p for p in (lab / "out").iterdir() if ".partial-" in p.name])
        wait_until(lambda: (runner.current(job.id) or job).progress > 0.05)
        (staging,) = [p for p in (lab / "out").iterdir() if ".partial-" in p.name]
        staging.rename(lab / "out" / "aside")
        valuable.rename(staging)
        wait_until(lambda: runner.current(job.id) is None, timeout=60)
    finally:
        runner.shutdown()
    assert sorted(p.name for p in staging.iterdir()) == ["keep.txt"]
    assert (staging / "keep.txt").read_text() == "years of work"
    ended = store.get("ana", job.id)
    if ended.state == "done":  # then the output is whole
        import zarr

        written = zarr.open_group(lab / "out" / "big.ome.zarr", mode="r")["0"][:]
        assert np.array_equal(written, tifffile.imread(lab / "big.tif"))


def test_the_start_up_clean_up_removes_only_the_folder_whose_marker_it_read(
    lab: Path,
):
    # The same swap at the moment the clean-up has read a leftover's marker.
    import json

    from fileglancer_ext.convert.atomic import STAGING_MARKER, remove_abandoned_staging

    out = lab / "out"
    leftover = out / ".big.ome.zarr.partial-aaaa"
    (leftover / "big.ome.zarr").mkdir(parents=True)
    (leftover / STAGING_MARKER).write_text(json.dumps({"job": "j1", "runner": "gone:1"}))
    valuable = out / "results"
    valuable.mkdir()
    (valuable / "keep.txt").write_text("years of work")

    def abandoned_and_swapped(marker: dict) -> bool:
        leftover.rename(out / "aside")
        valuable.rename(leftover)
        return marker["job"] == "j1"

    remove_abandoned_staging(out, "big.ome.zarr", abandoned_and_swapped)
    assert (leftover / "keep.txt").read_text() == "years of work"
    assert list((out / "aside").iterdir()) == []  # the leftover's content is gone


def test_a_failed_jobs_message_names_roots_never_server_paths(tmp_path: Path, lab: Path):
    # Messages come from libraries too (an unexpected error's text): whatever real path
    # they hold, the user sees the job's own names, "root:path", or no path at all.
    scratch = tmp_path / "scratch"
    (scratch / "tmp").mkdir(parents=True)
    two_roots = RootRegistry(load_roots([f"lab={lab}", f"scratch={scratch}"], str(lab))[0])
    request = parse_submission(job_body(), two_roots)
    message = (
        f"cannot write {request.destination}/0/0.0 (from {request.source}); "
        f"cache {scratch.resolve()}/tmp/x.bin; see '/usr/lib/python3/zarr/core.py'; "
        "1/2 levels done, TIFF/OME-TIFF"
    )
    shown = _shown(message, request, two_roots)
    assert shown == (
        "cannot write lab:out/cells.ome.zarr/0/0.0 (from lab:cells.ome.tif); "
        "cache scratch:tmp/x.bin; see '(a server path)'; 1/2 levels done, TIFF/OME-TIFF"
    )
    assert str(tmp_path) not in shown


@pytest.mark.parametrize("name_taken", [False, True], ids=["name-free", "name-taken"])
def test_a_dataset_an_overwrite_was_replacing_when_its_server_died_is_put_back(
    store, registry, lab: Path, monkeypatch: pytest.MonkeyPatch, name_taken: bool
):
    # Where there is no renameat2, an overwrite is two renames: the old dataset into the
    # staging folder, then the output into place. A kill -9 between them leaves the
    # name empty and the old dataset in a staging folder that start-up clean-up removes.
    import os
    import signal
    import socket
    import sys

    from fileglancer_ext.convert import atomic
    from fileglancer_ext.convert.atomic import DestinationFolder, staged_output, writing_into
    from tests.unprivileged import in_a_child

    from .test_job_store import make_job

    out = lab / "out"
    destination = out / "c1.ome.zarr"
    destination.mkdir()
    (destination / "zarr.json").write_text("years of work")
    monkeypatch.setattr(atomic, "_renameat2_call", None)

    def overwrite_and_die_between_the_renames() -> None:
        renames = []

        def die(event: str, args: tuple) -> None:
            if event == "os.rename":
                renames.append(args)
                if len(renames) == 2:
                    os.kill(os.getpid(), signal.SIGKILL)

        folder = DestinationFolder(out, owner={"job": "c1"})
        with writing_into(folder), staged_output(destination, overwrite=True) as path:
            path.mkdir()
            (path / "zarr.json").write_text("new")
            sys.addaudithook(die)

    pid, code, _ = in_a_child(overwrite_and_die_between_the_renames)
    assert code == -signal.SIGKILL and not destination.exists()
    (staging,) = [p for p in out.iterdir() if ".partial-" in p.name]
    assert (staging / atomic.REPLACED / "zarr.json").read_text() == "years of work"
    if name_taken:  # meanwhile, someone made a folder of that name
        destination.mkdir()
        (destination / "theirs.txt").write_text("theirs")

    store.create(make_job("c1", state="running", runner=f"{socket.gethostname()}:{pid}"))
    runner = JobRunner(store, LocalProcessEngine(1), registry)
    runner._cleanup.join(timeout=30)
    runner.shutdown()
    assert store.get("ana", "c1").state == "interrupted"
    if name_taken:  # both kept: theirs at the name, the old dataset where it waits
        assert [p.name for p in destination.iterdir()] == ["theirs.txt"]
        assert (staging / atomic.REPLACED / "zarr.json").read_text() == "years of work"
    else:  # back at its name, as before the job; the rest of the staging folder gone
        assert [p.name for p in destination.iterdir()] == ["zarr.json"]
        assert (destination / "zarr.json").read_text() == "years of work"
        assert [p.name for p in out.iterdir()] == ["c1.ome.zarr"]
