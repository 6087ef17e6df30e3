"""The conversions a job runner or the CLI calls, one function per kind of conversion.

Each takes the source, the destination, ConversionOptions, and keyword-only `progress`
(a callable receiving Progress), `cancel` (anything with is_set(), e.g. CancelToken),
`executor` (where region tasks run; default: this process, or a pool of
`options.workers` processes) and `within` (`confined_io.Within`: where the source's files,
a chunk or metadata document symlinked elsewhere included, may lie). A job passes its
source root's (`RootRegistry.within`), so a conversion reads what the inspector shows; the
default None, which the CLI keeps since it has no roots, is the source's own folder (for a
TIFF or CZI file, the file itself, wherever the named path leads). Each returns a
ConversionResult and raises a fileglancer_ext.errors type: NotFound, BadRequest (options),
DestinationExists, ConversionError (input not what it claims), OutOfSpace or
ConversionCancelled.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import BadRequest, NotFound
from ..system.confined_io import Within
from .options import ConversionOptions
from .plan import TaskExecutor
from .progress import CancelSignal, ProgressCallback
from .result import ConversionResult
from .rezarr import extract_level, rewrite_zarr
from .tiff_source import open_tiff_source
from .to_ome_zarr import write_source_as_ome_zarr
from .to_tiff import write_zarr_as_tiff


def _check_paths(source: Path, destination: Path) -> tuple[Path, Path]:
    """Refuse a destination inside which the source lives: overwriting it would delete
    the source. (Overwriting the source itself is fine: it is read before the rename.)"""
    source, destination = Path(source), Path(destination)
    real_source, real_destination = source.resolve(), destination.resolve()
    if real_source != real_destination and real_source.is_relative_to(real_destination):
        raise BadRequest(f"the destination {destination} contains the source {source}")
    return source, destination


def convert_tiff_to_ome_zarr(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelSignal | None = None,
    executor: TaskExecutor | None = None,
    within: Within | None = None,
) -> ConversionResult:
    """TIFF / BigTIFF / OME-TIFF (series `options.series`) -> OME-Zarr with a pyramid."""
    options = (options or ConversionOptions()).validated()
    source, destination = _check_paths(source, destination)
    image = open_tiff_source(source, options.series, within)
    return write_source_as_ome_zarr(
        image, destination, options, progress=progress, cancel=cancel, executor=executor
    )


def convert_ome_zarr_to_tiff(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelSignal | None = None,
    within: Within | None = None,
) -> ConversionResult:
    """OME-Zarr -> OME-TIFF (`options.ome_tiff`, default) or plain TIFF: the level
    `options.level`, or the whole pyramid as SubIFDs when `level` is None. Tiled and
    compressed; BigTIFF when the pixels could pass 4 GiB (or `options.bigtiff`).

    Writing a TIFF is sequential, so it takes no executor."""
    options = (options or ConversionOptions()).validated()
    source, destination = _check_paths(source, destination)
    return write_zarr_as_tiff(
        source, destination, options, progress=progress, cancel=cancel, within=within
    )


def recompress_zarr(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelSignal | None = None,
    executor: TaskExecutor | None = None,
    within: Within | None = None,
) -> ConversionResult:
    """OME-Zarr (every level) or a plain Zarr array -> the same pixels with a new codec,
    compression level, chunks or shards, and Zarr format: `ngff_version="0.5"` turns
    Zarr v2 / NGFF 0.4 into Zarr v3 / NGFF 0.5 (and "0.4" back)."""
    options = (options or ConversionOptions()).validated()
    source, destination = _check_paths(source, destination)
    return rewrite_zarr(
        source,
        destination,
        options,
        progress=progress,
        cancel=cancel,
        executor=executor,
        within=within,
    )


def extract_ome_zarr_level(
    source: Path,
    destination: Path,
    options: ConversionOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelSignal | None = None,
    executor: TaskExecutor | None = None,
    within: Within | None = None,
) -> ConversionResult:
    """Resolution level `options.level` of an OME-Zarr -> an OME-Zarr of its own (with
    `options.levels` levels, default 1, built below it)."""
    source, destination = _check_paths(source, destination)
    return extract_level(
        source,
        destination,
        options.validated(),
        progress=progress,
        cancel=cancel,
        executor=executor,
        within=within,
    )


TIFF_SUFFIXES = (".tif", ".tiff", ".btf", ".tf2", ".tf8")


def conversion_kind(source: Path, destination: Path, options: ConversionOptions) -> str:
    """Which conversion `convert` runs: "tiff-to-ome-zarr", "czi-to-ome-zarr",
    "zarr-to-tiff", "extract-level" or "recompress"; BadRequest when none fits."""
    source, destination = Path(source), Path(destination)
    to_tiff = destination.name.lower().endswith(TIFF_SUFFIXES)
    if source.is_file() and source.name.lower().endswith(TIFF_SUFFIXES) and not to_tiff:
        return "tiff-to-ome-zarr"
    if source.is_file() and source.name.lower().endswith(".czi") and not to_tiff:
        return "czi-to-ome-zarr"
    if source.is_dir():
        if to_tiff:
            return "zarr-to-tiff"
        return "extract-level" if options.level is not None else "recompress"
    if not source.exists():
        # Its name only: a job asks this at submission, before `jobs.runner._shown` applies.
        raise NotFound(f"no such file or folder: {source.name}")
    raise BadRequest(
        f"cannot convert {source.name} to {destination.name}: TIFF and CZI files become "
        "OME-Zarr folders; Zarr folders become TIFF files (.tif) or other Zarr folders"
    )


def convert(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelSignal | None = None,
    executor: TaskExecutor | None = None,
    within: Within | None = None,
) -> ConversionResult:
    """Run the conversion that the source's kind and the destination's name call for
    (see `conversion_kind`). A destination named *.ome.tif(f) is an OME-TIFF, any other
    *.tif a plain TIFF. Returns and raises as the specific functions do."""
    options = (options or ConversionOptions()).validated()
    kind = conversion_kind(source, destination, options)
    common = {"progress": progress, "cancel": cancel, "within": within}
    if kind == "tiff-to-ome-zarr":
        return convert_tiff_to_ome_zarr(source, destination, options, executor=executor, **common)
    if kind == "czi-to-ome-zarr":
        from .czi_source import convert_czi_to_ome_zarr

        return convert_czi_to_ome_zarr(source, destination, options, executor=executor, **common)
    if kind == "zarr-to-tiff":
        ome = Path(destination).name.lower().endswith((".ome.tif", ".ome.tiff"))
        return convert_ome_zarr_to_tiff(
            source, destination, replace(options, ome_tiff=ome), **common
        )
    if kind == "extract-level":
        return extract_ome_zarr_level(source, destination, options, executor=executor, **common)
    return recompress_zarr(source, destination, options, executor=executor, **common)
