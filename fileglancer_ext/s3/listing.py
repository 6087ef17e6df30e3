"""ListObjectsV2 over a shared folder, page by page, from the cached folder listings.

A key is a file's path inside the share. With `delimiter="/"` a listing is one folder's
page (sub-folders are `CommonPrefixes`); without a delimiter it walks the folders below
depth first. Either way the order is that of `DirectoryLister` (natural name order, folders
before files in each folder), not S3's byte order: S3 clients follow continuation tokens
and do not re-sort, and reusing the listing means a folder of a million chunks is scanned
once, cached, and never copied into one response.

A continuation token is the position after the last key or prefix returned (urlsafe
base64 of a small JSON, opaque to clients); the next page resumes there by keyset through
`DirectoryLister.cursor_after`, so tokens stay valid across cache evictions and restarts
and every key is listed exactly once while the folder does not change.

Confinement is the share route's (`links/confinement.py`): folders are opened relative to
the open share, symlinks followed only while they stay inside it, and every key's size
and type read relative to its open folder. The names of a page come from the cached
listing of the folder's path, checked to be the opened folder first; a name that is not
in the opened folder is left out. The listing detects each entry's kind as the browser
does, reading its metadata only inside the share (`confined_io`), whichever server lists
it: an entry symlinked elsewhere in the root, or out of it, is not read from.

On a hub the link service lists with its own broad rights for every owner: `may_read`
(the owner's `PermissionCheck.can_read_open`) then leaves out each folder and file the
link's owner could not read, as the share route refuses to serve them.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..browse.listing import DirectoryLister, ListingRequest
from ..errors import BadRequest, Forbidden, NotFound
from ..links.confinement import HANDLE, OpenShare, open_beneath, resolve_beneath, stat_beneath
from ..system.confined_io import Within

MAX_KEYS = 1000
# What one page of a folder asks the lister for: one more than the largest S3 page, so a
# full page also tells whether anything follows.
_FOLDER_PAGE = MAX_KEYS + 1
_MAX_TOKEN_LENGTH = 8192
_NAME_MAX = 255
_MAX_DEPTH = 64  # no sane share is deeper; a deeper walk is a loop the checks missed
# Folders one listing request walks before it stops following symlinked ones: symlinks
# make a share's tree as large as they like (two in each of a few folders, pointing at
# the next: 2**64 paths) while its real folders are finite, and a listing runs on the
# server's event loop. A page of real data walks fewer: it holds at most MAX_KEYS keys,
# and real datasets hold files in most of their folders.
_MAX_WALKED_FOLDERS = 4 * MAX_KEYS


class InvalidListRequest(BadRequest):
    """A ListObjects argument S3 would refuse (S3: `InvalidArgument`)."""

    code = "invalid_argument"


@dataclass(frozen=True)
class ListObjectsRequest:
    """The arguments of one ListObjectsV2 call; invalid ones raise InvalidListRequest."""

    prefix: str = ""
    delimiter: str = ""
    max_keys: int = MAX_KEYS
    continuation_token: str | None = None
    start_after: str = ""
    url_encoded: bool = False  # encoding-type=url: keys go out percent-encoded
    # ListObjects (v1) pages by `marker`, the last key seen: read as `start_after`.
    version: int = 2

    @classmethod
    def from_query(cls, get: Callable[[str], str | None]) -> ListObjectsRequest:
        """Parse the query: `get(name)` returns the value or None when absent."""
        text = (get("max-keys") or "").strip()
        try:
            max_keys = min(int(text), MAX_KEYS) if text else MAX_KEYS  # S3 caps, not refuses
        except ValueError:
            raise InvalidListRequest(f"max-keys must be a whole number, not '{text}'.") from None
        if max_keys < 0:
            raise InvalidListRequest("max-keys must not be negative.")
        delimiter = get("delimiter") or ""
        if delimiter not in ("", "/"):
            raise InvalidListRequest("Only '/' is supported as a delimiter.")
        encoding = get("encoding-type")
        if encoding not in (None, "", "url"):
            raise InvalidListRequest(f"Unknown encoding-type '{encoding}'; use 'url'.")
        version = 2 if get("list-type") == "2" else 1
        return cls(
            prefix=get("prefix") or "",
            delimiter=delimiter,
            max_keys=max_keys,
            continuation_token=(get("continuation-token") or None) if version == 2 else None,
            start_after=get("start-after" if version == 2 else "marker") or "",
            url_encoded=encoding == "url",
            version=version,
        )


@dataclass(frozen=True)
class ObjectEntry:
    """One key of a listing, with what `Contents` shows of it."""

    key: str
    size: int
    mtime: float
    etag: str


@dataclass
class ListObjectsResult:
    contents: list[ObjectEntry] = field(default_factory=list)
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    next_continuation_token: str | None = None
    next_marker: str | None = None  # v1: the last key or prefix of a truncated page

    @property
    def key_count(self) -> int:
        return len(self.contents) + len(self.common_prefixes)


def object_etag(info: os.stat_result) -> str:
    """The ETag the share route gives the same file (see `SharedFile.etag`), so a listing
    and a GetObject agree."""
    return f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}"'


# A resume position: the path (inside the listed folder) of the last item returned, and
# whether that item was a folder (a common prefix). An empty last part means "inside the
# folder before it, from its start" (a start-after that names a folder).
@dataclass(frozen=True)
class _Position:
    parts: tuple[str, ...]
    is_dir: bool


class ObjectLister:
    """Lists the keys of shared folders; `lister` is shared with other listings or not."""

    def __init__(self, lister: DirectoryLister | None = None) -> None:
        # Its own lister by default (the link server has no other), with a smaller cache.
        self.lister = lister or DirectoryLister(max_cached_entries=2_000_000)

    def list_objects(
        self,
        share: OpenShare,
        request: ListObjectsRequest,
        may_read: Callable[[int], bool] | None = None,
    ) -> ListObjectsResult:
        """One page of the keys under `request.prefix` in the open shared folder `share`.
        A prefix whose folder does not exist, or that `may_read` refuses for its open
        descriptor, lists nothing; nor does any folder or file it refuses. Raises
        InvalidListRequest for a continuation token this listing did not write."""
        folder_part, _, name_prefix = request.prefix.rpartition("/")
        base = f"{folder_part}/" if folder_part else ""
        # No file name is longer than 255 bytes: a longer prefix matches nothing, as on S3.
        too_long = len(os.fsencode(name_prefix)) > _NAME_MAX
        if request.max_keys == 0 or too_long or _starts_past_the_prefix(request, base):
            return ListObjectsResult()
        folder = _confined_folder(share, folder_part, may_read)
        if folder is None:
            return ListObjectsResult()
        walk = _Walk(self.lister, share, recursive=request.delimiter != "/", may_read=may_read)
        result = ListObjectsResult()
        last: tuple[str, bool] | None = None
        try:
            position = self._start_position(request, base, share, folder)
            items = walk.items(folder, base, name_prefix, position, depth=0)
            try:
                for key, entry in items:
                    if result.key_count == request.max_keys:
                        result.is_truncated = True
                        break
                    if entry is None:
                        result.common_prefixes.append(key)
                    else:
                        result.contents.append(entry)
                    last = (key, entry is None)
            finally:
                items.close()  # closes the folders it holds open
        finally:
            folder.close()
        if result.is_truncated and last is not None:
            result.next_continuation_token = _encode_token(request, last[0][len(base) :], last[1])
            result.next_marker = last[0]
        return result

    def _start_position(
        self, request: ListObjectsRequest, base: str, share: OpenShare, folder: _Folder
    ) -> _Position | None:
        if request.continuation_token is not None:
            return _decode_token(request, request.continuation_token)
        after = request.start_after
        if not after.startswith(base) or after < request.prefix:
            return None  # before every listed key (see _starts_past_the_prefix)
        rest = after[len(base) :]
        if request.delimiter == "/" and rest.endswith("/"):
            return _Position((rest.rstrip("/"),), True)  # a common prefix
        parts = tuple(part for part in rest.split("/") if part)
        if not parts or any(part in (".", "..") for part in parts):
            return None  # no key has such a name: the client's own idea of a position
        if request.delimiter != "/" and _is_folder(share, [*folder.parts, *parts]):
            parts += ("",)  # the keys inside a folder sort after its name
        return _Position(parts, False)


def _starts_past_the_prefix(request: ListObjectsRequest, base: str) -> bool:
    """Whether `start-after` lies beyond every key under the prefix (S3: an empty page)."""
    after = request.start_after
    return (
        request.continuation_token is None
        and bool(after)
        and after > request.prefix
        and not after.startswith(base)
    )


@dataclass
class _Folder:
    """A folder of the share, open (`fd`), at `parts` inside it, listed by its `path`."""

    fd: int
    parts: list[str]
    path: str

    def close(self) -> None:
        os.close(self.fd)


class _Walk:
    """The items of one listing, lazily: (key, ObjectEntry) for a file, (prefix, None) for
    a folder shown as a common prefix."""

    def __init__(
        self,
        lister: DirectoryLister,
        share: OpenShare,
        *,
        recursive: bool,
        may_read: Callable[[int], bool] | None = None,
    ) -> None:
        self.lister = lister
        self.share = share
        self.recursive = recursive
        self.may_read = may_read
        self._walking: list[list[str]] = []  # the real parts of the folders being walked
        self._walked = 0
        # Kind detection reads entries' metadata: only inside the share, as the share
        # route reads (the link server has no roots; a user server's root is wider).
        self.within = Within.folders(share.path)

    def items(
        self,
        folder: _Folder,
        base: str,
        name_prefix: str,
        position: _Position | None,
        depth: int,
    ) -> Iterator[tuple[str, ObjectEntry | None]]:
        self._walking.append(folder.parts)
        self._walked += 1
        try:
            request = ListingRequest(limit=_FOLDER_PAGE, hidden=True, filter=_glob(name_prefix))
            directory = Path(folder.path)
            cursor: str | None = None
            if position is not None:
                head, rest = position.parts[0], position.parts[1:]
                if rest and self.recursive:  # resume inside the folder `head` first
                    inner = self._enterable(folder, head, is_symlink=True)
                    if inner is not None:
                        try:
                            if depth < _MAX_DEPTH:
                                inner_position = (
                                    _Position(rest, position.is_dir) if rest[0] else None
                                )
                                yield from self.items(
                                    inner, f"{base}{head}/", "", inner_position, depth + 1
                                )
                        finally:
                            inner.close()
                    cursor = self.lister.cursor_after(directory, request, head, True)
                else:
                    is_dir = position.is_dir or bool(rest)
                    cursor = self.lister.cursor_after(directory, request, head, is_dir)
            while True:
                page_request = ListingRequest(
                    cursor=cursor, limit=request.limit, hidden=True, filter=request.filter
                )
                try:
                    page = self.lister.list_page(
                        directory, base.rstrip("/"), page_request, within=self.within
                    )
                except (NotFound, Forbidden, BadRequest):
                    return  # removed or closed meanwhile: nothing (more) to list there
                for entry in page["entries"]:
                    name = entry["name"]
                    # The filter is a case-insensitive glob; S3 prefixes are exact.
                    if not name.startswith(name_prefix) or not entry["readable"]:
                        continue
                    if entry["is_dir"]:
                        inner = self._enterable(folder, name, is_symlink=entry["is_symlink"])
                        if inner is None:
                            continue
                        try:
                            if not self.recursive:
                                yield f"{base}{name}/", None
                            elif depth < _MAX_DEPTH:
                                yield from self.items(inner, f"{base}{name}/", "", None, depth + 1)
                        finally:
                            inner.close()
                        continue
                    found = self._object(folder, name, f"{base}{name}")
                    if found is not None:
                        yield found.key, found
                cursor = page["next_cursor"]
                if cursor is None:
                    return
        finally:
            self._walking.pop()

    def _enterable(self, folder: _Folder, name: str, *, is_symlink: bool) -> _Folder | None:
        """The sub-folder `name`, opened, when it is listed: inside the share, and, for a
        symlink, not one to a folder being walked or above one (a circle, however many
        symlinks long) nor past the walk's budget; else None."""
        if not is_symlink:  # the listing saw a folder: open it, refusing a symlink now
            try:
                fd = os.open(name, _FOLDER_FLAGS | os.O_NOFOLLOW, dir_fd=folder.fd)
            except OSError:
                return None
            return _checked_folder(self.share, fd, [*folder.parts, name], self.may_read)
        if self.recursive and self._walked >= _MAX_WALKED_FOLDERS:
            return None
        inner = _confined_folder(self.share, "/".join([*folder.parts, name]), self.may_read)
        if inner is not None and any(
            inner.parts == walking[: len(inner.parts)] for walking in self._walking
        ):
            inner.close()
            return None
        return inner

    def _object(self, folder: _Folder, name: str, key: str) -> ObjectEntry | None:
        """The entry of the file `name` of `folder`, read relative to it; None when it is
        not a regular file inside the share (a FIFO, a symlink leading out)."""
        try:
            info = os.stat(name, dir_fd=folder.fd, follow_symlinks=False)
            info = stat_beneath(self.share, [*folder.parts, name], info)
        except OSError:
            return None  # gone, or leads out of the share, as the share route refuses it
        if not stat.S_ISREG(info.st_mode):
            return None
        if self.may_read is not None and not self._readable(folder, name):
            return None
        return ObjectEntry(key, info.st_size, info.st_mtime, object_etag(info))

    def _readable(self, folder: _Folder, name: str) -> bool:
        """`may_read` of the file `name` of `folder` (what a GetObject would open)."""
        assert self.may_read is not None
        try:
            fd = open_beneath(self.share, [*folder.parts, name], HANDLE)
        except OSError:
            return False
        try:
            return self.may_read(fd)
        finally:
            os.close(fd)


