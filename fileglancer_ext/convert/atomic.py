"""Outputs that appear complete or not at all, in the folder that was checked.

Every converter writes into a hidden sibling of the destination (``.NAME.partial-XXXX/NAME``)
and renames it into place only when everything is written, so a reader, a crash, a full
disk or a cancel never leaves something that looks like a finished dataset.

The destination's folder is opened once (`DestinationFolder`) and reached through that
descriptor from then on: the staging folder is made in it and held open too, writers name
that /proc/PID/fd/N (where that works), and the final rename is relative to both, after
checking that the folder's path still leads to it. A folder renamed, or swapped for a
symlink, while a conversion waits or runs cannot redirect what is written, and a folder
renamed into the staging folder's place is never written into or removed.

On Linux that rename is one renameat2 call: it swaps the output with a dataset it
replaces (the name never lacks a complete dataset, even after a crash), and never
replaces a folder that appeared at the name meanwhile when overwriting was not asked.
"""

from __future__ import annotations

import contextvars
import ctypes
import errno
import json
import logging
import os
import platform
import secrets
import shutil
import socket
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BadRequest, ConversionError, DestinationExists, FileglancerError, OutOfSpace
from ..links.confinement import open_target

PARTIAL_MARKER = ".partial-"
# A file in every staging folder saying who made it (JSON): what start-up clean-up reads
# before it removes the leftovers of a job whose server died.
STAGING_MARKER = ".fileglancer-staging"
_MAX_MARKER_BYTES = 4096
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Where a replaced dataset waits in the staging folder between the two renames of the
# fallback (no renameat2): start-up clean-up puts it back rather than removing it.
REPLACED = ".replaced"
# Names inside a staging folder: a destination of one of these names would collide there.
RESERVED_NAMES = frozenset({STAGING_MARKER, REPLACED})
# Renames tried again when the destination appears or goes between a look and a rename.
_MOVE_ATTEMPTS = 5

log = logging.getLogger(__name__)


class LocationChanged(ConversionError):
    """A folder a conversion was checked against now leads somewhere else."""

    code = "location_changed"


class InvalidOutput(ConversionError):
    """A conversion wrote something its own validator refuses: it is never moved into place."""

    code = "invalid_output"


def partial_prefix(destination: Path) -> str:
    return f".{destination.name}{PARTIAL_MARKER}"


def check_destination(destination: Path, *, overwrite: bool) -> None:
    """Raise DestinationExists unless the destination is free (or overwrite is asked), and
    BadRequest for a name this module keeps for its staging folders."""
    if destination.name in RESERVED_NAMES:
        raise BadRequest(
            f"'{destination.name}' is a name fileglancer-ext keeps for its own use; choose another."
        )
    if destination.exists() and not overwrite:
        raise DestinationExists(
            f"{destination} already exists; choose another name or allow overwriting"
        )


