"""Reading inside a share through open folders, never by walking a path again.

A link records its target's canonical path (symlink-free when it was made) and identity
(device, inode, and birth time where the filesystem tells it: ext4 gives a deleted
folder's inode number to the next one made there). Every read opens that path with no
symlink allowed anywhere in it, checks the identity on the open descriptor, then opens
what is asked for relative to that descriptor: renaming the shared folder and putting a
symlink or another folder in its place, or swapping a folder inside it for a symlink,
cannot lead a read elsewhere, and check and use are always the same descriptor.

On Linux 5.6+ each open is one `openat2` call (`RESOLVE_NO_SYMLINKS` for the share,
`RESOLVE_BENEATH` inside it). Elsewhere, and for the symlinks inside a share that
`openat2` will not follow (absolute ones), a walk one component at a time with
`O_NOFOLLOW` does the same: a symlink is followed only when it stays inside the share.
Everything is opened non-blocking, so a FIFO never blocks a read; callers refuse
anything that is not a regular file or a folder.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import struct
from dataclasses import dataclass

# (st_dev, st_ino): what a link shared, told apart from whatever may later sit at its path.
FileIdentity = tuple[int, int]

O_PATH = getattr(os, "O_PATH", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# A handle to a place (never its content): opening one reads nothing, not even a FIFO's.
HANDLE = (O_PATH or os.O_RDONLY | _NONBLOCK) | _CLOEXEC
# For reading. O_NONBLOCK means opening a FIFO returns at once (and reading a regular
# file is unaffected by it), so nothing blocks before the caller checks the file type.
READ = os.O_RDONLY | _NONBLOCK | _CLOEXEC
_MAX_SYMLINKS = 40  # as the kernel allows in one path


@dataclass
class OpenShare:
    """The open target of a link: a folder (relative to which its content is opened) or
    a shared file. `path` is its canonical path, for absolute symlinks and listings."""

    fd: int
    path: str
    info: os.stat_result

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.info.st_mode)

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> OpenShare:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def identity_of(info: os.stat_result) -> FileIdentity:
    return info.st_dev, info.st_ino


def open_target(root_path: str, parts: list[str], flags: int = HANDLE) -> OpenShare:
    """Open `root_path/parts` with `flags`, with no symlink anywhere on the way.

    Raises OSError (ELOOP for a symlink, ENOENT, EACCES, ...)."""
    path = os.path.join(root_path, *parts)
    if "\x00" in path or not os.path.isabs(path):
        raise OSError(errno.EINVAL, "not an absolute path")
    fd = _openat2(_AT_FDCWD, path, flags, _RESOLVE_NO_SYMLINKS | _RESOLVE_NO_MAGICLINKS)
    if fd is None:
        fd = _walk_no_symlinks(path, flags)
    try:
        info = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if stat.S_ISLNK(info.st_mode):  # O_PATH opens a final symlink itself
        os.close(fd)
        raise OSError(errno.ELOOP, "a symbolic link")
    return OpenShare(fd, path, info)


def open_beneath(share: OpenShare, parts: list[str], flags: int = READ) -> int:
    """Open `parts` inside the shared folder `share` with `flags`, following only the
    symlinks that stay inside it. Raises OSError (EXDEV: it leads out of the share)."""
    if not parts:
        return os.open(".", flags | _DIRECTORY, dir_fd=share.fd)
    fd = _openat2(share.fd, "/".join(parts), flags, _RESOLVE_BENEATH | _RESOLVE_NO_MAGICLINKS)
    if fd is not None:
        return fd
    return resolve_beneath(share, parts, flags)[0]


def stat_beneath(share: OpenShare, parts: list[str], info: os.stat_result) -> os.stat_result:
    """`info`, the lstat of `parts` inside `share`; for a symlink, the stat of what it leads
    to, when that stays inside the share. Raises OSError (EXDEV: it leads out)."""
    if not stat.S_ISLNK(info.st_mode):
        return info
    fd, _ = resolve_beneath(share, parts, HANDLE)
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def resolve_beneath(share: OpenShare, parts: list[str], flags: int = READ) -> tuple[int, list[str]]:
    """`open_beneath` by walking, which also tells where it led: (fd, the real components
    of what was opened, inside the share). Raises OSError as `open_beneath` does."""
    pending = [p for p in reversed(parts) if p not in ("", ".")]  # a stack: next one last
    position: list[str] = []  # real folders (never symlinks) inside the share
    current = os.dup(share.fd)
    as_asked = False  # whether `current` was opened with `flags`
    followed = 0
    try:
        while pending:
            name = pending.pop()
            if name == "..":
                if not position:
                    raise OSError(errno.EXDEV, "leads out of the share")
                position.pop()
                os.close(current)
                current = -1
                current, as_asked = _walk_down(share.fd, position), False
                continue
            wanted = flags if not pending else HANDLE | _DIRECTORY
            try:
                fd = _open_no_symlink(name, wanted, current)
            except OSError as err:
                if err.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                target = _symlink_text(name, current, err)
                followed += 1
                if followed > _MAX_SYMLINKS:
                    raise OSError(errno.ELOOP, "too many symbolic links") from None
                inner = [p for p in target.split("/") if p not in ("", ".")]
                if os.path.isabs(target):
                    inside = _relative_to(inner, share.path)
                    if inside is None:
                        raise OSError(errno.EXDEV, "leads out of the share") from None
                    inner, position = inside, []
                    os.close(current)
                    current = -1
                    current, as_asked = os.dup(share.fd), False
                pending.extend(reversed(inner))
                continue
            os.close(current)
            current, as_asked = fd, not pending
            position.append(name)
        if not as_asked:  # the share itself, or a folder reached by ".."
            fd = os.open(".", flags | _DIRECTORY, dir_fd=current)
            os.close(current)
            current = fd
        result, current = current, -1
        return result, position
    finally:
        if current != -1:
            os.close(current)


def _open_no_symlink(name: str, flags: int, dir_fd: int) -> int:
    """Open the entry `name` of `dir_fd`; ELOOP when it is a symlink (also with O_PATH,
    which would open the symlink itself)."""
    fd = os.open(name, flags | _NOFOLLOW, dir_fd=dir_fd)
    if flags & O_PATH and not flags & _DIRECTORY and stat.S_ISLNK(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.ELOOP, "a symbolic link")
    return fd


def _walk_down(share_fd: int, position: list[str]) -> int:
    """A handle on `position` (real folders, no symlinks) inside the share."""
    fd = os.dup(share_fd)
    for name in position:
        try:
            inner = os.open(name, HANDLE | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
        finally:
            os.close(fd)
        fd = inner
    return fd


def _symlink_text(name: str, dir_fd: int, original: OSError) -> str:
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        raise original from None  # not a symlink: e.g. a file where a folder was expected


def _relative_to(parts: list[str], base: str) -> list[str] | None:
    """The components of an absolute symlink's target after the folder `base`, or None
    when it is not spelled inside it (then it leads elsewhere, or through a symlink)."""
    base_parts = [p for p in base.split("/") if p not in ("", ".")]
    if parts[: len(base_parts)] != base_parts or ".." in parts[: len(base_parts)]:
        return None
    return parts[len(base_parts) :]


def _walk_no_symlinks(path: str, flags: int) -> int:
    """Open the absolute `path` one component at a time with O_NOFOLLOW (no openat2)."""
    names = [p for p in path.split("/") if p]
    if any(name in (".", "..") for name in names):
        raise OSError(errno.EINVAL, "not a canonical path")
    fd = os.open("/", HANDLE | _DIRECTORY)
    for index, name in enumerate(names):
        wanted = flags if index == len(names) - 1 else HANDLE | _DIRECTORY
        try:
            inner = _open_no_symlink(name, wanted, fd)
        finally:
            os.close(fd)
        fd = inner
    return fd


# --- openat2 (Linux 5.6+), through libc's syscall(): Python has no binding ------------------

_AT_FDCWD = -100
_RESOLVE_NO_MAGICLINKS = 0x02
_RESOLVE_NO_SYMLINKS = 0x04
_RESOLVE_BENEATH = 0x08
_SYS_OPENAT2 = 437  # the same number on every Linux architecture


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def _load_syscall() -> object | None:
    if not hasattr(os, "O_PATH"):
        return None  # not Linux
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syscall = libc.syscall
    except (OSError, AttributeError):
        return None
    syscall.restype = ctypes.c_long
    return syscall


_syscall = _load_syscall()
# Errors that mean "openat2 cannot do this here" rather than an answer about the path:
# no such call (old kernel, seccomp), a symlink it will not follow (absolute, or
# leaving the share), or a `..` resolved while a rename ran anywhere on the machine
# (EAGAIN: it cannot tell the `..` stayed beneath): the walk decides those.
_FALL_BACK = {
    errno.ENOSYS,
    errno.EPERM,
    errno.E2BIG,
    errno.EINVAL,
    errno.EXDEV,
    errno.ELOOP,
    errno.EAGAIN,
}


def _openat2(dir_fd: int, path: str, flags: int, resolve: int) -> int | None:
    """The fd, or None when the caller must walk instead; raises OSError otherwise."""
    global _syscall
    if _syscall is None:
        return None
    how = _OpenHow(flags, 0, resolve)
    fd = _syscall(  # type: ignore[operator]
        ctypes.c_long(_SYS_OPENAT2),
        ctypes.c_int(dir_fd),
        ctypes.c_char_p(os.fsencode(path)),
        ctypes.byref(how),
        ctypes.c_size_t(ctypes.sizeof(how)),
    )
    if fd >= 0:
        return int(fd)
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EPERM) and not _openat2_works():
        _syscall = None  # never available in this process: stop trying
    if code in _FALL_BACK:
        return None
    raise OSError(code, os.strerror(code))


def _openat2_works() -> bool:
    how = _OpenHow(HANDLE | _DIRECTORY, 0, 0)
    fd = _syscall(  # type: ignore[operator]
        ctypes.c_long(_SYS_OPENAT2),
        ctypes.c_int(_AT_FDCWD),
        ctypes.c_char_p(b"/"),
        ctypes.byref(how),
        ctypes.c_size_t(ctypes.sizeof(how)),
    )
    if fd < 0:
        return False
    os.close(fd)
    return True


def read_identity(root_path: str, path: str) -> tuple[FileIdentity, int | None] | None:
    """The identity and birth time of what `root_path/path` is now, or None when nothing
    can be opened there without following a symlink."""
    try:
        with open_target(root_path, [p for p in path.split("/") if p]) as target:
            return identity_of(target.info), birth_time(target.fd)
    except (OSError, ValueError):
        return None


# --- statx's birth time (Linux 4.11+; ext4, XFS, Btrfs, tmpfs): Python 3.11 has no statx ----

_AT_EMPTY_PATH = 0x1000
_STATX_BTIME = 0x800
_STATX_SIZE = 256  # struct statx
_STATX_MASK, _STATX_BTIME_AT = 0, 80  # offsets of stx_mask and stx_btime


def _load_statx() -> object | None:
    if not hasattr(os, "O_PATH"):
        return None  # not Linux
    try:
        statx = ctypes.CDLL(None, use_errno=True).statx
    except (OSError, AttributeError):
        return None
    statx.restype = ctypes.c_int
    return statx


_statx = _load_statx()


def birth_time(fd: int) -> int | None:
    """When the file open as `fd` was made (ns), where the kernel and filesystem tell:
    what tells it apart from a later one that got its inode number. None elsewhere."""
    if _statx is None:
        return None
    buffer = ctypes.create_string_buffer(_STATX_SIZE)
    done = _statx(  # type: ignore[operator]
        ctypes.c_int(fd), b"", ctypes.c_int(_AT_EMPTY_PATH), ctypes.c_uint(_STATX_BTIME), buffer
    )
    if done != 0:
        return None
    (mask,) = struct.unpack_from("=I", buffer, _STATX_MASK)
    if not mask & _STATX_BTIME:
        return None
    seconds, nanoseconds = struct.unpack_from("=qI", buffer, _STATX_BTIME_AT)
    return seconds * 1_000_000_000 + nanoseconds
