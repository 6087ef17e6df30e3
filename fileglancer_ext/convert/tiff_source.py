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
from ..formats.tiff import tifffile_errors
from ..system.confined_io import Within, open_file
from .image_meta import ChannelInfo, ImageMetadata, metadata_from_ome_xml, ngff_unit
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
            metadata = _tiff_metadata(tif, found, series, mapping.target_axes)
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


def _tiff_metadata(tif: Any, series: Any, index: int, axes: str) -> ImageMetadata:
    if tif.is_ome and tif.ome_metadata:
        meta = metadata_from_ome_xml(tif.ome_metadata, index, axes)
    else:
        meta = ImageMetadata(axes=axes)
        _read_imagej_or_resolution(tif, meta)
        if tif.imagej_metadata:
            size_c = dict(zip(series.axes.upper(), series.shape, strict=True)).get("C", 1)
            _read_imagej_time_and_display(tif.imagej_metadata, meta, size_c)
    meta.name = meta.name if meta.name != "image" else Path(tif.filehandle.path).name
    if "c" in axes and "S" in series.axes.upper() and not meta.channels:
        meta.channels = [
            ChannelInfo(name, color)
            for name, color in (("red", "FF0000"), ("green", "00FF00"), ("blue", "0000FF"))
        ]
    return meta


def _read_imagej_or_resolution(tif: Any, meta: ImageMetadata) -> None:
    """Pixel sizes of a non-OME TIFF: ImageJ's unit and spacing, or resolution tags."""
    page = tif.pages.first
    x_res = page.tags.get("XResolution")
    y_res = page.tags.get("YResolution")
    imagej = tif.imagej_metadata or {}
    unit = ngff_unit(imagej.get("unit"))
    unit_tag = page.tags.get("ResolutionUnit")
    if unit is None and unit_tag is not None and int(unit_tag.value) == 3:  # centimeter
        unit, factor = "micrometer", 1e4
    elif unit is None and unit_tag is not None and int(unit_tag.value) == 2:  # inch
        # 72 or 96 dpi are screen defaults, not a pixel size.
        if x_res is not None and _ratio(x_res.value) in (72.0, 96.0):
            return
        unit, factor = "micrometer", 25400.0
    else:
        factor = 1.0
    if unit is None:
        return
    for axis, tag in (("x", x_res), ("y", y_res)):
        if tag is not None and _ratio(tag.value) > 0:
            meta.scale[axis] = factor / _ratio(tag.value)
            meta.units[axis] = unit
    if "z" in meta.axes and imagej.get("spacing"):
        meta.scale["z"] = float(imagej["spacing"])
        meta.units["z"] = unit


# ImageJ's time units (Calibration.getTimeUnit, "sec" by default) as NGFF names.
_IMAGEJ_TIME_UNITS = {
    "sec": "second",
    "s": "second",
    "msec": "millisecond",
    "ms": "millisecond",
    "usec": "microsecond",
    "µs": "microsecond",
    "min": "minute",
    "hr": "hour",
    "h": "hour",
}


def _read_imagej_time_and_display(imagej: dict[str, Any], meta: ImageMetadata, size_c: int) -> None:
    """ImageJ's frame interval (`finterval`, in `tunit`) as the t spacing, and its display
    settings per channel: the ranges (`Ranges`, else `min`/`max` for one channel) and
    the colour at the top of each channel's LUT. ImageJ's `Labels` name planes, not
    channels: they are not channel names."""
    interval = imagej.get("finterval")
    if "t" in meta.axes and isinstance(interval, int | float) and interval > 0:
        meta.scale["t"] = float(interval)
        unit = str(imagej.get("tunit") or "sec")
        meta.units["t"] = _IMAGEJ_TIME_UNITS.get(unit) or ngff_unit(unit) or "second"
    if "c" not in meta.axes or meta.channels:
        return
    ranges = imagej.get("Ranges")
    windows: list[tuple[float, float] | None] = [None] * size_c
    if isinstance(ranges, list | tuple) and len(ranges) == 2 * size_c:
        windows = [(float(ranges[2 * i]), float(ranges[2 * i + 1])) for i in range(size_c)]
    elif size_c == 1 and "min" in imagej and "max" in imagej:
        windows = [(float(imagej["min"]), float(imagej["max"]))]
    luts = imagej.get("LUTs")
    colors: list[str | None] = [None] * size_c
    if isinstance(luts, list) and len(luts) == size_c:
        colors = [_lut_color(lut) for lut in luts]
    if any(windows) or any(colors):
        meta.channels = [
            ChannelInfo(color=color, window=window)
            for color, window in zip(colors, windows, strict=True)
        ]


def _lut_color(lut: Any) -> str | None:
    """The colour a channel's LUT gives its brightest value, as "RRGGBB"."""
    table = np.asarray(lut)
    if table.shape != (3, 256):
        return None
    red, green, blue = (int(v) for v in table[:, 255])
    return f"{red:02X}{green:02X}{blue:02X}"


def _ratio(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2 and value[1]:
        return value[0] / value[1]
    return float(value) if not isinstance(value, tuple) else 0.0
