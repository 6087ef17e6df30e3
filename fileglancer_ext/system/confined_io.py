"""Reading files inside a dataset without leaving its shared folder, and without blocking.

`RootRegistry.resolve` confines the path a user names; the files a reader then opens
inside that dataset (metadata documents, chunks, TIFF and CZI files) go through
`open_regular`, so that a symlink planted inside a dataset cannot make the server read,
and then show, draw, count or copy, a file outside the shared folders, and so that a FIFO,
socket or device named like metadata or a chunk never blocks a thread.

How, on Linux: the path is opened with O_PATH, which follows symlinks but opens nothing
(no FIFO rendezvous, no device driver); that descriptor must be a regular file (fstat) whose
real location (its /proc/self/fd link) lies inside the allowed folders (`Within`). Only then
is that same inode opened for reading, through /proc/self/fd/N. Check and use are on one
descriptor: renaming a file or swapping a symlink in between cannot redirect the read.
Elsewhere the file is opened non-blocking and the same checks are made on the open
descriptor (its path from F_GETPATH, else realpath confirmed by device and inode).

A `Within` of None bases (`ANYWHERE`) still refuses FIFOs and devices but follows symlinks
anywhere: for the CLI and the notebook API, which read with the user's own rights.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from dataclasses import dataclass, field
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_O_PATH = getattr(os, "O_PATH", 0)
_PATH_FLAGS = _O_PATH | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Within:
    """The folders (real paths) that reads may lead into; `bases` None: anywhere.

    Picklable and hashable: conversion tasks carry it to their worker processes.
    """

    bases: tuple[str, ...] | None
    # What a path inside a base starts with (computed once: `admits` runs for every read).
    _prefixes: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        prefixes = () if self.bases is None else tuple(b.rstrip("/") + "/" for b in self.bases)
        object.__setattr__(self, "_prefixes", prefixes)

    @classmethod
    def folders(cls, *paths: str | os.PathLike[str]) -> Within:
        """Reads confined to these folders (resolved here)."""
        return cls(tuple(os.path.realpath(path) for path in paths))

    def admits(self, real: str) -> bool:
        """Whether the real path `real` lies in (or is) one of the bases."""
        if self.bases is None:
            return True
        return real.startswith(self._prefixes) or real in self.bases


ANYWHERE = Within(None)


class Refused(OSError):
    """A file a reader must not open: not a regular file, or outside the allowed folders.

    An OSError, so that readers that already turn OSErrors into problems (`strerror`)
    report it; it never carries the server's path.
    """


class NotRegularFile(Refused):
    def __init__(self, mode: int) -> None:
        super().__init__(errno.EINVAL, f"it is {_type_name(mode)}, not a regular file")


class LeavesFolders(Refused):
    def __init__(self) -> None:
        super().__init__(errno.EXDEV, "it is a symbolic link that leads outside the shared folders")


class TooLarge(ValueError):
    """A file over a reader's size limit; `size` its size (None: it grew while read)."""

    def __init__(self, size: int | None, limit: int) -> None:
        shown = f"{size} bytes" if size is not None else f"over {limit} bytes"
        super().__init__(f"too large ({shown}, limit {limit})")
        self.size, self.limit = size, limit


def open_regular(path: str | os.PathLike[str], within: Within = ANYWHERE) -> int:
    """A read-only descriptor of the regular file at `path`, inside `within`.

    Never blocks on a FIFO. Raises what `os.open` raises (FileNotFoundError,
    PermissionError, ...), IsADirectoryError for a folder, `NotRegularFile` for a FIFO,
    socket or device, and `LeavesFolders` when the file (after all symlinks) lies outside
    `within`. The caller closes the descriptor.
    """
    return _open_checked(path, within)[0]


def open_file(path: str | os.PathLike[str], within: Within = ANYWHERE) -> io.BufferedReader:
    """`open_regular` as a binary file object (e.g. for tifffile), closed by the caller."""
    return os.fdopen(open_regular(path, within), "rb")


def read_bounded(path: str | os.PathLike[str], within: Within = ANYWHERE, *, limit: int) -> bytes:
    """The whole file, at most `limit` bytes; `TooLarge` beyond, else as `open_regular`."""
    return read_bounded_stat(path, within, limit=limit)[0]


