"""Share-link fixtures: a root with a shared folder, a link store per test, plain clients."""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from fileglancer_ext.demo.data import write_demo_data
from fileglancer_ext.links.server import make_link_server_app
from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.links.store import ShareLinkStore

BIG_SIZE = 3 * 1024 * 1024 + 123  # more than one streaming block, not a whole number of them


@pytest.fixture
def share_tree(tmp_path: Path) -> dict[str, Path]:
    """Root 'lab' holding the folder 'data' to share, a 'private' sibling, a 'secret' outside.

    data/ has small and big files, Zarr-style names, a folder, and two symlinks that leave
    the share (one to 'private' inside the root, one to 'secret' outside it).
    """
    lab, secret = tmp_path / "lab", tmp_path / "secret"
    data, private = lab / "data", lab / "private"
    for folder in (data / "sub", private, secret):
        folder.mkdir(parents=True)
    (data / "hello.txt").write_text("hello, world\n")
    (data / "big.bin").write_bytes(bytes(range(256)) * (BIG_SIZE // 256) + b"x" * (BIG_SIZE % 256))
    (data / ".zattrs").write_text('{"a": 1}')
    (data / "zarr.json").write_text('{"zarr_format": 3}')
    (data / "0.0.0").write_bytes(b"\x00\x01\x02")
    (data / "sub" / "inner.txt").write_text("inner")
    (private / "private.txt").write_text("private")
    (secret / "secret.txt").write_text("secret")
    (data / "to-private").symlink_to(private)
    (data / "to-secret").symlink_to(secret)
    (data / "to-hello").symlink_to(data / "hello.txt")  # stays inside: allowed
    return {"lab": lab, "data": data, "private": private, "secret": secret}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo datasets, written once per module."""
    folder = tmp_path_factory.mktemp("demo")
    write_demo_data(folder, many_files=0)
    return folder


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'links.sqlite3'}"


@pytest.fixture
def fileglancer_config(share_tree: dict[str, Path], store_url: str) -> dict:
    return {"roots": [f"lab={share_tree['lab']}"], "database_url": store_url}


@pytest.fixture
def listing_config(share_tree: dict[str, Path], store_url: str) -> dict:
    """`fileglancer_config` with folder listings of shares turned on; a test class takes it
    as its own `fileglancer_config`."""
    return {
        "roots": [f"lab={share_tree['lab']}"],
        "database_url": store_url,
        "share_directory_listing": True,
    }


@pytest.fixture
def token(other_store, share_tree, jp_serverapp) -> str:
    """A link to lab/data, made in the store (as the CLI would) while the server runs."""
    link = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    return link.token


@pytest.fixture
def fetch(http_server_client, jp_base_url, token):
    """A request for a path inside the share of `token`, without Jupyter credentials."""

    async def fetch_in_share(subpath: str = "", **kwargs):
        return await public_fetch(http_server_client, jp_base_url, token, subpath, **kwargs)

    return fetch_in_share


@pytest.fixture
def other_store(store_url: str):
    """A second handle on the server's store, as another server or the CLI would open it."""
    store = ShareLinkStore.from_url(store_url)
    yield store
    store.close()


async def api(jp_fetch, method: str, *parts: str, body: Any = None, **params: str) -> Any:
    """The decoded JSON of an authenticated API call that must succeed."""
    kwargs: dict[str, Any] = {"method": method, "params": params}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    elif method in ("POST", "PATCH"):
        kwargs["body"] = "{}"
    response = await jp_fetch("fileglancer", "api", *parts, **kwargs)
    assert response.code in (200, 201), response.code
    return json.loads(response.body)


async def api_status(jp_fetch, method: str, *parts: str, body: Any = None) -> tuple[int, dict]:
    """(status, error JSON) of an authenticated API call that must fail."""
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None or method in ("POST", "PATCH"):
        kwargs["body"] = json.dumps(body if body is not None else {})
    response = await jp_fetch("fileglancer", "api", *parts, **kwargs)
    return response.code, json.loads(response.body or b"{}")


async def create_link(jp_fetch, path: str = "data", **extra: Any) -> dict:
    return await api(jp_fetch, "POST", "links", body={"root": "lab", "path": path, **extra})


def share_path(jp_base_url: str, token: str, subpath: str = "") -> str:
    return f"{jp_base_url}fileglancer/s/{token}/{subpath}"


async def public_fetch(
    http_server_client, jp_base_url: str, token: str, subpath: str = "", **kwargs: Any
) -> HTTPResponse:
    """A request to the share route with no Jupyter credentials at all."""
    kwargs.setdefault("raise_error", False)
    return await http_server_client.fetch(share_path(jp_base_url, token, subpath), **kwargs)


@contextmanager
def serving_link_app(
    loop: asyncio.AbstractEventLoop, shares: ShareServer, base_url: str = "/"
) -> Iterator[str]:
    """The standalone link server's application for `shares` on a loopback port, in this
    process and on the test's own event loop (so caplog sees its records); yields its URL,
    then stops it and closes `shares`."""

    async def start() -> HTTPServer:  # on the loop that runs the test
        server = HTTPServer(make_link_server_app(shares, base_url=base_url))
        server.add_socket(sock)
        return server

    sock, port = bind_unused_port()
    server = loop.run_until_complete(start())
    try:
        yield f"http://127.0.0.1:{port}{base_url}"
    finally:
        server.stop()
        shares.close()
