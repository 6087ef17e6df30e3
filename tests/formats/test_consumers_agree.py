"""Every consumer of an image's metadata sees the same image.

Odd but real OME-Zarr variants (a numeric level path, NGFF 0.1-0.3 axes, levels listed out
of order, named levels with a global scale, no optional fields, NGFF 0.5, a sharded v3
array) are written as real files and passed through every consumer: the meta route (the
summary), the storage statistics route, the thumbnail route, `fileglancer_ext.open()`,
`show()`, the conversions to TIFF and to Zarr, the snippets and Neuroglancer state, and the
health warnings. Each must find the same levels (paths, count, largest first), the same
axes and the same shapes.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
import zarr
from PIL import Image

import fileglancer_ext
from fileglancer_ext.convert import (
    ConversionOptions,
    convert_ome_zarr_to_tiff,
    recompress_zarr,
)
from fileglancer_ext.errors import BadRequest
from fileglancer_ext.formats.health import dataset_health
from fileglancer_ext.formats.summary import summarize
from fileglancer_ext.inspection.thumbnails.core import clear_thumbnail_cache, render_thumbnail
from fileglancer_ext.notebook.display import dataset_facts
from fileglancer_ext.viewers import viewers_for
from fileglancer_ext.viewers.neuroglancer import neuroglancer_state
from tests.formats.variants import VARIANTS as MODEL_VARIANTS
from tests.formats.variants import Variant as ModelVariant
from tests.viewers.test_snippets import serve_folder

DATA_URL = "https://files.example.org/fileglancer/s/TOKEN/"
BRIGHT = 1000

# --- writing the variants ---------------------------------------------------------------


def _plane(shape: tuple[int, ...], smallest: bool) -> np.ndarray:
    """uint16 data: the smallest level is bright on its right half, every other level on
    its bottom half, so that a thumbnail shows which level it drew."""
    data = np.zeros(shape, dtype=np.uint16)
    if smallest:
        data[..., shape[-1] // 2 :] = BRIGHT
    else:
        data[..., shape[-2] // 2 :, :] = BRIGHT
    return data


def _shapes(lead: tuple[int, ...], count: int = 3) -> list[tuple[int, ...]]:
    return [(*lead, 64 // 2**i, 48 // 2**i) for i in range(count)]


def _write_arrays(
    folder: Path,
    names: list[str],
    shapes: list[tuple[int, ...]],
    zarr_format: int,
    *,
    sharded: bool = False,
) -> None:
    """One array per level (largest first in `shapes`), the smallest one marked."""
    for index, (name, shape) in enumerate(zip(names, shapes, strict=True)):
        chunks = (*shape[:-2], 8, 8)
        array = zarr.create_array(
            folder / name,
            shape=shape,
            chunks=chunks,
            shards=(*shape[:-2], 16, 16) if sharded else None,
            dtype="uint16",
            zarr_format=zarr_format,  # type: ignore[arg-type]
            fill_value=0,
        )
        array[...] = _plane(shape, index == len(shapes) - 1)


def _group(folder: Path, zarr_format: int, attrs: dict[str, Any]) -> None:
    """Group metadata written as is (zarr-python would refuse some of these values)."""
    if zarr_format == 3:
        doc = {"zarr_format": 3, "node_type": "group", "attributes": {"ome": attrs}}
        (folder / "zarr.json").write_text(json.dumps(doc))
    else:
        (folder / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
        (folder / ".zattrs").write_text(json.dumps(attrs))


def _axes(names: str, unit: str | None = "micrometer") -> list[dict[str, Any]]:
    kinds = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
    axes = []
    for name in names:
        axis: dict[str, Any] = {"name": name, "type": kinds[name]}
        if unit and kinds[name] == "space":
            axis["unit"] = unit
        axes.append(axis)
    return axes


def _scale(ndim: int, factor: float, base: float = 0.5) -> list[dict[str, Any]]:
    return [{"type": "scale", "scale": [1.0] * (ndim - 2) + [base * factor] * 2}]


def _omero(count: int = 2) -> dict[str, Any]:
    colors = ["FF0000", "00FF00", "0000FF"]
    return {
        "channels": [
            {
                "label": f"ch{i}",
                "color": colors[i],
                "active": True,
                "window": {"start": 0, "end": BRIGHT, "min": 0, "max": 65535},
            }
            for i in range(count)
        ],
        "rdefs": {"model": "color"},
    }


@dataclass(frozen=True)
class Variant:
    """An image variant and what every consumer should find in it."""

    name: str
    write: Callable[[Path], None]
    paths: tuple[str, ...]  # level paths, largest first, as strings
    axes: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]  # largest first
    pixel: float = 0.5  # x pixel size of level 0
    units: bool = True  # whether every space axis has a unit
    scaled: bool = True  # whether levels declare a scale (NGFF 0.1-0.3 had none)


def _numeric_path(folder: Path) -> None:
    shapes = _shapes((2,))
    _write_arrays(folder, ["0", "1", "2"], shapes, 2)
    datasets = [{"path": i, "coordinateTransformations": _scale(3, 2**i)} for i in range(3)]
    ms = {"version": "0.4", "axes": _axes("cyx"), "datasets": datasets}
    _group(folder, 2, {"multiscales": [ms], "omero": _omero()})


def _implied_axes_v02(folder: Path) -> None:
    shapes = _shapes((1, 2, 1))
    _write_arrays(folder, ["0", "1", "2"], shapes, 2)
    ms = {"version": "0.2", "datasets": [{"path": str(i)} for i in range(3)]}
    _group(folder, 2, {"multiscales": [ms], "omero": _omero()})


def _string_axes_v03(folder: Path) -> None:
    shapes = _shapes((2,))
    _write_arrays(folder, ["0", "1", "2"], shapes, 2)
    ms = {
        "version": "0.3",
        "axes": ["c", "y", "x"],
        "datasets": [{"path": str(i)} for i in range(3)],
    }
    _group(folder, 2, {"multiscales": [ms], "omero": _omero()})


def _out_of_order(folder: Path) -> None:
    shapes = _shapes((2,))
    _write_arrays(folder, ["0", "1", "2"], shapes, 2)
    datasets = [{"path": str(i), "coordinateTransformations": _scale(3, 2**i)} for i in (2, 1, 0)]
    ms = {"version": "0.4", "axes": _axes("cyx"), "datasets": datasets}
    _group(folder, 2, {"multiscales": [ms], "omero": _omero()})


def _named_levels_global_scale(folder: Path) -> None:
    shapes = _shapes((2,))
    _write_arrays(folder, ["s0", "s1", "s2"], shapes, 2)
    datasets = [
        {"path": f"s{i}", "coordinateTransformations": _scale(3, 2**i, base=1.0)} for i in range(3)
    ]
    ms = {
        "version": "0.4",
        "name": "named",
        "axes": _axes("cyx"),
        "datasets": datasets,
        "coordinateTransformations": [{"type": "scale", "scale": [1.0, 0.25, 0.25]}],
    }
    _group(folder, 2, {"multiscales": [ms], "omero": _omero()})


def _no_optional_fields(folder: Path) -> None:
    shapes = _shapes((2,))
    _write_arrays(folder, ["0", "1", "2"], shapes, 2)
    datasets = [{"path": str(i), "coordinateTransformations": _scale(3, 2**i)} for i in range(3)]
    ms = {"version": "0.4", "axes": _axes("cyx", unit=None), "datasets": datasets}
    _group(folder, 2, {"multiscales": [ms]})  # no omero, no name, no type, no translation


def _wrong_length_scale(folder: Path) -> None:
    shapes = _shapes((2,))
    _write_arrays(folder, ["0", "1", "2"], shapes, 2)
    datasets = [
        {"path": str(i), "coordinateTransformations": [{"type": "scale", "scale": [0.5, 0.5]}]}
        for i in range(3)
    ]  # two numbers for three axes: no usable pixel size
    ms = {"version": "0.4", "axes": _axes("cyx"), "datasets": datasets}
    _group(folder, 2, {"multiscales": [ms], "omero": _omero()})


def _untyped_axes(folder: Path) -> None:
    shapes = _shapes((2,))
    _write_arrays(folder, ["0", "1", "2"], shapes, 2)
    datasets = [{"path": str(i), "coordinateTransformations": _scale(3, 2**i)} for i in range(3)]
    axes = [{"name": "c"}, {"name": "y", "unit": "micrometer"}, {"name": "x", "unit": "micrometer"}]
    ms = {"version": "0.4", "axes": axes, "datasets": datasets}  # "type" is optional
    _group(folder, 2, {"multiscales": [ms], "omero": _omero()})


def _v05(folder: Path, *, sharded: bool = False) -> None:
    shapes = _shapes((2, 1))
    _write_arrays(folder, ["0", "1", "2"], shapes, 3, sharded=sharded)
    datasets = [
        {
            "path": str(i),
            "coordinateTransformations": [
                *_scale(4, 2**i),
                {"type": "translation", "translation": [0.0, 0.0, 0.25 * i, 0.25 * i]},
            ],
        }
        for i in range(3)
    ]
    ms = {"axes": _axes("czyx"), "datasets": datasets, "name": "v05"}
    _group(folder, 3, {"version": "0.5", "multiscales": [ms], "omero": _omero()})


VARIANTS = [
    Variant("numeric-path", _numeric_path, ("0", "1", "2"), ("c", "y", "x"), tuple(_shapes((2,)))),
    Variant(
        "implied-axes-0.2",
        _implied_axes_v02,
        ("0", "1", "2"),
        ("t", "c", "z", "y", "x"),
        tuple(_shapes((1, 2, 1))),
        pixel=1.0,
        units=False,
        scaled=False,
    ),
    Variant(
        "string-axes-0.3",
        _string_axes_v03,
        ("0", "1", "2"),
        ("c", "y", "x"),
        tuple(_shapes((2,))),
        pixel=1.0,
        units=False,
        scaled=False,
    ),
    Variant("out-of-order", _out_of_order, ("0", "1", "2"), ("c", "y", "x"), tuple(_shapes((2,)))),
    Variant(
        "named-levels-global-scale",
        _named_levels_global_scale,
        ("s0", "s1", "s2"),
        ("c", "y", "x"),
        tuple(_shapes((2,))),
        pixel=0.25,
    ),
    Variant(
        "no-optional-fields",
        _no_optional_fields,
        ("0", "1", "2"),
        ("c", "y", "x"),
        tuple(_shapes((2,))),
        units=False,
    ),
    Variant(
        "scale-of-the-wrong-length",
        _wrong_length_scale,
        ("0", "1", "2"),
        ("c", "y", "x"),
        tuple(_shapes((2,))),
        pixel=1.0,
        scaled=False,
    ),
    Variant("v0.5", _v05, ("0", "1", "2"), ("c", "z", "y", "x"), tuple(_shapes((2, 1)))),
    Variant(
        "v0.5-sharded",
        lambda folder: _v05(folder, sharded=True),
        ("0", "1", "2"),
        ("c", "z", "y", "x"),
        tuple(_shapes((2, 1))),
    ),
]


# Axes without "type" (optional in NGFF 0.4): the model guesses t, c, z, y, x from the name,
# so the summary's pixel sizes agree with open() and the thumbnail.
UNTYPED_AXES = Variant(
    "untyped-axes", _untyped_axes, ("0", "1", "2"), ("c", "y", "x"), tuple(_shapes((2,)))
)


# --- the consumers ----------------------------------------------------------------------


@pytest.fixture
def fileglancer_config(tmp_path: Path) -> dict:
    (tmp_path / "lab").mkdir(exist_ok=True)
    return {"roots": [f"lab={tmp_path / 'lab'}"]}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_thumbnail_cache()


def _levels_of_summary(summary: dict[str, Any]) -> dict[str, Any]:
    image = summary["ome"]["multiscales"][0]
    levels = image["datasets"]
    return {
        "paths": tuple(level["path"] for level in levels),
        "axes": tuple(axis["name"] for axis in image["axes"]),
        "shapes": tuple(tuple(level["shape"] or ()) for level in levels),
        "x step": ((levels[0]["pixel_size"] or {}).get("x") or {}).get("value", 1.0),
    }


def _drew_smallest_level(png: bytes) -> bool:
    """Whether the thumbnail shows the smallest level's pattern (bright right half)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    width = pixels.shape[1]
    left, right = pixels[:, : width // 2 - 1].mean(), pixels[:, width // 2 + 1 :].mean()
    return right > left + 50


def _x_step(image: Any) -> float:
    values = image.coords["x"].values
    return float(values[1] - values[0])


async def _observe(consumer: str, check: Callable[[], Any]) -> Any:
    """What a consumer found, or how it failed (so that one run shows every disagreement)."""
    try:
        found = check()
        if hasattr(found, "__await__"):
            found = await found
        return found
    except Exception as err:  # any failure is a disagreement to report, not to hide
        return f"{consumer} failed: {type(err).__name__}: {str(err)[:200]}"


def _tiff_shapes(variant: Variant) -> list[tuple[int, ...]]:
    """The levels' shapes as an OME-TIFF keeps them (tifffile drops the t and z of size 1)."""
    return [
        tuple(n for n, a in zip(shape, variant.axes, strict=True) if n > 1 or a in "cyx")
        for shape in variant.shapes
    ]


@pytest.mark.parametrize("variant", [pytest.param(v, id=v.name) for v in [*VARIANTS, UNTYPED_AXES]])
async def test_every_consumer_sees_the_same_levels_axes_and_shapes(
    variant: Variant, jp_fetch: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "lab" / f"{variant.name}.zarr"
    folder.mkdir()
    variant.write(folder)
    count = len(variant.paths)
    factor = 2 ** (count - 1) if variant.scaled else 1
    expected: dict[str, Any] = {}
    found: dict[str, Any] = {}

    async def meta() -> dict[str, Any]:
        response = await jp_fetch("fileglancer", "api", "meta", "lab", folder.name)
        return json.loads(response.body)

    summary = await meta()
    # The summary, as the inspector receives it.
    expected["summary"] = {
        "paths": variant.paths,
        "axes": variant.axes,
        "shapes": variant.shapes,
        "x step": variant.pixel,
    }
    found["summary"] = await _observe("summary", lambda: _levels_of_summary(summary))

    # The storage statistics: one entry per level, largest first, each with its chunk grid.
    async def stats() -> Any:
        response = await jp_fetch(
            "fileglancer", "api", "stats", "lab", folder.name, params={"wait": "5"}
        )
        levels = json.loads(response.body)["levels"] or []
        return tuple((lv["path"], bool(lv["chunks_expected"])) for lv in levels)

    expected["stats"] = tuple((path, True) for path in variant.paths)
    found["stats"] = await _observe("stats", stats)

    # The thumbnail: drawn from the smallest level.
    async def thumbnail() -> bool:
        response = await jp_fetch(
            "fileglancer", "api", "thumbnail", "lab", folder.name, params={"size": "64"}
        )
        return _drew_smallest_level(response.body)

    expected["thumbnail"] = True
    found["thumbnail"] = await _observe("thumbnail", thumbnail)

    # open(): level 0 and the smallest level, with the same axes and pixel sizes.
    def opened() -> Any:
        full = fileglancer_ext.open(folder)
        smallest = fileglancer_ext.open(folder, level=count - 1)
        try:
            fileglancer_ext.open(folder, level=count)
            beyond = "opened"
        except BadRequest as err:
            beyond = f"has {count} level" in str(err)
        return {
            "dims": (full.dims, smallest.dims),
            "shapes": (full.shape, smallest.shape),
            "x step": (round(_x_step(full), 6), round(_x_step(smallest), 6)),
            "smallest pattern": (int(smallest.max()), int(smallest[..., 0].max())),
            "no level beyond": beyond,
        }

    expected["open"] = {
        "dims": (variant.axes, variant.axes),
        "shapes": (variant.shapes[0], variant.shapes[-1]),
        "x step": (variant.pixel, variant.pixel * factor),
        "smallest pattern": (BRIGHT, 0),
        "no level beyond": True,
    }
    found["open"] = await _observe("open", opened)

    # ... and over HTTP, as through a data link: the same model, read from the URL.
    def opened_remotely() -> Any:
        with serve_folder(folder.parent) as (url, _paths):
            full = fileglancer_ext.open(url + folder.name)
            smallest = fileglancer_ext.open(url + folder.name, level=count - 1)
            return {
                "dims": (full.dims, smallest.dims),
                "shapes": (full.shape, smallest.shape),
                "x step": (round(_x_step(full), 6), round(_x_step(smallest), 6)),
                "smallest pattern": (int(smallest.max()), int(smallest[..., 0].max())),
            }

    expected["open over http"] = {
        k: v for k, v in expected["open"].items() if k != "no level beyond"
    }
    found["open over http"] = await _observe("open over http", opened_remotely)

    # show(): the facts of level 0, and a thumbnail.
    def shown() -> Any:
        view = fileglancer_ext.show(folder)
        facts = dataset_facts(view.payload)
        return (
            tuple(facts["shape"] or ()),
            tuple(facts["axes"] or ()),
            view.payload["thumbnail"] is not None,
        )

    expected["show"] = (variant.shapes[0], variant.axes, True)
    found["show"] = await _observe("show", shown)

    # Snippets open level 0 at its path; Neuroglancer's global dimensions are the axes but
    # the channel axis, which each layer (one per channel) holds as its own.
    def viewers() -> Any:
        answer = viewers_for(summary, str(folder), data_url=DATA_URL)
        codes = "\n".join(s["code"] for s in answer["snippets"])
        state = neuroglancer_state(summary, DATA_URL)
        return (
            f"group[{variant.paths[0]!r}]" in codes,
            set(state["dimensions"]) if state else None,
        )

    expected["viewers"] = (True, set(variant.axes) - {"c"})
    found["viewers"] = await _observe("viewers", viewers)

    # Health: the warnings of an image whose levels were understood.
    def health() -> Any:
        codes = {w["code"] for w in dataset_health(summary)}
        return {code: code in codes for code in ("missing-pixel-sizes", "missing-units", "zarr-v2")}

    expected["health"] = {
        "missing-pixel-sizes": not variant.scaled,
        "missing-units": not variant.units,
        "zarr-v2": not variant.name.startswith("v0.5"),
    }
    found["health"] = await _observe("health", health)

    # Conversion input: the whole pyramid to OME-TIFF.
    def to_tiff() -> Any:
        tiff = tmp_path / f"{variant.name}.ome.tif"
        convert_ome_zarr_to_tiff(folder, tiff, ConversionOptions(level=None, tiff_tile=16))
        with tifffile.TiffFile(tiff) as tif:
            levels = tif.series[0].levels
            pixels = summarize(tiff)["tiff"]["series"][0]["pixel_size"]
            return (
                [tuple(level.shape) for level in levels],
                int(levels[-1].asarray()[..., 0].max()),
                (pixels.get("x") or {}).get("value"),
            )

    expected["to tiff"] = (_tiff_shapes(variant), 0, variant.pixel)
    found["to tiff"] = await _observe("to tiff", to_tiff)

    # ... and every level to Zarr again: the output is an image of the same levels.
    def rezarr() -> Any:
        out = tmp_path / f"{variant.name}.again.zarr"
        recompress_zarr(folder, out, ConversionOptions())
        again = _levels_of_summary(summarize(out))
        smallest = zarr.open_array(out / again["paths"][-1], mode="r")
        return (again["axes"], again["shapes"], int(smallest[..., 0].max()), again["x step"])

    expected["to zarr"] = (variant.axes, variant.shapes, 0, variant.pixel)
    found["to zarr"] = await _observe("to zarr", rezarr)

    disagree = {name: (found[name], want) for name, want in expected.items() if found[name] != want}
    assert not disagree, "\n".join(
        f"{k}: found {f!r}, expected {w!r}" for k, (f, w) in disagree.items()
    )


# --- the model's table (tests/formats/variants.py) through the same consumers ----------------


@pytest.mark.parametrize("variant", MODEL_VARIANTS, ids=lambda v: v.name)
async def test_the_models_variants_read_the_same_in_every_consumer(
    variant: ModelVariant, jp_fetch: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "lab" / f"{variant.name}.zarr"
    variant.write(folder)
    shapes = [shape for _, shape in variant.levels] or [variant.shape]
    paths = tuple(path for path, _ in variant.levels)
    found: dict[str, Any] = {}
    expected: dict[str, Any] = {}

    async def stats() -> Any:
        response = await jp_fetch(
            "fileglancer", "api", "stats", "lab", folder.name, params={"wait": "5"}
        )
        answer = json.loads(response.body)
        levels = answer["levels"] or []
        return tuple(lv["path"] for lv in levels), answer["chunks_expected"]

    # The chunk files the summary expects (shards when sharded), level by level.
    summary = summarize(folder)
    if variant.is_image:
        levels = summary["ome"]["multiscales"][0]["datasets"]
        files = sum(level["chunks_expected"] for level in levels)
    else:
        grid = variant.shards or variant.chunks
        assert grid is not None and variant.shape is not None
        files = math.prod(-(-n // c) for n, c in zip(variant.shape, grid, strict=True))
        assert summary["array"]["chunks_expected"] == files
    expected["stats"] = (paths, files)
    found["stats"] = await _observe("stats", stats)

    async def thumbnail() -> int:
        response = await jp_fetch("fileglancer", "api", "thumbnail", "lab", folder.name)
        return response.code

    expected["thumbnail"] = 200
    found["thumbnail"] = await _observe("thumbnail", thumbnail)

    def opened() -> Any:
        full = fileglancer_ext.open(folder)
        smallest = fileglancer_ext.open(folder, level=len(shapes) - 1)
        return full.shape, smallest.shape, full.dtype.name  # big-endian data stays so

    expected["open"] = (shapes[0], shapes[-1], variant.dtype)
    found["open"] = await _observe("open", opened)

    def shown() -> Any:
        facts = dataset_facts(fileglancer_ext.show(folder).payload)
        return tuple(facts["shape"] or ()), facts["dtype"]

    expected["show"] = (shapes[0], variant.dtype)
    found["show"] = await _observe("show", shown)

    def rezarr() -> Any:
        out = tmp_path / f"{variant.name}.again.zarr"
        result = recompress_zarr(folder, out, ConversionOptions())
        return [tuple(shape) for shape in result.level_shapes]

    expected["to zarr"] = shapes
    found["to zarr"] = await _observe("to zarr", rezarr)

    if variant.is_image:

        def viewers() -> Any:
            answer = viewers_for(summary, str(folder), data_url=DATA_URL)
            codes = "\n".join(s["code"] for s in answer["snippets"])
            return f"group[{paths[0]!r}]" in codes, neuroglancer_state(
                summary, DATA_URL
            ) is not None

        expected["viewers"] = (True, True)
        found["viewers"] = await _observe("viewers", viewers)

    disagree = {name: (found[name], want) for name, want in expected.items() if found[name] != want}
    assert not disagree, "\n".join(
        f"{k}: found {f!r}, expected {w!r}" for k, (f, w) in disagree.items()
    )


# --- a bioformats2raw layout: previewed and opened as its first series ---------------------


@pytest.mark.parametrize("zarr_format", [2, 3])
async def test_a_bioformats2raw_layout_is_previewed_as_open_opens_it(
    zarr_format: int, jp_fetch: Any, tmp_path: Path
) -> None:
    layout = tmp_path / "lab" / "layout.zarr"
    layout.mkdir()
    (layout / "0").mkdir()
    (_v05 if zarr_format == 3 else _out_of_order)(layout / "0")
    attrs = {"bioformats2raw.layout": 3}
    if zarr_format == 3:
        _group(layout, 3, {"version": "0.5", **attrs})
    else:
        _group(layout, 2, attrs)

    response = await jp_fetch(
        "fileglancer", "api", "thumbnail", "lab", "layout.zarr", params={"size": "64"}
    )
    series = await jp_fetch(
        "fileglancer", "api", "thumbnail", "lab", "layout.zarr/0", params={"size": "64"}
    )
    assert response.body == series.body and _drew_smallest_level(response.body)
    opened = fileglancer_ext.open(layout, level=2)
    assert opened.shape == fileglancer_ext.open(layout / "0", level=2).shape
    assert int(opened[..., 0].max()) == 0  # the smallest level, as the thumbnail drew


def test_a_bioformats2raw_series_that_loops_back_is_no_image(tmp_path: Path) -> None:
    layout = tmp_path / "layout.zarr"
    layout.mkdir()
    _group(layout, 2, {"bioformats2raw.layout": 3})
    (layout / "0").symlink_to(".")
    with pytest.raises(BadRequest, match="without series 0"):
        render_thumbnail(layout)
