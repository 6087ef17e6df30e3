"""Letting nginx send a shared file's bytes: `X-Accel-Redirect` to an internal location.

With `serve-links --accel-redirect PREFIX` the link server still answers every request
and decides it exactly as without (token lookup, revocation and expiry, identity of the
share, confinement, owner checks, content type), but answers a permitted file GET or HEAD
with no body and `X-Accel-Redirect: PREFIX/<canonical path of the opened file>`. nginx
(deploy/nginx/fileglancer-links.conf) then serves that path from an `internal` location
with sendfile, Range, ETag and conditional requests, `disable_symlinks on`, and copies
the link server's CORS and sandbox headers onto its answer. Listings, errors and 416s
stay the link server's.

The path sent is the one the kernel reports for the descriptor the checks ran on
(/proc/self/fd), so it names what was checked and has no symlink in it; nginx opens it
again by path, which leaves the window described in the configuration file.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from .serving import SharedFile

# Of an answer carrying this header, nginx keeps Content-Type and Cache-Control (checked by
# tests/links/test_nginx_accel.py); the internal location sets CORS and sandbox headers
# again from $upstream_http_*.
ACCEL_HEADER = "X-Accel-Redirect"


def accel_prefix(value: str) -> str:
    """The internal location's prefix as given on the command line: '/x', never '/x/'."""
    prefix = "/" + value.strip("/")
    if prefix == "/":
        raise ValueError("the X-Accel-Redirect prefix must name a location, e.g. /_files")
    return prefix


def accel_uri(prefix: str, shared: SharedFile) -> str | None:
    """`prefix` + the canonical path of `shared`'s open descriptor, percent-encoded (nginx
    decodes it), or None when the kernel cannot name it (not Linux, file deleted)."""
    try:
        path = os.readlink(f"/proc/self/fd/{shared.file.fileno()}")
    except OSError:
        return None
    if not path.startswith("/") or path.endswith(" (deleted)"):
        return None
    return prefix + quote(os.fsencode(path), safe="/")
