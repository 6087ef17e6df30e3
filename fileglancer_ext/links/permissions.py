"""Whether a Unix account could read a file: its uid and groups against mode bits and
POSIX ACLs, evaluated here rather than by the kernel for the process that asks.

The link service runs as one account with broad read rights and makes and serves links
for every hub user, so it must decide, for the link's owner, what the kernel would decide
had that user opened the path: search (x) on every folder from `/` down, read on the
target (read and search on a folder). Root is not special here: a uid 0 owner gets what
the bits say, as anyone else. Plain Python, no tornado: the service API and serving
share it.
"""

from __future__ import annotations

import errno
import os
import pwd
import stat
import struct
import threading
import time
from dataclasses import dataclass

from ..errors import Forbidden
from ..system.confined_io import descriptor_path

READ, WRITE, SEARCH = 4, 2, 1

_ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_ENTRY = struct.Struct("<HHI")  # tag, permissions, id (little-endian, as the kernel stores)
# Accounts change rarely and NSS (LDAP, sssd) may be slow: looked up again after this.
ACCOUNT_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Account:
    """A Unix account as permissions see it: its uid and every group it is in."""

    name: str
    uid: int
    gids: frozenset[int]


_accounts: dict[str, tuple[float, Account | None]] = {}
_accounts_lock = threading.Lock()


def account_for(user_name: str) -> Account:
    """The Unix account named like the hub user; Forbidden when there is none."""
    now = time.monotonic()
    with _accounts_lock:
        cached = _accounts.get(user_name)
    if cached is None or now - cached[0] > ACCOUNT_CACHE_SECONDS:
        cached = (now, _lookup_account(user_name))
        with _accounts_lock:
            _accounts[user_name] = cached
    if cached[1] is None:
        raise Forbidden(f"There is no account '{user_name}' on the file server.")
    return cached[1]


def forget_accounts() -> None:
    """Drop the cached accounts (tests that add and remove users)."""
    with _accounts_lock:
        _accounts.clear()


def _lookup_account(user_name: str) -> Account | None:
    try:
        entry = pwd.getpwnam(user_name)
    except (KeyError, UnicodeEncodeError, ValueError):
        return None
    groups = os.getgrouplist(entry.pw_name, entry.pw_gid)
    return Account(entry.pw_name, entry.pw_uid, frozenset([entry.pw_gid, *groups]))


def parse_acl(data: bytes) -> list[tuple[int, int, int]] | None:
    """The entries (tag, permissions, id) of a `system.posix_acl_access` value; None when
    it is not one this code understands (then the mode bits decide)."""
    if len(data) < 4 or (len(data) - 4) % _ENTRY.size:
        return None
    if struct.unpack_from("<I", data)[0] != _ACL_VERSION:
        return None
    return [entry for entry in _ENTRY.iter_unpack(data[4:])]


def read_acl(path: str) -> list[tuple[int, int, int]] | None:
    """The access ACL of `path` (not following a final symlink), or None for none."""
    try:
        data = os.getxattr(path, _ACL_XATTR, follow_symlinks=False)
    except OSError as err:
        if err.errno in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP):
            return None
        raise
    return parse_acl(data)


def allowed(
    account: Account,
    info: os.stat_result,
    acl: list[tuple[int, int, int]] | None,
    wanted: int,
) -> bool:
    """Whether `account` has every permission bit in `wanted` (READ|SEARCH...) on a file
    with this stat and access ACL, as the kernel decides (POSIX.1e, Linux's way)."""
    mode = info.st_mode
    # As Linux does (fs/namei.c): an ACL whose mask (the mode's group bits) is empty is
    # not consulted at all, so the owner, owning group and other bits decide.
    if not acl or not mode & 0o070:
        if account.uid == info.st_uid:
            perms = (mode >> 6) & 7
        elif info.st_gid in account.gids:
            perms = (mode >> 3) & 7
        else:
            perms = mode & 7
        return perms & wanted == wanted
    if account.uid == info.st_uid:
        return _entry_perms(acl, _USER_OBJ) & wanted == wanted
    mask = next((perms for tag, perms, _ in acl if tag == _MASK), 7)
    for tag, perms, ident in acl:
        if tag == _USER and ident == account.uid:
            return perms & mask & wanted == wanted
    matched = False
    for tag, perms, ident in acl:
        owner_group = tag == _GROUP_OBJ and info.st_gid in account.gids
        if owner_group or (tag == _GROUP and ident in account.gids):
            matched = True
            if perms & mask & wanted == wanted:
                return True
    if matched:
        return False
    return _entry_perms(acl, _OTHER) & wanted == wanted


def _entry_perms(acl: list[tuple[int, int, int]], tag: int) -> int:
    return next((perms for entry_tag, perms, _ in acl if entry_tag == tag), 0)


class PermissionCheck:
    """One request's checks for one account: each folder is looked at once (a request
    walks the same folders for the share and for the file inside it); nothing is kept
    across requests, so a chmod or setfacl counts at the next request."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self._searchable: dict[str, bool] = {}

    def can_read(self, path: str) -> bool:
        """Whether the account can reach and read `path` (absolute and real: no symlink in
        it): search on every folder from `/` down, read on it (and search on a folder)."""
        parent = os.path.dirname(path)
        if path != "/" and not self.can_search_down_to(parent):
            return False
        try:
            info = os.stat(path, follow_symlinks=False)
            acl = read_acl(path)
        except OSError:
            return False
        wanted = READ | (SEARCH if stat.S_ISDIR(info.st_mode) else 0)
        return allowed(self.account, info, acl, wanted)

    def can_search_down_to(self, folder: str) -> bool:
        """Whether the account may search every folder from `/` down to `folder`."""
        known = self._searchable.get(folder)
        if known is not None:
            return known
        parent = os.path.dirname(folder)
        result = folder == parent or self.can_search_down_to(parent)
        if result:
            try:
                info = os.stat(folder, follow_symlinks=False)
                result = stat.S_ISDIR(info.st_mode) and allowed(
                    self.account, info, read_acl(folder), SEARCH
                )
            except OSError:
                result = False
        self._searchable[folder] = result
        return result

    def can_read_open(self, fd: int) -> bool:
        """`can_read` of what the descriptor `fd` has open (its path as the kernel knows
        it now), so that the check is of the file that is served."""
        path = descriptor_path(fd)
        return path is not None and self.can_read(path)


def user_can_read(user_name: str, path: str) -> bool:
    """Whether the Unix account of `user_name` can read `path` (a real, absolute path).
    Forbidden when there is no such account."""
    return PermissionCheck(account_for(user_name)).can_read(path)
