"""Debian's nginx with the repository's configuration (deploy/nginx/fileglancer-links.conf) in
front of a real `serve-links --accel-redirect`: nginx sends the bytes, the link server decides.

Only the ports in the configuration are replaced. nginx runs as its own master process on a
free loopback port; as root, its workers run as root too (`user root;`), as a deployment runs
them as the link service's user (see the configuration's comments).
"""

from __future__ import annotations

import contextlib
import getpass
import http.server
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import zarr

from .conftest import BIG_SIZE
from .test_link_server import LinkServer, cli, free_port
from .test_share_clients import datasets  # noqa: F401 - a fixture

CONFIG = Path(__file__).parents[2] / "deploy" / "nginx" / "fileglancer-links.conf"
PREFIX = "/_fileglancer_files"
SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'none'"

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (scripts/test-all.sh does)"
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def fetch(url: str, method: str = "GET", **headers: str) -> Answer:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, head, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        status, head, body = err.code, err.headers, err.read()
    return Answer(status, {name.lower(): value for name, value in head.items()}, body)


def site_config(
    upstream_port: int, port: int, config: Path = CONFIG, replace: tuple[tuple[str, str], ...] = ()
) -> str:
    """The repository's configuration, on the test's ports (and nothing else changed but
    `replace`)."""
    text = config.read_text()
    for old, new in (
        ("server 127.0.0.1:8765;", f"server 127.0.0.1:{upstream_port};"),
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
        *replace,
    ):
        assert text.count(old) == 1, f"the configuration no longer has '{old}'"
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx in the foreground with `site` in its http block, in its own scratch folder."""

    def __init__(self, scratch: Path, site: str, port: int) -> None:
        self.scratch, self.port = scratch, port
        scratch.mkdir(parents=True, exist_ok=True)
        (scratch / "site.conf").write_text(site)
        user = "user root;" if os.geteuid() == 0 else ""  # otherwise: this user's workers
        temp = " ".join(
            f"{kind}_temp_path {scratch};" for kind in ("client_body", "proxy", "fastcgi")
        )
        (scratch / "nginx.conf").write_text(
            f"daemon off; worker_processes 1; pid {scratch}/nginx.pid; {user}\n"
            f"error_log {scratch}/error.log;\nevents {{ worker_connections 64; }}\n"
            f"http {{ access_log off; {temp} uwsgi_temp_path {scratch}; "
            f"scgi_temp_path {scratch};\ninclude {scratch}/site.conf;\n}}\n"
        )
        command = ["nginx", "-p", str(scratch), "-e", str(scratch / "error.log")]
        self.process = subprocess.Popen([*command, "-c", str(scratch / "nginx.conf")])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (scratch / "error.log").read_text()
            try:
                fetch(f"http://127.0.0.1:{port}/")
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            self.process.wait(timeout=10)


@dataclass
class Front:
    link_server: LinkServer
    nginx_url: str  # the link server's base URL, through nginx
    token: str
    link_id: str
    data: Path  # the shared folder's canonical path

    def share(self, subpath: str = "", direct: bool = False) -> str:
        base = self.link_server.url if direct else self.nginx_url
        return f"{base}fileglancer/s/{self.token}/{subpath}"

    def s3(self, key: str) -> str:
        return f"{self.nginx_url}fileglancer/s3/{self.token}/{key}"


@contextlib.contextmanager
def running_front(
    tmp_path: Path,
    share_tree: dict[str, Path],
    store_url: str,
    other_store,
    config: Path = CONFIG,
    replace: tuple[tuple[str, str], ...] = (),
    extra: tuple[str, ...] = (),
) -> Iterator[Front]:
    """A link to 'data', a link server (`extra` arguments) and nginx with `config` in front."""
    link = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    server = LinkServer(store_url, "--accel-redirect", PREFIX, *extra).start()
    port = free_port()
    nginx = Nginx(tmp_path / "nginx", site_config(server.port, port, config, replace), port)
    data = Path(os.path.realpath(share_tree["data"]))
    try:
        yield Front(server, f"http://127.0.0.1:{port}/links/", link.token, link.id, data)
    finally:
        nginx.stop()
        server.stop()


@pytest.fixture
def front(
    tmp_path: Path, share_tree: dict[str, Path], store_url: str, other_store
) -> Iterator[Front]:
    with running_front(tmp_path, share_tree, store_url, other_store) as running:
        yield running


def test_the_link_server_decides_and_nginx_sends_the_file(front: Front):
    direct = fetch(front.share("hello.txt", direct=True))
    assert (direct.status, direct.body) == (200, b"")
    assert direct.header("X-Accel-Redirect") == f"{PREFIX}{front.data}/hello.txt"
    answer = fetch(front.share("hello.txt"), Origin="https://viewer.example")
    assert (answer.status, answer.body) == (200, b"hello, world\n")
    assert answer.header("Server") == "nginx"
    assert answer.header("X-Accel-Redirect") is None
    assert answer.header("Content-Type") == "text/plain"
    assert answer.header("ETag") and answer.header("Last-Modified")
    assert answer.header("Cache-Control") == "private, no-cache"
    assert answer.header("Access-Control-Allow-Origin") == "*"
    assert "ETag" in answer.header("Access-Control-Expose-Headers")
    assert answer.header("Content-Security-Policy") == SANDBOX
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert fetch(front.share(".zattrs")).header("Content-Type") == "application/json"
    head = fetch(front.share("big.bin"), method="HEAD")
    assert (head.status, head.header("Content-Length"), head.body) == (200, str(BIG_SIZE), b"")
    # Odd names survive the redirect's percent-encoding.
    (front.data / "100% sure?#.txt").write_bytes(b"odd")
    assert fetch(front.share("100%25%20sure%3F%23.txt")).body == b"odd"
    # The internal location cannot be asked for from outside.
    outside = front.nginx_url.removesuffix("/links/") + f"{PREFIX}{front.data}/hello.txt"
    assert fetch(outside).status == 404


def test_html_is_served_as_opaque_bytes_in_a_sandbox(front: Front):
    (front.data / "page.html").write_text("<script>alert(1)</script>")
    (front.data / "image.svg").write_text("<svg onload='alert(1)'/>")
    for name in ("page.html", "image.svg"):
        answer = fetch(front.share(name))
        assert answer.status == 200
        assert answer.header("Content-Type") == "application/octet-stream"
        assert answer.header("Content-Security-Policy") == SANDBOX
        assert answer.header("X-Content-Type-Options") == "nosniff"


def test_ranges_and_revalidation_come_from_nginx(front: Front):
    whole = (front.data / "big.bin").read_bytes()
    part = fetch(front.share("big.bin"), Range="bytes=1048000-1049999")
    assert (part.status, part.body) == (206, whole[1048000:1050000])
    assert part.header("Content-Range") == f"bytes 1048000-1049999/{BIG_SIZE}"
    assert part.header("Access-Control-Allow-Origin") == "*"
    assert part.header("Content-Security-Policy") == SANDBOX
    assert fetch(front.share("big.bin"), Range="bytes=-7").body == whole[-7:]
    # An unsatisfiable range: the link server's own 416, with why.
    beyond = fetch(front.share("big.bin"), Range="bytes=99999999-")
    assert beyond.status == 416 and b"range_not_satisfiable" in beyond.body
    assert beyond.header("Content-Range") == f"bytes */{BIG_SIZE}"
    etag = fetch(front.share("big.bin")).header("ETag")
    again = fetch(front.share("big.bin"), **{"If-None-Match": etag})
    assert (again.status, again.body, again.header("ETag")) == (304, b"", etag)
    assert again.header("Access-Control-Allow-Origin") == "*"
    since = fetch(front.share("big.bin")).header("Last-Modified")
    assert fetch(front.share("big.bin"), **{"If-Modified-Since": since}).status == 304
    (front.data / "big.bin").write_bytes(b"rewritten")
    os.utime(front.data / "big.bin", (time.time() + 5, time.time() + 5))
    changed = fetch(front.share("big.bin"), **{"If-None-Match": etag})
    assert (changed.status, changed.body) == (200, b"rewritten")


def test_preflight_folders_and_errors_stay_with_the_link_server(front: Front):
    preflight = fetch(
        front.share("big.bin"),
        method="OPTIONS",
        Origin="https://viewer.example",
        **{"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"},
    )
    assert preflight.status == 204
    assert preflight.header("Access-Control-Allow-Methods") == "GET, HEAD, OPTIONS"
    assert preflight.header("Access-Control-Allow-Headers") == "range"
    missing = fetch(front.share("missing.txt"))
    assert missing.status == 404 and missing.header("Content-Type") == "application/json"
    assert fetch(front.share("sub")).status == 404  # folders are not listed here
    assert fetch(front.share("hello.txt"), method="PUT").status == 405


def test_s3_get_object_through_nginx(front: Front):
    answer = fetch(front.s3("sub/inner.txt"), Range="bytes=1-3")
    assert (answer.status, answer.body) == (206, b"nne")
    assert answer.header("x-amz-request-id")
    assert answer.header("Content-Security-Policy") == SANDBOX
    invalid = fetch(front.s3("hello.txt"), Range="bytes=500-")
    assert invalid.status == 416 and b"<Code>InvalidRange</Code>" in invalid.body
    listing = fetch(f"{front.nginx_url}fileglancer/s3/{front.token}?list-type=2")
    assert listing.status == 200 and b"<Key>hello.txt</Key>" in listing.body


def test_revocation_ends_reads_at_once(front: Front, other_store):
    assert fetch(front.share("hello.txt")).status == 200
    other_store.revoke(getpass.getuser(), front.link_id)
    for url in (front.share("hello.txt"), front.s3("hello.txt")):
        gone = fetch(url)
        assert gone.status == 404 and b"hello, world" not in gone.body


def test_symlinks_leading_out_are_refused_and_those_inside_served(
    front: Front, share_tree: dict[str, Path]
):
    assert fetch(front.share("to-secret/secret.txt")).status == 404
    assert fetch(front.share("to-private/private.txt")).status == 404
    (front.data / "placed-now").symlink_to(share_tree["secret"] / "secret.txt")
    refused = fetch(front.share("placed-now"))
    assert refused.status == 404 and b"secret" not in refused.body
    # A symlink that stays inside: nginx is sent the real path, which has none.
    inside = fetch(front.share("to-hello"))
    assert (inside.status, inside.body) == (200, b"hello, world\n")


def test_nginx_refuses_a_path_that_became_a_symlink_after_the_check(
    tmp_path: Path, share_tree: dict[str, Path]
):
    """What a swap between the link server's check and nginx's open would give nginx: a path
    through a symlink. An upstream that redirects there stands in for the lost race."""
    data = Path(os.path.realpath(share_tree["data"]))
    (data / "swapped").symlink_to(share_tree["secret"])
    paths = {"/real": f"{data}/hello.txt", "/swapped": f"{data}/swapped/secret.txt"}

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("X-Accel-Redirect", PREFIX + paths.get(self.path, "/nothing"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    nginx = Nginx(tmp_path / "nginx", site_config(upstream.server_address[1], port), port)
    try:
        assert fetch(f"http://127.0.0.1:{port}/real").body == b"hello, world\n"
        refused = fetch(f"http://127.0.0.1:{port}/swapped")
        assert refused.status == 404 and b"secret" not in refused.body
        assert refused.header("Content-Type") == "application/json"
    finally:
        nginx.stop()
        upstream.shutdown()
        upstream.server_close()


def test_zarr_python_reads_an_ome_zarr_through_nginx(front: Front, datasets):  # noqa: F811
    group = zarr.open_group(front.share("cells.ome.zarr"), mode="r")
    attributes = group.attrs.asdict()  # the OME metadata, read through nginx
    multiscale = attributes.get("ome", attributes)["multiscales"][0]
    full_resolution = group[multiscale["datasets"][0]["path"]]
    np.testing.assert_array_equal(full_resolution[:], datasets["image"])
    array = zarr.open_array(front.share("v3.zarr"), mode="r")
    np.testing.assert_array_equal(array[3:11, 5:30, 2], datasets["volume"][3:11, 5:30, 2])


def test_an_accel_prefix_that_names_no_location_is_a_usage_error(store_url: str):
    done = cli("serve-links", "--database-url", store_url, "--accel-redirect", "/")
    assert done.returncode == 2
    assert "must name a location" in done.stderr and "Traceback" not in done.stderr
