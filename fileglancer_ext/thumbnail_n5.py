"""The N5 side of the previews: which dataset to draw, and reading it in C order.

An N5 dataset (an `attributes.json` with `dimensions` and `dataType`) is drawn like a plain
Zarr array; an N5 multiscale group (n5-viewer / BigDataViewer: datasets `s0`, `s1`, ...)
by its smallest level, the highest `sN`. N5 lists dimensions fastest first; the reader
hands out the C order (z, y, x) that the renderer expects. Reading goes through
tensorstore's `n5` driver (zarr-python 3 has no N5), which reads only the blocks a
selection touches and gives missing blocks as the fill value (0).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .formats.n5 import scale_level_names


@dataclass(frozen=True)
class N5Level:
    """The N5 dataset to draw: its folder and how messages name it."""

    path: Path
    label: str


def n5_level(path: Path, attrs: dict[str, Any], level_attrs: Any) -> N5Level | None:
    """The dataset to draw for the N5 node at `path` whose attributes are `attrs`: itself
    when it is a dataset, else its highest `sN` level that is one; None when neither.
    `level_attrs(folder)` reads a level's attributes (None when absent)."""
    if _is_dataset(attrs):
        return N5Level(path, "the N5 dataset")
    try:
        names = [entry.name for entry in os.scandir(path) if entry.is_dir()]
    except OSError:
        return None
    for name in reversed(scale_level_names(names)):
        found = level_attrs(path / name)
        if found is not None and _is_dataset(found):
            return N5Level(path / name, f"level {name!r}")
    return None


def _is_dataset(attrs: dict[str, Any]) -> bool:
    return "dimensions" in attrs and "dataType" in attrs


class N5Array:
    """An N5 dataset opened with tensorstore, seen in C order: `shape`, `chunks`, `dtype`
    and basic NumPy selections (ints and slices with steps) that read only what they touch."""

    def __init__(self, path: Path) -> None:
        import tensorstore as ts

        spec = {"driver": "n5", "kvstore": {"driver": "file", "path": os.fspath(path)}}
        self._store = ts.open(spec, read=True).result().T
        self.shape = tuple(int(n) for n in self._store.shape)
        self.chunks = tuple(int(n) for n in self._store.chunk_layout.read_chunk.shape)
        self.dtype = np.dtype(self._store.dtype.numpy_dtype)

    def __getitem__(self, selection: tuple) -> np.ndarray:
        return np.asarray(self._store[selection].read().result())
