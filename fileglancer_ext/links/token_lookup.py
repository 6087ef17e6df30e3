"""The one query that runs for every request of a share: find an active link by its token.

A viewer reads a dataset chunk by chunk, so this query runs thousands of times a second.
Through SQLAlchemy's Connection layer it costs ~40 us; here the statement is compiled once
for the database's dialect and run on a DB-API connection kept per thread (~10 us), which
leaves the rest of serving a chunk as cheap as a static file server's.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine, Select

# Kept connections give up after this many failures in a row (then the error propagates).
_ATTEMPTS = 2


class TokenLookup:
    """Runs `statement` (parameters `token` and `now`) and returns the first row or None."""

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        self.engine = engine
        compiled = statement.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._local = threading.local()
        self._kept: list[Any] = []
        self._lock = threading.Lock()

    def first_row(self, token: str) -> tuple[Any, ...] | None:
        values = {"token": token, "now": time.time()}
        params: Any = values if self._order is None else tuple(values[k] for k in self._order)
        for attempt in range(_ATTEMPTS):
            connection = self._connection()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(self._sql, params)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                # Ends the transaction a driver may have opened (psycopg does), so that no
                # connection sits "idle in transaction" holding locks between requests.
                connection.rollback()
                return None if row is None else tuple(row)
            except Exception:
                # A database restart or a dropped connection: start over on a fresh one.
                self._discard(connection)
                if attempt == _ATTEMPTS - 1:
                    raise
        return None  # not reached

    def close(self) -> None:
        """Close every kept connection (of every thread)."""
        with self._lock:
            kept, self._kept = self._kept, []
        for connection in kept:
            try:
                connection.close()
            except Exception:  # closing a broken connection may fail too; it is gone anyway
                pass

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self.engine.raw_connection()
            self._local.connection = connection
            with self._lock:
                self._kept.append(connection)
        return connection

    def _discard(self, connection: Any) -> None:
        self._local.connection = None
        with self._lock:
            if connection in self._kept:
                self._kept.remove(connection)
        try:
            connection.invalidate()
        except Exception:
            pass
