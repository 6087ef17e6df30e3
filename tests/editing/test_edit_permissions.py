"""PATCH meta/ on a dataset the server's user may not write: 403 with the reason, nothing
changed. Root writes everywhere, so this runs as an ordinary user (marker `unprivileged`,
scripts/test-all.sh); as root it skips, and fails when CI=true.
(`test_edit_domain.py` checks the same as `nobody` in a child process, as root too.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from tests.editing.helpers import image, snapshot
from tests.unprivileged import ordinary_user_only

pytestmark = pytest.mark.unprivileged


@pytest.fixture(autouse=True)
def _as_an_ordinary_user() -> None:
    ordinary_user_only()


@pytest.fixture
def lab(tmp_path: Path):
    lab = tmp_path / "lab"
    lab.mkdir()
    path = image(lab / "locked.zarr", "0.4")
    path.chmod(0o555)
    yield lab
    path.chmod(0o755)


@pytest.fixture
def jp_root_dir(tmp_path: Path, lab: Path) -> Path:
    return tmp_path


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def test_an_edit_of_a_read_only_dataset_is_forbidden_with_the_reason(jp_fetch, lab):
    response = await jp_fetch("fileglancer", "api", "meta", "lab", "locked.zarr")
    editable = json.loads(response.body)["editable"]
    assert editable["writable"] is False and "may not write" in editable["reason_not_writable"]
    before = snapshot(lab / "locked.zarr")
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(
            "fileglancer",
            "api",
            "meta",
            "lab",
            "locked.zarr",
            method="PATCH",
            body=json.dumps({"name": "mine"}),
            headers={"If-Match": response.headers["ETag"]},
        )
    body = json.loads(caught.value.response.body)
    assert caught.value.code == 403 and "may not write" in body["message"]
    assert str(lab) not in json.dumps(body)
    assert snapshot(lab / "locked.zarr") == before
