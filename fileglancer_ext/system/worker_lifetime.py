"""Worker processes that end with the server that started them, however it ends.

A pool worker started through the forkserver is the forkserver's child, not the server's:
when the server is killed (kill -9, the OOM killer) nothing tells the worker, which then
holds its memory, and writes its task, for as long as it likes. `die_with` is called in a
worker's initializer: the kernel kills the worker when its parent (the forkserver) ends,
and a watchdog thread ends it when the server itself ends.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1
# Where there is no pidfd (not Linux, or an old kernel), the watchdog looks this often.
_POLL_SECONDS = 1.0


def die_with(server_pid: int) -> None:
    """End this process when the process `server_pid` ends (call it in the worker)."""
    _kill_me_with_my_parent()
    threading.Thread(
        target=_watch, args=(server_pid,), name="fileglancer-watchdog", daemon=True
    ).start()


def _kill_me_with_my_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the watchdog alone
        pass


def _watch(server_pid: int) -> None:
    try:
        pidfd = os.pidfd_open(server_pid)
    except ProcessLookupError:  # gone already
        os._exit(1)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is not None:
        select.select([pidfd], [], [])  # readable when the process has ended
        os._exit(1)
    while _alive(server_pid):
        threading.Event().wait(_POLL_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
