"""fileglancer-ext: browse, inspect, share and convert Zarr / OME-Zarr data in JupyterLab."""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    import warnings

    warnings.warn("Importing 'fileglancer_ext' outside a proper installation.", stacklevel=2)
    __version__ = "dev"

# Notebook helpers: `fileglancer_ext.open(path)`, `fileglancer_ext.show(path)` and
# `fileglancer_ext.view(path)`; cheap to import (dask, xarray and zarr load only when called).
from .notebook import open as open  # noqa: E402
from .notebook import show as show  # noqa: E402
from .notebook import view as view  # noqa: E402


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "fileglancer-ext"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import FileglancerApp

    return [{"module": "fileglancer_ext", "app": FileglancerApp}]
