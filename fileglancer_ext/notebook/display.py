"""`fileglancer_ext.show`: the inspector's summary of a dataset as notebook output.

JupyterLab renders the custom MIME type `application/vnd.fileglancer.dataset+json` with
the extension's renderer; other frontends (VS Code, nbviewer, exported HTML) show the
`text/html` fallback, which is self-contained (the thumbnail is an inline data URL) and
escapes everything taken from the data.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path
from typing import Any

from ..errors import FileglancerError

MIME_TYPE = "application/vnd.fileglancer.dataset+json"
THUMBNAIL_SIZE = 256


class DatasetView:
    """Displays as the dataset inspector; `payload` is the JSON the renderer receives:
    the meta summary (`describe_dataset`, with `health`), `thumbnail` (a PNG data URL or
    None) and `path`."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {MIME_TYPE: self.payload, "text/html": dataset_html(self.payload)}

    def __repr__(self) -> str:
        facts = dataset_facts(self.payload)
        return f"<DatasetView {self.payload['path']}: {self.payload['kind']} {facts['shape']}>"


def show_dataset(path: str | os.PathLike[str]) -> DatasetView:
    """The summary of the dataset at a local `path`, ready to display in a notebook.

    Raises NotFound for a missing path; problems with the data are in the summary.
    """
    from ..inspection.service import describe_dataset

    path = Path(path)
    payload = describe_dataset(path)
    payload["thumbnail"] = _thumbnail(path)
    payload["path"] = str(path)
    return DatasetView(payload)


def _thumbnail(path: Path) -> str | None:
    from ..inspection.thumbnails.core import render_thumbnail

    try:
        png = render_thumbnail(path, size=THUMBNAIL_SIZE)
    except FileglancerError:  # nothing to preview, or too large: the summary still shows
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def dataset_facts(summary: dict[str, Any]) -> dict[str, Any]:
    """Shape, dtype, chunks, axes, pixel sizes and channels of level 0, whatever the kind."""
    facts: dict[str, Any] = {
        "shape": None,
        "dtype": None,
        "chunks": None,
        "axes": None,
        "pixel_size": {},
        "channels": [],
    }
    ome = summary.get("ome") or {}
    tiff = summary.get("tiff") or {}
    n5 = (summary.get("n5") or {}).get("dataset")
    if ome.get("multiscales"):
        image = ome["multiscales"][0]
        level = (image.get("datasets") or [{}])[0]
        facts.update(
            shape=level.get("shape"),
            dtype=level.get("dtype"),
            chunks=level.get("chunks"),
            axes=[a["name"] for a in image.get("axes") or []],
            pixel_size=level.get("pixel_size") or {},
        )
        channels = (ome.get("omero") or {}).get("channels") or []
        facts["channels"] = [{"name": c.get("label"), "color": c.get("color")} for c in channels]
    elif summary.get("array"):
        array = summary["array"]
        facts.update(
            shape=array["shape"],
            dtype=array["dtype"],
            chunks=array["chunk_shape"],
            axes=array.get("dimension_names"),
        )
    elif n5:
        facts.update(shape=n5["shape_c_order"], dtype=n5["dtype"], chunks=n5["block_shape_c_order"])
    elif tiff.get("series"):
        series = tiff["series"][0]
        tile = series["levels"][0]["tile"] if series["levels"] else None
        facts.update(
            shape=series["shape"],
            dtype=series["dtype"],
            chunks=tile,
            axes=series["dims"],
            pixel_size=series["pixel_size"],
            channels=series["channels"],
        )
    return facts


