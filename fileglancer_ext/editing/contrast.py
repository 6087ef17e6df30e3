"""Auto contrast: per-channel display windows computed from the data.

The windows are the 0.5 and 99.5 percentiles of a bounded sample of the smallest level:
the middle time point, at most `MAX_PLANES` planes along every other non-channel axis
beside y and x, and y and x strided so that a channel's sample holds at most
`MAX_SAMPLES` values. The whole dataset is never read; memory stays bounded whatever the
image's size. Chunks are read through `confined_store` (never outside the roots).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BadRequest
from ..formats.model import NgffImage
from ..inspection.thumbnails.render import AUTO_HIGH_PERCENTILE, AUTO_LOW_PERCENTILE
from ..system.confined_io import Within
from ..system.confined_store import open_confined_array
from .fields import InvalidValue, channel_count, dtype_range

MAX_SAMPLES = 1 << 22  # values per channel
MAX_PLANES = 16


def channel_windows(
    folder: Path, image: NgffImage, within: Within, channels: Any = True
) -> dict[int, dict[str, float]]:
    """{channel index: {"start", "end", "min", "max"}} for `channels` (True: all of them).

    `min`/`max` are the data type's range for integers, else the sample's own range.
    """
    count = channel_count(image)
    indexes = _indexes(channels, count)
    level = image.levels[-1]
    if level.shape is None:
        raise BadRequest(f"level {level.path!r} has no readable array metadata.")
    try:
        array = open_confined_array(folder / level.path, within)
    except Exception as err:  # noqa: BLE001 - zarr raises many kinds; say which level failed
        raise BadRequest(f"cannot open level {level.path!r} for auto contrast: {err}") from None
    data_range = dtype_range(image)
    windows = {}
    for index in indexes:
        sample = _sample(array, image, index)
        values = sample[np.isfinite(sample)] if sample.dtype.kind == "f" else sample
        if values.size == 0:
            low = high = 0.0
        else:
            low, high = (
                float(v) for v in np.percentile(values, [AUTO_LOW_PERCENTILE, AUTO_HIGH_PERCENTILE])
            )
        if data_range is not None:
            bottom, top = data_range
        else:
            bottom = float(values.min()) if values.size else low
            top = float(values.max()) if values.size else high
        windows[index] = {"start": low, "end": high, "min": bottom, "max": top}
    return windows


def _indexes(channels: Any, count: int) -> list[int]:
    if channels is True:
        return list(range(count))
    if not isinstance(channels, list) or not channels:
        raise InvalidValue("auto_contrast", "auto_contrast is true or a list of channel indexes.")
    for index in channels:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise InvalidValue("auto_contrast", f"no channel {index!r} (0 to {count - 1}).")
    return sorted(set(channels))


def _sample(array: Any, image: NgffImage, channel: int) -> np.ndarray:
    """The bounded sample of one channel (see the module's docstring)."""
    shape = array.shape
    types = [axis.type for axis in image.axes] if len(image.axes) == len(shape) else []
    if not types:
        types = [None] * len(shape)
    yx = [i for i in range(len(shape)) if types[i] == "space"][-2:] or list(range(len(shape)))[-2:]
    selection: list[Any] = []
    planes = 1
    for i, n in enumerate(shape):
        if types[i] == "channel":
            selection.append(min(channel, n - 1))
        elif types[i] == "time":
            selection.append(n // 2)
        elif i in yx:
            selection.append(None)  # filled below
        else:
            picked = np.unique(np.linspace(0, n - 1, min(n, MAX_PLANES)).round().astype(int))
            selection.append(picked)
            planes *= len(picked)
    area = math.prod(shape[i] for i in yx)
    step = max(1, math.ceil(math.sqrt(area * planes / MAX_SAMPLES)))
    for i in yx:
        selection[i] = slice(None, None, step)
    data = np.asarray(array.oindex[tuple(selection)])
    return data.reshape(-1)
