"""From a submitted job's JSON to a checked conversion, before any work starts.

Everything a user can get wrong is refused here, with a status, rather than accepted and
failed later: an unknown kind or option, an option of the wrong type, a path that leaves
the roots, a source that cannot be read, a destination folder that cannot be written, and
an existing destination without `overwrite`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..convert import ConversionOptions
from ..convert.atomic import LocationChanged
from ..convert.registry import AUTO, check_conversion, check_destination_name
from ..errors import BadRequest, FileglancerError
from ..roots import RootRegistry

_BODY_KEYS = {"kind", "source", "destination", "options"}
# The server decides how many processes a job uses (FileglancerApp.conversion_processes).
SERVER_OPTIONS = frozenset({"workers"})
# One task holds this many bytes of pixels in a worker; more would let a request decide
# how much memory the server's machine gives away.
MAX_TASK_BYTES = 1 << 30


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
    folder_path, _, name = destination_path.rpartition("/")
    if not name:
        raise BadRequest("The destination needs a name inside a folder.")
    check_destination_name(name)  # before it is looked up: `..`, NUL, reserved names
    destination = registry.resolve(destination_root, folder_path).real / name
    if options.overwrite and os.path.lexists(destination):
        # What gets replaced must be inside the roots too.
        registry.resolve(destination_root, destination_path)
    # The registry's checks, naming places as the user did (no server path).
    shown = {
        source: f"'{source_path}' in '{source_root}'",
        destination: f"'{destination_path}' in '{destination_root}'",
    }
    checked = check_conversion(
        source,
        destination,
        options,
        kind=kind,
        shown=shown.__getitem__,
        shown_folder=f"'{folder_path or '/'}' of '{destination_root}'",
    )
    return JobRequest(
        kind=checked.kind.name,
        source_root=source_root,
        source_path=source_path,
        source=source,
        destination_root=destination_root,
        destination_path=destination_path,
        destination=destination,
        options_json=options_json,
        options=checked.options,
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
    options = ConversionOptions.from_json(data)  # unknown names, wrong types, bad values
    if options.task_bytes > MAX_TASK_BYTES:
        raise BadRequest(f"task_bytes must be at most {MAX_TASK_BYTES >> 20} MiB.")
    return options


def _location(body: dict[str, Any], key: str) -> tuple[str, str]:
    """(root, normalised path) of body[key] = {"root": ..., "path": ...}."""
    where = body.get(key)
    if not isinstance(where, dict):
        raise BadRequest(f'\'{key}\' must be an object {{"root": ..., "path": ...}}.')
    root, path = where.get("root"), where.get("path", "")
    if not isinstance(root, str) or not isinstance(path, str):
        raise BadRequest(f"'{key}.root' and '{key}.path' must be text.")
    return root, "/".join(part for part in path.split("/") if part not in ("", "."))
