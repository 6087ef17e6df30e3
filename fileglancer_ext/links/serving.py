"""Serving a share: from a token and a path inside the share to bytes, with HTTP semantics.

Everything here is plain Python (no tornado), shared by the route inside Jupyter and the
standalone link server: `ShareServer.open` looks the token up on every request (so a
revoked or expired link is dead at once), confines the path to the shared folder (the
same rules as `RootRegistry.resolve`, on real paths, with every refusal a plain 404, and
lean: this runs for every chunk a viewer reads), and opens the file; then
`responses.plan_response` decides the status and headers.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import stat
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

from ..errors import NotFound
from .responses import ResponsePlan, plan_response
from .store import ShareLink, ShareLinkStore

log = logging.getLogger(__name__)

# Bodies stream in blocks of this size: measured (benchmarks/share.py) faster than 1 MiB,
# whose copies through tornado's write buffer fall out of the CPU cache...
BLOCK_SIZE = 256 * 1024
# ...unless each block is a trip to a thread (use_threads), which costs more than copies.
THREADED_BLOCK_SIZE = 1024 * 1024
# While streaming, the link is looked up again after this many bytes: a download of a
# revoked link stops within a few MB, at one indexed query per 8 MB.
RECHECK_BYTES = 8 * 1024 * 1024
MAX_LISTED_ENTRIES = 10_000

# Metadata files of Zarr v2 / v3 and N5 have no extension that mimetypes knows.
_JSON_NAMES = {".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json", "attributes.json"}
_GONE = "This share link does not exist, was revoked, or has expired."
# The only types a shared file keeps (see `content_type`): none of them can run script.
_PASSIVE_TYPES = {
    "application/json",
    "text/plain",
    "text/csv",
    "text/tab-separated-values",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
}


@dataclass
class SharedFile:
    """An open file of a share, with what HTTP needs to know about it. Close it."""

    link: ShareLink
    file: BinaryIO
    info: os.stat_result
    content_type: str

    @property
    def size(self) -> int:
        return self.info.st_size

    @property
    def mtime(self) -> float:
        return self.info.st_mtime

    @property
    def etag(self) -> str:
        # Strong, cheap, and changes whenever the content is rewritten in place or replaced.
        return f'"{self.info.st_ino:x}-{self.info.st_size:x}-{self.info.st_mtime_ns:x}"'

    def read(self, offset: int, length: int) -> bytes:
        self.file.seek(offset)
        return self.file.read(length)

    def close(self) -> None:
        self.file.close()


@dataclass(frozen=True)
class SharedDirectory:
    link: ShareLink
    real_path: str
    subpath: str


@dataclass
class ShareResponse:
    """One request's answer: a folder listing, or a file with its plan and first block."""

    listing: dict[str, Any] | None = None
    file: SharedFile | None = None
    plan: ResponsePlan | None = None
    first_block: bytes = b""


