"""Editing OME metadata through the real server: GET meta/ (editable + ETag), PATCH meta/,
POST meta-undo/, GET auto-contrast/; real files, read back by ome-zarr-py and validated by
ome-zarr-models."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import zarr
from tornado.httpclient import HTTPClientError

from tests.editing.helpers import image, plate, read_back, snapshot


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    lab = tmp_path / "lab"
    lab.mkdir()
    image(lab / "v04.zarr", "0.4")
    image(lab / "v05.zarr", "0.5")
    image(lab / "c04.zarr", "0.4", consolidated=True)
    image(lab / "c05.zarr", "0.5", consolidated=True)
    return lab


@pytest.fixture
def jp_root_dir(tmp_path: Path, lab: Path) -> Path:
    return tmp_path


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


async def meta(jp_fetch, path: str) -> tuple[dict, str]:
    response = await jp_fetch("fileglancer", "api", "meta", "lab", path)
    return json.loads(response.body), response.headers["ETag"]


async def patch(jp_fetch, path: str, body: dict, etag: str | None) -> dict:
    headers = {"If-Match": etag} if etag is not None else {}
    response = await jp_fetch(
        "fileglancer",
        "api",
        "meta",
        "lab",
        path,
        method="PATCH",
        body=json.dumps(body),
        headers=headers,
    )
    answer = json.loads(response.body)
    assert response.headers["ETag"] == f'"{answer["etag"]}"'
    return answer


async def undo(jp_fetch, path: str, etag: str) -> dict:
    response = await jp_fetch(
        "fileglancer",
        "api",
        "meta-undo",
        "lab",
        path,
        method="POST",
        body="",
        headers={"If-Match": etag},
    )
    return json.loads(response.body)


async def error_of(call) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await call
    return caught.value.code, json.loads(caught.value.response.body)


EVERY_FIELD = {
    "name": "retina",
    "axes": [
        {"name": "c", "type": "channel"},
        {"name": "z", "type": "space", "unit": "micrometer"},
        {"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"},
    ],
    "pixel_sizes": [1, 2, 0.5, 0.5],
    "translation": [0, 10, 0, 0],
    "channels": [
        {"index": 0, "label": "DAPI", "color": "0000FF", "window": {"start": 100, "end": 900}},
        {"index": 1, "label": "GFP", "color": "00ff00", "active": False},
    ],
}


@pytest.mark.parametrize("path", ["v04.zarr", "v05.zarr"])
async def test_every_field_is_edited_and_read_back_by_other_tools(jp_fetch, lab: Path, path):
    summary, etag = await meta(jp_fetch, path)
    editable = summary["editable"]
    assert etag == f'"{editable["etag"]}"' and editable["writable"] and not editable["can_undo"]
    assert editable["pixel_sizes"] == [1, 1, 1, 1] and editable["channels"][0]["label"] is None

    answer = await patch(jp_fetch, path, EVERY_FIELD, etag)
    changed = {c["field"]: (c["old"], c["new"]) for c in answer["changes"]}
    assert changed["name"] == ("image", "retina")
    assert changed["axes[1].unit"] == (None, "micrometer")
    assert changed["pixel_sizes[1]"] == (1, 2) and changed["translation[1]"] == (0, 10)
    assert changed["channels[0].color"] == (None, "0000FF")
    assert changed["channels[1].active"] == (None, False)
    assert answer["editable"]["can_undo"] and answer["written"]

    # Every level keeps its factor relative to level 0; ome-zarr-py and -models agree.
    read = read_back(lab / path)
    scales = [t[0]["scale"] for t in read["coordinateTransformations"]]
    assert scales == [[1, 2, 0.5, 0.5], [1, 2, 1, 1], [1, 2, 2, 2]]
    assert read["name"] == "retina" and read["channel_names"] == ["DAPI", "GFP"]
    assert read["colormap"][0][1] == [0, 0, 1] and read["colormap"][1][1] == [0, 1, 0]
    assert read["visible"] == [True, False]
    assert [a.get("unit") for a in read["axes"]] == [None, *["micrometer"] * 3]
    assert read["contrast_limits"][0] == [100, 900]

    # The inspector shows the new values at once, with the new ETag.
    summary, etag = await meta(jp_fetch, path)
    assert etag == f'"{answer["etag"]}"'
    assert summary["editable"]["pixel_sizes"] == [1, 2, 0.5, 0.5]
    level = summary["ome"]["multiscales"][0]["datasets"][0]
    assert level["world_scale"] == [1, 2, 0.5, 0.5]
    assert not any(h["code"] == "missing-units" for h in summary["health"])


async def test_a_dry_run_previews_and_writes_nothing(jp_fetch, lab: Path):
    before = snapshot(lab / "v04.zarr")
    summary, etag = await meta(jp_fetch, "v04.zarr")
    answer = await patch(jp_fetch, "v04.zarr", {"pixel_sizes": [1, 3, 1, 1], "dry_run": True}, etag)
    assert answer["changes"] == [{"field": "pixel_sizes[1]", "old": 1, "new": 3}]
    assert not answer["written"] and answer["etag"] != summary["editable"]["etag"]
    assert snapshot(lab / "v04.zarr") == before


@pytest.mark.parametrize("path", ["c04.zarr", "c05.zarr"])
async def test_undo_restores_every_document_exactly(jp_fetch, lab: Path, path: str):
    before = snapshot(lab / path)
    _, etag = await meta(jp_fetch, path)
    rename = {"axes": [{"name": "c"}, {"name": "z"}, {"name": "row"}, {"name": "col"}]}
    answer = await patch(jp_fetch, path, {**rename, "name": "renamed"}, etag)
    if path == "c05.zarr":  # 0.5: each level repeats the axes' names
        level = json.loads((lab / path / "s1" / "zarr.json").read_bytes())
        assert level["dimension_names"] == ["c", "z", "row", "col"]
    # The consolidated metadata says the same as the documents.
    group = zarr.open_group(lab / path, mode="r", use_consolidated=True)
    attrs = group.attrs.asdict()
    assert attrs.get("ome", attrs)["multiscales"][0]["name"] == "renamed"
    read_back(lab / path)

    undone = await undo(jp_fetch, path, f'"{answer["etag"]}"')
    state = await jp_fetch("fileglancer", "api", "meta-undo", "lab", path)
    assert json.loads(state.body) == {"can_undo": False, "etag": undone["etag"]}
    assert {c["field"] for c in undone["changes"]} >= {"name", "axes[2].name"}
    assert snapshot(lab / path) == before  # every byte, the undo record gone too
    assert not undone["editable"]["can_undo"]

    code, body = await error_of(undo(jp_fetch, path, undone["etag"]))
    assert code == 409 and body["error"] == "conflict"


async def test_an_image_in_a_plate_is_edited_and_the_plate_consolidated_too(jp_fetch, lab: Path):
    plate(lab / "plate.zarr", "0.4")
    summary, etag = await meta(jp_fetch, "plate.zarr/A/1/0")
    assert summary["editable"]["channels"][1]["index"] == 1
    await patch(jp_fetch, "plate.zarr/A/1/0", {"channels": [{"index": 1, "label": "Cy5"}]}, etag)
    consolidated = json.loads((lab / "plate.zarr" / ".zmetadata").read_bytes())
    channels = consolidated["metadata"]["A/1/0/.zattrs"]["omero"]["channels"]
    assert channels[1]["label"] == "Cy5"
    read_back(lab / "plate.zarr" / "A" / "1" / "0")
    code, body = await error_of(patch(jp_fetch, "plate.zarr", {"name": "x"}, "*"))
    assert code == 400 and "images" in body["message"]


async def test_an_edit_needs_the_current_etag(jp_fetch, lab: Path):
    _, etag = await meta(jp_fetch, "v05.zarr")
    code, body = await error_of(patch(jp_fetch, "v05.zarr", {"name": "a"}, None))
    assert code == 428 and body["error"] == "precondition_required"
    code, _ = await error_of(patch(jp_fetch, "v05.zarr", {"name": "a"}, '"0123"'))
    assert code == 412
    assert (
        json.loads((lab / "v05.zarr" / "zarr.json").read_bytes())["attributes"]["ome"][
            "multiscales"
        ][0]["name"]
        == "image"
    )


async def test_of_two_concurrent_edits_one_gets_412(jp_fetch, lab: Path):
    _, etag = await meta(jp_fetch, "v04.zarr")
    results = await asyncio.gather(
        patch(jp_fetch, "v04.zarr", {"name": "first"}, etag),
        patch(jp_fetch, "v04.zarr", {"name": "second"}, etag),
        return_exceptions=True,
    )
    codes = sorted(200 if isinstance(r, dict) else r.code for r in results)
    assert codes == [200, 412]
    winner = next(r for r in results if isinstance(r, dict))
    stored = json.loads((lab / "v04.zarr" / ".zattrs").read_bytes())
    assert stored["multiscales"][0]["name"] == winner["editable"]["name"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pixel_sizes": [1, -2, 1, 1]}, "pixel_sizes[1]"),
        ({"pixel_sizes": [1, 1]}, "pixel_sizes"),
        ({"translation": [0, "a", 0, 0]}, "translation[1]"),
        ({"axes": [{"name": "c"}, {"name": "z", "unit": "furlong"}, {}, {}]}, "axes[1].unit"),
        ({"axes": [{"name": "c", "unit": "second"}, {}, {}, {}]}, "axes[0].unit"),
        ({"axes": [{"name": "z"}, {"name": "z"}, {}, {}]}, "axes[1].name"),
        ({"axes": [{}, {"name": "t", "type": "time", "unit": "second"}, {}, {}]}, "axes[1]"),
        ({"channels": [{"index": 0, "color": "blue"}]}, "channels[0].color"),
        ({"channels": [{"index": 5, "label": "x"}]}, "channels[0].index"),
        ({"channels": [{"index": 0, "window": {"start": 9, "end": 2}}]}, "channels[0].window"),
        ({"channels": [{"index": 0, "window": {"start": -5, "end": 2}}]}, "channels[0].window"),
        ({"time_spacing": 2}, "time_spacing"),
        ({"shape": [1, 2]}, "shape"),
    ],
)
async def test_an_invalid_value_is_a_400_naming_the_field(jp_fetch, lab: Path, body, field):
    before = snapshot(lab / "v04.zarr")
    code, answer = await error_of(patch(jp_fetch, "v04.zarr", body, "*"))
    assert (code, answer["error"], answer["field"]) == (400, "invalid_value", field), answer
    assert str(lab) not in answer["message"]
    assert snapshot(lab / "v04.zarr") == before


async def test_auto_contrast_computes_windows_from_the_data(jp_fetch, lab: Path):
    response = await jp_fetch("fileglancer", "api", "auto-contrast", "lab", "v05.zarr")
    answer = json.loads(response.body)
    assert answer["level"] == "s2"
    window = answer["channels"][0]["window"]
    assert 100 <= window["start"] < window["end"] <= 1000
    assert (window["min"], window["max"]) == (0, 65535)
    summary, etag = await meta(jp_fetch, "v05.zarr")
    assert "channels-without-windows" in {h["code"] for h in summary["health"]}
    fix = next(h["fix"] for h in summary["health"] if h["code"] == "channels-without-windows")
    assert fix == {"action": "auto_contrast"}
    edited = await patch(jp_fetch, "v05.zarr", {"auto_contrast": True}, etag)
    channels = edited["editable"]["channels"]
    assert channels[0]["window"]["start"] == window["start"] and channels[1]["color"]
    summary, _ = await meta(jp_fetch, "v05.zarr")
    assert "channels-without-windows" not in {h["code"] for h in summary["health"]}


async def test_the_thumbnail_and_viewer_links_show_an_edit_at_once(jp_fetch, lab: Path):
    await jp_fetch(
        "fileglancer",
        "api",
        "links",
        method="POST",
        body=json.dumps({"root": "lab", "path": "v04.zarr"}),
    )

    async def thumbnail() -> tuple[bytes, str]:
        png = (await jp_fetch("fileglancer", "api", "thumbnail", "lab", "v04.zarr")).body
        viewers = await jp_fetch("fileglancer", "api", "viewers", "lab", "v04.zarr")
        neuroglancer = next(
            v["url"] for v in json.loads(viewers.body)["viewers"] if "euroglancer" in v["name"]
        )
        return png, neuroglancer

    _, etag = await meta(jp_fetch, "v04.zarr")
    first = await thumbnail()
    red = [{"index": i, "color": "FF0000", "window": {"start": 0, "end": 1000}} for i in (0, 1)]
    answer = await patch(jp_fetch, "v04.zarr", {"channels": red}, etag)
    png, neuroglancer = await thumbnail()
    assert png != first[0] and neuroglancer != first[1]  # colours and windows are new
    await undo(jp_fetch, "v04.zarr", answer["etag"])
    assert await thumbnail() == first


@pytest.mark.parametrize("method", ["PATCH", "POST", "PUT", "DELETE"])
async def test_data_links_have_no_route_that_writes(jp_fetch, lab: Path, method: str):
    response = await jp_fetch(
        "fileglancer",
        "api",
        "links",
        method="POST",
        body=json.dumps({"root": "lab", "path": "v04.zarr"}),
    )
    url = json.loads(response.body)["url"]
    token = url.rstrip("/").split("/")[-1]
    before = snapshot(lab / "v04.zarr")
    for route in ("s", "s3"):
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch(
                "fileglancer",
                route,
                token,
                ".zattrs",
                method=method,
                body=None if method == "DELETE" else json.dumps({"multiscales": []}),
                allow_nonstandard_methods=True,
            )
        assert caught.value.code in (403, 404, 405), (route, caught.value.code)
    assert snapshot(lab / "v04.zarr") == before


async def test_only_ome_zarr_images_are_edited(jp_fetch, lab: Path):
    (lab / "notes.txt").write_text("x")
    (lab / "plain").mkdir()
    for path in ("notes.txt", "plain"):
        code, body = await error_of(patch(jp_fetch, path, {"name": "x"}, "*"))
        assert code == 400 and "Not an OME-Zarr image" in body["message"]
        summary, _ = (await jp_fetch("fileglancer", "api", "meta", "lab", path)), None
        assert "editable" not in json.loads(summary.body)


async def test_a_symlinked_document_is_never_written_through(jp_fetch, lab: Path, tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_bytes((lab / "v04.zarr" / ".zattrs").read_bytes())
    inside = lab / "v04.zarr" / ".zattrs"
    inside.unlink()
    inside.symlink_to(outside)  # leads out of the root: not even read
    code, body = await error_of(patch(jp_fetch, "v04.zarr", {"name": "x"}, "*"))
    assert code == 400 and str(tmp_path) not in body["message"]
    inside.unlink()
    kept = lab / "kept.json"
    kept.write_bytes(outside.read_bytes())
    inside.symlink_to(kept)  # inside the root: read, but replaced? never
    code, body = await error_of(patch(jp_fetch, "v04.zarr", {"name": "x"}, "*"))
    assert code == 403 and "symbolic link" in body["message"]
    assert kept.read_bytes() == outside.read_bytes() and inside.is_symlink()
