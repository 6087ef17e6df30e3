"""The test PostgreSQL (FILEGLANCER_TEST_POSTGRES_URL, which scripts/test-all.sh sets), as
the store tests of several components use it: one database, each test starting with no
rows of its own component."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from fileglancer_ext.database import create_store_engine

POSTGRES_URL = os.environ.get("FILEGLANCER_TEST_POSTGRES_URL")


def fresh_postgres_url(table: str, component: str) -> str:
    """The test database's URL with `table` dropped and `component`'s schema version
    forgotten (other components' tables stay); skips the test when none is set."""
    if not POSTGRES_URL:
        pytest.skip("FILEGLANCER_TEST_POSTGRES_URL is not set")
    engine = create_store_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        if engine.dialect.has_table(conn, "fileglancer_schema"):
            conn.execute(
                text("DELETE FROM fileglancer_schema WHERE component = :component"),
                {"component": component},
            )
    engine.dispose()
    return POSTGRES_URL