_FOLDER_FLAGS = HANDLE | os.O_DIRECTORY


def _confined_folder(
    share: OpenShare, folder_part: str, may_read: Callable[[int], bool] | None = None
) -> _Folder | None:
    """The folder `folder_part` inside the share, opened, or None when it is not a folder
    there (a prefix naming nothing lists nothing, as on S3) or `may_read` refuses it."""
    parts = [part for part in folder_part.split("/") if part]
    if "\x00" in folder_part or any(part in (".", "..") for part in parts):
        return None
    try:
        fd, real_parts = resolve_beneath(share, parts, _FOLDER_FLAGS)
    except OSError:
        return None
    return _checked_folder(share, fd, real_parts, may_read)


def _checked_folder(
    share: OpenShare, fd: int, parts: list[str], may_read: Callable[[int], bool] | None = None
) -> _Folder | None:
    """A `_Folder` for the open folder `fd` at `parts`, when its path (what the cached
    listings read) leads to that very folder and `may_read` allows it; else None (it was
    replaced meanwhile, or the link's owner cannot read it)."""
    if may_read is not None and not may_read(fd):
        os.close(fd)
        return None
    path = os.path.join(share.path, *parts)
    try:
        opened, at_path = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        os.close(fd)
        return None
    if (opened.st_dev, opened.st_ino) != (at_path.st_dev, at_path.st_ino):
        os.close(fd)
        return None
    return _Folder(fd, parts, path)


