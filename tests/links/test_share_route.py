"""The public share route, with a plain HTTP client that sends no Jupyter credentials."""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import os
import time
from email.utils import formatdate

import pytest

from .conftest import BIG_SIZE, api, create_link, public_fetch, share_path


async def test_files_are_served_with_their_type_length_and_validators(fetch, share_tree):
    response = await fetch("hello.txt")
    assert response.code == 200 and response.body == b"hello, world\n"
    headers = response.headers
    assert headers["Content-Type"].startswith("text/plain")
    assert headers["Content-Length"] == "13"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"].startswith('"')
    mtime = (share_tree["data"] / "hello.txt").stat().st_mtime
    assert headers["Last-Modified"] == formatdate(mtime, usegmt=True)
    assert "Set-Cookie" not in headers


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        (".zattrs", "application/json"),
        ("zarr.json", "application/json"),
        ("0.0.0", "application/octet-stream"),
        ("big.bin", "application/octet-stream"),
    ],
)
async def test_zarr_metadata_is_json_and_chunks_are_bytes(fetch, name, content_type):
    response = await fetch(name)
    assert response.code == 200
    assert response.headers["Content-Type"] == content_type


async def test_a_big_file_streams_whole(fetch, share_tree):
    response = await fetch("big.bin")
    assert response.code == 200
    assert response.body == (share_tree["data"] / "big.bin").read_bytes()
    assert int(response.headers["Content-Length"]) == BIG_SIZE


async def test_head_has_the_headers_and_no_body(fetch):
    response = await fetch("big.bin", method="HEAD")
    assert response.code == 200 and response.body == b""
    assert int(response.headers["Content-Length"]) == BIG_SIZE


@pytest.mark.parametrize(
    ("spec", "offset", "length"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=1048570-1048600", 1048570, 31),  # across a block boundary
        (f"bytes={BIG_SIZE - 10}-", BIG_SIZE - 10, 10),
        ("bytes=-5", BIG_SIZE - 5, 5),
        (f"bytes=100-{BIG_SIZE + 1000}", 100, BIG_SIZE - 100),  # clipped at the end
    ],
)
async def test_a_single_range_is_answered_206(fetch, share_tree, spec, offset, length):
    response = await fetch("big.bin", headers={"Range": spec})
    content = (share_tree["data"] / "big.bin").read_bytes()
    assert response.code == 206
    assert response.body == content[offset : offset + length]
    assert response.headers["Content-Range"] == f"bytes {offset}-{offset + length - 1}/{BIG_SIZE}"
    assert int(response.headers["Content-Length"]) == length


@pytest.mark.parametrize("spec", [f"bytes={BIG_SIZE}-", "bytes=10-5", "bytes=abc", "bytes=-0"])
async def test_an_unsatisfiable_range_is_416_with_the_size(fetch, spec):
    response = await fetch("big.bin", headers={"Range": spec})
    assert response.code == 416
    assert response.headers["Content-Range"] == f"bytes */{BIG_SIZE}"


async def test_multiple_ranges_or_other_units_get_the_whole_file(fetch):
    for spec in ("bytes=0-1,5-6", "items=0-3"):
        response = await fetch("hello.txt", headers={"Range": spec})
        assert (response.code, response.body) == (200, b"hello, world\n")


async def test_if_range_with_a_stale_etag_sends_the_whole_file(fetch):
    response = await fetch("hello.txt", headers={"Range": "bytes=0-1", "If-Range": '"old"'})
    assert response.code == 200 and response.body == b"hello, world\n"
    etag = response.headers["ETag"]
    response = await fetch("hello.txt", headers={"Range": "bytes=0-1", "If-Range": etag})
    assert (response.code, response.body) == (206, b"he")


async def test_conditional_requests_get_304(fetch, share_tree):
    first = await fetch("hello.txt")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
    ):
        response = await fetch("hello.txt", headers=headers)
        assert response.code == 304, headers
        assert response.body == b"" and response.headers["ETag"] == etag
    assert (await fetch("hello.txt", headers={"If-None-Match": '"other"'})).code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert (await fetch("hello.txt", headers=both)).code == 200
    # A changed file has a new ETag.
    path = share_tree["data"] / "hello.txt"
    path.write_text("changed!\n")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert (await fetch("hello.txt", headers={"If-None-Match": etag})).code == 200


