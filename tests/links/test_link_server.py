"""The standalone link server and the `links` command, run for real as subprocesses."""

from __future__ import annotations

import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from fileglancer_ext.links.store import ShareLinkStore

from .conftest import share_path

CLI = [sys.executable, "-m", "fileglancer_ext.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class LinkServer:
    """`fileglancer-ext serve-links` on a free loopback port."""

    def __init__(
        self, store_url: str, *extra: str, base_url: str = "/links/", env: dict | None = None
    ) -> None:
        self.store_url, self.extra, self.base_url = store_url, extra, base_url
        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def start(self) -> LinkServer:
        command = [*CLI, "serve-links", "--database-url", self.store_url, "--port", str(self.port)]
        if self.env is None:
            command += ["--base-url", self.base_url]
        env = {**os.environ, **(self.env or {})}
        self.process = subprocess.Popen([*command, *self.extra], env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the link server exited"
            try:
                if get(self.url)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the link server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            assert self.process.wait(timeout=15) == 0
        self.process = None

    def share(self, token: str, subpath: str = "") -> str:
        return f"{self.url}fileglancer/s/{token}/{subpath}"


@pytest.fixture
def link_server(store_url: str) -> Iterator[LinkServer]:
    ShareLinkStore.from_url(store_url).close()  # created, as the extension would
    server = LinkServer(store_url).start()
    yield server
    server.stop()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "hello.txt", {}),
    ("HEAD", "big.bin", {}),
    ("GET", "big.bin", {}),
    ("GET", "big.bin", {"Range": "bytes=1048000-1049999"}),
    ("GET", "big.bin", {"Range": "bytes=-7"}),
    ("GET", "big.bin", {"Range": "bytes=99999999-"}),
    ("GET", ".zattrs", {"Origin": "https://viewer.example"}),
    ("GET", "zarr.json", {}),
    ("GET", "0.0.0", {}),
    ("GET", "sub/inner.txt", {}),
    ("GET", "missing.txt", {}),
    ("GET", "../private/private.txt", {}),
    ("GET", "to-secret/secret.txt", {}),
    ("GET", "sub", {}),
    ("OPTIONS", "big.bin", {"Origin": "https://x", "Access-Control-Request-Method": "GET"}),
    ("PUT", "hello.txt", {}),
    ("DELETE", "hello.txt", {}),
]
COMPARED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Range",
    "ETag",
    "Last-Modified",
    "Accept-Ranges",
    "Cache-Control",
    "Allow",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Methods",
)


def summary(response: HTTPResponse) -> tuple:
    headers = {name: response.headers.get(name) for name in COMPARED_HEADERS}
    return response.code, response.body, headers


async def test_the_link_server_answers_exactly_like_the_route_in_jupyter(
    http_server_client, jp_base_url, link_server, other_store, share_tree
):
    token = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data").token
    client = AsyncHTTPClient()
    for method, subpath, headers in REQUESTS:
        options = {
            "method": method,
            "headers": headers,
            "raise_error": False,
            "allow_nonstandard_methods": True,
            "body": b"x" if method == "PUT" else None,
        }
        in_jupyter = await http_server_client.fetch(
            share_path(jp_base_url, token, subpath), **options
        )
        standalone = await client.fetch(link_server.share(token, subpath), **options)
        assert summary(standalone) == summary(in_jupyter), (method, subpath, headers)


