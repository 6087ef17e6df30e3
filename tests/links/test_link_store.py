"""The link store on its own: SQLite (always) and PostgreSQL (when a test database is set)."""

from __future__ import annotations

import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from fileglancer_ext.database import create_store_engine, migrate, schema_version
from fileglancer_ext.errors import BadRequest, NotFound
from fileglancer_ext.links import store as store_module
from fileglancer_ext.links.confinement import read_identity
from fileglancer_ext.links.store import COMPONENT, MIGRATIONS, ShareLinkStore
from tests.postgres import POSTGRES_URL, fresh_postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'links.sqlite3'}"
    return fresh_postgres_url("fileglancer_links", COMPONENT)


@pytest.fixture
def store(any_store_url: str):
    store = ShareLinkStore.from_url(any_store_url)
    yield store
    store.close()


def test_a_link_round_trips(store: ShareLinkStore):
    link = store.create("ana", "lab", "/data/lab", "/ds.zarr/", expires_in=60, label="x")
    assert link.path == "ds.zarr"
    assert store.get("ana", link.id) == link
    assert store.lookup_active(link.token) == link
    assert store.list_for_owner("ana") == [link]
    assert store.find_for_path("ana", "lab", "ds.zarr") == link
    assert store.find_for_path("ana", "lab", "other") is None


def test_tokens_are_long_random_and_unique(store: ShareLinkStore):
    tokens = {store.create("ana", "lab", "/d", "p").token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) == 32 for token in tokens)  # 24 bytes = 192 bits


def test_owners_only_see_their_own_links(store: ShareLinkStore):
    link = store.create("ana", "lab", "/d", "p")
    assert store.list_for_owner("ben") == []
    for action in (store.get, store.revoke):
        with pytest.raises(NotFound):
            action("ben", link.id)
    with pytest.raises(NotFound):
        store.update("ben", link.id, label="mine")
    assert store.lookup_active(link.token) is not None


def test_revoked_and_expired_links_are_dead(store: ShareLinkStore):
    revoked = store.create("ana", "lab", "/d", "p")
    expired = store.create("ana", "lab", "/d", "q", expires_in=0.05)
    store.revoke("ana", revoked.id)
    time.sleep(0.1)
    assert store.lookup_active(revoked.token) is None
    assert store.lookup_active(expired.token) is None
    assert store.list_for_owner("ana") == []
    assert {link.id for link in store.list_for_owner("ana", include_inactive=True)} == {
        revoked.id,
        expired.id,
    }
    assert store.revoke("ana", revoked.id).revoked == store.get("ana", revoked.id).revoked


def test_update_changes_label_and_expiry_only(store: ShareLinkStore):
    link = store.create("ana", "lab", "/d", "p")
    changed = store.update("ana", link.id, label="  new  ", expires_in=30)
    assert changed.label == "new" and changed.expires is not None
    assert store.update("ana", link.id, expires_in=None).expires is None
    with pytest.raises(BadRequest):
        store.update("ana", link.id, path="elsewhere")
    with pytest.raises(BadRequest):
        store.update("ana", link.id, expires_in=0)


def test_last_access_is_written_at_most_once_a_minute(store: ShareLinkStore, monkeypatch):
    link = store.create("ana", "lab", "/d", "p")
    assert store.touch_due(link)
    store.touch(link)
    first = store.get("ana", link.id).last_access
    assert first is not None and not store.touch_due(link)
    store.touch(link)
    assert store.get("ana", link.id).last_access == first
    monkeypatch.setattr(store_module, "LAST_ACCESS_RESOLUTION", 0.0)
    store.touch(link)
    assert store.get("ana", link.id).last_access >= first


def test_links_survive_reopening_the_store(any_store_url: str):
    first = ShareLinkStore.from_url(any_store_url)
    link = first.create("ana", "lab", "/d", "p")
    first.close()
    again = ShareLinkStore.from_url(any_store_url)
    try:
        assert again.lookup_active(link.token) == link
        assert schema_version(again.engine, COMPONENT) == len(MIGRATIONS)
    finally:
        again.close()


def test_migrations_run_once_and_in_order(any_store_url: str):
    engine = create_store_engine(any_store_url)
    try:
        calls: list[int] = []
        steps = [lambda conn: calls.append(1), lambda conn: calls.append(2)]
        assert migrate(engine, "test-component", steps[:1]) == 1
        assert migrate(engine, "test-component", steps) == 2
        assert migrate(engine, "test-component", steps) == 2
        assert calls == [1, 2]
        with pytest.raises(RuntimeError, match="newer"):
            migrate(engine, "test-component", steps[:1])
        # Another component's version is its own.
        assert schema_version(engine, COMPONENT) == 0
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM fileglancer_schema WHERE component = 'test-component'"))
    finally:
        engine.dispose()


