"""TIFF / BigTIFF / OME-TIFF summaries: series, pyramid levels, tiling and OME metadata.

`tiff_summary(reader, path)` opens the file with `tifffile.TiffFile` and reads its IFDs,
tags and descriptions only, never pixel data. It returns the inspector's `tiff` section::

    {
      "byteorder": "<" | ">", "bigtiff": bool, "file_size": int,
      "flavors": ["ome", "imagej", ...],   # tifffile's is_* flags that are set
      "series_total": int,
      "series": [SERIES],                  # at most MAX_SERIES
      "ome_xml": {"images": [...], ...} | None,   # ome.ome_xml_summary of the OME-XML
      "imagej": {"images", "channels", "slices", "frames", "unit", "spacing", ...} | None,
    }

SERIES (rendered from `model.TiffSeries`) is `{index, name, kind, axes, shape, dims, dtype,
byte_order, dtype_code, logical_bytes, levels, pixel_size, channels, time_spacing}` where
`dtype` is the plain name ("uint16"), `dtype_code` numpy's ("<u2"), `axes` tifffile's axes
string ("CZYX", "YXS", "IYX"...), `dims` the same as lowercase names, `levels` one `{level,
shape, tile, rows_per_strip, compression, predictor, photometric, planar, subifd}` per level
(level 0 first; more than one for a SubIFD / multi-series pyramid), `pixel_size` `{axis:
{value, unit}}` for x/y/z, `time_spacing` `{value, unit}` (the OME-XML's TimeIncrement or
ImageJ's frame interval) or None, and `channels` `[{name, color, emission_wavelength,
excitation_wavelength, window}]` (wavelengths as `{value, unit}`, `window` `{start, end,
min, max}` or None). Pixel sizes and channels come from the OME-XML; else from ImageJ
metadata (LUT colours, display ranges, slice labels) and the resolution tags.

A file that is not a TIFF (magic bytes), is cut short or unreadable becomes a problem on the
reader and the summary is None: bad files never raise.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from ..system.confined_io import open_file
from .detect import TIFF_MAGICS, tiff_from_handle
from .jsonio import MetadataReader, short
from .model import (
    MAX_LIST,
    TiffChannel,
    TiffLevel,
    TiffSeries,
    dtype_fields,
    imagej_channel_names,
    imagej_lut_colors,
    imagej_time_spacing,
    imagej_windows,
    ome_time_spacing,
    ome_xml_summary,
)

MAX_SERIES = 100  # a plate scan can hold thousands; enough for any panel
MAX_IMAGEJ_KEYS = ("images", "channels", "slices", "frames", "hyperstack", "mode", "unit")
# Flags worth showing; tifffile has dozens more for vendor formats.
_FLAVORS = ("ome", "imagej", "shaped", "bigtiff", "micromanager", "svs", "ndpi", "lsm", "stk")
_RESOLUTION_UNITS = {2: ("inch", 25400.0), 3: ("centimeter", 10000.0)}  # -> micrometer
_CHANNEL_KEYS = ("name", "color", "emission_wavelength", "excitation_wavelength")
# tifffile's axis codes -> the names the rest of the inspector uses (S: samples, e.g. RGB;
# I / Q: pages of a stack without metadata).
_DIM_NAMES = {"T": "t", "C": "c", "Z": "z", "Y": "y", "X": "x", "S": "s", "I": "i", "Q": "q"}


def tiff_summary(reader: MetadataReader, path: Path) -> dict[str, Any] | None:
    """The `tiff` section for the file at `path` (module docstring), or None with a problem."""
    try:
        handle = open_file(path, reader.within)
    except OSError as err:  # confined_io.Refused too: a FIFO, or a symlink out
        reader.problem(path, f"cannot read this file: {err.strerror or short(err)}")
        return None
    with handle:
        return _summarize_handle(reader, path, handle)


def _summarize_handle(reader: MetadataReader, path: Path, handle: BinaryIO) -> dict | None:
    """`tiff_summary` of the file open as `handle`: tifffile reads that file, nothing else."""
    try:
        magic = handle.read(4)
        handle.seek(0)
    except OSError as err:
        reader.problem(path, f"cannot read this file: {err.strerror or short(err)}")
        return None
    if magic not in TIFF_MAGICS:
        reader.problem(path, "not a TIFF file (its first bytes are not a TIFF header)")
        return None
    try:
        with tifffile_errors() as errors, tiff_from_handle(handle, path.name) as tif:
            summary = summarize_open_tiff(reader, tif, path)
    except (struct.error, EOFError):  # a header or IFD that the file cuts off
        reader.problem(path, "damaged TIFF file: truncated")
        return None
    except Exception as err:  # tifffile raises many types on corrupt files
        reader.problem(path, f"damaged TIFF file: {short(err)}")
        return None
    for message in errors[:5]:
        reader.problem(path, f"damaged TIFF file: {short(Exception(message))}")
    return summary


@contextmanager
def tifffile_errors() -> Iterator[list[str]]:
    """The errors tifffile logs (rather than raises) while a file is open, e.g. an IFD
    past the end of the file; the inspector and the TIFF converter both report them."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("tifffile")
    handler = Collect(logging.ERROR)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def summarize_open_tiff(reader: MetadataReader, tif: Any, path: Path) -> dict[str, Any]:
    """The `tiff` section of an open `tifffile.TiffFile` (problems go to `reader`)."""
    ome_xml = _ome_xml(tif, lambda err: reader.problem(path, f"cannot parse the OME-XML: {err}"))
    imagej = tif.imagej_metadata if tif.is_imagej else None
    all_series = tif.series
    series = []
    for index, found in enumerate(all_series[:MAX_SERIES]):
        entry = _series(found, index, ome_xml, imagej)
        _check_complete(reader, path, found, tif.filehandle.size)
        series.append(entry)
    if not series:
        reader.problem(path, "the TIFF file holds no image")
    return {
        "byteorder": tif.byteorder,
        "bigtiff": bool(tif.is_bigtiff),
        "file_size": tif.filehandle.size,
        "flavors": [flag for flag in _FLAVORS if getattr(tif, f"is_{flag}", False)],
        "series_total": len(all_series),
        "series": series,
        "ome_xml": ome_xml,
        "imagej": _imagej(imagej),
    }


