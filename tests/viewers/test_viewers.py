"""Viewer links: Neuroglancer states from real metadata summaries, viewer choice by kind,
configured viewers and the path forms of a root."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pytest
import zarr

from fileglancer_ext.demo.data import (
    CELLS_SHAPE,
    CHANNEL_COLORS,
    CHANNEL_NAMES,
    OME_ZARR_V04,
    OME_ZARR_V05,
    ZARR_V2_ARRAY,
    ZARR_V3_SHARDED,
    write_demo_data,
)
from fileglancer_ext.inspection.service import describe_dataset
from fileglancer_ext.roots import Root
from fileglancer_ext.viewers import (
    ExtraViewer,
    ViewerConfig,
    neuroglancer_state,
    neuroglancer_url,
    viewers_for,
)
from fileglancer_ext.viewers.neuroglancer import channel_shader, neuroglancer_dimension
from fileglancer_ext.viewers.path_forms import path_forms

DATA_URL = "http://127.0.0.1:8888/fileglancer/s/TOKEN/"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_demo(tmp_path_factory)


def _write_demo(factory: pytest.TempPathFactory) -> Path:
    folder = factory.mktemp("demo")
    write_demo_data(folder, many_files=0)
    return folder


@pytest.fixture(scope="module")
def timelapse(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ome-zarr-py writes (t, c, z, y, x) images with a label image, as 0.4 and 0.5."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.format import FormatV04, FormatV05
        from ome_zarr.writer import write_image, write_labels

    folders = {}
    image = np.random.default_rng(0).integers(0, 1000, size=(2, 7, 4, 24, 40), dtype=np.uint16)
    for fmt in (FormatV04(), FormatV05()):
        path = tmp_path_factory.mktemp("ome-zarr-py") / f"timelapse-{fmt.version}.ome.zarr"
        group = zarr.open_group(path, mode="w", zarr_format=fmt.zarr_format)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write_image(
                image,
                group,
                fmt=fmt,
                axes=["t", "c", "z", "y", "x"],
                scale_factors=[2],
                scale={"t": 1.5, "c": 1.0, "z": 0.3, "y": 0.1, "x": 0.1},
                axes_units={
                    "t": "millisecond",
                    "z": "nanometer",
                    "y": "nanometer",
                    "x": "nanometer",
                },
            )
            labels = (image[:, 0] > 500).astype(np.uint8)
            write_labels(labels, group, name="nuclei", fmt=fmt, axes=["t", "z", "y", "x"])
        folders[fmt.version] = path
    return folders


def decode_state(url: str) -> dict[str, Any]:
    """The JSON state in a Neuroglancer URL's `#!` fragment."""
    base, sep, fragment = url.partition("#!")
    assert sep, f"no state in {url}"
    return json.loads(unquote(fragment))


def ng_state(summary: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The state as it arrives in the browser: through the Neuroglancer link."""
    result = viewers_for(summary, "/data/cells.ome.zarr", data_url=DATA_URL, **kwargs)
    (link,) = [v for v in result["viewers"] if v["name"] == "Neuroglancer"]
    assert link["url"].startswith("https://neuroglancer-demo.appspot.com/#!")
    return decode_state(link["url"])


def image_layers(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The channels' layers (the demo's `labels/nuclei` is a segmentation layer besides)."""
    return [layer for layer in state["layers"] if layer["type"] == "image"]


def shader_range(shader: str) -> list[float]:
    line = next(x for x in shader.splitlines() if x.startswith("#uicontrol invlerp"))
    return json.loads(line.split("range=")[1].split("]")[0] + "]")


def shader_color(shader: str) -> str:
    return shader.split('color(default="')[1].split('"')[0]


# --- Neuroglancer: OME-Zarr ---------------------------------------------------------------


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05], ids=["0.4", "0.5"])
def test_each_omero_channel_is_an_image_layer_with_its_colour_and_window(demo, dataset):
    summary = describe_dataset(demo / dataset.name)
    state = ng_state(summary)
    layers = image_layers(state)
    assert [layer["name"] for layer in layers] == list(CHANNEL_NAMES)
    windows = [ch["window"] for ch in summary["ome"]["omero"]["channels"]]
    for layer, color, window in zip(layers, CHANNEL_COLORS, windows, strict=True):
        assert layer["type"] == "image"
        assert shader_color(layer["shader"]) == f"#{color}"
        assert shader_range(layer["shader"]) == pytest.approx([window["start"], window["end"]])
        assert "emitRGB(color * normalized())" in layer["shader"]
        assert layer["blend"] == "additive"
        assert layer.get("visible", True)
    assert state["selectedLayer"]["layer"] == CHANNEL_NAMES[0]


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05], ids=["0.4", "0.5"])
def test_each_layer_selects_its_channel_through_a_local_c_dimension(demo, dataset):
    state = ng_state(describe_dataset(demo / dataset.name))
    for index, layer in enumerate(image_layers(state)):
        assert layer["localDimensions"] == {"c'": [1, ""]}
        assert layer["localPosition"] == [index]
        output = layer["source"]["transform"]["outputDimensions"]
        # Every source dimension, in the source's order, the channel axis made local.
        assert list(output) == ["c'", "z", "y", "x"]
        assert output["c'"] == [1, ""]
    assert "c'" not in state["dimensions"] and "c" not in state["dimensions"]


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05], ids=["0.4", "0.5"])
def test_dimensions_are_level_zero_pixel_sizes_in_metres_fastest_axis_first(demo, dataset):
    state = ng_state(describe_dataset(demo / dataset.name))
    assert list(state["dimensions"]) == ["x", "y", "z"]  # the xy panel shows x and y
    assert state["dimensions"]["x"] == [pytest.approx(0.5e-6), "m"]
    assert state["dimensions"]["y"] == [pytest.approx(0.5e-6), "m"]
    assert state["dimensions"]["z"] == [pytest.approx(2e-6), "m"]


