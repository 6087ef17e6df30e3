"""Metadata given with a conversion, overriding what the source says: a plain TIFF becomes a
fully described OME-Zarr, and a wrong pixel size in an OME-TIFF is corrected on the way.

The same fields, checked by the same rules, as an edit in place (`editing.fields`): pixel
sizes > 0, OME-NGFF length and time units, colours as six hex digits.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import BadRequest
from .image_meta import ChannelInfo, ImageMetadata
from .source import OME_ORDER, SourceImage

if TYPE_CHECKING:
    from .options import ConversionOptions

_COLOR = re.compile(r"^#?[0-9A-Fa-f]{6}$")


def check_overrides(options: ConversionOptions) -> None:
    """What can be checked before the source is opened; BadRequest naming the option."""
    from ..editing.fields import SPACE_UNITS, TIME_UNITS

    for axis, size in (options.pixel_sizes or {}).items():
        if axis not in OME_ORDER or axis == "c":
            raise BadRequest(f"pixel_sizes: {axis!r} is not one of the axes t, z, y, x.")
        if not math.isfinite(size) or size <= 0:
            raise BadRequest(f"pixel_sizes: {axis}={size} must be a number greater than 0.")
    for axis, unit in (options.units or {}).items():
        if axis not in ("space", "t", "z", "y", "x"):
            raise BadRequest(f"units: {axis!r} is not one of space, t, z, y, x.")
        allowed = TIME_UNITS if axis == "t" else SPACE_UNITS
        if unit not in allowed:
            kind = "time" if axis == "t" else "length"
            raise BadRequest(f"units: {unit!r} is no OME-NGFF {kind} unit.")
    names = options.axis_names
    if names is not None:
        order = [OME_ORDER.find(a) for a in names]
        if len(set(names)) != len(names) or -1 in order or order != sorted(order):
            raise BadRequest(
                f"axis_names: {names!r} must be letters of t, c, z, y, x, each once, in that order."
            )
    for color in options.channel_colors or ():
        if not _COLOR.match(color):
            raise BadRequest(f"channel_colors: {color!r} is not six hex digits (RRGGBB).")
    for label in options.channel_labels or ():
        if not label.strip():
            raise BadRequest("channel_labels: a label is empty.")


def with_overrides(source: SourceImage, options: ConversionOptions) -> SourceImage:
    """`source` with its metadata as `options` say; BadRequest when they do not fit it
    (an axis it lacks, more channel labels than channels)."""
    if not options.overrides_metadata:
        return source
    meta = source.metadata
    if options.axis_names is not None:
        meta = _rename_axes(meta, options.axis_names)
    axes = meta.axes
    scale, units = dict(meta.scale), dict(meta.units)
    for axis, size in (options.pixel_sizes or {}).items():
        if axis not in axes:
            raise BadRequest(f"pixel_sizes: the image has no axis {axis!r} (its axes: {axes}).")
        scale[axis] = size
    for axis, unit in (options.units or {}).items():
        targets = [a for a in axes if a in "zyx"] if axis == "space" else [axis]
        if axis != "space" and axis not in axes:
            raise BadRequest(f"units: the image has no axis {axis!r} (its axes: {axes}).")
        units.update(dict.fromkeys(targets, unit))
    meta = replace(meta, scale=scale, units=units, name=options.image_name or meta.name)
    meta = _channels(meta, source.shape[axes.index("c")] if "c" in axes else 1, options)
    return replace(source, metadata=meta)


def _rename_axes(meta: ImageMetadata, names: str) -> ImageMetadata:
    if len(names) != len(meta.axes):
        raise BadRequest(
            f"axis_names: the image has {len(meta.axes)} axes ({meta.axes}), "
            f"{names!r} names {len(names)}."
        )
    rename = dict(zip(meta.axes, names, strict=True))

    def renamed(values: dict) -> dict:
        return {rename[a]: v for a, v in values.items() if a in rename}

    channels = meta.channels if "c" in names else []
    return replace(
        meta,
        axes=names,
        scale=renamed(meta.scale),
        translation=renamed(meta.translation),
        units={a: u for a, u in renamed(meta.units).items() if a != "c"},
        channels=channels,
    )


def _channels(meta: ImageMetadata, count: int, options: ConversionOptions) -> ImageMetadata:
    labels, colors = options.channel_labels or (), options.channel_colors or ()
    if not labels and not colors:
        return meta
    if "c" not in meta.axes:
        raise BadRequest(
            f"channel_labels/channel_colors: the image has no channel axis (its axes: "
            f"{meta.axes}); name one with axis_names."
        )
    if max(len(labels), len(colors)) > count:
        raise BadRequest(
            f"channel_labels/channel_colors: {max(len(labels), len(colors))} given, "
            f"the image has {count} channel(s)."
        )
    channels = list(meta.channels) + [ChannelInfo()] * (count - len(meta.channels))
    for index, label in enumerate(labels):
        channels[index] = replace(channels[index], name=label)
    for index, color in enumerate(colors):
        channels[index] = replace(channels[index], color=color.lstrip("#").upper())
    return replace(meta, channels=channels)