async def test_cors_lets_any_page_read_and_see_the_range_headers(fetch):
    response = await fetch("hello.txt", headers={"Origin": "https://viewer.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {
        name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"Content-Range", "Content-Length", "ETag", "Accept-Ranges"} <= exposed
    missing = await fetch("nothing-here", headers={"Origin": "https://viewer.example"})
    assert missing.code == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"


async def test_a_cors_preflight_is_answered(fetch):
    response = await fetch(
        "big.bin",
        method="OPTIONS",
        headers={
            "Origin": "https://viewer.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert response.code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "range" in response.headers["Access-Control-Allow-Headers"].lower()


class TestAllowedOrigins:
    @pytest.fixture
    def fileglancer_config(self, fileglancer_config) -> dict:
        return {**fileglancer_config, "share_allowed_origins": ["https://viewer.example"]}

    async def test_only_configured_origins_are_allowed(self, fetch):
        allowed = await fetch("hello.txt", headers={"Origin": "https://viewer.example"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://viewer.example"
        assert "Origin" in allowed.headers["Vary"]
        other = await fetch("hello.txt", headers={"Origin": "https://evil.example"})
        assert other.code == 200 and "Access-Control-Allow-Origin" not in other.headers


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
async def test_writing_methods_are_405(fetch, method, share_tree):
    response = await fetch(
        "hello.txt", method=method, body=b"overwrite", allow_nonstandard_methods=True
    )
    assert response.code == 405
    assert "GET" in response.headers["Allow"]
    assert (share_tree["data"] / "hello.txt").read_text() == "hello, world\n"


@pytest.mark.parametrize(
    "subpath",
    [
        "../private/private.txt",
        "sub/../../private/private.txt",
        "%2e%2e/private/private.txt",
        "to-private/private.txt",
        "to-secret/secret.txt",
        "to-secret",
        "nul%00byte",
        "missing.txt",
        "sub/missing/deeper",
        "hello.txt/more",
    ],
)
async def test_anything_outside_or_missing_is_404(
    http_server_client, jp_base_url, token, subpath, share_tree
):
    # Built by hand: a client library would normalize the dots away.
    response = await http_server_client.fetch(
        share_path(jp_base_url, token, subpath), raise_error=False
    )
    assert response.code == 404
    assert json.loads(response.body)["error"] == "not_found"
    assert str(share_tree["lab"]).encode() not in response.body  # no server paths leak


async def test_a_symlink_inside_the_share_is_followed(fetch):
    assert (await fetch("to-hello")).body == b"hello, world\n"


async def test_folders_are_not_listed_by_default(fetch):
    assert (await fetch("")).code == 404
    assert (await fetch("sub")).code == 404


@pytest.mark.parametrize("token", ["not-a-token", "A" * 32])
async def test_an_unknown_token_is_404(http_server_client, jp_base_url, token):
    response = await public_fetch(http_server_client, jp_base_url, token, "hello.txt")
    assert response.code == 404


async def test_an_expired_link_is_404(jp_fetch, http_server_client, jp_base_url):
    link = await create_link(jp_fetch, expires_in=1)
    assert (
        await public_fetch(http_server_client, jp_base_url, link["token"], "hello.txt")
    ).code == 200
    await asyncio.sleep(1.1)
    response = await public_fetch(http_server_client, jp_base_url, link["token"], "hello.txt")
    assert response.code == 404


async def test_a_revoked_link_is_404_on_the_very_next_request(
    jp_fetch, http_server_client, jp_base_url, other_store
):
    link = await create_link(jp_fetch)
    assert (
        await public_fetch(http_server_client, jp_base_url, link["token"], "hello.txt")
    ).code == 200
    # Revoked by another process (the CLI, another server): no cache may keep it alive.
    other_store.revoke(link["owner"], link["id"])
    response = await public_fetch(http_server_client, jp_base_url, link["token"], "hello.txt")
    assert response.code == 404


async def test_a_shared_file_is_served_under_its_own_name_only(
    jp_fetch, http_server_client, jp_base_url
):
    token = (await create_link(jp_fetch, "data/hello.txt"))["token"]
    for subpath in ("", "hello.txt"):
        response = await public_fetch(http_server_client, jp_base_url, token, subpath)
        assert (response.code, response.body) == (200, b"hello, world\n")
    assert (await public_fetch(http_server_client, jp_base_url, token, "big.bin")).code == 404


async def test_the_last_access_is_recorded(jp_fetch, fetch, token):
    await fetch("hello.txt")
    for _ in range(50):
        links = (await api(jp_fetch, "GET", "links"))["links"]
        if links[0]["last_access"] is not None:
            break
        await asyncio.sleep(0.05)
    assert links[0]["last_access"] is not None


class TestDirectoryListing:
    @pytest.fixture
    def fileglancer_config(self, listing_config) -> dict:
        return listing_config

    async def test_a_folder_lists_what_is_inside_the_share_only(self, fetch):
        listing = json.loads((await fetch("")).body)
        names = {entry["name"]: entry for entry in listing["entries"]}
        assert names["sub"]["kind"] == "directory"
        assert names["hello.txt"] == {"name": "hello.txt", "kind": "file", "size": 13}
        assert "to-hello" in names
        assert "to-private" not in names and "to-secret" not in names
        sub = json.loads((await fetch("sub/")).body)
        assert [entry["name"] for entry in sub["entries"]] == ["inner.txt"]


async def test_no_jupyter_credentials_are_needed_or_used(
    http_server_client, jp_base_url, token, jp_auth_header
):
    plain = await public_fetch(http_server_client, jp_base_url, token, "hello.txt")
    authed = await public_fetch(
        http_server_client, jp_base_url, token, "hello.txt", headers=jp_auth_header
    )
    assert plain.code == authed.code == 200 and plain.body == authed.body


async def test_logs_never_show_a_whole_token(fetch, token, caplog):
    caplog.set_level(logging.DEBUG)
    for subpath in ("hello.txt", "no-such-chunk/0.0.0", "../private/private.txt"):
        await fetch(subpath)
    assert f"/fileglancer/s/{token[:4]}..." in caplog.text
    assert token not in caplog.text


async def test_links_into_folders_outside_the_roots_are_not_served(
    http_server_client, jp_base_url, other_store, share_tree
):
    # E.g. recorded by another server or the CLI in a shared store.
    outside = other_store.create(getpass.getuser(), "x", str(share_tree["secret"]), "")
    response = await public_fetch(http_server_client, jp_base_url, outside.token, "secret.txt")
    assert response.code == 404


HUGE = "9" * 5000  # past the 4,300 digits int() accepts


@pytest.mark.parametrize(
    ("spec", "status", "body"),
    [
        (f"bytes={HUGE}-", 416, None),  # starts past the end
        (f"bytes={HUGE}-{HUGE}", 416, None),
        (f"bytes=0-{HUGE}", 206, b"hello, world\n"),  # clipped at the end
        (f"bytes=-{HUGE}", 206, b"hello, world\n"),  # the last N bytes: all of them
        (f"bytes={'0' * 5000}7-", 206, b"world\n"),  # leading zeros change nothing
        ("bytes=1-2-3", 416, None),
        ("bytes=\xb2-", 416, None),  # "²": a digit to some, not to HTTP
    ],
)
async def test_huge_or_malformed_ranges_get_an_answer_not_a_crash(fetch, spec, status, body):
    response = await fetch("hello.txt", headers={"Range": spec})
    assert response.code == status
    if body is not None:
        assert response.body == body
    else:
        error = json.loads(response.body)
        assert error["error"] == "range_not_satisfiable"
        assert "The range" in error["message"] and len(error["message"]) < 200
        assert response.headers["Content-Range"] == "bytes */13"


@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=0-1", "If-Range": HUGE},
        {"Range": "bytes=0-1", "If-Range": f"Mon, 01 Jan {HUGE} 00:00:00 GMT"},
        {"If-Modified-Since": f"Mon, 01 Jan {HUGE} 00:00:00 GMT"},
        {"If-Modified-Since": HUGE},
        {"If-None-Match": HUGE},
    ],
)
async def test_huge_validators_get_the_whole_file(fetch, headers):
    response = await fetch("hello.txt", headers=headers)
    assert (response.code, response.body) == (200, b"hello, world\n")


async def test_a_path_that_is_not_utf8_is_400_with_a_message(fetch):
    response = await fetch("%ff%fe.txt")
    assert response.code == 400
    assert json.loads(response.body) == {
        "error": "bad_request",
        "message": "The path and query arguments must be valid UTF-8.",
    }
