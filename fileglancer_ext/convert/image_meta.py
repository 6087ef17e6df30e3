"""The image metadata a conversion carries across formats, and reading it from OME-XML."""

from __future__ import annotations

from dataclasses import dataclass, field

# OME-XML unit symbols -> the unit names OME-NGFF uses (UDUNITS-2).
NGFF_UNITS = {
    "Å": "angstrom",
    "nm": "nanometer",
    "µm": "micrometer",
    "um": "micrometer",
    "micron": "micrometer",
    "mm": "millimeter",
    "cm": "centimeter",
    "m": "meter",
    "pm": "picometer",
    "s": "second",
    "ms": "millisecond",
    "µs": "microsecond",
    "ns": "nanosecond",
    "min": "minute",
    "h": "hour",
}
# ... and back, for writing OME-XML from OME-Zarr.
OME_UNITS = {name: symbol for symbol, name in NGFF_UNITS.items() if symbol not in ("um", "micron")}


@dataclass(frozen=True)
class ChannelInfo:
    name: str | None = None
    color: str | None = None  # "RRGGBB"
    emission_wavelength: float | None = None
    emission_wavelength_unit: str | None = None  # an NGFF unit name, e.g. "nanometer"
    window: tuple[float, float] | None = None  # the display range the source chose


@dataclass
class ImageMetadata:
    """What we know about an image beyond its pixels, with axes in OME-Zarr order."""

    axes: str  # e.g. "tczyx", "cyx"
    name: str = "image"
    scale: dict[str, float] = field(default_factory=dict)  # pixel size per axis
    translation: dict[str, float] = field(default_factory=dict)  # level 0's offset per axis
    units: dict[str, str] = field(default_factory=dict)  # NGFF unit name per axis
    channels: list[ChannelInfo] = field(default_factory=list)
    ome_xml: str | None = None  # the original OME-XML, kept as OME/METADATA.ome.xml

    def scale_tuple(self) -> tuple[float, ...]:
        return tuple(float(self.scale.get(axis, 1.0)) for axis in self.axes)

    def translation_tuple(self) -> tuple[float, ...]:
        return tuple(float(self.translation.get(axis, 0.0)) for axis in self.axes)


def ngff_unit(symbol: object) -> str | None:
    """An NGFF unit name for an OME-XML or ImageJ unit (symbol or enum), or None."""
    text = getattr(symbol, "value", symbol)
    if not isinstance(text, str):
        return None
    text = text.strip()
    return NGFF_UNITS.get(text) or (text if text in NGFF_UNITS.values() else None)


def metadata_from_ome_xml(xml: str, image_index: int, axes: str) -> ImageMetadata:
    """Pixel sizes, units, channel names/colours/wavelengths of one OME-XML Image.

    Unparseable XML gives metadata with only the axes: the pixels matter more.
    """
    import ome_types

    meta = ImageMetadata(axes=axes, ome_xml=xml)
    try:
        ome = ome_types.from_xml(xml)
        image = ome.images[image_index]
    except Exception:  # broken OME-XML in the wild is common; convert the pixels anyway
        return meta
    pixels = image.pixels
    meta.name = image.name or meta.name
    for axis in "xyz":
        size = getattr(pixels, f"physical_size_{axis}")
        if size:
            meta.scale[axis] = float(size)
            unit = ngff_unit(getattr(pixels, f"physical_size_{axis}_unit"))
            if unit:
                meta.units[axis] = unit
    if pixels.time_increment:
        meta.scale["t"] = float(pixels.time_increment)
        unit = ngff_unit(pixels.time_increment_unit)
        if unit:
            meta.units["t"] = unit
    for channel in pixels.channels:
        explicit = channel.model_fields_set
        color = None
        if "color" in explicit and channel.color is not None:
            red, green, blue = channel.color.as_rgb_tuple()[:3]
            color = f"{red:02X}{green:02X}{blue:02X}"
        wavelength = channel.emission_wavelength
        meta.channels.append(
            ChannelInfo(
                name=channel.name,
                color=color,
                emission_wavelength=float(wavelength) if wavelength else None,
                emission_wavelength_unit=ngff_unit(channel.emission_wavelength_unit)
                if wavelength
                else None,
            )
        )
    return meta
