"""The standalone link server: only the public share route, over a link store.

It needs no Jupyter configuration (each link records its root's real path) and keeps no
state of its own, so a hub runs it as a service next to every user's server, or several
copies behind a proxy, all reading one PostgreSQL store. As a JupyterHub service (hub
auth) it is also the only writer of links (`service_api.py`) and serves a link only
while its owner can still read what it serves.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Sequence

from jupyter_server.utils import url_path_join
from tornado import web
from tornado.httpserver import HTTPServer

from ..s3.handlers import s3_routes
from ..shortlinks.handlers import short_link_redirect_route
from ..shortlinks.service_api import short_link_service_routes
from ..shortlinks.store import ShortLinkStore
from ..system.log_redaction import install as install_log_redaction
from ..web import log_public_request, set_sandbox_headers
from .handlers import share_decision_route, share_route
from .nginx_markers import NginxMarkers
from .service_api import HubIdentity, HubLinkService, service_api_routes
from .serving import ShareServer
from .store import ShareLinkStore
from .view_route import view_route

log = logging.getLogger(__name__)


class HealthHandler(web.RequestHandler):
    """`GET {base_url}`: 200 "ok", for a hub's or a load balancer's health checks."""

    def get(self) -> None:
        set_sandbox_headers(self)  # the link server's every answer, as its public routes'
        self.set_header("Content-Type", "text/plain")
        self.finish("ok\n")


def default_base_url() -> str:
    # A JupyterHub service is proxied under /services/<name>/ and told so in this variable.
    return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")


def hub_service_name() -> str | None:
    """This service's name when JupyterHub runs it (or lists it with a token), else None."""
    if os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_API_URL"):
        return os.environ.get("JUPYTERHUB_SERVICE_NAME") or "fileglancer-links"
    return None


def make_link_server_app(
    shares: ShareServer,
    *,
    base_url: str = "/",
    allowed_origins: Sequence[str] = ("*",),
    hub_service: str | None = None,
    public_base_url: str = "",
) -> web.Application:
    """The link server; with `hub_service` (its JupyterHub service name) also the links
    and short-links APIs for hub users, writing into `shares.store` (links only within
    `shares.allowed_roots`)."""
    base_url = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    install_log_redaction()  # tornado's own lines (an uncaught exception) show whole URLs
    pattern, handler, kwargs = share_route(shares, allowed_origins)
    # Every link is also an S3 bucket, and short viewer links redirect from here too.
    short_links = ShortLinkStore(shares.store.engine)
    public_routes = [
        *s3_routes(shares, allowed_origins=allowed_origins),
        short_link_redirect_route(short_links),
        view_route(shares, allowed_origins),  # the in-JupyterLab viewer through a link
    ]
    if shares.accel_redirect is not None:  # nginx's per-share decisions (accel.py)
        public_routes.append(share_decision_route(shares, allowed_origins))
    api_routes: list = []
    if hub_service is not None:
        service = HubLinkService(shares.store, shares.allowed_roots or ())
        identity = HubIdentity(hub_service)
        api_routes = service_api_routes(base_url, service, identity, public_base_url)
        api_routes += short_link_service_routes(base_url, short_links, identity, public_base_url)
    return web.Application(
        [
            *api_routes,
            (url_path_join(base_url, pattern), handler, kwargs),
            *((url_path_join(base_url, route[0]), *route[1:]) for route in public_routes),
            (base_url.rstrip("/") + "/?", HealthHandler),
        ],
        # Shares are files: tornado's gzip would defeat byte ranges and Content-Length.
        compress_response=False,
        log_function=log_public_request,  # debug level, tokens shortened
    )


async def serve_links(
    database_url: str,
    *,
    port: int,
    ip: str = "127.0.0.1",
    base_url: str = "/",
    allowed_origins: Sequence[str] = ("*",),
    directory_listing: bool = False,
    io_in_threads: bool = False,
    allowed_roots: Sequence[str] | None = None,
    hub_service: str | None = None,
    check_owner_permissions: bool | None = None,
    public_base_url: str = "",
    accel_redirect: str | None = None,
    nginx_markers: str | None = None,
) -> None:
    """Serve shares until SIGINT or SIGTERM (only links into `allowed_roots`, if given).

    With `hub_service`, also the hub users' links API; owners' permissions are then
    checked on every request unless `check_owner_permissions` is False. With
    `accel_redirect`, nginx sends the files (accel.py), and with `nginx_markers` serves
    decided shares alone until they are revoked (nginx_markers.py)."""
    if check_owner_permissions is None:
        check_owner_permissions = hub_service is not None
    store = ShareLinkStore.from_url(database_url)
    if nginx_markers:
        store.nginx_markers = NginxMarkers(nginx_markers)
        store.nginx_markers.create_folder()
    shares = ShareServer(
        store,
        directory_listing=directory_listing,
        use_threads=io_in_threads,
        allowed_roots=allowed_roots,
        check_owner_permissions=check_owner_permissions,
        accel_redirect=accel_redirect,
    )
    app = make_link_server_app(
        shares,
        base_url=base_url,
        allowed_origins=allowed_origins,
        hub_service=hub_service,
        public_base_url=public_base_url,
    )
    server = HTTPServer(app)
    server.listen(port, address=ip)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("fileglancer link server on http://%s:%d%s", ip, port, base_url)
    try:
        await stop.wait()
    finally:
        server.stop()
        shares.close()
        store.close()