class ShareServer:
    """Resolves share URLs against a `ShareLinkStore`. Every method blocks (briefly, on
    local storage); `use_threads` tells the caller to run them in threads instead."""

    def __init__(
        self,
        store: ShareLinkStore,
        *,
        directory_listing: bool = False,
        recheck_bytes: int = RECHECK_BYTES,
        use_threads: bool = False,
        allowed_roots: Sequence[str] | None = None,
    ) -> None:
        self.store = store
        # A link server shares one database with every user's server, and so trusts it to
        # name any path: with `allowed_roots`, only links into these folders are served.
        self.allowed_roots = (
            None if allowed_roots is None else [os.path.realpath(p) for p in allowed_roots]
        )
        self.directory_listing = directory_listing
        self.recheck_bytes = recheck_bytes
        # Whether the HTTP layer should run these blocking calls in threads (slow storage).
        self.use_threads = use_threads
        self.block_size = THREADED_BLOCK_SIZE if use_threads else BLOCK_SIZE
        # One writer thread for last-access updates: serving never waits for them.
        self._touch_writer = ThreadPoolExecutor(1, thread_name_prefix="fileglancer-touch")

    def close(self) -> None:
        self._touch_writer.shutdown(wait=True)

    def active_link(self, token: str) -> ShareLink | None:
        """The link of `token` if it works now and is served here (`allowed_roots`)."""
        link = self.store.lookup_active(token)
        return link if link is not None and self._root_allowed(link) else None

    def open(self, token: str, subpath: str) -> SharedFile | SharedDirectory:
        """The file (opened) or folder at `subpath` inside the share of `token`.

        Raises NotFound, with the same message, for an unknown, revoked or expired token
        and for anything that is not a readable file or folder inside the shared path
        (`..`, NUL, a symlink leading out of the share, a missing file): a stranger learns
        nothing about what exists.
        """
        link = self.store.lookup_active(token)
        if link is None or not self._root_allowed(link):
            raise NotFound(_GONE)
        self._record_access(link)
        real = _confined_path(shared_target(link), subpath)
        try:
            handle = open(real, "rb")  # noqa: SIM115 - the caller closes it
        except IsADirectoryError:
            if not self.directory_listing:
                raise NotFound("Folders of a share cannot be listed.") from None
            return SharedDirectory(link, real, subpath.strip("/"))
        except OSError:
            raise NotFound(f"'{subpath}' cannot be read.") from None
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            raise NotFound(f"'{subpath}' is not a file.")
        return SharedFile(link, handle, info, content_type(os.path.basename(real)))

    def respond(
        self, token: str, subpath: str, request_headers: Mapping[str, str], *, with_body: bool
    ) -> ShareResponse:
        """Everything a GET or HEAD needs before streaming, in one blocking call: the
        listing of a folder, or the opened file, its plan and its first block (the whole
        body of a chunk-sized file). The caller closes `file`. Raises as `open` does."""
        shared = self.open(token, subpath)
        if isinstance(shared, SharedDirectory):
            return ShareResponse(listing=self.list_directory(shared))
        try:
            plan = plan_response(shared, request_headers)
            first = b""
            if with_body and plan.length:
                first = shared.read(plan.offset, min(self.block_size, plan.length))
        except BaseException:
            shared.close()
            raise
        return ShareResponse(file=shared, plan=plan, first_block=first)

    def still_active(self, link: ShareLink) -> bool:
        """Whether the link still works now (for long downloads, between blocks)."""
        return self.store.lookup_active(link.token) is not None

    def list_directory(self, directory: SharedDirectory) -> dict[str, Any]:
        """A JSON listing of a shared folder: names, kinds and sizes, in name order.

        Entries that lead out of the share (symlinks) or cannot be read are left out.
        """
        target = shared_target(directory.link)
        entries: list[dict[str, Any]] = []
        with os.scandir(directory.real_path) as scan:
            for entry in scan:
                real = _realpath(entry.path)
                if real is None or not _within(real, target):
                    continue
                try:
                    info = entry.stat()
                except OSError:
                    continue
                kind = "directory" if stat.S_ISDIR(info.st_mode) else "file"
                entries.append({"name": entry.name, "kind": kind, "size": info.st_size})
        entries.sort(key=lambda entry: entry["name"])
        return {
            "path": directory.subpath,
            "entries": entries[:MAX_LISTED_ENTRIES],
            "truncated": len(entries) > MAX_LISTED_ENTRIES,
        }

    def _root_allowed(self, link: ShareLink) -> bool:
        if self.allowed_roots is None:
            return True
        return any(_within(link.root_path, allowed) for allowed in self.allowed_roots)

    def _record_access(self, link: ShareLink) -> None:
        when = self.store.claim_touch(link)
        if when is not None:
            future = self._touch_writer.submit(self.store.write_last_access, link.id, when)
            future.add_done_callback(_log_failure)


def _log_failure(future: Any) -> None:
    if future.exception() is not None:
        log.warning("fileglancer: could not record a share access: %s", future.exception())


def shared_target(link: ShareLink) -> str:
    """The real path of what `link` shares (which may have been deleted since).

    Raises NotFound when it now lies outside the root it was shared from. The root's path
    as recorded was real then; comparing against it (not its realpath now) means a root
    that has since become, or moved behind, a symlink no longer contains anything.
    """
    real = _realpath(os.path.join(link.root_path, *_path_parts(link.path)))
    if real is None or not _within(real, link.root_path):
        raise NotFound("The shared folder no longer exists.")
    return real


def _confined_path(target: str, subpath: str) -> str:
    """The real path of `subpath` inside `target`; NotFound for anything that leaves it."""
    parts = _path_parts(subpath)
    if not parts:
        return target
    if parts == [os.path.basename(target)] and os.path.isfile(target):
        return target  # a shared file is its own share, also under its own name
    real = _realpath(os.path.join(target, *parts))
    if real is None or not _within(real, target):
        raise NotFound(f"'{subpath}' is not in this share.")
    return real


def _path_parts(path: str) -> list[str]:
    """The components of a path inside a share; NotFound for NUL or `..` (never needed)."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if "\x00" in path or ".." in parts:
        raise NotFound(f"'{path}' is not in this share.")
    return parts


def _realpath(path: str) -> str | None:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):  # a loop of links, a name this filesystem cannot encode
        return None


def _within(path: str, base: str) -> bool:
    # Component-wise, never a bare string prefix: /data/lab must not contain /data/lab2.
    return path == base or path.startswith(base.rstrip("/") + "/")


def content_type(name: str) -> str:
    """The Content-Type a shared file is served with: its own when a browser only shows
    it (data, text, raster images), else opaque bytes, which a browser downloads. Active
    types (HTML, SVG, XML, scripts, PDF, ...) would otherwise render, on this server's
    origin, content the person who opens the link did not write."""
    if name in _JSON_NAMES or name.endswith(".json"):
        return "application/json"
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    # A chunk ("0.0.0", "c/0/1") or anything compressed is opaque bytes to a client.
    if guessed is None or encoding is not None or guessed not in _PASSIVE_TYPES:
        return "application/octet-stream"
    return guessed
