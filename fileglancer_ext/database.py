"""The extension's database: engine creation and versioned, ordered schema migrations.

One database URL (`FileglancerApp.database_url`, `--database-url` of the link commands)
holds every table of the extension: share links, short links and conversion jobs. SQLite
under the Jupyter data directory is the embedded default; a hub points every server and
the link server at one PostgreSQL. Each component (e.g. "links") keeps its own schema
version in the `fileglancer_schema` table and brings its tables up to date with
`migrate(engine, component, migrations)`, so a store written by an older release is
upgraded in place instead of being replaced.

A process opens each database once (`engine_for`): the stores of one server share an
engine, since opening a SQLite file again under live connections is a hazard.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from jupyter_core.paths import jupyter_data_dir
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.engine import make_url

from .errors import BadRequest, NotFound

# A migration brings a component's tables from version i to i + 1, inside one transaction.
Migration = Callable[[Connection], None]

_schema_metadata = MetaData()
schema_versions = Table(
    "fileglancer_schema",
    _schema_metadata,
    Column("component", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)

# SQLite waits this long for another writer (another server, the CLI) before failing.
_SQLITE_BUSY_TIMEOUT_MS = 10_000


def iso_time(seconds: float | None) -> str | None:
    """A stored POSIX time as ISO 8601 in UTC, to the second ("2026-11-26T04:35:00Z"), or None."""
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def refuse_other_changes(changes: Mapping[str, Any], what: str) -> None:
    """BadRequest naming the fields left in `changes` (a request body's keys) that a
    store's update did not take: "Cannot change owner of a share link." """
    if changes:
        raise BadRequest(f"Cannot change {', '.join(sorted(changes))} of {what}.")


def default_store_url() -> str:
    """The embedded default: a SQLite file in the Jupyter data directory."""
    return "sqlite:///" + os.path.join(jupyter_data_dir(), "fileglancer", "links.sqlite3")


def create_store_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file (and its folder) is created private to its owner.

    SQLite runs in WAL mode, so readers (the share route) never wait for a writer.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A hub's database restarts or drops idle connections: test them before use.
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        _create_private_file(Path(database))
    engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    return engine


def _create_private_file(path: Path) -> None:
    # Share tokens are secrets: the file must never be readable by other users, not even
    # for the instant between its creation and a chmod. O_EXCL: an existing database is
    # never opened here, since closing that descriptor would drop the SQLite locks this
    # process may hold on it (see `engine_for`).
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


# This process's engines by database (see `engine_key`): [engine, number of users].
_engines: dict[str, list[Any]] = {}
_engines_lock = threading.Lock()


def engine_key(url: str) -> str:
    """What names one database: a SQLite file by its real path, others by their URL."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        if not database.startswith("file:"):
            return "sqlite:" + os.path.realpath(database)
    return parsed.render_as_string(hide_password=False)


def engine_for(url: str) -> Engine:
    """This process's one engine for the database at `url`, created on first use; every
    caller gives it back with `release_engine`, and the last one disposes of it.

    SQLite's locks are POSIX locks, held per process and file: closing a descriptor of
    the database file that SQLite does not manage (as a second engine's creation once
    did, making sure the file exists) drops the locks of every connection in the
    process. Another process (the CLI, the link server) then takes this one for gone and
    deletes the write-ahead log under it, and every link written afterwards is lost.
    One engine per database makes its file be opened once, before any connection.
    """
    key = engine_key(url)
    with _engines_lock:
        entry = _engines.get(key)
        if entry is None:
            entry = _engines[key] = [create_store_engine(url), 0]
        entry[1] += 1
        return entry[0]


def release_engine(engine: Engine) -> None:
    """Give back an engine of `engine_for`; the last user's release disposes of it."""
    with _engines_lock:
        for key, entry in _engines.items():
            if entry[0] is engine:
                entry[1] -= 1
                if entry[1] > 0:
                    return
                del _engines[key]
                break
        else:
            return  # not shared (or already released by its last user)
    engine.dispose()


def schema_version(engine: Engine, component: str) -> int:
    """The schema version of `component` in this database (0: never migrated)."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, schema_versions.name):
            return 0
        found = conn.execute(
            select(schema_versions.c.version).where(schema_versions.c.component == component)
        ).scalar()
    return int(found or 0)


def migrate(engine: Engine, component: str, migrations: Sequence[Migration]) -> int:
    """Apply the migrations of `component` that this database lacks; return its version.

    `migrations[i]` takes the schema from version i to i + 1; never edit or reorder a
    released one, only append. Several servers may start at once against one database:
    the whole upgrade runs under an exclusive lock (SQLite: BEGIN IMMEDIATE; PostgreSQL:
    an advisory lock), so each migration runs exactly once. Raises RuntimeError when the
    database is newer than this code.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # pysqlite would start a deferred transaction; take the write lock up front.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                version = _apply(conn, component, migrations)
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
            return version
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('fileglancer_schema'))"))
            return _apply(conn, component, migrations)


def _apply(conn: Connection, component: str, migrations: Sequence[Migration]) -> int:
    schema_versions.create(conn, checkfirst=True)
    current = conn.execute(
        select(schema_versions.c.version).where(schema_versions.c.component == component)
    ).scalar()
    if current is None:
        conn.execute(schema_versions.insert().values(component=component, version=0))
        current = 0
    if current > len(migrations):
        raise RuntimeError(
            f"The {component} tables are at schema version {current}, newer than this "
            f"fileglancer-ext knows ({len(migrations)}); upgrade fileglancer-ext."
        )
    for version in range(current, len(migrations)):
        migrations[version](conn)
    conn.execute(
        schema_versions.update()
        .where(schema_versions.c.component == component)
        .values(version=len(migrations))
    )
    return len(migrations)


class Store:
    """Base of the extension's stores: one component's tables in a SQLAlchemy database,
    brought up to date (`migrate`) when the store is opened. Every method of a store is a
    short, blocking query; owners only ever see their own rows."""

    component: ClassVar[str]
    migrations: ClassVar[Sequence[Migration]]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._shared_engine = False
        migrate(engine, self.component, self.migrations)

    @classmethod
    def from_url(cls, url: str) -> Self:
        """The store on this process's engine for `url` (shared with its other stores)."""
        engine = engine_for(url)
        try:
            store = cls(engine)
        except BaseException:
            release_engine(engine)
            raise
        store._shared_engine = True
        return store

    def close(self) -> None:
        """Release the engine of `from_url` (disposed with its last store); an engine
        given to the constructor stays its caller's to dispose of."""
        if self._shared_engine:
            self._shared_engine = False
            release_engine(self.engine)

    def _owned_row(
        self, table: Table, key: Any, value: str, owner: str, missing: str
    ) -> RowMapping:
        """The row of `table` whose `key` column is `value`, when `owner` owns it; else
        NotFound(`missing`): another user's row is the same as one that does not exist."""
        query = select(table).where(key == value, table.c.owner == owner)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(missing)
        return row

    def _update_owned(
        self, table: Table, key: Any, value: str, owner: str, values: Mapping[str, Any]
    ) -> None:
        """Write `values` (nothing when empty) to the row of `table` whose `key` column is
        `value`, if `owner` owns it; the caller has checked that the row is theirs."""
        if not values:
            return
        with self.engine.begin() as conn:
            conn.execute(
                table.update().where(key == value, table.c.owner == owner).values(**values)
            )
