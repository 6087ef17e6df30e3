"""The viewer's drawings run on a bounded pool of their own: at most `threads` at once, at
most `queue` more waiting, and past that a clear 503 at once (the viewer retries tiles)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from fileglancer_ext.demo.data import OME_ZARR_V04, write_demo_data
from fileglancer_ext.tiles.drawing import DRAWINGS, DrawingPool, ViewerBusy


def _blocked(release: threading.Event, started: list[str]) -> str:
    started.append(threading.current_thread().name)
    release.wait(30)
    return "drawn"


async def _fill(pool: DrawingPool, release: threading.Event) -> list[asyncio.Task[str]]:
    """`threads + queue` drawings that wait for `release`: the pool is then full."""
    started: list[str] = []
    tasks = [
        asyncio.ensure_future(pool.run(_blocked, release, started))
        for _ in range(pool.threads + pool.queue)
    ]
    while len(started) < pool.threads or pool.in_flight < len(tasks):
        await asyncio.sleep(0.01)
    assert all(name.startswith("fileglancer-drawing") for name in started)
    return tasks


async def test_a_full_pool_refuses_at_once_and_serves_again_when_drawings_end():
    pool = DrawingPool(threads=2, queue=1)
    release = threading.Event()
    tasks = await _fill(pool, release)
    with pytest.raises(ViewerBusy) as refused:
        await pool.run(str, "one more")
    assert refused.value.status == 503 and "busy" in str(refused.value)
    assert pool.refused == 1
    release.set()
    assert await asyncio.gather(*tasks) == ["drawn"] * 3
    assert pool.in_flight == 0
    assert await pool.run(str, "again") == "again"


async def test_a_failed_drawing_frees_its_place():
    pool = DrawingPool(threads=1, queue=0)
    with pytest.raises(ZeroDivisionError):
        await pool.run(lambda: 1 / 0)
    assert pool.in_flight == 0
    assert await pool.run(str, 7) == "7"


@pytest.fixture
def fileglancer_config(tmp_path: Path) -> dict:
    write_demo_data(tmp_path, many_files=0)
    return {"roots": [f"lab={tmp_path}"]}


async def test_the_viewer_routes_answer_503_while_the_pool_is_full(jp_fetch):
    release = threading.Event()
    tasks = await _fill(DRAWINGS, release)  # the server's own pool, kept full
    try:
        for route, params in [
            ("tile", {"scale": "0", "x": "0", "y": "0"}),
            ("histogram", {"x0": "0", "y0": "0", "x1": "64", "y1": "64"}),
            ("pixel", {"x": "1", "y": "1"}),
        ]:
            with pytest.raises(HTTPClientError) as caught:
                await jp_fetch("fileglancer", "api", route, "lab", OME_ZARR_V04.name, params=params)
            assert caught.value.code == 503
            body = json.loads(caught.value.response.body)
            assert body["error"] == "viewer_busy" and "try again" in body["message"]
    finally:
        release.set()
        await asyncio.gather(*tasks)


async def test_the_viewer_routes_draw_on_the_pool(jp_fetch):
    refused = DRAWINGS.refused
    response = await jp_fetch(
        "fileglancer",
        "api",
        "tile",
        "lab",
        OME_ZARR_V04.name,
        params={"scale": "0", "x": "0", "y": "0"},
    )
    assert response.code == 200 and response.headers["Content-Type"] == "image/png"
    assert DRAWINGS.in_flight == 0 and DRAWINGS.refused == refused
