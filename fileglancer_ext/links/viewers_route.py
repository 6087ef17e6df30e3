"""`GET /fileglancer/api/viewers/{root}/{path}`: the Share tab's viewers, snippets, path
forms and the user's data link of one dataset (see `viewers.service.DatasetViewers`).

It lives beside the links API because the answer carries the link's public URL, which
the links handlers know how to build for the request at hand.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..web import API_PREFIX, ROOT_AND_PATH, Route
from .handlers import _LinksAPIHandler

if TYPE_CHECKING:
    from ..app import FileglancerApp


class ViewersHandler(_LinksAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        answer = await asyncio.to_thread(
            self.extensionapp.viewers.describe, self.owner, root, path or "", self.link_json
        )
        self.write_json(answer)


def routes(app: FileglancerApp) -> list[Route]:
    return [(rf"{API_PREFIX}/viewers/{ROOT_AND_PATH}", ViewersHandler)]