def test_links_survive_a_restart_and_die_when_revoked_from_the_cli(
    store_url: str, share_tree: dict[str, Path]
):
    created = cli(
        "links",
        "create",
        str(share_tree["data"]),
        "--database-url",
        store_url,
        "--root",
        f"lab={share_tree['lab']}",
        "--label",
        "cli",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    link = json.loads(created.stdout)
    assert (link["root"], link["path"], link["label"]) == ("lab", "data", "cli")
    server = LinkServer(store_url).start()
    try:
        assert get(server.share(link["token"], "hello.txt")) == (200, b"hello, world\n")
        server.stop()
        server.start()
        assert get(server.share(link["token"], "hello.txt")) == (200, b"hello, world\n")
        revoked = cli("links", "revoke", link["id"], "--database-url", store_url)
        assert revoked.returncode == 0, revoked.stderr
        assert get(server.share(link["token"], "hello.txt"))[0] == 404
    finally:
        server.stop()


def test_links_list_shows_the_owners_links(store_url: str, share_tree: dict[str, Path]):
    for label in ("one", "two"):
        assert (
            cli(
                "links",
                "create",
                str(share_tree["data"] / "sub"),
                "--database-url",
                store_url,
                "--label",
                label,
            ).returncode
            == 0
        )
    cli("links", "create", str(share_tree["data"]), "--database-url", store_url, "--owner", "ben")
    listed = cli(
        "links",
        "list",
        "--database-url",
        store_url,
        "--json",
        "--public-base-url",
        "https://hub.example/services/links",
    )
    rows = json.loads(listed.stdout)
    assert [row["label"] for row in rows] == ["two", "one"]
    assert all(row["owner"] == getpass.getuser() for row in rows)
    assert rows[0]["root"] == "data" and rows[0]["path"] == "sub"  # default root: the parent
    assert rows[0]["url"].startswith("https://hub.example/services/links/fileglancer/s/")
    text = cli("links", "list", "--database-url", store_url).stdout
    assert text.count("\tactive\t") == 2


@pytest.mark.parametrize(
    "args",
    [
        ("links", "create", "/no/such/path"),
        ("links", "create", "/tmp", "--root", "x=/usr"),
        ("links", "create", "/tmp", "--expires-in", "-1"),
        ("links", "revoke", "0123456789abcdef"),
    ],
)
def test_the_links_command_reports_bad_requests(store_url: str, args):
    result = cli(*args, "--database-url", store_url)
    assert result.returncode == 2
    assert result.stderr.startswith("fileglancer-ext links: ")


def test_the_sqlite_store_made_by_the_cli_is_private(tmp_path: Path, share_tree):
    store_file = tmp_path / "fresh" / "links.sqlite3"
    cli("links", "create", str(share_tree["data"]), "--database-url", f"sqlite:///{store_file}")
    assert oct(store_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.skipif(
    not os.environ.get("FILEGLANCER_TEST_POSTGRES_URL"),
    reason="FILEGLANCER_TEST_POSTGRES_URL is not set",
)
def test_the_link_server_serves_from_postgresql(share_tree: dict[str, Path]):
    url = os.environ["FILEGLANCER_TEST_POSTGRES_URL"]
    store = ShareLinkStore.from_url(url)
    try:
        link = store.create("ana", "lab", str(share_tree["lab"]), "data")
        server = LinkServer(url).start()
        try:
            assert get(server.share(link.token, "hello.txt")) == (200, b"hello, world\n")
            store.revoke("ana", link.id)
            assert get(server.share(link.token, "hello.txt"))[0] == 404
        finally:
            server.stop()
    finally:
        store.close()


def test_as_a_hub_service_the_link_server_takes_its_prefix_from_the_hub(
    store_url: str, share_tree: dict[str, Path]
):
    store = ShareLinkStore.from_url(store_url)
    token = store.create("ana", "lab", str(share_tree["lab"]), "data").token
    store.close()
    prefix = "/services/fileglancer-links/"
    server = LinkServer(store_url, base_url=prefix, env={"JUPYTERHUB_SERVICE_PREFIX": prefix})
    server.start()
    try:
        assert get(server.share(token, "hello.txt")) == (200, b"hello, world\n")
    finally:
        server.stop()


def test_with_roots_the_link_server_serves_only_links_into_them(
    store_url: str, share_tree: dict[str, Path]
):
    # Anyone who can write to the store (every user's server on a hub) could record a link
    # to any folder; --roots keeps the link server to the configured ones.
    store = ShareLinkStore.from_url(store_url)
    inside = store.create("ana", "lab", str(share_tree["lab"]), "data").token
    outside = store.create("eve", "etc", str(share_tree["secret"]), "").token
    store.close()
    server = LinkServer(store_url, "--roots", str(share_tree["lab"])).start()
    try:
        assert get(server.share(inside, "hello.txt")) == (200, b"hello, world\n")
        assert get(server.share(outside, "secret.txt"))[0] == 404
    finally:
        server.stop()


def test_a_big_file_streams_through_in_little_memory(store_url: str, share_tree: dict[str, Path]):
    size = 512 << 20  # sparse: no disk space, reads as zeros
    with open(share_tree["data"] / "big-sparse.bin", "wb") as file:
        file.truncate(size)
    store = ShareLinkStore.from_url(store_url)
    token = store.create("ana", "lab", str(share_tree["lab"]), "data").token
    store.close()
    server = LinkServer(store_url).start()
    try:
        received = 0
        with urllib.request.urlopen(server.share(token, "big-sparse.bin"), timeout=60) as answer:
            assert int(answer.headers["Content-Length"]) == size
            while block := answer.read(1 << 20):
                received += len(block)
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        peak_kib = int(
            next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        )
    finally:
        server.stop()
    assert received == size
    assert peak_kib < 200 * 1024, f"the link server peaked at {peak_kib // 1024} MiB"
