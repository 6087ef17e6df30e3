"""Editing the OME metadata of an OME-Zarr image in place: safe, validated and undoable."""

from .fields import InvalidValue
from .service import (
    EditResult,
    EditTarget,
    MetadataEditor,
    auto_contrast,
    edit_metadata,
    editable,
    undo,
)

__all__ = [
    "EditResult",
    "EditTarget",
    "InvalidValue",
    "MetadataEditor",
    "auto_contrast",
    "edit_metadata",
    "editable",
    "undo",
]
