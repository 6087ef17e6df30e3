"""Shares read what was shared, and only that: through a real Jupyter server, real files,
symlinks and FIFOs, and a real link store.

- A link records what it shares (device and inode); a shared folder renamed and replaced
  by a symlink or by another folder is a dead link (issue 13, point 2).
- A FIFO in a share is refused without blocking the server (point 4).
- A user's server answers only its own user's links (point 1).
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from fileglancer_ext.errors import FileglancerError
from fileglancer_ext.links import confinement
from fileglancer_ext.links.creation import ShareLinkService
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.links.store import links as links_table
from fileglancer_ext.roots import RootRegistry, load_roots
from tests.unprivileged import run_without_privileges

from .conftest import create_link, public_fetch

GONE = "This share link does not exist, was revoked, or has expired."
# Long enough for a loaded CI machine, far shorter than "never" (a FIFO with no writer).
ANSWER_TIMEOUT = 10.0


@pytest.fixture(params=["openat2", "walk"])
def resolver(request, monkeypatch) -> str:
    """Both ways of opening inside a share: Linux's openat2, and the component walk used
    where it is missing (and for absolute symlinks that stay inside a share)."""
    if request.param == "walk":
        monkeypatch.setattr(confinement, "_syscall", None)
    elif confinement._syscall is None:
        pytest.skip("no openat2 here")
    return request.param


def s3_path(jp_base_url: str, token: str, key: str = "") -> str:
    return f"{jp_base_url}fileglancer/s3/{token}/{key}"


async def s3_fetch(http_server_client, jp_base_url: str, token: str, key: str = "", **kwargs):
    kwargs.setdefault("raise_error", False)
    kwargs.setdefault("request_timeout", ANSWER_TIMEOUT)
    return await http_server_client.fetch(s3_path(jp_base_url, token, key), **kwargs)


def swap_for_symlink(shared: Path, target: Path) -> None:
    """What the owner of a shared folder can do: rename it, put a symlink in its place."""
    shared.rename(shared.with_name(shared.name + ".moved"))
    shared.symlink_to(target, target_is_directory=True)


# --- point 2: a link shares what it named when it was made ---------------------------------


async def test_a_shared_folder_swapped_for_a_symlink_is_a_dead_link(
    resolver, fetch, http_server_client, jp_base_url, token, share_tree
):
    assert (await fetch("hello.txt")).code == 200
    swap_for_symlink(share_tree["data"], share_tree["private"])
    response = await fetch("private.txt")
    assert response.code == 404
    assert json.loads(response.body)["message"] == GONE
    listing = await s3_fetch(http_server_client, jp_base_url, token)
    assert listing.code == 404 and b"NoSuchBucket" in listing.body
    got = await s3_fetch(http_server_client, jp_base_url, token, "private.txt")
    assert got.code == 404 and b"<Code>NoSuch" in got.body


async def test_a_link_made_through_the_api_is_held_to_what_was_checked(
    resolver, jp_fetch, http_server_client, jp_base_url, share_tree
):
    # With the original folder moved away for good: the path now leads through a symlink,
    # which the share never follows.
    link = await create_link(jp_fetch)
    swap_for_symlink(share_tree["data"], share_tree["private"])
    (share_tree["lab"] / "data.moved").rename(share_tree["lab"] / "elsewhere")
    response = await public_fetch(http_server_client, jp_base_url, link["token"], "private.txt")
    assert response.code == 404


async def test_a_shared_folder_replaced_by_another_folder_is_a_dead_link(
    fetch, jp_fetch, share_tree
):
    assert (await fetch("hello.txt")).code == 200
    data = share_tree["data"]
    data.rename(data.with_name("data.moved"))
    shutil.copytree(share_tree["private"], data)  # a real folder now, with other content
    response = await fetch("private.txt")
    assert (response.code, json.loads(response.body)["message"]) == (404, GONE)
    links = (await jp_fetch("fileglancer", "api", "links")).body
    assert json.loads(links)["links"][0]["target_exists"] is False


async def test_a_shared_folder_deleted_and_made_again_is_a_dead_link(
    other_store, http_server_client, jp_base_url, share_tree
):
    # Whoever can write the parent makes a folder where the shared one was: ext4 gives it
    # the freed inode number at once, so (device, inode) alone took it for the shared one.
    lab, fresh = share_tree["lab"], share_tree["lab"] / "fresh"
    for _ in range(20):
        fresh.mkdir()
        link = other_store.create(getpass.getuser(), "lab", str(lab), "fresh")
        inode = fresh.stat().st_ino
        fresh.rmdir()
        fresh.mkdir()
        if fresh.stat().st_ino == inode:
            break
        fresh.rmdir()
    else:
        pytest.skip("this filesystem does not give a freed inode number to the next folder")
    (fresh / "notes.txt").write_text("someone else's notes")
    response = await public_fetch(http_server_client, jp_base_url, link.token, "notes.txt")
    assert (response.code, json.loads(response.body)["message"]) == (404, GONE)


async def test_a_shared_file_replaced_by_a_symlink_is_a_dead_link(
    resolver, jp_fetch, http_server_client, jp_base_url, share_tree
):
    link = await create_link(jp_fetch, "data/hello.txt")
    hello = share_tree["data"] / "hello.txt"
    hello.rename(share_tree["data"] / "hello.moved")
    hello.symlink_to(share_tree["private"] / "private.txt")
    for subpath in ("", "hello.txt"):
        response = await public_fetch(http_server_client, jp_base_url, link["token"], subpath)
        assert (response.code, json.loads(response.body)["message"]) == (404, GONE)
    got = await s3_fetch(http_server_client, jp_base_url, link["token"], "hello.txt")
    assert got.code == 404 and b"<Code>NoSuch" in got.body


async def test_a_folder_inside_the_share_swapped_for_a_symlink_out_is_not_followed(
    resolver, fetch, share_tree
):
    sub = share_tree["data"] / "sub"
    assert (await fetch("sub/inner.txt")).code == 200
    sub.rename(share_tree["data"] / "sub.moved")
    (share_tree["private"] / "inner.txt").write_text("private")
    sub.symlink_to(share_tree["private"])
    assert (await fetch("sub/inner.txt")).code == 404


async def test_symlinks_that_stay_inside_the_share_still_work(resolver, fetch, share_tree):
    data = share_tree["data"]
    (data / "sub" / "up").symlink_to("../hello.txt")  # relative
    (data / "abs-sub").symlink_to(data / "sub")  # absolute, into the share
    for subpath in ("to-hello", "sub/up", "abs-sub/up", "abs-sub/inner.txt"):
        response = await fetch(subpath)
        assert response.code == 200, subpath
    assert (await fetch("abs-sub/up")).body == b"hello, world\n"


@pytest.fixture
def renames_elsewhere(tmp_path: Path) -> Iterator[None]:
    """Another process renaming a file outside the share, over and over: as a busy machine
    does (any user's `mv`, a conversion moving its output into place)."""
    spot = tmp_path / "elsewhere"
    spot.mkdir()
    script = (
        "import os, sys\n"
        "a, b = sys.argv[1] + '/a', sys.argv[1] + '/b'\n"
        "open(a, 'w').close()\n"
        "while True:\n"
        "    os.rename(a, b)\n"
        "    os.rename(b, a)\n"
    )
    renamer = subprocess.Popen([sys.executable, "-c", script, str(spot)])
    try:
        while not any(spot.iterdir()):
            time.sleep(0.01)
        yield
    finally:
        renamer.kill()
        renamer.wait()


async def test_a_symlink_with_dotdot_is_read_while_the_machine_renames_files(
    fetch, share_tree, renames_elsewhere
):
    # openat2 answers EAGAIN for a `..` resolved while any rename ran anywhere (it cannot
    # tell that `..` stayed beneath the share): that is "try again", not "cannot be read".
    (share_tree["data"] / "sub" / "up").symlink_to("../hello.txt")
    codes = [(await fetch("sub/up")).code for _ in range(400)]
    assert codes.count(200) == len(codes), f"{len(codes) - codes.count(200)} refused"


async def test_a_link_without_a_recorded_identity_records_it_when_first_served(
    fetch, other_store, token, share_tree
):
    # As a link made before identities were recorded reads after the migration.
    with other_store.engine.begin() as conn:
        conn.execute(update(links_table).values(target_device=None, target_inode=None))
    assert other_store.lookup_active(token).identity is None
    assert (await fetch("hello.txt")).code == 200
    info = share_tree["data"].stat()
    for _ in range(100):  # written off the serving path
        if other_store.lookup_active(token).identity is not None:
            break
        await asyncio.sleep(0.05)
    assert other_store.lookup_active(token).identity == (info.st_dev, info.st_ino)
    # From then on it is held to it.
    data = share_tree["data"]
    data.rename(data.with_name("data.moved"))
    shutil.copytree(share_tree["private"], data)
    assert (await fetch("private.txt")).code == 404


class TestListings:
    @pytest.fixture
    def fileglancer_config(self, listing_config) -> dict:
        return listing_config

    async def test_a_swapped_share_lists_nothing(self, resolver, fetch, share_tree):
        assert (await fetch("")).code == 200
        swap_for_symlink(share_tree["data"], share_tree["private"])
        response = await fetch("")
        assert (response.code, json.loads(response.body)["message"]) == (404, GONE)

    async def test_listings_leave_out_fifos_and_symlinks_out(
        self, resolver, fetch, http_server_client, jp_base_url, token, share_tree
    ):
        os.mkfifo(share_tree["data"] / "pipe")
        names = {e["name"] for e in json.loads((await fetch("")).body)["entries"]}
        assert {"hello.txt", "sub", "to-hello"} <= names
        assert not {"pipe", "to-private", "to-secret"} & names
        listed = await s3_fetch(http_server_client, jp_base_url, token)
        assert listed.code == 200
        assert b"<Key>hello.txt</Key>" in listed.body and b"<Key>to-hello</Key>" in listed.body
        assert b"pipe" not in listed.body and b"private" not in listed.body


# --- point 4: a FIFO never blocks the server -------------------------------------------------


@pytest.fixture
def fifo(share_tree) -> Iterator[Path]:
    """A FIFO in the share (named like Zarr metadata)."""
    path = share_tree["data"] / "pipe.zarr.json"
    os.mkfifo(path)
    yield path


@pytest.fixture
def stuck_reader(share_tree) -> Iterator[threading.Event]:
    """Set when a reader of a FIFO in the share was still waiting after ANSWER_TIMEOUT:
    then a writer, from another thread, releases it. A server that opens a FIFO on its
    event loop (the bug) blocks the test's own loop too, so only a thread can end that."""
    done, stuck = threading.Event(), threading.Event()

    def release() -> None:
        if done.wait(ANSWER_TIMEOUT):
            return
        for path in share_tree["data"].rglob("*"):
            if not stat.S_ISFIFO(path.lstat().st_mode):
                continue
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO: no reader
                stuck.set()
            except OSError:
                pass

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    yield stuck
    done.set()
    thread.join()


async def test_a_fifo_named_like_metadata_does_not_block_an_s3_listing(
    share_tree, stuck_reader, http_server_client, jp_base_url, token
):
    os.mkfifo(share_tree["data"] / "sub" / "zarr.json")
    listed = await s3_fetch(http_server_client, jp_base_url, token)
    assert listed.code == 200 and b"<Key>sub/inner.txt</Key>" in listed.body
    assert b"sub/zarr.json" not in listed.body
    assert not stuck_reader.is_set(), "the server waited for a writer of the FIFO"


@pytest.mark.parametrize("route", ["share", "s3-get", "s3-head"])
async def test_a_fifo_is_refused_and_the_server_keeps_answering(
    resolver, route, fifo, stuck_reader, http_server_client, jp_base_url, token
):
    if route == "share":
        url = f"{jp_base_url}fileglancer/s/{token}/{fifo.name}"
    else:
        url = s3_path(jp_base_url, token, fifo.name)
    method = "HEAD" if route == "s3-head" else "GET"
    refused = asyncio.ensure_future(
        http_server_client.fetch(
            url, method=method, raise_error=False, request_timeout=ANSWER_TIMEOUT
        )
    )
    other = await public_fetch(
        http_server_client, jp_base_url, token, "hello.txt", request_timeout=ANSWER_TIMEOUT
    )
    assert other.code == 200
    assert (await refused).code == 404
    assert not stuck_reader.is_set(), "the server waited for a writer of the FIFO"


async def test_a_link_to_a_fifo_cannot_be_made_or_served(
    jp_fetch, fifo, stuck_reader, other_store, http_server_client, jp_base_url, share_tree
):
    response = await jp_fetch(
        "fileglancer",
        "api",
        "links",
        method="POST",
        body=json.dumps({"root": "lab", "path": f"data/{fifo.name}"}),
        raise_error=False,
    )
    assert response.code == 400
    made = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), f"data/{fifo.name}")
    response = await public_fetch(
        http_server_client, jp_base_url, made.token, request_timeout=ANSWER_TIMEOUT
    )
    assert response.code == 404
    assert not stuck_reader.is_set()


