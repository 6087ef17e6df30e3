"""Bad input to the authenticated API: a clear 4xx with a JSON message, never a 500 or a
traceback in the log (huge numbers, deep nesting, unknown fields, names that are not
UTF-8, array metadata out of bounds)."""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.web import strict_json
from tests.conftest import LogCapture

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int(text)
NOT_UTF8 = os.fsdecode(b"\xff\xfe.zarr")  # "\udcff\udcfe.zarr"
ZARRAY = {"zarr_format": 2, "dtype": "|u1", "compressor": None, "fill_value": 0, "order": "C"}


def _zarr2(folder: Path, shape: Any, chunks: Any) -> None:
    folder.mkdir()
    (folder / ".zarray").write_text(json.dumps({**ZARRAY, "shape": shape, "chunks": chunks}))


def _zarr3(folder: Path, shape: Any, chunks: Any) -> None:
    folder.mkdir()
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": shape,
        "data_type": "uint8",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks}},
        "chunk_key_encoding": {"name": "default"},
        "codecs": [{"name": "bytes"}],
        "fill_value": 0,
    }
    (folder / "zarr.json").write_text(json.dumps(doc))


def _n5(folder: Path, shape: Any, chunks: Any) -> None:
    folder.mkdir()
    doc = {"dimensions": shape, "blockSize": chunks, "dataType": "uint8", "compression": {}}
    (folder / "attributes.json").write_text(json.dumps(doc))


def _ome_zarr(folder: Path, scale: list[Any], global_scale: list[Any] | None = None) -> None:
    """An OME-Zarr 0.4 image of one 4x4 level with this scale (and this multiscale-wide one)."""
    folder.mkdir()
    _zarr2(folder / "0", [4, 4], [2, 2])
    axes = [{"name": name, "type": "space", "unit": "micrometer"} for name in "yx"]
    transforms = [{"type": "scale", "scale": scale}]
    dataset = {"path": "0", "coordinateTransformations": transforms}
    multiscale: dict[str, Any] = {"version": "0.4", "axes": axes, "datasets": [dataset]}
    if global_scale is not None:
        multiscale["coordinateTransformations"] = [{"type": "scale", "scale": global_scale}]
    attrs = {"multiscales": [multiscale]}
    (folder / ".zgroup").write_text('{"zarr_format": 2}')
    (folder / ".zattrs").write_text(json.dumps(attrs))


# Array metadata out of bounds: (name, writer, shape, chunks, what the problem names).
BAD_ARRAYS = [
    ("huge2.zarr", _zarr2, [10**400, 4], [2, 2], "shape"),
    ("huge3.zarr", _zarr3, [4, 10**400], [2, 2], "shape"),
    ("negative.zarr", _zarr2, [-4, 4], [2, 2], "shape"),
    ("zero-chunks2.zarr", _zarr2, [4, 4], [0, 2], "chunks"),
    ("zero-chunks3.zarr", _zarr3, [4, 4], [2, 0], "chunk_grid"),
    ("huge-chunks.zarr", _zarr2, [4, 4], [10**400, 2], "chunks"),
    ("many-dims.zarr", _zarr2, [1] * 40, [1] * 40, "shape"),
    ("huge.n5", _n5, [4, 10**400], [2, 2], "dimensions"),
    ("zero-blocks.n5", _n5, [4, 4], [2, 0], "blockSize"),
]


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """The root 'lab': a good array, arrays with bad metadata, a name that is not UTF-8
    (a real Zarr array) and a symlink to it."""
    root = tmp_path / "lab"
    root.mkdir()
    _zarr2(root / "good.zarr", [4, 4], [2, 2])
    (root / "out").mkdir()
    for name, write, shape, chunks, _ in BAD_ARRAYS:
        write(root / name, shape, chunks)
        (root / name / "0.0").write_bytes(b"\x00" * 4)  # a chunk: stats divide by its size
    _ome_zarr(root / "huge-scale.ome.zarr", [10**400, 1.0])
    # Each scale a float holds; their product (the pixel size) does not.
    _ome_zarr(root / "overflowing-scale.ome.zarr", [1e308, 1.0], [1e308, 1.0])
    weird = os.path.join(os.fsencode(root), b"\xff\xfe.zarr")
    _zarr2(Path(os.fsdecode(weird)), [4, 4], [2, 2])
    (root / "to-weird").symlink_to(Path(os.fsdecode(weird)))
    broken = Path(os.fsdecode(os.path.join(os.fsencode(root), b"\xff-broken.zarr")))
    broken.mkdir()
    (broken / ".zarray").write_text("{}")
    (root / "to-broken").symlink_to(broken)
    return root


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'fileglancer.sqlite3'}"


