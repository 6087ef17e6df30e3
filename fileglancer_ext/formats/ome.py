"""OME-NGFF 0.1-0.5 summaries: multiscales, omero, labels, plate/well and bioformats2raw.

`ome_summary` takes the OME attributes of one group (0.5: `zarr.json` attributes["ome"];
up to 0.4: the `.zattrs` document) and returns a JSON-ready dict; it reads each pyramid
level's array metadata (never chunks), the labels group, and for bioformats2raw the OME
group and `OME/METADATA.ome.xml` (parsed with ome-types, bounded). Problems are recorded on
the `MetadataReader`; nothing here raises for bad data.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from .zarr_meta import MetadataReader, child, read_array, short

# OME-NGFF 0.1/0.2 have no "axes": the spec fixes the order to (t, c, z, y, x), trailing.
_IMPLIED_AXES = "tczyx"
_AXIS_TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
_CHANNEL_KEYS = ("label", "color", "active", "window", "family", "coefficient", "inverted")
MAX_OME_XML_BYTES = 50 * 1024 * 1024
MAX_LIST = 500  # labels, wells, series: enough for any UI, bounded for hostile metadata


def group_attrs(reader: MetadataReader, path: Path, *, keep_raw: bool = True) -> tuple[Any, int]:
    """The OME attributes of the group at `path` and its zarr format (3, 2, or 0 if none)."""
    doc = reader.read_object(path / "zarr.json", keep_raw=keep_raw)
    if doc is not None:
        attrs = doc.get("attributes")
        ome = attrs.get("ome") if isinstance(attrs, dict) else None
        return (ome if isinstance(ome, dict) else {}), 3
    attrs = reader.read_object(path / ".zattrs", keep_raw=keep_raw)
    return (attrs if attrs is not None else {}), (2 if attrs is not None else 0)


def ome_summary(reader: MetadataReader, path: Path, attrs: dict[str, Any]) -> dict[str, Any]:
    """Everything OME about the group at `path`: keys are None when it does not declare them."""
    summary: dict[str, Any] = {
        "version": attrs.get("version"),
        "multiscales": None,
        "omero": None,
        "labels": None,
        "image_label": None,
        "plate": None,
        "well": None,
        "bioformats2raw": None,
    }
    multiscales = attrs.get("multiscales")
    if isinstance(multiscales, list):
        summary["multiscales"] = [
            _multiscale(reader, path, ms) for ms in multiscales[:MAX_LIST] if isinstance(ms, dict)
        ]
        if summary["version"] is None and multiscales and isinstance(multiscales[0], dict):
            summary["version"] = multiscales[0].get("version")
    elif multiscales is not None:
        reader.problem(path, "multiscales is not a list")
    if isinstance(attrs.get("omero"), dict):
        summary["omero"] = _omero(attrs["omero"])
    if isinstance(attrs.get("image-label"), dict):
        summary["image_label"] = _image_label(attrs["image-label"])
    if isinstance(attrs.get("labels"), list):  # this group is a labels group
        summary["labels"] = _labels(reader, path, attrs["labels"])
    elif summary["multiscales"] is not None and (path / "labels").is_dir():
        labels_path = child(reader, path, "labels")
        label_attrs, _ = group_attrs(reader, labels_path) if labels_path else ({}, 0)
        if isinstance(label_attrs.get("labels"), list):
            summary["labels"] = _labels(reader, path / "labels", label_attrs["labels"])
    if isinstance(attrs.get("plate"), dict):
        summary["plate"] = _plate(attrs["plate"])
        summary["version"] = summary["version"] or attrs["plate"].get("version")
    if isinstance(attrs.get("well"), dict):
        well = attrs["well"]
        images = well.get("images") if isinstance(well.get("images"), list) else []
        summary["well"] = {
            "version": well.get("version"),
            "images": [
                {"path": i.get("path"), "acquisition": i.get("acquisition")}
                for i in images[:MAX_LIST]
                if isinstance(i, dict)
            ],
        }
        summary["version"] = summary["version"] or well.get("version")
    if "bioformats2raw.layout" in attrs:
        summary["bioformats2raw"] = _bioformats2raw(reader, path, attrs)
    return summary


def _axes(raw: Any, ndim: int | None) -> tuple[list[dict[str, Any]], bool]:
    """Axes as `{name, type, unit}` and whether they were inferred (0.1/0.2 had none)."""
    if isinstance(raw, list):
        axes = []
        for axis in raw:
            if isinstance(axis, str):  # 0.3: bare names
                axes.append({"name": axis, "type": _AXIS_TYPES.get(axis), "unit": None})
            elif isinstance(axis, dict):
                name = axis.get("name")
                axes.append(
                    {
                        "name": name if isinstance(name, str) else str(name),
                        "type": axis.get("type"),
                        "unit": axis.get("unit"),
                    }
                )
        return axes, False
    names = _IMPLIED_AXES[-ndim:] if ndim else _IMPLIED_AXES
    return [{"name": n, "type": _AXIS_TYPES[n], "unit": None} for n in names], True


def _numbers(value: Any) -> list[float] | None:
    # Finite and within a float's range: a scale of 10**400 (a JSON int) or NaN is no number
    # that can be multiplied, shown or handed to a viewer.
    ok = isinstance(value, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and abs(v) <= sys.float_info.max
        for v in value
    )
    return value if ok else None


def _transforms(raw: Any) -> tuple[list[float] | None, list[float] | None]:
    """The scale and translation vectors of a coordinateTransformations list.

    Vectors stored in a file ("path") or holding non-numbers come back as None.
    """
    scale = translation = None
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and item.get("type") == "scale":
            scale = _numbers(item.get("scale"))
        elif isinstance(item, dict) and item.get("type") == "translation":
            translation = _numbers(item.get("translation"))
    return scale, translation


def _combine(inner: list | None, outer: list | None, n: int, *, add: bool) -> list | None:
    """Level and global vectors combined (added or multiplied); None if any has a wrong length."""
    if (inner is None and outer is None) or not _lengths_fit(n, inner, outer):
        return None
    neutral = 0.0 if add else 1.0
    inner, outer = inner or [neutral] * n, outer or [neutral] * n
    combined = [a + b if add else a * b for a, b in zip(inner, outer, strict=True)]
    # Each vector may hold, and its product or sum still overflow: that is no size either.
    return combined if all(math.isfinite(v) for v in combined) else None


def _lengths_fit(n: int, *vectors: list | None) -> bool:
    return all(v is None or len(v) == n for v in vectors)


def _multiscale(reader: MetadataReader, path: Path, ms: dict[str, Any]) -> dict[str, Any]:
    datasets = ms.get("datasets") if isinstance(ms.get("datasets"), list) else []
    if not datasets:
        reader.problem(path, "a multiscale has no datasets")
    levels = []
    for ds in datasets[:MAX_LIST]:
        ds = ds if isinstance(ds, dict) else {}
        level_path = ds.get("path")
        array = None
        target = child(reader, path, level_path)
        if target is not None:
            array = read_array(reader, target)
            if array is None:
                reader.problem(target, f"level {level_path!r} has no array metadata")
        scale, translation = _transforms(ds.get("coordinateTransformations"))
        levels.append(
            {
                "path": level_path,
                "shape": array["shape"] if array else None,
                "chunks": array["chunk_shape"] if array else None,
                "shard_shape": array["shard_shape"] if array else None,
                "dtype": array["dtype"] if array else None,
                "codecs": array["codecs"] if array else None,
                "fill_value": array["fill_value"] if array else None,
                "chunks_expected": array["chunks_expected"] if array else None,
                "logical_bytes": array["logical_bytes"] if array else None,
                "scale": scale,
                "translation": translation,
            }
        )
    ndim = next((len(lv["shape"]) for lv in levels if lv["shape"]), None)
    axes, inferred = _axes(ms.get("axes"), ndim)
    n = len(axes)
    g_scale, g_translation = _transforms(ms.get("coordinateTransformations"))
    for level in levels:
        # World = global(level(index)): scales multiply; the level's translation is scaled.
        scale = _combine(level["scale"], g_scale, n, add=False)
        shift = level["translation"]
        if shift is not None and g_scale is not None and len(shift) == n == len(g_scale):
            shift = [a * b for a, b in zip(shift, g_scale, strict=True)]
        translation = _combine(shift, g_translation, n, add=True)
        if level["scale"] is not None and scale is None:
            fits = _lengths_fit(n, level["scale"], g_scale)
            reason = "is out of range" if fits else "does not match the axes"
            reader.problem(path, f"level {level['path']!r}: scale {reason}")
        if shift is not None and translation is None and _lengths_fit(n, shift, g_translation):
            reader.problem(path, f"level {level['path']!r}: translation is out of range")
        level["world_scale"], level["world_translation"] = scale, translation
        level["pixel_size"] = {
            a["name"]: {"value": scale[i], "unit": a["unit"]}
            for i, a in enumerate(axes)
            if scale is not None and a["type"] == "space"
        }
    time_spacing = None
    first = levels[0]["world_scale"] if levels else None
    for i, axis in enumerate(axes):
        if axis["type"] == "time" and first is not None:
            time_spacing = {"value": first[i], "unit": axis["unit"]}
    return {
        "name": ms.get("name"),
        "version": ms.get("version"),
        "type": ms.get("type"),
        "axes": axes,
        "axes_inferred": inferred,
        "datasets": levels,
        "coordinate_transformations": ms.get("coordinateTransformations"),
        "time_spacing": time_spacing,
        "metadata": ms.get("metadata"),
    }


def _omero(omero: dict[str, Any]) -> dict[str, Any]:
    channels = []
    raw_channels = omero.get("channels")
    for ch in raw_channels if isinstance(raw_channels, list) else []:
        if isinstance(ch, dict):
            entry = {key: ch.get(key) for key in _CHANNEL_KEYS}
            # Writers add wavelengths under various names (emissionWavelength, ...).
            entry.update({k: v for k, v in ch.items() if "wavelength" in k.lower()})
            channels.append(entry)
    rdefs = omero.get("rdefs") if isinstance(omero.get("rdefs"), dict) else {}
    return {
        "name": omero.get("name"),
        "id": omero.get("id"),
        "channels": channels,
        "rdefs": {k: rdefs.get(k) for k in ("defaultZ", "defaultT", "model")},
    }


def _image_label(label: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": label.get("version"),
        "colors": label.get("colors"),
        "properties": label.get("properties"),
        "source": label.get("source"),
    }


def _labels(reader: MetadataReader, path: Path, names: list[Any]) -> list[dict[str, Any]]:
    labels = []
    for name in names[:MAX_LIST]:
        target = child(reader, path, name)
        if target is None:
            continue
        attrs, _ = group_attrs(reader, target)
        label = attrs.get("image-label")
        entry = {"name": name, **_image_label(label if isinstance(label, dict) else {})}
        if not attrs:
            reader.problem(path / name, f"label {name!r} has no metadata")
        labels.append(entry)
    return labels


def _plate(plate: dict[str, Any]) -> dict[str, Any]:
    def names(key: str) -> list[Any]:
        items = plate.get(key) if isinstance(plate.get(key), list) else []
        return [i.get("name") for i in items if isinstance(i, dict)]

    wells = plate.get("wells") if isinstance(plate.get("wells"), list) else []
    return {
        "name": plate.get("name"),
        "version": plate.get("version"),
        "rows": names("rows"),
        "columns": names("columns"),
        "wells": [
            {k: w.get(k) for k in ("path", "rowIndex", "columnIndex")}
            for w in wells[:MAX_LIST]
            if isinstance(w, dict)
        ],
        "wells_total": len(wells),
        "acquisitions": plate.get("acquisitions"),
        "field_count": plate.get("field_count"),
    }


def _bioformats2raw(reader: MetadataReader, path: Path, attrs: dict[str, Any]) -> dict:
    """The layout version, its series (OME group's list, else numeric subgroups), OME-XML."""
    ome_dir = path / "OME"
    ome_attrs, _ = group_attrs(reader, ome_dir) if ome_dir.is_dir() else ({}, 0)
    series = ome_attrs.get("series")
    source = "OME/series"
    if not isinstance(series, list):
        source = "numeric subgroups"
        try:
            found = [p.name for p in path.iterdir() if p.is_dir() and p.name.isdigit()]
        except OSError as err:
            reader.problem(path, f"cannot list the series: {err.strerror or short(err)}")
            found = []
        series = sorted(found, key=int)
    xml_path = ome_dir / "METADATA.ome.xml"
    return {
        "layout": attrs.get("bioformats2raw.layout"),
        "series": series[:MAX_LIST],
        "series_total": len(series),
        "series_source": source,
        "ome_xml": _ome_xml(reader, xml_path) if xml_path.is_file() else None,
    }


def _q(value: Any, unit: Any) -> dict[str, Any] | None:
    """A quantity with its unit's symbol (ome-types keeps units as enums)."""
    if value is None:
        return None
    return {"value": value, "unit": getattr(unit, "value", unit)}


def _ome_xml(reader: MetadataReader, path: Path) -> dict[str, Any] | None:
    """The OME-XML file at `path` summarized (see `ome_xml_summary`); None with a problem."""
    raw = reader.read_bytes(path, limit=MAX_OME_XML_BYTES)
    if raw is None:
        return None
    try:
        return ome_xml_summary(raw.decode("utf-8"))
    except Exception as err:  # ome-types raises parser and validation errors of many kinds
        reader.problem(path, f"cannot parse the OME-XML: {short(err)}")
        return None


def _color(channel: Any) -> str | None:
    """A channel's colour as "RRGGBB", None unless the XML sets one (ome-types defaults white)."""
    if "color" not in channel.model_fields_set or channel.color is None:
        return None
    red, green, blue = channel.color.as_rgb_tuple()[:3]
    return f"{red:02X}{green:02X}{blue:02X}"


def ome_xml_summary(xml: str) -> dict[str, Any]:
    """Per image: name, acquisition date, pixels, channels (colour, wavelengths), objective.

    Raises whatever ome-types raises for XML it cannot parse (callers make it a problem).
    """
    from ome_types import from_xml

    ome = from_xml(xml)
    objectives = {o.id: (inst.id, o) for inst in ome.instruments for o in inst.objectives}
    images = []
    for image in ome.images[:MAX_LIST]:
        px = image.pixels
        objective = None
        if image.objective_settings is not None:
            inst_id, obj = objectives.get(image.objective_settings.id, (None, None))
            if obj is not None:
                objective = {
                    "instrument": inst_id,
                    "id": obj.id,
                    "model": obj.model,
                    "manufacturer": obj.manufacturer,
                    "nominal_magnification": obj.nominal_magnification,
                    "lens_na": obj.lens_na,
                    "immersion": getattr(obj.immersion, "value", obj.immersion),
                }
        channels = [
            {
                "id": ch.id,
                "name": ch.name,
                "emission_wavelength": _q(ch.emission_wavelength, ch.emission_wavelength_unit),
                "excitation_wavelength": _q(
                    ch.excitation_wavelength, ch.excitation_wavelength_unit
                ),
                "fluor": ch.fluor,
                "color": _color(ch),
            }
            for ch in px.channels
        ]
        images.append(
            {
                "id": image.id,
                "name": image.name,
                "acquisition_date": (
                    image.acquisition_date.isoformat() if image.acquisition_date else None
                ),
                "dimension_order": getattr(px.dimension_order, "value", None),
                "size": {a: getattr(px, f"size_{a.lower()}") for a in "XYZCT"},
                "type": getattr(px.type, "value", None),
                "physical_size": {
                    a: _q(getattr(px, f"physical_size_{a}"), getattr(px, f"physical_size_{a}_unit"))
                    for a in "xyz"
                },
                "channels": channels,
                "objective": objective,
            }
        )
    return {"images": images, "images_total": len(ome.images), "instruments": len(ome.instruments)}
