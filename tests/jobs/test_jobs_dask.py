"""Conversions on a dask.distributed cluster: a server pointed at a real LocalCluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr

from fileglancer_ext.convert import ConversionOptions, convert_tiff_to_ome_zarr
from fileglancer_ext.formats.validate import validate_dataset

from .conftest import api_status, submit, wait_for

distributed = pytest.importorskip("distributed")


@pytest.fixture
def cluster():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster


@pytest.fixture
def fileglancer_config(lab: Path, store_url: str, cluster) -> dict:
    return {
        "roots": [f"lab={lab}"],
        "database_url": store_url,
        "dask_scheduler_address": cluster.scheduler_address,
    }


def _levels(path: Path) -> list[np.ndarray]:
    group = zarr.open_group(path, mode="r")
    return [group[name][:] for name in sorted(group.array_keys())]


async def test_a_job_runs_on_the_cluster_and_writes_what_a_local_run_writes(
    jp_fetch, lab: Path, tmp_path: Path, cluster
):
    options = {"chunks": [2, 32, 32], "task_bytes": 1 << 20}
    job = await submit(jp_fetch, options=options)
    assert job["engine"] == "dask"
    done, _ = await wait_for(jp_fetch, job["id"])
    assert done["state"] == "done", done["error"]
    assert "run_task" in cluster.scheduler.task_prefixes  # the region tasks ran there

    on_dask = lab / "out" / "cells.ome.zarr"
    local = tmp_path / "local.ome.zarr"
    convert_tiff_to_ome_zarr(lab / "cells.ome.tif", local, ConversionOptions.from_json(options))
    assert validate_dataset(on_dask).valid
    for ours, theirs in zip(_levels(on_dask), _levels(local), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    attrs = zarr.open_group(on_dask, mode="r").attrs.asdict()
    assert attrs == zarr.open_group(local, mode="r").attrs.asdict()


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
