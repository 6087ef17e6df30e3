"""Neuroglancer viewer states built from the inspector's metadata summary, and their URLs.

`neuroglancer_state(summary, data_url)` returns the state as a JSON-ready dict (None when
Neuroglancer cannot open the kind): OME-Zarr images (label images beside them as
segmentation layers), plain Zarr arrays, and N5 datasets and multiscale groups;
`neuroglancer_url(base, state)` puts it in the URL fragment as `#!` + percent-encoded
JSON, which Neuroglancer reads on load.

For OME-Zarr the source is the image group (`zarr2://` or `zarr3://` by Zarr format):
Neuroglancer reads the multiscales itself. Each omero channel becomes its own image layer
that picks one index of the channel axis: the source transform names that axis `c'` (a
trailing quote makes a dimension local to the layer, as Neuroglancer itself does for OME
axes of type "channel") and the layer's `localPosition` selects the channel. Colour and
contrast come from omero (`color`, `window.start/end`) through shader controls the user
can still change. Global `dimensions` carry the level-0 pixel size in SI units, ordered so
that the xy panel shows the two fastest spatial axes; the view opens at the image's centre,
zoomed to fit its xy extent.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import quote

# OME-NGFF unit names (UDUNITS-2) -> (SI unit, factor). Neuroglancer only knows "m" and "s".
_SI_PREFIX_EXPONENTS = {
    "yotta": 24, "zetta": 21, "exa": 18, "peta": 15, "tera": 12, "giga": 9, "mega": 6,
    "kilo": 3, "hecto": 2, "deca": 1, "": 0, "deci": -1, "centi": -2, "milli": -3,
    "micro": -6, "nano": -9, "pico": -12, "femto": -15, "atto": -18, "zepto": -21,
    "yocto": -24,
}  # fmt: skip
_UNITS: dict[str, tuple[str, float]] = {
    f"{prefix}{unit}": (unit[0], 10.0**exponent)
    for prefix, exponent in _SI_PREFIX_EXPONENTS.items()
    for unit in ("meter", "second")
}
_UNITS.update(
    {
        "decameter": ("m", 10.0),  # OME spells it both ways
        "micron": ("m", 1e-6),  # not UDUNITS-2, but common in the wild
        "angstrom": ("m", 1e-10),
        "inch": ("m", 0.0254),
        "foot": ("m", 0.3048),
        "yard": ("m", 0.9144),
        "mile": ("m", 1609.344),
        "parsec": ("m", 3.0856775814913673e16),
        "minute": ("s", 60.0),
        "hour": ("s", 3600.0),
        "day": ("s", 86400.0),
    }
)

# Used in turn for channels without an omero colour.
DEFAULT_CHANNEL_COLORS = ("#00FF00", "#FF00FF", "#00FFFF", "#FF0000", "#0000FF", "#FFFF00")
_HEX_COLOR = re.compile(r"^#?([0-9A-Fa-f]{6})$")
# A little under one panel of the 4panel layout in a laptop browser: the image fits.
_PANEL_PIXELS = 320


def neuroglancer_dimension(value: float, unit: str | None) -> list[Any]:
    """`[scale, unit]` in Neuroglancer's form: SI base units ("m", "s"), or "" when the
    unit is missing or unknown (Neuroglancer treats such a dimension as unitless)."""
    si = _UNITS.get(unit or "")
    if si is None or not unit:
        return [_tidy(value), ""]
    symbol, factor = si
    return [_tidy(value * factor), symbol]


def neuroglancer_state(
    summary: dict[str, Any], data_url: str, *, max_channels: int = 6, name: str | None = None
) -> dict[str, Any] | None:
    """The viewer state for the dataset summarized in `summary`, served at `data_url`.

    Returns None when Neuroglancer cannot open the kind (or the OME metadata has no
    usable multiscale); `max_channels` bounds the image layers made from channels.
    `name` names a layer that has no better name (a share URL ends in its token, so
    pass the dataset's folder name); by default, the URL's last segment.
    """
    url = data_url if data_url.endswith("/") else data_url + "/"
    name = name or _last_segment(url)
    kind = summary.get("kind")
    if kind == "ome-zarr":
        return _ome_state(summary, url, max_channels, name)
    if kind == "zarr-array" and summary.get("array"):
        return _array_state(summary, url, name)
    if kind in ("n5-array", "n5-group"):
        return _n5_state(summary, url, name)
    return None


def neuroglancer_url(base_url: str, state: dict[str, Any]) -> str:
    """`base_url` with `state` in the fragment (`#!` + percent-encoded compact JSON)."""
    text = json.dumps(state, separators=(",", ":"), allow_nan=False)
    return base_url.split("#", 1)[0] + "#!" + quote(text, safe="")


# --- OME-Zarr ---------------------------------------------------------------------------


def _ome_state(
    summary: dict[str, Any], url: str, max_channels: int, name: str
) -> dict[str, Any] | None:
    ome = summary.get("ome") or {}
    multiscales = ome.get("multiscales") or []
    if not multiscales or not multiscales[0].get("datasets"):
        return None
    multiscale = multiscales[0]
    axes = multiscale["axes"]
    level = multiscale["datasets"][0]
    shape = level.get("shape")
    if not shape or len(shape) != len(axes):
        return None
    rank = len(axes)
    # Metadata may hold NaN or 0 (Python's json reads NaN): fall back to identity there.
    scale = [s if _number(s) else 1.0 for s in level.get("world_scale") or [1.0] * rank]
    offset = [
        t if _number(t) is not None else 0.0 for t in level.get("world_translation") or [0.0] * rank
    ]
    source_url = f"{_zarr_scheme(summary)}://{url}"

    # Neuroglancer's names for the source's dimensions, and each one's [scale, unit].
    names = [f"{a['name']}'" if _is_channel(a) else a["name"] for a in axes]
    if len(set(names)) != rank:
        return None  # repeated axis names: no coordinate space can hold them
    output = {
        name: [1, ""] if _is_channel(axis) else neuroglancer_dimension(scale[i], axis["unit"])
        for i, (name, axis) in enumerate(zip(names, axes, strict=True))
    }
    global_order = _display_order(axes)
    dimensions = {names[i]: output[names[i]] for i in global_order}
    # OME places voxel centres on integer coordinates (Neuroglancer shifts the source by
    # half a voxel to match), so n voxels span [-0.5, n - 0.5) plus the level's offset.
    position = [
        _tidy(offset[i] / scale[i] + (0 if axes[i]["type"] == "time" else (shape[i] - 1) / 2))
        for i in global_order
    ]

    if ome.get("image_label") is not None:
        layers = [{"type": "segmentation", "name": name, "source": source_url}]
    else:
        transform = {"outputDimensions": output}
        layers = _channel_layers(summary, axes, shape, source_url, transform, max_channels, name)
    if not layers:
        return None  # an empty channel axis: nothing to show
    layers += _label_layers(ome.get("labels"), url, _zarr_scheme(summary))
    _make_names_unique(layers)

    spatial = [i for i, a in enumerate(axes) if a["type"] == "space" and shape[i] > 1]
    return {
        "dimensions": dimensions,
        "position": position,
        "crossSectionScale": _fit_zoom([shape[i] for i in global_order[:2]]),
        "layers": layers,
        "selectedLayer": {"layer": layers[0]["name"], "visible": True},
        "layout": "4panel" if len(spatial) >= 3 else "xy",
    }


def _channel_layers(
    summary: dict[str, Any],
    axes: list[dict[str, Any]],
    shape: list[int],
    source_url: str,
    transform: dict[str, Any],
    max_channels: int,
    name: str,
) -> list[dict[str, Any]]:
    """One image layer per channel (up to `max_channels`), or one layer without a c axis."""
    omero = (summary["ome"].get("omero") or {}).get("channels") or []
    channel_axis = next((i for i, a in enumerate(axes) if _is_channel(a)), None)
    count = 1 if channel_axis is None else min(shape[channel_axis], max_channels)
    layers = []
    for index in range(count):
        meta = omero[index] if index < len(omero) else {}
        color = _hex_color(meta.get("color"))
        if color is None:
            color = (
                "#FFFFFF"
                if count == 1
                else DEFAULT_CHANNEL_COLORS[index % len(DEFAULT_CHANNEL_COLORS)]
            )
        layer: dict[str, Any] = {
            "type": "image",
            "name": str(meta.get("label") or f"channel {index}"),
            "source": {"url": source_url, "transform": transform},
            "shader": channel_shader(
                color, meta.get("window"), inverted=bool(meta.get("inverted"))
            ),
            "opacity": 1,
            "blend": "additive",
        }
        if channel_axis is not None:
            channel_name = f"{axes[channel_axis]['name']}'"
            layer["localDimensions"] = {channel_name: [1, ""]}
            layer["localPosition"] = [index]
        if count == 1:
            layer["name"] = str(
                meta.get("label") or summary["ome"]["multiscales"][0].get("name") or name
            )
        if meta.get("active") is False:
            layer["visible"] = False
        layers.append(layer)
    return layers


def channel_shader(color: str, window: Any, *, inverted: bool = False) -> str:
    """A shader drawing one channel in `color`, with the omero window as contrast range.

    Without start/end, Neuroglancer picks the range itself (from the data type).
    """
    window = window if isinstance(window, dict) else {}
    start, end = _number(window.get("start")), _number(window.get("end"))
    low, high = _number(window.get("min")), _number(window.get("max"))
    params = []
    if start is not None and end is not None:
        params.append(
            f"range=[{_fmt(end)}, {_fmt(start)}]"
            if inverted
            else f"range=[{_fmt(start)}, {_fmt(end)}]"
        )
    if low is not None and high is not None and low < high:
        params.append(f"window=[{_fmt(low)}, {_fmt(high)}]")
    invlerp = f"normalized({', '.join(params)})" if params else "normalized"
    return (
        f"#uicontrol invlerp {invlerp}\n"
        f'#uicontrol vec3 color color(default="{color}")\n'
        "void main() {\n"
        "  emitRGB(color * normalized());\n"
        "}\n"
    )


def _label_layers(labels: Any, url: str, scheme: str) -> list[dict[str, Any]]:
    """A segmentation layer per label image of the `labels/` group."""
    layers = []
    for label in labels if isinstance(labels, list) else []:
        name = label.get("name") if isinstance(label, dict) else None
        if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
            continue
        layers.append(
            {
                "type": "segmentation",
                "name": f"{name} (labels)",
                "source": f"{scheme}://{url}labels/{quote(name)}/",
            }
        )
    return layers


# --- plain Zarr arrays --------------------------------------------------------------------


def _array_state(summary: dict[str, Any], url: str, name: str) -> dict[str, Any]:
    array = summary["array"]
    shape = array["shape"]
    layer = {"type": "image", "name": name, "source": f"{_zarr_scheme(summary)}://{url}"}
    state: dict[str, Any] = {}
    # Units stored the way Neuroglancer reads them would clash with our unitless guess:
    # then Neuroglancer chooses dimensions and position itself.
    if "dimension_units" not in (array.get("attributes") or {}):
        names = _array_dimension_names(array.get("dimension_names"), len(shape), summary)
        order = list(range(len(shape)))[::-1]  # fastest axis first: the xy panel shows it
        state["dimensions"] = {names[i]: [1, ""] for i in order}
        # Plain arrays have no half-voxel shift: n voxels span [0, n).
        state["position"] = [_tidy(shape[i] / 2) for i in order]
        state["crossSectionScale"] = _fit_zoom([shape[i] for i in order[:2]])
    state["layers"] = [layer]
    state["selectedLayer"] = {"layer": name, "visible": True}
    state["layout"] = "4panel" if len([n for n in shape if n > 1]) >= 3 else "xy"
    return state


def _array_dimension_names(declared: Any, rank: int, summary: dict[str, Any]) -> list[str]:
    """Names as Neuroglancer gives them: declared ones, else d0.. (v2) / dim_0.. (v3),
    with repeats made unique by a numeric suffix."""
    declared = declared if isinstance(declared, list) and len(declared) == rank else [None] * rank
    prefix = "dim_" if summary.get("zarr_format") == 3 else "d"
    seen: set[str] = set()
    names = []
    for i, name in enumerate(declared):
        if not isinstance(name, str) or not name:
            j = i
            while f"{prefix}{j}" in seen:
                j += 1
            name = f"{prefix}{j}"
        elif name in seen:
            j = 1
            while f"{name}{j}" in seen:
                j += 1
            name = f"{name}{j}"
        seen.add(name)
        names.append(name)
    return names


# --- N5 ---------------------------------------------------------------------------------


def _n5_state(summary: dict[str, Any], url: str, name: str) -> dict[str, Any] | None:
    """One image layer of an N5 dataset or multiscale group (`n5://`); None for a group
    that is not a pyramid. Neuroglancer names the dimensions and reads the resolution and
    units from attributes.json itself, and centres the view on the data."""
    n5 = summary.get("n5") or {}
    dataset, group = n5.get("dataset"), n5.get("group")
    if summary.get("kind") == "n5-group":
        levels = ((group or {}).get("multiscale") or {}).get("levels") or []
        dimensions = levels[0].get("dimensions") if levels else None
        if dimensions is None:
            return None
    else:
        dimensions = (dataset or {}).get("dimensions")
    layer = {"type": "image", "name": name, "source": f"n5://{url}"}
    state: dict[str, Any] = {"layers": [layer], "selectedLayer": {"layer": name, "visible": True}}
    if isinstance(dimensions, list) and all(_number(n) for n in dimensions):
        # N5 stores the fastest axis first: the first two are what the xy panel shows.
        state["crossSectionScale"] = _fit_zoom([int(n) for n in dimensions[:2]])
        state["layout"] = "4panel" if len([n for n in dimensions if n > 1]) >= 3 else "xy"
    return state


# --- small helpers ------------------------------------------------------------------------


def _zarr_scheme(summary: dict[str, Any]) -> str:
    version = summary.get("zarr_format")
    return f"zarr{version}" if version in (2, 3) else "zarr"


def _is_channel(axis: dict[str, Any]) -> bool:
    return axis.get("type") == "channel" or (axis.get("type") is None and axis["name"] == "c")


def _display_order(axes: list[dict[str, Any]]) -> list[int]:
    """Global (non-channel) axes: spatial ones fastest first (x, y, z), then the others."""
    spatial = [i for i, a in enumerate(axes) if a.get("type") == "space"][::-1]
    others = [i for i, a in enumerate(axes) if a.get("type") != "space" and not _is_channel(a)]
    return spatial + others


def _fit_zoom(extent: list[int]) -> float | int:
    """Voxels per screen pixel that fit the xy extent in a panel of ~`_PANEL_PIXELS`:
    Neuroglancer would otherwise open at one voxel per pixel, a speck of a large image."""
    return _tidy(max([*extent, 1]) / _PANEL_PIXELS)


def _make_names_unique(layers: list[dict[str, Any]]) -> None:
    """Layer names key the state: a repeated omero label gets " (2)", " (3)"..."""
    seen: set[str] = set()
    for layer in layers:
        name, n = layer["name"], 1
        while layer["name"] in seen:
            n += 1
            layer["name"] = f"{name} ({n})"
        seen.add(layer["name"])


def _hex_color(value: Any) -> str | None:
    match = _HEX_COLOR.match(value) if isinstance(value, str) else None
    return f"#{match.group(1).upper()}" if match else None


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _tidy(value: float) -> float | int:
    """Integral floats as ints and products like 0.5 * 1e-6 rounded to 12 significant
    digits, so that states are short and stable."""
    value = float(f"{value:.12g}")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _fmt(value: float) -> str:
    return repr(_tidy(value))


def _last_segment(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] or "image"
