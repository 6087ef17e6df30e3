"""Everything the Share tab offers for one dataset: viewer links, code snippets, path forms.

`viewers_for` is the single entry point; the REST route and the CLI both call it.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ..roots import Root
from .config import (
    AVIVATOR_KINDS,
    AVIVATOR_OME_VERSIONS,
    NEUROGLANCER_KINDS,
    VALIDATOR_KINDS,
    VIZARR_KINDS,
    ViewerConfig,
)
from .neuroglancer import neuroglancer_state, neuroglancer_url
from .path_forms import PathForms, path_forms
from .snippets import code_snippets


def viewers_for(
    summary: dict[str, Any],
    local_path: str | PurePath,
    *,
    data_url: str | None = None,
    root: Root | None = None,
    relative_path: str = "",
    config: ViewerConfig | None = None,
) -> dict[str, Any]:
    r"""Viewer links, code snippets and path forms of one dataset, JSON-ready::

        {
          "kind": "ome-zarr",
          "data_url": "http://host/fileglancer/s/TOKEN/" | null,
          "viewers": [{"name": "Neuroglancer", "url": "https://...#!%7B..."}, ...],
          "snippets": [{"language": "python", "title": "zarr-python",
                        "code": "import zarr\n...", "target": "local" | "link"}, ...],
          "paths": {"linux": "/groups/lab/data/cells.ome.zarr",
                    "mac": "smb://server/lab/data/cells.ome.zarr" | null,
                    "windows": "\\\\server\\lab\\data\\cells.ome.zarr" | null},
        }

    `summary` is `inspection.service.describe_dataset`'s (or `formats.summary.summarize`'s)
    answer for the dataset; `local_path` the path a notebook on this server opens it
    with; `data_url` the URL it is shared at (a share link; answered with a trailing "/").
    Without `data_url`, `viewers` is empty and only local snippets are given (web viewers
    need a URL). `root` and `relative_path` (root-relative, POSIX) give the macOS /
    Windows forms from the root's `smb_url` / `unc_path`; without `root`, the Linux form
    is `local_path` and the others are null. Viewers are offered only for the kinds they
    open (vizarr and the validator for OME kinds, Avivator for OME-NGFF 0.4 and
    bioformats2raw, Neuroglancer for OME-Zarr images, Zarr
    arrays and N5 datasets and pyramids; configured viewers by kind and OME-NGFF version);
    snippets are listed local first, then link. Never raises for odd
    metadata: what cannot be built is left out.
    """
    config = config or ViewerConfig()
    # A dataset is a folder: viewers and readers resolve level paths against "<url>/".
    data_url = data_url.rstrip("/") + "/" if data_url else None
    local = str(local_path)
    snippets = code_snippets(summary, local, "local")
    viewers: list[dict[str, str]] = []
    if data_url:
        name = PurePath(local).name or None
        viewers = viewer_links(summary, data_url, config, dataset_name=name)
        snippets += code_snippets(summary, data_url, "link", file_name=name)
    paths: PathForms
    if root is not None:
        paths = path_forms(str(root.path), root.smb_url, root.unc_path, relative_path)
    else:
        paths = {"linux": local, "mac": None, "windows": None}
    return {
        "kind": summary.get("kind"),
        "data_url": data_url,
        "viewers": viewers,
        "snippets": snippets,
        "paths": paths,
    }


def viewer_links(
    summary: dict[str, Any],
    data_url: str,
    config: ViewerConfig,
    *,
    dataset_name: str | None = None,
) -> list[dict[str, str]]:
    """`[{"name", "url"}]` of the viewers that can open this kind, built-ins first.

    `dataset_name` names Neuroglancer layers that have no name of their own.
    """
    kind = summary.get("kind")
    links: list[dict[str, str]] = []
    if config.neuroglancer_url and kind in NEUROGLANCER_KINDS:
        state = neuroglancer_state(
            summary, data_url, max_channels=config.max_channels, name=dataset_name
        )
        if state is not None:
            links.append(
                {"name": "Neuroglancer", "url": neuroglancer_url(config.neuroglancer_url, state)}
            )
    if config.vizarr_url and kind in VIZARR_KINDS:
        links.append({"name": "vizarr", "url": config.vizarr_url + data_url})
    version = ome_version(summary)
    if config.avivator_url and kind in AVIVATOR_KINDS:
        if kind == "bioformats2raw" or version in AVIVATOR_OME_VERSIONS:
            links.append({"name": "Avivator", "url": config.avivator_url + data_url})
    if config.validator_url and kind in VALIDATOR_KINDS:
        links.append({"name": "OME-NGFF validator", "url": config.validator_url + data_url})
    for extra in config.extra_viewers:
        if extra.opens(kind, version):
            links.append({"name": extra.name, "url": extra.url_for(data_url)})
    return links


def ome_version(summary: dict[str, Any]) -> str | None:
    """The OME-NGFF version of the dataset as text ("0.4", "0.5"), or None if not OME."""
    ome = summary.get("ome")
    version = summary.get("ome_version") or (ome.get("version") if isinstance(ome, dict) else None)
    return str(version) if isinstance(version, str | int | float) and version != "" else None