@pytest.mark.parametrize("dataset", [OME_ZARR_V04, OME_ZARR_V05], ids=["0.4", "0.5"])
def test_position_is_the_centre_of_the_image_in_voxels(demo, dataset):
    state = ng_state(describe_dataset(demo / dataset.name))
    _, z, y, x = CELLS_SHAPE
    # OME voxel centres sit on integer coordinates: n voxels span [-0.5, n - 0.5).
    assert state["position"] == [(x - 1) / 2, (y - 1) / 2, (z - 1) / 2]
    assert state["layout"] == "4panel"
    # Zoomed to fit the xy extent in a ~320 pixel panel (voxels per screen pixel).
    assert state["crossSectionScale"] == pytest.approx(max(x, y) / 320)


@pytest.mark.parametrize(
    ("dataset", "scheme"), [(OME_ZARR_V04, "zarr2"), (OME_ZARR_V05, "zarr3")], ids=["v2", "v3"]
)
def test_source_is_the_image_group_with_the_scheme_of_its_zarr_version(demo, dataset, scheme):
    state = ng_state(describe_dataset(demo / dataset.name))
    for layer in image_layers(state):
        assert layer["source"]["url"] == f"{scheme}://{DATA_URL}"


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ome_zarr_py_labels_become_segmentation_layers_beside_the_channels(timelapse, version):
    state = ng_state(describe_dataset(timelapse[version]))
    images = [layer for layer in state["layers"] if layer["type"] == "image"]
    segmentations = [layer for layer in state["layers"] if layer["type"] == "segmentation"]
    assert [layer["localPosition"] for layer in images] == [[i] for i in range(6)]  # of 7
    scheme = "zarr2" if version == "0.4" else "zarr3"
    assert segmentations == [
        {
            "type": "segmentation",
            "name": "nuclei (labels)",
            "source": f"{scheme}://{DATA_URL}labels/nuclei/",
        }
    ]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ome_zarr_py_time_and_nanometre_axes_convert_to_seconds_and_metres(timelapse, version):
    state = ng_state(describe_dataset(timelapse[version]))
    assert list(state["dimensions"]) == ["x", "y", "z", "t"]
    assert state["dimensions"]["x"] == [pytest.approx(1e-10), "m"]
    assert state["dimensions"]["z"] == [pytest.approx(3e-10), "m"]
    assert state["dimensions"]["t"] == [pytest.approx(1.5e-3), "s"]
    # Spatial centre; time at the first time point.
    assert state["position"] == [19.5, 11.5, 1.5, 0]
    output = state["layers"][0]["source"]["transform"]["outputDimensions"]
    assert list(output) == ["t", "c'", "z", "y", "x"]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_label_image_opened_by_itself_is_a_segmentation_layer(timelapse, version):
    summary = describe_dataset(timelapse[version] / "labels" / "nuclei")
    assert summary["kind"] == "ome-zarr" and summary["ome"]["image_label"] is not None
    state = ng_state(summary)
    assert [(layer["type"], layer["name"]) for layer in state["layers"]] == [
        ("segmentation", "cells.ome.zarr")
    ]


