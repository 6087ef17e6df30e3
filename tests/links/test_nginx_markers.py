"""nginx's live-share markers (links/nginx_markers.py): made by the share decision, withdrawn
by every way a link is revoked or its expiry changed (the store, the CLI, the links API),
never made for a dead link, never anywhere but in their folder. The nginx side runs in
test_nginx_cached.py."""

from __future__ import annotations

import getpass
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fileglancer_ext.links.accel import decide_share
from fileglancer_ext.links.nginx_markers import NginxMarkers
from fileglancer_ext.links.serving import ShareServer

from .conftest import api, create_link
from .test_link_server import cli

PREFIX = "/_fileglancer_files"


@pytest.fixture
def markers(tmp_path: Path, other_store) -> NginxMarkers:
    other_store.nginx_markers = NginxMarkers(tmp_path / "markers")
    other_store.nginx_markers.create_folder()
    return other_store.nginx_markers


@pytest.fixture
def shares(other_store, markers) -> Iterator[ShareServer]:
    shares = ShareServer(other_store, accel_redirect=PREFIX)
    yield shares
    shares.close()


def share(other_store, share_tree: dict[str, Path], **options):
    return other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data", **options)


def test_a_decision_marks_the_share_and_a_revocation_withdraws_it_for_good(
    other_store, share_tree, markers: NginxMarkers, shares: ShareServer
):
    link = share(other_store, share_tree)
    assert decide_share(shares, link.token) is not None and markers.has(link.token)
    other_store.update(getpass.getuser(), link.id, expires_in=3600)  # maybe sooner
    assert not markers.has(link.token)
    assert decide_share(shares, link.token) is not None and markers.has(link.token)
    other_store.revoke(getpass.getuser(), link.id)
    assert not markers.has(link.token)
    assert decide_share(shares, link.token) is None and not markers.has(link.token)
    # A link about to expire is decided, but not kept: no marker.
    soon = share(other_store, share_tree, expires_in=2)
    decision = decide_share(shares, soon.token)
    assert decision is not None and not markers.has(soon.token)


def test_no_marker_is_made_while_a_revocation_commits(
    other_store, share_tree, markers: NginxMarkers
):
    link = share(other_store, share_tree)
    active = True
    made: list[bool] = []
    with markers.withdrawn(link.token):
        maker = threading.Thread(
            target=lambda: made.append(markers.mark(link.token, lambda: active))
        )
        maker.start()
        maker.join(0.3)
        assert maker.is_alive()  # waits for the revocation's commit...
        active = False  # ...which it then sees
    maker.join(5)
    assert made == [False] and not markers.has(link.token)
    assert markers.mark(link.token, lambda: True) and markers.has(link.token)


def test_token_shaped_tricks_reach_nothing_outside_the_folder(
    tmp_path: Path, markers: NginxMarkers
):
    # Others may look a name up (nginx), neither list the tokens nor write.
    assert os.stat(markers.folder).st_mode & 0o777 == 0o711
    outside = tmp_path / "outside"
    outside.write_text("keep")
    before = sorted(tmp_path.iterdir())
    for token in ("../outside", "..", ".", "", "a/b", "/etc/x", "x\x00", "x" * 65, "é"):
        assert not markers.mark(token, lambda: True)
        assert not markers.has(token)
        markers.remove(token)
        with markers.withdrawn(token):
            pass
    assert sorted(tmp_path.iterdir()) == before and os.listdir(markers.folder) == []
    assert outside.read_text() == "keep"
    # A symlink in the folder (which nobody but the link service may write) is not followed.
    (Path(markers.folder) / "tok").symlink_to(outside)
    markers.remove("tok")
    assert outside.read_text() == "keep" and os.listdir(markers.folder) == []


def test_a_missing_folder_marks_nothing_and_revokes_alike(
    tmp_path: Path, other_store, share_tree, shares: ShareServer, markers: NginxMarkers
):
    os.rmdir(markers.folder)
    link = share(other_store, share_tree)
    assert decide_share(shares, link.token) is not None  # served, decided per request
    assert not markers.has(link.token) and not os.path.exists(markers.folder)
    other_store.revoke(getpass.getuser(), link.id)
    assert decide_share(shares, link.token) is None


def test_the_cli_revocation_withdraws_the_marker(
    store_url: str, other_store, share_tree, markers: NginxMarkers
):
    link = share(other_store, share_tree)
    assert markers.mark(link.token, lambda: True)
    done = cli(
        "links", "revoke", link.id, "--database-url", store_url,
        "--owner", getpass.getuser(), "--nginx-markers", markers.folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not markers.has(link.token)


class TestConfiguredMarkers:
    @pytest.fixture
    def fileglancer_config(self, fileglancer_config: dict, tmp_path: Path) -> dict:
        return {**fileglancer_config, "nginx_markers": str(tmp_path / "markers")}

    async def test_revoking_through_the_api_withdraws_the_marker(
        self, jp_fetch, markers: NginxMarkers
    ):
        link = await create_link(jp_fetch)
        assert markers.mark(link["token"], lambda: True)
        await api(jp_fetch, "PATCH", "links", link["id"], body={"expires_in": 60})
        assert not markers.has(link["token"])
        assert markers.mark(link["token"], lambda: True)
        await api(jp_fetch, "DELETE", "links", link["id"])
        assert not markers.has(link["token"])
