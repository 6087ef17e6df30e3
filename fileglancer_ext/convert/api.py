"""The conversion library's entry points, one function per kind of conversion and
`convert` for any, each passing `registry.check_conversion` before it writes.

Each takes the source, the destination, ConversionOptions, and keyword-only `progress`
(a callable receiving Progress), `cancel` (anything with is_set(), e.g. CancelToken),
`executor` (where region tasks run; default: this process, or a pool of
`options.workers` processes) and `within` (`confined_io.Within`: where the source's files,
a chunk or metadata document symlinked elsewhere included, may lie). A job passes its
source root's (`RootRegistry.within`), so a conversion reads what the inspector shows; the
default None, which the CLI keeps since it has no roots, is the source's own folder (for a
TIFF or CZI file, the file itself, wherever the named path leads). Each returns a
ConversionResult and raises a fileglancer_ext.errors type: NotFound, BadRequest (options,
paths), Forbidden, DestinationExists, ConversionError (input not what it claims), OutOfSpace or
ConversionCancelled.
"""

from __future__ import annotations

from pathlib import Path

from ..system.confined_io import Within
from .options import ConversionOptions
from .plan import TaskExecutor
from .progress import CancelSignal, ProgressCallback
from .registry import AUTO, check_conversion, choose_kind
from .result import ConversionResult


def _checked_run(
    kind: str,
    source: Path,
    destination: Path,
    options: ConversionOptions | None,
    progress: ProgressCallback | None,
    cancel: CancelSignal | None,
    executor: TaskExecutor | None,
    within: Within | None,
) -> ConversionResult:
    """Every library entry point: `registry.check_conversion`, then the kind's writer."""
    checked = check_conversion(source, destination, options, kind=kind)
    return checked.run(progress=progress, cancel=cancel, executor=executor, within=within)


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
    return _checked_run(
        "tiff-to-ome-zarr", source, destination, options, progress, cancel, executor, within
    )


def convert_czi_to_ome_zarr(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelSignal | None = None,
    executor: TaskExecutor | None = None,
    within: Within | None = None,
) -> ConversionResult:
    """CZI (scene `options.series`) -> OME-Zarr with a pyramid; errors as for TIFF."""
    return _checked_run(
        "czi-to-ome-zarr", source, destination, options, progress, cancel, executor, within
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
    return _checked_run(
        "zarr-to-tiff", source, destination, options, progress, cancel, None, within
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
    return _checked_run(
        "recompress", source, destination, options, progress, cancel, executor, within
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
    return _checked_run(
        "extract-level", source, destination, options, progress, cancel, executor, within
    )


def conversion_kind(source: Path, destination: Path, options: ConversionOptions) -> str:
    """Which conversion `convert` runs: "tiff-to-ome-zarr", "czi-to-ome-zarr",
    "zarr-to-tiff", "extract-level" or "recompress"; NotFound or BadRequest when none fits."""
    return choose_kind(AUTO, Path(source), Path(destination), options)[0].name


def convert(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    *,
    kind: str = AUTO,
    progress: ProgressCallback | None = None,
    cancel: CancelSignal | None = None,
    executor: TaskExecutor | None = None,
    within: Within | None = None,
) -> ConversionResult:
    """Run the conversion `kind` names, by default the one that the source's kind and the
    destination's name call for (see `registry.choose_kind`). A destination named
    *.ome.tif(f) is an OME-TIFF, any other *.tif a plain TIFF. Returns and raises as the
    specific functions do."""
    return _checked_run(kind, source, destination, options, progress, cancel, executor, within)
