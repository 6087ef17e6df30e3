"""Browsing through the real server: list, node and locate, and every rejection."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from fileglancer_ext.demo.data import write_demo_data

from ..formats.variants import write_json, write_missing_optional_fields


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data, written once per module (it takes seconds); tests hard-link it."""
    destination = tmp_path_factory.mktemp("demo") / "demo"
    write_demo_data(destination, many_files=5)
    return destination


@pytest.fixture
def shares(tmp_path: Path, demo_data: Path) -> dict[str, Path]:
    """A 'lab' root with demo data and a crowded folder, a sibling 'lab2', a 'secret' outside."""
    lab, lab2, secret = tmp_path / "lab", tmp_path / "lab2", tmp_path / "secret"
    for path in (lab, lab2, secret):
        path.mkdir()
    shutil.copytree(demo_data, lab / "demo", copy_function=os.link)
    crowded = lab / "crowded"
    crowded.mkdir()
    for i in range(1, 451):
        (crowded / f"{i}.{i % 13}").write_bytes(b"x" * i)
    (secret / "passwords.txt").write_text("hunter2")
    (lab / "to-secret").symlink_to(secret)
    (lab / "to-lab2").symlink_to(lab2)
    (lab / "not-a-tiff.tif").write_text("plain text, not a TIFF")
    (lab / ".hidden").write_text("")
    return {"lab": lab, "lab2": lab2, "secret": secret, "root_dir": tmp_path}


@pytest.fixture
def jp_root_dir(shares: dict[str, Path]) -> Path:
    return shares["root_dir"]


@pytest.fixture
def fileglancer_config(shares: dict[str, Path], tmp_path: Path) -> dict:
    return {
        "roots": [
            f"lab={shares['lab']}",
            f"lab2={shares['lab2']}",
            f"gone={tmp_path / 'gone'}",
        ]
    }


async def api(jp_fetch, *parts: str, **params: str) -> dict:
    response = await jp_fetch("fileglancer", "api", *parts, params=params)
    assert response.code == 200
    return json.loads(response.body)


async def api_error(jp_fetch, *parts: str, **params: str) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", *parts, params=params)
    return caught.value.code, json.loads(caught.value.response.body)


async def test_paging_through_a_folder_returns_every_entry_exactly_once(jp_fetch):
    names: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = await api(jp_fetch, "list", "lab", "crowded", limit="100", cursor=cursor)
        assert page["total"] == 450
        names += [entry["name"] for entry in page["entries"]]
        pages += 1
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert pages == 5
    assert len(names) == 450 and set(names) == {f"{i}.{i % 13}" for i in range(1, 451)}


async def test_names_sort_naturally_and_other_sorts_work(jp_fetch):
    page = await api(jp_fetch, "list", "lab", "crowded", limit="5000")
    names = [entry["name"] for entry in page["entries"]]
    assert names.index("2.2") < names.index("9.9") < names.index("10.10") < names.index("100.9")
    by_size = await api(jp_fetch, "list", "lab", "crowded", sort="size", order="desc", limit="3")
    assert [entry["size"] for entry in by_size["entries"]] == [450, 449, 448]


async def test_a_new_file_shows_up_on_the_next_listing(jp_fetch, shares: dict[str, Path]):
    before = await api(jp_fetch, "list", "lab", "crowded", limit="1")
    (shares["lab"] / "crowded" / "new-file").write_text("")
    folder = shares["lab"] / "crowded"
    os.utime(folder, ns=(folder.stat().st_atime_ns, folder.stat().st_mtime_ns + 10**9))
    after = await api(jp_fetch, "list", "lab", "crowded", limit="1")
    assert after["total"] == before["total"] + 1


