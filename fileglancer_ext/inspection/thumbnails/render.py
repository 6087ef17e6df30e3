"""Pixel work for thumbnails: channel blending, label colouring, resizing and PNG encoding.

Everything here is pure numpy/pillow on arrays already in memory; `core.py` decides
what to read and keeps the reads bounded. Nothing here touches the filesystem.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

# Auto-contrast percentiles, used where a channel has no usable display window.
AUTO_LOW_PERCENTILE = 0.5
AUTO_HIGH_PERCENTILE = 99.5
# Percentiles are taken over at most this many samples (a strided subset of the plane).
_PERCENTILE_SAMPLES = 1 << 20

# Without OMERO metadata: one channel is grey, up to three are red, green and blue.
_GREY = (1.0, 1.0, 1.0)
_RGB = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


@dataclass(frozen=True)
class ChannelStyle:
    """How one channel is drawn: its colour (0..1 floats) and display window (None: auto)."""

    color: tuple[float, float, float]
    window: tuple[float, float] | None = None
    inverted: bool = False


def parse_hex_color(value: Any) -> tuple[float, float, float] | None:
    """'RRGGBB' (optionally with '#') as 0..1 floats, or None when it is not such a string."""
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip("#")
    if len(text) != 6:
        return None
    try:
        packed = int(text, 16)
    except ValueError:
        return None
    return ((packed >> 16) / 255.0, ((packed >> 8) & 0xFF) / 255.0, (packed & 0xFF) / 255.0)


def default_styles(count: int) -> list[ChannelStyle]:
    """Styles without OMERO metadata: grey for one channel, else red/green/blue (at most 3)."""
    if count == 1:
        return [ChannelStyle(_GREY)]
    return [ChannelStyle(color) for color in _RGB[: min(count, 3)]]


def _as_float(plane: np.ndarray) -> np.ndarray:
    if plane.dtype.kind == "c":
        plane = np.abs(plane)
    data = plane.astype(np.float32, copy=False)
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
    return data


def auto_window(plane: np.ndarray) -> tuple[float, float]:
    """The (0.5, 99.5) percentile window of a plane, from a bounded strided sample."""
    flat = plane.reshape(-1)
    if flat.size > _PERCENTILE_SAMPLES:
        flat = flat[:: flat.size // _PERCENTILE_SAMPLES + 1]
    if flat.size == 0:
        return 0.0, 1.0
    low, high = np.percentile(flat, [AUTO_LOW_PERCENTILE, AUTO_HIGH_PERCENTILE])
    return float(low), float(high)


def blend_channels(planes: list[np.ndarray], styles: list[ChannelStyle]) -> np.ndarray:
    """Additive blend of 2D planes (same shape) with their styles, as a (y, x, 3) uint8 image.

    Each plane is scaled to 0..1 by its window (clipped), multiplied by its colour and
    summed; the sum is clipped to 0..1. No planes gives a black image of shape (1, 1).
    """
    if not planes:
        return np.zeros((1, 1, 3), dtype=np.uint8)
    height, width = planes[0].shape
    out = np.zeros((height, width, 3), dtype=np.float32)
    for plane, style in zip(planes, styles, strict=True):
        data = _as_float(plane)
        low, high = style.window if style.window is not None else auto_window(data)
        span = high - low
        if span <= 0:
            scaled = (data > low).astype(np.float32)
        else:
            scaled = np.clip((data - low) / span, 0.0, 1.0)
        if style.inverted:
            scaled = 1.0 - scaled
        for index, weight in enumerate(style.color):
            if weight:
                out[..., index] += weight * scaled
    np.clip(out, 0.0, 1.0, out=out)
    return np.rint(out * 255.0).astype(np.uint8)


def _hashed_colors(values: np.ndarray) -> np.ndarray:
    """A stable pseudo-random bright colour per label value, as (n, 3) uint8."""
    mixed = values.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= mixed >> np.uint64(29)
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(32)
    channels = [(mixed >> np.uint64(shift)) & np.uint64(0xFF) for shift in (0, 8, 16)]
    rgb = np.stack(channels, axis=-1).astype(np.uint16)
    return (64 + rgb * 191 // 255).astype(np.uint8)  # keep every label visible on black


def color_labels(plane: np.ndarray, colors: dict[int, tuple[int, int, int, int]]) -> np.ndarray:
    """A label plane as (y, x, 3) uint8: listed values in their RGBA colour (alpha blended
    over black), other non-zero values in a stable hashed colour, 0 black unless listed."""
    if plane.dtype.kind == "f":
        plane = np.nan_to_num(plane, nan=0.0)
    labels = plane.astype(np.int64, copy=False)
    values, inverse = np.unique(labels, return_inverse=True)
    palette = _hashed_colors(values)
    palette[values == 0] = 0
    for position, value in enumerate(values.tolist()):
        rgba = colors.get(int(value))
        if rgba is not None:
            red, green, blue, alpha = rgba
            palette[position] = [round(channel * alpha / 255) for channel in (red, green, blue)]
    return palette[inverse.reshape(labels.shape)]


def encode_png(rgb: np.ndarray, *, size: int, nearest: bool = False) -> bytes:
    """Resize a (y, x, 3) uint8 image so that its longer edge is `size`, and encode as PNG.

    `nearest` keeps hard edges (labels); otherwise bilinear (box when shrinking a lot).
    """
    height, width = rgb.shape[:2]
    longer = max(height, width)
    new_w = max(1, round(width * size / longer))
    new_h = max(1, round(height * size / longer))
    image = Image.fromarray(np.ascontiguousarray(rgb))
    if (new_w, new_h) != (width, height):
        if nearest:
            resample = Image.Resampling.NEAREST
        elif longer > 2 * size:
            resample = Image.Resampling.BOX
        else:
            resample = Image.Resampling.BILINEAR
        image = image.resize((new_w, new_h), resample=resample)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
