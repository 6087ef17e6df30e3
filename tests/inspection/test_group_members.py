"""Paging through the members of huge groups: `group_members`, `GET members/...` and
`fileglancer-ext info --members-offset/--members-limit`, on groups written by zarr-python
and tensorstore."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
import tensorstore as ts
import zarr
from tornado.httpclient import HTTPClientError

from fileglancer_ext.cli import main
from fileglancer_ext.errors import BadRequest, NotFound
from fileglancer_ext.formats.summary import group_members, summarize

MEMBERS = 25
NAMES = sorted(f"m{i:02d}" for i in range(MEMBERS))


def _group(path: Path, zarr_format: int, *, consolidated: bool = False) -> Path:
    """A group of 25 members: arrays m00, m02, ... (shape (i+1, 3)) and groups between."""
    group = zarr.open_group(path, mode="w", zarr_format=zarr_format)
    for i in range(MEMBERS):
        if i % 2 == 0:
            group.create_array(f"m{i:02d}", shape=(i + 1, 3), dtype="uint8")
        else:
            group.create_group(f"m{i:02d}")
    if consolidated:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # v3 consolidated metadata is not in the spec yet
            zarr.consolidate_metadata(path)
    return path


@pytest.fixture(params=[(2, False), (3, False), (2, True), (3, True)], ids=str)
def group(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    zarr_format, consolidated = request.param
    return _group(tmp_path / "g.zarr", zarr_format, consolidated=consolidated)


def _pages(path: Path, limit: int) -> list[dict]:
    pages, offset = [], 0
    while True:
        page = group_members(path, offset=offset, limit=limit)
        pages.append(page)
        if not page["members_truncated"]:
            return pages
        offset += len(page["members"])


def test_pages_cover_every_member_once_in_name_order(group: Path):
    pages = _pages(group, limit=10)
    assert [len(p["members"]) for p in pages] == [10, 10, 5]
    assert [p["members_offset"] for p in pages] == [0, 10, 20]
    assert [m["name"] for p in pages for m in p["members"]] == NAMES
    assert all(p["members_total"] == MEMBERS and p["kind"] == "zarr-group" for p in pages)
    assert [p["members_truncated"] for p in pages] == [True, True, False]
    m12 = pages[1]["members"][2]
    assert m12 == {"name": "m12", "kind": "zarr-array", "shape": [13, 3], "dtype": "uint8"}
    assert pages[1]["members"][3]["kind"] == "zarr-group"


def test_a_page_past_the_end_is_empty(group: Path):
    page = group_members(group, offset=100, limit=10)
    assert page["members"] == [] and page["members_total"] == MEMBERS
    assert page["members_truncated"] is False


def test_the_summary_lists_the_first_page_and_can_start_later(group: Path):
    first = summarize(group, member_limit=4)["group"]
    assert [m["name"] for m in first["members"]] == NAMES[:4]
    assert first["members_truncated"] is True and first["members_offset"] == 0
    later = summarize(group, member_limit=4, member_offset=22)["group"]
    assert [m["name"] for m in later["members"]] == NAMES[22:]
    assert later["members_truncated"] is False


def test_consolidated_pages_need_no_member_on_disk(tmp_path: Path):
    path = _group(tmp_path / "c.zarr", 2, consolidated=True)
    for name in NAMES:
        shutil.rmtree(path / name)
    page = group_members(path, offset=20, limit=10)
    assert page["consolidated"] is True
    assert [m["name"] for m in page["members"]] == NAMES[20:]


def test_n5_children_page_like_members(tmp_path: Path):
    root = tmp_path / "many.n5"
    for i in range(12):
        spec = {
            "driver": "n5",
            "kvstore": {"driver": "file", "path": str(root / f"c{i:02d}")},
            "metadata": {"dimensions": [8, 4], "blockSize": [4, 4], "dataType": "uint8"},
            "create": True,
        }
        ts.open(spec).result()
    (root / "attributes.json").write_text('{"n5": "4.0.0"}')
    page = group_members(root, offset=10, limit=5)
    assert page["kind"] == "n5-group"
    assert [c["name"] for c in page["members"]] == ["c10", "c11"]
    assert page["members"][0]["shape_c_order"] == [4, 8]
    assert page["members_total"] == 12 and page["members_truncated"] is False
    assert group_members(root, limit=5)["members_truncated"] is True


@pytest.mark.parametrize("kind", ["zarr", "n5"])
def test_a_member_symlinked_out_of_the_group_is_left_out(tmp_path: Path, kind: str):
    if kind == "zarr":
        group = _group(tmp_path / "g.zarr", 3)
        _group(tmp_path / "elsewhere.zarr", 3)
    else:
        group = tmp_path / "g.n5"
        for name in ("c00", "c01"):
            (group / name).mkdir(parents=True)
            (group / name / "attributes.json").write_text(
                '{"dimensions": [2], "dataType": "uint8", "blockSize": [2]}'
            )
        (group / "attributes.json").write_text('{"n5": "4.0.0"}')
        (tmp_path / "elsewhere.zarr").mkdir()
        (tmp_path / "elsewhere.zarr" / "attributes.json").write_text('{"n5": "4.0.0"}')
    (group / "zz-escape").symlink_to(tmp_path / "elsewhere.zarr")
    inside = group / ("m00" if kind == "zarr" else "c00")
    (group / "zz-inside").symlink_to(inside)
    page = group_members(group, limit=1000)
    names = [m["name"] for m in page["members"]]
    assert "zz-escape" not in names and "zz-inside" in names
    assert any("leaves the dataset" in p["message"] for p in page["problems"])


def test_an_array_has_no_members_and_a_missing_path_is_not_found(tmp_path: Path):
    zarr.create_array(tmp_path / "a.zarr", shape=(2,), dtype="u1")
    with pytest.raises(BadRequest, match="no Zarr or N5 group"):
        group_members(tmp_path / "a.zarr")
    with pytest.raises(NotFound):
        group_members(tmp_path / "gone.zarr")


# --- the command line -----------------------------------------------------------------------


def test_info_pages_through_members(tmp_path: Path, capsys):
    path = _group(tmp_path / "g.zarr", 3)
    assert main(["info", "--json", "--members-offset", "5", "--members-limit", "3", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in printed["group"]["members"]] == NAMES[5:8]
    assert main(["info", "--members-offset", "5", "--members-limit", "3", str(path)]) == 0
    out = capsys.readouterr().out
    assert "members: 25 (6-8 listed; --members-offset 8 for more)" in out
    assert "    m05: zarr-group" in out and "m08" not in out


def test_info_refuses_a_negative_offset(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["info", "--members-offset", "-1", str(tmp_path)])
    assert exited.value.code == 2
    assert "expected a whole number >= 0" in capsys.readouterr().err


# --- through the real server ----------------------------------------------------------------


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    lab = tmp_path / "lab"
    lab.mkdir()
    _group(lab / "g.zarr", 2)
    zarr.create_array(lab / "a.zarr", shape=(2,), dtype="u1")
    (tmp_path / "outside").mkdir()
    _group(tmp_path / "outside" / "secret.zarr", 2)
    (lab / "escape").symlink_to(tmp_path / "outside")
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def _members(jp_fetch, path: str, **params: str) -> dict:
    response = await jp_fetch("fileglancer", "api", "members", "lab", path, params=params)
    assert response.code == 200
    return json.loads(response.body)


async def _error(jp_fetch, path: str, **params: str) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", "members", "lab", path, params=params)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_the_members_route_pages(jp_fetch):
    page = await _members(jp_fetch, "g.zarr", offset="20", limit="3")
    assert [m["name"] for m in page["members"]] == NAMES[20:23]
    assert page["members_total"] == MEMBERS and page["members_truncated"] is True
    assert (page["root"], page["path"]) == ("lab", "g.zarr")
    default = await _members(jp_fetch, "g.zarr")
    assert [m["name"] for m in default["members"]] == NAMES


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "'limit' must be a whole number from 1 to 1000"),
        ({"limit": "1001"}, "'limit' must be a whole number from 1 to 1000"),
        ({"offset": "-1"}, "'offset' must be a whole number"),
        ({"offset": "ten"}, "'offset' must be a whole number"),
    ],
)
async def test_the_members_route_refuses_bad_paging(jp_fetch, params: dict, message: str):
    status, body = await _error(jp_fetch, "g.zarr", **params)
    assert status == 400 and message in body["message"]


async def test_the_members_route_errors(jp_fetch):
    assert (await _error(jp_fetch, "a.zarr"))[0] == 400
    assert (await _error(jp_fetch, "gone.zarr"))[0] == 404
    assert (await _error(jp_fetch, "escape/secret.zarr"))[0] == 403
    assert (await _error(jp_fetch, "../outside/secret.zarr"))[0] in (400, 403, 404)
