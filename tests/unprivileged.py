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

    def outcome() -> dict[str, Any]:
        try:
            return {"result": work()}
        except Exception as err:
            return {"error": type(err).__name__, "message": str(err)}

    if os.geteuid() != 0:
        return outcome()
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        message = "running as root and there is no 'nobody' user to drop to"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)  # CI must never skip a permission test
        pytest.skip(message)
    _, code, data = in_a_child(outcome, as_user=nobody)
    assert code == 0 and data, "the unprivileged child failed"
    return data


def in_a_child(
    work: Callable[[], Any], *, as_user: pwd.struct_passwd | None = None
) -> tuple[int, int, Any]:
    """Run `work` in a forked child (as `as_user`, when given; audit hooks it adds die with
    it): its pid, its exit code (negative: the signal that killed it) and what `work`
    returned (JSON), None when it returned nothing."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            os.close(read_end)
            if as_user is not None:
                os.setgroups([])
                os.setgid(as_user.pw_gid)
                os.setuid(as_user.pw_uid)
            os.write(write_end, json.dumps(work()).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        data = reader.read()
    _, status = os.waitpid(pid, 0)
    return pid, os.waitstatus_to_exitcode(status), json.loads(data) if data else None


def ordinary_user_only() -> None:
    """Skip as root (who ignores file permissions; scripts/test-all.sh runs the
    `unprivileged` tests again as another user), and fail when CI=true."""
    if os.geteuid() == 0:
        message = "root ignores file permissions: scripts/test-all.sh runs these as another user"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


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
