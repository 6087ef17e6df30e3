"""What a Jupyter user may do with share links: the links API's domain, over the roots.

Links are created only for what the user can read through the configured roots, and
recorded under the canonical (root, path) that `RootRegistry` resolves them to, so the
inspector finds a dataset's link whichever way the user reached it.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import FileglancerError, Forbidden
from ..roots import RootRegistry
from .serving import shared_target
from .store import (
    ShareLink,
    ShareLinkStore,
    check_expires_in,
    check_label,
    check_shared_path,
)


class ShareLinkService:
    """The links of each Jupyter user, checked against the roots; blocking calls."""

    def __init__(self, store: ShareLinkStore, registry: RootRegistry) -> None:
        self.store = store
        self.registry = registry

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
        real = os.path.join(root_path, rel_path)
        wanted = os.R_OK | (os.X_OK if os.path.isdir(real) else 0)
        if not os.access(real, wanted):
            raise Forbidden(f"You do not have permission to read '{path}' in '{root}'.")
        return self.store.create(
            owner, root_name, root_path, rel_path, expires_in=expires, label=text
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
        """(root name, the root's real path, relative path) of what (root, path) names."""
        real = self.registry.resolve(root, path)
        try:
            rel_path = self.registry.relative(root, real)
        except ValueError:
            # A symlink into another root (when allowed): the link belongs to that root.
            located = self.registry.locate(real)
            if located is None:
                raise Forbidden(
                    f"'{path}' in '{root}' points outside the shared folders."
                ) from None
            root, rel_path = located
        return root, os.path.realpath(self.registry.get(root).path), rel_path

    def _canonical_or_given(self, root: str, path: str) -> tuple[str, str]:
        try:
            name, _, rel_path = self._canonical(root, path)
        except FileglancerError:  # gone or unreadable now: match what was recorded
            return root, path.strip("/")
        return name, rel_path


def target_exists(link: ShareLink) -> bool:
    try:
        return os.path.exists(shared_target(link))
    except FileglancerError:
        return False
