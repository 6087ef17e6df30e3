"""The N5 side of the previews: which dataset to draw, and reading it in C order.

An N5 dataset (an `attributes.json` with `dimensions` and `dataType`) is drawn like a plain
Zarr array; an N5 multiscale group (n5-viewer / BigDataViewer: datasets `s0`, `s1`, ...)
by its smallest level, the highest `sN`. N5 lists dimensions fastest first; the reader
hands out the C order (z, y, x) that the renderer expects. Decoding goes through
tensorstore's `n5` driver (zarr-python 3 has no N5); the files are read by `confined_io`
(see `N5Array`): only the blocks a selection touches, missing blocks as the fill value (0).
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...formats.model import is_n5_dataset
from ...formats.n5 import scale_level_names
from ...system.confined_io import ANYWHERE, Refused, Within, read_bounded

MAX_ATTRIBUTES_BYTES = 4 * 2**20


@dataclass(frozen=True)
class N5Level:
    """The N5 dataset to draw: its folder and how messages name it."""

    path: Path
    label: str


def n5_level(path: Path, attrs: dict[str, Any], level_attrs: Any) -> N5Level | None:
    """The dataset to draw for the N5 node at `path` whose attributes are `attrs`: itself
    when it is a dataset, else its highest `sN` level that is one; None when neither.
    `level_attrs(folder)` reads a level's attributes (None when absent)."""
    if is_n5_dataset(attrs):
        return N5Level(path, "the N5 dataset")
    try:
        names = [entry.name for entry in os.scandir(path) if entry.is_dir()]
    except OSError:
        return None
    for name in reversed(scale_level_names(names)):
        found = level_attrs(path / name)
        if found is not None and is_n5_dataset(found):
            return N5Level(path / name, f"level {name!r}")
    return None


class N5Array:
    """An N5 dataset read with tensorstore, seen in C order: `shape`, `chunks`, `dtype`
    and basic NumPy selections (ints and slices with steps) that read only what they touch.

    tensorstore never sees the folder: it reads an in-memory key-value store into which
    the dataset's `attributes.json` and the blocks a selection touches are copied through
    `confined_io`. So a block that is a FIFO or a symlink out of `within` raises
    `confined_io.Refused` instead of being read, the check is made on the descriptor that
    is read, and tensorstore's messages never name the server's path.
    """

    def __init__(self, path: Path, within: Within = ANYWHERE) -> None:
        import tensorstore as ts

        self._path, self._within = path, within
        self._context = ts.Context()
        self._kvstore = ts.KvStore.open({"driver": "memory"}, context=self._context).result()
        self._copy("attributes.json", MAX_ATTRIBUTES_BYTES, required=True)
        spec = {"driver": "n5", "kvstore": {"driver": "memory"}}
        self._store = ts.open(spec, read=True, context=self._context).result().T
        self.shape = tuple(int(n) for n in self._store.shape)
        self.chunks = tuple(int(n) for n in self._store.chunk_layout.read_chunk.shape)
        self.dtype = np.dtype(self._store.dtype.numpy_dtype)
        self._copied: set[str] = set()

    def __getitem__(self, selection: tuple) -> np.ndarray:
        # Blocks hold at most a chunk's bytes, plus compression overhead and a header.
        limit = math.prod(self.chunks) * self.dtype.itemsize * 2 + 65536
        for key in self._block_keys(selection):
            if key not in self._copied:
                self._copy(key, limit)
                self._copied.add(key)
        return np.asarray(self._store[selection].read().result())

    def _block_keys(self, selection: tuple) -> list[str]:
        """The N5 keys ("i/j/k", fastest dimension first) of the blocks `selection` touches."""
        per_axis = []
        for item, size, chunk in zip(selection, self.shape, self.chunks, strict=True):
            if isinstance(item, slice):
                indices = {i // chunk for i in range(*item.indices(size))}
            else:
                indices = {(int(item) % size) // chunk}
            per_axis.append(sorted(indices))
        return ["/".join(str(i) for i in reversed(cell)) for cell in itertools.product(*per_axis)]

    def _copy(self, key: str, limit: int, *, required: bool = False) -> None:
        try:
            raw = read_bounded(self._path / key, self._within, limit=limit)
        except (FileNotFoundError, NotADirectoryError):
            if required:
                raise
            return  # a missing block reads as the fill value
        except Refused as err:
            raise Refused(err.errno, f"cannot read {key!r}: {err.strerror}") from None
        self._kvstore.write(key, raw).result()
