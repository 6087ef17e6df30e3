"""File permissions through the real server: a folder or dataset the server's user may not
read is a 403 with a clear message, never a 500 or a server path.

Root reads everything, so these run only as an ordinary user: scripts/test-all.sh runs them
(marker `unprivileged`) with runuser after the main pass. As root they skip, and fail when
CI=true: in CI they must never pass unnoticed by not running.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from tests.unprivileged import ordinary_user_only

pytestmark = pytest.mark.unprivileged


@pytest.fixture(autouse=True)
def _as_an_ordinary_user() -> None:
    ordinary_user_only()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Path]:
    """A root with a locked folder and a locked Zarr group beside readable ones."""
    lab = tmp_path / "lab"
    (lab / "open").mkdir(parents=True)
    (lab / "locked").mkdir()
    (lab / "locked" / "inside.txt").write_text("x")
    group = lab / "locked.zarr"
    group.mkdir()
    (group / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group"}))
    for path in (lab / "locked", group):
        path.chmod(0)
    yield lab
    for path in (lab / "locked", group):
        path.chmod(0o755)  # so that pytest can remove tmp_path


@pytest.fixture
def jp_root_dir(tmp_path: Path, lab: Path) -> Path:
    return tmp_path


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def error_of(jp_fetch, *parts: str) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", *parts)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_listing_a_folder_without_permission_is_forbidden(jp_fetch, lab: Path):
    listing = await jp_fetch("fileglancer", "api", "list", "lab")
    entries = {e["name"]: e["readable"] for e in json.loads(listing.body)["entries"]}
    assert entries == {"open": True, "locked": False, "locked.zarr": False}
    code, body = await error_of(jp_fetch, "list", "lab", "locked")
    assert code == 403
    assert "permission" in body["message"] and "locked" in body["message"]
    assert str(lab) not in json.dumps(body)


async def test_statistics_of_a_folder_without_permission_are_forbidden(jp_fetch, lab: Path):
    code, body = await error_of(jp_fetch, "stats", "lab", "locked")
    assert code == 403, body
    assert "permission" in body["message"]
    assert str(lab) not in json.dumps(body)


async def test_inspecting_a_dataset_without_permission_is_forbidden(jp_fetch, lab: Path):
    code, body = await error_of(jp_fetch, "meta", "lab", "locked.zarr")
    assert code == 403, body
    assert "permission" in body["message"]
    assert str(lab) not in json.dumps(body)


async def test_the_members_of_a_group_without_permission_are_forbidden(jp_fetch, lab: Path):
    code, body = await error_of(jp_fetch, "members", "lab", "locked.zarr")
    assert code == 403, body
    assert "permission" in body["message"]
    assert str(lab) not in json.dumps(body)
