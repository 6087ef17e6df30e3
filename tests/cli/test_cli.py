"""The `fileglancer-ext` command line, including a real demo JupyterLab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from fileglancer_ext import __version__
from fileglancer_ext.cli import main
from fileglancer_ext.demo import lab_arguments
from tests.demo.running import running_demo

BIN = Path(sys.executable).parent


def test_console_script_and_jupyter_subcommand_both_work():
    for command in ([str(BIN / "fileglancer-ext")], ["jupyter", "fileglancer"]):
        result = subprocess.run([*command, "--version"], capture_output=True, text=True, check=True)
        assert result.stdout.strip() == f"fileglancer-ext {__version__}"


def test_help_lists_the_demo_command(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "required" in capsys.readouterr().err


def test_demo_data_only_writes_the_data_and_the_demo_settings(tmp_path: Path, capsys):
    assert main(["demo", str(tmp_path / "demo"), "--data-only", "--many-files", "25"]) == 0
    listed = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert "ome-zarr-0.4/cells.ome.zarr" in listed
    assert "ome-zarr-0.5/cells.ome.zarr" in listed
    for name in listed:
        assert (tmp_path / "demo" / name).exists()
    assert len(list((tmp_path / "demo" / "many-files").glob("item-*.txt"))) == 25
    settings = (
        tmp_path / "demo/.fileglancer-demo/user-settings/fileglancer-ext/plugin.jupyterlab-settings"
    )
    assert json.loads(settings.read_text()) == {"openPanelsOnStart": True}


def test_lab_arguments_confine_the_demo_to_its_folder(tmp_path: Path):
    args = lab_arguments(tmp_path, port=9999, open_browser=False, extra=["--debug"])
    assert f"--ServerApp.root_dir={tmp_path}" in args
    assert f"--LabApp.user_settings_dir={tmp_path}/.fileglancer-demo/user-settings" in args
    assert "--ServerApp.port=9999" in args
    assert "--ServerApp.open_browser=False" in args
    assert args[-1] == "--debug"
    assert ("--ServerApp.allow_root=True" in args) == (os.geteuid() == 0)


def test_demo_starts_jupyterlab_on_the_sample_data(tmp_path: Path):
    """The README's run command, minus the install: a real JupyterLab on the demo data."""
    demo_dir = tmp_path / "demo"
    with running_demo(demo_dir, "demo-test-token", many_files=10) as demo:
        assert [root["path"] for root in demo.roots["roots"]] == [str(demo_dir.resolve())]
        settings = demo.call("lab/api/settings/fileglancer-ext:plugin")
        assert settings["settings"]["openPanelsOnStart"] is True
        with urllib.request.urlopen(f"{demo.base}/lab?token={demo.token}", timeout=5) as page:
            assert page.status == 200
        assert (demo_dir / "ome-zarr-0.5" / "cells.ome.zarr" / "zarr.json").exists()
    assert "fileglancer demo data in" in demo.output


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("info") / "demo"
    assert main(["demo", str(folder), "--data-only", "--many-files", "3"]) == 0
    return folder


def test_info_prints_levels_pixel_sizes_channels_and_validation(demo_folder: Path, capsys):
    capsys.readouterr()
    assert main(["info", str(demo_folder / "ome-zarr-0.4" / "cells.ome.zarr")]) == 0
    out = capsys.readouterr().out
    assert "ome-zarr (Zarr v2, OME-NGFF 0.4)" in out
    assert "level s1: 3 x 16 x 128 x 128  pixel z 2 micrometer, y 1 micrometer" in out
    assert "0: DAPI #0000FF window" in out
    assert "validation: valid" in out


def test_info_json_is_the_same_summary_the_meta_route_answers(demo_folder: Path, capsys):
    from fileglancer_ext.inspection.service import describe_dataset

    path = demo_folder / "zarr-v3" / "sharded.zarr"
    capsys.readouterr()
    assert main(["info", "--json", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(describe_dataset(path)))
    assert printed["array"]["shard_shape"] == [64, 256, 256]
    assert printed["validation"] is None  # not OME: nothing to validate


def test_stats_prints_storage_per_level(demo_folder: Path, capsys):
    from fileglancer_ext.inspection.stats.core import compute_stats

    path = demo_folder / "ome-zarr-0.4" / "cells.ome.zarr"
    expected = compute_stats(path)
    capsys.readouterr()
    assert main(["stats", str(path)]) == 0
    out = capsys.readouterr().out
    on_disk = expected["stored_bytes"] + expected["dir_bytes"]
    assert f"as du -sb: {on_disk}" in out
    # The expected chunks are the levels'; the tree's total counts the labels' chunks too.
    in_levels = sum(level["chunk_files"] for level in expected["levels"])
    assert in_levels == expected["chunks_expected"] < expected["chunk_files"]
    assert (
        f"{in_levels} of {in_levels} chunk files in the levels, "
        f"{expected['chunk_files']} in all" in out
    )
    for level in expected["levels"]:
        assert f"level {level['path']}: {level['chunk_files']} of " in out
    assert "compression ratio" in out


@pytest.mark.parametrize("processes", ["1", "2"])
def test_stats_json_is_what_the_stats_route_computes(demo_folder: Path, capsys, processes):
    from fileglancer_ext.inspection.stats.core import compute_stats

    path = demo_folder / "many-files"
    capsys.readouterr()
    assert main(["stats", "--json", "--processes", processes, str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = compute_stats(path)
    assert {k: v for k, v in printed.items() if k != "elapsed"} == {
        k: v for k, v in expected.items() if k != "elapsed"
    }


def test_info_and_stats_of_the_demo_n5_pyramid(demo_folder: Path, capsys):
    path = demo_folder / "n5" / "nuclei.n5"
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    info = capsys.readouterr().out
    assert "pixel resolution (x, y, z...): 0.5 x 0.5 x 2 um" in info
    assert "level s2: 16 x 64 x 64" in info
    assert main(["info", str(path / "s1")]) == 0
    assert "blocks: 16 x 64 x 64  type: uint16  compression: gzip" in capsys.readouterr().out
    assert main(["stats", str(path)]) == 0
    stats = capsys.readouterr().out
    assert "21 of 21 chunk files" in stats
    assert "level s0: 16 of 16 chunk files" in stats and "level s2: 1 of 1 chunk files" in stats


def test_stats_of_a_missing_path_exits_2_with_a_message(tmp_path: Path, capsys):
    assert main(["stats", str(tmp_path / "gone.zarr")]) == 2
    assert "No such file or directory" in capsys.readouterr().err


def test_info_of_a_missing_path_exits_2_with_a_message(tmp_path: Path, capsys):
    assert main(["info", str(tmp_path / "nope.zarr")]) == 2
    assert "does not exist" in capsys.readouterr().err
