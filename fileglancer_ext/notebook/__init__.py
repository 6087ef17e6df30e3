"""Fileglancer in notebooks: `open` a dataset as a lazy array, `show` its summary.

Importing this package is cheap: zarr, dask, xarray and tifffile load when called.
"""

from __future__ import annotations

import os
from typing import Any

from .display import MIME_TYPE, DatasetView


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


__all__ = ["MIME_TYPE", "DatasetView", "open", "show"]
