"""Health warnings: what makes a valid dataset slow or unviewable, with a suggested fix.

`dataset_health(summary)` looks only at a metadata summary (`formats.summary.summarize`):
no extra reads, so the inspector and `fileglancer-ext validate` can always afford it. Each
warning is JSON-ready::

    {"code": "single-resolution", "severity": "warning" | "info", "message": str,
     "fix": {"kind": "tiff-to-ome-zarr" | "recompress" | "zarr-to-tiff" | "extract-level",
             "options": {...ConversionOptions keys}} | None}

`fix` is a conversion the jobs API can run as it is (its source being the dataset), or,
for an OME-Zarr image whose metadata an edit cures, the edit: `{"action": "edit", "field":
"pixel_sizes" | "axes" | "channels"}` (open the editor there) or `{"action":
"auto_contrast"}` (PATCH meta/ with `auto_contrast: true`); None when there is no one-click
cure. "info" marks hints that are no defect
(a Zarr v2 dataset, a plain TIFF). Each code appears at most once per dataset.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

LARGE_SIDE = 2048  # pixels in y or x beyond which one resolution level is slow to view
LARGE_BYTES = 1 << 30
MAX_CHUNK_BYTES = 64 << 20
MIN_CHUNK_BYTES = 16 << 10
MAX_FILES_PER_FOLDER = 100_000
PYRAMID_TARGET = 512  # levels are built until the smallest is about this wide

_OME_KINDS = ("ome-zarr", "ome-zarr-labels")

# warn(code, message, fix=None, severity="warning"): records one warning (first one wins).
Warn = Callable[..., None]


def dataset_health(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The health warnings of a summarized dataset; [] for folders, files and what is fine."""
    found: dict[str, dict[str, Any]] = {}

    def warn(code: str, message: str, fix: dict | None = None, severity: str = "warning") -> None:
        found.setdefault(code, {"code": code, "severity": severity, "message": message, "fix": fix})

    kind = summary.get("kind")
    multiscales = ((summary.get("ome") or {}).get("multiscales")) or []
    if multiscales:
        _check_ome_image(summary, multiscales[0], warn)
    elif kind == "zarr-array" and summary.get("array"):
        _check_plain_array(summary["array"], warn)
    elif kind == "n5-array" and (summary.get("n5") or {}).get("dataset"):
        _check_n5_dataset(summary["n5"]["dataset"], warn)
    elif kind in ("tiff", "ome-tiff") and summary.get("tiff"):
        _check_tiff(kind, summary["tiff"], warn)
    return list(found.values())


# --- checks shared by every chunked format --------------------------------------------------


def _fix(kind: str, **options: Any) -> dict[str, Any]:
    return {"kind": kind, "options": options}


def _edit(field: str) -> dict[str, Any]:
    """The fix that is an edit of the image's metadata (`editing`), not a conversion."""
    return {"action": "edit", "field": field}


_ZOOMED_OUT = ": viewers must read full resolution to show it zoomed out"


def _warn_single_level(
    warn: Warn, shape: list[int], y: int, x: int, what: str, fix: dict | None, why: str
) -> None:
    """The "single-resolution" warning: `what` (an image, a TIFF...), `why` it matters."""
    message = f"a {shape[y]} x {shape[x]} {what} with a single resolution level{why}"
    warn("single-resolution", message, fix)


def _warn_zarr_v2(found: dict[str, Any], warn: Warn, v2: str, v3: str) -> None:
    """The "zarr-v2" advice, with the conversion to Zarr v3, when `found` is Zarr v2."""
    if found.get("zarr_format") == 2:
        warn(
            "zarr-v2",
            f"stored as {v2}: viewers that read only {v3} will not open it",
            _fix("recompress", ngff_version="0.5"),
            severity="info",
        )


def _is_large(shape: list[int], itemsize: int | None, y: int, x: int) -> bool:
    nbytes = math.prod(shape) * (itemsize or 1)
    return shape[y] > LARGE_SIDE or shape[x] > LARGE_SIDE or nbytes > LARGE_BYTES


def _pyramid_levels(shape: list[int], y: int, x: int) -> int:
    """How many levels halving y and x reach about PYRAMID_TARGET pixels."""
    side = max(shape[y], shape[x])
    return 1 + max(0, math.ceil(math.log2(side / PYRAMID_TARGET)))


