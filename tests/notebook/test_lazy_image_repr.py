"""What `fileglancer_ext.open()` shows without xarray: a LazyImage whose repr is readable
(one fact a line) and whose HTML repr is a small escaped table, for real demo data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import fileglancer_ext
from fileglancer_ext.demo.data import OME_ZARR_V04, write_demo_data
from fileglancer_ext.notebook.opening import LazyImage


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    write_demo_data(path, many_files=0)
    return path


@pytest.fixture
def without_xarray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xarray", None)  # `import xarray` raises ImportError


def test_repr_is_one_fact_a_line(demo: Path, without_xarray: None) -> None:
    image = fileglancer_ext.open(demo / OME_ZARR_V04.name)
    assert isinstance(image, LazyImage)
    lines = repr(image).splitlines()
    assert lines[0].startswith("<LazyImage")
    assert max(len(line) for line in lines) < 120  # no one-line dump of the dask graph
    text = "\n".join(lines)
    assert "shape" in text and "c 3 × z 16 × y 256 × x 256" in text
    assert ["dtype", "uint16"] in [line.split() for line in lines]
    assert "z 2 µm, y 0.5 µm, x 0.5 µm" in text
    assert "DAPI (#0000FF), GFP (#00FF00), mCherry (#FF0000)" in text
    assert f"{demo / OME_ZARR_V04.name} (level 0)" in text


def test_html_repr_is_an_escaped_table(tmp_path: Path, without_xarray: None) -> None:
    import zarr

    path = tmp_path / "<b>odd</b>.zarr"
    zarr.create_array(path, shape=(4, 5), dtype="u1", zarr_format=3)
    image = fileglancer_ext.open(path)
    markup = image._repr_html_()
    assert markup.startswith('<div class="fileglancer-lazy-image">') and "<table>" in markup
    assert "&lt;b&gt;odd&lt;/b&gt;.zarr" in markup and "<b>odd</b>" not in markup
    assert "<td>uint8</td>" in markup
