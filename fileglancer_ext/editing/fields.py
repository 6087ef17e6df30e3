"""The OME fields an edit may change, checked one by one and applied to the OME attributes.

Only these fields, never arbitrary JSON: the image name; axis names, types and units; pixel
sizes (level 0's scale: every level keeps its factor relative to level 0, and the offsets
between levels scale with it); level 0's translation; time spacing; and per channel its
label, colour, display window and active flag. Each bad value is an `InvalidValue` naming
the field as the request spells it ("pixel_sizes[1]", "channels[0].color").
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from ..convert.pyramid import METRES
from ..errors import BadRequest
from ..formats.model import NgffImage

SPACE_UNITS = frozenset(METRES)
TIME_UNITS = frozenset(
    {
        "attosecond",
        "centisecond",
        "day",
        "decisecond",
        "exasecond",
        "femtosecond",
        "gigasecond",
        "hectosecond",
        "hour",
        "kilosecond",
        "megasecond",
        "microsecond",
        "millisecond",
        "minute",
        "nanosecond",
        "petasecond",
        "picosecond",
        "second",
        "terasecond",
        "yoctosecond",
        "yottasecond",
        "zeptosecond",
        "zettasecond",
    }
)
EDITABLE_FIELDS = frozenset(
    {"name", "axes", "pixel_sizes", "translation", "time_spacing", "channels", "auto_contrast"}
)
MAX_CHANNELS = 1000  # channels listed and edited; more are left as they are
MAX_TEXT = 500
_COLOR = re.compile(r"^#?([0-9A-Fa-f]{6})$")
# Colours for channels that have none: white for one channel, else these in turn.
PALETTE = ("FF0000", "00FF00", "0000FF", "FF00FF", "00FFFF", "FFFF00", "FFFFFF")


class InvalidValue(BadRequest):
    """A value an edit cannot take; `field` names it as the request does."""

    code = "invalid_value"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def supports_geometry(version: str | None) -> bool:
    """Axes with types and units, and scales, exist from OME-NGFF 0.4 on."""
    return version not in ("0.1", "0.2", "0.3")


def default_color(index: int, count: int) -> str:
    return "FFFFFF" if count == 1 else PALETTE[index % len(PALETTE)]


def dtype_range(image: NgffImage) -> tuple[float, float] | None:
    """The value range of an integer image's data type; None for floats or unknown."""
    array = image.levels[0].array if image.levels else None
    dtype = array.numpy_dtype if array is not None else None
    if dtype is None or dtype.kind not in "iub":
        return None
    if dtype.kind == "b":
        return 0.0, 1.0
    info = np.iinfo(dtype)
    return float(info.min), float(info.max)


def channel_count(image: NgffImage) -> int:
    """How many channels the image has: the channel axis' length, else its omero list's."""
    shape = image.levels[0].shape if image.levels else None
    for i, axis in enumerate(image.axes):
        if axis.type == "channel" and shape is not None and i < len(shape):
            return min(shape[i], MAX_CHANNELS)
    return min(max(1, len(image.channels)), MAX_CHANNELS)


# --- the editable view --------------------------------------------------------------------------


