"""HTTP for browsing: the configured roots, a folder's listing page, one entry, and a
JupyterLab path located in a root. Thin handlers over `browse.service.FileBrowser`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import BadRequest
from ..web import API_PREFIX, ROOT_AND_PATH, FileglancerAPIHandler, Route
from .listing import ListingRequest

if TYPE_CHECKING:
    from ..app import FileglancerApp


class RootsHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        roots = self.extensionapp.configured_roots
        self.write_json({"roots": [root.to_json() for root in roots]})


class ListHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        request = ListingRequest.from_query(lambda name: self.get_query_argument(name, None))
        # Listing touches the filesystem (possibly slow network storage): off the event loop.
        page = await asyncio.to_thread(
            self.extensionapp.browser.list_directory, root, path or "", request
        )
        self.write_json(page)


class NodeHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        entry = await asyncio.to_thread(self.extensionapp.browser.describe, root, path or "")
        self.write_json(entry)


class LocateHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        contents_path = self.get_query_argument("path", None)
        if contents_path is None:
            raise BadRequest("The 'path' query argument is required.")
        found = await asyncio.to_thread(self.extensionapp.browser.locate, contents_path)
        self.write_json(found)


def routes(app: FileglancerApp) -> list[Route]:
    """The browsing routes, relative to the server's base_url."""
    return [
        (rf"{API_PREFIX}/roots", RootsHandler),
        (rf"{API_PREFIX}/list/{ROOT_AND_PATH}", ListHandler),
        (rf"{API_PREFIX}/node/{ROOT_AND_PATH}", NodeHandler),
        (rf"{API_PREFIX}/locate", LocateHandler),
    ]
