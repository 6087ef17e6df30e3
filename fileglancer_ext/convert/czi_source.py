"""Zeiss CZI as a conversion source, through pylibCZIrw (Zeiss's own libCZI).

pylibCZIrw reads any rectangle of one plane, stitching mosaic tiles as ZEN does, so
regions stream without loading a scene; it is maintained by Zeiss, ships wheels, and can
also write CZI files, which the tests use.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConversionError, NotFound
from ..system.confined_io import Within, open_file
from .controls import NO_CONTROLS, RunControls
from .image_meta import ChannelInfo, ImageMetadata
from .options import ConversionOptions
from .result import ConversionResult
from .source import SourceImage, file_stamp

GRAY_TYPES = {"Gray8": np.uint8, "Gray16": np.uint16, "Gray32Float": np.float32}
BGR_TYPES = {"Bgr24": np.uint8, "Bgr48": np.uint16, "Bgr96Float": np.float32}


@dataclass(frozen=True)
class CziSceneRef:
    """One scene (or the whole plane) of a CZI file, read in OME order (picklable)."""

    path: str
    axes: str  # OME axes, e.g. "czyx"
    sizes: tuple[int, ...]  # in OME order
    rect: tuple[int, int, int, int]  # x, y, width, height in CZI pixel coordinates
    starts: tuple[tuple[str, int], ...]  # first index of T, C, Z in the file
    rgb: bool
    dtype: str
    stamp: tuple[int, int] = (0, 0)  # file_stamp(path): a replaced file is a new ref
    within: Within | None = None  # where the file may lie (`_check_regular`)

    def open_reader(self) -> _CziReader:
        pyczi = _pylibczirw()
        _check_regular(Path(self.path), self.within)  # libCZI opens by name: never a FIFO
        return _CziReader(pyczi.CziReader(self.path), self)


class _CziReader:
    def __init__(self, reader: Any, ref: CziSceneRef) -> None:
        self._reader = reader
        self._ref = ref
        self.shape = ref.sizes

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        ref = self._ref
        by_axis = dict(zip(ref.axes, region, strict=True))
        y, x = by_axis["y"], by_axis["x"]
        roi = (ref.rect[0] + x.start, ref.rect[1] + y.start, x.stop - x.start, y.stop - y.start)
        starts = dict(ref.starts)
        outer = [a for a in ref.axes if a in "tcz" and not (a == "c" and ref.rgb)]
        shape = tuple(s.stop - s.start for s in region)
        out = np.empty(shape, dtype=ref.dtype)
        for index in itertools.product(*(range(by_axis[a].start, by_axis[a].stop) for a in outer)):
            plane = {"T": starts["T"], "Z": starts["Z"], "C": starts["C"]}
            plane.update(
                {a.upper(): starts[a.upper()] + i for a, i in zip(outer, index, strict=True)}
            )
            data = self._reader.read(roi=roi, plane=plane)  # (h, w, 1) or (h, w, 3) BGR
            where = dict(
                zip(
                    outer,
                    (i - by_axis[a].start for a, i in zip(outer, index, strict=True)),
                    strict=True,
                )
            )
            if ref.rgb:
                rgb = data[..., ::-1][..., by_axis["c"]]  # BGR -> RGB, then the asked channels
                target = tuple(where.get(a, slice(None)) for a in ref.axes if a not in "yx")
                out[target] = np.moveaxis(rgb, -1, 0)
            else:
                target = tuple(where[a] for a in ref.axes if a not in "yx")
                out[target] = data[..., 0]
        return out


def open_czi_source(path: Path, scene: int = 0, within: Within | None = None) -> SourceImage:
    """Open a CZI for conversion: one scene, its axes, pixel type and metadata. The file
    must lie inside `within` (a job: its root's; None: wherever `path` leads).

    Raises NotFound for a missing file and ConversionError for a file that is not a CZI,
    a pixel type we cannot convert, or a missing scene.
    """
    pyczi = _pylibczirw()
    path = Path(path)
    if _check_regular(path, within) != b"ZISRAWFILE":
        raise ConversionError(f"{path.name} is not a CZI file")
    try:
        with pyczi.open_czi(str(path)) as czi:
            pixel_types = set(czi.pixel_types.values())
            box = czi.total_bounding_box
            scenes = czi.scenes_bounding_rectangle
            rect = scenes[scene] if scenes else czi.total_bounding_rectangle
            if scenes and scene not in scenes:
                raise ConversionError(f"{path.name} has no scene {scene}")
            metadata = czi.metadata
    except ConversionError:
        raise
    except Exception as err:  # libCZI reports corrupt files with several exception types
        reason = str(err).replace(str(path), path.name)  # libCZI names the file it opened
        raise ConversionError(f"{path.name} cannot be read as a CZI file: {reason}") from err
    if len(pixel_types) != 1:
        raise ConversionError(f"{path.name} mixes pixel types {sorted(pixel_types)}")
    pixel_type = pixel_types.pop()
    if pixel_type not in GRAY_TYPES and pixel_type not in BGR_TYPES:
        raise ConversionError(
            f"{path.name} has the pixel type {pixel_type!r}, which cannot be converted; "
            f"supported: {', '.join([*GRAY_TYPES, *BGR_TYPES])}"
        )
    rgb = pixel_type in BGR_TYPES
    counts = {d: box[d][1] - box[d][0] if d in box else 1 for d in "TCZ"}
    if rgb and counts["C"] > 1:
        raise ConversionError(f"{path.name}: several RGB channels are not supported")
    sizes = {"t": counts["T"], "c": 3 if rgb else counts["C"], "z": counts["Z"]}
    axes = "".join(a for a in "tcz" if sizes[a] > 1 or a == "c") + "yx"
    sizes.update(y=rect.h, x=rect.w)
    ref = CziSceneRef(
        str(path),
        axes,
        tuple(sizes[a] for a in axes),
        (rect.x, rect.y, rect.w, rect.h),
        tuple((d, box[d][0] if d in box else 0) for d in "TCZ"),
        rgb,
        np.dtype((GRAY_TYPES | BGR_TYPES)[pixel_type]).str,
        file_stamp(str(path)),
        within,
    )
    dtype = np.dtype(ref.dtype)
    top = float(np.iinfo(dtype).max) if dtype.kind in "ui" else None
    meta = _czi_metadata(metadata, axes, path.name, rgb, top)
    return SourceImage(ref, ref.sizes, np.dtype(ref.dtype), meta)


def _pylibczirw() -> Any:
    """pylibCZIrw's `czi` module; an optional dependency (the `czi` extra), so its absence
    is a clear ConversionError instead of a bare ImportError."""
    try:
        from pylibCZIrw import czi
    except ImportError:
        raise ConversionError(
            "Reading CZI files needs pylibCZIrw: install fileglancer-ext[czi]"
        ) from None
    return czi


def _check_regular(path: Path, within: Within | None) -> bytes:
    """The first 10 bytes of the regular file at `path` (`confined_io`: never a FIFO or a
    device) inside `within` (None: the file itself); NotFound / ConversionError naming the
    file, not the server's path."""
    try:
        with open_file(path, within or Within.folders(path)) as handle:
            return handle.read(10)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"no such file: {path.name}") from None
    except OSError as err:
        raise ConversionError(f"{path.name} cannot be read: {err.strerror}") from None