def tiff_series(tif: Any, index: int) -> TiffSeries:
    """The model of series `index` of an open `tifffile.TiffFile`, as the inspector reads
    it (the TIFF conversion input takes its metadata from here). Broken OME-XML is left
    out, as the inspector does (which reports it as a problem)."""
    imagej = tif.imagej_metadata if tif.is_imagej else None
    ome_xml = _ome_xml(tif, lambda err: None, limit=max(MAX_LIST, index + 1))
    return read_series(tif.series[index], index, ome_xml, imagej)


def _ome_xml(tif: Any, problem: Callable[[str], None], limit: int = MAX_LIST) -> dict | None:
    """`ome_xml_summary` of the file's first `limit` OME-XML images; None without OME-XML
    or when it is broken."""
    if not (tif.is_ome and tif.ome_metadata):
        return None
    try:
        return ome_xml_summary(tif.ome_metadata, limit)
    except Exception as err:  # broken OME-XML is common in the wild
        problem(short(err))
        return None


def _series(found: Any, index: int, ome_xml: dict | None, imagej: dict | None) -> dict[str, Any]:
    return series_json(read_series(found, index, ome_xml, imagej))


def read_series(found: Any, index: int, ome_xml: dict | None, imagej: dict | None) -> TiffSeries:
    """The model of one of tifffile's series; pixel sizes and channels from the OME-XML
    summary when the file has one, else from ImageJ metadata and the resolution tags."""
    axes = found.axes
    pixel_size: dict[str, tuple[Any, Any]] = {}
    channels: list[TiffChannel] = []
    time_spacing = imagej_time_spacing(imagej)
    image = _ome_image(ome_xml, index)
    if image is not None:
        time_spacing = ome_time_spacing(image.get("time_increment"))
        pixel_size = {
            axis: (size["value"], _unit(size["unit"]))
            for axis, size in image["physical_size"].items()
            if size is not None
        }
        channels = [
            TiffChannel(*(ch.get(key) for key in _CHANNEL_KEYS)) for ch in image["channels"]
        ]
    elif found.keyframe is not None:
        pixel_size = {
            axis: (size["value"], size["unit"])
            for axis, size in _pixel_size_from_tags(found.keyframe, imagej, axes).items()
        }
        channels = _imagej_channels(imagej, axes, tuple(found.shape))
    return TiffSeries(
        index=index,
        name=found.name or None,
        kind=found.kind or None,
        axes=axes,
        dims=tuple(_DIM_NAMES.get(a, a.lower()) for a in axes),
        shape=tuple(int(n) for n in found.shape),
        logical_bytes=int(found.nbytes),
        levels=tuple(_level(number, level) for number, level in enumerate(found.levels)),
        pixel_size=pixel_size,
        channels=tuple(channels),
        time_spacing=time_spacing if "T" in axes else None,
        **dtype_fields(found.dtype),
    )


