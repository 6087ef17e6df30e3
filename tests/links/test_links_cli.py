"""`fileglancer-ext links create` goes through the UI's link service (links/creation.py):
the same permission check and message, the same owner, the same root rules."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fileglancer_ext.cli import main
from fileglancer_ext.errors import FileglancerError
from fileglancer_ext.links.creation import ShareLinkService
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.roots import RootRegistry, load_roots
from tests.unprivileged import run_without_privileges

CLI = [sys.executable, "-m", "fileglancer_ext.cli"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def main_as_this_user(*args: str) -> tuple[int, str]:
    """The CLI's main() in this process: its exit status and what it wrote to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(list(args))
    return status, err.getvalue()


@pytest.fixture
def lab(shared_tmp: Path) -> Path:
    """lab/ (every user may enter it) with a readable 'data' and a private 'secret'; a
    database folder every user may write."""
    lab = shared_tmp / "lab"
    (lab / "data").mkdir(parents=True)
    (lab / "data" / "a.txt").write_text("a")
    (lab / "secret").mkdir(mode=0o700)
    (lab / "secret").chmod(0o700)
    (shared_tmp / "db").mkdir()
    (shared_tmp / "db").chmod(0o777)
    # Imported here: an unprivileged child may not read this Python's modules (sqlite3).
    warm = f"sqlite:///{shared_tmp / 'warm.sqlite3'}"
    assert main_as_this_user("links", "list", "--database-url", warm) == (0, "")
    return lab


def test_a_user_who_cannot_read_the_target_is_refused_as_in_the_ui(lab: Path, shared_tmp: Path):
    url = f"sqlite:///{shared_tmp / 'db' / 'links.sqlite3'}"

    def both() -> dict:
        status, err = main_as_this_user(
            "links", "create", str(lab / "secret"), "--root", f"lab={lab}", "--database-url", url
        )
        store = ShareLinkStore.from_url(url)
        try:
            registry = RootRegistry(load_roots([f"lab={lab}"], str(lab))[0])
            ShareLinkService(store, registry).create("nobody", "lab", "secret")
        except FileglancerError as error:
            ui = error.message
        finally:
            store.close()
        return {"status": status, "cli": err.strip(), "ui": ui}

    seen = run_without_privileges(both)["result"]
    assert seen["ui"] == "You do not have permission to read 'secret' in 'lab'."
    assert (seen["status"], seen["cli"]) == (2, f"fileglancer-ext links: {seen['ui']}")
    store = ShareLinkStore.from_url(url)
    try:
        assert store.list_for_owner("nobody", include_inactive=True) == []
    finally:
        store.close()


def test_only_root_creates_a_link_for_another_owner(lab: Path, shared_tmp: Path):
    url = f"sqlite:///{shared_tmp / 'db' / 'links.sqlite3'}"
    args = ("links", "create", str(lab / "data"), "--database-url", url)

    def as_nobody() -> list:
        return [main_as_this_user(*args, "--owner", "ana"), main_as_this_user(*args)[0]]

    (refused, err), own = run_without_privileges(as_nobody)["result"]
    assert refused == 2 and "only root may create links for another owner" in err
    assert own == 0
    if os.geteuid() == 0:  # an administrator may (as before)
        assert main_as_this_user(*args, "--owner", "ana")[0] == 0


def test_links_made_in_a_hub_terminal_belong_to_the_hub_user(lab: Path, tmp_path: Path):
    """As the UI's: under a hub, the owner is the hub's user name, which the user's own
    server lists and serves (it may differ from the OS user, e.g. 'jovyan')."""
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    hub = {"JUPYTERHUB_USER": "ana@example.org"}
    made = cli("links", "create", str(lab / "data"), "--database-url", url, "--json", env=hub)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["owner"] == "ana@example.org"
    listed = cli("links", "list", "--database-url", url, "--json", env=hub)
    assert [row["id"] for row in json.loads(listed.stdout)] == [json.loads(made.stdout)["id"]]


def test_what_is_neither_a_file_nor_a_folder_is_not_shared(lab: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    os.mkfifo(lab / "data" / "pipe")
    made = cli("links", "create", str(lab / "data" / "pipe"), "--database-url", url)
    assert made.returncode == 2
    assert made.stderr.strip() == (
        "fileglancer-ext links: 'pipe' in 'data' is neither a file nor a folder."
    )


def test_a_root_name_the_ui_would_refuse_is_refused(lab: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    made = cli(
        "links", "create", str(lab / "data"), "--root", f"my lab={lab}", "--database-url", url
    )
    assert made.returncode == 2 and "root" in made.stderr


def test_the_cli_link_records_what_it_shares_and_stops_when_it_is_replaced(
    lab: Path, tmp_path: Path
):
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    made = cli("links", "create", str(lab / "data"), "--root", f"lab={lab}", "--database-url", url)
    assert made.returncode == 0, made.stderr
    store = ShareLinkStore.from_url(url)
    try:
        (link,) = store.list_for_owner(json_owner(url))
        assert link.identity is not None and (link.root_name, link.path) == ("lab", "data")
        registry = RootRegistry(load_roots([f"lab={lab}"], str(lab))[0])
        service = ShareLinkService(store, registry)
        assert service.list_for_owner(link.owner) == [(link, True)]
        (lab / "data").rename(lab / "old")
        (lab / "data").mkdir()
        assert service.list_for_owner(link.owner) == [(link, False)]
    finally:
        store.close()


def json_owner(url: str) -> str:
    listed = cli("links", "list", "--database-url", url, "--json")
    return json.loads(listed.stdout)[0]["owner"]
