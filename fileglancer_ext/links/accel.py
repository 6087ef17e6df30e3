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

Kept decisions (deploy/nginx/fileglancer-links-cached.conf): `decide_share` decides a
whole share at once for nginx's `auth_request`; nginx keeps the answer until the time it
names (`X-Accel-Expires`, about a second, never past the link's expiry) and serves
`root/rest` itself meanwhile, but only while the share's live marker exists
(nginx_markers.py): a revocation deletes it, and nginx asks again at once.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from urllib.parse import quote

from ..errors import NotFound
from ..system.confined_io import descriptor_path
from .serving import SharedFile, ShareServer
from .store import ShareLink

# Of an answer carrying this header, nginx keeps Content-Type and Cache-Control (checked by
# tests/links/test_nginx_accel.py); the internal location sets CORS and sandbox headers
# again from $upstream_http_*.
ACCEL_HEADER = "X-Accel-Redirect"
# A share decision's answer: the canonical path of the shared folder nginx may serve below.
ROOT_HEADER = "X-Fileglancer-Root"
# ...and until when nginx may keep it: "@<POSIX second>" (nginx keeps it while its clock's
# whole second is not past that one), or "0" (for this request only).
KEEP_HEADER = "X-Accel-Expires"
# A decision is kept for one to two seconds from the link server's lookup (nginx's clock
# ticks in whole seconds): how long a folder renamed into the shared path may go
# unnoticed; never past the link's expiry, with this much to spare (nginx's clock lags
# its event loop a little).
KEEP_SECONDS = 1
EXPIRY_SPARE = 0.5


@dataclass(frozen=True)
class ShareDecision:
    """nginx may serve files below `root` until `keep_until` (a POSIX second, 0: this
    request only)."""

    root: str
    keep_until: int

    @property
    def keep_header(self) -> str:
        return f"@{self.keep_until}" if self.keep_until else "0"


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


def decide_share(shares: ShareServer, token: str) -> ShareDecision | None:
    """Whether and where nginx may serve files of the folder shared by `token`, checked
    now as every request checks it (token active, served here, still the folder that was
    shared), and for how long; None when the link is dead or nginx must ask for each
    request (a shared file, a path a header cannot carry, owners' access checked). Marks
    the share live for nginx (nginx_markers.py) when its decision may be kept."""
    markers = shares.store.nginx_markers
    root = share_root(shares, token)
    if root is None:
        if markers is not None:
            markers.remove(token)  # a dead link's, or a share nginx may not serve alone
        return None
    link, path = root
    keep_until = decision_lifetime(link, time.time())
    if keep_until and markers is not None:
        markers.mark(token, lambda: _still_keepable(shares, token))
    return ShareDecision(path, keep_until)


def decision_lifetime(link: ShareLink, now: float) -> int:
    """The last whole second of nginx's clock in which a decision made `now` may be used
    (used until the next one begins): 0 when it must not be kept, as the link expires
    before then."""
    last = math.floor(now) + KEEP_SECONDS
    if link.expires is not None:
        last = min(last, math.floor(link.expires - EXPIRY_SPARE) - 1)
    return last if last >= math.floor(now) else 0


def _still_keepable(shares: ShareServer, token: str) -> bool:
    """Looked up again under the markers' lock: active, and not expiring so soon that a
    decision kept from before a change of its expiry could outlive it."""
    link = shares.active_link(token)
    return link is not None and decision_lifetime(link, time.time() + KEEP_SECONDS + 1) > 0


def share_root(shares: ShareServer, token: str) -> tuple[ShareLink, str] | None:
    """The link of `token` and the canonical path of the folder it shares, checked now;
    None when the link is dead or nginx must ask for each request."""
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
    shares.record_access(link)  # last access, as `open` records it
    return link, path
