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

Cached decisions (deploy/nginx/fileglancer-links-cached.conf): `share_root` decides a
whole share at once for nginx's `auth_request`, which caches the answer for a second and
serves `root/rest` itself meanwhile; see that file for what this gives up.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from ..errors import NotFound
from ..system.confined_io import descriptor_path
from .serving import SharedFile, ShareServer

# Of an answer carrying this header, nginx keeps Content-Type and Cache-Control (checked by
# tests/links/test_nginx_accel.py); the internal location sets CORS and sandbox headers
# again from $upstream_http_*.
ACCEL_HEADER = "X-Accel-Redirect"
# A share decision's answer: the canonical path of the shared folder nginx may serve below.
ROOT_HEADER = "X-Fileglancer-Root"


def accel_prefix(value: str) -> str:
    """The internal location's prefix as given on the command line: '/x', never '/x/'."""
    prefix = "/" + value.strip("/")
    if prefix == "/":
        raise ValueError("the X-Accel-Redirect prefix must name a location, e.g. /_files")
    return prefix


def accel_uri(prefix: str, shared: SharedFile) -> str | None:
    """`prefix` + the canonical path of `shared`'s open descriptor, percent-encoded (nginx
    decodes it), or None when the kernel cannot name it (not Linux, file deleted)."""
    path = descriptor_path(shared.file.fileno())
    if path is None:
        return None
    return prefix + quote(os.fsencode(path), safe="/")


def share_root(shares: ShareServer, token: str) -> str | None:
    """The canonical path of the folder shared by `token`, checked now as every request
    checks it (token active, served here, still the folder that was shared), for nginx to
    serve files below it for a while; None when the link is dead or nginx must ask for
    each request (a shared file, a path a header cannot carry, owners' access checked)."""
    # An owner's access is checked per file (hub service): no decision holds for a share.
    if shares.check_owner_permissions:
        return None
    link = shares.active_link(token)
    if link is None:
        return None
    try:
        share = shares.open_share(link)
    except NotFound:
        return None
    try:
        path = descriptor_path(share.fd) if share.is_dir else None
    finally:
        share.close()
    if path is None:
        return None
    # Printable ASCII only: nginx takes the header's bytes as they are.
    if not (path.isascii() and path.isprintable()):
        return None
    shares._record_access(link)  # last access, as `open` records it
    return path