class DestinationFolder:
    """A destination's folder, held open from the moment it was checked.

    `locate` answers the folder's real path as it is now, found and confined as when it
    was checked (a job passes the roots' resolution; by default the path as it is);
    `check` raises LocationChanged unless that is still the folder held. `through_fd`:
    writers name a staging folder /proc/<this pid>/fd/<fd>, which no rename or symlink can
    redirect (for processes on this machine only: Dask workers elsewhere get the path).
    `owner` goes into the marker of each staging folder made here. `follow_symlinks`:
    `path` may itself be a symlink to the folder (as a CLI user may name it); a job
    passes the real path it checked, and a symlink anywhere on it now (above the folder
    too) means it was swapped: the folder is opened, and checked, with none followed.
    """

    def __init__(
        self,
        path: Path,
        *,
        locate: Callable[[], Path] | None = None,
        through_fd: bool = True,
        owner: dict[str, Any] | None = None,
        follow_symlinks: bool = False,
    ) -> None:
        self.path = Path(path)
        self._locate = locate or (lambda: self.path)
        self._follow_symlinks = follow_symlinks
        self.owner = {"runner": f"{socket.gethostname()}:{os.getpid()}", **(owner or {})}
        try:
            if follow_symlinks:
                self.fd = os.open(self.path, _DIRECTORY_FLAGS & ~os.O_NOFOLLOW)
            else:
                self.fd = open_target(str(self.path), [], _DIRECTORY_FLAGS).fd
        except OSError as err:
            if err.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):  # gone, or a symlink
                raise self._changed("") from None
            raise ConversionError(
                f"the destination folder {self.path} cannot be opened: {err.strerror}"
            ) from None
        self._staged: dict[str, int] = {}  # staging folders made here, held open
        try:
            held = os.fstat(self.fd)
            self.identity = (held.st_dev, held.st_ino)
            self.check()  # opened by path: make sure it is the folder the path leads to now
        except BaseException:
            os.close(self.fd)
            raise
        self.writers_path = self._fd_path() if through_fd else self.path

    def check(self) -> None:
        """Raise LocationChanged unless the folder's path still leads to the folder held
        (for a real path: is that path still, with no symlink on it)."""
        try:
            located = Path(self._locate())
        except FileglancerError as err:  # e.g. it now leads out of the roots
            raise self._changed(f" ({err.message.rstrip('.')})") from None
        if not self._follow_symlinks and located != self.path:  # leads elsewhere now
            raise self._changed("")
        try:
            if self._follow_symlinks:
                now = os.stat(located)
            else:
                with open_target(str(located), []) as target:
                    now = target.info
        except OSError:
            raise self._changed("") from None
        if (now.st_dev, now.st_ino) != self.identity:
            raise self._changed("")

    def _changed(self, why: str) -> LocationChanged:
        return LocationChanged(
            f"the destination folder {self.path} was moved or replaced since it was "
            f"checked{why}; nothing was written to where it leads now. Start the conversion again."
        )

    def _fd_path(self) -> Path:
        proc = Path(f"/proc/{os.getpid()}/fd/{self.fd}")
        try:
            seen = os.stat(proc)
        except OSError:  # no /proc here
            return self.path
        return proc if (seen.st_dev, seen.st_ino) == self.identity else self.path

    def make_staging(self, prefix: str) -> str:
        """A new hidden staging folder in this folder, with its marker; returns its name.

        The folder is held open from then on, and written, moved from and emptied only
        through that descriptor: whoever may rename entries of this folder (a group
        folder that is not sticky) can rename it aside and put another folder of this
        user under its name, which is then never written into or removed."""
        while True:
            name = prefix + secrets.token_hex(6)
            try:
                os.mkdir(name, 0o700, dir_fd=self.fd)
            except FileExistsError:
                continue
            break
        try:
            fd = os.open(name, _DIRECTORY_FLAGS, dir_fd=self.fd)
        except OSError as err:
            raise self._changed(f" (its staging folder was replaced: {err.strerror})") from None
        if os.listdir(fd):  # not the folder just made
            os.close(fd)
            raise self._changed(" (its staging folder was replaced)")
        self._staged[name] = fd
        try:
            marker = os.open(
                STAGING_MARKER,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o600,
                dir_fd=fd,
            )
            try:
                # Made by whoever makes this process's files (the same owner as the
                # marker, also where a mount maps owners), not an empty folder of another
                # user that could write into the output before it is moved into place.
                if os.fstat(marker).st_uid != os.fstat(fd).st_uid:
                    raise self._changed(" (its staging folder was replaced)")
                os.write(marker, json.dumps(self.owner).encode())
            finally:
                os.close(marker)
        except BaseException:
            self.remove(name)
            raise
        return name

    def staging_path(self, staging: str) -> Path:
        """Where writers name the staging folder `staging`: /proc/<pid>/fd/<its fd> when
        they name this folder that way (`through_fd`), else its path."""
        if self.writers_path == self.path:
            return self.path / staging
        return Path(f"/proc/{os.getpid()}/fd/{self._staged[staging]}")

    def move_into_place(self, staging: str, name: str, *, overwrite: bool, shown: Path) -> None:
        """Rename `staging`/`name` to `name`, in this folder, if it is still where it was.

        One renameat2 where the kernel and filesystem have it: a dataset already at the
        name is swapped with the output (`overwrite`), so the name holds the old or the
        new one at every instant, and the old one leaves with the staging folder;
        without `overwrite`, whatever appeared at the name meanwhile is never replaced
        (someone else finished first: theirs is kept). Elsewhere, two renames."""
        self.check()
        staged = self._staged[staging]
        for _ in range(_MOVE_ATTEMPTS):
            if _lexists(name, self.fd):
                if not overwrite:  # someone else finished first: keep theirs
                    raise DestinationExists(f"{shown} appeared while converting")
                flags = RENAME_EXCHANGE
            else:
                flags = RENAME_NOREPLACE
            try:
                if not _renameat2(staged, name, self.fd, name, flags):
                    break  # no renameat2 here
                return
            except (FileExistsError, FileNotFoundError):
                # It appeared, or went, since it was looked at: look again (unless the
                # output itself is gone).
                if not _lexists(name, staged):
                    raise
        else:
            raise DestinationExists(f"{shown} keeps appearing and going while converting")
        if _lexists(name, self.fd):
            if not overwrite:
                raise DestinationExists(f"{shown} appeared while converting")
            # Two renames: between them the name is empty, and the old dataset waits in
            # the staging folder, which is never removed while it holds it (see `remove`).
            os.rename(name, REPLACED, src_dir_fd=self.fd, dst_dir_fd=staged)
            try:
                os.rename(name, name, src_dir_fd=staged, dst_dir_fd=self.fd)
            except OSError:
                _put_back_replaced(staged, self.fd, name)
                raise
            # Replaced now: it leaves with the staging folder, as after a swap.
            os.rename(REPLACED, name, src_dir_fd=staged, dst_dir_fd=staged)
            return
        os.rename(name, name, src_dir_fd=staged, dst_dir_fd=self.fd)

    def remove(self, staging: str) -> None:
        """Empty a staging folder made here through its descriptor, then remove its name
        (which only an empty folder gives up: never one put in its place). A dataset
        that the output was to replace, still in it (the second rename failed), is put
        back first, or the folder is kept."""
        fd = self._staged[staging]
        if not _put_back_replaced(fd, self.fd, _destination_name(staging)):
            return
        _empty(fd)
        try:
            os.rmdir(staging, dir_fd=self.fd)
        except OSError:
            pass  # gone, renamed, or another folder took the name

    def close(self) -> None:
        """Remove the staging folders made here once more, and let the folder go.
        A job calls it once its workers have stopped: a write still under way when the
        conversion failed may have recreated part of a staging folder after its removal."""
        for staging, fd in self._staged.items():
            self.remove(staging)
            os.close(fd)
        os.close(self.fd)


