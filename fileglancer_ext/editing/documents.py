"""The metadata documents an edit touches, read and replaced safely.

An edit of an image changes its group document (`.zattrs`, or `zarr.json` for Zarr v3), for
OME-NGFF 0.5 axis names also its levels' `zarr.json` (`dimension_names`), and any
consolidated metadata above it (`.zmetadata`, or a v3 root's `consolidated_metadata`).

Writes are atomic per file and all-or-nothing across files: every new document is first
written to a temporary file beside it and fsynced; only when all are on disk are they
renamed over the old ones and the folders fsynced. A failure before the renames (a full
disk, a size limit, no permission) removes the temporary files and leaves every old byte
as it was. Writes go through a descriptor of the folder whose real location was checked
against the roots (`Within`), and the temporary file is created there with O_EXCL and
O_NOFOLLOW: a symlink planted in the dataset cannot redirect a write outside the roots.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import BadRequest, Forbidden, OutOfSpace
from ..formats.jsonio import read_raw
from ..system.confined_io import LeavesFolders, Within

UNDO_FILE = ".fileglancer-undo.json"  # beside the group document, see `editing.service`
_TEMP_PREFIX = ".fileglancer-edit-"


def etag_of(raw: bytes) -> str:
    """The strong validator of a document's bytes (hex, no quotes)."""
    return hashlib.sha256(raw).hexdigest()[:40]


def read_document_bytes(path: Path, within: Within, name: str) -> bytes | None:
    """The bytes of the document at `path` (confined, bounded); None when it is missing."""
    return read_raw(path, within, name=name)


def is_zarr_group(folder: Path) -> bool:
    return (folder / ".zgroup").is_file() or (folder / "zarr.json").is_file()


def ancestors(folder: Path, top: Path | None) -> Iterator[Path]:
    """`folder` and the Zarr groups above it, up to (and including) `top` when given, else
    up to the first folder that is no Zarr group: where consolidated metadata may be."""
    current = folder
    while True:
        yield current
        parent = current.parent
        if current == top or parent == current:
            return
        if top is not None and not parent.is_relative_to(top):
            return
        if not is_zarr_group(parent):
            return
        current = parent


def writable_reason(folders: list[Path]) -> str | None:
    """Why the server's user cannot replace documents in these folders; None when it can."""
    for folder in folders:
        if not os.access(folder, os.W_OK | os.X_OK):
            return "The server's user may not write in this dataset's folder."
    return None


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock (flock on the folder) held while an edit reads, checks and
    writes: two edits of one dataset, from the server or the CLI, take turns."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except NotADirectoryError:
        raise BadRequest("Not an OME-Zarr image: this is a file, not a Zarr group.") from None
    except PermissionError:
        raise Forbidden("The server's user may not read this dataset's folder.") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _open_folder(folder: Path, within: Within) -> int:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        real = os.readlink(f"/proc/self/fd/{fd}") if os.path.isdir("/proc/self/fd") else None
        if within.bases is not None and not within.admits(real or os.path.realpath(folder)):
            raise LeavesFolders()
    except BaseException:
        os.close(fd)
        raise
    return fd


def replace_documents(documents: Mapping[Path, bytes], within: Within) -> None:
    """Replace each file with its new bytes, all or none (see the module's docstring).

    Raises Forbidden without permission or for a document that is a symbolic link, and
    OutOfSpace when the disk is full; the old documents are intact in both cases.
    """
    staged: list[tuple[int, str, str]] = []  # (folder fd, temporary name, final name)
    folders: dict[Path, int] = {}
    try:
        for path, raw in documents.items():
            if path.is_symlink():
                raise Forbidden(f"{path.name} is a symbolic link; it is not edited.")
            if path.parent not in folders:
                folders[path.parent] = _open_folder(path.parent, within)
            dir_fd = folders[path.parent]
            temp = f"{_TEMP_PREFIX}{secrets.token_hex(6)}-{path.name}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(temp, flags, 0o644, dir_fd=dir_fd)
            staged.append((dir_fd, temp, path.name))
            try:
                _keep_mode(path, fd)
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
        for dir_fd, temp, name in staged:
            os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        staged.clear()
        for dir_fd in folders.values():
            os.fsync(dir_fd)
    except PermissionError:
        raise Forbidden("The server's user may not write in this dataset's folder.") from None
    except LeavesFolders:
        raise Forbidden("This dataset's folder leads outside the shared folders.") from None
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise OutOfSpace(
                "The disk is full (or over a size limit): the metadata was not changed."
            ) from None
        raise
    finally:
        for dir_fd, temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=dir_fd)
        for dir_fd in folders.values():
            os.close(dir_fd)


def _keep_mode(path: Path, fd: int) -> None:
    """The new file gets the permission bits of the one it replaces."""
    with contextlib.suppress(OSError):
        os.fchmod(fd, os.stat(path).st_mode & 0o7777)