def _is_folder(share: OpenShare, parts: list[str]) -> bool:
    folder = _confined_folder(share, "/".join(parts))
    if folder is None:
        return False
    folder.close()
    return True


def _glob(name_prefix: str) -> str:
    """A `ListingRequest.filter` glob that keeps names starting with `name_prefix`
    (case-insensitively: the exact check follows), with glob characters taken literally."""
    if not name_prefix:
        return ""
    escaped = "".join(f"[{char}]" if char in "*?[" else char for char in name_prefix)
    return escaped + "*"


def _encode_token(request: ListObjectsRequest, rest: str, is_dir: bool) -> str:
    payload = {"p": request.prefix, "d": request.delimiter, "k": rest.rstrip("/"), "f": is_dir}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_token(request: ListObjectsRequest, token: str) -> _Position:
    invalid = InvalidListRequest("The continuation token is not valid for this listing.")
    if len(token) > _MAX_TOKEN_LENGTH:
        raise invalid
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        data = json.loads(raw)
        prefix, delimiter, rest, is_dir = data["p"], data["d"], data["k"], data["f"]
    except (binascii.Error, ValueError, TypeError, KeyError, RecursionError):
        raise invalid from None
    parts = tuple(rest.split("/")) if isinstance(rest, str) else ()
    if (
        (prefix, delimiter) != (request.prefix, request.delimiter)
        or not isinstance(is_dir, bool)
        or not parts
        or not all(parts)
    ):
        raise invalid
    return _Position(parts, is_dir)