def test_data_url_without_trailing_slash_is_treated_as_a_folder(demo):
    summary = describe_dataset(demo / OME_ZARR_V05.name)
    result = viewers_for(summary, "/d/cells.ome.zarr", data_url=DATA_URL.rstrip("/"))
    assert result["data_url"] == DATA_URL
    assert all(v["url"].endswith(DATA_URL) for v in result["viewers"][1:])
    assert decode_state(result["viewers"][0]["url"])["layers"][0]["source"]["url"].endswith(
        DATA_URL
    )


def test_max_channels_bounds_the_image_layers(demo):
    summary = describe_dataset(demo / OME_ZARR_V05.name)
    state = ng_state(summary, config=ViewerConfig(max_channels=2))
    assert [layer["name"] for layer in image_layers(state)] == list(CHANNEL_NAMES[:2])


def test_inactive_channels_start_hidden_and_inverted_ones_swap_the_range(demo):
    summary = describe_dataset(demo / OME_ZARR_V05.name)
    channels = summary["ome"]["omero"]["channels"]
    channels[1]["active"] = False
    channels[2]["inverted"] = True
    channels[2]["color"] = "not a colour"
    layers = ng_state(summary)["layers"]
    assert layers[1]["visible"] is False
    window = channels[2]["window"]
    assert shader_range(layers[2]["shader"]) == pytest.approx([window["end"], window["start"]])
    assert shader_color(layers[2]["shader"]).startswith("#")


def test_two_dimensional_image_uses_the_xy_layout(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.writer import write_image
    group = zarr.open_group(tmp_path / "slide.ome.zarr", mode="w", zarr_format=2)
    write_image(np.zeros((64, 48), dtype=np.uint8), group, axes=["y", "x"], scale_factors=[2])
    state = ng_state(describe_dataset(tmp_path / "slide.ome.zarr"))
    assert state["layout"] == "xy"
    assert list(state["dimensions"]) == ["x", "y"]
    assert state["position"] == [23.5, 31.5]
    (layer,) = state["layers"]
    assert "localDimensions" not in layer  # no channel axis: nothing to select
    assert shader_color(layer["shader"]) == "#FFFFFF"


def test_channels_without_omero_get_distinct_default_colours(demo):
    summary = describe_dataset(demo / OME_ZARR_V04.name)
    summary["ome"]["omero"] = None
    layers = image_layers(ng_state(summary))
    assert [layer["name"] for layer in layers] == ["channel 0", "channel 1", "channel 2"]
    assert len({shader_color(layer["shader"]) for layer in layers}) == 3
    assert all("range=" not in layer["shader"] for layer in layers)  # Neuroglancer decides


# --- Neuroglancer: plain arrays, units ------------------------------------------------------


def test_plain_zarr_v2_array_is_one_image_layer_centred(demo):
    summary = describe_dataset(demo / ZARR_V2_ARRAY.name)
    state = ng_state(summary)
    (layer,) = state["layers"]
    assert layer == {"type": "image", "name": "cells.ome.zarr", "source": f"zarr2://{DATA_URL}"}
    # Neuroglancer names unnamed v2 dimensions d0, d1, ...
    assert state["dimensions"] == {"d2": [1, ""], "d1": [1, ""], "d0": [1, ""]}
    assert state["position"] == [128, 128, 32]
    assert state["layout"] == "4panel"


def test_plain_zarr_v3_array_uses_its_dimension_names(demo):
    state = ng_state(describe_dataset(demo / ZARR_V3_SHARDED.name))
    assert state["layers"][0]["source"] == f"zarr3://{DATA_URL}"
    assert list(state["dimensions"]) == ["x", "y", "z"]
    assert state["position"] == [256, 256, 64]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("micrometer", [2e-6, "m"]),
        ("nanometer", [2e-9, "m"]),
        ("millimeter", [2e-3, "m"]),
        ("meter", [2, "m"]),
        ("angstrom", [2e-10, "m"]),
        ("millisecond", [2e-3, "s"]),
        ("second", [2, "s"]),
        ("minute", [120, "s"]),
        ("hour", [7200, "s"]),
        (None, [2, ""]),
        ("furlong", [2, ""]),
    ],
)
def test_units_convert_to_neuroglancer_si_form(unit, expected):
    value, symbol = neuroglancer_dimension(2.0, unit)
    assert [pytest.approx(value), symbol] == expected


def test_state_is_url_encoded_json_after_hash_bang():
    state = {"layers": [{"type": "image", "name": "a b#c", "source": "zarr3://http://h/x/"}]}
    url = neuroglancer_url("https://ng.example/viewer/#!{}", state)
    assert url.startswith("https://ng.example/viewer/#!%7B")
    assert " " not in url and url.count("#") == 1
    assert decode_state(url) == state


