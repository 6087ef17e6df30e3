"""Viewer links for N5 data (Neuroglancer's `n5://` source) and configured viewers limited
to the OME-NGFF versions they open."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from fileglancer_ext.demo.data import OME_ZARR_V04, OME_ZARR_V05, ZARR_V2_ARRAY, write_demo_data
from fileglancer_ext.inspection.service import describe_dataset
from fileglancer_ext.viewers import ExtraViewer, ViewerConfig, viewers_for

DATA_URL = "http://127.0.0.1:8888/fileglancer/s/TOKEN/"


def write_n5_dataset(path: Path, dimensions: list[int], block_size: list[int]) -> None:
    """An N5 dataset written by tensorstore (an independent writer)."""
    ts = pytest.importorskip("tensorstore")
    metadata = {
        "dimensions": dimensions,
        "blockSize": block_size,
        "dataType": "uint16",
        "compression": {"type": "gzip"},
    }
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(path)}, "metadata": metadata}
    ts.open(spec, create=True).result()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_data(folder, many_files=0)
    return folder


@pytest.fixture
def n5_pyramid(tmp_path: Path) -> Path:
    """A multiscale N5 group as n5-viewer writes it: `scales` and s0, s1 datasets."""
    root = tmp_path / "cells.n5"
    root.mkdir()
    attributes = {
        "n5": "2.5.1",
        "scales": [[1, 1, 1], [2, 2, 1]],
        "downsamplingFactors": [[1, 1, 1], [2, 2, 1]],
    }
    (root / "attributes.json").write_text(json.dumps(attributes))
    write_n5_dataset(root / "s0", [640, 480, 30], [64, 64, 8])
    write_n5_dataset(root / "s1", [320, 240, 30], [64, 64, 8])
    return root


def neuroglancer_layers(result: dict) -> list[dict]:
    url = next(v["url"] for v in result["viewers"] if v["name"] == "Neuroglancer")
    return json.loads(unquote(url.split("#!", 1)[1]))["layers"]


def test_an_n5_dataset_opens_in_neuroglancer_through_its_n5_source(tmp_path):
    write_n5_dataset(tmp_path / "volume.n5", [100, 60, 30], [32, 32, 16])
    result = viewers_for(
        describe_dataset(tmp_path / "volume.n5"), "/x/volume.n5", data_url=DATA_URL
    )
    assert [v["name"] for v in result["viewers"]] == ["Neuroglancer"]
    assert neuroglancer_layers(result) == [
        {"type": "image", "name": "volume.n5", "source": f"n5://{DATA_URL}"}
    ]


def test_an_n5_pyramid_opens_as_one_multiscale_layer(n5_pyramid):
    result = viewers_for(describe_dataset(n5_pyramid), "/x/cells.n5", data_url=DATA_URL)
    assert neuroglancer_layers(result) == [
        {"type": "image", "name": "cells.n5", "source": f"n5://{DATA_URL}"}
    ]


def test_an_n5_group_that_is_not_a_pyramid_has_no_viewer(tmp_path):
    group = tmp_path / "plain.n5"
    group.mkdir()
    (group / "attributes.json").write_text('{"n5": "2.5.1"}')
    result = viewers_for(describe_dataset(group), "/x", data_url=DATA_URL)
    assert result["viewers"] == []


def test_the_neuroglancer_package_parses_n5_states(n5_pyramid):
    neuroglancer = pytest.importorskip("neuroglancer")
    result = viewers_for(describe_dataset(n5_pyramid), "/x/cells.n5", data_url=DATA_URL)
    url = next(v["url"] for v in result["viewers"] if v["name"] == "Neuroglancer")
    state = json.loads(unquote(url.split("#!", 1)[1]))
    parsed = neuroglancer.ViewerState(state)
    assert parsed.to_json()["layers"] == state["layers"]
    assert parsed.layout.type == "4panel"


ONLY_05 = {"name": "NGFF 0.5 viewer", "url_template": "https://v5/?u={url}", "kinds": ["ome-zarr"]}


@pytest.mark.parametrize(
    ("dataset", "offered"),
    [(OME_ZARR_V05.name, True), (OME_ZARR_V04.name, False), (ZARR_V2_ARRAY.name, False)],
)
def test_a_viewer_limited_to_ome_ngff_05_is_offered_only_for_05(demo, dataset, offered):
    config = ViewerConfig.from_settings(
        extra_viewers=[{**ONLY_05, "kinds": ["ome-zarr", "zarr-array"], "versions": ["0.5"]}]
    )
    result = viewers_for(describe_dataset(demo / dataset), "/x", data_url=DATA_URL, config=config)
    assert ("NGFF 0.5 viewer" in [v["name"] for v in result["viewers"]]) is offered


def test_a_versioned_viewer_is_never_offered_for_n5(tmp_path):
    write_n5_dataset(tmp_path / "volume.n5", [8, 8, 8], [4, 4, 4])
    config = ViewerConfig.from_settings(
        extra_viewers=[{**ONLY_05, "kinds": ["n5-array"], "versions": ["0.5"]}]
    )
    result = viewers_for(
        describe_dataset(tmp_path / "volume.n5"), "/x", data_url=DATA_URL, config=config
    )
    assert [v["name"] for v in result["viewers"]] == ["Neuroglancer"]


def test_a_viewer_without_versions_opens_every_version_of_its_kinds(demo):
    config = ViewerConfig.from_settings(extra_viewers=[ONLY_05])
    for dataset in (OME_ZARR_V04, OME_ZARR_V05):
        result = viewers_for(
            describe_dataset(demo / dataset.name), "/x", data_url=DATA_URL, config=config
        )
        assert "NGFF 0.5 viewer" in [v["name"] for v in result["viewers"]]


@pytest.mark.parametrize("versions", [[], "0.5", [5], [""]])
def test_malformed_versions_are_refused_with_a_reason(versions):
    with pytest.raises(ValueError, match="versions"):
        ExtraViewer.from_json({**ONLY_05, "versions": versions})


def test_versions_are_optional_and_kept():
    assert ExtraViewer.from_json(ONLY_05).versions is None
    assert ExtraViewer.from_json({**ONLY_05, "versions": ["0.4", "0.5"]}).versions == {"0.4", "0.5"}


def test_avivator_opens_ome_ngff_04_but_not_05(demo):
    v04 = viewers_for(describe_dataset(demo / OME_ZARR_V04.name), "/x", data_url=DATA_URL)
    v05 = viewers_for(describe_dataset(demo / OME_ZARR_V05.name), "/x", data_url=DATA_URL)
    urls = {v["name"]: v["url"] for v in v04["viewers"]}
    assert urls["Avivator"] == "https://avivator.gehlenborglab.org/?image_url=" + DATA_URL
    assert "Avivator" not in [v["name"] for v in v05["viewers"]]
    hidden = ViewerConfig.from_settings(avivator_url="")
    result = viewers_for(
        describe_dataset(demo / OME_ZARR_V04.name), "/x", data_url=DATA_URL, config=hidden
    )
    assert "Avivator" not in [v["name"] for v in result["viewers"]]
