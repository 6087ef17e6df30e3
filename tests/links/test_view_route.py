"""The viewer through a data link (`/fileglancer/view/{token}/...`): the same descriptor,
tiles and pixel values as the authenticated routes, drawn only from the share, dead with
the link, with the share route's CORS and sandbox headers; refused where owners' access is
checked per file. Inside Jupyter and in a real `serve-links` process."""

from __future__ import annotations

import getpass
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.httpclient import HTTPResponse

from fileglancer_ext.demo.data import OME_TIFF, OME_ZARR_V04
from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.links.store import ShareLinkStore
from fileglancer_ext.links.view_route import OWNER_CHECKS_REFUSAL
from fileglancer_ext.web import SANDBOX_HEADERS

from .conftest import serving_link_app
from .test_link_server import LinkServer, get

IMAGE = "cells.ome.zarr"
TIFF = "cells.ome.tif"
TILE = {"scale": "0", "x": "0", "y": "0", "z": "3", "channels": "0,2"}


@pytest.fixture
def images(share_tree: dict[str, Path], demo: Path) -> dict[str, Path]:
    """The demo OME-Zarr and OME-TIFF in the shared folder; `escaping.ome.zarr`, whose
    channel 0 of level 0 is a symlink to a copy in the root's private folder (outside the share)."""
    data, private = share_tree["data"], share_tree["private"]
    shutil.copytree(demo / OME_ZARR_V04.name, data / IMAGE)
    shutil.copy(demo / OME_TIFF.name, data / TIFF)
    shutil.copytree(demo / OME_ZARR_V04.name, data / "escaping.ome.zarr")
    shutil.move(data / "escaping.ome.zarr" / "s0" / "0", private / "channel0")
    (data / "escaping.ome.zarr" / "s0" / "0").symlink_to(private / "channel0")
    return {"image": data / IMAGE, "tiff": data / TIFF}


