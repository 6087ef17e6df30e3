"""Fileglancer in notebooks: `open` a dataset as a lazy array, `show` its summary, `view`
it in JupyterLab's image viewer.

Importing this package is cheap: zarr, dask, xarray and tifffile load when called.
"""

from __future__ import annotations

import os
from typing import Any

from .display import MIME_TYPE, DatasetView
from .viewing import VIEWER_MIME_TYPE, ImageViewerCard


def open(path_or_url: str | os.PathLike[str], level: int = 0) -> Any:
    """Resolution `level` of the dataset at a path or data-link URL, as a lazy array with
    its metadata: an `xarray.DataArray` when xarray is installed, else a `LazyImage`.
    See `fileglancer_ext.notebook.opening.open_dataset`."""
    from .opening import open_dataset

    return open_dataset(path_or_url, level)


def show(path: str | os.PathLike[str]) -> DatasetView:
    """The dataset at `path` as notebook output: the inspector in JupyterLab, HTML elsewhere.
    See `fileglancer_ext.notebook.display.show_dataset`."""
    from .display import show_dataset

    return show_dataset(path)


def view(path_or_url: str | os.PathLike[str]) -> ImageViewerCard:
    """Open the image at a local path or a data-link URL in JupyterLab's main-area viewer
    (the output is a card that opens it, and opens it again on click).
    See `fileglancer_ext.notebook.viewing.view_image`."""
    from .viewing import view_image

    return view_image(path_or_url)


__all__ = [
    "MIME_TYPE",
    "VIEWER_MIME_TYPE",
    "DatasetView",
    "ImageViewerCard",
    "open",
    "show",
    "view",
]