def test_the_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path):
    path = tmp_path / "new" / "deeper" / "links.sqlite3"
    store = ShareLinkStore.from_url(f"sqlite:///{path}")
    try:
        store.create("ana", "lab", "/d", "p")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert "fileglancer_links" in inspect(store.engine).get_table_names()
    finally:
        store.close()


def test_two_stores_on_one_sqlite_file_see_each_others_changes(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    one, two = ShareLinkStore.from_url(url), ShareLinkStore.from_url(url)
    try:
        link = one.create("ana", "lab", "/d", "p")
        assert two.lookup_active(link.token) is not None
        two.revoke("ana", link.id)
        assert one.lookup_active(link.token) is None
    finally:
        one.close()
        two.close()


def test_lookups_work_from_many_threads(store: ShareLinkStore):
    links = [store.create("ana", "lab", "/d", f"p{i}") for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda link: store.lookup_active(link.token), links * 5))
    assert found == links * 5


def test_a_lookup_survives_a_lost_database_connection(store: ShareLinkStore, any_store_url):
    link = store.create("ana", "lab", "/d", "p")
    assert store.lookup_active(link.token) == link
    if any_store_url.startswith("sqlite"):
        store._lookup._local.connection.dbapi_connection.close()
    else:  # the server drops every other session, as on a restart
        killer = create_store_engine(any_store_url)
        with killer.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        killer.dispose()
    assert store.lookup_active(link.token) == link


@pytest.mark.skipif(not POSTGRES_URL, reason="FILEGLANCER_TEST_POSTGRES_URL is not set")
def test_postgresql_lookups_leave_no_transaction_open(any_store_url):
    if not any_store_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    store = ShareLinkStore.from_url(any_store_url)
    try:
        store.lookup_active(store.create("ana", "lab", "/d", "p").token)
        with store.engine.connect() as conn:
            states = conn.execute(
                text(
                    "SELECT state FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            assert "idle in transaction" not in list(states)
    finally:
        store.close()


def test_servers_starting_together_run_each_migration_once(any_store_url: str):
    calls: list[int] = []

    def slow_step(conn) -> None:
        calls.append(1)
        time.sleep(0.05)  # widen the window for a race

    def start_a_server() -> int:
        engine = create_store_engine(any_store_url)
        try:
            return migrate(engine, "race-test", [slow_step])
        finally:
            engine.dispose()

    with ThreadPoolExecutor(4) as pool:
        versions = list(pool.map(lambda _: start_a_server(), range(4)))
    assert versions == [1, 1, 1, 1] and calls == [1]
    engine = create_store_engine(any_store_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fileglancer_schema WHERE component = 'race-test'"))
    engine.dispose()


def _create_release_1_table(conn) -> None:
    """The links table as the first release created it (no target identity)."""
    from sqlalchemy import Column, Float, MetaData, String, Table, Text

    Table(
        "fileglancer_links",
        MetaData(),
        Column("id", String(32), primary_key=True),
        Column("token", String(64), nullable=False, unique=True),
        Column("owner", String(255), nullable=False),
        Column("root_name", String(64), nullable=False),
        Column("root_path", Text, nullable=False),
        Column("path", Text, nullable=False),
        Column("created", Float, nullable=False),
        Column("expires", Float),
        Column("label", Text),
        Column("revoked", Float),
        Column("last_access", Float),
    ).create(conn)


def test_a_store_of_the_first_release_is_upgraded_and_keeps_its_links(
    any_store_url: str, tmp_path: Path
):
    engine = create_store_engine(any_store_url)
    try:
        assert migrate(engine, COMPONENT, [_create_release_1_table]) == 1
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO fileglancer_links (id, token, owner, root_name, root_path,"
                    " path, created) VALUES ('00aa', 'old-token', 'ana', 'lab', '/d', 'p', 1)"
                )
            )
    finally:
        engine.dispose()
    (tmp_path / "shared").mkdir()
    store = ShareLinkStore.from_url(any_store_url)
    try:
        assert schema_version(store.engine, COMPONENT) == len(MIGRATIONS)
        old = store.lookup_active("old-token")
        assert old is not None and old.owner == "ana" and old.identity is None
        assert store.get("ana", "00aa") == old
        # New links record what they share; old ones once, when first served.
        new = store.create("ana", "lab", str(tmp_path), "shared")
        info = (tmp_path / "shared").stat()
        assert store.lookup_active(new.token).identity == (info.st_dev, info.st_ino)
        birth = read_identity(str(tmp_path), "shared")[1]  # None where statx has none
        assert store.lookup_active(new.token).birth == birth
        assert store.record_identity(old.id, (1, 2**64 - 1), 2**62 + 7) == (1, 2**64 - 1)
        assert store.record_identity(old.id, (3, 4)) == (1, 2**64 - 1)  # the first one stays
        assert store.lookup_active("old-token").identity == (1, 2**64 - 1)
        assert store.lookup_active("old-token").birth == 2**62 + 7
    finally:
        store.close()