def series_json(series: TiffSeries) -> dict[str, Any]:
    """The inspector's SERIES dict (module docstring), rendered from the model."""
    return {
        "index": series.index,
        "name": series.name,
        "kind": series.kind,
        "axes": series.axes,
        "dims": list(series.dims),
        "shape": list(series.shape),
        "dtype": series.dtype,
        "byte_order": series.byte_order,
        "dtype_code": series.dtype_code,
        "logical_bytes": series.logical_bytes,
        "levels": [_level_json(level) for level in series.levels],
        "pixel_size": {
            axis: {"value": value, "unit": unit}
            for axis, (value, unit) in series.pixel_size.items()
        },
        "channels": [_channel_json(channel) for channel in series.channels],
        "time_spacing": (
            {"value": series.time_spacing[0], "unit": series.time_spacing[1]}
            if series.time_spacing is not None
            else None
        ),
    }


def _channel_json(channel: TiffChannel) -> dict[str, Any]:
    window = channel.window
    return {key: getattr(channel, key) for key in _CHANNEL_KEYS} | {
        "window": (
            {"start": window.start, "end": window.end, "min": window.min, "max": window.max}
            if window is not None
            else None
        )
    }


def _level(number: int, level: Any) -> TiffLevel:
    page = level.keyframe
    tiled = page is not None and page.is_tiled
    return TiffLevel(
        level=number,
        shape=tuple(int(n) for n in level.shape),
        tile=(int(page.tilelength), int(page.tilewidth)) if tiled else None,
        rows_per_strip=int(page.rowsperstrip) if page is not None and not tiled else None,
        compression=_enum_name(page.compression) if page is not None else None,
        predictor=_enum_name(page.predictor, "PREDICTOR") if page is not None else None,
        photometric=_enum_name(page.photometric, "PHOTOMETRIC") if page is not None else None,
        planar=_enum_name(page.planarconfig, "PLANARCONFIG") if page is not None else None,
        subifd=bool(number and page is not None and page.is_subifd),
    )


def _level_json(level: TiffLevel) -> dict[str, Any]:
    return {
        "level": level.level,
        "shape": list(level.shape),
        "tile": list(level.tile) if level.tile is not None else None,
        "rows_per_strip": level.rows_per_strip,
        "compression": level.compression,
        "predictor": level.predictor,
        "photometric": level.photometric,
        "planar": level.planar,
        "subifd": level.subifd,
    }


def _enum_name(value: Any, enum: str = "COMPRESSION") -> str | None:
    """A tag value's name ("ZSTD", "HORIZONTAL"); tifffile leaves some as plain ints."""
    import tifffile

    if value is None:
        return None
    try:
        return getattr(tifffile, enum)(int(value)).name
    except (ValueError, TypeError, AttributeError):
        return str(value)


