"""Configured roots: the named file shares that fileglancer-ext lets users browse.

`RootRegistry.resolve` is the one place that turns a user's (root name, relative path) into
a real path on disk; everything that touches the filesystem on a user's behalf goes
through it, so confinement to the roots is decided here and nowhere else.

An admin configures roots as a list of entries, each either a mapping
``{"name": ..., "path": ..., "title": ..., "smb_url": ..., "unc_path": ...}`` or the
shorthand string ``"name=/some/path"`` (handy on the command line). A root whose path is
missing or not a directory is kept, marked unavailable with the reason, so that a typo in
the config shows up in the UI and the log instead of stopping the server.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadRequest, Forbidden, NotFound
from .system.confined_io import Within

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
    """Return the root with `problem` set when its directory cannot be browsed.

    The problem is shown to users, so it does not name the server's path (the admin's
    log line from `load_roots` does).
    """
    problem: str | None = None
    if not root.path.exists():
        problem = "its folder does not exist"
    elif not root.path.is_dir():
        problem = "its path is not a folder"
    elif not os.access(root.path, os.R_OK | os.X_OK):
        problem = "its folder is not readable by this server's user"
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
            problems.append(f"root {root.name!r} ({root.path}) is unavailable: {root.problem}")
        roots.append(root)
    return roots, problems


# --- confinement ----------------------------------------------------------------------------

# "C:\\..." or "C:/...": a Windows absolute path pasted into the path box.
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class Location:
    """Where a user's (root, path) leads, as `RootRegistry.resolve` checked it.

    `path` is the canonical spelling every answer repeats ("a/b" for "a//./b/", "" for
    the root itself), as the user named it: through a symlink between roots it may differ
    from `real`'s place. `real` is the symlink-free path on disk; never show it to users.
    """

    root: str
    path: str
    real: Path


class RootRegistry:
    """The configured roots, and the one safe way from a user's (root, path) to a real path.

    `resolve` rejects everything that could leave the roots: NUL bytes, absolute paths, `..`
    components, and symlinks whose target lies outside the root, unless
    `allow_symlinks_between_roots` is on and the target lies inside another available root.
    All comparisons are made on fully resolved paths, component by component.
    """

    def __init__(self, roots: Iterable[Root], *, allow_symlinks_between_roots: bool = False):
        self._roots: dict[str, Root] = {}
        for root in roots:
            self._roots.setdefault(root.name, root)  # like load_roots: the first name wins
        self.allow_symlinks_between_roots = allow_symlinks_between_roots
        # Resolve again: a Root built by hand (not by check_availability) may name its
        # directory through a symlink, and confinement must compare real paths only.
        self._real: dict[str, Path] = {
            name: Path(os.path.realpath(root.path))
            for name, root in self._roots.items()
            if root.available
        }
        # Deepest first so that locate() names the most specific of nested roots; the sort
        # is stable, so equally deep roots keep their configured order.
        self._deepest_first = sorted(
            self._real.items(), key=lambda item: len(item[1].parts), reverse=True
        )

    @property
    def roots(self) -> tuple[Root, ...]:
        """Every configured root, available or not, in configured order."""
        return tuple(self._roots.values())

    def get(self, name: str) -> Root:
        """The root called `name`.

        Raises NotFound when no root has that name and Forbidden when the root is
        configured but unavailable (the message says why).
        """
        root = self._roots.get(name)
        if root is None:
            raise NotFound(f"There is no shared folder named '{name}'.")
        if not root.available:
            raise Forbidden(f"The shared folder '{name}' is unavailable: {root.problem}.")
        return root

    def resolve(self, root_name: str, rel_path: str) -> Location:
        """The location of `rel_path` inside the root `root_name`: its canonical relative
        path and its real (symlink-free) path, which exists.

        `rel_path` is a posix path relative to the root; "" and "/" mean the root itself,
        and extra leading, trailing or repeated slashes are ignored. Raises:
        BadRequest for a NUL byte, an absolute path ("//...", "C:\\...") or a `..` part;
        NotFound / Forbidden for an unknown / unavailable root (see `get`);
        Forbidden when the path leads outside the shared folders, or when reading it is
        not permitted; NotFound when nothing is there. Messages name the root and the
        relative path, never the server's real path.
        """
        self.get(root_name)
        parts = _split_user_path(rel_path)
        shown = "/".join(parts) or "/"
        real = Path(os.path.realpath(self._real[root_name].joinpath(*parts)))
        # Confinement before existence: a missing file outside the roots gets the same
        # answer as an existing one, so probing reveals nothing about the server.
        if not self._admits(root_name, real):
            raise Forbidden(f"'{shown}' in '{root_name}' points outside the shared folders.")
        _check_exists(real, root_name, shown)
        return Location(root_name, "/".join(parts), real)

    def relative(self, root_name: str, real: Path) -> str:
        """The posix path of `real` relative to the root ("" for the root itself).

        `real` must be a resolved path inside that root, e.g. from `resolve`. Raises
        NotFound / Forbidden as `get` does, and ValueError when `real` is not inside the
        root (a path reached through a symlink into another root belongs to that root:
        ask `locate` for it).
        """
        self.get(root_name)
        base = self._real[root_name]
        if not _within(real, base):
            raise ValueError(f"{real} is not inside the root '{root_name}'")
        return "" if real == base else real.relative_to(base).as_posix()

    def locate(self, real: Path) -> tuple[str, str] | None:
        """(root name, relative path) of the available root that holds `real`, or None.

        `real` is resolved first. When roots are nested, the deepest one is named.
        """
        try:
            real = Path(os.path.realpath(real))
        except (OSError, ValueError):
            return None
        name = self._owner(real)
        return None if name is None else (name, self.relative(name, real))

    def within(self, root_name: str) -> Within:
        """Where reads inside a dataset of this root may lead (`confined_io`): the root,
        or every available root when `allow_symlinks_between_roots` is on; as `resolve`.
        Raises NotFound / Forbidden as `get` does."""
        self.get(root_name)
        if self.allow_symlinks_between_roots:
            return self.within_any()
        return Within.folders(self._real[root_name])

    def shown(self, text: str) -> str:
        """`text` with every available root's real path spelled "name:" (the deepest root
        first): what a message may show a user instead of the server's paths."""
        for name, real in self._deepest_first:
            text = text.replace(f"{real}/", f"{name}:").replace(str(real), f"{name}:")
        return text

    def outside_message(self, shown: str) -> str:
        """What a user is told about a path that lies in no root: that it is outside them,
        and which roots there are (by name, never by the server's path), so they can tell
        a typo from a folder that is simply not shared."""
        names = [f"'{root.name}'" for root in self._roots.values() if root.available]
        if not names:
            return f"'{shown}' is outside the shared folders, and none is available here."
        listed = ", ".join(names)
        noun = "folder is" if len(names) == 1 else "folders are"
        return f"'{shown}' is outside the shared folders. The shared {noun} {listed}."

    def within_any(self) -> Within:
        """Reads confined to the available roots, whichever holds them (listings)."""
        return Within.folders(*self._real.values())

    def is_inside(self, root_name: str, real: Path) -> bool:
        """Whether `resolve` would admit `real` (resolved first) for this root; never raises.

        For listings: a symlink entry whose target is outside is shown but not readable.
        False for an unknown or unavailable root.
        """
        if root_name not in self._real:
            return False
        try:
            real = Path(os.path.realpath(real))
        except (OSError, ValueError):
            return False
        return self._admits(root_name, real)

    def _admits(self, root_name: str, real: Path) -> bool:
        if _within(real, self._real[root_name]):
            return True
        return self.allow_symlinks_between_roots and self._owner(real) is not None

    def _owner(self, real: Path) -> str | None:
        for name, base in self._deepest_first:
            if _within(real, base):
                return name
        return None


