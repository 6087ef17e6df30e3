"""The REST API through a real Jupyter server: roots, version, auth and error format."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from jupyter_server.auth import Authorizer
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from fileglancer_ext import __version__
from fileglancer_ext.web import API_PREFIX, ROOT_AND_PATH
from tests.conftest import LogCapture


async def get_json(jp_fetch, *parts: str, **kwargs) -> dict:
    response = await jp_fetch("fileglancer", "api", *parts, **kwargs)
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def test_version_reports_the_package_version(jp_fetch):
    body = await get_json(jp_fetch, "version")
    assert body == {"version": __version__, "api_version": 1}


async def test_roots_default_to_the_server_root_dir(jp_fetch, jp_root_dir: Path):
    body = await get_json(jp_fetch, "roots")
    assert body["roots"] == [
        {
            "name": "home",
            "title": "Home",
            "path": str(jp_root_dir.resolve()),
            "smb_url": None,
            "unc_path": None,
            "available": True,
            "problem": None,
        }
    ]


class TestConfiguredRoots:
    @pytest.fixture
    def fileglancer_config(self, share_dirs: dict[str, Path]) -> dict:
        return {
            "roots": [
                {
                    "name": "lab",
                    "path": str(share_dirs["lab"]),
                    "title": "Lab share",
                    "smb_url": "smb://fs.example.org/lab",
                    "unc_path": r"\\fs.example.org\lab",
                },
                f"scratch={share_dirs['scratch']}",
            ]
        }

    async def test_roots_come_back_in_configured_order_with_their_aliases(
        self, jp_fetch, share_dirs: dict[str, Path]
    ):
        roots = (await get_json(jp_fetch, "roots"))["roots"]
        assert [root["name"] for root in roots] == ["lab", "scratch"]
        lab, scratch = roots
        assert lab["title"] == "Lab share"
        assert lab["path"] == str(share_dirs["lab"].resolve())
        assert lab["smb_url"] == "smb://fs.example.org/lab"
        assert lab["unc_path"] == r"\\fs.example.org\lab"
        assert scratch["title"] == "scratch"
        assert all(root["available"] for root in roots)


class TestBadRootConfig:
    """A root that does not exist is logged and shown as unavailable; the server runs on."""

    @pytest.fixture
    def fileglancer_config(
        self, share_dirs: dict[str, Path], tmp_path: Path, fileglancer_log: LogCapture
    ) -> dict:
        return {
            "logging_config": fileglancer_log.logging_config(),
            "roots": [
                {"name": "lab", "path": str(share_dirs["lab"])},
                {"name": "gone", "path": str(tmp_path / "no-such-share")},
                {"name": "bad name!", "path": str(share_dirs["scratch"])},
                "not-a-root-entry",
            ],
        }

    async def test_missing_root_is_reported_unavailable_and_the_rest_still_work(
        self, jp_fetch, tmp_path: Path
    ):
        roots = (await get_json(jp_fetch, "roots"))["roots"]
        assert [root["name"] for root in roots] == ["lab", "gone"]
        lab, gone = roots
        assert lab["available"] is True
        assert gone["available"] is False
        # The reason, never the server's path (only the admin's log line names it).
        assert gone["problem"] == "its folder does not exist"

    async def test_listing_an_unavailable_root_names_the_root_not_the_server_path(
        self, jp_fetch, tmp_path: Path
    ):
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("fileglancer", "api", "list", "gone", "some/folder")
        assert caught.value.code == 403
        message = json.loads(caught.value.response.body)["message"]
        assert message == "The shared folder 'gone' is unavailable: its folder does not exist."
        assert str(tmp_path) not in message

    async def test_bad_roots_are_logged_with_a_clear_message(
        self, jp_serverapp, fileglancer_log: LogCapture
    ):
        messages = fileglancer_log.messages(logging.WARNING)
        assert any(
            "root 'gone' (" in m and "no-such-share) is unavailable" in m and "does not exist" in m
            for m in messages
        )
        assert any("root name 'bad name!'" in m for m in messages)
        assert any("'not-a-root-entry' should look like 'name=/path'" in m for m in messages)


def every_api_route(jp_serverapp) -> list[tuple[str, list[str]]]:
    """(a request path under /fileglancer/api/, the HTTP methods its handler answers) for
    each API route the running extension registered, every feature's (`app.FEATURES`),
    with sample values for its parameters."""
    (app,) = jp_serverapp.extension_manager.extension_apps["fileglancer_ext"]
    routes = [
        (
            re.sub(
                r"\(\?P<\w+>[^)]*\)", "0123abcd", pattern.replace(ROOT_AND_PATH, "home/data.zarr")
            ),
            [
                method
                for method in WRITE_METHODS + ("GET",)
                if method.lower() in names_defined_by(handler)
            ],
        )
        for pattern, handler, *_ in app.handlers
        if pattern.startswith(f"{API_PREFIX}/")
    ]
    assert not any("(" in path for path, _ in routes), routes  # every parameter filled in
    return [(path.removeprefix(f"{API_PREFIX}/"), methods) for path, methods in routes]


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def names_defined_by(handler: type) -> set[str]:
    """The methods `handler` itself or a base of ours defines (not tornado's defaults)."""
    return {
        name
        for cls in handler.__mro__
        if cls.__module__.startswith("fileglancer_ext")
        for name in vars(cls)
    }


def every_api_path(jp_serverapp) -> list[str]:
    """A request path under /fileglancer/api/ for each API route (`every_api_route`)."""
    return [path for path, _ in every_api_route(jp_serverapp)]


def test_the_api_routes_come_from_every_feature(jp_serverapp):
    paths = every_api_path(jp_serverapp)
    for feature in ("version", "roots", "meta/", "links", "viewers/", "jobs", "short-links"):
        assert any(path.startswith(feature) for path in paths), (feature, paths)
    assert "favourites" in paths


async def test_unauthenticated_requests_are_refused_with_403(jp_fetch, jp_serverapp):
    for route, methods in every_api_route(jp_serverapp):
        for method in {"GET", *methods}:  # GET too: a route that answers none is refused
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            with pytest.raises(HTTPClientError) as caught:
                await jp_fetch(
                    "fileglancer",
                    "api",
                    *route.split("/"),
                    method=method,
                    body=body,
                    headers={"Authorization": "token not-the-token"},
                )
            assert caught.value.code == 403, (method, route)
            assert json.loads(caught.value.response.body)["error"] == "forbidden", (method, route)


async def test_unknown_api_route_is_404(jp_fetch):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", "no-such-route")
    assert caught.value.code == 404


async def test_roots_refuse_writes(jp_fetch):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("fileglancer", "api", "roots", method="POST", body="{}")
    assert caught.value.code == 405


class DenyFileglancer(Authorizer):
    """An authorizer, as a hub might configure, that allows Jupyter but not fileglancer."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        return resource != "fileglancer"


class TestAuthorization:
    @pytest.fixture
    def jp_server_config(self, fileglancer_config: dict) -> Config:
        return Config(
            {
                "ServerApp": {
                    "jpserver_extensions": {"fileglancer_ext": True},
                    "authorizer_class": DenyFileglancer,
                },
            }
        )

    async def test_routes_are_authorized_against_the_fileglancer_resource(
        self, jp_fetch, jp_serverapp
    ):
        for route in every_api_path(jp_serverapp):
            with pytest.raises(HTTPClientError) as caught:
                await jp_fetch("fileglancer", "api", *route.split("/"))
            assert caught.value.code == 403, route

    async def test_other_jupyter_routes_stay_allowed(self, jp_fetch):
        response = await jp_fetch("api", "contents")
        assert response.code == 200