def _check_complete(reader: MetadataReader, path: Path, found: Any, size: int) -> None:
    """A problem when the first or last page's data ends past the end of the file."""
    pages = [found.pages[0], found.pages[-1]] if len(found.pages) else []
    for page in pages:
        if page is None or not hasattr(page, "dataoffsets"):
            continue
        ends = [o + n for o, n in zip(page.dataoffsets, page.databytecounts, strict=False)]
        if ends and max(ends) > size:
            reader.problem(
                path,
                f"truncated TIFF file: image data ends at byte {max(ends)} but the file has "
                f"{size} bytes",
            )
            return


def _ome_image(ome_xml: dict | None, index: int) -> dict | None:
    images = (ome_xml or {}).get("images") or []
    return images[index] if index < len(images) else None


def _pixel_size_from_tags(page: Any, imagej: dict | None, axes: str) -> dict[str, Any]:
    """x/y (and ImageJ's z spacing) from the resolution tags; screen dpi are no pixel size."""
    imagej = imagej or {}
    unit = imagej.get("unit")
    factor = 1.0
    if not unit or unit == "pixel":
        unit = None
        known = _RESOLUTION_UNITS.get(int(getattr(page, "resolutionunit", 1) or 1))
        if known is not None:
            unit, factor = "micrometer", known[1]
    if unit is None:
        return {}
    x_res, y_res = page.resolution if page.resolution else (0.0, 0.0)
    if unit == "micrometer" and factor == 25400.0 and x_res in (72.0, 96.0):
        return {}  # the writer's default dpi, not a measurement
    sizes = {}
    for axis, res in (("x", x_res), ("y", y_res)):
        if res and res > 0:
            sizes[axis] = {"value": factor / res, "unit": _unit(unit)}
    spacing = imagej.get("spacing")
    if "Z" in axes and isinstance(spacing, int | float) and spacing > 0:
        sizes["z"] = {"value": float(spacing), "unit": _unit(unit)}
    return sizes


# OME-XML and ImageJ unit symbols -> the UDUNITS names OME-NGFF axes use.
_UNIT_NAMES = {
    "Å": "angstrom",
    "nm": "nanometer",
    "µm": "micrometer",
    "\u03bcm": "micrometer",  # Greek mu, as some writers spell it
    "um": "micrometer",
    "micron": "micrometer",
    "\\u00B5m": "micrometer",  # ImageJ's escaped micro sign
    "mm": "millimeter",
    "cm": "centimeter",
    "m": "meter",
}


def _unit(unit: Any) -> Any:
    """The OME-NGFF name of a length unit symbol; unknown units as they are."""
    text = getattr(unit, "value", unit)
    return _UNIT_NAMES.get(text, text) if isinstance(text, str) else text


def _imagej_channels(imagej: dict | None, axes: str, shape: tuple) -> list[TiffChannel]:
    """ImageJ's channels: names from slice labels that name a channel (`model`), display
    ranges from `Ranges` / `min`, `max`, colours from the top of each channel's LUT. A
    single-channel image (no C axis) has one channel when ImageJ gives it a display range
    or a LUT."""
    count = int(shape[axes.index("C")]) if "C" in axes else 1
    names = imagej_channel_names(imagej, axes, shape)
    windows = imagej_windows(imagej, count)
    colors = imagej_lut_colors(imagej, count)
    if "C" not in axes and windows[0] is None and colors[0] is None:
        return []
    return [TiffChannel(names[i], colors[i], None, None, windows[i]) for i in range(count)]


def _imagej(imagej: dict | None) -> dict[str, Any] | None:
    """The ImageJ description's JSON-safe keys (its LUTs and ranges are arrays)."""
    if imagej is None:
        return None
    keys = MAX_IMAGEJ_KEYS + ("spacing", "finterval", "loop", "ImageJ", "min", "max")
    return {
        key: value
        for key, value in imagej.items()
        if key in keys and isinstance(value, str | int | float | bool)
    }
