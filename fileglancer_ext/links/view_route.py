"""The in-JupyterLab viewer through a data link: public, read-only, PNG and JSON only.

    GET {base}/fileglancer/view/{token}/info/{path}    the image's levels, planes, channels
    GET {base}/fileglancer/view/{token}/tile/{path}?scale&x&y[&z&t&channels&windows&colors&labels]
    GET {base}/fileglancer/view/{token}/pixel/{path}?x&y[&z&t]
    GET {base}/fileglancer/view/{token}/histogram/{path}?x0&y0&x1&y1[&z&t&channels&bins&ranges]

`{path}` is what follows the token in the link's `/fileglancer/s/{token}/` URL (empty for
a link to the image itself; a TIFF's virtual `.../img.tif/ome.zarr` is the TIFF). The
answers are `tiles`' (the authenticated `viewer-info`, `tile`, `pixel`, `histogram`), drawn
from the share only: the token is looked up on every request (a revoked or expired link is
a 404 at once), the shared folder must still be the one the link recorded
(`ShareServer.open_share`), the image is found inside it without leaving it
(`confinement.open_beneath`), and every file the drawing reads is confined to the shared
folder (`confined_io.Within`). The share route's CORS and sandbox headers apply.

A link server that checks each owner's Unix access on every file it serves (a hub's link
service, `permissions.py`) refuses these routes (403): a tile reads many files through
`confined_io`, which has no per-file owner check, so it could draw what the owner may no
longer read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.auth.decorator import allow_unauthenticated

from ..errors import Forbidden, NotFound
from ..system.confined_io import Within, descriptor_path
from ..tiles.drawing import DRAWINGS
from ..tiles.histogram import histogram, parse_histogram_query
from ..tiles.service import describe, parse_tile_query, pixel_values, render_tile
from ..web import Route, log_public_request
from .confinement import HANDLE, open_beneath
from .handlers import ShareHandler
from .serving import _GONE, ShareServer, _not_readable, _path_parts
from .virtual_zarr import split_virtual

if TYPE_CHECKING:
    from ..app import FileglancerApp

T = TypeVar("T")

VIEW_PREFIX = "/fileglancer/view"
_VIEW_ROUTE = (
    rf"{VIEW_PREFIX}/(?P<token>[A-Za-z0-9_-]+)"
    r"/(?P<kind>info|tile|pixel|histogram)(?:/(?P<subpath>.*))?"
)
OWNER_CHECKS_REFUSAL = (
    "This link server checks the link owner's access to every file it serves, which the "
    "image viewer's drawing cannot do: open the data link in a Zarr viewer instead."
)


def in_shared_image(
    shares: ShareServer, token: str, subpath: str, work: Callable[[Path, Within], T]
) -> T:
    """`work(real path of the image, reads confined to the share)` for the image at
    `subpath` inside the share of `token`. NotFound (the share route's messages) for a dead
    link, a path not in the share, or a share moved or replaced meanwhile; Forbidden where
    owners' permissions are checked per file."""
    if shares.check_owner_permissions:
        raise Forbidden(OWNER_CHECKS_REFUSAL)
    link = shares.served_link(token)
    virtual = split_virtual(subpath)
    if virtual is not None and not virtual[1].strip("/"):
        subpath = virtual[0]  # a TIFF's virtual OME-Zarr: the viewer reads the TIFF
    parts = _path_parts(subpath)
    share = shares.open_share(link)
    try:
        if descriptor_path(share.fd) != share.path:
            raise NotFound(_GONE)  # moved since it was checked: its path is someone else's
        if share.is_dir:
            try:
                fd = open_beneath(share, parts, HANDLE)
            except OSError as err:
                raise _not_readable(subpath, err) from None
            try:
                real = descriptor_path(fd)
            finally:
                os.close(fd)
        elif parts and parts != [link.path.rpartition("/")[2]]:
            raise NotFound(f"'{subpath}' is not in this share.")
        else:
            real = share.path
        if real is None:
            raise NotFound(f"'{subpath}' cannot be read.")
        result = work(Path(real), Within.folders(share.path))
        # Read by path: the shared folder must still have been there when it was read.
        if descriptor_path(share.fd) != share.path:
            raise NotFound(_GONE)
        return result
    finally:
        share.close()


def view_answer(
    shares: ShareServer, token: str, kind: str, subpath: str, query: Mapping[str, str]
) -> dict[str, Any] | bytes:
    """The JSON (`info`, `pixel`) or PNG (`tile`) of one request (module docstring)."""
    if kind == "tile":
        tile = parse_tile_query(query)  # a malformed query is a 400 before any lookup
        return in_shared_image(shares, token, subpath, lambda p, w: render_tile(p, w, tile))
    if kind == "pixel":
        return in_shared_image(shares, token, subpath, lambda p, w: pixel_values(p, w, query))
    if kind == "histogram":
        counted = parse_histogram_query(query)
        return in_shared_image(shares, token, subpath, lambda p, w: histogram(p, w, counted))
    info = in_shared_image(shares, token, subpath, describe)
    return {"root": "", "path": "/".join(_path_parts(subpath)), **info}


class ViewHandler(ShareHandler):
    """`GET/OPTIONS {VIEW_PREFIX}/{token}/{info|tile|pixel|histogram}/{path}` (docstring)."""

    SUPPORTED_METHODS = ("GET", "OPTIONS")  # type: ignore[assignment]
    PREFLIGHT_METHODS = "GET, OPTIONS"
    PREFLIGHT_HEADERS = "If-None-Match"

    @allow_unauthenticated
    def options(self, token: str, kind: str, subpath: str | None = None) -> None:  # type: ignore[override]
        self._preflight()

    @allow_unauthenticated
    async def get(self, token: str, kind: str, subpath: str | None = None) -> None:  # type: ignore[override]
        query = {name: self.get_query_argument(name) for name in self.request.arguments}
        # Drawing decodes chunks: always off the event loop, whatever `use_threads` says, on
        # the bounded drawing pool the authenticated viewer routes use too.
        answer = await DRAWINGS.run(view_answer, self.shares, token, kind, subpath or "", query)
        # Revalidated every time (an ETag makes that a cheap 304): a cached tile must not
        # outlive a revoked link.
        self.set_header("Cache-Control", "private, no-cache")
        if isinstance(answer, bytes):
            self.set_header("Content-Type", "image/png")
            self.finish(answer)
        else:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(answer))


class JupyterViewHandler(ViewHandler):
    """The route inside Jupyter, which logs its requests itself (tokens shortened)."""

    def _log(self) -> None:
        log_public_request(self)


def view_route(
    shares: ShareServer,
    allowed_origins: Sequence[str] = ("*",),
    handler: type[ViewHandler] = ViewHandler,
) -> tuple[str, type[ViewHandler], dict[str, Any]]:
    """The public viewer route (relative to a base URL), bound to `shares`."""
    return (_VIEW_ROUTE, handler, {"shares": shares, "allowed_origins": allowed_origins})


def routes(app: FileglancerApp) -> list[Route]:
    """Inside Jupyter: the viewer through the links this server serves (its user's)."""
    return [view_route(app.share_server, app.share_allowed_origins, JupyterViewHandler)]
