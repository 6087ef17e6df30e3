"""The documented dask-jobqueue setup (deploy/dask/jobqueue_cluster.py) runs conversions.

No SLURM here: `sbatch` and `scancel` on PATH run the batch script dask-jobqueue writes with
bash on this machine (as a SLURM node would run it, environment exported as SLURM's default
--export=ALL does) and stop it again. Everything else is real: the snippet's SLURMCluster,
its scheduler, the workers its job script starts, and a server pointed at its address.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fileglancer_ext.formats.validate import validate_dataset

from .conftest import submit, wait_for
from .test_jobs_dask import (
    REPO,
    fileglancer_config,  # noqa: F401 - a fixture, on scheduler_address
    ran_on_the_cluster,
)

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask_jobqueue")

SNIPPET = REPO / "deploy" / "dask" / "jobqueue_cluster.py"
SBATCH = """#!/bin/sh
# Runs (a copy of, as SLURM keeps one) the batch script in the background, in a session of
# its own; its pid is the job id.
job="$BATCH_JOBS/$(basename "$1")"
cp "$1" "$job"
setsid bash "$job" > "$job.log" 2>&1 < /dev/null &
echo "Submitted batch job $!"
"""
SCANCEL = """#!/bin/sh
kill -TERM -- "-$1"
"""


def load_snippet():
    spec = importlib.util.spec_from_file_location("jobqueue_cluster", SNIPPET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def scheduler_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("sbatch", SBATCH), ("scancel", SCANCEL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "jobs").mkdir()
    monkeypatch.setenv("BATCH_JOBS", str(tmp_path / "jobs"))  # the scripts and their output
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)  # the workers import this checkout
    snippet = load_snippet()
    args = snippet.parse_args(
        ["slurm", "--jobs", "1", "--cores", "2", "--memory", "2GB", "--interface", "lo"]
        + ["--port", "0", "--dashboard", ":0", "--log-directory", str(tmp_path / "logs")]
    )
    with snippet.make_cluster(args) as cluster:
        assert "#SBATCH -t 04:00:00" in cluster.job_script()
        cluster.scale(jobs=args.jobs)
        with distributed.Client(cluster, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=90)
        yield cluster.scheduler_address


async def test_a_conversion_runs_on_the_workers_of_the_documented_slurm_setup(
    jp_fetch, lab: Path, scheduler_address: str
):
    job = await submit(jp_fetch, options={"chunks": [2, 32, 32], "task_bytes": 1 << 20})
    assert job["engine"] == "dask"
    done, _ = await wait_for(jp_fetch, job["id"], timeout=120)
    assert done["state"] == "done", done["error"]
    assert validate_dataset(lab / "out" / "cells.ome.zarr").valid
    assert "run_task" in ran_on_the_cluster(scheduler_address)
