"""Short viewer links: owners create, list, re-point and delete them; anyone follows them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from fileglancer_ext.shortlinks.store import ShortLinkStore

VIEWER_URL = "https://neuroglancer-demo.appspot.com/#!" + "%7B%22layers%22%3A%5B%5D%7D" * 200


async def api(jp_fetch, method: str, *parts: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None or method in ("POST", "PATCH"):
        kwargs["body"] = json.dumps(body if body is not None else {})
    response = await jp_fetch("fileglancer", "api", "short-links", *parts, **kwargs)
    return response.code, json.loads(response.body or b"{}")


async def follow(http_server_client, jp_base_url: str, short_url: str) -> HTTPResponse:
    """A GET of a short URL by a stranger's client that does not follow redirects."""
    path = jp_base_url + short_url.split(jp_base_url, 1)[1]
    return await http_server_client.fetch(path, follow_redirects=False, raise_error=False)


async def test_a_short_link_redirects_to_the_viewer_url(jp_fetch, http_server_client, jp_base_url):
    status, made = await api(jp_fetch, "POST", body={"url": VIEWER_URL, "label": "Figure 2"})
    assert status == 201
    assert made["url"] == VIEWER_URL and made["label"] == "Figure 2"
    assert made["short_url"].endswith(f"/fileglancer/v/{made['key']}")
    assert len(made["short_url"]) < 120
    response = await follow(http_server_client, jp_base_url, made["short_url"])
    assert response.code == 302
    assert response.headers["Location"] == VIEWER_URL
    assert response.headers["Cache-Control"] == "no-store"


async def test_owners_list_repoint_and_delete_their_short_links(
    jp_fetch, http_server_client, jp_base_url
):
    _, first = await api(jp_fetch, "POST", body={"url": "https://viewer.example/#a"})
    _, second = await api(jp_fetch, "POST", body={"url": "https://viewer.example/#b"})
    status, listed = await api(jp_fetch, "GET")
    assert status == 200
    assert [link["key"] for link in listed["short_links"]] == [second["key"], first["key"]]

    moved = "https://viewer.example/#a-adjusted"
    status, updated = await api(jp_fetch, "PATCH", first["key"], body={"url": moved, "label": "x"})
    assert (status, updated["url"], updated["label"]) == (200, moved, "x")
    assert updated["short_url"] == first["short_url"]  # same key, new target
    response = await follow(http_server_client, jp_base_url, first["short_url"])
    assert response.headers["Location"] == moved

    status, _ = await api(jp_fetch, "DELETE", first["key"])
    assert status == 200
    response = await follow(http_server_client, jp_base_url, first["short_url"])
    assert response.code == 404
    assert (await api(jp_fetch, "GET", first["key"]))[0] == 404


async def test_an_unknown_short_link_is_404(http_server_client, jp_base_url):
    response = await http_server_client.fetch(
        f"{jp_base_url}fileglancer/v/NoSuchKey123", follow_redirects=False, raise_error=False
    )
    assert response.code == 404


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "/relative/path",
        "https://viewer.example/\r\nSet-Cookie: a=b",
        "ftp://files.example/data",
        None,
    ],
)
async def test_only_http_urls_can_be_shortened(jp_fetch, url):
    status, error = await api(jp_fetch, "POST", body={"url": url})
    assert status == 400 and error["error"] == "bad_request"


async def test_repointing_to_a_script_url_is_refused(jp_fetch):
    _, made = await api(jp_fetch, "POST", body={"url": "https://viewer.example/"})
    status, _ = await api(jp_fetch, "PATCH", made["key"], body={"url": "javascript:alert(1)"})
    assert status == 400
    status, _ = await api(jp_fetch, "PATCH", made["key"], body={"owner": "someone"})
    assert status == 400


def test_keys_are_unguessable_and_owners_see_only_their_own(store_url):
    store = ShortLinkStore.from_url(store_url)
    try:
        keys = {store.create("ann", f"https://viewer.example/#{i}").key for i in range(50)}
        assert len(keys) == 50 and all(len(key) >= 16 for key in keys)
        bobs = store.create("bob", "https://viewer.example/#bob")
        assert [link.owner for link in store.list_for_owner("bob")] == ["bob"]
        with pytest.raises(Exception, match="no short link"):
            store.update("ann", bobs.key, {"url": "https://evil.example/"})
        assert store.resolve(bobs.key).url == "https://viewer.example/#bob"
    finally:
        store.close()
