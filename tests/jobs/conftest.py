"""Conversion-job fixtures: a root with real TIFFs, a job store per test, API helpers."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from fileglancer_ext.jobs.store import JobStore
from tests.convert.test_convert_failures import small_disk  # noqa: F401 - a fixture: a 1 MiB disk

FINISHED = ("done", "failed", "cancelled", "interrupted")


def sample_image(shape: tuple[int, ...] = (4, 96, 80), seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4000, shape, dtype=np.uint16)


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """The root 'lab': a small OME-TIFF, a text file posing as a TIFF, an 'out' folder."""
    root = tmp_path / "lab"
    (root / "out").mkdir(parents=True)
    tifffile.imwrite(
        root / "cells.ome.tif",
        sample_image(),
        ome=True,
        metadata={"axes": "ZYX", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5},
    )
    (root / "notes.tif").write_text("this is not a TIFF\n")
    return root


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'fileglancer.sqlite3'}"


@pytest.fixture
def fileglancer_config(lab: Path, store_url: str) -> dict:
    return {"roots": [f"lab={lab}"], "database_url": store_url, "conversion_processes": 1}


@pytest.fixture
def other_store(store_url: str):
    """A second handle on the server's job store, as another server would open it."""
    store = JobStore.from_url(store_url)
    yield store
    store.close()


async def api(jp_fetch, method: str, *parts: str, body: Any = None, **params: str) -> Any:
    """The decoded JSON of an authenticated jobs API call that must succeed."""
    kwargs: dict[str, Any] = {"method": method, "params": params}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    response = await jp_fetch("fileglancer", "api", *parts, **kwargs)
    assert response.code in (200, 201), response.code
    return json.loads(response.body)


async def api_status(jp_fetch, method: str, *parts: str, body: Any = None) -> tuple[int, dict]:
    """(status, error JSON) of an authenticated API call that must fail."""
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None or method == "POST":
        kwargs["body"] = json.dumps(body if body is not None else {})
    response = await jp_fetch("fileglancer", "api", *parts, **kwargs)
    return response.code, json.loads(response.body or b"{}")


def job_body(source: str = "cells.ome.tif", destination: str = "out/cells.ome.zarr", **extra):
    return {
        "source": {"root": "lab", "path": source},
        "destination": {"root": "lab", "path": destination},
        **extra,
    }


async def submit(jp_fetch, **body: Any) -> dict:
    return await api(jp_fetch, "POST", "jobs", body=job_body(**body))


async def wait_for(
    jp_fetch, job_id: str, states: tuple[str, ...] = FINISHED, timeout: float = 30.0
) -> tuple[dict, list[dict]]:
    """Poll the job until it reaches one of `states`; (the job, every job seen on the way)."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = await api(jp_fetch, "GET", "jobs", job_id)
        seen.append(job)
        if job["state"] in states:
            return job, seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} still {seen[-1]['state']} after {timeout} s")
