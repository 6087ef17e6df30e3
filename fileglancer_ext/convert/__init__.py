"""Conversions between TIFF / OME-TIFF / CZI and OME-Zarr, and between Zarr encodings.

Every conversion writes to a hidden sibling and renames it into place when complete,
reports progress through a callback, honours a cancel signal between regions, and keeps
memory bounded by reading and writing region by region.
"""

from .api import (
    conversion_kind,
    convert,
    convert_czi_to_ome_zarr,
    convert_ome_zarr_to_tiff,
    convert_tiff_to_ome_zarr,
    extract_ome_zarr_level,
    recompress_zarr,
)
from .options import ConversionOptions
from .plan import (
    ConversionPlan,
    FuturesExecutor,
    InProcessExecutor,
    RegionTask,
    configure_conversion_process,
)
from .progress import CancelToken, Progress
from .registry import AUTO, KINDS, CheckedConversion, ConversionKind, check_conversion
from .result import ConversionResult

__all__ = [
    "AUTO",
    "KINDS",
    "CheckedConversion",
    "ConversionKind",
    "CancelToken",
    "ConversionOptions",
    "ConversionPlan",
    "ConversionResult",
    "FuturesExecutor",
    "InProcessExecutor",
    "Progress",
    "RegionTask",
    "check_conversion",
    "configure_conversion_process",
    "conversion_kind",
    "convert",
    "convert_czi_to_ome_zarr",
    "convert_ome_zarr_to_tiff",
    "convert_tiff_to_ome_zarr",
    "extract_ome_zarr_level",
    "recompress_zarr",
]
