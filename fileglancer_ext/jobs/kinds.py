"""The kinds of conversion a job can be, and the library call that does each."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..convert import (
    ConversionOptions,
    ConversionResult,
    conversion_kind,
    convert_czi_to_ome_zarr,
    convert_ome_zarr_to_tiff,
    convert_tiff_to_ome_zarr,
    extract_ome_zarr_level,
    recompress_zarr,
)
from ..convert.plan import TaskExecutor
from ..convert.progress import CancelSignal, ProgressCallback
from ..errors import BadRequest
from ..system.confined_io import Within

AUTO = "auto"
# The names `conversion_kind` answers, and whether each reads a file or a folder.
KINDS: dict[str, str] = {
    "tiff-to-ome-zarr": "file",
    "czi-to-ome-zarr": "file",
    "zarr-to-tiff": "folder",
    "recompress": "folder",
    "extract-level": "folder",
}
# Kinds whose region tasks run on the job's engine; the others run in the job's thread.
PARALLEL_KINDS = frozenset(KINDS) - {"zarr-to-tiff"}


def choose_kind(
    requested: str, source: Path, destination: Path, options: ConversionOptions
) -> tuple[str, ConversionOptions]:
    """The kind to run and the options to run it with.

    "auto" asks `conversion_kind`; an explicit kind must suit the source (a file for TIFF
    and CZI, a folder for Zarr) and "extract-level" needs `options.level`. For
    "zarr-to-tiff" chosen automatically, a destination named *.ome.tif(f) makes an
    OME-TIFF and any other name a plain TIFF, as the CLI does. Raises BadRequest.
    """
    if requested == AUTO:
        kind = conversion_kind(source, destination, options)
        if kind == "zarr-to-tiff":
            ome = destination.name.lower().endswith((".ome.tif", ".ome.tiff"))
            options = replace(options, ome_tiff=ome)
        return kind, options
    if requested not in KINDS:
        raise BadRequest(
            f"Unknown conversion kind '{requested}'; use one of {AUTO}, {', '.join(KINDS)}."
        )
    wants_folder = KINDS[requested] == "folder"
    if source.is_dir() != wants_folder:
        what = "a Zarr folder" if wants_folder else "a file"
        raise BadRequest(f"A '{requested}' conversion reads {what}; '{source.name}' is not.")
    if requested == "extract-level" and options.level is None:
        raise BadRequest("An 'extract-level' conversion needs the option 'level'.")
    return requested, options


def run_conversion(
    kind: str,
    source: Path,
    destination: Path,
    options: ConversionOptions,
    *,
    progress: ProgressCallback,
    cancel: CancelSignal,
    executor: TaskExecutor | None,
    within: Within | None = None,
) -> ConversionResult:
    """Run the library's conversion of `kind`, reading the source only inside `within`;
    returns and raises as it does."""
    common = {"progress": progress, "cancel": cancel, "within": within}
    if kind == "zarr-to-tiff":
        return convert_ome_zarr_to_tiff(source, destination, options, **common)
    convert = {
        "tiff-to-ome-zarr": convert_tiff_to_ome_zarr,
        "czi-to-ome-zarr": convert_czi_to_ome_zarr,
        "recompress": recompress_zarr,
        "extract-level": extract_ome_zarr_level,
    }[kind]
    return convert(source, destination, options, executor=executor, **common)