@pytest.fixture
def fileglancer_config(lab: Path, store_url: str, fileglancer_log: LogCapture) -> dict:
    return {
        "roots": [f"lab={lab}"],
        "database_url": store_url,
        "conversion_processes": 1,
        "logging_config": fileglancer_log.logging_config(),
    }


@pytest.fixture
def server_log(jp_serverapp, fileglancer_log: LogCapture) -> Iterator[LogCapture]:
    """Every record of the extension's, Jupyter's and tornado's loggers during a test."""
    loggers = [logging.getLogger("tornado"), jp_serverapp.log]
    for logger in loggers:
        logger.addHandler(fileglancer_log)
    yield fileglancer_log
    for logger in loggers:
        logger.removeHandler(fileglancer_log)


@pytest.fixture
def link_id(jp_serverapp, store_url: str, lab: Path) -> str:
    store = ShareLinkStore.from_url(store_url)
    try:
        return store.create(getpass.getuser(), "lab", str(lab), "good.zarr").id
    finally:
        store.close()


def _assert_clean_log(log: LogCapture) -> None:
    for record in log.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()
        assert "Traceback" not in record.getMessage()


async def _refused(
    jp_fetch, lab: Path, method: str, parts: list[str], **kwargs: Any
) -> dict[str, Any]:
    """The JSON error of a request that must be refused with a 4xx, which names no path
    of the server's."""
    response = await jp_fetch(
        "fileglancer", "api", *parts, method=method, raise_error=False, **kwargs
    )
    assert 400 <= response.code < 500, (response.code, response.body[:300])
    body = json.loads(response.body)
    assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str), body
    assert str(lab) not in body["message"]
    return body


async def _finished_job(jp_fetch, body: dict[str, Any]) -> dict[str, Any]:
    """The job `body` submits, once it has ended."""
    response = await jp_fetch("fileglancer", "api", "jobs", method="POST", body=json.dumps(body))
    job_id = json.loads(response.body)["id"]
    for _ in range(600):
        response = await jp_fetch("fileglancer", "api", "jobs", job_id)
        job = json.loads(response.body)
        if job["state"] not in ("queued", "running"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['state']}")


QUERIES = [
    (["members", "lab", "good.zarr"], {"offset": HUGE}),
    (["members", "lab", "good.zarr"], {"limit": HUGE}),
    (["members", "lab", "good.zarr"], {"limit": "²"}),  # str.isdigit, but not int()
    (["thumbnail", "lab", "good.zarr"], {"size": HUGE}),
    (["list", "lab"], {"limit": HUGE}),
    (["list", "lab"], {"limit": "1e400"}),
    (["jobs"], {"limit": HUGE}),
    (["jobs"], {"limit": "²"}),
]


@pytest.mark.parametrize(("parts", "params"), QUERIES, ids=lambda v: str(v)[:40])
async def test_bad_query_numbers_are_refused(jp_fetch, server_log, lab, parts, params):
    body = await _refused(jp_fetch, lab, "GET", parts, params=params)
    assert body["error"] == "bad_request"
    assert HUGE not in body["message"]
    _assert_clean_log(server_log)


NESTED = "[" * 100_000 + "]" * 100_000
BODIES = [
    ("POST", ["links"], '{"root": "lab", "path": "good.zarr", "expires_in": ' + HUGE + "}"),
    ("POST", ["links"], '{"root": "lab", "path": "good.zarr", "label": ' + NESTED + "}"),
    ("POST", ["links"], NESTED),
    ("POST", ["links"], '{"root": "lab", "path": "good.zarr", "expires_in": 1e400}'),
    ("POST", ["links"], '{"root": "lab", "path": "good.zarr", "expires_in": NaN}'),
    ("POST", ["links"], '{"root": "lab", "path": "good.zarr", "label": "a\\u0000b"}'),
    ("POST", ["links"], '{"root": "lab", "path": "good.zarr", "label": "\\ud800"}'),
    ("POST", ["links"], b'{"root": "lab", "path": "\xff\xfe.zarr"}'),
    (
        "POST",
        ["jobs"],
        '{"source": {"root": "lab", "path": "good.zarr"}, "destination": '
        '{"root": "lab", "path": "out/x.zarr"}, "options": {"chunks": [' + "9" * 400 + "]}}",
    ),
    ("POST", ["jobs"], NESTED),
    ("POST", ["short-links"], '{"url": "https://example.org/", "label": 1e400}'),
    ("POST", ["short-links"], '{"url": "https://example.org/\\udcff"}'),
    ("POST", ["short-links"], '{"url": "https://example.org/", "label": "\\udcff"}'),
]


