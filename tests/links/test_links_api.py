"""The authenticated links API through the real server: create, list, get, change, revoke."""

from __future__ import annotations

import getpass

import pytest

from .conftest import api, api_status, create_link, public_fetch


async def test_creating_a_link_returns_its_public_url_and_it_serves(
    jp_fetch, http_server_client, jp_base_url
):
    link = await create_link(jp_fetch, label="for Ana", expires_in=3600)
    assert link["root"] == "lab" and link["path"] == "data" and link["label"] == "for Ana"
    assert link["owner"] == getpass.getuser()
    assert link["active"] is True and link["revoked"] is False and link["target_exists"] is True
    assert link["expires"] > link["created"]
    assert len(link["token"]) >= 32  # 24 random bytes, base64url
    assert link["url"].startswith("http://127.0.0.1:")
    assert link["url"].endswith(f"{jp_base_url}fileglancer/s/{link['token']}/")
    response = await public_fetch(http_server_client, jp_base_url, link["token"], "hello.txt")
    assert (response.code, response.body) == (200, b"hello, world\n")


class TestPublicBaseURL:
    @pytest.fixture
    def fileglancer_config(self, fileglancer_config) -> dict:
        return {
            **fileglancer_config,
            "public_base_url": "https://hub.example.org/services/fileglancer-links/",
        }

    async def test_the_configured_public_base_url_prefixes_links(self, jp_fetch):
        link = await create_link(jp_fetch)
        assert link["url"] == (
            f"https://hub.example.org/services/fileglancer-links/fileglancer/s/{link['token']}/"
        )


async def test_links_are_listed_newest_first_and_filtered_by_dataset(jp_fetch):
    first = await create_link(jp_fetch, "data")
    second = await create_link(jp_fetch, "data/sub")
    listed = await api(jp_fetch, "GET", "links")
    assert [link["id"] for link in listed["links"]] == [second["id"], first["id"]]
    assert all(link["target_exists"] for link in listed["links"])
    of_sub = await api(jp_fetch, "GET", "links", root="lab", path="/data/sub/")
    assert [link["id"] for link in of_sub["links"]] == [second["id"]]


async def test_a_link_made_through_a_symlink_is_found_by_either_path(jp_fetch, share_tree):
    (share_tree["lab"] / "latest").symlink_to(share_tree["data"] / "sub")
    link = await create_link(jp_fetch, "latest")
    assert link["path"] == "data/sub"
    for path in ("latest", "data/sub"):
        found = await api(jp_fetch, "GET", "links", root="lab", path=path)
        assert [item["id"] for item in found["links"]] == [link["id"]]


async def test_get_and_patch_a_link(jp_fetch):
    link = await create_link(jp_fetch)
    assert (await api(jp_fetch, "GET", "links", link["id"]))["token"] == link["token"]
    changed = await api(
        jp_fetch, "PATCH", "links", link["id"], body={"label": "new", "expires_in": 60}
    )
    assert changed["label"] == "new" and changed["expires"] is not None
    cleared = await api(jp_fetch, "PATCH", "links", link["id"], body={"expires_in": None})
    assert cleared["expires"] is None and cleared["label"] == "new"


async def test_revoking_hides_the_link_and_kills_it_at_once(
    jp_fetch, http_server_client, jp_base_url
):
    link = await create_link(jp_fetch)
    revoked = await api(jp_fetch, "DELETE", "links", link["id"])
    assert revoked["revoked"] is True and revoked["active"] is False
    assert (await api(jp_fetch, "GET", "links"))["links"] == []
    assert (await api(jp_fetch, "GET", "links", link["id"]))["revoked"] is True
    response = await public_fetch(http_server_client, jp_base_url, link["token"], "hello.txt")
    assert response.code == 404


async def test_a_link_whose_target_disappeared_says_so(jp_fetch, share_tree):
    link = await create_link(jp_fetch, "data/sub")
    (share_tree["data"] / "sub" / "inner.txt").unlink()
    (share_tree["data"] / "sub").rmdir()
    assert (await api(jp_fetch, "GET", "links", link["id"]))["target_exists"] is False


async def test_another_users_link_is_not_found(jp_fetch, other_store, share_tree):
    theirs = other_store.create("someone-else", "lab", str(share_tree["lab"]), "data")
    for method, body in (("GET", None), ("PATCH", {"label": "mine"}), ("DELETE", None)):
        status, error = await api_status(jp_fetch, method, "links", theirs.id, body=body)
        assert (status, error["error"]) == (404, "not_found")
    assert (await api(jp_fetch, "GET", "links"))["links"] == []
    assert other_store.lookup_active(theirs.token) is not None  # untouched


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"root": "lab", "path": "no-such-thing"}, 404, "not_found"),
        ({"root": "nope", "path": ""}, 404, "not_found"),
        ({"root": "lab", "path": "data/../../secret"}, 400, "bad_request"),
        ({"root": "lab", "path": "data/to-secret"}, 403, "forbidden"),
        ({"root": "lab", "path": "data", "expires_in": -5}, 400, "bad_request"),
        ({"root": "lab", "path": "data", "expires_in": "soon"}, 400, "bad_request"),
        ({"root": "lab", "path": "data", "label": 12}, 400, "bad_request"),
        ({"path": "data"}, 400, "bad_request"),
    ],
)
async def test_creating_a_link_to_what_the_user_cannot_read_is_refused(
    jp_fetch, body, status, code
):
    got, error = await api_status(jp_fetch, "POST", "links", body=body)
    assert (got, error["error"]) == (status, code)


async def test_patch_refuses_unknown_fields(jp_fetch):
    link = await create_link(jp_fetch)
    status, error = await api_status(jp_fetch, "PATCH", "links", link["id"], body={"path": "x"})
    assert (status, error["error"]) == (400, "bad_request")


@pytest.mark.parametrize(
    ("method", "parts"),
    [
        ("GET", ("links",)),
        ("POST", ("links",)),
        ("GET", ("links", "abc")),
        ("PATCH", ("links", "abc")),
        ("DELETE", ("links", "abc")),
    ],
)
async def test_the_links_api_needs_a_logged_in_user(http_server_client, jp_base_url, method, parts):
    body = "{}" if method in ("POST", "PATCH") else None
    response = await http_server_client.fetch(
        f"{jp_base_url}fileglancer/api/{'/'.join(parts)}",
        method=method,
        body=body,
        raise_error=False,
    )
    assert response.code == 403