_job_folder: contextvars.ContextVar[DestinationFolder | None] = contextvars.ContextVar(
    "fileglancer_destination_folder", default=None
)


@contextmanager
def writing_into(folder: DestinationFolder) -> Iterator[DestinationFolder]:
    """Make `staged_output` in this thread use `folder` (held and checked by a job
    runner) for destinations inside it, rather than opening the folder by its path."""
    token = _job_folder.set(folder)
    try:
        yield folder
    finally:
        _job_folder.reset(token)


@contextmanager
def staged_output(
    destination: Path, *, overwrite: bool, check: Callable[[Path], None] | None = None
) -> Iterator[Path]:
    """Yield the path to write to; on success move it to `destination`.

    `check(path)` runs on the finished output before it is moved, and raises (e.g.
    InvalidOutput) when it is not what the conversion promised: then it is not moved.
    Raises DestinationExists when the destination exists and overwrite is False,
    OutOfSpace when the disk fills up, and LocationChanged when the destination's folder
    was moved or replaced meanwhile; on any error (or cancel) the staging folder is
    removed before the error propagates.
    """
    destination = Path(destination)
    check_destination(destination, overwrite=overwrite)
    folder = _job_folder.get()
    own = folder is None or folder.path != destination.parent
    if folder is None or own:
        if not destination.parent.is_dir():
            raise ConversionError(f"the destination folder {destination.parent} does not exist")
        folder = DestinationFolder(destination.parent, follow_symlinks=True)
    try:
        try:
            staging = folder.make_staging(partial_prefix(destination))
        except OSError as err:
            raise _as_conversion_error(err, destination) from err
        try:
            built = folder.staging_path(staging) / destination.name
            try:
                yield built
            except OSError as err:
                raise _as_conversion_error(err, destination) from err
            if check is not None:
                check(built)
            try:
                folder.move_into_place(
                    staging, destination.name, overwrite=overwrite, shown=destination
                )
            except OSError as err:
                raise _as_conversion_error(err, destination) from err
        finally:
            folder.remove(staging)
    finally:
        if own:
            folder.close()


def remove_abandoned_staging(
    folder: Path, name: str, abandoned: Callable[[dict[str, Any]], bool]
) -> list[str]:
    """Remove the staging folders of `name` in `folder` whose marker `abandoned` accepts;
    returns their names. Only what this module made is touched: real folders (not
    symlinks) named `.NAME.partial-*`, owned by this user, holding a readable marker. A
    dataset an overwrite was replacing (REPLACED) goes back to NAME first; while another
    entry has that name its staging folder is kept, and logged."""
    fd = os.open(folder, _DIRECTORY_FLAGS)
    removed = []
    try:
        prefix = partial_prefix(Path(name))
        for entry in os.scandir(fd):
            if not entry.name.startswith(prefix):
                continue
            # Checked, read and emptied through one descriptor: a folder renamed into
            # its place meanwhile is never emptied (see DestinationFolder.make_staging).
            try:
                staging = os.open(entry.name, _DIRECTORY_FLAGS, dir_fd=fd)
            except OSError:
                continue  # not a folder (a symlink, a file), or gone
            try:
                if os.fstat(staging).st_uid != os.getuid():
                    continue
                marker = _read_marker(staging)
                if marker is not None and abandoned(marker):
                    # A crash between the two renames of an overwrite (no renameat2)
                    # left the old dataset here: it goes back to its name, never away.
                    if not _put_back_replaced(staging, fd, name):
                        continue
                    _empty(staging)
                    try:
                        os.rmdir(entry.name, dir_fd=fd)
                    except OSError:
                        pass
                    removed.append(entry.name)
            finally:
                os.close(staging)
    finally:
        os.close(fd)
    return removed


