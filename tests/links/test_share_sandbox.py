"""Every answer of a public route is sandboxed, and no shared file is served as a type a
browser would render as a page: share route, S3 route and short links, inside Jupyter and
in the link server, successes and errors alike. (test_share_browser_sandbox.py shows in
Chromium what this protects against.)"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.shortlinks.store import ShortLinkStore

from .conftest import serving_link_app

SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'none'"


def assert_sandboxed(response: HTTPResponse) -> None:
    where = f"{response.request.method} {response.request.url[:120]} ({response.code})"
    assert response.headers.get("Content-Security-Policy") == SANDBOX, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


# (method, path after the token, request headers, expected status); "ETAG" is replaced
# by the ETag of hello.txt.
SHARE_REQUESTS = [
    ("GET", "hello.txt", {}, 200),
    ("HEAD", "hello.txt", {}, 200),
    ("GET", "big.bin", {"Range": "bytes=0-9"}, 206),
    ("GET", "hello.txt", {"If-None-Match": "ETAG"}, 304),
    ("GET", "hello.txt", {"Range": "bytes=100-"}, 416),
    ("HEAD", "hello.txt", {"Range": "bytes=100-"}, 416),
    ("GET", "no-such-file", {}, 404),
    ("GET", "../private/private.txt", {}, 404),
    ("GET", "%ff%fe.txt", {}, 400),
    ("PUT", "hello.txt", {}, 405),
    ("DELETE", "hello.txt", {}, 405),
    ("OPTIONS", "hello.txt", {"Origin": "https://viewer.example"}, 204),
]

S3_REQUESTS = [
    ("GET", "", {}, 200),  # ListObjects
    ("GET", "?list-type=2&max-keys=1", {}, 200),
    ("GET", "?location", {}, 200),
    ("HEAD", "", {}, 200),
    ("GET", "/hello.txt", {}, 200),
    ("HEAD", "/hello.txt", {}, 200),
    ("GET", "/big.bin", {"Range": "bytes=0-9"}, 206),
    ("GET", "/hello.txt", {"If-None-Match": "ETAG"}, 304),
    ("GET", "/hello.txt", {"Range": "bytes=100-"}, 416),
    ("GET", "/no-such-key", {}, 404),
    ("GET", "/%ff", {}, 400),
    ("GET", "?list-type=2&prefix=%ff", {}, 400),
    ("GET", "?list-type=2&max-keys=-1", {}, 400),
    ("PUT", "/hello.txt", {}, 403),
    ("OPTIONS", "/hello.txt", {"Origin": "https://viewer.example"}, 204),
]


async def request(
    client: Any, url: str, method: str, headers: dict[str, str], etag: str = ""
) -> HTTPResponse:
    headers = {name: value.replace("ETAG", etag) for name, value in headers.items()}
    body = b"" if method in ("PUT", "POST") else None
    return await client.fetch(
        url,
        method=method,
        headers=headers,
        body=body,
        raise_error=False,
        follow_redirects=False,
        allow_nonstandard_methods=True,
    )


class PublicRoutes:
    """The public URLs of one server (Jupyter's or the link server) for one share link."""

    def __init__(self, client: Any, base: str, token: str) -> None:
        self.client, self.base, self.token = client, base, token

    def share(self, subpath: str) -> str:
        return f"{self.base}fileglancer/s/{self.token}/{subpath}"

    def s3(self, rest: str, token: str | None = None) -> str:
        return f"{self.base}fileglancer/s3/{token or self.token}{rest}"

    def short(self, key: str) -> str:
        return f"{self.base}fileglancer/v/{key}"

    async def etag(self) -> str:
        return (await self.client.fetch(self.share("hello.txt"))).headers["ETag"]


@pytest.fixture
def link_server(jp_asyncio_loop, other_store) -> Iterator[str]:
    """The standalone link server's application on a loopback port, over the test store."""
    with serving_link_app(jp_asyncio_loop, ShareServer(other_store), "/links/") as url:
        yield url


@pytest.fixture(params=["jupyter", "link-server"])
def routes(request, http_server_client, jp_base_url, token) -> PublicRoutes:
    if request.param == "jupyter":
        return PublicRoutes(http_server_client, jp_base_url, token)
    return PublicRoutes(AsyncHTTPClient(), request.getfixturevalue("link_server"), token)


@pytest.mark.parametrize(("method", "subpath", "headers", "status"), SHARE_REQUESTS)
async def test_every_share_answer_is_sandboxed(routes, method, subpath, headers, status):
    response = await request(
        routes.client, routes.share(subpath), method, headers, await routes.etag()
    )
    assert response.code == status
    assert_sandboxed(response)


async def test_an_unknown_token_is_sandboxed_too(routes):
    for url in (routes.share("hello.txt").replace(routes.token, "NoSuchToken"),
                routes.s3("/hello.txt", token="NoSuchToken")):  # fmt: skip
        response = await request(routes.client, url, "GET", {})
        assert response.code == 404
        assert_sandboxed(response)


@pytest.mark.parametrize(("method", "rest", "headers", "status"), S3_REQUESTS)
async def test_every_s3_answer_is_sandboxed(routes, method, rest, headers, status):
    response = await request(routes.client, routes.s3(rest), method, headers, await routes.etag())
    assert response.code == status
    assert_sandboxed(response)


async def test_short_link_answers_are_sandboxed(routes, other_store):
    key = ShortLinkStore(other_store.engine).create("ada", "https://viewer.example/#!x").key
    for method, url, status in [
        ("GET", routes.short(key), 302),
        ("HEAD", routes.short(key), 302),
        ("GET", routes.short("NoSuchKey123"), 404),
        ("POST", routes.short(key), 405),
    ]:
        response = await request(routes.client, url, method, {})
        assert response.code == status, (method, url)
        assert_sandboxed(response)


async def test_a_server_error_is_sandboxed(routes, other_store):
    # A corrupt link store: every lookup fails with a database error, which is no 4xx.
    with other_store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("ALTER TABLE fileglancer_links RENAME TO broken"))
    for url in (routes.share("hello.txt"), routes.s3("/hello.txt")):
        response = await request(routes.client, url, "GET", {})
        assert response.code == 500
        assert_sandboxed(response)