def symlink_circle(data: Path) -> None:
    """x/ and y/ each with two symlinks to the other: every path through them is a circle,
    and a walk that missed it would double at every level."""
    for here, there in (("x", "y"), ("y", "x")):
        (data / here).mkdir()
        (data / here / "file.txt").write_text(here)
        for n in range(2):
            (data / here / f"to-{there}-{n}").symlink_to(f"../{there}")


def symlink_ladder(data: Path) -> None:
    """step0/ .. step39/, each with two symlinks to the next: no circle, yet 2**39 paths."""
    for n in range(40):
        (data / f"step{n}").mkdir()
    for n in range(39):
        for m in range(2):
            (data / f"step{n}" / f"next-{m}").symlink_to(f"../step{n + 1}")


@pytest.mark.parametrize("make", [symlink_circle, symlink_ladder])
async def test_symlinked_folders_cannot_make_an_s3_listing_endless(
    make, share_tree, http_server_client, jp_base_url, token
):
    # A listing runs on the server's event loop: an endless one freezes the whole server.
    data = share_tree["data"]
    make(data)
    done, stuck = threading.Event(), threading.Event()

    def release() -> None:  # else a failing test would hang: it shares the server's loop
        if done.wait(ANSWER_TIMEOUT):
            return
        stuck.set()
        for folder in data.iterdir():
            if folder.is_dir() and not folder.is_symlink():
                for link in folder.iterdir():
                    if link.is_symlink():
                        link.unlink()

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        listed = await s3_fetch(http_server_client, jp_base_url, token)
    finally:
        done.set()
        thread.join()
    assert not stuck.is_set(), "the listing did not end"
    assert listed.code == 200 and b"<Key>hello.txt</Key>" in listed.body
    if make is symlink_circle:  # each symlinked folder listed, up to the circle
        keys = re.findall(rb"<Key>([xy]/[^<]*)</Key>", listed.body)
        assert sorted(keys) == sorted(
            [b"x/file.txt", b"x/to-y-0/file.txt", b"x/to-y-1/file.txt"]
            + [b"y/file.txt", b"y/to-x-0/file.txt", b"y/to-x-1/file.txt"]
        )


