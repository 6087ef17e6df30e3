"""Serving a share: from a token and a path inside the share to bytes, with HTTP semantics.

Everything here is plain Python (no tornado), shared by the route inside Jupyter and the
standalone link server: `ShareServer.open` looks the token up on every request (so a
revoked or expired link is dead at once), opens the shared folder and checks it is still
what was shared, and opens the path relative to it (`confinement.py`: no symlink leads
out, nothing is walked by path twice, every refusal a plain 404, and lean: this runs for
every chunk a viewer reads); then `responses.plan_response` decides the status and headers.
"""

from __future__ import annotations

import errno
import logging
import mimetypes
import os
import stat
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

from ..errors import Forbidden, NotFound
from . import virtual_zarr
from .confinement import (
    HANDLE,
    READ,
    FileIdentity,
    OpenShare,
    birth_time,
    identity_of,
    open_beneath,
    open_target,
    stat_beneath,
)
from .permissions import PermissionCheck, account_for
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


@dataclass
class SharedDirectory:
    """An open folder of a share (`fd`, readable) and the open share. Close it."""

    link: ShareLink
    share: OpenShare
    fd: int
    parts: list[str]

    @property
    def subpath(self) -> str:
        return "/".join(self.parts)

    def close(self) -> None:
        os.close(self.fd)
        self.share.close()


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
        owners: Collection[str] | None = None,
        check_owner_permissions: bool = False,
        accel_redirect: str | None = None,
    ) -> None:
        self.store = store
        # On a hub the link service serves every user's links with its own broad rights:
        # each request then checks that the link's owner could still read what it serves.
        self.check_owner_permissions = check_owner_permissions
        # nginx sends the bytes of permitted files (accel.py): its internal location's prefix.
        self.accel_redirect = accel_redirect
        # A user's server answers only its user's links (`owners`): another user's link
        # opened through it would run in its origin. The link server answers every owner.
        self.owners = None if owners is None else frozenset(owners)
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
        # Identities recorded by this process for links made before they were recorded.
        self._first_seen: dict[str, FileIdentity] = {}

    def close(self) -> None:
        self._touch_writer.shutdown(wait=True)

    def active_link(self, token: str) -> ShareLink | None:
        """The link of `token` if it works now and is served here (`owners`,
        `allowed_roots`)."""
        link = self.store.lookup_active(token)
        if link is None or (self.owners is not None and link.owner not in self.owners):
            return None
        return link if self._root_allowed(link) else None

    def served_link(self, token: str) -> ShareLink:
        """The active link of `token`, its access recorded; NotFound (the dead-link
        message) when there is none."""
        link = self.active_link(token)
        if link is None:
            raise NotFound(_GONE)
        self.record_access(link)
        return link

    def open(self, token: str, subpath: str) -> SharedFile | SharedDirectory:
        """The file (opened) or folder at `subpath` inside the share of `token`.

        Raises NotFound, with the same message, for an unknown, revoked or expired token
        and for a share whose target is gone or is no longer what was shared; NotFound
        for anything that is not a readable file or folder inside the share (`..`, NUL, a
        symlink leading out of the share, a missing file, a FIFO): a stranger learns
        nothing about what exists.
        """
        link = self.served_link(token)
        parts = _path_parts(subpath)
        check = self.owner_check(link)
        share = self.open_share(link, check=check)
        if not share.is_dir:
            share.close()
            if parts and parts != [link.path.rpartition("/")[2]]:
                raise NotFound(f"'{subpath}' is not in this share.")
            return self._open_shared_file(link, check)
        try:
            fd = open_beneath(share, parts, READ)
        except OSError as err:
            share.close()
            raise _not_readable(subpath, err) from None
        try:
            if check is not None and parts and not check.can_read_open(fd):
                raise NotFound(f"'{subpath}' cannot be read.")
            info = os.fstat(fd)
            is_dir = stat.S_ISDIR(info.st_mode)
            if is_dir and self.directory_listing:
                return SharedDirectory(link, share, fd, parts)
        except BaseException:
            os.close(fd)
            share.close()
            raise
        share.close()
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            if is_dir:
                raise NotFound("Folders of a share cannot be listed.")
            raise NotFound(f"'{subpath}' is not a file.")  # a FIFO, a socket, a device
        handle = open(fd, "rb")  # noqa: SIM115 - the caller closes it
        return SharedFile(link, handle, info, content_type(parts[-1]))

    def owner_check(self, link: ShareLink) -> PermissionCheck | None:
        """This request's check of what the link's owner may read (None when owners'
        permissions are not checked here); NotFound when the owner has no account."""
        if not self.check_owner_permissions:
            return None
        try:
            return PermissionCheck(account_for(link.owner))
        except Forbidden:
            raise NotFound(_GONE) from None

    def open_share(
        self, link: ShareLink, flags: int = HANDLE, *, check: PermissionCheck | None = None
    ) -> OpenShare:
        """The open target of `link`, opened with `flags`: NotFound (the dead-link message)
        when nothing is there without a symlink on the way, it is no longer what was
        shared, or (`check_owner_permissions`) its owner can no longer read it. A link made
        before identities were recorded records its target now."""
        check = check or self.owner_check(link)
        try:
            share = open_target(link.root_path, _path_parts(link.path), flags)
        except (OSError, NotFound):
            raise NotFound(_GONE) from None
        if check is not None and not check.can_read_open(share.fd):
            share.close()
            raise NotFound(_GONE)
        found = identity_of(share.info)
        expected = link.identity or self._first_seen.get(link.id)
        if expected is None:
            self._first_seen[link.id] = expected = found
            birth = birth_time(share.fd)
            future = self._touch_writer.submit(self._record_identity, link.id, found, birth)
            future.add_done_callback(_log_failure)
        if (
            found != expected
            or not (share.is_dir or stat.S_ISREG(share.info.st_mode))
            # The same inode number, given to a folder made after the shared one was deleted.
            or (link.birth is not None and birth_time(share.fd) != link.birth)
        ):
            share.close()
            raise NotFound(_GONE)
        return share

    def respond(
        self, token: str, subpath: str, request_headers: Mapping[str, str], *, with_body: bool
    ) -> ShareResponse:
        """Everything a GET or HEAD needs before streaming, in one blocking call: the
        listing of a folder, or the opened file, its plan and its first block (the whole
        body of a chunk-sized file). The caller closes `file`. Raises as `open` does.
        A path through a TIFF file and `ome.zarr/` is its virtual OME-Zarr (`virtual_zarr`)."""
        virtual = virtual_zarr.split_virtual(subpath)
        if virtual is not None:
            answer = virtual_zarr.respond(
                self, token, *virtual, request_headers, with_body=with_body
            )
            if answer is not None:
                return answer
        shared = self.open(token, subpath)
        if isinstance(shared, SharedDirectory):
            try:
                return ShareResponse(listing=self.list_directory(shared))
            finally:
                shared.close()
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

        Entries that lead out of the share (symlinks), cannot be read, or are neither
        files nor folders are left out.
        """
        entries: list[dict[str, Any]] = []
        with os.scandir(directory.fd) as scan:
            for entry in scan:
                info = _entry_stat(directory, entry)
                if info is None:
                    continue
                kind = "directory" if stat.S_ISDIR(info.st_mode) else "file"
                entries.append({"name": entry.name, "kind": kind, "size": info.st_size})
        entries.sort(key=lambda entry: entry["name"])
        return {
            "path": directory.subpath,
            "entries": entries[:MAX_LISTED_ENTRIES],
            "truncated": len(entries) > MAX_LISTED_ENTRIES,
        }

    def _open_shared_file(self, link: ShareLink, check: PermissionCheck | None) -> SharedFile:
        # Opened again for reading (the first open was a handle, which a FIFO's would
        # not block): the identity is checked again on the descriptor that is read.
        share = self.open_share(link, READ, check=check)
        if not stat.S_ISREG(share.info.st_mode):
            share.close()
            raise NotFound(_GONE)
        handle = open(share.fd, "rb")  # noqa: SIM115 - the caller closes it
        name = link.path.rpartition("/")[2]
        return SharedFile(link, handle, share.info, content_type(name))

    def _record_identity(self, link_id: str, identity: FileIdentity, birth: int | None) -> None:
        recorded = self.store.record_identity(link_id, identity, birth)
        self._first_seen[link_id] = recorded  # another server may have been first

    def _root_allowed(self, link: ShareLink) -> bool:
        if self.allowed_roots is None:
            return True
        return any(_within(link.root_path, allowed) for allowed in self.allowed_roots)

    def record_access(self, link: ShareLink) -> None:
        when = self.store.claim_touch(link)
        if when is not None:
            future = self._touch_writer.submit(self.store.write_last_access, link.id, when)
            future.add_done_callback(_log_failure)


def _log_failure(future: Any) -> None:
    if future.exception() is not None:
        log.warning("fileglancer: could not record a share access: %s", future.exception())


def _entry_stat(directory: SharedDirectory, entry: os.DirEntry[str]) -> os.stat_result | None:
    """A listed entry's stat (a symlink's target's, when it stays in the share), or None
    to leave it out."""
    try:
        parts = [*directory.parts, entry.name]
        info = stat_beneath(directory.share, parts, entry.stat(follow_symlinks=False))
    except OSError:
        return None
    return info if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode) else None


def _not_readable(subpath: str, err: OSError) -> NotFound:
    if err.errno == errno.EXDEV:
        return NotFound(f"'{subpath}' is not in this share.")
    return NotFound(f"'{subpath}' cannot be read.")


def _path_parts(path: str) -> list[str]:
    """The components of a path inside a share; NotFound for NUL or `..` (never needed)."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if "\x00" in path or ".." in parts:
        raise NotFound(f"'{path}' is not in this share.")
    return parts


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
