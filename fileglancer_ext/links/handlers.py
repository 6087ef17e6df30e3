"""HTTP for share links: the authenticated links API and the public share route.

The share route (`ShareHandler`, a `web.PublicHandler`) is configured only with a
`ShareServer`, so the same class serves in the standalone link server and, as
`JupyterShareHandler` (which only logs its own way), inside Jupyter.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from tornado import iostream, web

from ..errors import BadRequest, FileglancerError
from ..system.log_redaction import redact
from ..web import (
    API_PREFIX,
    FileglancerAPIHandler,
    PublicHandler,
    Route,
    bad_request_message,
    log_public_request,
)
from .accel import ACCEL_HEADER, KEEP_HEADER, ROOT_HEADER, accel_uri, decide_share
from .creation import ShareLinkService
from .remote import RemoteLinkService, RemoteShareLink
from .responses import ResponsePlan
from .serving import SharedFile, ShareResponse, ShareServer
from .store import ShareLink

if TYPE_CHECKING:
    from ..app import FileglancerApp

log = logging.getLogger(__name__)
T = TypeVar("T")

SHARE_PREFIX = "/fileglancer/s"
_SHARE_ROUTE = rf"{SHARE_PREFIX}/(?P<token>[A-Za-z0-9_-]+)(?:/(?P<subpath>.*))?"
_EXPOSED_HEADERS = "Content-Range, Content-Length, ETag, Accept-Ranges"
# A body from this size on goes out after the headers, not joined to them: tornado joins
# the first block to the headers by copying it (measured: benchmarks/tiff_share.py).
HEADERS_APART_BYTES = 64 * 1024


# --- the authenticated links API --------------------------------------------------------------


class _LinksAPIHandler(FileglancerAPIHandler):
    """Base of the routes that answer with links: the owner, and a link's JSON with its URL."""

    @property
    def links(self) -> ShareLinkService | RemoteLinkService:
        return self.extensionapp.link_service

    def link_json(self, link: ShareLink, target_exists: bool | None = None) -> dict[str, Any]:
        payload = link.to_json()
        payload["url"] = self.share_url(link)
        payload["target_exists"] = target_exists  # None: not checked
        return payload

    def share_url(self, link: ShareLink) -> str:
        if isinstance(link, RemoteShareLink) and link.url:
            return link.url  # the hub's link service serves it, at its address
        return self.public_url(f"{SHARE_PREFIX}/{link.token}/")


