"""N5 datasets as dask arrays, through tensorstore, locally or over HTTP.

zarr-python 3 dropped N5; tensorstore's `n5` driver is maintained and reads both a file
system and HTTP (a data link). N5 stores dimensions fastest first; everything here is
transposed to the C order (z, y, x) that zarr and z5py users expect. Pixel sizes follow
the n5-viewer / BigDataViewer conventions: `pixelResolution` (or `resolution` + `units`)
on the group or dataset, multiplied by a level's `downsamplingFactors`.

A FIFO, socket or device named like `attributes.json` or a block never blocks the kernel:
local metadata is read through `confined_io` (which refuses them without opening them),
and each read first stats the blocks it touches. This code runs with the user's own rights
in their kernel, so it confines nothing (symlinks lead anywhere the user may read): it only
keeps a read from waiting forever on a named pipe.
"""

from __future__ import annotations

import itertools
import operator
import os
import stat
from dataclasses import dataclass, field
from typing import Any

from ..errors import BadRequest
from ..formats.jsonio import MetadataError, parse_document, read_document
from ..formats.model import is_n5_dataset
from ..formats.n5 import scale_level_names
from ..system.confined_io import NotRegularFile, Refused


@dataclass
class N5Image:
    """One N5 dataset opened lazily, with its C-order axis names and pixel sizes."""

    data: Any
    dims: list[str]
    scale: list[float] | None = None
    units: dict[str, str] = field(default_factory=dict)
    path: str = "."


class _TensorStoreSlices:
    """What `dask.array.from_array` needs from a tensorstore array: numpy blocks on demand.

    `folder`: the local N5 dataset's folder, whose blocks are checked before each read
    (None over HTTP)."""

    def __init__(self, store: Any, folder: str | None = None) -> None:
        self.store = store
        self.shape = tuple(store.shape)
        self.dtype = store.dtype.numpy_dtype
        self.ndim = len(self.shape)
        self.chunks = tuple(max(1, int(n)) for n in store.chunk_layout.read_chunk.shape)
        self.folder = folder

    def __getitem__(self, key: Any) -> Any:
        if self.folder is not None:
            for block in _block_keys(key, self.shape, self.chunks):
                _check_block(self.folder, block)
        return self.store[key].read().result()


