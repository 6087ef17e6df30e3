"""Inspecting a dataset inside a root: metadata summary, validation, statistics, thumbnail.

Like `browse.service.FileBrowser`, every path goes through `RootRegistry.resolve` first; the
format modules then only ever see a confined real path, and read the files inside it
through `confined_io` within the root (`RootRegistry.within`): a metadata document or
chunk symlinked out of the root, or a FIFO named like one, is reported, never read. The
REST handlers and the CLI (`fileglancer-ext info`) call the same functions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import FileglancerError, Forbidden, NotFound
from ..formats.health import dataset_health
from ..formats.summary import MEMBER_LIMIT, group_members, summarize
from ..formats.validate import validate_dataset
from ..roots import RootRegistry
from ..system.confined_io import ANYWHERE, Within
from .stats.service import StatsService
from .thumbnails.core import render_thumbnail_shown

# Kinds that OME-NGFF validation applies to.
_OME_KINDS = frozenset(
    {"ome-zarr", "ome-zarr-plate", "ome-zarr-well", "ome-zarr-labels", "bioformats2raw"}
)


def describe_dataset(
    path: Path,
    *,
    member_offset: int = 0,
    member_limit: int = MEMBER_LIMIT,
    within: Within = ANYWHERE,
) -> dict[str, Any]:
    """The metadata summary of a real path (see `formats.summary`; group members from
    `member_offset`, at most `member_limit` of them), with `validation`:
    the OME-NGFF validation report for OME kinds, None for the others, and `health`: the
    list of `formats.health` warnings ([] when there is nothing to say). Files are read
    only inside `within` (`confined_io`).

    Raises NotFound for a missing path; problems of the data are reported, never raised.
    """
    summary = summarize(path, member_offset=member_offset, member_limit=member_limit, within=within)
    is_ome = summary["kind"] in _OME_KINDS
    summary["validation"] = validate_dataset(path, within=within).to_json() if is_ome else None
    summary["health"] = dataset_health(summary)
    return summary


def _refuse_unreadable_folder(real: Path, root: str, path: str) -> None:
    """Forbidden for a folder this user may not list or enter: its metadata documents
    would read as missing, and the inspector would call a locked dataset an empty folder."""
    if real.is_dir() and not os.access(real, os.R_OK | os.X_OK):
        shown = path.strip("/") or "/"
        raise Forbidden(f"You do not have permission to read '{shown}' in '{root}'.")


class DatasetInspector:
    """What the inspector panel asks about one path of a root."""

    def __init__(self, registry: RootRegistry, stats: StatsService | None = None) -> None:
        self.registry = registry
        self.stats_service = stats or StatsService()

    def stats(self, root: str, path: str, *, wait: float = 0.5) -> dict[str, Any]:
        """Storage statistics of (root, path): {"state": "done", ...figures} or, while a
        large dataset is still being walked, {"state": "computing", "files_seen", ...}.

        Waits up to `wait` seconds so that small datasets answer "done" at once; call it
        off the event loop. Metadata is read within the root, as `metadata` reads it.
        Raises NotFound / Forbidden when the walk cannot start.
        """
        location = self.registry.resolve(root, path)
        within = self.registry.within(root)
        answer = self.stats_service.request(location.real, wait=wait, within=within)
        if answer["state"] == "error":
            error = {"not_found": NotFound, "forbidden": Forbidden}.get(
                answer["error"], FileglancerError
            )
            raise error(answer["message"])
        return {**answer, "root": root, "path": location.path}

    def close(self) -> None:
        """Stop background work (statistics walks); the server is shutting down."""
        self.stats_service.close()

    def metadata(self, root: str, path: str) -> dict[str, Any]:
        """Summary + raw metadata of the dataset at (root, path).

        Raises BadRequest / Forbidden / NotFound for a path that cannot be inspected;
        problems with the metadata itself are reported inside the answer, never raised.
        """
        location = self.registry.resolve(root, path)
        _refuse_unreadable_folder(location.real, root, location.path)
        summary = describe_dataset(location.real, within=self.registry.within(root))
        summary["root"] = root
        summary["path"] = location.path
        return summary

    def members(self, root: str, path: str, *, offset: int, limit: int) -> dict[str, Any]:
        """One page of the members of the group at (root, path) (see `group_members`)."""
        location = self.registry.resolve(root, path)
        _refuse_unreadable_folder(location.real, root, location.path)
        within = self.registry.within(root)
        page = group_members(location.real, offset=offset, limit=limit, within=within)
        return {**page, "root": root, "path": location.path}

    def thumbnail(self, root: str, path: str, size: int) -> tuple[bytes, str]:
        """A PNG preview (longer edge `size`) of the image at (root, path), and which level
        and plane it shows.

        Raises BadRequest when there is nothing to preview or it would read too much.
        """
        real = self.registry.resolve(root, path).real
        return render_thumbnail_shown(real, size=size, within=self.registry.within(root))
