"""The links of a user's server on a hub, kept by the hub's link service (`service_api.py`).

Same methods as `ShareLinkService`, so the links API, the viewers and the CLI do not care
which one they hold; every call is an HTTP request to the service with this server's own
hub token (`$JUPYTERHUB_API_TOKEN`), and the service decides the owner and checks the
permissions. The user's server then holds no credentials of the link store. Blocking
calls (the callers already run them in threads).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import BadRequest, FileglancerError, Forbidden, NotFound, ServiceUnavailable
from ..roots import RootRegistry
from .creation import canonical_location, canonical_or_given
from .store import ShareLink

TIMEOUT_SECONDS = 15.0
UNREACHABLE = "The link service is unreachable."
_ERRORS: dict[int, type[FileglancerError]] = {400: BadRequest, 403: Forbidden, 404: NotFound}


@dataclass(frozen=True)
class RemoteShareLink(ShareLink):
    """A link as the service answered it: its JSON and public URL are the service's."""

    url: str = ""
    payload: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> RemoteShareLink:
        try:
            return cls(
                id=payload["id"],
                token=payload["token"],
                owner=payload["owner"],
                root_name=payload["root"],
                root_path="",  # the service's business
                path=payload["path"],
                created=_seconds(payload["created"]) or 0.0,
                expires=_seconds(payload.get("expires")),
                label=payload.get("label"),
                revoked=(_seconds(payload["created"]) or 0.0) if payload.get("revoked") else None,
                last_access=_seconds(payload.get("last_access")),
                url=payload.get("url") or "",
                payload=payload,
            )
        except (KeyError, TypeError, ValueError):
            raise ServiceUnavailable(
                "The link service gave an answer this server cannot read."
            ) from None

    def to_json(self) -> dict[str, Any]:
        answer = {key: value for key, value in self.payload.items() if key != "target_exists"}
        answer.pop("url", None)
        return answer

    @property
    def target_exists(self) -> bool | None:
        return self.payload.get("target_exists")


def _seconds(text: Any) -> float | None:
    return None if text is None else datetime.fromisoformat(text).timestamp()


class RemoteLinkService:
    """`ShareLinkService` over the hub's link service at `service_url` (ending in "/")."""

    def __init__(self, service_url: str, registry: RootRegistry, token: str | None = None) -> None:
        self.api_url = service_url.rstrip("/") + "/api/links"
        self.registry = registry
        self._token = token

    def create(
        self, owner: str, root: str, path: str, *, expires_in: Any = None, label: Any = None
    ) -> ShareLink:
        """As `ShareLinkService.create`; `owner` is the hub's to say (the token's user)."""
        root_name, root_path, rel_path = canonical_location(self.registry, root, path)
        body = {"root": root_name, "root_path": root_path, "path": rel_path}
        if expires_in is not None:
            body["expires_in"] = expires_in
        if label is not None:
            body["label"] = label
        return RemoteShareLink.from_json(self._call("POST", "", body))

    def list_for_owner(
        self,
        owner: str,
        root: str | None = None,
        path: str | None = None,
        *,
        include_inactive: bool = False,
    ) -> list[tuple[ShareLink, bool]]:
        query: dict[str, str] = {}
        if root is not None and path is not None:
            _, root_path, rel_path = canonical_or_given(self.registry, root, path)
            query = {"root_path": root_path, "path": rel_path}
        if include_inactive:
            query["all"] = "true"
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        found = self._call("GET", suffix).get("links")
        if not isinstance(found, list):
            raise ServiceUnavailable("The link service gave an answer this server cannot read.")
        links = [RemoteShareLink.from_json(item) for item in found]
        return [(link, bool(link.target_exists)) for link in links]

    def find_for_path(self, owner: str, root: str, path: str) -> ShareLink | None:
        found = self.list_for_owner(owner, root, path)
        return found[0][0] if found else None

    def get(self, owner: str, link_id: str) -> tuple[ShareLink, bool]:
        link = RemoteShareLink.from_json(self._call("GET", f"/{_quoted(link_id)}"))
        return link, bool(link.target_exists)

    def update(self, owner: str, link_id: str, changes: dict[str, Any]) -> tuple[ShareLink, bool]:
        link = RemoteShareLink.from_json(self._call("PATCH", f"/{_quoted(link_id)}", changes))
        return link, bool(link.target_exists)

    def revoke(self, owner: str, link_id: str) -> ShareLink:
        return RemoteShareLink.from_json(self._call("DELETE", f"/{_quoted(link_id)}"))

    def _call(self, method: str, suffix: str, body: Any = None) -> dict[str, Any]:
        """The service's JSON answer; its errors as this server's (400, 403, 404), and
        ServiceUnavailable when it cannot be reached or fails."""
        token = self._token or os.environ.get("JUPYTERHUB_API_TOKEN", "")
        if not token:
            raise ServiceUnavailable(f"{UNREACHABLE} (this server has no hub token)")
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"token {token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.api_url + suffix, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        except (OSError, ValueError):  # refused, timed out, a bad URL
            raise ServiceUnavailable(UNREACHABLE) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if status < 300 and isinstance(answer, dict):
            return answer
        message = answer.get("message") if isinstance(answer, dict) else None
        if status == 401:
            raise Forbidden(f"The link service refused this server's hub token: {message}")
        error = _ERRORS.get(status)
        if error is None or not isinstance(message, str):
            raise ServiceUnavailable(UNREACHABLE if status >= 500 else f"{UNREACHABLE} ({status})")
        raise error(message)


def _quoted(link_id: str) -> str:
    return urllib.parse.quote(link_id, safe="")
