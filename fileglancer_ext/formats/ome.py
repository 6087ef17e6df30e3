"""OME-NGFF 0.1-0.5 summaries: multiscales, omero, labels, plate/well and bioformats2raw.

`ome_summary` takes the OME attributes of one group (0.5: `zarr.json` attributes["ome"];
up to 0.4: the `.zattrs` document), reads them into the model (`model.read_ome`: each
pyramid level's array metadata, never chunks, the labels group, and for bioformats2raw the
OME group and `OME/METADATA.ome.xml`) and renders the inspector's JSON-ready dict from it.
Problems are recorded on the `MetadataReader`; nothing here raises for bad data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import model
from .model import (
    MAX_LIST,
    MAX_OME_XML_BYTES,
    Bioformats2raw,
    Channel,
    ImageLabel,
    Level,
    NgffImage,
    OmeGroup,
    Omero,
    Plate,
    Well,
    ome_xml_summary,
    read_ome,
)
from .model import ome_attributes as group_attrs
from .zarr_meta import MetadataReader

__all__ = [
    "MAX_LIST",
    "MAX_OME_XML_BYTES",
    "group_attrs",
    "ome_json",
    "ome_summary",
    "ome_xml_summary",
]


def ome_summary(reader: MetadataReader, path: Path, attrs: dict[str, Any]) -> dict[str, Any]:
    """Everything OME about the group at `path`: keys are None when it does not declare them."""
    return ome_json(read_ome(reader, path, attrs))


def ome_json(group: OmeGroup) -> dict[str, Any]:
    """The inspector's OME dict, rendered from the model."""
    return {
        "version": group.version,
        "multiscales": (
            [_multiscale(image) for image in group.images] if group.images is not None else None
        ),
        "omero": _omero_json(group.omero) if group.omero is not None else None,
        "labels": (
            [{"name": label.name, **_image_label(label.image_label)} for label in group.labels]
            if group.labels is not None
            else None
        ),
        "image_label": _image_label(group.image_label) if group.image_label else None,
        "plate": _plate(group.plate) if group.plate is not None else None,
        "well": _well(group.well) if group.well is not None else None,
        "bioformats2raw": (
            _bioformats2raw(group.bioformats2raw) if group.bioformats2raw is not None else None
        ),
    }


def _vector(values: tuple[float, ...] | None) -> list[float] | None:
    return list(values) if values is not None else None


def _level(image: NgffImage, level: Level) -> dict[str, Any]:
    array = level.array
    return {
        "path": level.path,
        "shape": _vector(array.shape) if array else None,  # type: ignore[arg-type]
        "chunks": _vector(array.chunks) if array else None,  # type: ignore[arg-type]
        "shard_shape": _vector(array.shards) if array else None,  # type: ignore[arg-type]
        "dtype": array.dtype if array else None,
        "byte_order": array.byte_order if array else None,
        "dtype_code": array.dtype_code if array else None,
        "codecs": [c.to_json() for c in array.codecs] if array else None,
        "fill_value": array.fill_value if array else None,
        "chunks_expected": array.file_count if array else None,
        "logical_bytes": array.uncompressed_bytes if array else None,
        "scale": _vector(level.own_scale),
        "translation": _vector(level.own_translation),
        "world_scale": _vector(level.scale),
        "world_translation": _vector(level.translation),
        "pixel_size": {
            name: {"value": value, "unit": unit}
            for name, (value, unit) in image.pixel_size(level).items()
        },
    }


def _multiscale(image: NgffImage) -> dict[str, Any]:
    spacing = image.time_spacing
    return {
        "name": image.name,
        "version": image.declared_version,
        "type": image.type,
        "axes": [{"name": a.name, "type": a.type, "unit": a.unit} for a in image.axes],
        "axes_inferred": image.axes_implied,
        "datasets": [_level(image, level) for level in image.levels],
        "coordinate_transformations": image.coordinate_transformations,
        "time_spacing": {"value": spacing[0], "unit": spacing[1]} if spacing else None,
        "metadata": image.metadata,
    }


def _channel(channel: Channel) -> dict[str, Any]:
    window = channel.window
    return {
        "label": channel.label,
        "color": channel.color,
        "active": channel.active,
        "window": (
            {"start": window.start, "end": window.end, "min": window.min, "max": window.max}
            if window is not None
            else None
        ),
        **channel.extra,
    }


def _omero_json(omero: Omero) -> dict[str, Any]:
    return {
        "name": omero.name,
        "id": omero.id,
        "channels": [_channel(channel) for channel in omero.channels],
        "rdefs": dict(omero.rdefs),
    }


def _image_label(label: ImageLabel | None) -> dict[str, Any]:
    label = label or ImageLabel(None, None, None, None)
    return {
        "version": label.version,
        "colors": label.colors,
        "properties": label.properties,
        "source": label.source,
    }


def _plate(plate: Plate) -> dict[str, Any]:
    return {
        "name": plate.name,
        "version": plate.version,
        "rows": list(plate.rows),
        "columns": list(plate.columns),
        "wells": [
            {"path": w.path, "rowIndex": w.row_index, "columnIndex": w.column_index}
            for w in plate.wells
        ],
        "wells_total": plate.wells_total,
        "acquisitions": plate.acquisitions,
        "field_count": plate.field_count,
    }


def _well(well: Well) -> dict[str, Any]:
    return {
        "version": well.version,
        "images": [{"path": i.path, "acquisition": i.acquisition} for i in well.images],
    }


def _bioformats2raw(layout: Bioformats2raw) -> dict[str, Any]:
    return {
        "layout": layout.layout,
        "series": list(layout.series),
        "series_total": layout.series_total,
        "series_source": layout.series_source,
        "ome_xml": dict(layout.ome_xml) if layout.ome_xml is not None else None,
    }


# --- the old dict-shaped helpers, for code that has not moved to the model yet -------------


def _axes(raw: Any, ndim: int | None) -> tuple[list[dict[str, Any]], bool]:
    """Axes as `{name, type, unit}` and whether they were implied (`model` decides)."""
    axes, implied = model._axes(raw, ndim)
    return [{"name": a.name, "type": a.type, "unit": a.unit} for a in axes], implied


def _transforms(raw: Any) -> tuple[list[float] | None, list[float] | None]:
    scale, translation = model._transforms(raw)
    return _vector(scale), _vector(translation)


def _combine(inner: Any, outer: Any, n: int, *, add: bool) -> list[float] | None:
    return _vector(
        model._combine(
            tuple(inner) if inner is not None else None,
            tuple(outer) if outer is not None else None,
            n,
            add=add,
        )
    )


def _omero(omero: dict[str, Any]) -> dict[str, Any]:
    return _omero_json(model._omero(omero))
