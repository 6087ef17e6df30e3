"""Running test code as a user that file permissions apply to, and a folder every user
can enter: what the permission tests of several modules share."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


def run_without_privileges(work: Callable[[], Any]) -> dict[str, Any]:
    """Run `work` as a user that file permissions apply to: {"result"} or {"error", "message"}.

    As root (CI here), in a forked child that became `nobody`, since root ignores the
    permission bits; otherwise in this process.
    """
    if os.geteuid() != 0:
        try:
            return {"result": work()}
        except Exception as err:
            return {"error": type(err).__name__, "message": str(err)}
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no 'nobody' user to drop to")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            try:
                outcome: dict[str, Any] = {"result": work()}
            except Exception as err:
                outcome = {"error": type(err).__name__, "message": str(err)}
            os.write(write_end, json.dumps(outcome).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        data = reader.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0 and data, "the unprivileged child failed"
    return json.loads(data)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder every user can enter (pytest's tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="fileglancer-test-"))
    path.chmod(0o755)
    yield path
    for sub in path.rglob("*"):
        if sub.is_dir() and not sub.is_symlink():
            sub.chmod(0o755)
    shutil.rmtree(path)
