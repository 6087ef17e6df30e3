"""What a Jupyter user may do with share links: the links API's domain, over the roots.

Links are created only for what the user can read through the configured roots, and
recorded under the canonical (root, path) that `RootRegistry` resolves them to, so the
inspector finds a dataset's link whichever way the user reached it, with the identity of
what was checked: serving refuses the link once something else sits at that path.
"""

from __future__ import annotations

import getpass
import os
import stat
from collections.abc import Callable
from typing import Any

from ..errors import BadRequest, FileglancerError, Forbidden, NotFound
from ..roots import RootRegistry
from .confinement import FileIdentity, birth_time, identity_of, open_target
from .store import (
    ShareLink,
    ShareLinkStore,
    check_expires_in,
    check_label,
    check_shared_path,
)


def default_owner() -> str:
    """Whose links these are outside a request (the CLI, the share route's owners): the
    hub's user name under a hub, else the OS user, as `FileglancerAPIHandler.owner`
    names the UI's user."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


class ShareLinkService:
    """The links of each Jupyter user, checked against the roots; blocking calls."""

    def __init__(
        self,
        store: ShareLinkStore,
        registry: RootRegistry,
        *,
        may_read: Callable[[str, int], bool] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        # Whether an owner may read the open descriptor: by default this process's own
        # rights (it runs as the owner); the hub's link service checks for the owner.
        self.may_read = may_read or _process_may_read

    def create(
        self,
        owner: str,
        root: str,
        path: str,
        *,
        expires_in: Any = None,
        label: Any = None,
    ) -> ShareLink:
        """A new link to (root, path). Raises what `RootRegistry.resolve` raises, Forbidden
        when the owner cannot read it, BadRequest for a bad expiry or label."""
        expires = check_expires_in(expires_in)
        text = check_label(label)
        root_name, root_path, rel_path = self._canonical(root, path)
        check_shared_path(os.path.join(root_path, rel_path))  # e.g. through a symlink
        identity, birth = _readable_identity(
            root_path, rel_path, f"'{path}' in '{root}'", lambda fd: self.may_read(owner, fd)
        )
        return self.store.create(
            owner,
            root_name,
            root_path,
            rel_path,
            expires_in=expires,
            label=text,
            identity=identity,
            birth=birth,
        )

    def list_for_owner(
        self, owner: str, root: str | None = None, path: str | None = None
    ) -> list[tuple[ShareLink, bool]]:
        """The owner's active links (of (root, path) when given), each with whether its
        target still exists."""
        if root is not None and path is not None:
            root, path = self._canonical_or_given(root, path)
        found = self.store.list_for_owner(owner, root_name=root, path=path)
        return [(link, target_exists(link)) for link in found]

    def find_for_path(self, owner: str, root: str, path: str) -> ShareLink | None:
        """The owner's newest active link to (root, path), or None: for the inspector."""
        root, path = self._canonical_or_given(root, path)
        return self.store.find_for_path(owner, root, path)

    def get(self, owner: str, link_id: str) -> tuple[ShareLink, bool]:
        link = self.store.get(owner, link_id)
        return link, target_exists(link)

    def update(self, owner: str, link_id: str, changes: dict[str, Any]) -> tuple[ShareLink, bool]:
        link = self.store.update(owner, link_id, **changes)
        return link, target_exists(link)

    def revoke(self, owner: str, link_id: str) -> ShareLink:
        return self.store.revoke(owner, link_id)

    def _canonical(self, root: str, path: str) -> tuple[str, str, str]:
        return canonical_location(self.registry, root, path)

    def _canonical_or_given(self, root: str, path: str) -> tuple[str, str]:
        name, _, rel_path = canonical_or_given(self.registry, root, path)
        return name, rel_path


def canonical_location(registry: RootRegistry, root: str, path: str) -> tuple[str, str, str]:
    """(root name, the root's real path, relative path) of what (root, path) names: how
    a link records it, here or in the hub's link service."""
    real = registry.resolve(root, path).real
    try:
        rel_path = registry.relative(root, real)
    except ValueError:
        # A symlink into another root (when allowed): the link belongs to that root.
        located = registry.locate(real)
        if located is None:
            raise Forbidden(f"'{path}' in '{root}' points outside the shared folders.") from None
        root, rel_path = located
    return root, os.path.realpath(registry.get(root).path), rel_path


def canonical_or_given(registry: RootRegistry, root: str, path: str) -> tuple[str, str, str]:
    """`canonical_location`, or (root, its real path, path) as given when the path is gone
    or unreadable now: to match what was recorded."""
    try:
        return canonical_location(registry, root, path)
    except FileglancerError:
        try:
            root_path = os.path.realpath(registry.get(root).path)
        except FileglancerError:
            root_path = ""
        return root, root_path, path.strip("/")


def _process_may_read(owner: str, fd: int) -> bool:
    """Whether this process may read what `fd` has open (a folder: read and search)."""
    wanted = os.R_OK | (os.X_OK if stat.S_ISDIR(os.fstat(fd).st_mode) else 0)
    # The descriptor's own inode, through /proc: no path walked again.
    return os.access(f"/proc/self/fd/{fd}", wanted)


def _readable_identity(
    root_path: str, rel_path: str, shown: str, may_read: Callable[[int], bool]
) -> tuple[FileIdentity, int | None]:
    """The identity and birth time of the file or folder at `root_path/rel_path`, checked
    readable on the descriptor they come from (so the check is of what the link records)."""
    try:
        with open_target(root_path, [p for p in rel_path.split("/") if p]) as target:
            info = target.info
            if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                raise BadRequest(f"{shown} is neither a file nor a folder.")
            if not may_read(target.fd):
                raise Forbidden(f"You do not have permission to read {shown}.")
            return identity_of(info), birth_time(target.fd)
    except OSError:
        raise NotFound(f"{shown} cannot be opened.") from None


def target_exists(link: ShareLink) -> bool:
    """Whether the link's target is still there and still what was shared."""
    try:
        with open_target(link.root_path, [p for p in link.path.split("/") if p]) as target:
            if link.birth is not None and birth_time(target.fd) != link.birth:
                return False
            return link.identity is None or identity_of(target.info) == link.identity
    except (OSError, ValueError):
        return False