def read_bounded_stat(
    path: str | os.PathLike[str], within: Within = ANYWHERE, *, limit: int
) -> tuple[bytes, os.stat_result]:
    """`read_bounded`, plus the stat of the file read (e.g. its mtime for a cache key)."""
    # Plain os.read on the descriptor, no file object: listings read thousands of small
    # documents, and a buffered reader (plus a second fstat) cost as much as the checks.
    fd, st = _open_checked(path, within)
    try:
        if st.st_size > limit:
            raise TooLarge(st.st_size, limit)
        # Ask for the size (plus one byte, in case it grew), not the limit: a read of n
        # allocates n bytes up front, and listings read thousands of small documents.
        raw = _read_upto(fd, st.st_size + 1)
        if len(raw) > st.st_size:  # it grew: read on, still bounded
            raw += _read_upto(fd, limit + 1 - len(raw))
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise TooLarge(None, limit)
    return raw, st


def read_json(path: str | os.PathLike[str], within: Within = ANYWHERE, *, limit: int) -> Any:
    """The parsed JSON document at `path`, read with `read_bounded`.

    Kept for old callers: metadata documents are read with `formats.jsonio.read_document`
    (the one reader, whose errors name the file). Parses with the same `parse_json`;
    raises as `read_bounded`, and ValueError for malformed JSON.
    """
    # Imported here: formats builds on this module, not the other way round.
    from fileglancer_ext.formats.jsonio import MetadataError, parse_json

    raw = read_bounded(path, within, limit=limit)
    try:
        return parse_json(raw, os.path.basename(path))
    except MetadataError as err:
        raise ValueError(err.message) from None


def _read_upto(fd: int, n: int) -> bytes:
    """`n` bytes from `fd`, fewer only at the end of the file (as `BufferedReader.read`)."""
    raw = os.read(fd, n)
    if not raw or len(raw) == n:
        return raw
    parts = [raw]
    got = len(raw)
    while got < n:  # a short read: the end of the file, or a read the kernel split
        more = os.read(fd, n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


# --- checks on an open descriptor -------------------------------------------------------------


def _open_checked(path: str | os.PathLike[str], within: Within) -> tuple[int, os.stat_result]:
    """`open_regular`, plus the stat of the file it opened."""
    if _O_PATH and _PROC_FD:
        handle = os.open(path, _PATH_FLAGS)
        try:
            st = os.fstat(handle)
            link = f"/proc/self/fd/{handle}"
            _check_type(st)
            # The link names where `handle` really is; reopening through it opens that
            # very inode, so the stat above (and this check) hold for the descriptor read.
            if within.bases is not None and not within.admits(os.readlink(link)):
                raise LeavesFolders()
            return os.open(link, _READ_FLAGS), st
        finally:
            os.close(handle)
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        _check_type(st)
        if within.bases is not None and not within.admits(_real_path(fd, st, path)):
            raise LeavesFolders()
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _check_type(st: os.stat_result) -> None:
    if stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file")
    raise NotRegularFile(st.st_mode)


def _real_path(fd: int, st: os.stat_result, path: str | os.PathLike[str]) -> str:
    """Where the file open as `fd` really is; "" when that cannot be told for sure."""
    if _PROC_FD:
        return os.readlink(f"/proc/self/fd/{fd}")
    getpath = getattr(fcntl, "F_GETPATH", None)
    if getpath is not None:  # macOS
        raw = fcntl.fcntl(fd, getpath, b"\0" * 1024)
        return os.fsdecode(raw.split(b"\0", 1)[0])
    real = os.path.realpath(path)
    try:
        now = os.stat(real)
    except OSError:
        return ""
    return real if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino) else ""


def descriptor_path(fd: int) -> str | None:
    """The absolute path the kernel now gives the file or folder open as `fd` (its
    /proc/self/fd link: no symlink in it); None when it cannot tell or the file was deleted."""
    try:
        path = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    if not path.startswith("/") or path.endswith(" (deleted)"):
        return None
    return path


def _type_name(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


_PROC_FD = sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd")
