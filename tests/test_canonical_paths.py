"""Every route answers with the canonical path of what it was asked about: `a//./b/` is
`a/b` in the listing, the node, the metadata summary, the group members, the statistics,
the viewers and the data link (`RootRegistry.resolve` returns it in its `Location`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fileglancer_ext.roots import Root, RootRegistry

SPELLINGS = ["a//./b", "a/./b/", "/a/b", "./a//b//"]


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A root 'lab' holding the Zarr v3 group a/b with one member group."""
    group = tmp_path / "lab" / "a" / "b"
    (group / "member").mkdir(parents=True)
    (group / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    (group / "member" / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    return tmp_path / "lab"


@pytest.fixture
def fileglancer_config(lab: Path, tmp_path: Path) -> dict:
    return {"roots": [f"lab={lab}"], "link_store_url": f"sqlite:///{tmp_path / 'links.db'}"}


def test_resolve_returns_the_canonical_location(lab: Path):
    registry = RootRegistry([Root("lab", lab, "Lab")])
    for spelling in SPELLINGS:
        location = registry.resolve("lab", spelling)
        assert (location.root, location.path, location.real) == ("lab", "a/b", lab / "a" / "b")
    assert registry.resolve("lab", "/./").path == ""


async def get(jp_fetch, route: str, path: str) -> dict:
    # One URL part: jp_fetch must not join (and so clean up) the path's own slashes.
    response = await jp_fetch(f"fileglancer/api/{route}/lab/{path}")
    return json.loads(response.body)


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("route", ["list", "node", "meta", "members", "stats"])
async def test_browse_and_inspect_routes_answer_the_canonical_path(
    jp_fetch, route: str, spelling: str
):
    answer = await get(jp_fetch, route, spelling)
    assert (answer["root"], answer["path"]) == ("lab", "a/b")


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_viewers_route_shows_the_canonical_path(jp_fetch, lab: Path, spelling: str):
    answer = await get(jp_fetch, "viewers", spelling)
    assert answer["paths"]["linux"] == f"{lab}/a/b"
    for snippet in answer["snippets"]:
        assert "a//" not in snippet["code"] and "/./" not in snippet["code"]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_link_creation_records_the_canonical_path(jp_fetch, spelling: str):
    body = json.dumps({"root": "lab", "path": spelling})
    response = await jp_fetch("fileglancer", "api", "links", method="POST", body=body)
    link = json.loads(response.body)
    assert (link["root"], link["path"]) == ("lab", "a/b")
    found = await jp_fetch("fileglancer", "api", "links", params={"root": "lab", "path": spelling})
    assert [item["path"] for item in json.loads(found.body)["links"]] == ["a/b"]
