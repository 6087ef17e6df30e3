"""HTTP for the in-JupyterLab viewer: `viewer-info` (levels, axes, channels of an image),
`tile` (one PNG tile), `pixel` (each channel's value at a pixel) and `histogram` (each
channel's histogram of the visible region). Authenticated,
confined to the roots, read-only; thin handlers over `tiles.service`, drawing on the
bounded `tiles.drawing` pool (a 503 past its queue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..web import API_PREFIX, ROOT_AND_PATH, FileglancerAPIHandler, Route
from .drawing import DRAWINGS
from .histogram import histogram, parse_histogram_query
from .service import describe, parse_tile_query, pixel_values, render_tile

if TYPE_CHECKING:
    from ..app import FileglancerApp


def _query(handler: FileglancerAPIHandler) -> dict[str, str]:
    """The query's parameters, the last value of each."""
    return {name: handler.get_query_argument(name) for name in handler.request.arguments}


class ViewerInfoHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        registry = self.extensionapp.registry
        location = registry.resolve(root, path or "")
        info = await DRAWINGS.run(describe, location.real, registry.within(root))
        self.write_json({"root": root, "path": location.path, **info})


class TileHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        query = parse_tile_query(_query(self))
        registry = self.extensionapp.registry
        location = registry.resolve(root, path or "")
        png = await DRAWINGS.run(render_tile, location.real, registry.within(root), query)
        # The data may change: the browser may keep a tile briefly while panning back.
        self.set_header("Cache-Control", "private, max-age=60")
        self.write_binary(png, "image/png")


class PixelHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        query = _query(self)
        registry = self.extensionapp.registry
        location = registry.resolve(root, path or "")
        values = await DRAWINGS.run(pixel_values, location.real, registry.within(root), query)
        self.write_json(values)


class HistogramHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, root: str, path: str | None = None) -> None:
        query = parse_histogram_query(_query(self))
        registry = self.extensionapp.registry
        location = registry.resolve(root, path or "")
        found = await DRAWINGS.run(histogram, location.real, registry.within(root), query)
        self.write_json(found)


def routes(app: FileglancerApp) -> list[Route]:
    """The viewer's routes, relative to the server's base_url."""
    return [
        (rf"{API_PREFIX}/viewer-info/{ROOT_AND_PATH}", ViewerInfoHandler),
        (rf"{API_PREFIX}/tile/{ROOT_AND_PATH}", TileHandler),
        (rf"{API_PREFIX}/pixel/{ROOT_AND_PATH}", PixelHandler),
        (rf"{API_PREFIX}/histogram/{ROOT_AND_PATH}", HistogramHandler),
    ]
