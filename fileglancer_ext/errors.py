"""The small set of errors that domain code raises, each with the HTTP status it maps to.

Domain modules raise these; `web.py` turns them into JSON `{"error", "message"}`
responses, and the CLI prints their message. Nothing else needs to know about HTTP.
"""

from __future__ import annotations


class FileglancerError(Exception):
    """Base class: `code` is a stable machine-readable name, the message is for humans."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(FileglancerError):
    status = 400
    code = "bad_request"


class Unauthorized(FileglancerError):
    """No credentials, or credentials no one issued (the hub's link service API)."""

    status = 401
    code = "unauthorized"


class Forbidden(FileglancerError):
    status = 403
    code = "forbidden"


class NotFound(FileglancerError):
    status = 404
    code = "not_found"


class NotInARoot(NotFound):
    """A path outside every configured root (e.g. from JupyterLab's own file browser)."""

    code = "not_in_a_root"


class ServiceUnavailable(FileglancerError):
    """A service this server relies on (the hub's link service) does not answer."""

    status = 503
    code = "service_unavailable"


class Conflict(FileglancerError):
    status = 409
    code = "conflict"


class DestinationExists(Conflict):
    """A conversion's destination exists and overwriting was not asked for."""

    code = "destination_exists"


class ConversionError(FileglancerError):
    """Input that cannot be converted: not what it claims to be, truncated or unsupported."""

    status = 422
    code = "conversion_failed"


class ConversionCancelled(ConversionError):
    """The conversion was cancelled; nothing was left behind."""

    status = 409
    code = "cancelled"


class OutOfSpace(ConversionError):
    """The destination's file system filled up; nothing was left behind."""

    status = 507
    code = "no_space"


class RangeNotSatisfiable(FileglancerError):
    """A byte range that starts past the end of the file, or that cannot be parsed."""

    status = 416
    code = "range_not_satisfiable"
