"""The short links of a user's server on a hub, kept by the hub's link service
(`service_api.py`): the methods of `ShortLinkStore`, each an HTTP request with this
server's hub token (`links/remote.py`'s `HubServiceClient`). The service's store keeps
them and its public URL redirects them, so they work when this server is stopped and the
server holds no credentials of the store. Blocking calls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ServiceUnavailable
from ..links.remote import UNREADABLE, HubServiceClient, seconds_of
from .store import ShortLink


@dataclass(frozen=True)
class RemoteShortLink(ShortLink):
    """A short link as the service answered it, with its short URL on the service."""

    short_url: str = ""

    @classmethod
    def from_json(cls, owner: str, payload: Any) -> RemoteShortLink:
        try:
            return cls(
                key=payload["key"],
                owner=owner,
                url=payload["url"],
                label=payload.get("label"),
                created=seconds_of(payload["created"]) or 0.0,
                updated=seconds_of(payload["updated"]) or 0.0,
                short_url=payload["short_url"],
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ServiceUnavailable(UNREADABLE) from None


class RemoteShortLinkStore(HubServiceClient):
    """`ShortLinkStore` over the hub's link service at `service_url` (ending in "/");
    `owner` arguments are the hub's to say (the token's user)."""

    def __init__(self, service_url: str, token: str | None = None) -> None:
        super().__init__(service_url, "short-links", token)

    def create(self, owner: str, url: Any, label: Any = None) -> ShortLink:
        answer = self._call("POST", "", {"url": url, "label": label})
        return RemoteShortLink.from_json(owner, answer)

    def list_for_owner(self, owner: str) -> list[ShortLink]:
        found = self._call_list("short_links")
        return [RemoteShortLink.from_json(owner, item) for item in found]

    def get(self, owner: str, key: str) -> ShortLink:
        return RemoteShortLink.from_json(owner, self._call_one("GET", key))

    def update(self, owner: str, key: str, changes: Mapping[str, Any]) -> ShortLink:
        return RemoteShortLink.from_json(owner, self._call_one("PATCH", key, dict(changes)))

    def delete(self, owner: str, key: str) -> ShortLink:
        return RemoteShortLink.from_json(owner, self._call_one("DELETE", key))