def _suggested_chunks(shape: list[int], z: int | None) -> list[int]:
    """Chunks viewers stream well, for the trailing axes: 128^3 for volumes, else 512^2."""
    if z is not None and shape[z] > 1:
        return [128, 128, 128]
    return [512, 512]


def _check_chunks(
    shape: list[int], chunks: list[int] | None, itemsize: int | None, z: int | None, warn: Warn
) -> None:
    if not chunks or not itemsize or len(chunks) != len(shape):
        return
    chunk_bytes = math.prod(chunks) * itemsize
    whole_array = all(c >= s for c, s in zip(chunks, shape, strict=True))
    fix = _fix("recompress", chunks=_suggested_chunks(shape, z))
    if chunk_bytes > MAX_CHUNK_BYTES:
        warn(
            "chunks-too-large",
            f"chunks of {_size(chunk_bytes)} (uncompressed) are over {_size(MAX_CHUNK_BYTES)}: "
            "every view of a small region reads and decodes a whole chunk",
            fix,
        )
    elif chunk_bytes < MIN_CHUNK_BYTES and not whole_array:
        warn(
            "chunks-too-small",
            f"chunks of {_size(chunk_bytes)} (uncompressed) are under "
            f"{_size(MIN_CHUNK_BYTES)}: viewers make one request per chunk, so this is slow",
            fix,
        )


def _check_files_per_folder(
    chunks_expected: int | None, separator: str | None, zarr_format: int | None, warn: Warn
) -> None:
    """Chunk keys joined with "." put every chunk file of an array in one folder."""
    if separator != "." or not chunks_expected or chunks_expected <= MAX_FILES_PER_FOLDER:
        return
    warn(
        "too-many-files-in-folder",
        f"{chunks_expected:,} chunk files in one folder ('.' dimension separator): slow to "
        "list and back up, and some file systems refuse that many",
        _fix("recompress", ngff_version="0.5") if zarr_format == 2 else None,
    )


def _yx(names: list[str], ndim: int) -> tuple[int, int, int | None]:
    """Indices of y, x (default: the last two) and z (None when absent)."""
    lowered = [str(n).lower() for n in names] if len(names) == ndim else []
    y = lowered.index("y") if "y" in lowered else ndim - 2
    x = lowered.index("x") if "x" in lowered else ndim - 1
    z = lowered.index("z") if "z" in lowered else None
    return y, x, z


def _itemsize(dtype: Any) -> int | None:
    try:
        return np.dtype(dtype).itemsize
    except TypeError:
        return None


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"


# --- per kind -------------------------------------------------------------------------------


def _check_ome_image(summary: dict[str, Any], image: dict[str, Any], warn: Warn) -> None:
    levels = [level for level in image.get("datasets") or [] if level.get("shape")]
    axes = image.get("axes") or []
    if not levels:
        return
    first = levels[0]
    shape = first["shape"]
    if len(shape) < 2:
        return
    y, x, z = _yx([a.get("name") for a in axes], len(shape))
    itemsize = _itemsize(first.get("dtype"))
    if len(image["datasets"]) == 1 and _is_large(shape, itemsize, y, x):
        fix = _fix("extract-level", level=0, levels=_pyramid_levels(shape, y, x))
        _warn_single_level(warn, shape, y, x, "image", fix, _ZOOMED_OUT)
    raw = summary.get("raw") or {}
    for level in levels:
        _check_chunks(level["shape"], level.get("chunks"), itemsize, z, warn)
        zarray = raw.get(f"{level.get('path')}/.zarray")
        separator = zarray.get("dimension_separator", ".") if isinstance(zarray, dict) else None
        _check_files_per_folder(level.get("chunks_expected"), separator, 2, warn)
    space = [a for a in axes if a.get("type") == "space"]
    editable = summary.get("kind") in _OME_KINDS
    if first.get("world_scale") is None:
        warn(
            "missing-pixel-sizes",
            "no usable pixel sizes (scale) for level 0",
            _edit("pixel_sizes") if editable else None,
        )
    if any(not a.get("unit") for a in space):
        names = ", ".join(str(a.get("name")) for a in space if not a.get("unit"))
        warn(
            "missing-units",
            f"space axes without a unit ({names}): sizes cannot be measured",
            _edit("axes") if editable else None,
        )
    channel_axis = next((i for i, a in enumerate(axes) if a.get("type") == "channel"), None)
    omero = (summary.get("ome") or {}).get("omero") or {}
    if channel_axis is not None and editable:
        channels = omero.get("channels") or []
        count = shape[channel_axis] if channel_axis < len(shape) else 0
        # A named channel is described: viewers pick a colour for one without.
        named = [c for c in channels[:count] if c.get("label")]
        if count > 1 and len(named) < count:
            warn(
                "unnamed-channels",
                f"{count - len(named)} of {count} channels have no name (omero label): "
                "viewers show them as numbered channels",
                _edit("channels"),
            )
        described = [c for c in channels[:count] if c.get("window") and c.get("color")]
        if len(described) < count:
            warn(
                "channels-without-windows",
                f"{count - len(described)} of {count} channels have no display window or "
                "colour: each viewer guesses its own contrast",
                {"action": "auto_contrast"},
            )
    _warn_zarr_v2(summary, warn, "Zarr v2 (OME-NGFF up to 0.4)", "Zarr v3 (OME-NGFF 0.5)")