def test_shader_without_window_leaves_the_range_to_neuroglancer():
    assert channel_shader("#FF0000", None).startswith("#uicontrol invlerp normalized\n")


# --- validity against the neuroglancer package --------------------------------------------


@pytest.mark.parametrize(
    "dataset", [OME_ZARR_V04, OME_ZARR_V05, ZARR_V2_ARRAY, ZARR_V3_SHARDED], ids=lambda d: d.name
)
def test_neuroglancer_package_parses_the_state(demo, dataset):
    neuroglancer = pytest.importorskip("neuroglancer")
    state = ng_state(describe_dataset(demo / dataset.name))
    parsed = neuroglancer.ViewerState(state)
    assert [layer.name for layer in parsed.layers] == [layer["name"] for layer in state["layers"]]
    assert parsed.to_json()["layers"] == state["layers"]
    assert list(parsed.dimensions.names) == list(state["dimensions"])
    assert parsed.layout.type == state["layout"]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_neuroglancer_package_parses_channels_and_segmentations(timelapse, version):
    neuroglancer = pytest.importorskip("neuroglancer")
    state = ng_state(describe_dataset(timelapse[version]))
    parsed = neuroglancer.ViewerState(state)
    kinds = [type(layer.layer).__name__ for layer in parsed.layers]
    assert kinds == ["ImageLayer"] * 6 + ["SegmentationLayer"]
    first = parsed.layers[0].layer
    assert list(first.local_dimensions.names) == ["c'"]
    assert list(first.local_position) == [0]
    assert parsed.to_json()["layers"] == state["layers"]


# --- which viewers, for which kinds ----------------------------------------------------------


def test_ome_zarr_offers_neuroglancer_vizarr_and_the_validator(demo):
    result = viewers_for(describe_dataset(demo / OME_ZARR_V04.name), "/x", data_url=DATA_URL)
    assert [v["name"] for v in result["viewers"]] == [
        "Neuroglancer",
        "vizarr",
        "Avivator",
        "OME-NGFF validator",
    ]
    urls = {v["name"]: v["url"] for v in result["viewers"]}
    assert urls["vizarr"] == "https://hms-dbmi.github.io/vizarr/?source=" + DATA_URL
    assert urls["OME-NGFF validator"] == (
        "https://ome.github.io/ome-ngff-validator/?source=" + DATA_URL
    )


def test_plain_array_offers_only_neuroglancer(demo):
    result = viewers_for(describe_dataset(demo / ZARR_V2_ARRAY.name), "/x", data_url=DATA_URL)
    assert [v["name"] for v in result["viewers"]] == ["Neuroglancer"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("ome-zarr-plate", ["vizarr", "OME-NGFF validator"]),
        ("bioformats2raw", ["Avivator", "OME-NGFF validator"]),
        ("zarr-group", []),
        ("tiff", []),
        ("directory", []),
    ],
)
def test_viewers_are_offered_only_for_kinds_they_open(kind, expected):
    result = viewers_for({"kind": kind}, "/x", data_url=DATA_URL)
    assert [v["name"] for v in result["viewers"]] == expected


def test_configured_viewers_fill_their_template_and_respect_kinds(demo):
    config = ViewerConfig.from_settings(
        neuroglancer_url="http://127.0.0.1:9000/",
        vizarr_url="",
        extra_viewers=[
            {
                "name": "Validator (encoded)",
                "url_template": "https://v/?u={url_encoded}",
                "kinds": ["ome-zarr"],
            },
            {"name": "Array tool", "url_template": "https://a/{url}view", "kinds": ["zarr-array"]},
        ],
    )
    result = viewers_for(
        describe_dataset(demo / OME_ZARR_V05.name), "/x", data_url=DATA_URL, config=config
    )
    urls = {v["name"]: v["url"] for v in result["viewers"]}
    assert list(urls) == ["Neuroglancer", "OME-NGFF validator", "Validator (encoded)"]
    assert urls["Neuroglancer"].startswith("http://127.0.0.1:9000/#!")
    assert urls["Validator (encoded)"] == (
        "https://v/?u=http%3A%2F%2F127.0.0.1%3A8888%2Ffileglancer%2Fs%2FTOKEN%2F"
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "x", "url_template": "https://v/?source=", "kinds": ["ome-zarr"]},
        {"name": "", "url_template": "https://v/{url}", "kinds": ["ome-zarr"]},
        {"name": "x", "url_template": "https://v/{url}", "kinds": []},
        {"name": "x", "url_template": "https://v/{url}", "kinds": ["ome-zarr"], "color": 1},
    ],
)
def test_malformed_extra_viewer_is_refused_with_a_reason(entry):
    with pytest.raises(ValueError, match="viewer"):
        ExtraViewer.from_json(entry)


