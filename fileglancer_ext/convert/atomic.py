"""Outputs that appear complete or not at all.

Every converter writes into a hidden sibling of the destination (``.NAME.partial-XXXX/NAME``)
and renames it into place only when everything is written, so a reader, a crash, a full
disk or a cancel never leaves something that looks like a finished dataset.
"""

from __future__ import annotations

import errno
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConversionError, DestinationExists, OutOfSpace

PARTIAL_MARKER = ".partial-"


def partial_prefix(destination: Path) -> str:
    return f".{destination.name}{PARTIAL_MARKER}"


def check_destination(destination: Path, *, overwrite: bool) -> None:
    """Raise DestinationExists unless the destination is free (or overwrite is asked)."""
    if destination.exists() and not overwrite:
        raise DestinationExists(
            f"{destination} already exists; choose another name or allow overwriting"
        )


@contextmanager
def staged_output(destination: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield the path to write to; on success move it to `destination`.

    Raises DestinationExists when the destination exists and overwrite is False, and
    OutOfSpace when the disk fills up; on any error (or cancel) the staging folder is
    removed before the error propagates.
    """
    destination = Path(destination)
    check_destination(destination, overwrite=overwrite)
    if not destination.parent.is_dir():
        raise ConversionError(f"the destination folder {destination.parent} does not exist")
    staging = Path(tempfile.mkdtemp(prefix=partial_prefix(destination), dir=destination.parent))
    try:
        built = staging / destination.name
        try:
            yield built
        except OSError as err:
            raise _as_conversion_error(err, destination) from err
        if destination.exists():
            if not overwrite:  # someone else finished first: keep theirs
                raise DestinationExists(f"{destination} appeared while converting")
            destination.rename(staging / ".replaced")
        built.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _as_conversion_error(err: OSError, destination: Path) -> ConversionError:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutOfSpace(
            f"no space left on the device while writing {destination.name}; "
            "nothing was written. Free some space or choose another folder."
        )
    return ConversionError(f"writing {destination.name} failed: {err.strerror or err}")
