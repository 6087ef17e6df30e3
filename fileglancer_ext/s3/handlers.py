"""HTTP for the S3 read API: `/fileglancer/s3/{bucket}[/{key}]`, path-style, anonymous.

`S3Handler` is the share route (`ShareHandler`: CORS, streaming in blocks, revocation
checks while streaming, quiet logs) answering S3's operations and S3's XML errors:
ListObjectsV2 (and v1) and GetBucketLocation (GET of a bucket), HeadBucket, GetObject, HeadObject.
Every write verb is `AccessDenied`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import allow_unauthenticated

from ..errors import BadRequest, FileglancerError, Forbidden, NotFound, RangeNotSatisfiable
from ..links.handlers import ShareHandler
from ..links.responses import ResponsePlan
from ..links.serving import ShareServer
from ..system.log_redaction import redact
from ..web import Route, bad_request_message, log_public_request
from .buckets import ShareBuckets, ShareGone
from .documents import error_xml, list_objects_xml, location_xml
from .listing import ListObjectsRequest

if TYPE_CHECKING:
    from ..app import FileglancerApp


S3_PREFIX = "/fileglancer/s3"
_S3_ROUTE = rf"{S3_PREFIX}/(?P<bucket>[A-Za-z0-9_-]+)(?:/(?P<key>.*))?"
_WRITE_METHODS = ("PUT", "POST", "DELETE", "PATCH")


def s3_code(error: FileglancerError) -> str:
    """The S3 error code a client expects for one of our errors."""
    if isinstance(error, ShareGone):
        return "NoSuchBucket"
    if isinstance(error, NotFound):
        return "NoSuchKey"
    if isinstance(error, RangeNotSatisfiable):
        return "InvalidRange"
    if isinstance(error, Forbidden):
        return "AccessDenied"
    if isinstance(error, BadRequest):
        return "InvalidArgument"
    return "InternalError"


class S3Handler(ShareHandler):
    """The S3 view of every share link: read-only, no login; the token is the bucket."""

    SUPPORTED_METHODS = ("GET", "HEAD", "OPTIONS", *_WRITE_METHODS)  # type: ignore[assignment]

    def initialize(  # type: ignore[override]
        self,
        shares: ShareServer,
        buckets: ShareBuckets,
        allowed_origins: Sequence[str] = ("*",),
    ) -> None:
        super().initialize(shares, allowed_origins)
        self.buckets = buckets
        self.request_id = secrets.token_hex(8).upper()
        self.set_header("x-amz-request-id", self.request_id)

    PREFLIGHT_HEADERS = "Range, If-None-Match"

    @allow_unauthenticated
    def options(self, bucket: str, key: str | None = None) -> None:  # type: ignore[override]
        self._preflight()

    def check_xsrf_cookie(self) -> None:
        # Writes are refused anyway, with the S3 error (not an XSRF page) a client expects.
        pass

    @allow_unauthenticated
    async def get(self, bucket: str, key: str | None = None) -> None:  # type: ignore[override]
        if key:
            await self._serve_object(bucket, key, include_body=True)
        elif "location" in self.request.arguments:
            await self._blocking(self.buckets.head_bucket, bucket)
            self._finish_xml(location_xml())
        else:
            # ListObjectsV2 (`list-type=2`), or v1 for older clients.
            request = ListObjectsRequest.from_query(self._argument)
            result = await self._blocking(self.buckets.list_objects, bucket, request)
            self._finish_xml(list_objects_xml(bucket, request, result))

    @allow_unauthenticated
    async def head(self, bucket: str, key: str | None = None) -> None:  # type: ignore[override]
        if key:
            await self._serve_object(bucket, key, include_body=False)
        else:
            await self._blocking(self.buckets.head_bucket, bucket)
            self.finish()

    @allow_unauthenticated
    def put(self, bucket: str, key: str | None = None) -> None:
        raise Forbidden("Data links are read-only.")

    post = delete = patch = put

    async def _serve_object(self, bucket: str, key: str, *, include_body: bool) -> None:
        response = await self._blocking(
            self.buckets.read_object,
            bucket,
            key,
            self.request.headers,
            with_body=self._read_ahead(include_body),
        )
        await self._send_file(response, include_body=include_body)

    async def _finish_unsatisfiable(self, plan: ResponsePlan, *, include_body: bool) -> None:
        raise RangeNotSatisfiable(plan.message)  # S3's InvalidRange error document

    def _argument(self, name: str) -> str | None:
        return self.get_query_argument(name, None)

    def _finish_xml(self, document: bytes) -> None:
        self.set_header("Content-Type", "application/xml")
        self.set_header("Cache-Control", "private, no-cache")
        self.finish(document)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, FileglancerError):
            code, message = s3_code(exc), exc.message
        elif status_code == 405:
            code, message = "MethodNotAllowed", "Data links are read-only."
        elif status_code == 403:
            code, message = "AccessDenied", "Data links are read-only."
        elif status_code == 400:
            code, message = "InvalidArgument", bad_request_message(exc)
        else:
            code, message = "InternalError", self._reason
        self.set_header("x-amz-request-id", self.request_id)  # send_error cleared it
        self.set_header("Content-Type", "application/xml")
        resource = redact(self.request.path)
        if self.request.method == "HEAD":
            self.finish()  # a HEAD answer has no body: clients read the status alone
            return
        self.finish(error_xml(code, message, resource, self.request_id))

    def _log(self) -> None:  # also inside Jupyter: debug level, tokens shortened
        log_public_request(self)


def s3_route(
    shares: ShareServer,
    buckets: ShareBuckets,
    allowed_origins: Sequence[str] = ("*",),
) -> tuple[str, type[S3Handler], dict[str, Any]]:
    """The S3 route (relative to a base URL), bound to `shares`."""
    kwargs = {"shares": shares, "buckets": buckets, "allowed_origins": allowed_origins}
    return (_S3_ROUTE, S3Handler, kwargs)


def s3_routes(
    shares: ShareServer,
    buckets: ShareBuckets | None = None,
    allowed_origins: Sequence[str] = ("*",),
) -> list[tuple[str, type[S3Handler], dict[str, Any]]]:
    """Every S3 route, bound to `shares` (and `buckets`, built from it by default)."""
    return [s3_route(shares, buckets or ShareBuckets(shares), allowed_origins)]


def routes(app: FileglancerApp) -> list[Route]:
    """Inside Jupyter: every data link is also a bucket, its listings sharing the browser's
    cache."""
    buckets = ShareBuckets(app.share_server, app.browser.lister)
    return list(s3_routes(app.share_server, buckets, app.share_allowed_origins))