def test_max_channels_below_one_is_refused():
    with pytest.raises(ValueError, match="max_channels"):
        ViewerConfig.from_settings(max_channels=0)


def test_without_a_link_there_are_no_viewers_and_only_local_snippets(demo):
    summary = describe_dataset(demo / OME_ZARR_V04.name)
    result = viewers_for(summary, "/data/cells.ome.zarr")
    assert result["viewers"] == []
    assert result["data_url"] is None
    assert result["snippets"] and {s["target"] for s in result["snippets"]} == {"local"}


def test_with_a_link_snippets_are_given_for_both_targets(demo):
    summary = describe_dataset(demo / OME_ZARR_V04.name)
    result = viewers_for(summary, "/data/cells.ome.zarr", data_url=DATA_URL)
    assert {s["target"] for s in result["snippets"]} == {"local", "link"}
    json.dumps(result)  # JSON-ready


def _break_channel_axis(ms: dict) -> None:
    ms["datasets"][0]["shape"][0] = 0


def _repeat_axis_names(ms: dict) -> None:
    ms["axes"][2]["name"] = "x"


def _forget_scales(ms: dict) -> None:
    ms["datasets"][0]["world_scale"] = ms["datasets"][0]["world_translation"] = None


def _lose_level_array(ms: dict) -> None:
    ms["datasets"][0]["shape"] = None


def _nan_and_zero_scales(ms: dict) -> None:
    ms["datasets"][0]["world_scale"][1:3] = [float("nan"), 0.0]
    ms["datasets"][0]["world_translation"][3] = float("inf")


def _extra_axis(ms: dict) -> None:
    ms["axes"].append({"name": "w", "type": None, "unit": "parsec"})


@pytest.mark.parametrize(
    "damage",
    [
        _break_channel_axis,
        _repeat_axis_names,
        _forget_scales,
        _nan_and_zero_scales,
        _lose_level_array,
        _extra_axis,
    ],
)
def test_odd_metadata_never_raises_and_gives_json(demo, damage):
    summary = describe_dataset(demo / OME_ZARR_V05.name)
    damage(summary["ome"]["multiscales"][0])
    summary["ome"]["omero"]["channels"][0].update(window="wide", label=7, color=None)
    result = viewers_for(summary, "/d/cells.ome.zarr", data_url=DATA_URL)
    json.dumps(result, allow_nan=False)
    for viewer in result["viewers"]:
        if viewer["name"] == "Neuroglancer":
            decode_state(viewer["url"])


def test_neuroglancer_state_is_none_for_kinds_it_cannot_open():
    assert neuroglancer_state({"kind": "ome-zarr-plate"}, DATA_URL) is None
    assert neuroglancer_state({"kind": "ome-zarr", "ome": {"multiscales": []}}, DATA_URL) is None


# --- path forms -------------------------------------------------------------------------------


def _root(**aliases: str) -> Root:
    return Root(name="lab", path=Path("/groups/lab"), title="Lab", **aliases)


def test_paths_give_each_operating_system_its_form_of_the_root_alias():
    root = _root(smb_url="smb://files.example.org/lab/", unc_path="\\\\files\\lab\\")
    result = viewers_for({"kind": "tiff"}, "/ignored", root=root, relative_path="a b/c#1.zarr")
    assert result["paths"] == {
        "linux": "/groups/lab/a b/c#1.zarr",
        "mac": "smb://files.example.org/lab/a%20b/c%231.zarr",
        "windows": "\\\\files\\lab\\a b\\c#1.zarr",
    }


def test_paths_without_aliases_have_only_the_linux_form():
    result = viewers_for({"kind": "tiff"}, "/ignored", root=_root(), relative_path="x/y")
    assert result["paths"] == {"linux": "/groups/lab/x/y", "mac": None, "windows": None}
    result = viewers_for({"kind": "tiff"}, "/srv/data/x")
    assert result["paths"] == {"linux": "/srv/data/x", "mac": None, "windows": None}


def test_path_forms_match_the_frontend_rules_at_the_root_itself():
    assert path_forms("/", "smb://s/share", "//s/share", "") == {
        "linux": "/",
        "mac": "smb://s/share",
        "windows": "\\\\s\\share",
    }
    assert path_forms("/data/", None, None, "./a/../b/")["linux"] == "/data/b"
    assert path_forms("/data", "smb://s/x", None, "Ünïcode")["mac"] == "smb://s/x/Ünïcode"
