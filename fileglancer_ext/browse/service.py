"""Browsing: the one place that combines root confinement with directory listing.

The REST handlers and the CLI both call `FileBrowser`, so every path a user sends goes
through `RootRegistry.resolve` before anything touches the filesystem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import BadRequest, NotInARoot
from ..roots import RootRegistry
from .listing import DirectoryLister, ListingRequest


class FileBrowser:
    """Lists and describes paths inside the configured roots.

    `contents_root` is the Jupyter server's root_dir: entries inside it also get the path
    JupyterLab's own file browser knows them by (`contents_path`), or None.
    """

    def __init__(self, registry: RootRegistry, contents_root: Path) -> None:
        self.registry = registry
        self.contents_root = contents_root.resolve()
        # Never read metadata behind a symlink that leads out of every root; a metadata
        # file inside an entry is read only within the listed root (`list_directory`).
        self.lister = DirectoryLister(
            entry_is_readable=lambda real: registry.locate(real) is not None,
            within=registry.within_any(),
        )

    def list_directory(self, root: str, path: str, request: ListingRequest) -> dict[str, Any]:
        """One page of a directory. Raises BadRequest / Forbidden / NotFound."""
        location = self.registry.resolve(root, path)
        directory, rel_path = location.real, location.path
        within = self.registry.within(root)
        page = self.lister.list_page(directory, rel_path, request, within=within)
        page["root"] = root
        page["contents_path"] = self.contents_path(directory)
        for entry in page["entries"]:
            entry["contents_path"] = self._child_contents_path(page["contents_path"], entry)
            # The lister only knows "inside some root"; whether this root may follow the
            # link depends on the admin switch, which the registry applies.
            if entry["is_symlink"] and not self.registry.is_inside(root, directory / entry["name"]):
                entry["readable"] = False
        return page

    def describe(self, root: str, path: str) -> dict[str, Any]:
        """One entry, its kind confirmed from its content (e.g. TIFF magic bytes)."""
        location = self.registry.resolve(root, path)
        real, rel_path = location.real, location.path
        within = self.registry.within(root)
        entry = self.lister.describe(real, rel_path, confirm=True, within=within)
        entry["root"] = root
        entry["contents_path"] = self.contents_path(real)
        return entry

    def locate(self, contents_path: str) -> dict[str, str]:
        """Map a JupyterLab Contents API path to {"root", "path"}; NotInARoot if none holds it."""
        if "\x00" in contents_path:
            raise BadRequest("The path contains a NUL byte.")
        parts = [part for part in contents_path.replace("\\", "/").split("/") if part]
        if ".." in parts:
            raise BadRequest("The path must not contain '..'.")
        real = Path(os.path.realpath(self.contents_root.joinpath(*parts)))
        found = self.registry.locate(real)
        if found is None:
            raise NotInARoot(self.registry.outside_message(contents_path or "/"))
        root, rel_path = found
        return {"root": root, "path": rel_path}

    def contents_path(self, real: Path) -> str | None:
        """The path relative to the server's root_dir, or None when outside it."""
        if real == self.contents_root:
            return ""
        if real.is_relative_to(self.contents_root):
            return real.relative_to(self.contents_root).as_posix()
        return None

    @staticmethod
    def _child_contents_path(parent: str | None, entry: dict[str, Any]) -> str | None:
        # Symlinked entries may lead elsewhere; only plain children inherit the parent's path.
        if parent is None or entry.get("is_symlink"):
            return None
        return f"{parent}/{entry['name']}" if parent else entry["name"]
