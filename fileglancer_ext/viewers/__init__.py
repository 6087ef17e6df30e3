"""Viewer links (Neuroglancer, vizarr, the OME-NGFF validator, configured others), code
snippets and path forms for a dataset. Pure functions of the metadata summary: no I/O.

- `catalog.viewers_for`: the one entry point (what the viewers route answers)
- `neuroglancer`: the Neuroglancer state and URL
- `snippets`: zarr / dask / ome-zarr / napari / fsspec code
- `path_forms`: Linux / macOS / Windows spellings of a root-relative path
- `config`: `ViewerConfig`, filled from traitlets
"""

from .catalog import viewer_links, viewers_for
from .config import ExtraViewer, ViewerConfig
from .neuroglancer import neuroglancer_state, neuroglancer_url
from .snippets import code_snippets

__all__ = [
    "ExtraViewer",
    "ViewerConfig",
    "code_snippets",
    "neuroglancer_state",
    "neuroglancer_url",
    "viewer_links",
    "viewers_for",
]
