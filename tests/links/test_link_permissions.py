"""The link service's permission checker on real files, real users, real ACLs; each
answer is compared with what the kernel says when that user opens the file."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fileglancer_ext.errors import Forbidden, NotFound
from fileglancer_ext.links.permissions import (
    PermissionCheck,
    account_for,
    parse_acl,
    user_can_read,
)
from fileglancer_ext.links.serving import ShareServer
from fileglancer_ext.links.store import ShareLinkStore
from tests.hub.harness import UnixUsers, users_and_team
from tests.unprivileged import in_a_child


@pytest.fixture(scope="module")
def users() -> Iterator[UnixUsers]:
    with users_and_team() as made:
        yield made


@pytest.fixture
def tree(shared_tmp: Path, users: UnixUsers) -> Path:
    """shared_tmp/top/ (0755, owned by a) holding folders and files owned by a."""
    top = shared_tmp / "top"
    top.mkdir()
    (top / "data").mkdir()
    (top / "data" / "file.txt").write_text("x")
    a = pwd.getpwnam(users.a)
    for path in (top, top / "data", top / "data" / "file.txt"):
        os.chown(path, a.pw_uid, a.pw_gid)
    return top


def kernel_can_read(user: str, path: Path) -> bool:
    """Whether `user` (with its supplementary groups) can open `path` for reading."""
    account = account_for(user)
    entry = pwd.getpwnam(user)

    def attempt() -> bool:
        os.setgroups(sorted(account.gids))
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
        try:
            if path.is_dir():
                return os.access(path, os.R_OK | os.X_OK)
            with open(path, "rb"):
                return True
        except OSError:
            return False

    _, code, result = in_a_child(attempt)
    assert code == 0
    return bool(result)


def agree(user: str, path: Path) -> bool:
    """The checker's answer, asserted equal to the kernel's."""
    mine = user_can_read(user, str(path))
    assert mine == kernel_can_read(user, path), (user, str(path))
    return mine


def setfacl(*args: str) -> None:
    if shutil.which("setfacl") is None:
        pytest.fail("setfacl is missing: apt-get install acl", pytrace=False)
    subprocess.run(["setfacl", *args], check=True, capture_output=True)


def test_mode_bits_owner_group_other(tree: Path, users: UnixUsers) -> None:
    target = tree / "data" / "file.txt"
    target.chmod(0o644)
    assert agree(users.a, target) and agree(users.b, target)
    target.chmod(0o600)
    assert agree(users.a, target) and not agree(users.b, target)
    target.chmod(0o060)  # the owner's own bits decide for the owner, even if group has it
    assert not agree(users.a, target)


def test_supplementary_group_reads(tree: Path, users: UnixUsers) -> None:
    target = tree / "data" / "file.txt"
    os.chown(target, -1, _gid(users.team))
    target.chmod(0o640)
    assert agree(users.b, target)  # b is in team through /etc/group only
    target.chmod(0o600)
    assert not agree(users.b, target)


def test_a_folder_without_search_on_the_way(tree: Path, users: UnixUsers) -> None:
    target = tree / "data" / "file.txt"
    (tree / "data").chmod(0o744)  # others may list but not enter
    assert not agree(users.b, target)
    assert agree(users.a, target)
    (tree / "data").chmod(0o711)  # enter but not list: the file is readable, the folder not
    assert agree(users.b, target)
    assert not agree(users.b, tree / "data")
    tree.chmod(0o700)  # two levels up
    assert not agree(users.b, target)


def test_acl_named_user_and_mask(tree: Path, users: UnixUsers) -> None:
    target = tree / "data" / "file.txt"
    target.chmod(0o600)
    setfacl("-m", f"u:{users.b}:r", str(target))
    assert agree(users.b, target)
    setfacl("-m", "m::-", str(target))  # the mask takes the named entry's read away
    assert not agree(users.b, target)
    assert agree(users.a, target)  # the owner is never masked


def test_acl_named_group(tree: Path, users: UnixUsers) -> None:
    target = tree / "data" / "file.txt"
    target.chmod(0o600)
    assert not agree(users.b, target)
    setfacl("-m", f"g:{users.team}:r", str(target))
    assert agree(users.b, target)
    setfacl("-x", f"g:{users.team}", str(target))
    setfacl("-m", f"g:{users.team}:-", str(target))
    setfacl("-m", "m::r,o::r", str(target))  # others may read, but b's group entry not
    assert not agree(users.b, target)
    target.chmod(0o604)  # an empty mask: Linux then ignores the ACL and "other" decides
    assert agree(users.b, target)


def test_acl_on_a_folder_on_the_way(tree: Path, users: UnixUsers) -> None:
    target = tree / "data" / "file.txt"
    (tree / "data").chmod(0o700)
    assert not agree(users.b, target)
    setfacl("-m", f"u:{users.b}:x", str(tree / "data"))
    assert agree(users.b, target)
    assert not agree(users.b, tree / "data")  # search, but not read


def test_root_is_not_special(tree: Path, users: UnixUsers) -> None:
    """A uid 0 owner gets what the bits say (the service decides for a user, not as root)."""
    target = tree / "data" / "file.txt"
    target.chmod(0o000)
    assert not PermissionCheck(account_for("root")).can_read(str(target))


def test_no_account_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        account_for("no-such-user-fileglancer")


def test_unknown_acl_format_is_ignored() -> None:
    assert parse_acl(b"\x01\x00\x00\x00") is None
    assert parse_acl(b"\x02\x00\x00\x00\x01\x00") is None


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


def test_serving_rechecks_what_the_owner_can_read(tree: Path, users: UnixUsers, tmp_path) -> None:
    """A row naming a file its owner cannot read (forged in the store) is a dead link,
    and a link whose owner loses read access dies at the next request."""
    store = ShareLinkStore.from_url(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    checking = ShareServer(store, check_owner_permissions=True)
    trusting = ShareServer(store)
    try:
        (tree / "data").chmod(0o700)
        forged = store.create(users.b, "top", str(tree), "data")
        genuine = store.create(users.a, "top", str(tree), "data")
        trusting.open(forged.token, "file.txt").file.close()  # what the check prevents
        with pytest.raises(NotFound):
            checking.open(forged.token, "file.txt")
        checking.open(genuine.token, "file.txt").file.close()
        (tree / "data" / "file.txt").chmod(0o000)
        with pytest.raises(NotFound):
            checking.open(genuine.token, "file.txt")
    finally:
        checking.close()
        trusting.close()
        store.close()