# Types a browser shows as a page, or runs: served as opaque bytes, which it downloads.
ACTIVE = ["page.html", "page.htm", "page.xhtml", "image.svg", "data.xml", "feed.rss",
          "script.js", "module.mjs", "style.css", "doc.pdf", "notes.md", "run.py"]  # fmt: skip
PASSIVE = {
    "photo.png": "image/png",
    "photo.jpg": "image/jpeg",
    "anim.gif": "image/gif",
    "stack.tif": "image/tiff",
    "notes.txt": "text/plain",
    "table.csv": "text/csv",
    "attrs.json": "application/json",
    ".zattrs": "application/json",
    "0.0.0": "application/octet-stream",
}


@pytest.fixture
def typed_files(share_tree: dict[str, Path]) -> None:
    for name in [*ACTIVE, *PASSIVE]:
        (share_tree["data"] / name).write_text("<html><script>alert(1)</script></html>")


@pytest.mark.parametrize("name", ACTIVE)
async def test_active_types_are_served_as_bytes(routes, typed_files, name):
    for url in (routes.share(name), routes.s3(f"/{name}")):
        response = await request(routes.client, url, "GET", {})
        assert response.code == 200
        assert response.headers["Content-Type"] == "application/octet-stream", url
        assert_sandboxed(response)


@pytest.mark.parametrize(("name", "content_type"), PASSIVE.items())
async def test_passive_types_keep_their_type(routes, typed_files, name, content_type):
    for url in (routes.share(name), routes.s3(f"/{name}")):
        response = await request(routes.client, url, "GET", {})
        assert response.code == 200
        assert response.headers["Content-Type"].split(";")[0] == content_type, url
        assert_sandboxed(response)


async def test_cors_still_lets_viewers_read(routes, other_store, share_tree):
    # What Neuroglancer and vizarr need: a cross-origin fetch() of metadata and chunks.
    link = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    origin = {"Origin": "https://neuroglancer-demo.appspot.com"}
    routes.token = link.token
    for url in (routes.share(".zattrs"), routes.s3("/0.0.0")):
        response = await request(routes.client, url, "GET", {**origin, "Range": "bytes=0-1"})
        assert response.code == 206
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Content-Range" in response.headers["Access-Control-Expose-Headers"]


async def test_the_link_servers_health_answer_is_sandboxed_too(link_server):
    response = await request(AsyncHTTPClient(), link_server, "GET", {})
    assert response.code == 200 and response.body == b"ok\n"
    assert_sandboxed(response)
