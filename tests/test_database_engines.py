"""One engine per database per process: the stores of a server share it, and opening the
database again never costs this process its SQLite locks (which would let another process
delete the write-ahead log under it)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from fileglancer_ext.database import (
    create_store_engine,
    engine_for,
    release_engine,
    schema_version,
)
from fileglancer_ext.jobs.store import JobStore
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.shortlinks.store import ShortLinkStore
from tests.conftest import LogCapture
from tests.postgres import fresh_postgres_url

# Another process, as `fileglancer-ext links list` would: open, read, close (its close is
# where SQLite checkpoints and deletes the log when it believes it is the last user).
COUNT_LINKS = """
import sys
from fileglancer_ext.links.store import ShareLinkStore
store = ShareLinkStore.from_url(sys.argv[1])
print(len(store.list_for_owner("ana")))
store.close()
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fileglancer.sqlite3'}"
    for table, component in (
        ("fileglancer_links", "links"),
        ("fileglancer_jobs", "jobs"),
        ("fileglancer_short_links", "shortlinks"),
    ):
        url = fresh_postgres_url(table, component)
    # A URL (so an engine) of this module's own: other tests' stores may still be open.
    return url + ("&" if "?" in url else "?") + "application_name=engines"


def count_links_in_another_process(url: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_LINKS, url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_the_stores_of_one_database_share_one_engine_until_the_last_closes(any_store_url):
    links = ShareLinkStore.from_url(any_store_url)
    jobs = JobStore.from_url(any_store_url)
    short = ShortLinkStore.from_url(any_store_url)
    engine, pool = links.engine, links.engine.pool
    assert jobs.engine is engine and short.engine is engine
    links.close()
    short.close()
    # Still the same, undisposed engine for the store left open.
    assert jobs.engine.pool is pool
    assert jobs.list_for_owner("no-one-of-the-other-tests") == []
    jobs.close()
    again = ShareLinkStore.from_url(any_store_url)
    try:
        assert again.engine is not engine  # the last close disposed of it
    finally:
        again.close()


def test_other_spellings_of_a_sqlite_file_get_the_same_engine(tmp_path: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    one = engine_for(f"sqlite:///{tmp_path / 'real' / 'links.sqlite3'}")
    two = engine_for(f"sqlite:///{tmp_path / 'alias' / '..' / 'real' / 'links.sqlite3'}")
    three = engine_for(f"sqlite:///{tmp_path / 'alias' / 'links.sqlite3'}")
    assert one is two is three
    for engine in (one, two, three):
        release_engine(engine)


def test_opening_the_database_again_keeps_the_write_ahead_log_of_this_process(
    tmp_path: Path,
):
    url = f"sqlite:///{tmp_path / 'fileglancer.sqlite3'}"
    store = ShareLinkStore.from_url(url)
    try:
        store.create("ana", "lab", "/d", "one")
        # A second engine on the file, as a stray caller (or an older app.py) would make.
        create_store_engine(url).dispose()
        assert count_links_in_another_process(url) == 1
        store.create("ana", "lab", "/d", "two")
        assert count_links_in_another_process(url) == 2
        assert Path(f"{tmp_path / 'fileglancer.sqlite3'}-wal").exists()
    finally:
        store.close()


# --- the server: one `database_url`, `link_store_url` its deprecated former name ------------


@pytest.fixture(params=["database_url", "link_store_url", "both"])
def setting(request) -> str:
    return request.param


@pytest.fixture
def fileglancer_config(
    any_store_url: str, setting: str, tmp_path: Path, fileglancer_log: LogCapture
) -> dict:
    (tmp_path / "lab").mkdir()
    config = {"roots": [f"lab={tmp_path / 'lab'}"], "conversion_processes": 1}
    if setting in ("database_url", "both"):
        config["database_url"] = any_store_url
    if setting == "link_store_url":
        config["link_store_url"] = any_store_url
    if setting == "both":  # the new name wins over an old one left in a config file
        config["link_store_url"] = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    return {**config, "logging_config": fileglancer_log.logging_config()}


async def test_the_server_keeps_links_short_links_and_jobs_on_one_engine(
    jp_fetch, jp_serverapp, any_store_url: str, setting: str, fileglancer_log: LogCapture
):
    (app,) = jp_serverapp.extension_manager.extension_apps["fileglancer_ext"]
    assert app.database_url == any_store_url
    engine = app.link_store.engine
    assert app.short_link_store.engine is engine and app.job_store.engine is engine
    same = engine_for(any_store_url)
    try:
        assert same is engine  # this process's one engine for the URL
        # Every component's tables are in that database.
        assert {c: schema_version(same, c) > 0 for c in ("links", "shortlinks", "jobs")} == {
            "links": True,
            "shortlinks": True,
            "jobs": True,
        }
    finally:
        release_engine(same)

    warned = [m for m in fileglancer_log.messages() if "link_store_url is deprecated" in m]
    assert len(warned) == (setting != "database_url")
    assert ("database_url is set too" in warned[0]) if setting == "both" else True
    # (traitlets itself logs the whole config at debug level.)
    leaks = [m for m in fileglancer_log.messages(logging.INFO) if any_store_url in m]
    assert not leaks


def test_the_link_commands_take_database_url_and_the_old_store_url(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fileglancer.sqlite3'}"
    target = tmp_path / "data"
    target.mkdir()
    cli = [sys.executable, "-m", "fileglancer_ext.cli", "links"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=60)

    made = run("create", str(target), "--database-url", url, "--json")
    assert made.returncode == 0 and made.stderr == "", made.stderr
    listed = run("list", "--store-url", url, "--json")
    assert listed.returncode == 0
    assert [link["id"] for link in json.loads(listed.stdout)] == [json.loads(made.stdout)["id"]]
    assert "--store-url is deprecated; use --database-url" in listed.stderr
