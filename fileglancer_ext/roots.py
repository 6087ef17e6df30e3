"""Configured roots: the named file shares that fileglancer-ext lets users browse.

An admin configures roots as a list of entries, each either a mapping
``{"name": ..., "path": ..., "title": ..., "smb_url": ..., "unc_path": ...}`` or the
shorthand string ``"name=/some/path"`` (handy on the command line). A root whose path is
missing or not a directory is kept, marked unavailable with the reason, so that a typo in
the config shows up in the UI and the log instead of stopping the server.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Root names appear in URLs (/fileglancer/api/list/{root}/...), so keep them URL-safe.
_ROOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class RootConfigError(ValueError):
    """An entry of the roots configuration that cannot be used at all."""


@dataclass(frozen=True)
class Root:
    """One configured root. `problem` is None when the root can be browsed."""

    name: str
    path: Path
    title: str
    smb_url: str | None = None
    unc_path: str | None = None
    problem: str | None = None

    @property
    def available(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "path": str(self.path),
            "smb_url": self.smb_url,
            "unc_path": self.unc_path,
            "available": self.available,
            "problem": self.problem,
        }


def parse_root_entry(entry: str | dict[str, Any]) -> Root:
    """Turn one configuration entry into a Root (availability not yet checked).

    Raises RootConfigError with a message naming what is wrong.
    """
    if isinstance(entry, str):
        text = entry.strip()
        if text.startswith("{"):
            try:
                entry = json.loads(text)
            except json.JSONDecodeError as err:
                raise RootConfigError(f"root entry {text!r} is not valid JSON: {err}") from err
        else:
            name, sep, path = text.partition("=")
            if not sep:
                raise RootConfigError(
                    f"root entry {text!r} should look like 'name=/path' or be a mapping"
                )
            entry = {"name": name.strip(), "path": path.strip()}
    if not isinstance(entry, dict):
        raise RootConfigError(f"root entry {entry!r} should be a mapping or 'name=/path'")

    name = entry.get("name")
    raw_path = entry.get("path")
    if not isinstance(name, str) or not _ROOT_NAME.match(name):
        raise RootConfigError(
            f"root name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if not isinstance(raw_path, str) or not raw_path:
        raise RootConfigError(f"root {name!r} has no 'path'")
    unknown = set(entry) - {"name", "path", "title", "smb_url", "unc_path"}
    if unknown:
        raise RootConfigError(f"root {name!r} has unknown keys: {', '.join(sorted(unknown))}")

    path = Path(os.path.expanduser(raw_path))
    if not path.is_absolute():
        raise RootConfigError(f"root {name!r}: path {raw_path!r} must be absolute")
    return Root(
        name=name,
        path=path,
        title=str(entry.get("title") or name),
        smb_url=entry.get("smb_url") or None,
        unc_path=entry.get("unc_path") or None,
    )


def check_availability(root: Root) -> Root:
    """Return the root with `problem` set when its directory cannot be browsed."""
    problem: str | None = None
    if not root.path.exists():
        problem = f"{root.path} does not exist"
    elif not root.path.is_dir():
        problem = f"{root.path} is not a directory"
    elif not os.access(root.path, os.R_OK | os.X_OK):
        problem = f"{root.path} is not readable by this server's user"
    if problem is None:
        # Resolve once so later confinement checks compare real paths.
        return Root(**{**root.__dict__, "path": root.path.resolve()})
    return Root(**{**root.__dict__, "problem": problem})


def load_roots(
    entries: Iterable[str | dict[str, Any]], default_root_dir: str
) -> tuple[list[Root], list[str]]:
    """Build the roots from configuration entries.

    Returns the usable roots (available or not) and a list of human-readable problems
    found in the configuration, for the caller to log. With no entries, the single root
    is the server's root_dir, named "home".
    """
    entries = list(entries)
    if not entries:
        entries = [{"name": "home", "path": os.path.abspath(default_root_dir), "title": "Home"}]

    roots: list[Root] = []
    problems: list[str] = []
    seen: set[str] = set()
    for entry in entries:
        try:
            root = parse_root_entry(entry)
        except RootConfigError as err:
            problems.append(f"ignoring a root: {err}")
            continue
        if root.name in seen:
            problems.append(f"ignoring a second root named {root.name!r}")
            continue
        seen.add(root.name)
        root = check_availability(root)
        if root.problem:
            problems.append(f"root {root.name!r} is unavailable: {root.problem}")
        roots.append(root)
    return roots, problems
