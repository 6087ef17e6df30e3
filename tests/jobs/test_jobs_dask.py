"""Conversions on a dask.distributed cluster: a server pointed at a real cluster, once an
in-process LocalCluster and once a scheduler and workers started as separate processes (as
`dask scheduler` / `dask worker`, or dask-jobqueue's batch jobs, run them)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import zarr

from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr
from fileglancer_ext.formats.validate import validate_dataset

from .conftest import api, api_status, submit, wait_for
from .test_jobs_api import big_tiff  # noqa: F401 - a fixture

distributed = pytest.importorskip("distributed")
REPO = Path(__file__).parents[2]


@contextmanager
def process_cluster(folder: Path, workers: int = 2) -> Iterator[str]:
    """`dask scheduler` and `dask worker` as processes of their own (workers import
    fileglancer_ext from this checkout); yields the scheduler's address once they are up."""
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    python = [sys.executable, "-m"]
    scheduler = subprocess.Popen(
        [*python, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0"]
        + ["--no-dashboard", "--scheduler-file", str(scheduler_file)],
        env=env,
        cwd=folder,
    )
    processes = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert scheduler.poll() is None and time.monotonic() < deadline, "no scheduler"
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        processes.append(
            subprocess.Popen(
                [*python, "distributed.cli.dask_worker", address, "--nworkers", str(workers)]
                + ["--nthreads", "1", "--no-dashboard", "--local-directory", str(folder)],
                env=env,
                cwd=folder,
            )
        )
        with distributed.Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=60)
            imported = client.run(_fileglancer_ext_file).values()
            assert all(Path(file).is_relative_to(REPO) for file in imported), imported
        yield address
    finally:
        for process in reversed(processes):  # workers first, so none reconnects
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _fileglancer_ext_file() -> str:
    import fileglancer_ext

    return fileglancer_ext.__file__


@pytest.fixture(params=["in-process", "separate-processes"])
def scheduler_address(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "in-process":
        with distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster:
            yield cluster.scheduler_address
    else:
        with process_cluster(tmp_path / "dask") as address:
            yield address


@pytest.fixture
def fileglancer_config(lab: Path, store_url: str, scheduler_address: str) -> dict:
    return {
        "roots": [f"lab={lab}"],
        "database_url": store_url,
        "dask_scheduler_address": scheduler_address,
    }


def ran_on_the_cluster(address: str) -> set[str]:
    """The task prefixes the scheduler at `address` has seen (e.g. run_task, a region)."""

    def prefixes(dask_scheduler) -> list[str]:
        return list(dask_scheduler.task_prefixes)

    with distributed.Client(address, timeout=30, set_as_default=False) as client:
        return set(client.run_on_scheduler(prefixes))


def _levels(path: Path) -> list[np.ndarray]:
    group = zarr.open_group(path, mode="r")
    return [group[name][:] for name in sorted(group.array_keys())]


async def test_a_job_runs_on_the_cluster_and_writes_what_a_local_run_writes(
    jp_fetch, lab: Path, tmp_path: Path, scheduler_address: str
):
    options = {"chunks": [2, 32, 32], "task_bytes": 1 << 20}
    job = await submit(jp_fetch, options=options)
    assert job["engine"] == "dask"
    done, seen = await wait_for(jp_fetch, job["id"], timeout=120)
    assert done["state"] == "done", done["error"]
    assert done["progress"] == 1 and done["bytes_done"] == done["bytes_total"] > 0
    fractions = [job["progress"] for job in seen]
    assert fractions == sorted(fractions)
    assert "run_task" in ran_on_the_cluster(scheduler_address)  # the region tasks ran there

    on_dask = lab / "out" / "cells.ome.zarr"
    local = tmp_path / "local.ome.zarr"
    convert_tiff_to_ome_zarr(lab / "cells.ome.tif", local, ConversionOptions.from_json(options))
    assert validate_dataset(on_dask).valid
    for ours, theirs in zip(_levels(on_dask), _levels(local), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    attrs = zarr.open_group(on_dask, mode="r").attrs.asdict()
    assert attrs == zarr.open_group(local, mode="r").attrs.asdict()


async def test_cancelling_a_job_on_the_cluster_leaves_nothing_behind(
    jp_fetch,
    lab: Path,
    big_tiff: str,  # noqa: F811 - the fixture
):
    job = await submit(
        jp_fetch,
        source=big_tiff,
        destination="out/big.ome.zarr",
        options={"chunks": [8, 64, 64], "task_bytes": 1 << 20},
    )
    running, _ = await wait_for(jp_fetch, job["id"], states=("running",), timeout=120)
    assert running["engine"] == "dask"
    answer = await api(jp_fetch, "DELETE", "jobs", job["id"])
    assert answer["state"] == "cancelled" or answer["cancel_requested"] is True
    cancelled, _ = await wait_for(jp_fetch, job["id"], timeout=120)
    assert cancelled["state"] == "cancelled" and cancelled["error"] is None
    assert list((lab / "out").iterdir()) == []  # neither the destination nor a partial sibling


class TestAnUnreachableScheduler:
    @pytest.fixture
    def fileglancer_config(self, lab: Path, store_url: str) -> dict:
        return {
            "roots": [f"lab={lab}"],
            "database_url": store_url,
            "dask_scheduler_address": "tcp://127.0.0.1:9",  # the discard port: nobody there
            "dask_connect_timeout": 1.0,
        }

    async def test_the_job_fails_saying_the_scheduler_cannot_be_reached(self, jp_fetch, lab):
        status, _ = await api_status(jp_fetch, "GET", "jobs", "00")
        assert status == 404
        job = await submit(jp_fetch)
        failed, _ = await wait_for(jp_fetch, job["id"])
        assert failed["state"] == "failed"
        assert "Cannot reach the Dask scheduler" in failed["error"]["message"]
        assert list((lab / "out").iterdir()) == []
