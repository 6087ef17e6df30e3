"""From a submitted job's JSON to a checked conversion, before any work starts.

Everything a user can get wrong is refused here, with a status, rather than accepted and
failed later: an unknown kind or option, an option of the wrong type, a path that leaves
the roots, a source that cannot be read, a destination folder that cannot be written, and
an existing destination without `overwrite`.
"""

from __future__ import annotations

import os
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..convert import ConversionOptions
from ..convert.atomic import RESERVED_NAMES, LocationChanged
from ..errors import BadRequest, DestinationExists, FileglancerError, Forbidden
from ..roots import RootRegistry
from .kinds import AUTO, choose_kind

_BODY_KEYS = {"kind", "source", "destination", "options"}
# The server decides how many processes a job uses (FileglancerApp.conversion_processes).
SERVER_OPTIONS = frozenset({"workers"})
# One task holds this many bytes of pixels in a worker; more would let a request decide
# how much memory the server's machine gives away.
MAX_TASK_BYTES = 1 << 30
_MAX_NAME_BYTES = 255


@dataclass(frozen=True)
class JobRequest:
    """A checked submission: where from and to (as the user named them and for real),
    the kind to run, the options as sent and as the library takes them."""

    kind: str
    source_root: str
    source_path: str
    source: Path
    destination_root: str
    destination_path: str
    destination: Path
    options_json: dict[str, Any]
    options: ConversionOptions


def parse_submission(body: dict[str, Any], registry: RootRegistry) -> JobRequest:
    """Check a `POST /jobs` body against the roots. Raises BadRequest (malformed, unknown
    kind or option, `..`), NotFound (source or destination folder missing), Forbidden
    (outside the roots, unreadable source, unwritable folder) or DestinationExists."""
    unknown = sorted(set(body) - _BODY_KEYS)
    if unknown:
        raise BadRequest(f"Unknown field(s) in the job: {', '.join(unknown)}.")
    kind = body.get("kind", AUTO)
    if not isinstance(kind, str):
        raise BadRequest("'kind' must be text.")
    options_json = body.get("options")
    if options_json is None:
        options_json = {}
    options = parse_options(options_json)
    source_root, source_path = _location(body, "source")
    destination_root, destination_path = _location(body, "destination")

    source = registry.resolve(source_root, source_path).real
    wanted = os.R_OK | (os.X_OK if source.is_dir() else 0)
    if not os.access(source, wanted):
        raise Forbidden(f"You do not have permission to read '{source_path}' in '{source_root}'.")
    destination = _destination(registry, destination_root, destination_path, options.overwrite)
    if source != destination and source.is_relative_to(destination):
        raise BadRequest(
            f"The destination '{destination_path}' contains the source; choose another name."
        )
    kind, options = choose_kind(kind, source, destination, options)
    return JobRequest(
        kind=kind,
        source_root=source_root,
        source_path=source_path,
        source=source,
        destination_root=destination_root,
        destination_path=destination_path,
        destination=destination,
        options_json=options_json,
        options=options,
    )


def resolve_again(request: JobRequest, registry: RootRegistry) -> None:
    """Resolve a queued job's source and destination folder again as it starts, from the
    root names and paths the user gave.

    Each must still lead where it led at submission: a folder renamed or swapped for a
    symlink meanwhile (out of the roots, or to another place in them) fails the job with
    LocationChanged, so a job never writes through a path nobody checked.
    """
    folder_path = request.destination_path.rpartition("/")[0]
    folder = request.destination.parent
    places = (
        ("source", request.source_root, request.source_path, request.source),
        ("destination folder", request.destination_root, folder_path, folder),
    )
    for what, root, path, checked in places:
        shown = f"'{path or '/'}' in '{root}'"
        try:
            now = registry.resolve(root, path).real
        except FileglancerError as err:
            why = err.message.rstrip(".")
            raise LocationChanged(
                f"The {what} {shown} changed since the job was submitted ({why}); "
                "nothing was written. Submit the job again."
            ) from None
        if now != checked:
            raise LocationChanged(
                f"The {what} {shown} was moved or replaced since the job was submitted; "
                "nothing was written. Submit the job again."
            )


def destination_folder(request: JobRequest, registry: RootRegistry) -> Path:
    """The real path the destination's folder resolves to now (raises as `resolve`)."""
    return registry.resolve(
        request.destination_root, request.destination_path.rpartition("/")[0]
    ).real


def parse_options(data: Any) -> ConversionOptions:
    """ConversionOptions from the job's "options" object; BadRequest naming a bad one."""
    if not isinstance(data, dict):
        raise BadRequest("'options' must be a JSON object.")
    refused = sorted(SERVER_OPTIONS & set(data))
    if refused:
        raise BadRequest(f"The server decides {', '.join(refused)}; leave it out of 'options'.")
    hints = typing.get_type_hints(ConversionOptions)
    known = {f.name for f in fields(ConversionOptions)}
    for name, value in data.items():
        if name in known and not _has_type(value, hints[name]):
            raise BadRequest(f"Option '{name}' has the wrong type: {value!r}.")
    options = ConversionOptions.from_json(data)  # refuses unknown names and bad values
    if options.task_bytes > MAX_TASK_BYTES:
        raise BadRequest(f"task_bytes must be at most {MAX_TASK_BYTES >> 20} MiB.")
    return options


def _has_type(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a ConversionOptions annotation (JSON arrays for tuples)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_has_type(value, arm) for arm in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if typing.get_origin(hint) is tuple:
        return isinstance(value, list) and all(_has_type(v, int) for v in value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _location(body: dict[str, Any], key: str) -> tuple[str, str]:
    """(root, normalised path) of body[key] = {"root": ..., "path": ...}."""
    where = body.get(key)
    if not isinstance(where, dict):
        raise BadRequest(f'\'{key}\' must be an object {{"root": ..., "path": ...}}.')
    root, path = where.get("root"), where.get("path", "")
    if not isinstance(root, str) or not isinstance(path, str):
        raise BadRequest(f"'{key}.root' and '{key}.path' must be text.")
    return root, "/".join(part for part in path.split("/") if part not in ("", "."))


def _destination(registry: RootRegistry, root: str, path: str, overwrite: bool) -> Path:
    """The real path to create: its folder resolved through the roots, its name checked."""
    folder_path, _, name = path.rpartition("/")
    if not name:
        raise BadRequest("The destination needs a name inside a folder.")
    if (
        name == ".."
        or "\\" in name
        or "\x00" in name
        or _name_bytes(name) > _MAX_NAME_BYTES
        or name in RESERVED_NAMES
    ):
        raise BadRequest(f"{name!r} cannot be the name of the destination.")
    folder = registry.resolve(root, folder_path).real  # `..`, NUL, confinement, existence
    if not folder.is_dir():
        raise BadRequest(f"'{folder_path}' in '{root}' is not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Forbidden(
            f"You do not have permission to write in '{folder_path or '/'}' of '{root}'."
        )
    destination = folder / name
    if os.path.lexists(destination):
        if not overwrite:
            raise DestinationExists(
                f"'{path}' already exists in '{root}'; choose another name or allow overwriting."
            )
        registry.resolve(root, path)  # what gets replaced must be inside the roots too
    return destination


def _name_bytes(name: str) -> int:
    try:
        return len(os.fsencode(name))
    except UnicodeEncodeError:  # not a file name this server's file system can spell
        return _MAX_NAME_BYTES + 1
