"""HTTP for editing an image's OME metadata: thin handlers over `editing.service`.

`PATCH meta/{root}/{path}` is answered by the inspection's `MetaHandler` (one route per
URL), which calls `patch_metadata` here; undo and auto contrast have their own routes.
Every one is an authenticated API route: nothing reached through a data link writes.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..web import API_PREFIX, ROOT_AND_PATH, FileglancerAPIHandler, Route
from .service import EditResult

if TYPE_CHECKING:
    from ..app import FileglancerApp


def etag_header(etag: str) -> str:
    return f'"{etag}"'


def write_edit(handler: FileglancerAPIHandler, result: EditResult) -> None:
    handler.set_header("ETag", etag_header(result.etag))
    handler.write_json(result.to_json())


async def patch_metadata(handler: FileglancerAPIHandler, root: str, path: str) -> None:
    """PATCH meta/: the OME fields of the body, If-Match required (see `service`)."""
    body = handler.json_body()
    if_match = handler.request.headers.get("If-Match")
    editor = handler.extensionapp.editor
    result = await asyncio.to_thread(editor.edit, root, path, body, if_match)
    write_edit(handler, result)


class UndoHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        """Whether there is an edit to undo: {"can_undo", "etag"}."""
        editable = await asyncio.to_thread(self.extensionapp.editor.editable, root, path or "")
        self.set_header("ETag", etag_header(editable["etag"]))
        self.write_json({"can_undo": editable["can_undo"], "etag": editable["etag"]})

    @web.authenticated
    @authorized
    async def post(self, root: str, path: str | None = None) -> None:
        if_match = self.request.headers.get("If-Match")
        result = await asyncio.to_thread(self.extensionapp.editor.undo, root, path or "", if_match)
        write_edit(self, result)


class AutoContrastHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        windows = await asyncio.to_thread(self.extensionapp.editor.auto_contrast, root, path or "")
        self.write_json(windows)


def routes(app: FileglancerApp) -> list[Route]:
    """The editing routes, relative to the server's base_url."""
    return [
        (rf"{API_PREFIX}/meta-undo/{ROOT_AND_PATH}", UndoHandler),
        (rf"{API_PREFIX}/auto-contrast/{ROOT_AND_PATH}", AutoContrastHandler),
    ]
