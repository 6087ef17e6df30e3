"""Thin HTTP handlers: parse the request, call a domain module, write JSON.

Every route here needs a logged-in Jupyter user and is authorized against its own
resource name (see `AUTH_RESOURCE`), so that a hub's authorizer can grant or deny
fileglancer features separately from the rest of Jupyter.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from . import __version__
from .errors import FileglancerError

AUTH_RESOURCE = "fileglancer"
API_PREFIX = "/fileglancer/api"
API_VERSION = 1


class FileglancerAPIHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every authenticated route: JSON errors as {"error": code, "message": text}."""

    auth_resource = AUTH_RESOURCE

    def write_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, FileglancerError):
            code, message = exc.code, exc.message
        elif isinstance(exc, web.HTTPError):
            code = _http_code_name(status_code)
            message = exc.log_message or exc.reason or self._reason
        else:
            code, message = "internal_error", "Unexpected server error; see the server log."
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": code, "message": message}))

    def _handle_request_exception(self, e: BaseException) -> None:
        # Domain errors are expected outcomes, not crashes: answer with their status.
        if isinstance(e, FileglancerError):
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


def _http_code_name(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
    }.get(status, "http_error")


class VersionHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.write_json({"version": __version__, "api_version": API_VERSION})


class RootsHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        roots = self.extensionapp.configured_roots
        self.write_json({"roots": [root.to_json() for root in roots]})


def route_table() -> list[tuple[str, type[FileglancerAPIHandler]]]:
    """Every route of the extension, relative to the server's base_url."""
    return [
        (rf"{API_PREFIX}/version", VersionHandler),
        (rf"{API_PREFIX}/roots", RootsHandler),
    ]
