"""One engine per database per process: the stores of a server share it, and opening the
database again never costs this process its SQLite locks (which would let another process
delete the write-ahead log under it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fileglancer_ext.database import create_store_engine, engine_for, release_engine
from fileglancer_ext.jobs.store import JobStore
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.shortlinks.store import ShortLinkStore
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