def editable_view(image: NgffImage) -> dict[str, Any]:
    """The fields an edit may change, as the model reads them (the client's form)."""
    first = image.levels[0] if image.levels else None
    channels = []
    for index in range(channel_count(image)):
        ch = image.channels[index] if index < len(image.channels) else None
        window = ch.window if ch is not None else None
        channels.append(
            {
                "index": index,
                "label": ch.label if ch is not None else None,
                "color": ch.color.upper() if ch is not None and ch.color else None,
                "window": (
                    {"start": window.start, "end": window.end, "min": window.min, "max": window.max}
                    if window is not None
                    else None
                ),
                "active": ch.active if ch is not None else None,
            }
        )
    spacing = image.time_spacing
    data_range = dtype_range(image)
    return {
        "version": image.version,
        "name": image.name,
        "axes": [{"name": a.name, "type": a.type, "unit": a.unit} for a in image.axes],
        "pixel_sizes": list(first.scale) if first is not None and first.scale else None,
        "translation": list(first.translation) if first and first.translation else None,
        "time_spacing": spacing[0] if spacing else None,
        "channels": channels,
        "dtype": first.array.dtype if first is not None and first.array is not None else None,
        "dtype_range": list(data_range) if data_range else None,
        "levels": len(image.levels),
        "geometry_editable": supports_geometry(image.version),
    }


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What an edit changes, field by field: [{"field": "axes[2].unit", "old", "new"}]."""
    changes: list[dict[str, Any]] = []

    def add(field: str, a: Any, b: Any) -> None:
        if a != b:
            changes.append({"field": field, "old": a, "new": b})

    add("name", old["name"], new["name"])
    for i, (a, b) in enumerate(zip(old["axes"], new["axes"], strict=False)):
        for key in ("name", "type", "unit"):
            add(f"axes[{i}].{key}", a.get(key), b.get(key))
    for key in ("pixel_sizes", "translation"):
        a, b = old[key], new[key]
        if a is None or b is None or len(a) != len(b):
            add(key, a, b)
        else:
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                add(f"{key}[{i}]", x, y)
    for a, b in zip(old["channels"], new["channels"], strict=False):
        for key in ("label", "color", "window", "active"):
            add(f"channels[{a['index']}].{key}", a.get(key), b.get(key))
    return changes


# --- checking and applying ------------------------------------------------------------------


def _number(field: str, value: Any, *, positive: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value):
        raise InvalidValue(field, f"{field} must be a finite number, got {value!r}.")
    if positive and value <= 0:
        raise InvalidValue(field, f"{field} must be greater than 0, got {value!r}.")
    return float(value)


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise InvalidValue(field, f"{field} must be a non-empty text of at most {MAX_TEXT}.")
    return value


def _tidy(value: float) -> float | int:
    """12 significant digits: 0.1 * 3 is stored as 0.3, not 0.30000000000000004."""
    tidy = float(f"{value:.12g}")
    return int(tidy) if tidy.is_integer() and abs(tidy) < 2**53 else tidy


def _list(field: str, value: Any, length: int) -> list[Any]:
    if not isinstance(value, list) or len(value) != length:
        raise InvalidValue(field, f"{field} must be a list of {length} values, one per axis.")
    return value


def check_request(body: dict[str, Any]) -> None:
    unknown = sorted(set(body) - EDITABLE_FIELDS - {"dry_run"})
    if unknown:
        raise InvalidValue(unknown[0], f"{unknown[0]!r} is not an editable field.")


def apply_axes(ms: dict[str, Any], image: NgffImage, value: Any) -> list[str] | None:
    """Set the axes; returns the new names when they changed (0.5 levels repeat them)."""
    if not supports_geometry(image.version):
        raise InvalidValue("axes", f"OME-NGFF {image.version} has no axis types or units.")
    items = _list("axes", value, len(image.axes))
    stored = ms.get("axes") if isinstance(ms.get("axes"), list) else []
    new_axes, names = [], []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidValue(f"axes[{i}]", f"axes[{i}] must be an object.")
        name = _text(f"axes[{i}].name", item.get("name", image.axes[i].name))
        if name in names:
            raise InvalidValue(f"axes[{i}].name", f"axis name {name!r} is used twice.")
        kind = item.get("type", image.axes[i].type) or None
        if kind is not None:
            kind = _text(f"axes[{i}].type", kind)
        unit = item.get("unit", image.axes[i].unit) or None
        _check_unit(f"axes[{i}].unit", kind, unit)
        old = stored[i] if i < len(stored) and isinstance(stored[i], dict) else {}
        axis = {k: v for k, v in old.items() if k not in ("name", "type", "unit")}
        axis = {"name": name, **({"type": kind} if kind else {}), **axis}
        if unit:
            axis["unit"] = unit
        new_axes.append(axis)
        names.append(name)
    ms["axes"] = new_axes
    return names if names != list(image.axis_names) else None


def _check_unit(field: str, kind: str | None, unit: Any) -> None:
    if unit is None:
        return
    if not isinstance(unit, str):
        raise InvalidValue(field, f"{field} must be a unit name, got {unit!r}.")
    if kind == "space" and unit not in SPACE_UNITS:
        raise InvalidValue(field, f"{unit!r} is no OME-NGFF length unit (e.g. micrometer).")
    if kind == "time" and unit not in TIME_UNITS:
        raise InvalidValue(field, f"{unit!r} is no OME-NGFF time unit (e.g. second).")
    if kind == "channel":
        raise InvalidValue(field, "a channel axis has no unit.")


def _global_transforms(ms: dict[str, Any], n: int) -> tuple[list[float], list[float]]:
    scale, shift = [1.0] * n, [0.0] * n
    for item in ms.get("coordinateTransformations") or []:
        if isinstance(item, dict) and isinstance(item.get(item.get("type", "")), list):
            vector = item[item["type"]]
            if item["type"] == "scale" and len(vector) == n:
                scale = [float(v) for v in vector]
            elif item["type"] == "translation" and len(vector) == n:
                shift = [float(v) for v in vector]
    return scale, shift


def _set_transform(ds: dict[str, Any], kind: str, vector: list[float] | None) -> None:
    items = ds.get("coordinateTransformations")
    items = [t for t in items if isinstance(t, dict)] if isinstance(items, list) else []
    found = [t for t in items if t.get("type") == kind]
    if vector is None:
        items = [t for t in items if t.get("type") != kind]
    elif found:
        found[0].pop("path", None)
        found[0][kind] = [_tidy(v) for v in vector]
    elif kind == "scale":
        items.insert(0, {"type": "scale", "scale": [_tidy(v) for v in vector]})
    else:
        items.append({"type": "translation", "translation": [_tidy(v) for v in vector]})
    ds["coordinateTransformations"] = items


def apply_geometry(ms: dict[str, Any], image: NgffImage, body: dict[str, Any]) -> None:
    """Pixel sizes, time spacing and translation, written into every level's transforms."""
    if not supports_geometry(image.version):
        field = next(k for k in ("pixel_sizes", "translation", "time_spacing") if k in body)
        raise InvalidValue(field, f"OME-NGFF {image.version} cannot store {field}.")
    n = len(image.axes)
    first = image.levels[0]
    old0 = list(first.scale) if first.scale else [1.0] * n
    new0 = list(old0)
    if "pixel_sizes" in body:
        for i, size in enumerate(_list("pixel_sizes", body["pixel_sizes"], n)):
            if size is not None:
                new0[i] = _number(f"pixel_sizes[{i}]", size, positive=True)
    if "time_spacing" in body:
        axes = ms.get("axes") if isinstance(ms.get("axes"), list) else []
        times = [i for i, a in enumerate(axes) if isinstance(a, dict) and a.get("type") == "time"]
        if not times:
            raise InvalidValue("time_spacing", "the image has no time axis.")
        new0[times[0]] = _number("time_spacing", body["time_spacing"], positive=True)
    t0_old = list(first.translation) if first.translation else [0.0] * n
    t0_new = t0_old
    if "translation" in body and body["translation"] is not None:
        values = _list("translation", body["translation"], n)
        t0_new = [_number(f"translation[{i}]", v) for i, v in enumerate(values)]
    g_scale, g_shift = _global_transforms(ms, n)
    if any(v == 0 for v in g_scale):
        raise InvalidValue("pixel_sizes", "the multiscale's own scale holds a 0.")
    levels = {level.path: level for level in image.levels}
    shape0 = first.shape
    datasets = ms.get("datasets") if isinstance(ms.get("datasets"), list) else []
    for ds in datasets:
        level = levels.get(str(ds.get("path"))) if isinstance(ds, dict) else None
        if level is None:
            continue
        scale, shift = [], []
        for i in range(n):
            if level.scale and first.scale and first.scale[i]:
                factor = level.scale[i] / first.scale[i]
            elif shape0 and level.shape and level.shape[i]:
                factor = shape0[i] / level.shape[i]
            else:
                factor = 1.0
            scale.append(new0[i] * factor / g_scale[i])
            # The offset between levels is in world units: it scales with the pixel size.
            offset = (level.translation[i] if level.translation else 0.0) - t0_old[i]
            offset *= new0[i] / old0[i] if old0[i] else 1.0
            shift.append((t0_new[i] + offset - g_shift[i]) / g_scale[i])
        _set_transform(ds, "scale", scale)
        if "translation" in body and body["translation"] is None:
            _set_transform(ds, "translation", None)
        elif level.translation is not None or any(shift) or "translation" in body:
            _set_transform(ds, "translation", shift)


