"""`fileglancer_ext.view`: the card JupyterLab renders to open the image viewer, as
IPython's own display formatter produces it, with a plain-text line for other frontends."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.formatters import DisplayFormatter

import fileglancer_ext
from fileglancer_ext.notebook import VIEWER_MIME_TYPE


def displayed(obj: object) -> dict:
    """The MIME bundle a notebook receives for `obj`."""
    data, _ = DisplayFormatter().format(obj)
    return data


def test_a_local_image_is_sent_by_its_real_path_with_a_fresh_id(tmp_path: Path):
    image = tmp_path / "lab" / "cells.ome.zarr"
    image.mkdir(parents=True)
    (tmp_path / "alias").symlink_to(tmp_path / "lab")
    first = displayed(fileglancer_ext.view(tmp_path / "alias" / "cells.ome.zarr"))
    payload = first[VIEWER_MIME_TYPE]
    assert payload["path"] == str(image.resolve()) and payload["name"] == "cells.ome.zarr"
    assert "error" not in payload
    assert first["text/plain"].startswith("Image viewer: cells.ome.zarr (")
    second = displayed(fileglancer_ext.view(str(image)))[VIEWER_MIME_TYPE]
    assert second["id"] != payload["id"]  # each call opens the viewer once, by itself


def test_a_relative_path_is_the_kernels_working_directory(tmp_path: Path, monkeypatch):
    (tmp_path / "img.zarr").mkdir()
    monkeypatch.chdir(tmp_path)
    payload = displayed(fileglancer_ext.view("img.zarr"))[VIEWER_MIME_TYPE]
    assert payload["path"] == str((tmp_path / "img.zarr").resolve())


def test_a_data_link_url_is_sent_as_it_is():
    url = "https://lab.example/links/fileglancer/s/abc_123/folder/cells.ome.zarr/"
    bundle = displayed(fileglancer_ext.view(url))
    payload = bundle[VIEWER_MIME_TYPE]
    assert payload["url"] == url and payload["name"] == "cells.ome.zarr"
    assert "error" not in payload and "path" not in payload


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no/such/image.zarr", "There is no file or folder at 'no/such/image.zarr'."),
        ("https://example.org/data/cells.zarr", "This URL is not a data link"),
    ],
)
def test_what_cannot_be_opened_is_a_message_in_the_card_not_an_exception(target, message):
    bundle = displayed(fileglancer_ext.view(target))
    assert bundle[VIEWER_MIME_TYPE]["error"].startswith(message)
    assert "cannot be opened" in bundle["text/plain"]
