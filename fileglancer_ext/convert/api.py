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

from collections.abc import Callable
from pathlib import Path

from ..system.confined_io import Within
from .controls import RunControls
from .options import ConversionOptions
from .plan import TaskExecutor
from .progress import CancelSignal, ProgressCallback
from .registry import AUTO, check_conversion, choose_kind
from .result import ConversionResult


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
    checked = check_conversion(source, destination, options, kind=kind)
    return checked.run(RunControls(progress, cancel, executor, within))


def _entry_point(kind: str, name: str, doc: str) -> Callable[..., ConversionResult]:
    """`convert` fixed to one kind: the same arguments but `kind`."""

    def entry_point(
        source: Path, destination: Path, options: ConversionOptions | None = None, **run: object
    ) -> ConversionResult:
        if "kind" in run:
            raise TypeError(f"{name}() got an unexpected keyword argument 'kind'")
        return convert(source, destination, options, kind=kind, **run)  # type: ignore[arg-type]

    entry_point.__name__ = entry_point.__qualname__ = name
    entry_point.__doc__ = doc
    return entry_point


convert_tiff_to_ome_zarr = _entry_point(
    "tiff-to-ome-zarr",
    "convert_tiff_to_ome_zarr",
    "TIFF / BigTIFF / OME-TIFF (series `options.series`) -> OME-Zarr with a pyramid.",
)
convert_czi_to_ome_zarr = _entry_point(
    "czi-to-ome-zarr",
    "convert_czi_to_ome_zarr",
    "CZI (scene `options.series`) -> OME-Zarr with a pyramid; errors as for TIFF.",
)
convert_ome_zarr_to_tiff = _entry_point(
    "zarr-to-tiff",
    "convert_ome_zarr_to_tiff",
    """OME-Zarr -> OME-TIFF (`options.ome_tiff`, default) or plain TIFF: the level
    `options.level`, or the whole pyramid as SubIFDs when `level` is None. Tiled and
    compressed; BigTIFF when the pixels could pass 4 GiB (or `options.bigtiff`).

    Writing a TIFF is sequential: an `executor` is not used.""",
)
recompress_zarr = _entry_point(
    "recompress",
    "recompress_zarr",
    """OME-Zarr (every level) or a plain Zarr array -> the same pixels with a new codec,
    compression level, chunks or shards, and Zarr format: `ngff_version="0.5"` turns
    Zarr v2 / NGFF 0.4 into Zarr v3 / NGFF 0.5 (and "0.4" back).""",
)
extract_ome_zarr_level = _entry_point(
    "extract-level",
    "extract_ome_zarr_level",
    """Resolution level `options.level` of an OME-Zarr -> an OME-Zarr of its own (with
    `options.levels` levels, default 1, built below it); BadRequest without a level.""",
)


def conversion_kind(source: Path, destination: Path, options: ConversionOptions) -> str:
    """Which conversion `convert` runs: "tiff-to-ome-zarr", "czi-to-ome-zarr",
    "zarr-to-tiff", "extract-level" or "recompress"; NotFound or BadRequest when none fits."""
    return choose_kind(AUTO, Path(source), Path(destination), options)[0].name
