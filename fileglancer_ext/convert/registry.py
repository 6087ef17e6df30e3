"""The kinds of conversion, in one table that the CLI, the library functions and the jobs
runner all dispatch through, and the checks every conversion passes before work starts.

`check_conversion` is the one gate: the options validated, the source there and readable,
the destination's name allowed, its folder there and writable, no existing destination
replaced unless asked, no destination that contains the source or lies inside it, a
kind that suits the source, and for a folder a Zarr array or OME-Zarr image whose axes
the chunks and shards fit (so that a job is refused up front, not failed later). A job
resolves its paths through the roots first and then passes the same gate
(`jobs.submission`); `ConversionKind.write` then runs unchecked.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

from ..errors import BadRequest, DestinationExists, Forbidden, NotFound
from ..system.confined_io import Within
from .atomic import RESERVED_NAMES
from .controls import NO_CONTROLS, RunControls
from .options import ConversionOptions
from .result import ConversionResult

AUTO = "auto"
TIFF_SUFFIXES = (".tif", ".tiff", ".btf", ".tf2", ".tf8")
OME_TIFF_SUFFIXES = (".ome.tif", ".ome.tiff")
_MAX_NAME_BYTES = 255

# How a message names a path: the CLI shows it as given, a job as "'path' in 'root'".
Shown = Callable[[Path], str]


def _quoted(path: Path) -> str:
    return f"'{path}'"


# --- the writers, each a library call on checked paths and options ----------------------
# Imported on use: the CZI reader (pylibCZIrw) and the writers are heavy and optional.


def _write_tiff(
    source: Path, destination: Path, options: ConversionOptions, controls: RunControls
) -> ConversionResult:
    from .tiff_source import open_tiff_source
    from .to_ome_zarr import write_source_as_ome_zarr

    image = open_tiff_source(source, options.series, controls.within)
    return write_source_as_ome_zarr(image, destination, options, controls)


def _lazy(module: str, name: str) -> Callable[..., ConversionResult]:
    """The writer `name` of `module`, imported on its first call."""

    def write(*args: Any) -> ConversionResult:
        return getattr(import_module(module, __package__), name)(*args)

    return write


@dataclass(frozen=True)
class ConversionKind:
    """One kind of conversion: what it reads, what it writes, the options it needs.

    `reads` is "file" (then `suffixes` name the files chosen automatically) or "folder";
    `writes_tiff` whether the destination is a TIFF file (chosen by its name);
    `needs_level` True when `options.level` is required, False when the kind is chosen
    automatically only without it; `parallel` whether its region tasks run on an executor
    (a job's engine) rather than in the caller's thread."""

    name: str
    reads: Literal["file", "folder"]
    writer: Callable[..., ConversionResult]
    suffixes: tuple[str, ...] = ()
    writes_tiff: bool = False
    needs_level: bool | None = None
    parallel: bool = True
    takes_metadata: bool = True  # whether it writes the metadata options (`overrides`)

    def suits(self, source: Path) -> bool:
        """Whether the source is what this kind reads (a folder, or a file)."""
        return source.is_dir() if self.reads == "folder" else source.is_file()

    def fits(self, source: Path, destination: Path, options: ConversionOptions) -> bool:
        """Whether "auto" picks this kind for these paths and options."""
        if not self.suits(source) or self.writes_tiff != _names_tiff(destination):
            return False
        if self.suffixes and not source.name.lower().endswith(self.suffixes):
            return False
        return self.needs_level is None or self.needs_level == (options.level is not None)

    def check_options(self, options: ConversionOptions) -> ConversionOptions:
        """The options validated, and what this kind needs of them."""
        options = options.validated()
        if self.needs_level and options.level is None:
            raise BadRequest(f"An '{self.name}' conversion needs the option 'level'.")
        if options.overrides_metadata and not self.takes_metadata:
            raise BadRequest(
                f"An '{self.name}' conversion keeps the source's metadata: correct it with "
                "`fileglancer-ext edit` (or the inspector's Edit mode) instead."
            )
        return options

    def write(
        self,
        source: Path,
        destination: Path,
        options: ConversionOptions,
        controls: RunControls = NO_CONTROLS,
    ) -> ConversionResult:
        """Run the conversion on paths and options already checked (`check_conversion`)."""
        return self.writer(source, destination, options, controls)


KINDS: dict[str, ConversionKind] = {
    kind.name: kind
    for kind in (
        ConversionKind("tiff-to-ome-zarr", "file", _write_tiff, suffixes=TIFF_SUFFIXES),
        ConversionKind(
            "czi-to-ome-zarr",
            "file",
            _lazy(".czi_source", "convert_czi_to_ome_zarr"),
            suffixes=(".czi",),
        ),
        ConversionKind(
            "zarr-to-tiff",
            "folder",
            _lazy(".to_tiff", "write_zarr_as_tiff"),  # sequential: ignores the executor
            writes_tiff=True,
            parallel=False,
            takes_metadata=False,
        ),
        ConversionKind(
            "extract-level", "folder", _lazy(".rezarr", "extract_level"), needs_level=True
        ),
        ConversionKind(
            "recompress",
            "folder",
            _lazy(".rezarr", "rewrite_zarr"),
            needs_level=False,
            takes_metadata=False,
        ),
    )
}


def _names_tiff(destination: Path) -> bool:
    return destination.name.lower().endswith(TIFF_SUFFIXES)


def choose_kind(
    requested: str, source: Path, destination: Path, options: ConversionOptions
) -> tuple[ConversionKind, ConversionOptions]:
    """The kind to run and its options. "auto" follows the source (a TIFF or CZI file, a
    Zarr folder) and the destination's name (*.tif: a TIFF, *.ome.tif(f): an OME-TIFF);
    a kind asked by name must suit the source. Raises NotFound or BadRequest."""
    source, destination = Path(source), Path(destination)
    if requested == AUTO:
        if not source.exists():
            raise NotFound(f"no such file or folder: {source.name}")
        for kind in KINDS.values():
            if kind.fits(source, destination, options):
                if kind.writes_tiff:
                    ome = destination.name.lower().endswith(OME_TIFF_SUFFIXES)
                    options = replace(options, ome_tiff=ome)
                return kind, kind.check_options(options)
        raise BadRequest(
            f"cannot convert {source.name} to {destination.name}: TIFF and CZI files become "
            "OME-Zarr folders; Zarr folders become TIFF files (.tif) or other Zarr folders"
        )
    kind = KINDS.get(requested)
    if kind is None:
        raise BadRequest(
            f"Unknown conversion kind '{requested}'; use one of {AUTO}, {', '.join(KINDS)}."
        )
    if not kind.suits(source):
        what = "a Zarr folder" if kind.reads == "folder" else "a file"
        raise BadRequest(f"A '{kind.name}' conversion reads {what}; '{source.name}' is not.")
    return kind, kind.check_options(options)


@dataclass(frozen=True)
class CheckedConversion:
    """A conversion that passed `check_conversion`: run it with `run`."""

    kind: ConversionKind
    source: Path
    destination: Path
    options: ConversionOptions

    def run(self, controls: RunControls = NO_CONTROLS) -> ConversionResult:
        return self.kind.write(self.source, self.destination, self.options, controls)


def check_conversion(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    *,
    kind: str = AUTO,
    shown: Shown = _quoted,
    shown_folder: str | None = None,
) -> CheckedConversion:
    """Every check a conversion passes before it starts, in one place.

    Raises BadRequest (options, kind, a reserved or impossible name, a destination that
    contains the source or lies inside it), NotFound (no source, no destination folder),
    Forbidden (unreadable source, unwritable folder) or DestinationExists. `shown` names
    a path in messages (and `shown_folder` the destination's folder), so that a job's
    message names no server path.
    """
    options = (options or ConversionOptions()).validated()
    source, destination = Path(source), Path(destination)
    folder = destination.parent
    folder_shown = shown_folder if shown_folder is not None else shown(folder)
    if not os.path.lexists(source):
        raise NotFound(f"No such file or folder: {shown(source)}.")
    wanted = os.R_OK | (os.X_OK if source.is_dir() else 0)
    if not os.access(source, wanted):
        raise Forbidden(f"You do not have permission to read {shown(source)}.")
    check_destination_name(destination.name)
    if not folder.exists():
        raise NotFound(f"No such folder: {folder_shown}.")
    if not folder.is_dir():
        raise BadRequest(f"{folder_shown} is not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Forbidden(f"You do not have permission to write in {folder_shown}.")
    if os.path.lexists(destination) and not options.overwrite:
        raise DestinationExists(
            f"{shown(destination)} already exists; choose another name or allow overwriting."
        )
    real_source, real_destination = source.resolve(), destination.resolve()
    if real_source != real_destination:
        # Replacing it would delete the source; writing into it would change the source.
        if real_source.is_relative_to(real_destination):
            raise BadRequest(
                f"The destination {shown(destination)} contains the source; choose another name."
            )
        if real_destination.is_relative_to(real_source):
            raise BadRequest(
                f"The destination {shown(destination)} is inside the source; "
                "choose a place outside it."
            )
    chosen, options = choose_kind(kind, source, destination, options)
    if chosen.reads == "folder":
        check_zarr_source(source, options, shown(source))
    return CheckedConversion(chosen, source, destination, options)


def check_zarr_source(source: Path, options: ConversionOptions, shown: str) -> None:
    """BadRequest, before a job is queued, for a folder the Zarr readers would refuse only
    once the job runs: neither a Zarr array nor an OME-Zarr image (an N5 dataset, a plain
    folder), or `chunks` / `shards` naming more axes than its arrays have."""
    from ..formats.model import read_ngff_image, read_zarr_array

    within = Within.folders(source)
    array = read_zarr_array(source, within=within, keep_raw=False)
    image = None if array is not None else read_ngff_image(source, within=within)
    if array is None and image is None:
        raise BadRequest(
            f"{shown} is neither a Zarr array nor an OME-Zarr image; Zarr conversions read "
            "only these (N5 datasets cannot be converted)."
        )
    if array is not None:
        ndim = array.ndim
    else:
        assert image is not None
        shape = image.levels[0].shape if image.levels else None
        ndim = len(shape) if shape is not None else len(image.axes)
    for name, sizes in (("chunks", options.chunks), ("shards", options.shards)):
        if sizes and ndim and len(sizes) > ndim:
            raise BadRequest(
                f"'{name}' has {len(sizes)} values but {shown} has {ndim} axes; give at most "
                f"{ndim} (sizes of the trailing axes)."
            )


def check_destination_name(name: str) -> None:
    """BadRequest for a name no destination may have: empty, `..`, with a backslash or
    NUL, too long for a file system, or kept for the staging folders (`atomic`)."""
    if name in RESERVED_NAMES:
        raise BadRequest(
            f"'{name}' is a name fileglancer-ext keeps for its own use; choose another."
        )
    if (
        not name
        or name in (".", "..")
        or "\\" in name
        or "\x00" in name
        or _name_bytes(name) > _MAX_NAME_BYTES
    ):
        raise BadRequest(f"{name!r} cannot be the name of the destination.")


def _name_bytes(name: str) -> int:
    try:
        return len(os.fsencode(name))
    except UnicodeEncodeError:  # not a file name this server's file system can spell
        return _MAX_NAME_BYTES + 1