def apply_channels(
    ome: dict[str, Any],
    image: NgffImage,
    edits: Any,
    auto: dict[int, dict[str, float]],
) -> None:
    """Channel labels, colours, windows and active flags into `omero` (created, with a
    window and colour per channel, when the image has none); `auto` holds computed windows."""
    count = channel_count(image)
    if not isinstance(edits, list):
        raise InvalidValue("channels", "channels must be a list of {index, ...} objects.")
    omero = ome.get("omero") if isinstance(ome.get("omero"), dict) else {}
    ome["omero"] = omero
    stored = omero.get("channels") if isinstance(omero.get("channels"), list) else []
    stored = [c if isinstance(c, dict) else {} for c in stored]
    data_range = dtype_range(image)
    while len(stored) < count:
        stored.append({})
    for index in range(count):
        ch = stored[index]
        ch.setdefault("color", default_color(index, count))
        ch.setdefault("active", True)
        if not isinstance(ch.get("window"), dict):
            low, high = data_range or (0.0, 1.0)
            window = auto.get(index) or {"start": low, "end": high, "min": low, "max": high}
            ch["window"] = dict(window)
        elif index in auto:
            ch["window"].update(auto[index])
    omero["channels"] = stored
    seen: set[int] = set()
    for n, edit in enumerate(edits):
        if not isinstance(edit, dict):
            raise InvalidValue(f"channels[{n}]", f"channels[{n}] must be an object.")
        index = edit.get("index")
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise InvalidValue(
                f"channels[{n}].index", f"channel index must be 0 to {count - 1}, got {index!r}."
            )
        if index in seen:
            raise InvalidValue(f"channels[{n}].index", f"channel {index} is edited twice.")
        seen.add(index)
        _apply_channel(stored[index], edit, f"channels[{index}]", data_range)


