"""A folder of TIFF planes (a file series, `formats.series`) as one conversion source.

The pattern (given, or guessed from the names) puts each file at its (t, c, z); the checks
before any work starts refuse gaps, duplicates and files whose plane differs from the
first's, naming the file. A region is read file by file, each file only for its y/x window
(tifffile's Zarr interface decodes the strips or tiles the window touches): memory holds the
region and one window, whatever the number of files.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConversionError, NotFound
from ..formats.detect import tiff_from_handle
from ..formats.series import (
    SeriesError,
    SeriesGrid,
    check_planes,
    guess_pattern,
    list_names,
    series_grid,
)
from ..formats.tiff import tiff_series
from ..system.confined_io import Within, open_file
from .controls import RunControls
from .image_meta import ImageMetadata, ngff_unit
from .options import ConversionOptions
from .result import ConversionResult
from .source import SourceImage


@dataclass(frozen=True)
class FileSeriesRef:
    """The series of `pattern` in `folder` (picklable and small: each process lists the
    folder once, not every task carrying a million names)."""

    folder: str
    pattern: str
    shape: tuple[int, ...]  # OME order: the pattern's axes, then y and x
    dtype: str
    within: Within | None = None

    def open_reader(self) -> _SeriesReader:
        grid = _grid(Path(self.folder), self.pattern)
        if grid.shape != self.shape[:-2]:
            raise ConversionError(
                f"the files of {Path(self.folder).name} changed during the conversion"
            )
        return _SeriesReader(self, grid)


class _SeriesReader:
    def __init__(self, ref: FileSeriesRef, grid: SeriesGrid) -> None:
        self.shape = ref.shape
        self._ref = ref
        self._grid = grid
        self._within = ref.within or Within.folders(ref.folder)

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        *outer, ys, xs = (range(*s.indices(n)) for s, n in zip(region, self.shape, strict=True))
        out = np.empty(tuple(len(r) for r in (*outer, ys, xs)), dtype=np.dtype(self._ref.dtype))
        for position in itertools.product(*(range(len(r)) for r in outer)):
            index = tuple(r[i] for r, i in zip(outer, position, strict=True))
            name = self._grid.file_at(index)
            out[position] = self._read_window(
                name, slice(ys.start, ys.stop), slice(xs.start, xs.stop)
            )
        return out

    def _read_window(self, name: str, ys: slice, xs: slice) -> np.ndarray:
        import zarr

        path = Path(self._ref.folder) / name
        try:
            with open_file(path, self._within) as handle, tiff_from_handle(handle, name) as tif:
                found = tif.series[0]
                array = zarr.open_array(found.aszarr(), mode="r")
                plane = np.asarray(array[...] if array.ndim != 2 else array[ys, xs])
        except FileNotFoundError:
            raise ConversionError(f"{name} was removed during the conversion") from None
        except Exception as err:  # tifffile and zarr raise many types on damaged files
            raise ConversionError(f"{name} cannot be read: {err}") from None
        if array.ndim != 2:
            plane = plane.reshape(self.shape[-2:])[ys, xs]
        if plane.shape != (ys.stop - ys.start, xs.stop - xs.start) or (
            plane.dtype != np.dtype(self._ref.dtype)
        ):
            raise ConversionError(f"{name} changed during the conversion")
        return plane


def _grid(folder: Path, pattern: str) -> SeriesGrid:
    try:
        return series_grid(list_names(folder), pattern)
    except SeriesError as err:
        raise ConversionError(str(err)) from None
    except FileNotFoundError:
        raise NotFound(f"no such folder: {folder.name}") from None
    except OSError as err:
        raise ConversionError(f"{folder.name} cannot be listed: {err.strerror}") from None


def series_pattern(folder: Path, pattern: str | None) -> str:
    """The pattern given, else the one the folder's names suggest; ConversionError when
    none fits."""
    if pattern:
        return pattern
    try:
        guessed = guess_pattern(list_names(folder))
    except OSError as err:
        raise ConversionError(f"{folder.name} cannot be listed: {err.strerror}") from None
    if guessed is None:
        raise ConversionError(
            f"{folder.name} holds no numbered TIFF planes; give a pattern such as "
            "'img_t{t}_z{z}_c{c}.tif'"
        )
    return guessed


def open_series_source(
    folder: Path, pattern: str | None = None, within: Within | None = None
) -> SourceImage:
    """Open a folder of TIFF planes for conversion: the grid complete, every file's plane
    of one shape and type (headers only), metadata from the first file. ConversionError
    naming the file otherwise."""
    folder = Path(folder)
    pattern = series_pattern(folder, pattern)
    grid = _grid(folder, pattern)
    confined = within or Within.folders(folder)
    try:
        plane = check_planes(folder, grid, confined)
    except SeriesError as err:
        raise ConversionError(str(err)) from None
    axes = grid.axes + "yx"
    shape = (*grid.shape, *plane.shape)
    meta = ImageMetadata(axes=axes, name=folder.name)
    _pixel_size(meta, folder / grid.files[0], confined)
    ref = FileSeriesRef(str(folder), pattern, shape, plane.dtype.str, within)
    return SourceImage(ref, shape, plane.dtype, meta)


def _pixel_size(meta: ImageMetadata, first: Path, within: Within) -> None:
    """The first plane's x / y pixel size (resolution tags, ImageJ or OME-XML), if any."""
    try:
        with open_file(first, within) as handle, tiff_from_handle(handle, first.name) as tif:
            series = tiff_series(tif, 0)
    except Exception:  # the planes were checked; a size is a nicety
        return
    for axis, (value, unit) in series.pixel_size.items():
        if axis in "yx" and isinstance(value, int | float) and value > 0:
            meta.scale[axis] = float(value)
            if (name := ngff_unit(unit)) is not None:
                meta.units[axis] = name


def convert_series_to_ome_zarr(
    source: Path, destination: Path, options: ConversionOptions, controls: RunControls
) -> ConversionResult:
    """The registry's writer: the series of `options.pattern` (None: guessed) -> OME-Zarr
    with a pyramid."""
    from .to_ome_zarr import write_source_as_ome_zarr

    image = open_series_source(Path(source), options.pattern, controls.within)
    return write_source_as_ome_zarr(image, Path(destination), options, controls)
