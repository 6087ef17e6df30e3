"""Short-link fixtures: the server with its link store in a per-test database, SQLite
(always) and PostgreSQL (when a test database is set), as a hub would use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from fileglancer_ext.database import create_store_engine
from fileglancer_ext.shortlinks.store import COMPONENT

POSTGRES_URL = os.environ.get("FILEGLANCER_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'links.sqlite3'}"
    if not POSTGRES_URL:
        pytest.skip("FILEGLANCER_TEST_POSTGRES_URL is not set")
    engine = create_store_engine(POSTGRES_URL)
    with engine.begin() as conn:  # every test starts with no short links (other tables stay)
        conn.execute(text("DROP TABLE IF EXISTS fileglancer_short_links"))
        if engine.dialect.has_table(conn, "fileglancer_schema"):
            conn.execute(
                text("DELETE FROM fileglancer_schema WHERE component = :component"),
                {"component": COMPONENT},
            )
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def fileglancer_config(tmp_path: Path, store_url: str) -> dict:
    (tmp_path / "lab").mkdir()
    return {"roots": [f"lab={tmp_path / 'lab'}"], "link_store_url": store_url}