# --- point 1: a user's server answers its own user's links only -----------------------------


async def test_only_this_servers_users_links_are_answered(
    other_store, share_tree, http_server_client, jp_base_url, jp_serverapp
):
    lab = str(share_tree["lab"])
    mine = other_store.create(getpass.getuser(), "lab", lab, "data")
    theirs = other_store.create("someone-else", "lab", lab, "data")
    assert (
        await public_fetch(http_server_client, jp_base_url, mine.token, "hello.txt")
    ).code == 200
    response = await public_fetch(http_server_client, jp_base_url, theirs.token, "hello.txt")
    assert (response.code, json.loads(response.body)["message"]) == (404, GONE)
    assert (await s3_fetch(http_server_client, jp_base_url, mine.token, "hello.txt")).code == 200
    for key in ("hello.txt", ""):
        got = await s3_fetch(http_server_client, jp_base_url, theirs.token, key)
        assert got.code == 404 and b"NoSuchBucket" in got.body


class TestUnderAHub:
    @pytest.fixture(autouse=True)
    def hub_user(self, monkeypatch) -> str:
        monkeypatch.setenv("JUPYTERHUB_USER", "ada")
        return "ada"

    async def test_the_hub_users_links_are_answered(
        self, hub_user, other_store, share_tree, http_server_client, jp_base_url, jp_serverapp
    ):
        lab = str(share_tree["lab"])
        ada = other_store.create(hub_user, "lab", lab, "data")
        system = other_store.create(getpass.getuser(), "lab", lab, "data")
        assert (await public_fetch(http_server_client, jp_base_url, ada.token, "")).code == 404
        got = await public_fetch(http_server_client, jp_base_url, ada.token, "hello.txt")
        assert got.code == 200
        got = await public_fetch(http_server_client, jp_base_url, system.token, "hello.txt")
        assert got.code == 404


