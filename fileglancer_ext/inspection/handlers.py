"""HTTP for inspecting a dataset: its metadata summary, a page of a group's members, its
storage statistics and a thumbnail. Thin handlers over `inspection.service.DatasetInspector`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..editing.handlers import etag_header, patch_metadata
from ..formats.summary import MEMBER_LIMIT
from ..web import API_PREFIX, ROOT_AND_PATH, FileglancerAPIHandler, Route
from .thumbnails.core import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE

if TYPE_CHECKING:
    from ..app import FileglancerApp

MAX_MEMBER_LIMIT = 1000  # group members per page of `members/`


class MetaHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        summary = await asyncio.to_thread(self.extensionapp.inspector.metadata, root, path or "")
        # An OME-Zarr image's fields the editor may change, and the version they are of.
        editor = self.extensionapp.editor
        editable = await asyncio.to_thread(editor.editable_or_none, root, path or "")
        if editable is not None:
            summary["editable"] = editable
            self.set_header("ETag", etag_header(editable["etag"]))
        self.write_json(summary)

    @web.authenticated
    @authorized
    async def patch(self, root: str, path: str | None = None) -> None:
        await patch_metadata(self, root, path or "")


class MembersHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        offset = self.int_query("offset", 0, 0, 10**12)
        limit = self.int_query("limit", MEMBER_LIMIT, 1, MAX_MEMBER_LIMIT)
        page = await asyncio.to_thread(
            self.extensionapp.inspector.members, root, path or "", offset=offset, limit=limit
        )
        self.write_json(page)


class StatsHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        stats = await asyncio.to_thread(self.extensionapp.inspector.stats, root, path or "")
        self.write_json(stats)


PREVIEW_HEADER = "X-Fileglancer-Preview"


class ThumbnailHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        size = self.int_query("size", DEFAULT_SIZE, MIN_SIZE, MAX_SIZE)
        png, shown = await asyncio.to_thread(
            self.extensionapp.inspector.thumbnail, root, path or "", size
        )
        # Previews are cheap to redo and the data may change: let the browser keep them briefly.
        self.set_header("Cache-Control", "private, max-age=60")
        # Which level and plane the picture is (percent-encoded: level paths may be any text).
        self.set_header(PREVIEW_HEADER, quote(shown, safe=" ,'()"))
        self.write_binary(png, "image/png")


def routes(app: FileglancerApp) -> list[Route]:
    """The inspection routes, relative to the server's base_url."""
    return [
        (rf"{API_PREFIX}/meta/{ROOT_AND_PATH}", MetaHandler),
        (rf"{API_PREFIX}/members/{ROOT_AND_PATH}", MembersHandler),
        (rf"{API_PREFIX}/thumbnail/{ROOT_AND_PATH}", ThumbnailHandler),
        (rf"{API_PREFIX}/stats/{ROOT_AND_PATH}", StatsHandler),
    ]