def _block_keys(key: Any, shape: tuple[int, ...], chunks: tuple[int, ...]) -> list[str]:
    """The N5 keys ("i/j/k", fastest dimension first) of the blocks the C-order selection
    `key` touches; every block along an axis indexed by anything but an int or a slice."""
    key = key if isinstance(key, tuple) else (key,)
    at = next((i for i, item in enumerate(key) if item is Ellipsis), None)
    if at is not None:
        key = key[:at] + (slice(None),) * (len(shape) - len(key) + 1) + key[at + 1 :]
    key = key + (slice(None),) * (len(shape) - len(key))
    per_axis: list[Any] = []
    for item, size, chunk in zip(key, shape, chunks, strict=False):
        if isinstance(item, slice):
            indices = range(*item.indices(size))
            if not indices:
                return []  # an empty selection reads nothing
            low, high = min(indices[0], indices[-1]), max(indices[0], indices[-1])
            per_axis.append(range(low // chunk, high // chunk + 1))
        else:
            try:
                per_axis.append([(operator.index(item) % size) // chunk])
            except TypeError:  # an index array, a mask, None...: every block, to be sure
                per_axis.append(range(-(-size // chunk)))
    return ["/".join(str(i) for i in reversed(cell)) for cell in itertools.product(*per_axis)]


def _check_block(folder: str, key: str) -> None:
    """Refuse a block that is a FIFO, socket or device (reading it could wait forever); a
    missing block reads as the fill value, anything else is tensorstore's to report."""
    try:
        mode = os.stat(os.path.join(folder, key)).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        err = NotRegularFile(mode)
        raise Refused(err.errno, f"cannot read the N5 block {key!r}: {err.strerror}")


def open_n5(kvstore: dict[str, Any], level: int) -> N5Image:
    """The N5 dataset at `kvstore` (file or http spec), or level `s{level}` of an N5 group.

    Raises BadRequest when there is no such dataset or level.
    """
    import dask.array as da
    import tensorstore as ts

    group_attrs = _attributes(kvstore, "")
    if "dimensions" in group_attrs:  # a dataset, not a multiscale group
        if level != 0:
            raise BadRequest(f"an N5 dataset has only level 0, not {level}")
        sub, attrs = "", group_attrs
    else:
        names = _scale_levels(kvstore)
        if names is not None and level >= len(names):
            raise BadRequest(f"the N5 group has {len(names)} level(s); there is no level {level}")
        sub = names[level] if names is not None else f"s{level}"
        attrs = _attributes(kvstore, sub)
        if "dimensions" not in attrs:
            raise BadRequest(f"no N5 dataset {sub!r} here")
    spec = {"driver": "n5", "kvstore": {**kvstore, "path": _join(kvstore, sub)}}
    try:
        store = ts.open(spec, read=True).result().T  # C order
    except ValueError as err:
        raise BadRequest(f"cannot open the N5 dataset: {err}") from err
    chunks = tuple(store.chunk_layout.read_chunk.shape)
    folder = _join(kvstore, sub) if kvstore["driver"] == "file" else None
    data = da.from_array(_TensorStoreSlices(store, folder), chunks=chunks, asarray=True)
    dims = _dims(group_attrs.get("axes") or attrs.get("axes"), store.rank)
    scale, units = _pixel_sizes(group_attrs, attrs, dims)
    return N5Image(data, dims, scale, units, sub or ".")


def _attributes(kvstore: dict[str, Any], sub: str) -> dict[str, Any]:
    """attributes.json below `sub` (read by `jsonio`), or {} when absent, too large or
    malformed; BadRequest when it cannot be read: a local FIFO, socket or device
    (tensorstore would wait on it) or a file without read permission."""
    import tensorstore as ts

    path = _join(kvstore, sub)
    name = f"{sub}/attributes.json" if sub else "attributes.json"
    try:
        if kvstore["driver"] == "file":
            attrs = read_document(os.path.join(path, "attributes.json"), name=name)
            return attrs if attrs is not None else {}
        # A kvstore path is a key prefix: without the slash, "attributes.json" is a sibling.
        base = {**kvstore, "path": path if not path or path.endswith("/") else path + "/"}
        try:
            found = ts.KvStore.open(base).result().read("attributes.json").result()
        except (ValueError, OSError):
            return {}
        return parse_document(found.value, name) if found.state == "value" else {}
    except MetadataError as err:
        if err.reason == "unreadable":  # a FIFO or device: never waited on; or no permission
            raise
        return {}  # too large or malformed: no usable attributes


def _scale_levels(kvstore: dict[str, Any]) -> list[str] | None:
    """The `sN` datasets of a local N5 group in scale order, as the statistics and the
    previews list them (a missing s1 makes s2 level 1); None over HTTP, which lists nothing."""
    if kvstore["driver"] != "file":
        return None
    try:
        with os.scandir(kvstore["path"]) as entries:
            names = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return None
    return [name for name in scale_level_names(names) if is_n5_dataset(_attributes(kvstore, name))]


def _join(kvstore: dict[str, Any], sub: str) -> str:
    root = kvstore.get("path", "")
    if kvstore["driver"] == "http":
        return f"{root}{sub}/" if sub else root
    return os.path.join(root, sub) if sub else root


def _dims(axes: Any, ndim: int) -> list[str]:
    if isinstance(axes, list) and len(axes) == ndim and all(isinstance(a, str) for a in axes):
        return [a.lower() for a in reversed(axes)]
    return ["c", "z", "y", "x"][-ndim:] if ndim <= 4 else [f"dim_{i}" for i in range(ndim)]


def _pixel_sizes(
    group: dict[str, Any], dataset: dict[str, Any], dims: list[str]
) -> tuple[list[float] | None, dict[str, str]]:
    """C-order pixel sizes of a level and their units, from n5-viewer conventions."""
    resolution, unit_list = None, None
    for attrs in (dataset, group):
        pixel = attrs.get("pixelResolution")
        if isinstance(pixel, dict) and isinstance(pixel.get("dimensions"), list):
            resolution, unit_list = pixel["dimensions"], [pixel.get("unit")] * len(dims)
        elif isinstance(pixel, list):
            resolution = pixel
        elif isinstance(attrs.get("resolution"), list):
            resolution, unit_list = attrs["resolution"], attrs.get("units")
        if resolution is not None:
            break
    if resolution is None or len(resolution) != len(dims):
        return None, {}
    factors = dataset.get("downsamplingFactors") or [1] * len(dims)
    if len(factors) != len(dims):
        factors = [1] * len(dims)
    scale = [float(r) * float(f) for r, f in zip(resolution, factors, strict=True)][::-1]
    units = list(reversed(unit_list)) if isinstance(unit_list, list) else [None] * len(dims)
    return scale, {d: u for d, u in zip(dims, units, strict=False) if isinstance(u, str)}