class LinksHandler(_LinksAPIHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        root = self.get_query_argument("root", None)
        path = self.get_query_argument("path", None)
        found = await asyncio.to_thread(self.links.list_for_owner, self.owner, root, path)
        self.write_json({"links": [self.link_json(link, exists) for link, exists in found]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        root, path = body.get("root"), body.get("path", "")
        if not isinstance(root, str) or not isinstance(path, str):
            raise BadRequest("'root' and 'path' must be text.")
        link = await asyncio.to_thread(
            self.links.create,
            self.owner,
            root,
            path,
            expires_in=body.get("expires_in"),
            label=body.get("label"),
        )
        self.write_json(self.link_json(link, target_exists=True), status=201)


class LinkHandler(_LinksAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, link_id: str) -> None:
        link, exists = await asyncio.to_thread(self.links.get, self.owner, link_id)
        self.write_json(self.link_json(link, exists))

    @web.authenticated
    @authorized
    async def patch(self, link_id: str) -> None:
        changes = self.json_body()
        link, exists = await asyncio.to_thread(self.links.update, self.owner, link_id, changes)
        self.write_json(self.link_json(link, exists))

    @web.authenticated
    @authorized
    async def delete(self, link_id: str) -> None:
        link = await asyncio.to_thread(self.links.revoke, self.owner, link_id)
        self.write_json(self.link_json(link))


def routes(app: FileglancerApp) -> list[Route]:
    """The links API and, inside Jupyter, the public share route."""
    return [
        (rf"{API_PREFIX}/links", LinksHandler),
        (rf"{API_PREFIX}/links/(?P<link_id>[0-9a-f]+)", LinkHandler),
        share_route(app.share_server, app.share_allowed_origins, JupyterShareHandler),
    ]


# --- the public share route -------------------------------------------------------------------


class ShareHandler(PublicHandler):
    """`GET/HEAD/OPTIONS /fileglancer/s/{token}/{subpath}`: read-only, no login, CORS.

    The token is the credential, looked up on every request; everything else answers 405.
    """

    # Checked before anything else (also before an XSRF check): other methods get 405.
    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS")  # type: ignore[assignment]

    def initialize(self, shares: ShareServer, allowed_origins: Sequence[str] = ("*",)) -> None:
        self.shares = shares
        self.allowed_origins = tuple(allowed_origins)
        self._set_cors_headers()

    def set_default_headers(self) -> None:
        # Runs once before `initialize` (nothing known yet) and again on every error.
        super().set_default_headers()
        if hasattr(self, "allowed_origins"):
            self._set_cors_headers()

    def _set_cors_headers(self) -> None:
        origin = self.request.headers.get("Origin")
        if "*" in self.allowed_origins:
            self.set_header("Access-Control-Allow-Origin", "*")
        elif origin is not None and origin in self.allowed_origins:
            self.set_header("Access-Control-Allow-Origin", origin)
        if self.allowed_origins != ("*",):
            self.set_header("Vary", "Origin")
        self.set_header("Access-Control-Expose-Headers", _EXPOSED_HEADERS)

    # What a CORS preflight allows: the read methods, and these request headers by default.
    PREFLIGHT_METHODS = "GET, HEAD, OPTIONS"
    PREFLIGHT_HEADERS = "Range, If-None-Match, If-Modified-Since, If-Range"

    @allow_unauthenticated
    def options(self, token: str, subpath: str | None = None) -> None:
        self._preflight()

    def _preflight(self) -> None:
        # A preflight carries no token check: it reveals nothing and grants nothing.
        self.set_status(204)
        self.set_header("Allow", self.PREFLIGHT_METHODS)
        self.set_header("Access-Control-Allow-Methods", self.PREFLIGHT_METHODS)
        requested = self.request.headers.get("Access-Control-Request-Headers")
        self.set_header("Access-Control-Allow-Headers", requested or self.PREFLIGHT_HEADERS)
        self.set_header("Access-Control-Max-Age", "86400")
        self.finish()

    @allow_unauthenticated
    async def get(self, token: str, subpath: str | None = None) -> None:
        await self._serve(token, subpath or "", include_body=True)

    @allow_unauthenticated
    async def head(self, token: str, subpath: str | None = None) -> None:
        await self._serve(token, subpath or "", include_body=False)

    async def _serve(self, token: str, subpath: str, *, include_body: bool) -> None:
        # One blocking call does the lookup, the checks and the first block.
        response = await self._blocking(
            self.shares.respond,
            token,
            subpath,
            self.request.headers,
            with_body=self._read_ahead(include_body),
        )
        if response.listing is not None:
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "private, no-cache")
            self.finish(json.dumps(response.listing) if include_body else None)
            return
        await self._send_file(response, include_body=include_body)

    async def _send_file(self, response: ShareResponse, *, include_body: bool) -> None:
        """Answer with the planned file: at once, or streamed in blocks; then close it."""
        assert response.file is not None and response.plan is not None
        try:
            plan = response.plan
            if plan.status != 416 and self._redirect_to_nginx(response.file):
                return
            self.set_status(plan.status)
            for name, value in plan.headers.items():
                self.set_header(name, value)
            if plan.status == 416:
                await self._finish_unsatisfiable(plan, include_body=include_body)
                return
            first = response.first_block
            if include_body and plan.length and not first:  # not read ahead (nginx mode)
                size = min(self.shares.block_size, plan.length)
                first = await self._blocking(response.file.read, plan.offset, size)
            if len(first) >= HEADERS_APART_BYTES:
                self.flush()  # the headers alone (the body follows without a copy)
            if len(first) == plan.length or not include_body:
                await self.finish(first or None)  # the whole answer at once
                return
            await self._stream(response.file, plan, first)
        except iostream.StreamClosedError:
            pass  # the client went away
        finally:
            response.file.close()

    def _read_ahead(self, include_body: bool) -> bool:
        """Whether to read the first block with the checks: not when nginx sends it."""
        return include_body and self.shares.accel_redirect is None

    def _redirect_to_nginx(self, shared: SharedFile) -> bool:
        """With `--accel-redirect`, answer a permitted file with no body and let nginx
        send it (Range, ETag, conditionals and all: accel.py); False to send it here."""
        if self.shares.accel_redirect is None:
            return False
        uri = accel_uri(self.shares.accel_redirect, shared)
        if uri is None:
            return False
        self.set_header(ACCEL_HEADER, uri)
        # nginx keeps these two of a redirecting answer, and sets the rest itself.
        self.set_header("Content-Type", shared.content_type)
        self.set_header("Cache-Control", "private, no-cache")
        self.finish()
        return True

    def compute_etag(self) -> str | None:
        # A redirect to nginx has no body of its own to tag: nginx tags the file.
        return None if ACCEL_HEADER in self._headers else super().compute_etag()

    async def _finish_unsatisfiable(self, plan: ResponsePlan, *, include_body: bool) -> None:
        """A 416, with its Content-Range (already set), and why."""
        self.set_header("Content-Type", "application/json")
        body = {"error": "range_not_satisfiable", "message": plan.message}
        await self.finish(json.dumps(body) if include_body else None)

    async def _stream(self, shared: SharedFile, plan: ResponsePlan, first: bytes) -> None:
        """Send the planned bytes in blocks; stop if the link dies meanwhile."""
        offset, end = plan.offset, plan.offset + plan.length
        block, unchecked = first, 0
        while True:
            if not block:  # the file shrank under us: the promised length cannot be kept
                self._abort("the file shrank during the download")
                return
            offset += len(block)
            unchecked += len(block)
            self.write(block)
            await self.flush()
            if offset >= end:
                break
            if unchecked >= self.shares.recheck_bytes:
                unchecked = 0
                if not await self._blocking(self.shares.still_active, shared.link):
                    self._abort("the share link was revoked or expired during the download")
                    return
            size = min(self.shares.block_size, end - offset)
            block = await self._blocking(shared.read, offset, size)
        self.finish()

    async def _blocking(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # On the event loop by default, as tornado's StaticFileHandler does: a thread hop
        # costs more CPU than a chunk's whole lookup, stat and read from a local disk or the
        # page cache. Slow network storage can ask for threads (ShareServer.use_threads).
        if self.shares.use_threads:
            return await asyncio.to_thread(work, *args, **kwargs)
        return work(*args, **kwargs)

    def _abort(self, reason: str) -> None:
        log.info("fileglancer: stopped serving %s: %s", redact(self.request.path), reason)
        # Headers are out, so no error status is possible: cut the connection, and the
        # client sees a body shorter than its Content-Length.
        self.request.connection.close()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, FileglancerError):
            code, message = exc.code, exc.message
        elif status_code == 405:
            self.set_header("Allow", ", ".join(self.SUPPORTED_METHODS))
            code, message = "method_not_allowed", "Share links are read-only."
        elif status_code == 400:
            code, message = "bad_request", bad_request_message(exc)
        else:
            code, message = "http_error", self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": code, "message": message}))


class ShareDecisionHandler(ShareHandler):
    """`GET /fileglancer/decide/{token}`, for nginx's `auth_request` only (the shipped
    configuration refuses it from outside): 200 with the share's canonical root
    (`ROOT_HEADER`), until when nginx may keep the answer (`KEEP_HEADER`) and the CORS and
    sandbox headers nginx copies onto the files it sends below that root; 403 (nginx then
    asks the share route itself) for a dead link or a share nginx cannot serve alone."""

    SUPPORTED_METHODS = ("GET",)  # type: ignore[assignment]

    @allow_unauthenticated
    async def get(self, token: str) -> None:  # type: ignore[override]
        decision = await self._blocking(decide_share, self.shares, token)
        if decision is None:
            self.set_status(403)
            self.set_header(KEEP_HEADER, "0")
        else:
            self.set_header(ROOT_HEADER, decision.root)
            self.set_header(KEEP_HEADER, decision.keep_header)
        self.finish()


class JupyterShareHandler(ShareHandler):
    """The share route inside Jupyter, whose request log would show every 404 with its
    token at warning level: it logs its requests itself."""

    def _log(self) -> None:  # tornado's per-request hook into the application's log
        log_public_request(self)


def share_route(
    shares: ShareServer,
    allowed_origins: Sequence[str] = ("*",),
    handler: type[ShareHandler] = ShareHandler,
) -> tuple[str, type[ShareHandler], dict[str, Any]]:
    """The public share route (relative to a base URL), bound to `shares`."""
    return (_SHARE_ROUTE, handler, {"shares": shares, "allowed_origins": allowed_origins})


def share_decision_route(
    shares: ShareServer, allowed_origins: Sequence[str] = ("*",)
) -> tuple[str, type[ShareHandler], dict[str, Any]]:
    """The route nginx's `auth_request` asks whether (and where) it may serve a share."""
    kwargs = {"shares": shares, "allowed_origins": allowed_origins}
    return (r"/fileglancer/decide/(?P<token>[A-Za-z0-9_-]+)", ShareDecisionHandler, kwargs)
