"""Reading an OME-Zarr image (NGFF 0.4 or 0.5) or a plain Zarr array as a conversion input.

Every file of the input is read through `confined_store.ConfinedStore` (`confined_io`),
only from inside the input's own folder: a chunk or metadata document symlinked out of it,
or a FIFO named like one, stops the conversion with a `ConversionError` naming the file,
so nothing from outside is ever copied into the output.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConversionError, NotFound
from ..formats.jsonio import MetadataReader
from ..formats.model import ImageLabel, read_ome
from ..formats.zarr_meta import array_bounds_problem
from ..system.confined_io import ANYWHERE, Refused, Within, read_bounded
from ..system.confined_store import open_confined, open_confined_array
from .image_meta import ChannelInfo, ImageMetadata
from .ome_zarr_out import OME_XML_PATH
from .plan import RegionReader, _ZarrReader

MAX_OME_XML_BYTES = 50 * 2**20


@dataclass
class ZarrInput:
    """An OME-Zarr multiscale image (levels largest first, as the dataset model has them)
    or a single plain array (one level at path "", `is_ome` False)."""

    path: Path
    zarr_format: int
    is_ome: bool
    metadata: ImageMetadata
    level_paths: list[str] = field(default_factory=list)
    level_scales: list[tuple[float, ...]] = field(default_factory=list)
    level_translations: list[tuple[float, ...] | None] = field(default_factory=list)
    omero: dict[str, Any] | None = None
    # How the levels were made (the multiscale's "type" and "metadata", as stored).
    provenance: dict[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] = ()  # the label images of its `labels` group
    image_label: dict[str, Any] | None = None  # set when this is a label image
    attributes: dict[str, Any] = field(default_factory=dict)  # a plain array's own
    within: Within = ANYWHERE  # where its files may be read from

    def level_path(self, index: int) -> Path:
        if not 0 <= index < len(self.level_paths):
            raise ConversionError(
                f"{self.path.name} has {len(self.level_paths)} level(s); there is no level {index}"
            )
        return self.path / self.level_paths[index] if self.level_paths[index] else self.path

    def open_level(self, index: int) -> Any:
        path = self.level_path(index)
        with _refusals_as_conversion_errors():
            array = open_confined_array(path, self.within)
        problem = array_bounds_problem(array.shape, array.chunks)
        if problem is not None:
            raise ConversionError(f"{self.path.name} level {index} is malformed: {problem}")
        return array

    def level_ref(self, index: int) -> ConfinedZarrRef:
        """A picklable reference to level `index` for conversion tasks, confined like this."""
        return ConfinedZarrRef(str(self.level_path(index)), self.within)


@dataclass(frozen=True)
class ConfinedZarrRef:
    """A Zarr array that conversion tasks read (only) through a `ConfinedStore`."""

    path: str
    within: Within

    def open_reader(self) -> RegionReader:
        with _refusals_as_conversion_errors():
            return _ConfinedReader(open_confined_array(self.path, self.within))


class _ConfinedReader(_ZarrReader):
    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        with _refusals_as_conversion_errors():
            return super().read(region)


@contextmanager
def _refusals_as_conversion_errors() -> Iterator[None]:
    try:
        yield
    except Refused as err:  # a FIFO, or a symlink out of the input: nothing copied
        raise ConversionError(f"{err.strerror}; the conversion stopped") from None


def open_zarr_input(path: Path, within: Within | None = None) -> ZarrInput:
    """Open a Zarr group with OME multiscales, or a plain Zarr array.

    Its files are read only inside `within` (default: the input's own folder).
    Raises NotFound for a missing path and ConversionError for anything else (a group
    without multiscales, unreadable metadata, a file that is a FIFO or leads outside).
    """
    import zarr

    path = Path(path)
    if not path.exists():
        raise NotFound(f"no such file or folder: {path.name}")
    within = within if within is not None else Within.folders(path)
    try:
        with _refusals_as_conversion_errors():
            node = open_confined(path, within)
    except ConversionError:
        raise
    except Exception as err:  # zarr raises several types for "not a zarr store"
        reason = str(err).replace(str(path), path.name)
        raise ConversionError(f"{path.name} is not a Zarr array or group: {reason}") from err

    zarr_format = node.metadata.zarr_format
    attrs = node.attrs.asdict()
    if isinstance(node, zarr.Array):
        axes = _guess_axes(node.ndim, getattr(node.metadata, "dimension_names", None))
        return ZarrInput(
            path,
            zarr_format,
            False,
            ImageMetadata(axes=axes, name=path.name),
            [""],
            [(1.0,) * node.ndim],
            [None],
            attributes=attrs,
            within=within,
        )
    group = read_ome(MetadataReader(path, within), path)
    image = group.image
    if image is None:
        raise ConversionError(f"{path.name} is a Zarr group without OME-NGFF multiscales")
    axes = "".join(image.axis_names)
    if not axes or any(a not in "tczyx" for a in axes) or len(set(axes)) != len(axes):
        raise ConversionError(f"{path.name}: only t, c, z, y, x axes are supported, got {axes!r}")
    if not image.levels:
        raise ConversionError(f"{path.name}: the multiscale lists no levels")
    for level in image.levels:
        if level.array is None:  # no metadata, or a path leading outside the image
            raise ConversionError(f"{path.name}: level {level.path!r} is no readable array")
    # The world scale of each level (the multiscale's scale applied); 1 where none is given.
    scales = [level.scale or (1.0,) * len(axes) for level in image.levels]
    meta = ImageMetadata(
        axes=axes,
        name=image.name or path.name,
        scale=dict(zip(axes, scales[0], strict=True)),
        translation=dict(zip(axes, image.levels[0].translation or (), strict=False)),
        units={a.name: a.unit for a in image.axes if a.unit},
        channels=[
            ChannelInfo(
                name=channel.label,
                color=channel.color,
                emission_wavelength=_float(channel.extra.get("emissionWavelength")),
                emission_wavelength_unit=channel.extra.get("emissionWavelengthUnit"),
            )
            for channel in image.channels
        ],
    )
    meta.ome_xml = _ome_xml(path / OME_XML_PATH, within)
    ome = attrs.get("ome", attrs)
    omero = ome.get("omero") if isinstance(ome.get("omero"), dict) else None
    return ZarrInput(
        path,
        zarr_format,
        True,
        meta,
        [level.path for level in image.levels],
        scales,
        [level.translation for level in image.levels],
        omero,  # copied as it is into a re-encoded image
        provenance={"type": image.type, "metadata": image.metadata},
        labels=tuple(label.name for label in group.labels or ()),
        image_label=_image_label(group.image_label),
        within=within,
    )


def _image_label(label: ImageLabel | None) -> dict[str, Any] | None:
    """A label image's "image-label" object as stored (without its version)."""
    if label is None:
        return None
    fields = {"colors": label.colors, "properties": label.properties, "source": label.source}
    return {k: v for k, v in fields.items() if v is not None}


def _ome_xml(path: Path, within: Within) -> str | None:
    """The bioformats2raw OME-XML kept next to the image, or None when there is none."""
    try:
        return read_bounded(path, within, limit=MAX_OME_XML_BYTES).decode("utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except (OSError, ValueError) as err:  # Refused, TooLarge, not UTF-8
        reason = getattr(err, "strerror", None) or err
        raise ConversionError(f"cannot read {OME_XML_PATH}: {reason}") from None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _guess_axes(ndim: int, names: Any) -> str:
    """A plain array's axes: its dimension names when they are OME axes, else the last
    ndim of "tczyx"."""
    if names and all(n in tuple("tczyx") for n in names) and len(set(names)) == len(names):
        return "".join(names)
    if ndim > 5 or ndim < 2:
        raise ConversionError(f"an array with {ndim} dimensions cannot be an image")
    return "tczyx"[-ndim:]
