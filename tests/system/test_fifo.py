"""A FIFO named like metadata or a chunk never blocks the server (issue 13, point 4).

Opening a FIFO for reading waits for a writer; on a server thread that is a request that
never answers and a thread pool slot gone. Here real FIFOs (os.mkfifo) stand where
`zarr.json`, `.zattrs`, `.zarray`, `attributes.json`, a chunk (`0.0.0`, `c/0/0`, an N5
block) or a `.tif` should be, and every inspecting route (list, node, meta, members,
thumbnail, stats) and a conversion job must answer promptly, with 200 and a listed
problem or a 4xx, all at once, after which the server still answers.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import tensorstore as ts
import zarr

from ..jobs.conftest import api, wait_for

FIFO = "it is a named pipe (FIFO), not a regular file"
# Seconds a route may take: far more than any of them needs, far less than "forever".
PROMPT = 10.0


def _fifo_in_place_of(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    return path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Path]:
    lab = tmp_path / "lab"
    lab.mkdir()
    fifos = [
        _fifo_in_place_of(lab / "meta-v3.zarr" / "zarr.json"),
        _fifo_in_place_of(lab / "meta-zarray.zarr" / ".zarray"),
        _fifo_in_place_of(lab / "meta-attrs.zarr" / ".zattrs"),
        _fifo_in_place_of(lab / "meta.n5" / "attributes.json"),
        _fifo_in_place_of(lab / "image.tif"),
        _fifo_in_place_of(lab / "image.ome.tif"),
    ]
    (lab / "meta-attrs.zarr" / ".zgroup").write_text('{"zarr_format": 2}')
    for fmt, chunk in ((2, "0.0.0"), (3, "c/0/0/0")):
        array = zarr.create_array(
            lab / f"chunk-v{fmt}.zarr",
            shape=(1, 8, 8),
            chunks=(1, 8, 8),
            dtype="uint8",
            zarr_format=fmt,
        )
        array[:] = 7
        fifos.append(_fifo_in_place_of(lab / f"chunk-v{fmt}.zarr" / chunk))
    n5 = ts.open(
        {
            "driver": "n5",
            "kvstore": {"driver": "file", "path": str(lab / "chunk.n5")},
            "metadata": {"dimensions": [8, 8], "blockSize": [8, 8], "dataType": "uint8"},
            "create": True,
        }
    ).result()
    n5[...] = np.full((8, 8), 7, dtype=np.uint8)
    fifos.append(_fifo_in_place_of(lab / "chunk.n5" / "0" / "0"))
    (lab / "out").mkdir()
    yield lab
    # Should a reader be stuck in open() (the bug), a writer lets it go and the FIFO goes
    # away, so that the test fails instead of hanging at shutdown.
    stuck = []
    for fifo in fifos:
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            assert err.errno == errno.ENXIO  # no reader waiting: as it should be
            writer = None
        fifo.unlink()
        if writer is not None:
            stuck.append(fifo.relative_to(lab).as_posix())
            os.close(writer)
    assert stuck == [], "a reader was left waiting on these FIFOs"


@pytest.fixture
def fileglancer_config(lab: Path, tmp_path: Path) -> dict:
    return {
        "roots": [f"lab={lab}"],
        "database_url": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "conversion_processes": 1,
    }


DATASETS = [
    "meta-v3.zarr",
    "meta-zarray.zarr",
    "meta-attrs.zarr",
    "meta.n5",
    "image.tif",
    "image.ome.tif",
    "chunk-v2.zarr",
    "chunk-v3.zarr",
    "chunk.n5",
]


async def _answer(jp_fetch, *parts: str, **params: str) -> tuple[int, dict | bytes]:
    response = await asyncio.wait_for(
        jp_fetch(
            "fileglancer", "api", *parts, params=params, raise_error=False, request_timeout=PROMPT
        ),
        PROMPT,
    )
    body = response.body
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return response.code, json.loads(body)
    return response.code, body


async def test_every_route_answers_promptly_for_every_fifo_at_once(jp_fetch):
    requests = []
    for name in DATASETS:
        for route in ("node", "meta", "members", "thumbnail", "stats"):
            requests.append((route, name))
        if not name.endswith(".tif"):
            requests.append(("list", name))
    requests.append(("list", ""))
    answers = await asyncio.gather(
        *(_answer(jp_fetch, route, "lab", name) for route, name in requests)
    )
    for (route, name), (code, body) in zip(requests, answers, strict=True):
        assert code == 200 or 400 <= code < 500, (route, name, code, body)
    # And the server is still there for everyone else.
    code, roots = await _answer(jp_fetch, "roots")
    assert code == 200 and roots["roots"][0]["name"] == "lab"


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("meta-v3.zarr", "zarr.json"),
        ("meta-zarray.zarr", ".zarray"),
        ("meta-attrs.zarr", ".zattrs"),
        ("meta.n5", "attributes.json"),
    ],
)
async def test_a_metadata_fifo_is_a_listed_problem(jp_fetch, name: str, file: str):
    code, meta = await _answer(jp_fetch, "meta", "lab", name)
    assert code == 200
    assert {"file": file, "message": f"cannot read {file}: {FIFO}"} in meta["problems"]
    code, listing = await _answer(jp_fetch, "list", "lab")
    entry = next(e for e in listing["entries"] if e["name"] == name)
    assert entry["problem"] == f"cannot read {file}: {FIFO}"
    code, error = await _answer(jp_fetch, "thumbnail", "lab", name)
    assert (code, error["message"]) == (400, f"cannot read {file}: {FIFO}")


@pytest.mark.parametrize("name", ["image.tif", "image.ome.tif"])
async def test_a_tiff_fifo_is_a_problem_of_the_selected_entry(jp_fetch, name: str):
    code, node = await _answer(jp_fetch, "node", "lab", name)
    assert code == 200 and node["problem"] == f"cannot read this file: {FIFO}"
    code, meta = await _answer(jp_fetch, "meta", "lab", name)
    assert code == 200 and any(FIFO in p["message"] for p in meta["problems"])
    code, _ = await _answer(jp_fetch, "thumbnail", "lab", name)
    assert code == 400


@pytest.mark.parametrize("name", ["chunk-v2.zarr", "chunk-v3.zarr", "chunk.n5"])
async def test_a_chunk_fifo_is_never_read(jp_fetch, name: str):
    code, error = await _answer(jp_fetch, "thumbnail", "lab", name)
    assert code == 400 and FIFO in error["message"]
    code, stats = await _answer(jp_fetch, "stats", "lab", name, wait="5")
    assert code == 200 and stats["state"] == "done"
    assert stats["chunk_files"] == 1  # the FIFO counts as a (zero-byte) file, unopened


@pytest.mark.parametrize(
    ("source", "destination"),
    [("chunk-v3.zarr", "out/copy.zarr"), ("chunk-v2.zarr", "out/copy.tif")],
)
async def test_a_conversion_of_a_source_with_a_fifo_fails_promptly(
    jp_fetch, lab: Path, source: str, destination: str
):
    body = {
        "source": {"root": "lab", "path": source},
        "destination": {"root": "lab", "path": destination},
    }
    job = await api(jp_fetch, "POST", "jobs", body=body)
    job, _ = await wait_for(jp_fetch, job["id"], timeout=PROMPT)
    assert job["state"] == "failed"
    assert FIFO in job["error"]["message"]
    assert os.listdir(lab / "out") == []


async def test_a_tiff_fifo_is_no_conversion_source(jp_fetch):
    body = {
        "source": {"root": "lab", "path": "image.tif"},
        "destination": {"root": "lab", "path": "out/image.ome.zarr"},
    }
    response = await asyncio.wait_for(
        jp_fetch(
            "fileglancer", "api", "jobs", method="POST", body=json.dumps(body), raise_error=False
        ),
        PROMPT,
    )
    if response.code in (200, 201):  # accepted: then it must fail promptly, not hang
        job, _ = await wait_for(jp_fetch, json.loads(response.body)["id"], timeout=PROMPT)
        assert job["state"] == "failed"
    else:
        assert 400 <= response.code < 500
