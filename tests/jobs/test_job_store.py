"""The job store on its own, and jobs that a stopped or dead server left behind."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from fileglancer_ext.database import schema_version
from fileglancer_ext.errors import NotFound
from fileglancer_ext.jobs.model import ConversionJob
from fileglancer_ext.jobs.store import COMPONENT, STALE_AFTER, JobStore, this_runner
from tests.postgres import fresh_postgres_url

from .conftest import api


def make_job(job_id: str, owner: str = "ana", **changes) -> ConversionJob:
    job = ConversionJob(
        id=job_id,
        owner=owner,
        kind="tiff-to-ome-zarr",
        source_root="lab",
        source_path="cells.ome.tif",
        destination_root="lab",
        destination_path=f"out/{job_id}.ome.zarr",
        options={"chunks": [1, 64, 64]},
        engine="local",
        runner=this_runner(),
        heartbeat=time.time(),
    )
    return replace(job, **changes)


def dead_runner() -> str:
    """The runner name of a process of this host that has exited."""
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request, store_url: str) -> str:
    if request.param == "sqlite":
        return store_url
    return fresh_postgres_url("fileglancer_jobs", COMPONENT)


@pytest.fixture
def store(any_store_url: str):
    store = JobStore.from_url(any_store_url)
    yield store
    store.close()


def test_a_job_round_trips_with_its_options_and_result(store: JobStore):
    job = make_job("0a")
    store.create(job)
    assert store.get("ana", "0a") == job
    finished = replace(job, state="done", progress=1.0, result={"kind": "ome-zarr"})
    store.save(finished)
    assert store.get("ana", "0a") == finished
    assert schema_version(store.engine, COMPONENT) == 1


def test_owners_only_see_their_own_jobs_newest_first(store: JobStore):
    store.create(make_job("01", created=1.0))
    store.create(make_job("02", created=2.0))
    store.create(make_job("03", owner="ben", created=3.0))
    assert [job.id for job in store.list_for_owner("ana")] == ["02", "01"]
    assert [job.id for job in store.list_for_owner("ana", limit=1)] == ["02"]
    with pytest.raises(NotFound):
        store.get("ana", "03")


def test_progress_writes_never_revive_a_finished_job(store: JobStore):
    store.create(make_job("0b", state="cancelled"))
    store.save_progress(make_job("0b", state="running", progress=0.5))
    assert store.get("ana", "0b").state == "cancelled"


def test_jobs_of_a_dead_or_silent_runner_are_interrupted(store: JobStore):
    now = time.time()
    store.create(make_job("10", state="running", runner=dead_runner()))
    store.create(
        make_job("11", state="queued", runner="far-away:1", heartbeat=now - STALE_AFTER - 1)
    )
    store.create(make_job("12", state="running", runner="far-away:1", heartbeat=now))
    store.create(make_job("13", state="running"))  # this very process: alive
    store.create(make_job("14", state="done", runner=dead_runner()))
    assert sorted(store.interrupt_abandoned()) == ["10", "11"]
    for job_id in ("10", "11"):
        job = store.get("ana", job_id)
        assert job.state == "interrupted" and job.error_code == "interrupted"
        assert "server stopped" in (job.error_message or "") and job.finished
    assert [store.get("ana", i).state for i in ("12", "13", "14")] == ["running", "running", "done"]


def test_eta_is_extrapolated_from_the_rate_so_far():
    job = make_job("0c", state="running", started=100.0, progress=0.25)
    assert job.eta_seconds(now=110.0) == 30
    assert replace(job, progress=0.001).eta_seconds(now=110.0) is None
    assert replace(job, state="done").eta_seconds(now=110.0) is None


def test_the_jobs_survive_next_to_the_share_links(store_url: str):
    from fileglancer_ext.links.store import ShareLinkStore

    links = ShareLinkStore.from_url(store_url)
    jobs = JobStore.from_url(store_url)
    jobs.create(make_job("20"))
    jobs.close()
    reopened = JobStore.from_url(store_url)
    assert reopened.get("ana", "20").id == "20"
    assert links.list_for_owner("ana") == []
    reopened.close()
    links.close()


class TestAfterARestart:
    """A new server on the database of one that stopped mid-job."""

    @pytest.fixture
    def fileglancer_config(self, lab: Path, store_url: str) -> dict:
        import getpass

        store = JobStore.from_url(store_url)
        me = getpass.getuser()
        store.create(make_job("aa", owner=me, state="running", runner=dead_runner(), created=1.0))
        store.create(make_job("bb", owner=me, state="done", progress=1.0, created=2.0))
        store.close()
        return {"roots": [f"lab={lab}"], "database_url": store_url, "conversion_processes": 1}

    async def test_unfinished_jobs_show_interrupted_and_finished_ones_remain(self, jp_fetch):
        listed = await api(jp_fetch, "GET", "jobs")
        assert [(job["id"], job["state"]) for job in listed["jobs"]] == [
            ("bb", "done"),
            ("aa", "interrupted"),
        ]
        interrupted = await api(jp_fetch, "GET", "jobs", "aa")
        assert interrupted["error"]["code"] == "interrupted"
        assert "server stopped" in interrupted["error"]["message"]
