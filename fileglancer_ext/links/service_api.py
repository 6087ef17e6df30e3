"""The hub's link service API: the one writer of links on a JupyterHub.

Users' servers (and the CLI in them) create, list and revoke links here with their hub
token (`Authorization: token ...`). The hub says whose token it is (JupyterHub's own
`HubAuth`, requiring `access:services!service=<this service>`); the owner is never taken
from the request. A link is made only into the service's `--roots` and only to what the
owner's Unix account could read (`permissions.py`), checked on the descriptor whose
identity the link records. The store's credentials stay with the service.

    GET    {base}api/links[?root_path=ABS&path=REL][&all=true]  the caller's (active) links
    POST   {base}api/links  {"root", "root_path", "path", "expires_in"?, "label"?}
    GET / PATCH / DELETE {base}api/links/{id}          one of the caller's links
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Sequence
from typing import Any

from jupyter_server.utils import url_path_join
from tornado import web

from ..errors import (
    BadRequest,
    FileglancerError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from ..roots import RootRegistry, load_roots
from ..web import PublicHandler, parse_json_object, strict_json
from .creation import ShareLinkService, target_exists
from .handlers import SHARE_PREFIX
from .permissions import PermissionCheck, account_for
from .serving import _within
from .store import ShareLink, ShareLinkStore

_AUTHORIZATION = re.compile(r"(?:token|bearer)\s+(\S+)\s*$", re.IGNORECASE)
# How long the service trusts the hub's answer about a token (JupyterHub's default: 5 min).
TOKEN_CACHE_SECONDS = 60


def owner_may_read(owner: str, fd: int) -> bool:
    """Whether the owner's Unix account could read what `fd` has open (and reach it)."""
    return PermissionCheck(account_for(owner)).can_read_open(fd)


class HubLinkService(ShareLinkService):
    """Links made and managed on behalf of hub users, each request naming its root by
    real path (the service has no roots of its own but `allowed_roots`); blocking calls."""

    def __init__(self, store: ShareLinkStore, allowed_roots: Sequence[str]) -> None:
        super().__init__(store, RootRegistry([]), may_read=owner_may_read)
        self.allowed_roots = [os.path.realpath(path) for path in allowed_roots]

    def create_in(
        self,
        owner: str,
        root: Any,
        root_path: Any,
        path: Any,
        *,
        expires_in: Any = None,
        label: Any = None,
    ) -> ShareLink:
        """A new link of `owner` to `path` inside the root `root` at `root_path`: Forbidden
        outside the service's roots, for an owner without an account or who cannot read
        it; the rest as `ShareLinkService.create`."""
        if not all(isinstance(value, str) for value in (root, root_path, path)):
            raise BadRequest("'root', 'root_path' and 'path' must be text.")
        if not os.path.isabs(root_path) or "\x00" in root_path:
            raise BadRequest("'root_path' must be an absolute path.")
        real_root = os.path.realpath(root_path)
        if not any(_within(real_root, allowed) for allowed in self.allowed_roots):
            raise Forbidden(f"The root '{root}' is not one this link service shares from.")
        account_for(owner)  # Forbidden for a hub user with no Unix account
        roots, problems = load_roots([{"name": root, "path": real_root}], real_root)
        if problems or not roots or not roots[0].available:
            raise NotFound(f"The root '{root}' is not available to the link service.")
        service = ShareLinkService(self.store, RootRegistry(roots), may_read=self.may_read)
        return service.create(owner, root, path, expires_in=expires_in, label=label)

    def list_in(
        self,
        owner: str,
        root_path: str | None = None,
        path: str | None = None,
        *,
        include_inactive: bool = False,
    ) -> list[tuple[ShareLink, bool]]:
        found = self.store.list_for_owner(
            owner,
            root_path=None if root_path is None else os.path.realpath(root_path),
            path=path,
            include_inactive=include_inactive,
        )
        return [(link, target_exists(link)) for link in found]


