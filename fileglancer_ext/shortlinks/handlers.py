"""HTTP for short links: the owners' API under `/fileglancer/api/short-links` and the
public redirect `/fileglancer/v/{key}`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from tornado import web

from ..web import API_PREFIX, FileglancerAPIHandler, PublicHandler, Route, log_public_request
from .remote import RemoteShortLink, RemoteShortLinkStore
from .store import ShortLink, ShortLinkStore

if TYPE_CHECKING:
    from ..app import FileglancerApp

SHORT_PREFIX = "/fileglancer/v"
KEY_PATTERN = r"(?P<key>[A-Za-z0-9_-]{1,32})"


class _ShortLinksAPIHandler(FileglancerAPIHandler):
    """A short link's JSON with its public URL (owners as for share links and jobs)."""

    @property
    def short_links(self) -> ShortLinkStore | RemoteShortLinkStore:
        return self.extensionapp.short_link_store

    def short_link_json(self, link: ShortLink) -> dict[str, Any]:
        payload = link.to_json()
        if isinstance(link, RemoteShortLink):
            payload["short_url"] = link.short_url  # the hub's link service redirects it
        else:
            payload["short_url"] = self.public_url(f"{SHORT_PREFIX}/{link.key}")
        return payload


class ShortLinksHandler(_ShortLinksAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        found = await asyncio.to_thread(self.short_links.list_for_owner, self.owner)
        self.write_json({"short_links": [self.short_link_json(link) for link in found]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        link = await asyncio.to_thread(
            self.short_links.create, self.owner, body.get("url"), body.get("label")
        )
        self.write_json(self.short_link_json(link), status=201)


class ShortLinkHandler(_ShortLinksAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, key: str) -> None:
        link = await asyncio.to_thread(self.short_links.get, self.owner, key)
        self.write_json(self.short_link_json(link))

    @web.authenticated
    @authorized
    async def patch(self, key: str) -> None:
        changes = self.json_body()
        link = await asyncio.to_thread(self.short_links.update, self.owner, key, changes)
        self.write_json(self.short_link_json(link))

    @web.authenticated
    @authorized
    async def delete(self, key: str) -> None:
        link = await asyncio.to_thread(self.short_links.delete, self.owner, key)
        self.write_json(self.short_link_json(link))


def routes(app: FileglancerApp) -> list[Route]:
    """The owners' short-links API and the public redirect (on a hub, the link service
    redirects: this server keeps no short links)."""
    found: list[Route] = [
        (rf"{API_PREFIX}/short-links", ShortLinksHandler),
        (rf"{API_PREFIX}/short-links/{KEY_PATTERN}", ShortLinkHandler),
    ]
    if isinstance(app.short_link_store, ShortLinkStore):
        found.append(short_link_redirect_route(app.short_link_store))
    return found


class ShortLinkRedirectHandler(PublicHandler):
    """`GET /fileglancer/v/{key}`: a public 302 to the stored viewer URL; 404 when unknown."""

    SUPPORTED_METHODS = ("GET", "HEAD")  # type: ignore[assignment]

    def initialize(self, store: ShortLinkStore) -> None:
        self.store = store

    @allow_unauthenticated
    async def get(self, key: str) -> None:
        link = await asyncio.to_thread(self.store.resolve, key)
        if link is None:
            raise web.HTTPError(404)
        # Not cached: the owner may re-point or delete it at any time.
        self.set_header("Cache-Control", "no-store")
        self.redirect(link.url, status=302)

    head = get

    def _log(self) -> None:
        # The key leads to a viewer URL that may hold a share token: debug level, and
        # only its first characters (as the share route logs tokens).
        log_public_request(self)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        if status_code == 404:
            self.finish("This short link does not exist or was deleted.\n")
        else:
            self.finish(f"{status_code} {self._reason}\n")


def short_link_redirect_route(
    store: ShortLinkStore,
) -> tuple[str, type[ShortLinkRedirectHandler], dict[str, Any]]:
    """The public redirect route (relative to a base URL), bound to `store`."""
    return (rf"{SHORT_PREFIX}/{KEY_PATTERN}/?", ShortLinkRedirectHandler, {"store": store})
