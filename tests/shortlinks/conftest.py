"""Short-link fixtures: the server with its link store in a per-test database, SQLite
(always) and PostgreSQL (when a test database is set), as a hub would use."""

from __future__ import annotations

from pathlib import Path

import pytest

from fileglancer_ext.shortlinks.store import COMPONENT
from tests.postgres import fresh_postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'links.sqlite3'}"
    return fresh_postgres_url("fileglancer_short_links", COMPONENT)


@pytest.fixture
def fileglancer_config(tmp_path: Path, store_url: str) -> dict:
    (tmp_path / "lab").mkdir()
    return {"roots": [f"lab={tmp_path / 'lab'}"], "database_url": store_url}
