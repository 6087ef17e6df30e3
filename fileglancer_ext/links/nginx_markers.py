"""Live-share markers: how nginx learns at once that a share it serves alone is revoked.

deploy/nginx/fileglancer-links-cached.conf keeps the link server's decision about a share
for about a second (accel.py), but uses a kept decision only while a folder holds an empty
file named after the share's token (nginx's `-f` test); without one it asks the link server
afresh, for every request. The decider creates a share's marker when it answers 200 and
the link is not about to expire; revoking a link or changing its expiry deletes it before
the change is committed. So the first request nginx gets after a revocation returns is
decided by the link server. A missing marker or folder costs speed, never correctness.

Order, between processes: creators hold a shared lock (flock of the folder) while they
check the link is still active and create its marker; a revocation or an expiry change
holds the exclusive lock while it deletes the marker and commits. A marker is thus never
created for a link whose revocation has returned.

The folder must be local to nginx's machine (flock), writable by the processes that create
or revoke links and by no one else (a marker made by hand only lets nginx use a decision
kept for at most two seconds), and listed by no one else: its names are share tokens.
nginx's workers need only search permission (x) on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)

# What a share token looks like (store.new_token; the share route's pattern), bounded: no
# name that could reach outside the folder ('/', '.') is ever created or deleted.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_MARKER_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


class NginxMarkers:
    """The marker folder: one empty file per share nginx may serve with a kept decision."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = os.path.abspath(folder)

    def create_folder(self) -> None:
        """Make the folder if missing: others (nginx's workers) may look a name up, but
        neither list it (the names are tokens) nor write to it."""
        os.makedirs(self.folder, mode=0o711, exist_ok=True)
        if os.stat(self.folder).st_mode & 0o006:
            log.warning(
                "fileglancer: anyone may list or write to the nginx marker folder %s "
                "(its names are share tokens): chmod o-rw",
                self.folder,
            )

    def has(self, token: str) -> bool:
        return _valid(token) and os.path.lexists(os.path.join(self.folder, token))

    def mark(self, token: str, still_active: Callable[[], bool]) -> bool:
        """Create `token`'s marker if `still_active()` (asked under the shared lock);
        whether a marker is there now. Failures are logged, never raised."""
        if not _valid(token):
            return False
        if self.has(token):
            return True  # its revocation, if any, has not begun: it will delete it
        try:
            with self._locked(fcntl.LOCK_SH) as folder:
                if folder is None or not still_active():
                    return False
                os.close(os.open(token, _MARKER_FLAGS, 0o644, dir_fd=folder))
                return True
        except OSError as err:
            log.warning("fileglancer: cannot create an nginx marker: %s", err.strerror)
            return False

    def remove(self, token: str) -> None:
        """Delete `token`'s marker if there is one (a dead link's: no lock needed)."""
        if _valid(token):
            self._remove(token, None)

    @contextlib.contextmanager
    def withdrawn(self, token: str) -> Iterator[None]:
        """Around a revocation's (or an expiry change's) commit: `token` has no marker from
        the start of the block, and none can be created until it is over."""
        if not _valid(token):
            yield
            return
        with self._locked(fcntl.LOCK_EX) as folder:
            self._remove(token, folder)
            yield

    @contextlib.contextmanager
    def _locked(self, operation: int) -> Iterator[int | None]:
        """The folder's descriptor, flock()ed; None when there is no folder (nothing to
        withdraw then, and nothing nginx could find)."""
        try:
            folder = os.open(self.folder, _FOLDER_FLAGS)
        except OSError:
            folder = None
        if folder is None:
            yield None
            return
        try:
            fcntl.flock(folder, operation)
            yield folder
        finally:
            os.close(folder)  # and the lock with it

    def _remove(self, token: str, folder: int | None) -> None:
        try:
            if folder is None:
                os.unlink(os.path.join(self.folder, token))
            else:
                os.unlink(token, dir_fd=folder)
        except FileNotFoundError:
            pass
        except OSError as err:
            # The revocation still happens; nginx then stops within its kept decision.
            log.warning("fileglancer: cannot delete an nginx marker: %s", err.strerror)


def _valid(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None
