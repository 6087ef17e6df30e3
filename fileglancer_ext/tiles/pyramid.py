"""A dataset seen as a viewer needs it: levels (largest first), the axes t/c/z/y/x, channels.

`open_pyramid(path, within)` turns an OME-Zarr image (NGFF 0.1-0.5, Zarr v2/v3, the first
series of a bioformats2raw layout), an N5 dataset or `sN` multiscale group, a TIFF /
OME-TIFF file or a plain Zarr array into one `Pyramid`. Metadata comes from the dataset
model (`formats.model`, `formats.tiff`); arrays are opened as the thumbnails open them
(`confined_store`, `thumbnails.n5.N5Array`, tifffile's Zarr interface), so every file read
goes through `confined_io` and only the chunks a selection touches are read. `open_level`
hands out each level wrapped in `chunkcache.CachedLevel`: tiles share decoded chunks, keyed
by the identity of the file each chunk comes from (the chunk's, the shard's or the TIFF's).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadRequest, Forbidden
from ..formats.detect import TIFF_MAGICS, tiff_from_handle
from ..formats.jsonio import MetadataError, MetadataReader, read_document
from ..formats.model import NgffImage, Window, read_ome
from ..formats.n5 import scale_level_names
from ..formats.tiff import tiff_series
from ..inspection.thumbnails.n5 import N5Array
from ..system.confined_io import Refused, Within, open_file
from .chunkcache import CachedLevel, Identity, file_identity, stat_identity

_AXIS_KINDS = {"time": "t", "channel": "c"}


@dataclass(frozen=True)
class ChannelInfo:
    """One channel as the viewer shows it: its name, colour ("RRGGBB") and windows."""

    name: str
    color: str
    window: Window | None
    active: bool = True


@dataclass
class Pyramid:
    """Levels (largest first) of one image; `kinds[i]` is "t", "c", "z", "y", "x" or ""
    (another axis, read at 0) for axis i of every level."""

    label: str
    kinds: tuple[str, ...]
    shapes: list[tuple[int, ...]]
    chunks: list[tuple[int, ...]]
    dtype: Any
    channels: list[ChannelInfo]
    pixel_size: dict[str, Any] | None  # {"x", "y", "unit"} of level 0
    open_level: Callable[[int], Any]
    labels: tuple[str, ...] = ()  # the label images of an OME-Zarr image (`labels/`)
    label_colors: Any = None  # a label image's `image-label.colors`, as stored

    def axis(self, kind: str) -> int | None:
        return self.kinds.index(kind) if kind in self.kinds else None


@contextlib.contextmanager
def open_pyramid(path: Path, within: Within) -> Iterator[Pyramid]:
    """The pyramid at `path` (a folder or a TIFF file); BadRequest when it is no image."""
    try:
        if path.is_file():
            with _tiff_pyramid(path, within) as pyramid:
                yield pyramid
            return
        yield _folder_pyramid(path, within)
    except Refused as err:
        raise BadRequest(f"cannot read the image: {err.strerror}") from err
    except PermissionError as err:
        raise Forbidden("cannot read the image: permission denied") from err


def _doc(path: Path, within: Within) -> dict[str, Any] | None:
    try:
        return read_document(path, within)
    except MetadataError as err:
        if err.message.endswith("permission denied"):
            raise Forbidden(err.message) from None
        raise


def _folder_pyramid(path: Path, within: Within, *, series: bool = True) -> Pyramid:
    v3 = _doc(path / "zarr.json", within)
    if v3 is not None:
        if v3.get("node_type") == "array":
            return _plain_pyramid(path, within, 3)
        attributes = v3.get("attributes")
        ome = attributes.get("ome") if isinstance(attributes, dict) else None
        if isinstance(ome, dict) and "multiscales" in ome:
            return _ome_pyramid(path, within, ome, 3)
        if isinstance(ome, dict) and "bioformats2raw.layout" in ome and series:
            return _first_series(path, within)
        if isinstance(ome, dict):
            _refuse_collection(path, within, ome)
        raise BadRequest("no image to view: a Zarr group without multiscales")
    if _doc(path / ".zarray", within) is not None:
        return _plain_pyramid(path, within, 2)
    attrs = _doc(path / ".zattrs", within)
    if attrs is not None and "multiscales" in attrs:
        return _ome_pyramid(path, within, attrs, 2)
    if attrs is not None and "bioformats2raw.layout" in attrs and series:
        return _first_series(path, within)
    if attrs is not None:
        _refuse_collection(path, within, attrs)
    n5 = _doc(path / "attributes.json", within)
    if n5 is not None:
        return _n5_pyramid(path, within, n5)
    raise BadRequest("no image to view")


def _refuse_collection(path: Path, within: Within, attrs: dict[str, Any]) -> None:
    """BadRequest naming an image to open instead, when `attrs` are a plate's or a well's
    (their images are what the viewer shows)."""
    if "plate" not in attrs and "well" not in attrs:
        return
    group = read_ome(MetadataReader(path, within), path, attrs)
    if group.plate is not None:
        wells = [w.path for w in group.plate.wells if isinstance(w.path, str)]
        such = f", such as those in {wells[0]}" if wells else ""
        raise BadRequest(f"no image to view: a plate; open one of its wells' images{such}")
    if group.well is not None:
        images = [i.path for i in group.well.images if isinstance(i.path, str)]
        such = f", such as {images[0]}" if images else ""
        raise BadRequest(f"no image to view: a well; open one of its images{such}")


def _first_series(path: Path, within: Within) -> Pyramid:
    first = path / "0"
    if not first.is_dir() or not first.resolve().is_relative_to(path.resolve()):
        raise BadRequest("no image to view: a bioformats2raw layout without series 0")
    if first.resolve() == path.resolve():
        raise BadRequest("no image to view: series 0 is the layout itself")
    return _folder_pyramid(first, within, series=False)


def _open_zarr(path: Path, within: Within, zarr_format: int, label: str) -> Any:
    from ..system.confined_store import open_confined_array

    try:
        return open_confined_array(path, within, zarr_format=zarr_format)
    except (Refused, PermissionError):
        raise
    except Exception as err:  # zarr raises many types for bad metadata
        raise BadRequest(f"cannot open {label}: {type(err).__name__}") from err


def open_label(image: Pyramid, path: Path, within: Within, name: str) -> Pyramid:
    """The label image `name` of the OME-Zarr image `image` at `path` (one of its `labels`)."""
    if name not in image.labels:
        raise BadRequest(f"the image has no label image {name!r}")
    folder = path / "labels" / name
    v3 = _doc(folder / "zarr.json", within)
    attributes = v3.get("attributes") if v3 is not None else None
    ome = attributes.get("ome") if isinstance(attributes, dict) else None
    if isinstance(ome, dict) and "multiscales" in ome:
        return _ome_pyramid(folder, within, ome, 3, label=True)
    attrs = _doc(folder / ".zattrs", within)
    if attrs is not None and "multiscales" in attrs:
        return _ome_pyramid(folder, within, attrs, 2, label=True)
    raise BadRequest(f"label image {name!r} has no multiscales")


def _ome_pyramid(
    path: Path, within: Within, attrs: dict[str, Any], fmt: int, *, label: bool = False
) -> Pyramid:
    group = read_ome(MetadataReader(path, within), path, attrs)
    image = group.image
    if image is None or not image.levels:
        raise BadRequest("no image to view: multiscales lists no datasets")
    if (group.image_label is not None) != label:
        raise BadRequest("no image to view: a label image (open the image it labels)")
    arrays = []
    for level in image.levels:
        folder = (path / level.path).resolve()
        if not level.path or not folder.is_relative_to(path.resolve()):
            raise BadRequest(f"malformed multiscales: dataset path {level.path!r} leaves the image")
        if level.array is None or level.array.shape is None or level.array.chunks is None:
            raise BadRequest(f"level {level.path!r} has no readable array metadata")
        arrays.append((folder, level))
    ndim = len(arrays[0][1].array.shape)  # type: ignore[union-attr]
    kinds = _ome_kinds(image, ndim)
    channel_axis = kinds.index("c") if "c" in kinds else None
    count = arrays[0][1].array.shape[channel_axis] if channel_axis is not None else 1  # type: ignore[union-attr]
    entries = group.omero.channels if group.omero is not None else ()
    channels = _channels(count, [(e.label, e.color, e.window, e.active) for e in entries])
    pixel = _ome_pixel_size(image, kinds)
    first = arrays[0][1].array
    return Pyramid(
        label="the image",
        kinds=kinds,
        shapes=[tuple(level.array.shape) for _, level in arrays],  # type: ignore[union-attr]
        chunks=[tuple(level.array.chunks) for _, level in arrays],  # type: ignore[union-attr]
        dtype=first.numpy_dtype,  # type: ignore[union-attr]
        channels=channels,
        pixel_size=pixel,
        open_level=lambda i: _cached_zarr(
            _open_zarr(arrays[i][0], within, fmt, f"level {arrays[i][1].path!r}"),
            arrays[i][0],
            within,
        ),
        labels=image.labels,
        label_colors=group.image_label.colors if group.image_label is not None else None,
    )


def _cached_zarr(array: Any, folder: Path, within: Within) -> CachedLevel:
    """`array` (zarr-python, its store at `folder`) read through the chunk cache; a chunk's
    source is its file (its shard's when the array is sharded), the level's its metadata
    document (a new fill value, codec or data type is a new level)."""
    chunks, shards = tuple(array.chunks), getattr(array, "shards", None)
    encode = array.metadata.encode_chunk_key

    def source(index: tuple[int, ...]) -> Identity:
        if shards is not None:
            index = tuple(i * c // s for i, c, s in zip(index, chunks, shards, strict=True))
        return file_identity(folder / encode(index))

    document = folder / (".zarray" if array.metadata.zarr_format == 2 else "zarr.json")
    key = ("zarr", os.path.realpath(folder), within, file_identity(document))
    return CachedLevel(array, chunks, key, source)


def _ome_kinds(image: NgffImage, ndim: int) -> tuple[str, ...]:
    if len(image.axes) != ndim:
        raise BadRequest(f"multiscales names {len(image.axes)} axes but the arrays have {ndim}")
    kinds = [_AXIS_KINDS.get(axis.type or "", "") for axis in image.axes]
    space = [i for i, axis in enumerate(image.axes) if (axis.type or "space") == "space"]
    names = [axis.name.lower() for axis in image.axes]
    for i, name in enumerate(names):
        if not kinds[i] and name in ("t", "c"):
            kinds[i] = name
    space = [i for i in space if not kinds[i]]
    if len(space) < 2:
        raise BadRequest("no image to view: fewer than two space axes")
    kinds[space[-1]], kinds[space[-2]] = "x", "y"
    if len(space) >= 3:
        kinds[space[-3]] = "z"
    return tuple(kinds)


def _ome_pixel_size(image: NgffImage, kinds: tuple[str, ...]) -> dict[str, Any] | None:
    scale = image.levels[0].scale
    if scale is None or len(scale) != len(kinds):
        return None
    x, y = kinds.index("x"), kinds.index("y")
    return {"x": scale[x], "y": scale[y], "unit": image.axes[x].unit}


def _channels(count: int, entries: list[tuple[Any, Any, Any, Any]]) -> list[ChannelInfo]:
    """The channels with their metadata, else grey for one and red/green/blue for more."""
    defaults = ["FFFFFF"] if count == 1 else ["FF0000", "00FF00", "0000FF"]
    channels = []
    for index in range(count):
        name, color, window, active = entries[index] if index < len(entries) else (None,) * 4
        if not (isinstance(color, str) and len(color.lstrip("#")) == 6):
            color = defaults[index % len(defaults)]
        channels.append(
            ChannelInfo(
                name=str(name) if name is not None else f"channel {index}",
                color=color.lstrip("#").upper(),
                window=window if isinstance(window, Window) else None,
                active=active is not False and (index < 3 or active is True),
            )
        )
    return channels


def _plain_pyramid(path: Path, within: Within, fmt: int) -> Pyramid:
    array = _cached_zarr(_open_zarr(path, within, fmt, "the array"), path, within)
    if len(array.shape) < 2:
        raise BadRequest(f"no image to view: the array has {len(array.shape)} dimension(s)")
    kinds = ("",) * (len(array.shape) - 3) + (("z",) if len(array.shape) >= 3 else ()) + ("y", "x")
    return Pyramid(
        label="the array",
        kinds=kinds,
        shapes=[tuple(array.shape)],
        chunks=[tuple(array.chunks)],
        dtype=array.dtype,
        channels=_channels(1, []),
        pixel_size=None,
        open_level=lambda _: array,
    )


def _n5_pyramid(path: Path, within: Within, attrs: dict[str, Any]) -> Pyramid:
    try:
        import tensorstore  # noqa: F401
    except ImportError as err:
        raise BadRequest("viewing N5 needs tensorstore (pip install tensorstore)") from err
    if "dimensions" in attrs:
        folders = [path]
    else:
        names = [entry.name for entry in os.scandir(path) if entry.is_dir()]
        folders = [path / name for name in scale_level_names(names)]
        if not folders:
            raise BadRequest("no image to view: an N5 group without a dataset or scale levels")
    arrays = [_cached_n5(N5Array(folder, within), folder, within) for folder in folders]
    ndim = len(arrays[0].shape)
    if ndim < 2 or any(len(array.shape) != ndim for array in arrays):
        raise BadRequest("no image to view: N5 levels of different dimensions")
    kinds = ("",) * (ndim - 3) + (("z",) if ndim >= 3 else ()) + ("y", "x")
    resolution = attrs.get("pixelResolution")
    pixel = None
    if isinstance(resolution, dict) and isinstance(resolution.get("dimensions"), list):
        sizes = resolution["dimensions"]
        if len(sizes) >= 2 and all(isinstance(n, int | float) for n in sizes[:2]):
            pixel = {"x": float(sizes[0]), "y": float(sizes[1]), "unit": resolution.get("unit")}
    return Pyramid(
        label="the N5 dataset",
        kinds=kinds,
        shapes=[array.shape for array in arrays],
        chunks=[array.chunks for array in arrays],
        dtype=arrays[0].dtype,
        channels=_channels(1, []),
        pixel_size=pixel,
        open_level=lambda i: arrays[i],
    )


def _cached_n5(array: N5Array, folder: Path, within: Within) -> CachedLevel:
    """An N5 level read through the chunk cache; N5 names block (z, y, x) "x/y/z"."""

    def source(index: tuple[int, ...]) -> Identity:
        return file_identity(folder.joinpath(*(str(i) for i in reversed(index))))

    key = ("n5", os.path.realpath(folder), within, file_identity(folder / "attributes.json"))
    return CachedLevel(array, array.chunks, key, source)


_TIFF_KINDS = {"T": "t", "C": "c", "S": "c", "Z": "z", "Y": "y", "X": "x"}


@contextlib.contextmanager
def _tiff_pyramid(path: Path, within: Within) -> Iterator[Pyramid]:
    import zarr

    with open_file(path, within) as handle:
        if handle.read(4) not in TIFF_MAGICS:
            raise BadRequest("no image to view: not a TIFF file")
        handle.seek(0)
        with contextlib.ExitStack() as stack:
            try:
                tif = stack.enter_context(tiff_from_handle(handle, path.name))
                identity = stat_identity(os.fstat(handle.fileno()))
                key = ("tiff", os.path.realpath(path), within, identity)
                pyramid = _tiff_levels(tif, zarr, key)
            except BadRequest:
                raise
            except Exception as err:  # tifffile raises many types on damaged files
                raise BadRequest(f"cannot read {path.name}: damaged TIFF file") from err
            yield pyramid


def _tiff_levels(tif: Any, zarr: Any, key: tuple) -> Pyramid:
    """The first series of `tif`; its levels read through the chunk cache under `key`
    (the file and its identity when opened: every chunk's source)."""
    if not tif.series:
        raise BadRequest("no image to view: the TIFF holds no image")
    found = tif.series[0]
    model = tiff_series(tif, 0)
    levels = [zarr.open_array(found.aszarr(level=i), mode="r") for i in range(len(found.levels))]
    named = [_TIFF_KINDS.get(axis, "") for axis in found.axes]
    pages = [i for i, axis in enumerate(found.axes) if axis in "IQ"]
    if "z" not in named and pages:  # a stack of pages without metadata: its planes are z
        named[pages[0]] = "z"
    kinds = tuple(named)
    if "y" not in kinds or "x" not in kinds:
        raise BadRequest(f"no image to view: axes {found.axes!r}")
    channel_axis = kinds.index("c") if "c" in kinds else None
    count = levels[0].shape[channel_axis] if channel_axis is not None else 1
    entries = [(c.name, c.color, c.window, None) for c in model.channels]
    size = model.pixel_size
    pixel = None
    if "x" in size and "y" in size:
        pixel = {"x": size["x"][0], "y": size["y"][0], "unit": size["x"][1]}
    return Pyramid(
        label="the TIFF",
        kinds=kinds,
        shapes=[tuple(level.shape) for level in levels],
        chunks=[tuple(level.chunks) for level in levels],
        dtype=levels[0].dtype,
        channels=_channels(count, entries),
        pixel_size=pixel,
        open_level=lambda i: CachedLevel(levels[i], levels[i].chunks, (*key, i), lambda _: None),
    )