def _check_plain_array(array: dict[str, Any], warn: Warn) -> None:
    shape = array.get("shape")
    if not shape or len(shape) < 2:
        return
    y, x, z = _yx(array.get("dimension_names") or [], len(shape))
    itemsize = array.get("itemsize")
    if _is_large(shape, itemsize, y, x):
        why = f" and no OME metadata{_ZOOMED_OUT}"
        _warn_single_level(warn, shape, y, x, "array", None, why)
    _check_chunks(shape, array.get("chunk_shape"), itemsize, z, warn)
    encoding = array.get("chunk_key_encoding") or {}
    separator = (encoding.get("configuration") or {}).get("separator")
    if array.get("zarr_format") == 3 and encoding.get("name") == "default":
        separator = separator or "/"
    _check_files_per_folder(array.get("chunks_expected"), separator, array["zarr_format"], warn)
    _warn_zarr_v2(array, warn, "Zarr v2", "Zarr v3")


def _check_n5_dataset(dataset: dict[str, Any], warn: Warn) -> None:
    shape = dataset.get("shape_c_order")
    if not shape or len(shape) < 2:
        return
    y, x, z = _yx([], len(shape))
    itemsize = dataset.get("itemsize")
    if _is_large(shape, itemsize, y, x):
        _warn_single_level(warn, shape, y, x, "N5 dataset", None, "")

    def warn_without_fix(code: str, message: str, fix: dict | None = None, **more: Any) -> None:
        # No conversion reads N5 (the Zarr readers refuse it): a fix would fail as a job.
        warn(code, message, None, **more)

    _check_chunks(shape, dataset.get("block_shape_c_order"), itemsize, z, warn_without_fix)


def _check_tiff(kind: str, tiff: dict[str, Any], warn: Warn) -> None:
    series = (tiff.get("series") or [None])[0]
    if series is None:
        return
    shape, axes = series["shape"], series["axes"]
    if "Y" not in axes or "X" not in axes:
        return
    y, x = axes.index("Y"), axes.index("X")
    itemsize = _itemsize(series.get("dtype"))
    if len(series.get("levels") or []) <= 1 and _is_large(shape, itemsize, y, x):
        fix = _fix("tiff-to-ome-zarr", levels=None)
        _warn_single_level(warn, shape, y, x, "TIFF", fix, _ZOOMED_OUT)
    if not series.get("pixel_size"):
        warn("missing-pixel-sizes", "no pixel sizes in the OME-XML, ImageJ or resolution tags")
    elif any(not size.get("unit") for size in series["pixel_size"].values()):
        warn("missing-units", "pixel sizes without a unit")
    if "C" in axes and shape[axes.index("C")] > 1:
        channels = series.get("channels") or []
        count = shape[axes.index("C")]
        named = [c for c in channels[:count] if c.get("name")]
        if len(named) < count:
            warn("unnamed-channels", f"{count - len(named)} of {count} channels have no name")
    if kind == "tiff":
        warn(
            "plain-tiff",
            "a TIFF without OME metadata: convert it to OME-Zarr for chunked, multiscale "
            "viewing in the browser and in Neuroglancer",
            _fix("tiff-to-ome-zarr", levels=None),
            severity="info",
        )
