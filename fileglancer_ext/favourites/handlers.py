"""HTTP for favourites: `GET` and `PUT /fileglancer/api/favourites`, the user's own list."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..web import API_PREFIX, FileglancerAPIHandler, Route
from .store import FavouriteStore

if TYPE_CHECKING:
    from ..app import FileglancerApp


class FavouritesHandler(FileglancerAPIHandler):
    @property
    def store(self) -> FavouriteStore:
        return self.extensionapp.favourite_store

    @web.authenticated
    @authorized
    async def get(self) -> None:
        places, saved = await asyncio.to_thread(self.store.list_for_owner, self.owner)
        self.write_json({"favourites": [place.to_json() for place in places], "saved": saved})

    @web.authenticated
    @authorized
    async def put(self) -> None:
        body = self.json_body()
        places = await asyncio.to_thread(self.store.replace, self.owner, body.get("favourites"))
        self.write_json({"favourites": [place.to_json() for place in places], "saved": True})


def routes(app: FileglancerApp) -> list[Route]:
    """The user's favourites."""
    return [(rf"{API_PREFIX}/favourites", FavouritesHandler)]