def _put_back_replaced(staging_fd: int, folder_fd: int, name: str) -> bool:
    """Rename a replaced dataset left in the open staging folder back to `name` in the
    open folder, unless something else now has that name; returns whether none is left
    in the staging folder (which may then be emptied)."""
    if not _lexists(REPLACED, staging_fd):
        return True
    try:
        if _renameat2(staging_fd, REPLACED, folder_fd, name, RENAME_NOREPLACE):
            log.warning("fileglancer: put a dataset replaced by an unfinished conversion back")
            return True
        if not _lexists(name, folder_fd):  # no renameat2: a look, then the rename
            os.rename(REPLACED, name, src_dir_fd=staging_fd, dst_dir_fd=folder_fd)
            log.warning("fileglancer: put a dataset replaced by an unfinished conversion back")
            return True
    except OSError:
        pass
    log.warning(
        "fileglancer: kept the staging folder of %s: it holds the dataset an unfinished "
        "conversion replaced (as %s), and another entry now has its name",
        name,
        REPLACED,
    )
    return False


def _destination_name(staging: str) -> str:
    """The destination's name in that of its staging folder (`.NAME.partial-XXXX`)."""
    return staging[1 : staging.rindex(PARTIAL_MARKER)]


def _empty(folder_fd: int) -> None:
    """Remove everything in the open folder `folder_fd` (never following a symlink)."""
    try:
        names = os.listdir(folder_fd)
    except OSError:
        return
    for name in names:
        try:
            os.unlink(name, dir_fd=folder_fd)
        except IsADirectoryError:
            shutil.rmtree(name, ignore_errors=True, dir_fd=folder_fd)
        except OSError:
            pass


def _read_marker(staging_fd: int) -> dict[str, Any] | None:
    try:
        fd = os.open(
            STAGING_MARKER,
            os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
            dir_fd=staging_fd,
        )
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        marker = json.loads(os.read(fd, _MAX_MARKER_BYTES))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    return marker if isinstance(marker, dict) else None


def _lexists(name: str, folder_fd: int) -> bool:
    try:
        os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _as_conversion_error(err: OSError, destination: Path) -> ConversionError:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutOfSpace(
            f"no space left on the device while writing {destination.name}; "
            "nothing was written. Free some space or choose another folder."
        )
    return ConversionError(f"writing {destination.name} failed: {err.strerror or err}")


# --- renameat2 (Linux 3.15+), from libc or through syscall(): Python has no binding -------

RENAME_NOREPLACE = 1  # fail with EEXIST rather than replace the destination
RENAME_EXCHANGE = 2  # swap source and destination, both of which must exist
_SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "riscv64": 276}
# "Cannot do this here": no such call (old kernel, seccomp), or a filesystem without the
# flag (e.g. some network filesystems): the caller falls back to plain renames.
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM}


def _load_renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    call = getattr(libc, "renameat2", None)  # glibc 2.28+
    if call is not None:
        call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        call.argtypes += [ctypes.c_uint]
        call.restype = ctypes.c_int
        return call
    number, syscall = _SYS_RENAMEAT2.get(platform.machine()), getattr(libc, "syscall", None)
    if number is None or syscall is None:
        return None
    syscall.restype = ctypes.c_long

    def renameat2(src_fd: int, src: bytes, dst_fd: int, dst: bytes, flags: int) -> int:
        return syscall(
            ctypes.c_long(number),
            ctypes.c_int(src_fd),
            ctypes.c_char_p(src),
            ctypes.c_int(dst_fd),
            ctypes.c_char_p(dst),
            ctypes.c_uint(flags),
        )

    return renameat2


# None where there is no renameat2 (tests set it to None to take the fallback).
_renameat2_call = _load_renameat2()


def _renameat2(src_fd: int, src: str, dst_fd: int, dst: str, flags: int) -> bool:
    """Rename `src` in the open folder `src_fd` to `dst` in `dst_fd` as `flags` say;
    False (nothing renamed) where that cannot be done here; raises OSError otherwise."""
    call = _renameat2_call
    if call is None:
        return False
    if call(src_fd, os.fsencode(src), dst_fd, os.fsencode(dst), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), dst)
