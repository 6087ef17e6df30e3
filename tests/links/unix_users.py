"""Throwaway Unix users and groups for the permission tests (root only: useradd)."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from fileglancer_ext.links.permissions import forget_accounts

IS_ROOT = os.geteuid() == 0


@dataclass(frozen=True)
class UnixUsers:
    """Two users `a` and `b` and a group `team` that only `b` is in (a supplementary
    group), named with a random suffix."""

    a: str
    b: str
    team: str


def require_root() -> None:
    if not IS_ROOT:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("these tests create Unix users and must run as root", pytrace=False)
        pytest.skip("creating Unix users needs root")


@contextmanager
def unix_users() -> Iterator[UnixUsers]:
    require_root()
    suffix = secrets.token_hex(3)
    users = UnixUsers(a=f"fgta{suffix}", b=f"fgtb{suffix}", team=f"fgtteam{suffix}")
    made_users: list[str] = []
    made_groups: list[str] = []
    try:
        _run("groupadd", users.team)
        made_groups.append(users.team)
        for name in (users.a, users.b):
            _run("useradd", "--user-group", "--no-create-home", "-s", "/usr/sbin/nologin", name)
            made_users.append(name)
        _run("usermod", "-a", "-G", users.team, users.b)
        forget_accounts()
        yield users
    finally:
        for name in made_users:
            subprocess.run(["userdel", name], check=False, capture_output=True)
        for name in made_groups:
            subprocess.run(["groupdel", name], check=False, capture_output=True)
        forget_accounts()


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)
