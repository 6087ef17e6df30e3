"""On a hub the link service lists a share's keys with its own broad rights for every
owner: listings leave out what the link's owner could not read, as GetObject refuses it."""

from __future__ import annotations

import os
import pwd
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient

from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.links.store import ShareLinkStore
from tests.hub.harness import UnixUsers, users_and_team
from tests.links.conftest import serving_link_app
from tests.unprivileged import shared_tmp  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def users() -> Iterator[UnixUsers]:
    with users_and_team() as made:
        yield made


@pytest.fixture
def mixed(shared_tmp: Path, users: UnixUsers) -> Path:  # noqa: F811
    """shared/ of user a (0755): a's open/a.txt and mine.txt (0644), and b's b-only/
    (0700, with secret.txt) and b-file.txt (0600), which a cannot read."""
    shared = shared_tmp / "shared"
    (shared / "open").mkdir(parents=True)
    (shared / "open" / "a.txt").write_text("a\n")
    (shared / "mine.txt").write_text("mine\n")
    (shared / "b-only").mkdir()
    (shared / "b-only" / "secret.txt").write_text("of b\n")
    (shared / "b-file.txt").write_text("of b\n")
    a, b = pwd.getpwnam(users.a), pwd.getpwnam(users.b)
    for path in (shared, shared / "open", shared / "open" / "a.txt", shared / "mine.txt"):
        os.chown(path, a.pw_uid, a.pw_gid)
    for path in (shared / "b-only", shared / "b-only" / "secret.txt", shared / "b-file.txt"):
        os.chown(path, b.pw_uid, b.pw_gid)
    (shared / "b-only").chmod(0o700)
    (shared / "b-file.txt").chmod(0o600)
    return shared


async def listed(url: str, query: str) -> tuple[list[str], list[str]]:
    """(keys, common prefixes) of a ListObjectsV2 call."""
    response = await AsyncHTTPClient().fetch(f"{url}?list-type=2&{query}", raise_error=False)
    assert response.code == 200, response.body
    text = response.body.decode()
    prefixes = re.findall(r"<CommonPrefixes><Prefix>([^<]*)</Prefix>", text)
    return re.findall(r"<Key>([^<]*)</Key>", text), prefixes


@pytest.fixture
def buckets(mixed: Path, users: UnixUsers, tmp_path: Path, jp_asyncio_loop) -> Iterator[tuple]:
    """The link server as on a hub (owners' permissions checked), with a link of a and
    one of b to shared/: yields the two buckets' URLs."""
    store = ShareLinkStore.from_url(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    shares = ShareServer(store, allowed_roots=[str(mixed.parent)], check_owner_permissions=True)
    of_a = store.create(users.a, "top", str(mixed.parent), "shared").token
    of_b = store.create(users.b, "top", str(mixed.parent), "shared").token
    try:
        with serving_link_app(jp_asyncio_loop, shares, "/links/") as base:
            yield f"{base}fileglancer/s3/{of_a}", f"{base}fileglancer/s3/{of_b}"
    finally:
        store.close()


async def test_listings_leave_out_what_the_owner_cannot_read(buckets) -> None:
    a_url, b_url = buckets
    keys, _ = await listed(a_url, "")
    assert sorted(keys) == ["mine.txt", "open/a.txt"]
    keys, prefixes = await listed(a_url, "delimiter=/")
    assert (keys, prefixes) == (["mine.txt"], ["open/"])
    assert (await listed(a_url, "prefix=b-only/"))[0] == []
    assert (await listed(a_url, "prefix=b-only/&delimiter=/")) == ([], [])
    secret = await AsyncHTTPClient().fetch(f"{a_url}/b-only/secret.txt", raise_error=False)
    assert secret.code == 404
    # The same folder shared by b, who can read all of it, lists all of it.
    keys, _ = await listed(b_url, "")
    assert sorted(keys) == ["b-file.txt", "b-only/secret.txt", "mine.txt", "open/a.txt"]
