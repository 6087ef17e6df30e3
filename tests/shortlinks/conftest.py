"""Short-link fixtures: the server with its link store in a per-test database."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'links.sqlite3'}"


@pytest.fixture
def fileglancer_config(tmp_path: Path, store_url: str) -> dict:
    (tmp_path / "lab").mkdir()
    return {"roots": [f"lab={tmp_path / 'lab'}"], "link_store_url": store_url}
