"""The small set of errors that domain code raises, each with the HTTP status it maps to.

Domain modules raise these; `handlers.py` turns them into JSON `{"error", "message"}`
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


class Forbidden(FileglancerError):
    status = 403
    code = "forbidden"


class NotFound(FileglancerError):
    status = 404
    code = "not_found"


class NotInARoot(NotFound):
    """A path outside every configured root (e.g. from JupyterLab's own file browser)."""

    code = "not_in_a_root"