def _czi_metadata(
    metadata: dict[str, Any], axes: str, name: str, rgb: bool, top: float | None = None
) -> ImageMetadata:
    """Pixel sizes, channel names, colours, wavelengths and display ranges; `top` is the
    largest value of the pixel type (None for floats)."""
    meta = ImageMetadata(axes=axes, name=name)
    document = (metadata or {}).get("ImageDocument", {}).get("Metadata", {}) or {}
    distances = ((document.get("Scaling") or {}).get("Items") or {}).get("Distance") or []
    for item in distances if isinstance(distances, list) else [distances]:
        axis = str(item.get("@Id", "")).lower()
        try:
            value = float(item.get("Value"))
        except (TypeError, ValueError):
            continue
        if axis in axes and value > 0:
            meta.scale[axis] = value * 1e6  # CZI stores metres
            meta.units[axis] = "micrometer"
    if rgb:
        meta.channels = [
            ChannelInfo("red", "FF0000"),
            ChannelInfo("green", "00FF00"),
            ChannelInfo("blue", "0000FF"),
        ]
        return meta
    image = (document.get("Information") or {}).get("Image") or {}
    channels = ((image.get("Dimensions") or {}).get("Channels") or {}).get("Channel") or []
    shown = _display_settings(document)
    for index, channel in enumerate(_as_list(channels)):
        display = shown.get(str(channel.get("@Id")), shown.get(f"Channel:{index}", {}))
        color = _czi_color(display.get("Color")) or _czi_color(channel.get("Color"))
        wavelength = channel.get("EmissionWavelength")
        meta.channels.append(
            ChannelInfo(
                name=channel.get("@Name"),
                color=color,
                emission_wavelength=float(wavelength) if wavelength else None,
                emission_wavelength_unit="nanometer" if wavelength else None,
                window=_czi_window(display, channel, top),
            )
        )
    return meta


