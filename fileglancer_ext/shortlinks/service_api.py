"""The hub's short-links API: on a hub the link service keeps and redirects short links.

The same hub token authentication and ownership as the links API (`links/service_api.py`):
the owner is the token's hub user, and another user's key is the same 404 as a missing
one. Users' servers call it through `remote.py`; the short URLs are the service's, where
`/fileglancer/v/{key}` redirects.

    GET    {base}api/short-links             the caller's short links
    POST   {base}api/short-links  {"url", "label"?}
    GET / PATCH / DELETE {base}api/short-links/{key}
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_server.utils import url_path_join
from tornado import web

from ..links.service_api import HubIdentity, HubServiceHandler, handler_settings
from ..web import parse_json_object
from .handlers import KEY_PATTERN, SHORT_PREFIX
from .store import ShortLink, ShortLinkStore


class _ServiceShortLinksHandler(HubServiceHandler):
    def initialize(self, short_links: ShortLinkStore, **common: Any) -> None:  # type: ignore[override]
        super().initialize(**common)
        self.short_links = short_links

    def short_link_json(self, link: ShortLink) -> dict[str, Any]:
        payload = link.to_json()
        payload["short_url"] = self.public_address(f"{SHORT_PREFIX}/{link.key}")
        return payload


class ServiceShortLinksHandler(_ServiceShortLinksHandler):
    async def get(self) -> None:
        found = await asyncio.to_thread(self.short_links.list_for_owner, self.owner)
        self.write_json({"short_links": [self.short_link_json(link) for link in found]})

    async def post(self) -> None:
        body = parse_json_object(self.request.body)
        link = await asyncio.to_thread(
            self.short_links.create, self.owner, body.get("url"), body.get("label")
        )
        self.write_json(self.short_link_json(link), status=201)


class ServiceShortLinkHandler(_ServiceShortLinksHandler):
    async def get(self, key: str) -> None:
        link = await asyncio.to_thread(self.short_links.get, self.owner, key)
        self.write_json(self.short_link_json(link))

    async def patch(self, key: str) -> None:
        changes = parse_json_object(self.request.body)
        link = await asyncio.to_thread(self.short_links.update, self.owner, key, changes)
        self.write_json(self.short_link_json(link))

    async def delete(self, key: str) -> None:
        link = await asyncio.to_thread(self.short_links.delete, self.owner, key)
        self.write_json(self.short_link_json(link))


def short_link_service_routes(
    base_url: str, store: ShortLinkStore, identity: HubIdentity, public_url: str = ""
) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    """The short-links API's routes under `base_url`."""
    kwargs = {"short_links": store, **handler_settings(base_url, identity, public_url)}
    return [
        (url_path_join(base_url, "api/short-links"), ServiceShortLinksHandler, kwargs),
        (
            url_path_join(base_url, f"api/short-links/{KEY_PATTERN}"),
            ServiceShortLinkHandler,
            kwargs,
        ),
    ]
