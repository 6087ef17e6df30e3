"""Favourites fixtures: the server with its database per test, SQLite (always) and
PostgreSQL (when a test database is set), as a hub would use."""

from __future__ import annotations

from pathlib import Path

import pytest

from fileglancer_ext.favourites.store import COMPONENT
from tests.postgres import fresh_postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'fileglancer.sqlite3'}"
    fresh_postgres_url("fileglancer_favourite_owners", COMPONENT)
    return fresh_postgres_url("fileglancer_favourites", COMPONENT)


@pytest.fixture
def fileglancer_config(tmp_path: Path, store_url: str) -> dict:
    (tmp_path / "lab").mkdir()
    return {"roots": [f"lab={tmp_path / 'lab'}"], "database_url": store_url}
