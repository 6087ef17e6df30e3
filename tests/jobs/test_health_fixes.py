"""A health fix the inspector offers runs as a job; what a job would fail on is refused when
it is submitted (400), never accepted and failed later. Data written by tensorstore."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorstore as ts
import zarr

from tests.jobs.conftest import api, api_status, job_body, wait_for

SHAPE = (32, 256, 256)  # a volume (z, y, x) whose 8 x 16 x 16 chunks are 2 KiB: too small


def volume() -> np.ndarray:
    return np.random.default_rng(5).integers(0, 250, SHAPE, dtype=np.uint8)


def write_n5(path: Path) -> np.ndarray:
    """An N5 volume as tensorstore writes it (dimensions fastest first)."""
    data = volume()
    spec = {
        "driver": "n5",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": {
            "dimensions": list(SHAPE[::-1]),
            "blockSize": [16, 16, 8],
            "dataType": "uint8",
            "compression": {"type": "gzip"},
        },
        "create": True,
    }
    ts.open(spec).result().write(data.T).result()
    return data


def write_zarr3(path: Path) -> np.ndarray:
    """A Zarr v3 volume as tensorstore's zarr3 driver writes it (no dimension names)."""
    data = volume()
    spec = {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": {
            "shape": list(SHAPE),
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [8, 16, 16]}},
            "data_type": "uint8",
        },
        "create": True,
    }
    ts.open(spec).result().write(data).result()
    return data


WRITERS = {"vol.n5": write_n5, "vol.zarr": write_zarr3}


async def health(jp_fetch, path: str) -> dict[str, dict]:
    meta = await api(jp_fetch, "GET", "meta", "lab", path)
    return {entry["code"]: entry for entry in meta["health"]}


@pytest.mark.parametrize("name", list(WRITERS))
async def test_every_fix_the_inspector_offers_runs_as_a_job(jp_fetch, lab: Path, name: str):
    data = WRITERS[name](lab / name)
    found = await health(jp_fetch, name)
    assert "chunks-too-small" in found
    fixes = [entry["fix"] for entry in found.values() if entry["fix"] is not None]
    for index, fix in enumerate(fixes):
        destination = f"out/fixed-{index}.zarr"
        body = job_body(name, destination, kind=fix["kind"], options=fix["options"])
        job = await api(jp_fetch, "POST", "jobs", body=body)
        job, _ = await wait_for(jp_fetch, job["id"], timeout=60)
        assert job["state"] == "done", job
        fixed = zarr.open_array(lab / destination, mode="r")
        assert fixed.ndim == len(SHAPE)
        np.testing.assert_array_equal(fixed[...], data)


async def test_an_n5_dataset_is_offered_no_conversion_and_a_job_on_it_is_refused(
    jp_fetch, lab: Path
):
    write_n5(lab / "vol.n5")
    assert (await health(jp_fetch, "vol.n5"))["chunks-too-small"]["fix"] is None
    body = job_body("vol.n5", "out/vol.zarr", kind="recompress", options={"chunks": [64, 64, 64]})
    status, error = await api_status(jp_fetch, "POST", "jobs", body=body)
    assert status == 400, error
    assert "N5" in error["message"] and "'vol.n5' in 'lab'" in error["message"]
    assert not (lab / "out" / "vol.zarr").exists()


async def test_chunks_with_more_axes_than_the_source_are_refused_at_submission(jp_fetch, lab: Path):
    write_zarr3(lab / "vol.zarr")
    for options in (
        {"chunks": [1, 64, 64, 64]},
        {"ngff_version": "0.5", "chunks": [1, 1, 64, 64], "shards": [1, 1, 128, 128]},
    ):
        body = job_body("vol.zarr", "out/vol2.zarr", kind="recompress", options=options)
        status, error = await api_status(jp_fetch, "POST", "jobs", body=body)
        assert status == 400, error
        assert "3 axes" in error["message"]
    jobs = await api(jp_fetch, "GET", "jobs")
    assert jobs["jobs"] == []  # nothing was queued
