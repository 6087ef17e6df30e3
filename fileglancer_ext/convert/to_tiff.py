"""OME-Zarr (or a plain Zarr array) -> tiled, compressed OME-TIFF or plain TIFF.

tifffile writes tiles from an iterator, so pixels stream from Zarr to the file band by
band. A pyramid goes into SubIFDs (the OME-TIFF pyramid layout) for the levels whose
non-yx shape matches level 0 (a TIFF sub-resolution cannot have fewer planes).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConversionError
from .atomic import check_destination, staged_output
from .controls import NO_CONTROLS, RunControls
from .image_meta import OME_UNITS, ImageMetadata
from .ome_zarr_in import ZarrInput, open_zarr_input
from .options import ConversionOptions
from .progress import ProgressTracker
from .result import ConversionResult, stored_bytes

# Below 4 GiB minus room for the IFDs a classic TIFF's 32-bit offsets suffice.
CLASSIC_TIFF_LIMIT = (1 << 32) - (64 << 20)
# TIFF pages come one after the other, so a chunk n planes deep is decoded n times unless
# those n whole planes are held at once: allow that up to this many tasks' worth.
SLAB_TASKS = 8


def write_zarr_as_tiff(
    source: Path,
    destination: Path,
    options: ConversionOptions,
    controls: RunControls = NO_CONTROLS,
) -> ConversionResult:
    """Write one level (`options.level`) or the pyramid (`level=None`, OME-TIFF only) as
    a tiled TIFF; OME-XML with pixel sizes and channels when `options.ome_tiff`.

    Raises NotFound, ConversionError (not an image, no such level), DestinationExists,
    OutOfSpace or ConversionCancelled; nothing is left behind on failure. The source's
    files are read only inside `within` (see `ome_zarr_in.open_zarr_input`).
    """
    started = time.perf_counter()
    options = options.validated()
    destination = Path(destination)
    check_destination(destination, overwrite=options.overwrite)
    image = open_zarr_input(source, controls.within)
    axes = image.metadata.axes
    if not axes.endswith("yx"):
        raise ConversionError(f"a TIFF needs y and x as the last axes; {source} has {axes!r}")
    levels, warnings = _levels_to_write(image, options)
    # Pixel sizes are those of the first level written (level 0 unless one was chosen).
    meta = replace(
        image.metadata, scale=dict(zip(axes, image.level_scales[levels[0]], strict=True))
    )
    arrays = [image.open_level(i) for i in levels]
    dtype = np.dtype(arrays[0].dtype)
    total = sum(a.nbytes for a in arrays)
    bigtiff = options.bigtiff if options.bigtiff is not None else total > CLASSIC_TIFF_LIMIT
    tracker = controls.tracker(total)
    write_options = _tiff_write_options(options, dtype)

    import tifffile

    with staged_output(destination, overwrite=options.overwrite) as built:
        with tifffile.TiffWriter(built, bigtiff=bigtiff, ome=options.ome_tiff) as tif:
            for position, (index, array) in enumerate(zip(levels, arrays, strict=True)):
                tracker.start_stage(f"level {index}")
                tile = _tile_for(array.shape, options.tiff_tile)
                extra: dict[str, Any] = {}
                if position == 0:
                    extra["metadata"] = _tiff_metadata(meta, axes, options.ome_tiff)
                    extra["subifds"] = len(levels) - 1 if options.ome_tiff else 0
                    extra.update(_resolution(meta, image.level_scales[index], axes))
                else:
                    extra["subfiletype"] = 1
                    extra["metadata"] = None
                tif.write(
                    _tiles(array, tile, SLAB_TASKS * options.task_bytes, tracker),
                    shape=array.shape,
                    dtype=dtype,
                    tile=tile,
                    photometric="minisblack",
                    **write_options,
                    **extra,
                )
    tracker.finish()
    kind = "ome-tiff" if options.ome_tiff else "tiff"
    return ConversionResult(
        destination,
        kind,
        [tuple(a.shape) for a in arrays],
        total,
        stored_bytes(destination),
        time.perf_counter() - started,
        warnings,
    )


def _levels_to_write(image: ZarrInput, options: ConversionOptions) -> tuple[list[int], list[str]]:
    """The levels to write, and a warning naming the levels of the pyramid left out."""
    if options.level is not None:
        image.level_path(options.level)  # raises for a missing level
        return [options.level], []
    if not options.ome_tiff:
        return [0], []
    shapes = [tuple(image.open_level(i).shape) for i in range(len(image.level_paths))]
    # A TIFF pyramid's sub-resolutions (SubIFDs) have the pages of level 0: the levels
    # from the first whose z, c or t size differs cannot be written as part of it.
    same = [s[:-2] == shapes[0][:-2] for s in shapes]
    count = same.index(False) if False in same else len(shapes)
    if count == len(shapes):
        return list(range(count)), []
    axes = image.metadata.axes[:-2]
    first = shapes[count]
    differs = ", ".join(
        f"{a} {n} instead of {m}"
        for a, n, m in zip(axes, first[:-2], shapes[0][:-2], strict=True)
        if n != m
    )
    left_out = ", ".join(str(i) for i in range(count, len(shapes)))
    which = f"level {left_out} was" if count == len(shapes) - 1 else f"levels {left_out} were"
    warning = (
        f"{which} not written (of {len(shapes)}): a TIFF pyramid's levels "
        f"keep the z, c and t sizes of level 0, and level {count} has {differs}. Convert "
        "one of them alone with the option 'level'."
    )
    return list(range(count)), [warning]


def _tile_for(shape: tuple[int, ...], preferred: int) -> tuple[int, int]:
    """Square tiles of `preferred` pixels, smaller for small images (multiples of 16)."""
    height, width = shape[-2:]
    side = min(preferred, max(16, 16 * math.ceil(max(height, width) / 16)))
    return (side, side)


def _tiles(
    array: Any, tile: tuple[int, int], budget: int, tracker: ProgressTracker
) -> Iterator[np.ndarray]:
    """Every tile in TIFF order (page by page, rows of tiles), reading Zarr in bands.

    Pages are read a chunk's depth at a time when that many planes fit the budget
    (each chunk is then decoded once), otherwise one band of tile rows at a time.
    """
    lead_shape = tuple(array.shape[:-2])
    height, width = array.shape[-2:]
    lead_chunks = tuple(array.chunks[:-2])
    plane_bytes = height * width * array.dtype.itemsize
    group = math.prod(lead_chunks) if lead_chunks else 1
    step = lead_chunks if group * plane_bytes <= budget else (1,) * len(lead_shape)
    starts = itertools.product(*(range(0, n, s) for n, s in zip(lead_shape, step, strict=True)))
    for start in starts:
        block_region = tuple(
            slice(a, min(a + s, n)) for a, s, n in zip(start, step, lead_shape, strict=True)
        )
        slab = np.asarray(array[block_region]) if step != (1,) * len(lead_shape) else None
        for offset in itertools.product(*(range(r.stop - r.start) for r in block_region)):
            page = tuple(r.start + o for r, o in zip(block_region, offset, strict=True))
            for y0 in range(0, height, tile[0]):
                tracker.check_cancelled()
                if slab is not None:
                    band = slab[offset + (slice(y0, y0 + tile[0]),)]
                else:
                    band = np.asarray(array[page + (slice(y0, y0 + tile[0]),)])
                for x0 in range(0, width, tile[1]):
                    yield np.ascontiguousarray(band[:, x0 : x0 + tile[1]])
                tracker.advance(band.nbytes)


def _tiff_write_options(options: ConversionOptions, dtype: np.dtype) -> dict[str, Any]:
    if options.tiff_compression == "none":
        return {}
    result: dict[str, Any] = {"compression": options.tiff_compression}
    if options.tiff_compression in ("zlib", "zstd"):
        result["compressionargs"] = {"level": min(options.compression_level, 9)}
    if options.tiff_compression in ("zlib", "lzw") and dtype.kind in "ui":
        result["predictor"] = True  # horizontal differencing: 16-bit data compresses far better
    return result


def _tiff_metadata(meta: ImageMetadata, axes: str, ome: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"axes": axes.upper()}
    if not ome:
        return result
    result["Name"] = meta.name
    for axis in "xyz":
        if axis in axes and axis in meta.scale:
            result[f"PhysicalSize{axis.upper()}"] = meta.scale[axis]
            unit = OME_UNITS.get(meta.units.get(axis, ""))
            if unit:
                result[f"PhysicalSize{axis.upper()}Unit"] = unit
    if "t" in axes and "t" in meta.scale:
        result["TimeIncrement"] = meta.scale["t"]
        unit = OME_UNITS.get(meta.units.get("t", ""))
        if unit:
            result["TimeIncrementUnit"] = unit
    if meta.channels:
        channel: dict[str, list[Any]] = {"Name": [c.name or "" for c in meta.channels]}
        if all(c.color for c in meta.channels):
            channel["Color"] = [_ome_color(c.color or "") for c in meta.channels]
        if all(c.emission_wavelength for c in meta.channels):
            channel["EmissionWavelength"] = [c.emission_wavelength for c in meta.channels]
        result["Channel"] = channel
    return result


def _ome_color(hex_rgb: str) -> int:
    """OME-XML colours are RGBA packed into a signed 32-bit integer."""
    rgba = (int(hex_rgb, 16) << 8) | 0xFF
    return rgba - (1 << 32) if rgba >= 1 << 31 else rgba


def _resolution(meta: ImageMetadata, scale: tuple[float, ...], axes: str) -> dict[str, Any]:
    """TIFF resolution tags (pixels per centimetre) for readers that ignore OME-XML."""
    sizes = dict(zip(axes, scale, strict=True))
    if meta.units.get("x") != "micrometer" or meta.units.get("y") != "micrometer":
        return {}
    return {"resolution": (1e4 / sizes["x"], 1e4 / sizes["y"]), "resolutionunit": "CENTIMETER"}
