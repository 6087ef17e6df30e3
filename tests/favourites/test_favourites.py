"""Favourites per user on the server: read, replace, kept across restarts, per owner."""

from __future__ import annotations

import json
from typing import Any

from fileglancer_ext.favourites.store import FavouriteStore

CELLS = [
    {"root": "lab", "path": f"{group}/cells.ome.zarr", "name": "cells.ome.zarr", "kind": "ome-zarr"}
    for group in ("a/run1", "a/run2", "b/run1", "c")
]


async def api(jp_fetch, method: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if method == "PUT":
        kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
    response = await jp_fetch("fileglancer", "api", "favourites", **kwargs)
    return response.code, json.loads(response.body or b"{}")


async def test_a_user_saves_and_reads_back_their_favourites_in_order(jp_fetch):
    status, empty = await api(jp_fetch, "GET")
    # Never saved: the browser moves its per-workspace favourites here, once.
    assert (status, empty) == (200, {"favourites": [], "saved": False})

    places = [CELLS[2], CELLS[0], CELLS[3], CELLS[1], CELLS[0]]
    status, saved = await api(jp_fetch, "PUT", {"favourites": places})
    assert status == 200
    assert saved["favourites"] == [CELLS[2], CELLS[0], CELLS[3], CELLS[1]]  # once each
    assert await api(jp_fetch, "GET") == (200, saved)

    status, cleared = await api(jp_fetch, "PUT", {"favourites": []})
    assert (status, cleared) == (200, {"favourites": [], "saved": True})
    assert await api(jp_fetch, "GET") == (200, {"favourites": [], "saved": True})


async def test_bad_favourites_are_a_clear_400(jp_fetch):
    for body, words in [
        ({"favourites": "lab/x"}, "must be a list"),
        ({"favourites": [{"root": "lab", "path": 3, "name": "x", "kind": "file"}]}, "'path'"),
        ({"favourites": [{"root": "", "path": "x", "name": "x", "kind": "file"}]}, "its root"),
        ({"favourites": [CELLS[0]] * 501}, "At most 500"),
        ("not json", ""),
    ]:
        status, answer = await api(jp_fetch, "PUT", body)
        assert status == 400, body
        assert words in answer["message"]
    assert (await api(jp_fetch, "GET"))[1]["saved"] is False


def test_each_owner_has_their_own_list_kept_across_restarts(store_url: str):
    store = FavouriteStore.from_url(store_url)
    try:
        store.replace("ada", CELLS[:2])
        store.replace("grace", CELLS[3:])
    finally:
        store.close()
    reopened = FavouriteStore.from_url(store_url)
    try:
        ada, ada_saved = reopened.list_for_owner("ada")
        grace, _ = reopened.list_for_owner("grace")
        nobody, nobody_saved = reopened.list_for_owner("linus")
    finally:
        reopened.close()
    assert [place.to_json() for place in ada] == CELLS[:2] and ada_saved
    assert [place.to_json() for place in grace] == CELLS[3:]
    assert (nobody, nobody_saved) == ([], False)
