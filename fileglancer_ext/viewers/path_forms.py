"""One location spelled for Linux, macOS (SMB) and Windows (UNC).

The Python twin of the frontend's `src/paths.ts` (`pathForms`): the same rules, so that a
path copied from the inspector and a path given by the viewers route never disagree.
Root-relative paths are POSIX; "" is the root itself.
"""

from __future__ import annotations

import re
from typing import TypedDict
from urllib.parse import quote

# RFC 3986 unreserved and sub-delims, plus ":" and "@": left as they are in SMB URLs.
_URL_SAFE_ASCII = "-._~!$&'()*+,;=:@"


class PathForms(TypedDict):
    linux: str
    mac: str | None
    windows: str | None


def path_segments(path: str) -> list[str]:
    """The segments of a root-relative path; "." is dropped and ".." never climbs above root."""
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
            continue
        parts.append(segment)
    return parts


def _trim_trailing(base: str, separator: str) -> str:
    """Drop trailing separators but keep a lone "/" (or the first "\\" of a bare UNC prefix)."""
    trimmed = re.sub(f"{re.escape(separator)}+$", "", base)
    return trimmed if trimmed else base[:1]


def linux_path(root_path: str, path: str) -> str:
    """The root's path on the server joined with the relative path."""
    base = _trim_trailing(root_path, "/")
    segments = path_segments(path)
    if not segments:
        return base
    relative = "/".join(segments)
    return f"{base}{relative}" if base.endswith("/") else f"{base}/{relative}"


def encode_url_segment(segment: str) -> str:
    """Percent-encode what would break an SMB URL (space, #, ?, %, quotes, controls) but
    keep non-ASCII letters readable: Finder takes such internationalized URLs as they are."""
    return "".join(
        char
        if ord(char) > 0x7F or char.isalnum() or char in _URL_SAFE_ASCII
        else quote(char, safe="")
        for char in segment
    )


def mac_path(smb_url: str | None, path: str) -> str | None:
    """The macOS form from the root's `smb_url` ("smb://server/share/..."); None without one."""
    if not smb_url:
        return None
    base = smb_url.rstrip("/")
    segments = [encode_url_segment(s) for s in path_segments(path)]
    return f"{base}/{'/'.join(segments)}" if segments else base


def windows_path(unc_path: str | None, path: str) -> str | None:
    """The Windows form from the root's `unc_path`, with backslashes; None without one."""
    if not unc_path:
        return None
    base = _trim_trailing(unc_path.replace("/", "\\"), "\\")
    segments = path_segments(path)
    return "\\".join([base, *segments])


def path_forms(root_path: str, smb_url: str | None, unc_path: str | None, path: str) -> PathForms:
    """Every form of the root-relative `path` inside a root with these aliases."""
    return {
        "linux": linux_path(root_path, path),
        "mac": mac_path(smb_url, path),
        "windows": windows_path(unc_path, path),
    }
