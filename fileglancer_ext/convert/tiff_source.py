"""TIFF, BigTIFF and OME-TIFF as a conversion source, read region by region.

tifffile does the reading, through its Zarr interface (`TiffPageSeries.aszarr`), which
decodes only the strips or tiles a region touches; an image is never read whole. The file
is opened by `confined_io` (a regular file only: a FIFO never blocks a worker) and tifffile
reads that descriptor alone: a multi-file OME-TIFF converts as the named file, since the
other files its OME-XML names would be opened unchecked, wherever they are.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..errors import ConversionError, NotFound
from ..formats.detect import tiff_from_handle
from ..formats.model import TiffChannel
from ..formats.tiff import tiff_series, tifffile_errors
from ..system.confined_io import Within, open_file
from .image_meta import ChannelInfo, ImageMetadata, ngff_unit
from .source import AxisMapping, SourceImage, file_stamp, map_axes


@dataclass(frozen=True)
class TiffSeriesRef:
    """One resolution level of one series of a TIFF file (picklable)."""

    path: str
    series: int
    level: int
    mapping: AxisMapping
    stamp: tuple[int, int] = (0, 0)  # file_stamp(path): a replaced file is a new ref
    within: Within | None = None  # where the file may lie (`_open_regular`)

    def open_reader(self) -> _TiffReader:
        import zarr

        handle = _open_regular(Path(self.path), self.within)
        tif = tiff_from_handle(handle, os.path.basename(self.path))
        store = tif.series[self.series].aszarr(level=self.level)
        return _TiffReader(tif, zarr.open_array(store, mode="r"), self.mapping)


class _TiffReader:
    def __init__(self, tif: Any, array: Any, mapping: AxisMapping) -> None:
        self._tif = tif  # keeps the file open as long as the reader lives
        self._array = array
        self._mapping = mapping
        by_axis = dict(zip(mapping.keep, array.shape, strict=True))
        self.shape = tuple(by_axis[a] for a in mapping.target_axes)

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        try:
            return self._mapping.read(self._array, region)
        except (ValueError, OSError, RuntimeError) as err:
            raise ConversionError(
                f"{Path(self._tif.filehandle.path).name} cannot be read: it looks truncated "
                f"or corrupt ({err})"
            ) from err


def open_tiff_source(path: Path, series: int = 0, within: Within | None = None) -> SourceImage:
    """Open a TIFF for conversion: check it, name its axes, read its metadata. The file
    must lie inside `within` (a job: its root's; None: wherever `path` leads).

    Raises NotFound for a missing file and ConversionError for a file that is not a
    TIFF, is truncated, or has no such series.
    """
    import tifffile

    path = Path(path)
    handle = _open_regular(path, within)
    try:
        with handle, tifffile_errors() as errors, tiff_from_handle(handle, path.name) as tif:
            if series >= len(tif.series):
                raise ConversionError(
                    f"{path.name} has {len(tif.series)} series; there is no series {series}"
                )
            found = tif.series[series]
            _check_complete(path, found)
            mapping = map_axes(found.axes, found.shape)
            metadata = _tiff_metadata(tif, series, mapping.target_axes)
            shape = tuple(s for s, a in zip(found.shape, mapping.keep, strict=True) if a)
            by_axis = dict(zip([a for a in mapping.keep if a], shape, strict=True))
            dtype = np.dtype(found.dtype)
            if errors:
                # tifffile logs (rather than raises) when pages point past the end.
                raise ConversionError(f"{path.name} is truncated or corrupt: {errors[0]}")
    except tifffile.TiffFileError as err:
        raise ConversionError(f"{path.name} is not a readable TIFF file: {err}") from err
    except (struct.error, ValueError, IndexError) as err:
        raise ConversionError(f"{path.name} is truncated or corrupt: {err}") from err
    ome_shape = tuple(by_axis[a] for a in mapping.target_axes)
    ref = TiffSeriesRef(str(path), series, 0, mapping, file_stamp(str(path)), within)
    return SourceImage(ref, ome_shape, dtype, metadata)


def tiff_series_count(path: Path, within: Within | None = None) -> tuple[int, str | None]:
    """How many series the TIFF holds, and its OME-XML (None when it is no OME-TIFF)."""
    import tifffile

    path = Path(path)
    try:
        with _open_regular(path, within) as handle, tiff_from_handle(handle, path.name) as tif:
            return len(tif.series), (tif.ome_metadata or None) if tif.is_ome else None
    except tifffile.TiffFileError as err:
        raise ConversionError(f"{path.name} is not a readable TIFF file: {err}") from err
    except (struct.error, ValueError, IndexError) as err:
        raise ConversionError(f"{path.name} is truncated or corrupt: {err}") from err


def _open_regular(path: Path, within: Within | None) -> BinaryIO:
    """The regular file at `path`, open (`confined_io`: never a FIFO or a device) inside
    `within` (None: the file itself, wherever it is); NotFound or ConversionError naming the
    file, never the server's path."""
    try:
        return open_file(path, within or Within.folders(path))
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"no such file: {path.name}") from None
    except OSError as err:  # a folder, a FIFO or device, no permission
        raise ConversionError(f"{path.name} cannot be read: {err.strerror}") from None


def _check_complete(path: Path, series: Any) -> None:
    """Fail fast when the data of the first or last page lies beyond the end of the file."""
    size = os.path.getsize(path)
    pages = [p for p in (series.pages[0], series.pages[-1]) if p is not None]
    for page in pages:
        ends = [o + n for o, n in zip(page.dataoffsets, page.databytecounts, strict=False)]
        if ends and max(ends) > size:
            raise ConversionError(
                f"{path.name} is truncated: its image data ends at byte {max(ends)} but the "
                f"file has {size} bytes"
            )


def _tiff_metadata(tif: Any, index: int, axes: str) -> ImageMetadata:
    """The conversion's metadata from the model of the series (`formats.tiff.tiff_series`,
    what the inspector shows): only the NGFF unit names and the target axes are added here."""
    series = tiff_series(tif, index)
    meta = ImageMetadata(axes=axes, ome_xml=(tif.ome_metadata or None) if tif.is_ome else None)
    if tif.is_ome and series.name:
        meta.name = series.name
    else:
        meta.name = Path(tif.filehandle.path).name
    for axis, (value, unit) in series.pixel_size.items():
        if axis in axes and isinstance(value, int | float) and value > 0:
            meta.scale[axis] = float(value)
            if (name := ngff_unit(unit)) is not None:
                meta.units[axis] = name
    if "t" in axes and series.time_spacing is not None:
        meta.scale["t"], unit = series.time_spacing
        if (name := ngff_unit(unit)) is not None:
            meta.units["t"] = name
    if "c" in axes:
        meta.channels = [_channel_info(channel) for channel in series.channels]
    if "c" in axes and "S" in series.axes.upper() and not meta.channels:
        meta.channels = [
            ChannelInfo(name, color)
            for name, color in (("red", "FF0000"), ("green", "00FF00"), ("blue", "0000FF"))
        ]
    return meta


def _channel_info(channel: TiffChannel) -> ChannelInfo:
    wavelength = channel.emission_wavelength or {}
    value = wavelength.get("value") if isinstance(wavelength, dict) else None
    window = channel.window
    start, end = (window.start, window.end) if window is not None else (None, None)
    return ChannelInfo(
        name=channel.name,
        color=channel.color,
        emission_wavelength=float(value) if value else None,
        emission_wavelength_unit=ngff_unit(wavelength.get("unit")) if value else None,
        window=(start, end) if start is not None and end is not None else None,
    )