def _as_list(value: Any) -> list[Any]:
    """An XML element that may occur once or more, as xmltodict gives it: always a list."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _display_settings(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """ZEN's display settings per channel id ("Channel:0"): colour and black/white points."""
    display = document.get("DisplaySetting") or {}
    channels = (display.get("Channels") or {}) if isinstance(display, dict) else {}
    found = channels.get("Channel") if isinstance(channels, dict) else None
    return {str(c.get("@Id")): c for c in _as_list(found or [])}


def _czi_color(value: Any) -> str | None:
    """ "#AARRGGBB" or "#RRGGBB" as "RRGGBB"."""
    text = str(value or "")
    return text[-6:].upper() if text.startswith("#") and len(text) in (7, 9) else None


def _czi_window(
    display: dict[str, Any], channel: dict[str, Any], top: float | None
) -> tuple[float, float] | None:
    """The display range ZEN shows: Low and High are fractions of the pixel type's range
    (of 2**bits - 1 when the channel says how many bits it uses); None for floats."""
    try:
        low, high = float(display["Low"]), float(display["High"])
    except (KeyError, TypeError, ValueError):
        return None
    if top is None or not 0 <= low < high <= 1:
        return None
    try:
        bits = int(channel.get("ComponentBitCount") or 0)
    except (TypeError, ValueError):
        bits = 0
    if 0 < bits and 2**bits - 1 < top:
        top = float(2**bits - 1)
    return (round(low * top), round(high * top))


def convert_czi_to_ome_zarr(
    source: Path,
    destination: Path,
    options: ConversionOptions | None = None,
    controls: RunControls = NO_CONTROLS,
) -> ConversionResult:
    """CZI (scene `options.series`; every scene as a bioformats2raw layout when unset and
    there are several, or "all") -> OME-Zarr with a pyramid; errors as for TIFF. The CZI
    must lie inside `within` (see `api`)."""
    from .layout import every_series, write_layout
    from .to_ome_zarr import write_source_as_ome_zarr

    options = (options or ConversionOptions()).validated()
    scenes = czi_scenes(Path(source), controls.within)
    every = every_series(options.series, scenes, True)
    if every is not None:
        opens = [partial(open_czi_source, Path(source), s, controls.within) for s in every]
        return write_layout(opens, Path(destination), options, controls, None)
    scene = options.series if isinstance(options.series, int) else (scenes or [0])[0]
    image = open_czi_source(Path(source), scene, controls.within)
    return write_source_as_ome_zarr(image, Path(destination), options, controls)


def czi_scenes(path: Path, within: Within | None = None) -> list[int]:
    """The scene indices of a CZI, in order ([] for a file without scenes)."""
    pyczi = _pylibczirw()
    if _check_regular(path, within) != b"ZISRAWFILE":
        raise ConversionError(f"{path.name} is not a CZI file")
    try:
        with pyczi.open_czi(str(path)) as czi:
            return sorted(czi.scenes_bounding_rectangle)
    except Exception as err:  # libCZI reports corrupt files with several exception types
        reason = str(err).replace(str(path), path.name)
        raise ConversionError(f"{path.name} cannot be read as a CZI file: {reason}") from err
