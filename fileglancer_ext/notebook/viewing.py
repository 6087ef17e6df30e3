"""`fileglancer_ext.view`: open an image in JupyterLab's main-area viewer from a notebook.

The kernel cannot open a JupyterLab panel itself, so `view()` returns output of the MIME
type `application/vnd.fileglancer.viewer+json`, which the extension renders as a small card
("Image viewer: <name> — Open") that runs `fileglancer:open-viewer` when it first appears
and on every click. A local path is sent as the kernel sees it, resolved (`realpath`); the
frontend maps it to a root and path among the server's roots (their real paths), so the
viewer reads through the user's own authenticated server. A data-link URL
(`https://.../fileglancer/s/TOKEN/...`) is read through the link server's public viewer
routes (`links/view_route.py`). What cannot be opened (a missing path, a URL that is no
data link, a path outside the roots) is a message in the card, never an exception.
Other frontends show the plain-text line.
"""

from __future__ import annotations

import os
import uuid
from typing import Any
from urllib.parse import urlsplit

VIEWER_MIME_TYPE = "application/vnd.fileglancer.viewer+json"
_LINK_MARK = "/fileglancer/s/"


class ImageViewerCard:
    """Displays as the card that opens the viewer; `payload` is what the renderer gets:
    `id` (the card opens the viewer by itself once per id), `name`, and `path` (local,
    resolved) or `url` (a data link), and `error` when it cannot be opened."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {VIEWER_MIME_TYPE: self.payload, "text/plain": viewer_text(self.payload)}

    def __repr__(self) -> str:
        return viewer_text(self.payload)


def view_image(path_or_url: str | os.PathLike[str]) -> ImageViewerCard:
    """The card for the image at a local path or a data-link URL (module docstring)."""
    text = os.fspath(path_or_url)
    payload: dict[str, Any] = {"id": uuid.uuid4().hex}
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        payload["url"] = text
        payload["name"] = _name(parts.path) or parts.netloc
        if _LINK_MARK not in parts.path:
            payload["error"] = (
                "This URL is not a data link: the viewer opens "
                "'https://.../fileglancer/s/<token>/...' URLs."
            )
        return ImageViewerCard(payload)
    real = os.path.realpath(os.path.expanduser(text))
    payload["path"] = real
    payload["name"] = _name(real) or real
    if not os.path.exists(real):
        payload["error"] = f"There is no file or folder at '{text}'."
    return ImageViewerCard(payload)


def _name(path: str) -> str:
    return path.rstrip("/").rpartition("/")[2]


def viewer_text(payload: dict[str, Any]) -> str:
    """The card as one plain-text line, for frontends without the extension."""
    where = payload.get("url") or payload.get("path")
    if payload.get("error"):
        return f"Image viewer: {payload['name']} cannot be opened: {payload['error']}"
    return (
        f"Image viewer: {payload['name']} ({where}) opens in JupyterLab with the "
        "fileglancer-ext extension."
    )