# --- creation checks readability on what it records --------------------------------------


def test_only_what_the_user_can_read_can_be_shared(shared_tmp: Path):
    # As an unprivileged user (root reads everything): the check runs on the descriptor
    # whose identity the link records.
    lab = shared_tmp / "lab"
    for name, mode in (("open", 0o755), ("no-listing", 0o311), ("no-entry", 0o700)):
        (lab / name).mkdir(parents=True)
        (lab / name).chmod(mode)
    (lab / "mine.txt").write_text("mine")
    (lab / "private.txt").write_text("private")
    (lab / "private.txt").chmod(0o600)

    def share_each() -> dict[str, str]:
        registry = RootRegistry(load_roots([f"lab={lab}"], str(lab))[0])
        service = ShareLinkService(ShareLinkStore.from_url("sqlite://"), registry)
        outcomes = {}
        for path in ("open", "no-listing", "no-entry", "mine.txt", "private.txt"):
            try:
                link = service.create("nobody", "lab", path)
                outcomes[path] = "shared" if link.identity is not None else "no identity"
            except FileglancerError as err:
                outcomes[path] = err.code
        return outcomes

    assert run_without_privileges(share_each)["result"] == {
        "open": "shared",
        "no-listing": "forbidden",
        "no-entry": "forbidden",
        "mine.txt": "shared",
        "private.txt": "forbidden",
    }
