"""The one bounded reader of metadata documents (zarr.json, .zarray, .zattrs, attributes.json...).

Every feature that reads a dataset's metadata goes through `read_document` (or a
`MetadataReader`, which collects the same errors as problems instead of raising): the file
is opened with `confined_io` (a regular file inside `within`), read up to
`MAX_METADATA_BYTES`, and parsed as JSON. What goes wrong is a `MetadataError` whose message
names the file as the caller names it (dataset-relative, never a server path) and the
reason: "zarr.json is too large (5000000 bytes, over the 4 MiB limit)", "malformed .zattrs:
Expecting value: line 1 column 1 (char 0)", "malformed .zarray: not a JSON object", "cannot
read zarr.json: it is a symbolic link that leads outside the shared folders".

JSON is parsed as Python's `json` does (NaN and Infinity accepted): Zarr v2 writers emitted
them as fill values, and the inspector must still describe such arrays.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import BadRequest
from ..system.confined_io import ANYWHERE, TooLarge, Within, read_bounded

# Metadata documents are small; anything bigger is a mistake or an attack on the listing.
MAX_METADATA_BYTES = 4 * 1024 * 1024


class MetadataError(BadRequest):
    """A metadata document that cannot be used; the message names the file and the reason.

    `reason` is one of "folder" (a folder bears the name), "too_large", "unreadable",
    "malformed" (not JSON, or not an object).
    """

    def __init__(self, name: str, message: str, reason: str) -> None:
        super().__init__(message)
        self.name = name
        self.reason = reason


def short(err: BaseException, limit: int = 160) -> str:
    """An exception's text, cut to `limit` characters (parser messages can be long)."""
    text = str(err) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n % 2**20 == 0 else f"{n} bytes"


def read_raw(
    path: str | os.PathLike[str],
    within: Within = ANYWHERE,
    *,
    limit: int = MAX_METADATA_BYTES,
    name: str | None = None,
) -> bytes | None:
    """The bytes of the document at `path` (confined, at most `limit`); None when it does not
    exist (or is a folder bearing the name); `MetadataError` when it cannot be read."""
    name = name or Path(path).name
    try:
        return read_bounded(path, within, limit=limit)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise MetadataError(name, f"{name} is a folder, not a file", "folder") from None
    except TooLarge as err:
        shown = f"{err.size} bytes, over" if err.size is not None else "over"
        message = f"{name} is too large ({shown} the {_size(limit)} limit)"
        raise MetadataError(name, message, "too_large") from None
    except PermissionError:
        raise MetadataError(name, f"cannot read {name}: permission denied", "unreadable") from None
    except OSError as err:  # confined_io.Refused too: a FIFO, or a symlink out of the roots
        message = f"cannot read {name}: {err.strerror or short(err)}"
        raise MetadataError(name, message, "unreadable") from None


def parse_json(raw: bytes, name: str) -> Any:
    """The JSON value in `raw`; `MetadataError` ("malformed NAME: reason") when it is none."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:  # JSONDecodeError, bad UTF-8, deep nesting
        raise MetadataError(name, f"malformed {name}: {short(err)}", "malformed") from None


def parse_document(raw: bytes, name: str) -> dict[str, Any]:
    """`parse_json`, and the value must be a JSON object."""
    doc = parse_json(raw, name)
    if not isinstance(doc, dict):
        raise MetadataError(name, f"malformed {name}: not a JSON object", "malformed")
    return doc


def read_document(
    path: str | os.PathLike[str],
    within: Within = ANYWHERE,
    *,
    limit: int = MAX_METADATA_BYTES,
    name: str | None = None,
) -> dict[str, Any] | None:
    """The JSON object at `path`, None when the file does not exist, else `MetadataError`.

    `name` is how messages call the file (dataset-relative); its base name by default.
    """
    name = name or Path(path).name
    raw = read_raw(path, within, limit=limit, name=name)
    return None if raw is None else parse_document(raw, name)


class MetadataReader:
    """Reads metadata files below `root` and collects `raw` documents and `problems`.

    `raw` maps a file's path relative to `root` (POSIX style) to its parsed JSON, or None
    when it could not be parsed; `problems` is a list of `{"file", "message"}` without
    duplicates, where "file" is relative to `root` ("." for the summarized folder itself).
    Files are read with `read_raw` / `parse_json`: the same bounds and messages as
    `read_document`, turned into problems instead of raised.
    """

    def __init__(self, root: Path, within: Within = ANYWHERE) -> None:
        self.root = root
        self.within = within
        self.raw: dict[str, Any] = {}
        self.problems: list[dict[str, Any]] = []

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def problem(self, path: Path | None, message: str) -> None:
        entry = {"file": None if path is None else self.rel(path), "message": message}
        if entry not in self.problems:  # e.g. a member that is also a pyramid level
            self.problems.append(entry)

    def read_bytes(self, path: Path, *, limit: int = MAX_METADATA_BYTES) -> bytes | None:
        """The file's bytes, or None (silently) when it is missing, or None with a problem."""
        try:
            return read_raw(path, self.within, limit=limit, name=self.rel(path))
        except MetadataError as err:
            self.problem(path, err.message)
        return None

    def read_json(self, path: Path, *, keep_raw: bool = True, required: bool = False) -> Any:
        """Parsed JSON of `path`, or None when missing/unreadable/malformed (with a problem).

        A missing file is a problem only when `required`. `keep_raw=False` skips the "raw"
        record (member listings would otherwise copy hundreds of documents).
        """
        raw = self.read_bytes(path)
        if raw is None:
            if required and not path.exists():
                self.problem(path, f"{self.rel(path)} is missing")
            if keep_raw and path.exists():
                self.raw[self.rel(path)] = None
            return None
        try:
            doc = parse_json(raw, self.rel(path))
        except MetadataError as err:
            self.problem(path, err.message)
            doc = None
        if keep_raw:
            self.raw[self.rel(path)] = doc
        return doc

    def read_object(self, path: Path, **kwargs: Any) -> dict[str, Any] | None:
        """Like `read_json`, but anything other than a JSON object is a problem and None."""
        doc = self.read_json(path, **kwargs)
        if doc is not None and not isinstance(doc, dict):
            self.problem(path, f"malformed {self.rel(path)}: not a JSON object")
            return None
        return doc


def child(reader: MetadataReader, base: Path, rel: Any) -> Path | None:
    """`base / rel` for a relative path taken from metadata, or None (with a problem) when it
    is not a plain relative path or leads, through `..` or a symlink, outside the summarized
    path: metadata must never make us read (and show) files from elsewhere.
    """
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
        reader.problem(base, f"not a usable relative path in the metadata: {rel!r}")
        return None
    if ".." in rel.split("/"):
        reader.problem(base, f"path {rel!r} in the metadata leaves the dataset")
        return None
    target = base / rel
    try:
        real, root = target.resolve(), reader.root.resolve()
    except (OSError, RuntimeError):  # symlink loops
        reader.problem(base, f"cannot resolve {rel!r}")
        return None
    if real != root and root not in real.parents:
        reader.problem(base, f"path {rel!r} in the metadata leaves the dataset")
        return None
    return target
