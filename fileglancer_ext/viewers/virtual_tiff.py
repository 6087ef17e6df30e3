"""The Share tab of a shared TIFF: viewers and snippets for its virtual OME-Zarr.

A data link on a TIFF also serves the file as an OME-NGFF 0.4 image at
`<link>/<file name>/ome.zarr/` (`links.virtual_zarr`). The viewers that open OME-Zarr
(Neuroglancer with a layer per channel, vizarr, ...) and the OME-Zarr link snippets are
offered for that URL, built from the virtual image's summary exactly as for an OME-Zarr
on disk. A TIFF the view cannot serve gets the reason instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..links.virtual_zarr import NotServableTiff, virtual_summary, virtual_url
from ..system.confined_io import Within
from .catalog import viewer_links
from .config import ViewerConfig
from .snippets import code_snippets

TIFF_KINDS = frozenset({"tiff", "ome-tiff"})


def add_virtual_image(
    answer: dict[str, Any], real: Path, within: Within, link_url: str, config: ViewerConfig
) -> None:
    """Add to a TIFF's Share tab `answer` (its link on the file at `link_url`) the virtual
    image: `virtual_image` `{"url", "problem"}`, its viewers and its link snippets."""
    url = virtual_url(link_url.rstrip("/") + "/", quote(real.name))
    try:
        summary = virtual_summary(real, within)
    except (NotServableTiff, OSError) as err:
        problem = err.message if isinstance(err, NotServableTiff) else "It cannot be read."
        answer["virtual_image"] = {"url": None, "problem": problem}
        return
    answer["virtual_image"] = {"url": url, "problem": None}
    answer["viewers"] = answer["viewers"] + viewer_links(
        summary, url, config, dataset_name=real.name
    )
    for snippet in code_snippets(summary, url, "link"):
        if snippet["title"] != "fileglancer_ext.open":  # already there, on the file
            snippet["title"] += " (as OME-Zarr)"
            answer["snippets"].append(snippet)