class HubIdentity:
    """Who a request's hub token belongs to, asked of the hub (JupyterHub's `HubAuth`)."""

    def __init__(self, service_name: str, hub_auth: Any = None) -> None:
        from jupyterhub.services.auth import HubAuth

        # The service's own JUPYTERHUB_API_TOKEN / JUPYTERHUB_API_URL, from the environment.
        self.hub_auth = hub_auth or HubAuth(cache_max_age=TOKEN_CACHE_SECONDS)
        self.scope = f"access:services!service={service_name}"

    async def user_name(self, authorization: str | None) -> str:
        """The hub user name of the request's token. Unauthorized without a token the hub
        knows, Forbidden without this service's access scope or for a service's token."""
        from jupyterhub.services.auth import check_scopes

        found = _AUTHORIZATION.match(authorization or "")
        if found is None:
            raise Unauthorized("A hub token is required: 'Authorization: token <token>'.")
        try:
            model = await self.hub_auth.user_for_token(found.group(1), sync=False)
        except web.HTTPError:
            raise ServiceUnavailable("The hub could not be asked who this token is.") from None
        if not model:
            raise Unauthorized("The hub does not know this token.")
        if model.get("kind") != "user" or not isinstance(model.get("name"), str):
            raise Forbidden("Only hub users have links.")
        if not check_scopes(self.scope, set(model.get("scopes") or ())):
            raise Forbidden(f"The token lacks the scope {self.scope}.")
        return model["name"]


class _ServiceHandler(PublicHandler):
    """JSON in and out, the caller from the hub (no Jupyter login: a `PublicHandler`
    with a token check); every error a JSON message."""

    def initialize(
        self, links: HubLinkService, identity: HubIdentity, public_url: str, base_url: str
    ) -> None:
        self.links = links
        self.identity = identity
        # Where links are served: the admin's public URL, else this service as reached.
        self.public_url = public_url
        self.base_url = base_url
        self.owner = ""

    async def prepare(self) -> None:
        self.owner = await self.identity.user_name(self.request.headers.get("Authorization"))

    def check_xsrf_cookie(self) -> None:
        """Token-authenticated only: no cookie is ever trusted here."""

    def link_json(self, link: ShareLink, exists: bool | None = None) -> dict[str, Any]:
        public = self.public_url.rstrip("/")
        if not public:
            public = f"{self.request.protocol}://{self.request.host}{self.base_url.rstrip('/')}"
        payload = link.to_json()
        payload["url"] = f"{public}{SHARE_PREFIX}/{link.token}/"
        payload["target_exists"] = exists
        return payload

    def write_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(strict_json(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, FileglancerError):
            code, message = exc.code, exc.message
        elif isinstance(exc, web.HTTPError) and status_code < 500:
            code, message = "http_error", exc.log_message or self._reason
        else:
            code, message = "internal_error", "Unexpected error in the link service."
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": code, "message": message}))


class ServiceLinksHandler(_ServiceHandler):
    async def get(self) -> None:
        root_path = self.get_query_argument("root_path", None)
        path = self.get_query_argument("path", None)
        include_inactive = self.get_query_argument("all", "") == "true"  # revoked, expired
        found = await asyncio.to_thread(
            self.links.list_in,
            self.owner,
            root_path,
            path,
            include_inactive=include_inactive,
        )
        self.write_json({"links": [self.link_json(link, exists) for link, exists in found]})

    async def post(self) -> None:
        body = parse_json_object(self.request.body)
        link = await asyncio.to_thread(
            self.links.create_in,
            self.owner,
            body.get("root"),
            body.get("root_path"),
            body.get("path", ""),
            expires_in=body.get("expires_in"),
            label=body.get("label"),
        )
        self.write_json(self.link_json(link, True), status=201)


class ServiceLinkHandler(_ServiceHandler):
    async def get(self, link_id: str) -> None:
        link, exists = await asyncio.to_thread(self.links.get, self.owner, link_id)
        self.write_json(self.link_json(link, exists))

    async def patch(self, link_id: str) -> None:
        changes = parse_json_object(self.request.body)
        link, exists = await asyncio.to_thread(self.links.update, self.owner, link_id, changes)
        self.write_json(self.link_json(link, exists))

    async def delete(self, link_id: str) -> None:
        link = await asyncio.to_thread(self.links.revoke, self.owner, link_id)
        self.write_json(self.link_json(link))


def service_api_routes(
    base_url: str, links: HubLinkService, identity: HubIdentity, public_url: str = ""
) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    """The service API's routes under `base_url`."""
    kwargs = {"links": links, "identity": identity, "public_url": public_url, "base_url": base_url}
    return [
        (url_path_join(base_url, "api/links"), ServiceLinksHandler, kwargs),
        (url_path_join(base_url, r"api/links/(?P<link_id>[^/]+)"), ServiceLinkHandler, kwargs),
    ]
