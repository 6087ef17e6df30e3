"""Readers of image-format metadata: Zarr v2/v3, OME-NGFF, N5, TIFF/OME-TIFF.

`detect_kind` tells what an entry is, cheaply enough for every entry of a listing.
"""

from __future__ import annotations

from .detect import KINDS, MAX_METADATA_BYTES, KindInfo, detect_kind

__all__ = ["KINDS", "MAX_METADATA_BYTES", "KindInfo", "detect_kind"]