def view_url(base: str, token: str, kind: str, path: str = "", **params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"{base}fileglancer/view/{token}/{kind}/{path}" + (f"?{query}" if query else "")


async def public(http_server_client, url: str, **kwargs) -> HTTPResponse:
    """A request with no Jupyter credentials at all."""
    return await http_server_client.fetch(url, raise_error=False, **kwargs)


async def authenticated(jp_fetch, kind: str, path: str, **params: str) -> HTTPResponse:
    return await jp_fetch("fileglancer", "api", kind, "lab", f"data/{path}", params=params)


@pytest.mark.parametrize("path", [IMAGE, TIFF, f"{TIFF}/ome.zarr"])
async def test_info_a_tile_a_pixel_and_a_histogram_through_a_link_equal_the_authenticated_ones(
    jp_fetch, http_server_client, jp_base_url, token, images, path
):
    through_link = await public(http_server_client, view_url(jp_base_url, token, "info", path))
    assert through_link.code == 200, through_link.body
    assert through_link.headers["Content-Type"] == "application/json"
    direct = json.loads((await authenticated(jp_fetch, "viewer-info", path.split("/")[0])).body)
    described = json.loads(through_link.body)
    assert described["path"] == path.split("/")[0] or path.endswith("ome.zarr")
    assert {**described, "root": "", "path": ""} == {**direct, "root": "", "path": ""}
    assert described["width"] == 256 and len(described["channels"]) == 3

    tile = await public(http_server_client, view_url(jp_base_url, token, "tile", path, **TILE))
    assert tile.code == 200, tile.body
    assert tile.headers["Content-Type"] == "image/png"
    assert tile.headers["Cache-Control"] == "private, no-cache"
    assert tile.body == (await authenticated(jp_fetch, "tile", path.split("/")[0], **TILE)).body

    where = {"x": "10", "y": "20", "z": "3"}
    pixel = await public(http_server_client, view_url(jp_base_url, token, "pixel", path, **where))
    direct_pixel = await authenticated(jp_fetch, "pixel", path.split("/")[0], **where)
    assert json.loads(pixel.body) == json.loads(direct_pixel.body)

    region = {"x0": "0", "y0": "0", "x1": "128", "y1": "96", "z": "3", "bins": "32"}
    counted = await public(
        http_server_client, view_url(jp_base_url, token, "histogram", path, **region)
    )
    assert counted.code == 200, counted.body
    direct_counts = await authenticated(jp_fetch, "histogram", path.split("/")[0], **region)
    assert json.loads(counted.body) == json.loads(direct_counts.body)
    assert sum(json.loads(counted.body)["channels"][0]["counts"]) == 128 * 96


async def test_a_link_to_the_image_itself_views_it_with_an_empty_path(
    http_server_client, jp_base_url, other_store, share_tree, images, jp_serverapp
):
    link = other_store.create(getpass.getuser(), "lab", str(share_tree["lab"]), f"data/{TIFF}")
    described = await public(http_server_client, view_url(jp_base_url, link.token, "info"))
    assert described.code == 200 and json.loads(described.body)["channels"]
    named = await public(http_server_client, view_url(jp_base_url, link.token, "info", TIFF))
    assert named.code == 200
    other = await public(http_server_client, view_url(jp_base_url, link.token, "info", IMAGE))
    assert other.code == 404


async def test_a_revoked_link_draws_nothing_on_the_next_request(
    http_server_client, jp_base_url, token, other_store, images
):
    url = view_url(jp_base_url, token, "tile", IMAGE, **TILE)
    assert (await public(http_server_client, url)).code == 200
    link = other_store.lookup_active(token)
    assert link is not None
    other_store.revoke(link.owner, link.id)
    for answer in (
        await public(http_server_client, url),
        await public(http_server_client, view_url(jp_base_url, token, "info", IMAGE)),
    ):
        assert answer.code == 404
        assert json.loads(answer.body)["message"] == (
            "This share link does not exist, was revoked, or has expired."
        )
    unknown = await public(http_server_client, view_url(jp_base_url, "nosuchtoken", "info"))
    assert unknown.code == 404


async def test_reads_never_leave_the_share(
    jp_fetch, http_server_client, jp_base_url, token, images, share_tree
):
    for path in ("../private", "to-private/level0", "to-secret", "%2e%2e/private"):
        answer = await public(http_server_client, view_url(jp_base_url, token, "info", path))
        assert 400 <= answer.code < 500, (path, answer.code)
        assert str(share_tree["lab"]) not in answer.body.decode()  # no server path
    # Chunks inside the image behind a symlink out of the share: the root allows them,
    # the link does not.
    url = view_url(jp_base_url, token, "tile", "escaping.ome.zarr", **TILE)
    answer = await public(http_server_client, url)
    assert answer.code == 400, answer.body
    assert "leads outside the shared folders" in json.loads(answer.body)["message"]
    assert (await authenticated(jp_fetch, "tile", "escaping.ome.zarr", **TILE)).code == 200


async def test_cors_and_sandbox_headers_as_the_share_route(
    http_server_client, jp_base_url, token, images
):
    url = view_url(jp_base_url, token, "info", IMAGE)
    answer = await public(http_server_client, url, headers={"Origin": "https://viewer.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    for name, value in SANDBOX_HEADERS.items():
        assert answer.headers[name] == value
    preflight = await public(
        http_server_client,
        url,
        method="OPTIONS",
        headers={"Origin": "https://viewer.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    refused = await public(http_server_client, url, method="POST", body=b"{}")
    assert refused.code == 405 and refused.headers["Access-Control-Allow-Origin"] == "*"
    bad = await public(http_server_client, view_url(jp_base_url, token, "tile", IMAGE, x="0"))
    assert bad.code == 400 and json.loads(bad.body)["message"] == "scale is required"
    assert bad.headers["Content-Security-Policy"] == SANDBOX_HEADERS["Content-Security-Policy"]


@pytest.fixture
def served_link(store_url: str, share_tree: dict[str, Path], images) -> Iterator[tuple]:
    """A `serve-links` process and a link to lab/data in its store."""
    store = ShareLinkStore.from_url(store_url)
    link = store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    server = LinkServer(store_url).start()
    yield server, link.token, store
    server.stop()
    store.close()


async def test_the_link_server_process_draws_the_authenticated_tile(jp_fetch, served_link, images):
    server, token, store = served_link
    code, body = get(view_url(server.url, token, "info", IMAGE))
    assert code == 200
    direct = json.loads((await authenticated(jp_fetch, "viewer-info", IMAGE)).body)
    assert {**json.loads(body), "root": "", "path": ""} == {**direct, "root": "", "path": ""}
    code, png = get(view_url(server.url, token, "tile", IMAGE, **TILE))
    assert code == 200
    assert png == (await authenticated(jp_fetch, "tile", IMAGE, **TILE)).body
    code, _ = get(view_url(server.url, token, "info", "../private"))
    assert code == 404
    link = store.lookup_active(token)
    assert link is not None
    store.revoke(link.owner, link.id)
    assert get(view_url(server.url, token, "tile", IMAGE, **TILE))[0] == 404


def test_a_link_server_that_checks_owners_per_file_refuses_the_viewer(
    store_url: str, share_tree: dict[str, Path], images
):
    import asyncio

    store = ShareLinkStore.from_url(store_url)
    link = store.create(getpass.getuser(), "lab", str(share_tree["lab"]), "data")
    shares = ShareServer(store, check_owner_permissions=True)
    loop = asyncio.new_event_loop()
    try:
        with serving_link_app(loop, shares) as url:
            result = loop.run_until_complete(
                asyncio.to_thread(get, view_url(url, link.token, "info", IMAGE))
            )
            share = loop.run_until_complete(
                asyncio.to_thread(get, f"{url}fileglancer/s/{link.token}/{IMAGE}/.zattrs")
            )
    finally:
        loop.close()
        store.close()
    code, body = result
    assert code == 403 and json.loads(body)["message"] == OWNER_CHECKS_REFUSAL
    assert share[0] == 200  # the share route itself still serves (with its own checks)