@pytest.mark.parametrize(("method", "parts", "body"), BODIES, ids=lambda v: str(v)[:60])
async def test_bad_json_bodies_are_refused(jp_fetch, server_log, lab, method, parts, body):
    await _refused(jp_fetch, lab, method, parts, body=body)
    _assert_clean_log(server_log)


@pytest.mark.parametrize(
    "changes",
    [{"owner": "someone-else"}, {"link_id": "0"}, {"token": "x"}, {"label": "ok", "root": "x"}],
)
async def test_patching_a_field_that_is_not_patchable_names_it(
    jp_fetch, server_log, lab, link_id, changes
):
    body = await _refused(jp_fetch, lab, "PATCH", ["links", link_id], body=json.dumps(changes))
    assert body["error"] == "bad_request"
    wrong = sorted(set(changes) - {"label"})
    assert all(name in body["message"] for name in wrong), body
    _assert_clean_log(server_log)


@pytest.mark.parametrize(("name", "field"), [(a[0], a[4]) for a in BAD_ARRAYS])
async def test_array_metadata_out_of_bounds_is_described_as_malformed(
    jp_fetch, server_log, name, field
):
    response = await jp_fetch("fileglancer", "api", "meta", "lab", name)
    summary = json.loads(response.body)
    assert any(field in p["message"] and "malformed" in p["message"] for p in summary["problems"])
    _assert_clean_log(server_log)


@pytest.mark.parametrize("name", [a[0] for a in BAD_ARRAYS])
async def test_array_metadata_out_of_bounds_fails_a_conversion_cleanly(
    jp_fetch, server_log, lab, name
):
    body = {
        "source": {"root": "lab", "path": name},
        "destination": {"root": "lab", "path": "out/copy.zarr"},
    }
    if name.endswith(".n5"):  # no converter reads N5: refused at submission, nothing queued
        refused = await _refused(jp_fetch, lab, "POST", ["jobs"], body=json.dumps(body))
        assert "N5 datasets cannot be converted" in refused["message"]
        assert not (lab / "out" / "copy.zarr").exists()
        _assert_clean_log(server_log)
        return
    job = await _finished_job(jp_fetch, body)
    assert job["state"] == "failed" and job["error"]["code"] == "conversion_failed", job
    assert str(lab) not in job["error"]["message"]
    assert not (lab / "out" / "copy.zarr").exists()
    _assert_clean_log(server_log)


@pytest.mark.parametrize("route", ["viewers", "members", "node"])
@pytest.mark.parametrize("name", [a[0] for a in BAD_ARRAYS])
async def test_array_metadata_out_of_bounds_breaks_no_other_route(
    jp_fetch, server_log, route, name
):
    response = await jp_fetch("fileglancer", "api", route, "lab", name, raise_error=False)
    assert response.code < 500, response.body[:300]
    _assert_clean_log(server_log)


@pytest.mark.parametrize("route", ["meta", "viewers"])
async def test_a_scale_no_float_can_hold_is_left_out(jp_fetch, server_log, route):
    response = await jp_fetch("fileglancer", "api", route, "lab", "huge-scale.ome.zarr")
    assert response.code == 200
    if route == "meta":
        level = json.loads(response.body)["ome"]["multiscales"][0]["datasets"][0]
        assert level["scale"] is None
    _assert_clean_log(server_log)


@pytest.mark.parametrize("route", ["meta", "viewers"])
async def test_a_pixel_size_no_float_can_hold_is_unknown_and_the_answer_is_json(
    jp_fetch, server_log, route
):
    response = await jp_fetch("fileglancer", "api", route, "lab", "overflowing-scale.ome.zarr")
    assert response.code == 200
    # Strict JSON, as a browser's JSON.parse reads it: no Infinity or NaN literals.
    body = json.loads(response.body, parse_constant=lambda name: pytest.fail(f"{name} sent"))
    if route == "meta":
        multiscale = body["ome"]["multiscales"][0]
        assert multiscale["datasets"][0]["world_scale"] is None
        assert any("out of range" in problem["message"] for problem in body["problems"])
    _assert_clean_log(server_log)


@pytest.mark.parametrize("name", [a[0] for a in BAD_ARRAYS])
async def test_array_metadata_out_of_bounds_has_no_thumbnail(jp_fetch, server_log, lab, name):
    body = await _refused(jp_fetch, lab, "GET", ["thumbnail", "lab", name])
    assert body["error"] == "bad_request"
    _assert_clean_log(server_log)


