"""The image metadata a conversion carries across formats, with NGFF unit names.

Inputs fill it from the dataset model (`formats.model`); a TIFF's from its `TiffSeries`.
"""

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
