"""What every conversion source provides: a picklable reference, shape and dtype in
OME-Zarr axis order, and metadata; plus the mapping from a reader's own axis order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConversionError
from .image_meta import ImageMetadata

OME_ORDER = "tczyx"
# tifffile's axis letters -> OME-Zarr axes. "S" (samples, e.g. RGB) is a channel axis.
_AXIS_NAMES = {"T": "t", "C": "c", "S": "c", "Z": "z", "Y": "y", "X": "x"}


@dataclass(frozen=True)
class SourceImage:
    """A source ready for planning: how to open it, its shape and dtype in OME order."""

    ref: Any  # an ArrayRef whose reader speaks OME order
    shape: tuple[int, ...]
    dtype: np.dtype
    metadata: ImageMetadata


@dataclass(frozen=True)
class AxisMapping:
    """How a source's axes (e.g. tifffile's "ZCYX" or "IYXS") become OME-Zarr axes.

    `keep[i]` is the OME axis of source axis i, or "" for a length-1 axis that is dropped.
    """

    keep: tuple[str, ...]

    @property
    def target_axes(self) -> str:
        return "".join(a for a in OME_ORDER if a in self.keep)

    def read(self, array: Any, region: tuple[slice, ...]) -> np.ndarray:
        """Read the OME-order `region` from `array` (source order), in OME order."""
        by_axis = dict(zip(self.target_axes, region, strict=True))
        selection = tuple(by_axis[a] if a else 0 for a in self.keep)
        block = np.asarray(array[selection])
        kept = [a for a in self.keep if a]
        return np.ascontiguousarray(block.transpose([kept.index(a) for a in self.target_axes]))


def map_axes(source_axes: str, shape: tuple[int, ...]) -> AxisMapping:
    """Name every source axis in OME terms; unknown axes of length > 1 (tifffile's "I"
    or "Q" of a plain page stack) become z, then t, then c, whichever is still free."""
    keep: list[str] = []
    for letter, size in zip(source_axes.upper(), shape, strict=True):
        name = _AXIS_NAMES.get(letter, "")
        if name in keep and size == 1:
            name = ""
        if name in keep or (not name and size > 1):
            free = [a for a in "ztc" if a not in keep]
            if not free:
                raise ConversionError(f"cannot map the axes {source_axes!r} to OME-Zarr axes")
            name = free[0]
        keep.append(name)
    return AxisMapping(tuple(keep))


def file_stamp(path: str) -> tuple[int, int]:
    """(mtime in ns, size) of a file: part of a source ref, so that a process that cached
    an open handle never reads a file that was replaced since under the same name."""
    import os

    stat = os.stat(path)
    return (stat.st_mtime_ns, stat.st_size)
