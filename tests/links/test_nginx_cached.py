"""Debian's nginx with deploy/nginx/fileglancer-links-cached.conf in front of a real
`serve-links --accel-redirect --nginx-markers`: the link server decides once per share and
second (auth_request), nginx serves the share's files itself meanwhile, while the share's
live marker exists.

Only the ports and the folders (decisions, markers) are replaced in the configuration.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fileglancer_ext.links.accel import decide_share
from fileglancer_ext.links.nginx_markers import NginxMarkers
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
MARKERS_TEST = "-f /var/lib/fileglancer/nginx-markers/"

pytestmark = pytest.mark.skipif(
    not CONFIG.exists() or os.system("command -v nginx >/dev/null") != 0,
    reason="nginx is not installed (scripts/test-all.sh does)",
)


@pytest.fixture
def markers(tmp_path: Path, other_store) -> NginxMarkers:
    """The live-share markers, known to the test's store (which revokes) as to the link
    server's."""
    other_store.nginx_markers = NginxMarkers(tmp_path / "markers")
    return other_store.nginx_markers


def cached_front(tmp_path, share_tree, store_url, other_store, markers, extra=()):
    replace = ((CACHE_PATH, str(tmp_path / "decisions")), (MARKERS_TEST, f"-f {markers.folder}/"))
    extra = ("--nginx-markers", markers.folder, *extra)
    return running_front(tmp_path, share_tree, store_url, other_store, CONFIG, replace, extra)


@pytest.fixture
def front(
    tmp_path: Path, share_tree: dict[str, Path], store_url: str, other_store, markers
) -> Iterator[Front]:
    with cached_front(tmp_path, share_tree, store_url, other_store, markers) as running:
        yield running


def kept_decisions(tmp_path: Path) -> list[Path]:
    return [path for path in (tmp_path / "decisions").rglob("*") if path.is_file()]


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


def test_revocation_ends_reads_at_once_even_while_a_decision_is_kept(
    front: Front, other_store, markers: NginxMarkers, tmp_path: Path
):
    for _ in range(2):
        assert fetch(front.share("hello.txt")).body == b"hello, world\n"
    assert markers.has(front.token) and kept_decisions(tmp_path)  # nginx serves alone
    other_store.revoke(getpass.getuser(), front.link_id)
    assert not markers.has(front.token)
    for subpath in ("hello.txt", "big.bin", "sub/inner.txt", "hello.txt"):
        gone = fetch(front.share(subpath))
        assert gone.status == 404 and b"hello, world" not in gone.body
    assert fetch(front.s3("hello.txt")).status == 404
    assert not markers.has(front.token)  # never made again for a revoked link


def test_an_expiring_link_stops_at_its_expiry(
    front: Front, other_store, markers: NginxMarkers, share_tree: dict[str, Path]
):
    link = other_store.create(
        getpass.getuser(), "lab", str(share_tree["lab"]), "data", expires_in=5
    )
    url = f"{front.nginx_url}fileglancer/s/{link.token}/hello.txt"
    answers: list[tuple[float, int, bool]] = []
    while (started := time.time()) < link.expires + 0.5:
        answers.append((started, fetch(url).status, markers.has(link.token)))
        time.sleep(0.05)
    early = [(status, marked) for when, status, marked in answers if when < link.expires - 2.5]
    assert {status for status, _ in early} == {200}
    assert any(marked for _, marked in early)  # served with kept decisions...
    late = [status for when, status, _ in answers if when >= link.expires]
    assert late and set(late) == {404}  # ...and not one request after the expiry


def test_a_missing_marker_or_folder_costs_speed_not_correctness(
    front: Front, other_store, markers: NginxMarkers
):
    assert fetch(front.share("hello.txt")).status == 200
    marker = Path(markers.folder) / front.token
    marker.unlink()  # by hand: nginx asks the link server, which makes it again
    assert fetch(front.share("hello.txt")).body == b"hello, world\n"
    assert marker.exists()
    shutil.rmtree(markers.folder)  # no folder: every request is decided afresh
    for subpath in ("hello.txt", "sub/inner.txt", "hello.txt"):
        assert fetch(front.share(subpath)).status == 200
    assert fetch(front.share("big.bin"), Range="bytes=0-9").status == 206
    other_store.revoke(getpass.getuser(), front.link_id)
    assert fetch(front.share("hello.txt")).status == 404


def test_a_decision_is_kept_until_the_time_it_names(front: Front, other_store, share_tree):
    decided = fetch(f"{front.link_server.url}fileglancer/decide/{front.token}")
    keep_until = int(decided.header("X-Accel-Expires").removeprefix("@"))
    assert time.time() - 1 < keep_until <= time.time() + 1
    for expires_in in (0.3, 1, 2, 3):
        soon = other_store.create(
            getpass.getuser(), "lab", str(share_tree["lab"]), "data", expires_in=expires_in
        )
        decided = fetch(f"{front.link_server.url}fileglancer/decide/{soon.token}")
        kept = decided.header("X-Accel-Expires") or ""
        assert decided.status == 200
        if expires_in < 1:  # nothing to keep it for
            assert kept == "0"
        else:  # never used (within nginx's whole second after it) past the expiry
            assert kept == "0" or int(kept.removeprefix("@")) + 1 <= soon.expires
    dead = fetch(f"{front.link_server.url}fileglancer/decide/no-such-token")
    assert (dead.status, dead.header("X-Accel-Expires")) == (403, "0")


def test_token_shaped_paths_mark_nothing(front: Front, markers: NginxMarkers, tmp_path: Path):
    for trick in ("..%2F..%2Fescaped", "%2E%2E", "a%2Fescaped", "escaped%00"):
        assert fetch(f"{front.link_server.url}fileglancer/decide/{trick}").status == 404
        assert fetch(front.share("hello.txt").replace(front.token, trick)).status in (400, 404)
    assert not list(tmp_path.rglob("escaped*")) and os.listdir(markers.folder) == []


def test_listed_origins_are_decided_per_origin(
    tmp_path: Path, share_tree: dict[str, Path], store_url: str, other_store, markers
):
    """The decision's CORS answer depends on the Origin, and so is cached per origin."""
    viewer = "https://viewer.example"
    extra = ("--allowed-origins", viewer)
    with cached_front(tmp_path, share_tree, store_url, other_store, markers, extra) as front:
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
        decision = decide_share(shares, folder.token)
        assert decision is not None
        assert decision.root == os.path.realpath(share_tree["data"])
        assert decide_share(shares, single.token) is None
        assert decide_share(shares, "no-such-token") is None
        shares.check_owner_permissions = True  # as `serve-links` on a hub sets it
        assert decide_share(shares, folder.token) is None
    finally:
        shares.close()