@pytest.mark.parametrize(("name", "field"), [(a[0], a[4]) for a in BAD_ARRAYS])
async def test_array_metadata_out_of_bounds_has_no_chunk_figures(jp_fetch, server_log, name, field):
    # Storage figures need no metadata; those that do are unknown, as for other malformed
    # metadata.
    response = await jp_fetch("fileglancer", "api", "stats", "lab", name)
    stats = json.loads(response.body)
    assert stats["state"] == "done" and stats["files"] == 2
    assert stats["chunks_expected"] is None
    shape_unknown = field in ("shape", "dimensions")
    assert (stats["logical_bytes"] is None) == shape_unknown
    assert (stats["compression_ratio"] is None) == shape_unknown
    _assert_clean_log(server_log)


# --- names that are not UTF-8 -----------------------------------------------------------------
# Listed (with a problem saying why), readable by path on this machine (the CLI), but never
# named in a request or recorded in a link or job: a URL cannot spell them, and neither JSON
# text nor the database can hold them.


async def test_a_name_that_is_not_utf8_is_listed_with_the_reason(jp_fetch, server_log):
    response = await jp_fetch("fileglancer", "api", "list", "lab")
    entries = {entry["name"]: entry for entry in json.loads(response.body)["entries"]}
    entry = entries[NOT_UTF8]
    assert entry["is_dir"] is True
    assert "not UTF-8" in entry["problem"]
    _assert_clean_log(server_log)


@pytest.mark.parametrize(
    "url",
    [
        f"{route}/lab/%FF%FE.zarr"
        for route in ("meta", "list", "node", "members", "thumbnail", "stats")
    ]
    + ["links?root=lab&path=%FF%FE.zarr", "locate?path=%FF%FE.zarr"],
)
async def test_a_name_that_is_not_utf8_cannot_be_named_in_a_url(
    http_server_client, jp_auth_header, jp_base_url, server_log, url
):
    response = await http_server_client.fetch(
        f"{jp_base_url}fileglancer/api/{url}", headers=jp_auth_header, raise_error=False
    )
    assert response.code == 400, response.body
    assert json.loads(response.body)["error"] == "bad_request"
    _assert_clean_log(server_log)


@pytest.mark.parametrize(
    "body",
    [
        {"root": "lab", "path": NOT_UTF8},
        {"root": "lab", "path": "to-weird"},  # a symlink to it: the link records the target
        {"root": "lab", "path": "good.zarr", "label": NOT_UTF8},
    ],
    ids=["named", "through-a-symlink", "label"],
)
async def test_a_name_that_is_not_utf8_cannot_be_shared(jp_fetch, server_log, lab, store_url, body):
    sent = json.dumps(body)  # ensure_ascii: lone surrogates as \udcff escapes
    refused = await _refused(jp_fetch, lab, "POST", ["links"], body=sent)
    assert "not UTF-8" in refused["message"] or "not valid Unicode" in refused["message"]
    _assert_clean_log(server_log)
    store = ShareLinkStore.from_url(store_url)
    try:
        assert store.list_for_owner(getpass.getuser(), include_inactive=True) == []
    finally:
        store.close()


@pytest.mark.parametrize(
    ("source", "destination"),
    [(NOT_UTF8, "out/x.zarr"), ("good.zarr", f"out/{NOT_UTF8}")],
    ids=["source", "destination"],
)
async def test_a_name_that_is_not_utf8_cannot_be_converted(
    jp_fetch, server_log, lab, source, destination
):
    body = {
        "source": {"root": "lab", "path": source},
        "destination": {"root": "lab", "path": destination},
    }
    refused = await _refused(jp_fetch, lab, "POST", ["jobs"], body=json.dumps(body))
    assert "not UTF-8" in refused["message"]
    _assert_clean_log(server_log)


@pytest.mark.parametrize(("source", "state"), [("to-weird", "done"), ("to-broken", "failed")])
async def test_a_job_may_read_a_name_that_is_not_utf8_through_one_that_is(
    jp_fetch, server_log, lab, source, state
):
    # The job records the names the user gave; only the reading meets the other one, and
    # a failure says what failed without it.
    body = {
        "source": {"root": "lab", "path": source},
        "destination": {"root": "lab", "path": "out/copy.zarr"},
    }
    job = await _finished_job(jp_fetch, body)
    assert job["state"] == state, job
    assert (lab / "out" / "copy.zarr" / ".zarray").is_file() == (state == "done")
    _assert_clean_log(server_log)


def test_answers_are_strict_json_whatever_the_numbers():
    # The last line of defence behind the metadata checks: JSON.parse takes no Infinity.
    payload = {"a": [1.0, float("inf"), {"b": float("nan")}], "c": (float("-inf"), 2)}
    text = strict_json(payload)
    assert json.loads(text) == {"a": [1.0, None, {"b": None}], "c": [None, 2]}
    assert strict_json({"a": 1.5}) == json.dumps({"a": 1.5})
