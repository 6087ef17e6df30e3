"""Debian's nginx with deploy/nginx/fileglancer-links-cached.conf in front of a real
`serve-links --accel-redirect`: the link server decides once per share and cache period
(auth_request), nginx serves the share's files itself meanwhile.

Only the ports and the decision cache's folder are replaced in the configuration.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fileglancer_ext.links.accel import share_root
from fileglancer_ext.links.serving import ShareServer

from .conftest import BIG_SIZE

# The strict configuration's tests (test_*) whose answers this one must give alike, run
# here against this module's `front` (nginx serving decided shares alone).
from .test_nginx_accel import (  # noqa: F401 - the tests are collected here
    PREFIX,
    SANDBOX,
    Front,
    fetch,
    running_front,
    site_config,
    test_html_is_served_as_opaque_bytes_in_a_sandbox,
    test_preflight_folders_and_errors_stay_with_the_link_server,
    test_ranges_and_revalidation_come_from_nginx,
    test_s3_get_object_through_nginx,
    test_symlinks_leading_out_are_refused_and_those_inside_served,
    test_zarr_python_reads_an_ome_zarr_through_nginx,
)
from .test_share_clients import datasets  # noqa: F401 - a fixture

CONFIG = Path(__file__).parents[2] / "deploy" / "nginx" / "fileglancer-links-cached.conf"
CACHE_PATH = "/var/cache/nginx/fileglancer-decisions"
# proxy_cache_valid 200 1s, and nginx's clock ticks in whole seconds.
REVOCATION_WINDOW = 2.0

pytestmark = pytest.mark.skipif(
    not CONFIG.exists() or os.system("command -v nginx >/dev/null") != 0,
    reason="nginx is not installed (scripts/test-all.sh does)",
)


@pytest.fixture
def front(
    tmp_path: Path, share_tree: dict[str, Path], store_url: str, other_store
) -> Iterator[Front]:
    replace = ((CACHE_PATH, str(tmp_path / "decisions")),)
    with running_front(tmp_path, share_tree, store_url, other_store, CONFIG, replace) as running:
        yield running


def raw_get(port: int, target: str) -> bytes:
    """The answer to a request line sent as it is (urllib would normalise `..`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_nginx_serves_files_of_a_decided_share(front: Front):
    # The decision itself: the canonical root, to nginx only.
    decision = fetch(f"{front.link_server.url}fileglancer/decide/{front.token}")
    assert (decision.status, decision.header("X-Fileglancer-Root")) == (200, str(front.data))
    assert fetch(f"{front.nginx_url}fileglancer/decide/{front.token}").status == 404
    answer = fetch(front.share("hello.txt"), Origin="https://viewer.example")
    assert (answer.status, answer.body) == (200, b"hello, world\n")
    assert answer.header("Content-Type") == "text/plain"
    assert answer.header("Cache-Control") == "private, no-cache"
    assert answer.header("Access-Control-Allow-Origin") == "*"
    assert "ETag" in answer.header("Access-Control-Expose-Headers")
    assert answer.header("Content-Security-Policy") == SANDBOX
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert answer.header("X-Fileglancer-Root") is None
    for name, kind in ((".zattrs", "application/json"), ("zarr.json", "application/json")):
        assert fetch(front.share(name)).header("Content-Type") == kind
    assert fetch(front.share("0.0.0")).header("Content-Type") == "application/octet-stream"
    assert fetch(front.share("sub/inner.txt")).body == b"inner"
    head = fetch(front.share("big.bin"), method="HEAD")
    assert (head.status, head.header("Content-Length"), head.body) == (200, str(BIG_SIZE), b"")
    (front.data / "100% sure?#.txt").write_bytes(b"odd")
    assert fetch(front.share("100%25%20sure%3F%23.txt")).body == b"odd"


def test_what_nginx_does_not_serve_alone_the_link_server_decides(
    front: Front, share_tree: dict[str, Path], other_store
):
    # A symlink out of the share placed after the share was decided: refused.
    assert fetch(front.share("hello.txt")).status == 200
    (front.data / "placed-now").symlink_to(share_tree["secret"] / "secret.txt")
    refused = fetch(front.share("placed-now"))
    assert refused.status == 404 and refused.body.startswith(b'{"error": "not_found"')
    assert fetch(front.share("sub/")).status == 404
    # A missing file (an absent chunk): nginx's own 404, with the share's headers.
    for name in ("missing.txt", "sub/c/0/1", "hello.txt/0"):
        missing = fetch(front.share(name), Origin="https://viewer.example")
        assert missing.status == 404 and missing.header("Content-Type") == "application/json"
        assert missing.body.startswith(b'{"error": "not_found"')
        assert missing.header("Access-Control-Allow-Origin") == "*"
        assert missing.header("Content-Security-Policy") == SANDBOX
    # A shared single file is decided per request.
    single = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data/0.0.0")
    url = f"{front.nginx_url}fileglancer/s/{single.token}/0.0.0"
    assert fetch(url).body == b"\x00\x01\x02"
    assert fetch(f"{front.nginx_url}fileglancer/s/{single.token}/hello.txt").status == 404


def test_traversal_stays_in_the_share(front: Front):
    port = int(front.nginx_url.split(":")[2].split("/")[0])
    base = f"/links/fileglancer/s/{front.token}/"
    assert b"hello, world" in raw_get(port, base + "hello.txt")
    for rest in (
        "../../../../../../etc/passwd",
        "sub/../../private/private.txt",
        "%2e%2e/private/private.txt",
        "sub/%2E%2E/%2e%2e/private/private.txt",
        "..%2fprivate%2fprivate.txt",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "hello.txt%00.png",
    ):
        answer = raw_get(port, base + rest)
        status = answer.split(b" ", 2)[1]
        assert status in (b"400", b"404"), (rest, answer[:200])
        assert answer.partition(b"\r\n\r\n")[2] != b"private"  # the file's content
        assert b"root:" not in answer


def test_another_route_answering_under_a_made_up_base_decides_nothing(front: Front):
    """A base chosen so that the decision's URL names a file of a share (here through its
    S3 route): that answer carries no root, serves nothing, and is no decision for the
    link's real base."""
    (front.data / "fileglancer" / "decide").mkdir(parents=True)
    (front.data / "fileglancer" / "decide" / front.token).write_text("not a decision")
    made_up = f"{front.nginx_url}fileglancer/s3/{front.token}/fileglancer/s/{front.token}/"
    answer = fetch(made_up + "hello.txt")
    assert answer.status == 404 and b"hello, world" not in answer.body
    assert fetch(front.share("hello.txt")).body == b"hello, world\n"


def test_revocation_ends_reads_within_the_cache_time(front: Front, other_store):
    assert fetch(front.share("hello.txt")).status == 200  # decided, and cached
    other_store.revoke(getpass.getuser(), front.link_id)
    # The trade-off: within the cache time nginx still serves the decided share alone.
    assert fetch(front.share("hello.txt")).status == 200
    time.sleep(REVOCATION_WINDOW + 0.1)
    for subpath in ("hello.txt", "big.bin", "sub/inner.txt"):
        gone = fetch(front.share(subpath))
        assert gone.status == 404 and b"hello, world" not in gone.body


def test_listed_origins_are_decided_per_origin(
    tmp_path: Path, share_tree: dict[str, Path], store_url: str, other_store
):
    """The decision's CORS answer depends on the Origin, and so is cached per origin."""
    viewer = "https://viewer.example"
    replace = ((CACHE_PATH, str(tmp_path / "decisions")),)
    extra = ("--allowed-origins", viewer)
    with running_front(
        tmp_path, share_tree, store_url, other_store, CONFIG, replace, extra
    ) as front:
        for origin, allowed in (
            (viewer, viewer),
            ("https://other.example", None),
            (viewer, viewer),
        ):
            answer = fetch(front.share("hello.txt"), Origin=origin)
            assert answer.body == b"hello, world\n"
            assert answer.header("Access-Control-Allow-Origin") == allowed
            assert answer.header("Vary") == "Origin"


def test_a_share_is_decided_whole_only_where_no_check_is_per_file(
    share_tree: dict[str, Path], other_store
):
    """A link server checking its owners' access to each file (a hub service) leaves every
    request to the per-request decision; so do shared single files and dead links."""
    folder = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    single = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data/0.0.0")
    shares = ShareServer(other_store, accel_redirect=PREFIX)
    try:
        assert share_root(shares, folder.token) == os.path.realpath(share_tree["data"])
        assert share_root(shares, single.token) is None
        assert share_root(shares, "no-such-token") is None
        shares.check_owner_permissions = True  # as `serve-links` on a hub sets it
        assert share_root(shares, folder.token) is None
    finally:
        shares.close()
