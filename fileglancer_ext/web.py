"""The base of every HTTP handler of the REST API: parse the request, write JSON, map
domain errors to statuses. Each feature's `handlers` module builds on it and lists its
routes in `routes(app)`; `app.py` loops over the features. `PublicHandler` is the base of
the routes without login (data links, S3, short-link redirects).

Every API route needs a logged-in Jupyter user and is authorized against its own
resource name (see `AUTH_RESOURCE`), so that a hub's authorizer can grant or deny
fileglancer features separately from the rest of Jupyter.
"""

from __future__ import annotations

import getpass
import json
import logging
import math
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.log import access_log

from . import __version__
from .browse.listing import MAX_DIGITS, whole_number
from .errors import BadRequest, FileglancerError
from .system.log_redaction import redact

if TYPE_CHECKING:
    from .app import FileglancerApp

AUTH_RESOURCE = "fileglancer"
API_PREFIX = "/fileglancer/api"
API_VERSION = 1
MAX_JSON_INT = 2**63 - 1  # no number in a request body needs more than 64 bits


class FileglancerAPIHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every authenticated route: JSON errors as {"error": code, "message": text}."""

    auth_resource = AUTH_RESOURCE

    @property
    def owner(self) -> str:
        """Whose links and jobs these are: the hub's user name under a hub; on a plain
        single-user server, the OS user who runs it (as for the CLI)."""
        # jupyter_server's own token/password login names a random anonymous user per
        # browser session, all of them the one person who runs this server.
        if type(self.identity_provider).__module__.startswith("jupyter_server."):
            return getpass.getuser()
        return self.current_user.username

    def public_url(self, path: str) -> str:
        """The public address of `path` (e.g. "/fileglancer/s/TOKEN/"): under
        `public_base_url` when an admin set one, else this server as the request reached it."""
        public = self.extensionapp.public_base_url.rstrip("/")
        if not public:
            public = f"{self.request.protocol}://{self.request.host}{self.base_url.rstrip('/')}"
        return f"{public}{path}"

    def json_body(self) -> dict[str, Any]:
        return parse_json_object(self.request.body)

    def int_query(self, name: str, default: int, low: int, high: int) -> int:
        """A whole-number query argument within [low, high]; BadRequest otherwise."""
        text = self.get_query_argument(name, None)
        if text is None:
            return default
        value = whole_number(text)
        if value is None or not low <= value <= high:
            raise BadRequest(f"'{name}' must be a whole number from {low} to {high}.")
        return value

    def write_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(strict_json(payload))

    def write_binary(self, body: bytes, content_type: str) -> None:
        # APIHandler.finish would stamp the body application/json; skip to its parent.
        self.update_api_activity()
        self.set_header("Content-Type", content_type)
        JupyterHandler.finish(self, body)

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


def parse_json_object(data: bytes) -> dict[str, Any]:
    """The request body as a JSON object; BadRequest when it is anything else.

    Also refused, because no field of this API takes them and later arithmetic or the
    database would fail on them: numbers that are not finite or do not fit in 64 bits,
    and text that is not valid Unicode (lone surrogates, as names that are not UTF-8
    arrive).
    """
    try:
        body = json.loads(
            data or b"{}",
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_json_constant,
        )
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8 text.") from None
    except UnicodeEncodeError:
        raise BadRequest(
            "The request holds text that is not valid Unicode, such as a file name that "
            "is not UTF-8: such names cannot be shared or converted."
        ) from None
    except json.JSONDecodeError as err:
        raise BadRequest(f"The request body is not valid JSON: {err}.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def _json_int(text: str) -> int:
    value = int(text) if len(text.lstrip("-")) <= MAX_DIGITS else None
    if value is None or not -MAX_JSON_INT <= value <= MAX_JSON_INT:
        raise BadRequest("A number in the request body is too large (over 64 bits).")
    return value


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadRequest("A number in the request body is too large.")
    return value


def _json_constant(text: str) -> float:
    raise BadRequest(f"The request body is not valid JSON: {text} is not a number.")


def strict_json(payload: Any) -> str:
    """`payload` as JSON a browser's JSON.parse reads: a number no float holds (infinite or
    NaN, from metadata a domain check missed) becomes null instead of an `Infinity` literal."""
    try:
        return json.dumps(payload, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(payload), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _http_code_name(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
    }.get(status, "http_error")


# --- the base of the public routes -------------------------------------------------------------

# On every answer of a public route (shares, S3, short links; errors and 304s too): a
# shared file is someone else's content on this server's origin. A sandbox gives any
# page a unique origin (no cookies, no same-origin API calls) and runs no script; nosniff
# keeps a browser from taking a file for a type it was not served as. Stricter than
# Jupyter's own /files/ ("sandbox allow-scripts"). Viewers read shares with fetch(),
# which a response's CSP does not affect.
SANDBOX_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def set_sandbox_headers(handler: web.RequestHandler) -> None:
    """The headers every answer of a public route carries (see `SANDBOX_HEADERS`)."""
    for name, value in SANDBOX_HEADERS.items():
        handler.set_header(name, value)


def bad_request_message(exc: BaseException | None) -> str:
    """What to tell a client whose request tornado refused before a handler ran."""
    if isinstance(exc, web.HTTPError) and (exc.log_message or "").startswith("Invalid unicode"):
        return "The path and query arguments must be valid UTF-8."
    return "The request is malformed."


def log_public_request(handler: web.RequestHandler) -> None:
    """The access log of public routes (also the link server's `log_function`): a viewer
    probes missing chunks by the thousand (404 is normal here) and the URL holds a live
    secret, so requests go to debug unless the server failed, and a token shows only its
    first characters."""
    status = handler.get_status()
    access_log.log(
        logging.ERROR if status >= 500 else logging.DEBUG,
        "%d %s %s (%s) %.2fms",
        status,
        handler.request.method,
        redact(handler.request.path),
        handler.request.remote_ip,
        1000.0 * handler.request.request_time(),
    )


class PublicHandler(web.RequestHandler):
    """Base of the routes anyone may call without logging in (data links, their S3 view,
    short-link redirects): sandbox headers on every answer, and domain errors answered
    with their status rather than as crashes. Each route writes its errors in its own
    format (`write_error`) and logs with `log_public_request`: in its `_log` where
    Jupyter's request log would show the token, else as the link server's `log_function`."""

    def set_default_headers(self) -> None:
        set_sandbox_headers(self)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, FileglancerError):  # expected outcomes, not crashes
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


# --- the API's own route ----------------------------------------------------------------------


class VersionHandler(FileglancerAPIHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.write_json({"version": __version__, "api_version": API_VERSION})


# A root name, then optionally "/" and a path inside it (which may be empty).
ROOT_AND_PATH = r"(?P<root>[^/]+)(?:/(?P<path>.*))?"

# A tornado route: (pattern relative to base_url, handler class[, its initialize() arguments]).
Route = tuple[str, type[web.RequestHandler]] | tuple[str, type[web.RequestHandler], dict[str, Any]]


def routes(app: FileglancerApp) -> list[Route]:
    """The API's own route: its version, which the frontend checks first."""
    return [(rf"{API_PREFIX}/version", VersionHandler)]
