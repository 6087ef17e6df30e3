"""Reading an OME-Zarr image (NGFF 0.4 or 0.5) or a plain Zarr array as a conversion input."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConversionError, NotFound
from ..formats.zarr_meta import array_bounds_problem
from .image_meta import ChannelInfo, ImageMetadata
from .ome_zarr_out import OME_XML_PATH


@dataclass
class ZarrInput:
    """An OME-Zarr multiscale image (levels in declared order) or a single plain array
    (one level at path "", `is_ome` False)."""

    path: Path
    zarr_format: int
    is_ome: bool
    metadata: ImageMetadata
    level_paths: list[str] = field(default_factory=list)
    level_scales: list[tuple[float, ...]] = field(default_factory=list)
    omero: dict[str, Any] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)  # a plain array's own

    def level_path(self, index: int) -> Path:
        if not 0 <= index < len(self.level_paths):
            raise ConversionError(
                f"{self.path.name} has {len(self.level_paths)} level(s); there is no level {index}"
            )
        return self.path / self.level_paths[index] if self.level_paths[index] else self.path

    def open_level(self, index: int) -> Any:
        import zarr

        array = zarr.open_array(self.level_path(index), mode="r")
        problem = array_bounds_problem(array.shape, array.chunks)
        if problem is not None:
            raise ConversionError(f"{self.path.name} level {index} is malformed: {problem}")
        return array


def open_zarr_input(path: Path) -> ZarrInput:
    """Open a Zarr group with OME multiscales, or a plain Zarr array.

    Raises NotFound for a missing path and ConversionError for anything else (a group
    without multiscales, unreadable metadata).
    """
    import zarr

    path = Path(path)
    if not path.exists():
        raise NotFound(f"no such file or folder: {path}")
    try:
        node = zarr.open(path, mode="r")
    except Exception as err:  # zarr raises several types for "not a zarr store"
        raise ConversionError(f"{path.name} is not a Zarr array or group: {err}") from err
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
            attributes=attrs,
        )
    ome = attrs.get("ome", attrs)
    multiscales = ome.get("multiscales")
    if not multiscales:
        raise ConversionError(f"{path.name} is a Zarr group without OME-NGFF multiscales")
    multiscale = multiscales[0]
    axes_meta = multiscale.get("axes") or []
    axes = "".join(a["name"] if isinstance(a, dict) else a for a in axes_meta)
    if not axes or any(a not in "tczyx" for a in axes):
        raise ConversionError(f"{path.name}: only t, c, z, y, x axes are supported, got {axes!r}")
    datasets = multiscale["datasets"]
    scales = [_scale_of(d, len(axes)) for d in datasets]
    meta = ImageMetadata(
        axes=axes,
        name=multiscale.get("name") or path.name,
        scale=dict(zip(axes, scales[0], strict=True)),
        units={a["name"]: a["unit"] for a in axes_meta if isinstance(a, dict) and a.get("unit")},
        channels=_channels(ome.get("omero")),
    )
    xml = path / OME_XML_PATH
    if xml.is_file():
        meta.ome_xml = xml.read_text(encoding="utf-8")
    return ZarrInput(
        path, zarr_format, True, meta, [d["path"] for d in datasets], scales, ome.get("omero")
    )


def _scale_of(dataset: dict[str, Any], ndim: int) -> tuple[float, ...]:
    for transform in dataset.get("coordinateTransformations", []):
        if transform.get("type") == "scale" and "scale" in transform:
            return tuple(float(v) for v in transform["scale"])
    return (1.0,) * ndim


def _channels(omero: dict[str, Any] | None) -> list[ChannelInfo]:
    channels = []
    for channel in (omero or {}).get("channels", []):
        wavelength = channel.get("emissionWavelength")
        channels.append(
            ChannelInfo(
                name=channel.get("label"),
                color=channel.get("color"),
                emission_wavelength=float(wavelength) if wavelength else None,
                emission_wavelength_unit=channel.get("emissionWavelengthUnit"),
            )
        )
    return channels


def _guess_axes(ndim: int, names: Any) -> str:
    """A plain array's axes: its dimension names when they are OME axes, else the last
    ndim of "tczyx"."""
    if names and all(n in tuple("tczyx") for n in names) and len(set(names)) == len(names):
        return "".join(names)
    if ndim > 5 or ndim < 2:
        raise ConversionError(f"an array with {ndim} dimensions cannot be an image")
    return "tczyx"[-ndim:]