def _within(path: Path, base: Path) -> bool:
    # Component-wise, never a string prefix: /data/lab must not contain /data/lab2.
    return path.is_relative_to(base)


def _split_user_path(rel_path: str) -> list[str]:
    """The components of a user's relative path; BadRequest for anything unsafe."""
    if "\x00" in rel_path:
        raise BadRequest("The path contains a NUL byte.")
    if rel_path.startswith("//") or _WINDOWS_DRIVE.match(rel_path.removeprefix("/")):
        raise BadRequest(f"'{rel_path}' is an absolute path; give a path inside the shared folder.")
    try:
        os.fsencode(rel_path)
    except UnicodeEncodeError:
        raise BadRequest("The path is not a valid file name on this server.") from None
    parts = [part for part in rel_path.split("/") if part not in ("", ".")]
    # Rejected even when it would stay inside: simpler to reason about, and never needed.
    if ".." in parts:
        raise BadRequest("The path must not contain '..'.")
    return parts


def _check_exists(real: Path, root_name: str, shown: str) -> None:
    """Stat `real`, turning failures into errors that name only the user's path."""
    try:
        os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"'{shown}' does not exist in the shared folder '{root_name}'.") from None
    except PermissionError:
        raise Forbidden(f"You do not have permission to read '{shown}' in '{root_name}'.") from None
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:
            raise BadRequest(f"The path '{shown}' is too long.") from None
        if err.errno == errno.ELOOP:
            reason = "it is a loop of symbolic links"
        else:
            reason = err.strerror or "the server could not open it"
        raise NotFound(f"'{shown}' in '{root_name}' cannot be opened: {reason}.") from None