def _apply_channel(
    ch: dict[str, Any], edit: dict[str, Any], field: str, data_range: tuple | None
) -> None:
    unknown = sorted(set(edit) - {"index", "label", "color", "window", "active"})
    if unknown:
        raise InvalidValue(f"{field}.{unknown[0]}", f"{unknown[0]!r} is not a channel field.")
    if "label" in edit:
        ch["label"] = _text(f"{field}.label", edit["label"])
    if "color" in edit:
        match = _COLOR.match(edit["color"]) if isinstance(edit["color"], str) else None
        if match is None:
            raise InvalidValue(f"{field}.color", "a colour is 6 hexadecimal digits (RRGGBB).")
        ch["color"] = match.group(1).upper()
    if "active" in edit:
        if not isinstance(edit["active"], bool):
            raise InvalidValue(f"{field}.active", "active must be true or false.")
        ch["active"] = edit["active"]
    if "window" in edit:
        window = edit["window"]
        if not isinstance(window, dict):
            raise InvalidValue(f"{field}.window", "a window is {start, end}.")
        start = _number(f"{field}.window.start", window.get("start"))
        end = _number(f"{field}.window.end", window.get("end"))
        if start > end:
            raise InvalidValue(f"{field}.window", f"start ({start:g}) is after end ({end:g}).")
        old = ch.get("window") if isinstance(ch.get("window"), dict) else {}
        low = window.get("min", old.get("min", data_range[0] if data_range else start))
        high = window.get("max", old.get("max", data_range[1] if data_range else end))
        low = _number(f"{field}.window.min", low)
        high = _number(f"{field}.window.max", high)
        if start < low or end > high:
            raise InvalidValue(
                f"{field}.window", f"start and end must lie within {low:g} to {high:g}."
            )
        ch["window"] = {**old, "start": _tidy(start), "end": _tidy(end), "min": low, "max": high}