async def test_demo_datasets_are_listed_with_their_kinds(jp_fetch):
    async def kinds(path: str) -> dict[str, tuple]:
        page = await api(jp_fetch, "list", "lab", path)
        return {e["name"]: (e["kind"], e["zarr_format"], e["ome_version"]) for e in page["entries"]}

    assert (await kinds("demo/ome-zarr-0.4"))["cells.ome.zarr"] == ("ome-zarr", 2, "0.4")
    assert (await kinds("demo/ome-zarr-0.5"))["cells.ome.zarr"] == ("ome-zarr", 3, "0.5")
    assert (await kinds("demo/zarr-v2"))["volume.zarr"] == ("zarr-array", 2, None)
    assert (await kinds("demo/zarr-v3"))["sharded.zarr"] == ("zarr-array", 3, None)
    tiffs = await kinds("demo/tiff")
    assert tiffs["cells.ome.tif"][0] == "ome-tiff"
    assert tiffs["stack.tif"][0] == "tiff"


async def test_previewable_in_the_listing_agrees_with_the_thumbnail_route(jp_fetch, shares):
    """The browser shows a preview only when the listing says so: it must match the server."""
    extra = shares["lab"] / "extra"
    group = extra / "plain-group.zarr"
    group.mkdir(parents=True)
    (group / ".zgroup").write_text('{"zarr_format": 2}')
    plate = extra / "plate.ome.zarr"
    plate.mkdir()
    (plate / ".zgroup").write_text('{"zarr_format": 2}')
    plate_attrs = {"plate": {"version": "0.4", "columns": [{"name": "1"}], "rows": [{"name": "A"}]}}
    (plate / ".zattrs").write_text(json.dumps(plate_attrs))
    (extra / "notes.txt").write_text("not an image")
    layout = extra / "layout.zarr"  # bioformats2raw: previewed as its first series
    write_missing_optional_fields(layout / "0")
    write_json(layout / ".zgroup", {"zarr_format": 2})
    write_json(layout / ".zattrs", {"bioformats2raw.layout": 3})
    seen: dict[str, tuple[bool, bool]] = {}
    for folder in ("extra", "demo/ome-zarr-0.4", "demo/zarr-v3", "demo/n5", "demo/tiff"):
        for entry in (await api(jp_fetch, "list", "lab", folder))["entries"]:
            try:
                await jp_fetch("fileglancer", "api", "thumbnail", "lab", entry["path"])
                drawn = True
            except HTTPClientError as err:
                assert err.code == 400, entry["path"]
                drawn = False
            seen[entry["path"]] = (entry["previewable"], drawn)
    assert all(said == drawn for said, drawn in seen.values()), seen
    assert seen["demo/n5/nuclei.n5"] == (True, True)
    assert seen["extra/plate.ome.zarr"] == (False, False)
    assert seen["extra/layout.zarr"] == (True, True)
    node = await api(jp_fetch, "node", "lab", "not-a-tiff.tif")
    assert node["previewable"] is False  # named like a TIFF, confirmed not to be one


async def test_listing_carries_paths_for_jupyterlab_and_hides_dotfiles(jp_fetch):
    page = await api(jp_fetch, "list", "lab", "")
    assert page["root"] == "lab" and page["path"] == "" and page["contents_path"] == "lab"
    entries = {entry["name"]: entry for entry in page["entries"]}
    assert ".hidden" not in entries
    assert entries["demo"]["contents_path"] == "lab/demo"
    assert entries["demo"]["path"] == "demo"
    with_hidden = await api(jp_fetch, "list", "lab", "", hidden="true")
    assert ".hidden" in {entry["name"] for entry in with_hidden["entries"]}


async def test_symlink_out_of_the_roots_is_listed_unreadable_and_refused(jp_fetch):
    page = await api(jp_fetch, "list", "lab", "")
    entries = {entry["name"]: entry for entry in page["entries"]}
    assert entries["to-secret"]["is_symlink"] is True
    assert entries["to-secret"]["readable"] is False
    # Into another root: refused too while the admin switch is off.
    assert entries["to-lab2"]["readable"] is False
    for path in ("to-secret", "to-secret/passwords.txt", "to-lab2"):
        status, body = await api_error(jp_fetch, "list", "lab", path)
        assert (status, body["error"]) == (403, "forbidden")
    status, _ = await api_error(jp_fetch, "node", "lab", "to-secret/passwords.txt")
    assert status == 403


