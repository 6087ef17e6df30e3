"""What a conversion may be asked to do, checked once before any work starts."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import BadRequest

NGFF_VERSIONS = ("0.4", "0.5")  # 0.4 is written as Zarr v2, 0.5 as Zarr v3
CODECS = ("blosc-zstd", "blosc-lz4", "zstd", "gzip", "none")
DOWNSAMPLING = ("mean", "mode", "nearest")
TIFF_COMPRESSIONS = ("zlib", "zstd", "lzw", "none")

MiB = 1 << 20


@dataclass(frozen=True)
class ConversionOptions:
    """Options of every conversion; each converter reads the ones that concern it.

    `chunks` and `shards` name sizes for the trailing axes (``(256, 256)`` chunks y and x,
    leading axes get 1) or for every output axis. `levels=None` builds levels until the
    smallest fits in one chunk. `level` picks one resolution level of a multiscale input
    (OME-Zarr -> TIFF, extract level); `None` means all of them where that makes sense.
    """

    ngff_version: str | None = None  # None: the source's (Zarr v3: 0.5), else 0.4
    chunks: tuple[int, ...] | None = None
    shards: tuple[int, ...] | None = None
    codec: str = "blosc-zstd"
    compression_level: int = 5
    levels: int | None = None
    downsampling: str | None = None  # None: "mode" for label images, else "mean"
    labels: bool = False
    series: int = 0
    level: int | None = None
    overwrite: bool = False
    tiff_compression: str = "zlib"
    tiff_tile: int = 512
    bigtiff: bool | None = None  # None: only when the file could pass 4 GiB
    ome_tiff: bool = True
    task_bytes: int = 32 * MiB  # uncompressed bytes one task holds: bounds memory
    workers: int = 1
    # What the output's OME metadata says, overriding the source (`convert.overrides`):
    # pixel sizes and units by output axis ("z", "y", "x", "t"; units also "space"), the
    # output axes' names in order ("cyx": a plain TIFF's pages are channels), the image's
    # name, and the channels' labels and colours ("RRGGBB") in channel order.
    pixel_sizes: dict[str, float] | None = None
    units: dict[str, str] | None = None
    axis_names: str | None = None
    image_name: str | None = None
    channel_labels: tuple[str, ...] | None = None
    channel_colors: tuple[str, ...] | None = None

    @property
    def overrides_metadata(self) -> bool:
        return any(
            getattr(self, name) is not None
            for name in ("pixel_sizes", "units", "axis_names", "image_name")
            + ("channel_labels", "channel_colors")
        )

    @property
    def zarr_format(self) -> int:
        return 3 if self.ngff_version == "0.5" else 2

    def with_version(self, default: str) -> ConversionOptions:
        """These options with `ngff_version` set: the one asked for, else `default` (a
        re-encoded or extracted OME-Zarr keeps its source's version unless told)."""
        return self if self.ngff_version else replace(self, ngff_version=default)

    @property
    def downsampling_method(self) -> str:
        return self.downsampling or ("mode" if self.labels else "mean")

    def validated(self) -> ConversionOptions:
        """Return these options with tuples normalised; raise BadRequest naming a bad one."""
        if self.ngff_version is not None:
            _one_of("ngff_version", self.ngff_version, NGFF_VERSIONS)
        _one_of("codec", self.codec, CODECS)
        _one_of("tiff_compression", self.tiff_compression, TIFF_COMPRESSIONS)
        if self.downsampling is not None:
            _one_of("downsampling", self.downsampling, DOWNSAMPLING)
        if not 0 <= self.compression_level <= 22:
            raise BadRequest(f"compression_level must be 0-22, got {self.compression_level}")
        if self.levels is not None and self.levels < 1:
            raise BadRequest(f"levels must be at least 1, got {self.levels}")
        if self.level is not None and self.level < 0:
            raise BadRequest(f"level must be >= 0, got {self.level}")
        if self.series < 0:
            raise BadRequest(f"series must be >= 0, got {self.series}")
        if self.tiff_tile < 16 or self.tiff_tile % 16:
            raise BadRequest(f"tiff_tile must be a multiple of 16, got {self.tiff_tile}")
        if self.task_bytes < MiB:
            raise BadRequest("task_bytes must be at least 1 MiB")
        if self.workers < 1:
            raise BadRequest(f"workers must be at least 1, got {self.workers}")
        from .overrides import check_overrides

        check_overrides(self)
        chunks = _sizes("chunks", self.chunks)
        shards = _sizes("shards", self.shards)
        if shards is not None:
            if self.ngff_version != "0.5":
                raise BadRequest("sharding needs Zarr v3: use ngff_version 0.5")
            if chunks is None or len(chunks) != len(shards):
                raise BadRequest("shards need chunks of the same length")
            if any(s % c for s, c in zip(shards, chunks, strict=True)):
                raise BadRequest(f"shards {shards} must be multiples of chunks {chunks}")
        return replace(self, chunks=chunks, shards=shards)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversionOptions:
        """Options from a JSON object (the jobs API), refusing unknown keys and values of
        the wrong JSON type (arrays for tuples; no true for a number)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise BadRequest(f"unknown conversion option(s): {', '.join(unknown)}")
        hints = typing.get_type_hints(cls)
        for name, value in data.items():
            if not _has_type(value, hints[name]):
                raise BadRequest(f"Option '{name}' has the wrong type: {value!r}.")
        data = {
            name: tuple(value) if name.startswith("channel_") and isinstance(value, list) else value
            for name, value in data.items()
        }
        return cls(**data).validated()


def _has_type(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a ConversionOptions annotation (JSON arrays for tuples)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_has_type(value, arm) for arm in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return isinstance(value, list | tuple) and all(_has_type(v, item) for v in value)
    if typing.get_origin(hint) is dict:
        key, item = typing.get_args(hint)
        return isinstance(value, dict) and all(
            _has_type(k, key) and _has_type(v, item) for k, v in value.items()
        )
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _sizes(name: str, value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    sizes = tuple(int(v) for v in value)
    if not sizes or any(v < 1 for v in sizes):
        raise BadRequest(f"{name} must be positive integers, got {value!r}")
    return sizes


def full_sizes(sizes: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Sizes for the trailing axes extended with 1s to every axis, clipped to the shape."""
    if len(sizes) > len(shape):
        raise BadRequest(f"{sizes} has more values than the image has axes ({len(shape)})")
    padded = (1,) * (len(shape) - len(sizes)) + tuple(sizes)
    return tuple(max(1, min(s, n)) for s, n in zip(padded, shape, strict=True))


def shard_shape(
    shards: tuple[int, ...], chunks: tuple[int, ...], shape: tuple[int, ...]
) -> tuple[int, ...]:
    """Shards for the trailing axes extended to every axis: whole chunks, no larger than
    the image needs (rounded up to a chunk), never smaller than one chunk."""
    padded = (1,) * (len(shape) - len(shards)) + tuple(shards)
    result = []
    for s, c, n in zip(padded, chunks, shape, strict=True):
        s = min(s, -(-n // c) * c)
        result.append(max(c, s - s % c))
    return tuple(result)


def default_chunks(axes: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Chunks of one plane tile for 2D images, cubes for 3D: what viewers stream well."""
    spatial = sum(1 for a in axes if a in "zyx")
    side = 128 if spatial == 3 else 512
    sizes = tuple(side if a in "zyx" else 1 for a in axes)
    return tuple(max(1, min(s, n)) for s, n in zip(sizes, shape, strict=True))