def dataset_html(payload: dict[str, Any]) -> str:
    """A self-contained HTML card: name, kind, shape, dtype, chunks, pixel sizes, channels
    with colour swatches, validation badge, health warnings and the thumbnail."""
    esc = html.escape
    facts = dataset_facts(payload)
    name = Path(payload.get("path") or "").name or str(payload.get("path"))
    rows = [("Kind", esc(str(payload.get("kind"))))]
    if facts["shape"]:
        axes = facts["axes"]
        shape = " × ".join(str(n) for n in facts["shape"])
        rows.append(("Shape", esc(shape + (f" ({', '.join(map(str, axes))})" if axes else ""))))
    for label, key in (("Data type", "dtype"), ("Chunks", "chunks")):
        value = facts[key]
        if value:
            rows.append((label, esc(" × ".join(map(str, value)) if key == "chunks" else value)))
    if facts["pixel_size"]:
        sizes = ", ".join(
            f"{axis} {size['value']:g} {size.get('unit') or ''}".strip()
            for axis, size in facts["pixel_size"].items()
        )
        rows.append(("Pixel size", esc(sizes)))
    if facts["channels"]:
        rows.append(("Channels", _channels_html(facts["channels"])))
    validation = payload.get("validation")
    if validation is not None:
        ok = validation.get("valid")
        color = "#2e7d32" if ok else "#c62828"
        rows.append(
            (
                "OME-NGFF",
                f'<span style="background:{color};color:white;padding:0 6px;'
                f'border-radius:8px">{"valid" if ok else "invalid"}</span>',
            )
        )
    for entry in payload.get("health") or []:
        rows.append((f"Health ({esc(entry['severity'])})", esc(entry["message"])))
    for problem in payload.get("problems") or []:
        rows.append(("Problem", esc(f"{problem.get('file')}: {problem.get('message')}")))
    table = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{label}</th><td>{value}</td></tr>'
        for label, value in rows
    )
    thumbnail = payload.get("thumbnail")
    image = ""
    if isinstance(thumbnail, str) and thumbnail.startswith("data:image/png;base64,"):
        image = f'<img src="{esc(thumbnail)}" alt="thumbnail" style="max-width:256px">'
    return (
        '<div class="fileglancer-dataset" style="display:flex;gap:1em;align-items:flex-start">'
        f"{image}<div><strong>{esc(name)}</strong><table>{table}</table></div></div>"
    )


def _channels_html(channels: list[dict[str, Any]]) -> str:
    items = []
    for index, channel in enumerate(channels):
        color = channel.get("color")
        swatch = ""
        if isinstance(color, str) and len(color) == 6 and _is_hex(color):
            swatch = (
                f'<span style="display:inline-block;width:0.8em;height:0.8em;'
                f'background:#{color};margin-right:0.3em"></span>'
            )
        label = html.escape(str(channel.get("name") or f"channel {index}"))
        items.append(f"{swatch}{label}")
    return ", ".join(items)


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


# --- LazyImage (what `open()` returns without xarray) ---------------------------------------


def _lazy_rows(image: Any) -> list[tuple[str, str]]:
    """(label, text) rows of a LazyImage: shape with axis names, dtype, chunks, size,
    pixel sizes, channels, source; plain text (escaped by the HTML repr)."""
    dims, shape = list(image.dims), list(image.shape)
    names = dims if len(dims) == len(shape) else [""] * len(shape)
    rows = [
        ("shape", " × ".join(f"{d} {n}".strip() for d, n in zip(names, shape, strict=True))),
        ("dtype", str(image.dtype)),
    ]
    chunks = getattr(image.data, "chunksize", None)
    if chunks is not None:
        rows.append(("chunks", " × ".join(str(n) for n in chunks)))
    nbytes = getattr(image.data, "nbytes", None)
    if isinstance(nbytes, int | float):
        rows.append(("size", f"{nbytes / 2**20:,.1f} MiB uncompressed (read when computed)"))
    if image.pixel_sizes:
        rows.append(
            (
                "pixel size",
                ", ".join(
                    f"{axis} {size['value']:g} {_unit(size.get('unit'))}".strip()
                    for axis, size in image.pixel_sizes.items()
                ),
            )
        )
    if image.channels:
        rows.append(
            (
                "channels",
                ", ".join(
                    str(c.get("name") or f"channel {i}")
                    + (f" (#{c['color']})" if c.get("color") else "")
                    for i, c in enumerate(image.channels)
                ),
            )
        )
    source = image.attrs.get("source")
    if source is not None:
        rows.append(("source", f"{source} (level {image.attrs.get('level', 0)})"))
    return rows


_UNITS = {"micrometer": "µm", "nanometer": "nm", "millimeter": "mm", "um": "µm"}


def _unit(unit: Any) -> str:
    return _UNITS.get(unit, unit) if isinstance(unit, str) else ""


def lazy_image_text(image: Any) -> str:
    """The readable, multi-line repr of a LazyImage: one fact a line."""
    rows = _lazy_rows(image)
    width = max(len(label) for label, _ in rows)
    return "\n".join(
        ["<LazyImage: a dask array with its metadata>"]
        + [f"  {label.ljust(width)}  {text}" for label, text in rows]
    )


def lazy_image_html(image: Any) -> str:
    """The LazyImage as a small table (what notebooks show), everything escaped."""
    esc = html.escape
    table = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{esc(label)}</th>'
        f"<td>{esc(text)}</td></tr>"
        for label, text in _lazy_rows(image)
    )
    swatches = _channels_html(image.channels) if image.channels else ""
    extra = f"<div>{swatches}</div>" if swatches else ""
    return (
        '<div class="fileglancer-lazy-image"><strong>LazyImage</strong>'
        f"<table>{table}</table>{extra}</div>"
    )
