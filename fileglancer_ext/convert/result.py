"""What a finished conversion reports back."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ConversionResult:
    """The written destination, its kind ("ome-zarr", "zarr-array", "ome-tiff", "tiff"),
    the shape of each written level, pixel bytes processed, bytes on disk and wall time;
    `warnings` say what of the source the output could not hold."""

    destination: Path
    kind: str
    level_shapes: list[tuple[int, ...]] = field(default_factory=list)
    bytes_processed: int = 0
    bytes_stored: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["destination"] = str(self.destination)
        data["level_shapes"] = [list(s) for s in self.level_shapes]
        return data


def stored_bytes(path: Path) -> int:
    """Bytes of the files under `path` (or of the file itself)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(folder, name)) for name in files)
    return total