class TestSymlinksBetweenRootsAllowed:
    @pytest.fixture
    def fileglancer_config(self, shares: dict[str, Path]) -> dict:
        return {
            "roots": [f"lab={shares['lab']}", f"lab2={shares['lab2']}"],
            "allow_symlinks_between_roots": True,
        }

    async def test_a_link_into_another_root_can_be_followed(self, jp_fetch, shares):
        (shares["lab2"] / "shared.txt").write_text("ok")
        page = await api(jp_fetch, "list", "lab", "to-lab2")
        assert page["path"] == "to-lab2"
        assert [entry["path"] for entry in page["entries"]] == ["to-lab2/shared.txt"]
        entries = {e["name"]: e for e in (await api(jp_fetch, "list", "lab", ""))["entries"]}
        assert entries["to-lab2"]["readable"] is True
        assert entries["to-secret"]["readable"] is False


@pytest.mark.parametrize(
    ("parts", "status", "code"),
    [
        (("list", "lab", "demo/../../secret"), 400, "bad_request"),
        (("list", "lab", "demo/.."), 400, "bad_request"),
        (("list", "lab", "nul\x00byte"), 400, "bad_request"),
        (("list", "lab", "no/such/folder"), 404, "not_found"),
        (("list", "nosuchroot", ""), 404, "not_found"),
        (("list", "gone", ""), 403, "forbidden"),
        (("list", "lab", "not-a-tiff.tif"), 400, "bad_request"),
        (("node", "lab", "missing.zarr"), 404, "not_found"),
    ],
)
async def test_bad_paths_are_refused_with_a_clear_error(jp_fetch, parts, status, code):
    got_status, body = await api_error(jp_fetch, *parts)
    assert (got_status, body["error"]) == (status, code)
    assert body["message"]
    assert "/tmp" not in body["message"] or code == "forbidden"  # no server paths leak


async def test_an_absolute_path_is_refused(http_server_client, jp_base_url, jp_auth_header):
    # jp_fetch collapses slashes, so build the URL by hand: the path part is "//etc".
    url = f"{jp_base_url}fileglancer/api/list/lab///etc"
    with pytest.raises(HTTPClientError) as caught:
        await http_server_client.fetch(url, headers=jp_auth_header)
    assert caught.value.code == 400
    assert json.loads(caught.value.response.body)["error"] == "bad_request"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "5001"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"sort": "colour"}, "sort"),
        ({"order": "up"}, "order"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
async def test_bad_listing_parameters_are_refused(jp_fetch, params, fragment):
    status, body = await api_error(jp_fetch, "list", "lab", "crowded", **params)
    assert (status, body["error"]) == (400, "bad_request")
    assert fragment in body["message"].lower()


async def test_node_confirms_the_kind_from_the_file_content(jp_fetch):
    fake = await api(jp_fetch, "node", "lab", "not-a-tiff.tif")
    assert fake["kind"] == "file" and "not a TIFF" in fake["problem"]
    real = await api(jp_fetch, "node", "lab", "demo/tiff/cells.ome.tif")
    assert (real["kind"], real["problem"], real["root"]) == ("ome-tiff", None, "lab")
    assert real["contents_path"] == "lab/demo/tiff/cells.ome.tif"


async def test_locate_maps_a_jupyterlab_path_to_its_root(jp_fetch):
    assert await api(jp_fetch, "locate", path="lab/demo/zarr-v2") == {
        "root": "lab",
        "path": "demo/zarr-v2",
    }
    status, body = await api_error(jp_fetch, "locate", path="secret")
    assert (status, body["error"]) == (404, "not_in_a_root")
    # It says the path is outside the roots and names the available ones (not their paths).
    assert body["message"] == (
        "'secret' is outside the shared folders. The shared folders are 'lab', 'lab2'."
    )
    status, body = await api_error(jp_fetch, "locate", path="../etc")
    assert status == 400
    status, body = await api_error(jp_fetch, "locate")
    assert status == 400


@pytest.mark.parametrize("parts", [("list", "lab", ""), ("node", "lab", "demo"), ("locate",)])
async def test_browse_routes_need_a_logged_in_user(jp_fetch, parts):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", *parts, headers={"Authorization": "token wrong"})
    assert caught.value.code == 403
