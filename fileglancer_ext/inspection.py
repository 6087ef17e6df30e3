"""Inspecting a dataset inside a root: metadata summary, validation, statistics, thumbnail.

Like `browse.FileBrowser`, every path goes through `RootRegistry.resolve` first; the
format modules then only ever see a confined real path. The REST handlers and the CLI
(`fileglancer-ext info`) call the same functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .formats.summary import summarize
from .roots import RootRegistry


def describe_dataset(path: Path) -> dict[str, Any]:
    """The metadata summary of a real path (see `formats.summary`)."""
    return summarize(path)


class DatasetInspector:
    """What the inspector panel asks about one path of a root."""

    def __init__(self, registry: RootRegistry) -> None:
        self.registry = registry

    def metadata(self, root: str, path: str) -> dict[str, Any]:
        """Summary + raw metadata of the dataset at (root, path).

        Raises BadRequest / Forbidden / NotFound for a path that cannot be inspected;
        problems with the metadata itself are reported inside the answer, never raised.
        """
        real = self.registry.resolve(root, path)
        summary = describe_dataset(real)
        summary["root"] = root
        summary["path"] = path.strip("/")
        return summary
