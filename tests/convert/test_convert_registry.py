"""One registry of conversion kinds: the CLI, the library and the jobs API pass the same
checks (a destination that contains the source, or lies inside it, is refused whatever the
kind, CZI included) and offer the same kinds."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from fileglancer_ext.cli import main
from fileglancer_ext.convert import KINDS, ConversionOptions, check_conversion
from fileglancer_ext.convert import convert_czi_to_ome_zarr as library_czi
from fileglancer_ext.errors import BadRequest, Forbidden, NotFound
from fileglancer_ext.jobs.submission import parse_submission
from fileglancer_ext.roots import RootRegistry, load_roots
from tests.unprivileged import run_without_privileges

from .test_convert_tiff import write_ome_tiff

pyczi = pytest.importorskip("pylibCZIrw.czi")


def write_czi(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pyczi.create_czi(str(path), exist_ok=True) as czi:
        czi.write(np.arange(32 * 48, dtype=np.uint16).reshape(32, 48), plane={"C": 0, "Z": 0})
    return path


@pytest.fixture
def czi_in_a_folder(tmp_path: Path) -> Path:
    """data/scan.czi, with a sibling file that must survive too."""
    source = write_czi(tmp_path / "data" / "scan.czi")
    (tmp_path / "data" / "notes.txt").write_text("keep me\n")
    return source


def test_the_cli_refuses_to_overwrite_the_folder_holding_a_czi(
    czi_in_a_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = czi_in_a_folder.parent
    status = main(["convert", str(czi_in_a_folder), str(folder), "--overwrite", "--quiet"])
    assert status == 2
    assert "contains the source" in capsys.readouterr().err
    assert czi_in_a_folder.is_file() and (folder / "notes.txt").read_text() == "keep me\n"


def test_the_library_refuses_to_overwrite_the_folder_holding_a_czi(czi_in_a_folder: Path) -> None:
    folder = czi_in_a_folder.parent
    with pytest.raises(BadRequest, match="contains the source"):
        library_czi(czi_in_a_folder, folder, ConversionOptions(overwrite=True))
    assert czi_in_a_folder.is_file() and (folder / "notes.txt").is_file()


def test_a_job_refuses_to_overwrite_the_folder_holding_a_czi(czi_in_a_folder: Path) -> None:
    lab = czi_in_a_folder.parent.parent
    registry = RootRegistry(load_roots([f"lab={lab}"], str(lab))[0])
    body = {
        "source": {"root": "lab", "path": "data/scan.czi"},
        "destination": {"root": "lab", "path": "data"},
        "options": {"overwrite": True},
    }
    with pytest.raises(BadRequest, match="'data' in 'lab' contains the source"):
        parse_submission(body, registry)
    body["destination"]["path"] = "scan.ome.zarr"
    assert parse_submission(body, registry).kind == "czi-to-ome-zarr"


def test_a_destination_inside_the_source_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Writing into the Zarr being read would change the source (a new group in it)."""
    data = np.zeros((3, 2, 64, 64), dtype=np.uint16)
    tiff = write_ome_tiff(tmp_path / "cells.ome.tif", data)
    image = tmp_path / "cells.ome.zarr"
    assert main(["convert", str(tiff), str(image), "--quiet"]) == 0
    inside = image / "again.ome.zarr"
    assert main(["convert", str(image), str(inside), "--quiet"]) == 2
    assert "is inside the source" in capsys.readouterr().err
    assert not inside.exists()
    # The source itself, replaced in place, stays allowed (it is read before the rename).
    assert main(["convert", str(image), str(image), "--overwrite", "--quiet"]) == 0


def test_the_checks_refuse_before_anything_is_written(tmp_path: Path) -> None:
    tiff = write_ome_tiff(tmp_path / "a.ome.tif", np.zeros((3, 2, 32, 32), dtype=np.uint16))
    with pytest.raises(NotFound, match="missing.tif"):
        check_conversion(tmp_path / "missing.tif", tmp_path / "o.zarr")
    with pytest.raises(NotFound, match="No such folder"):
        check_conversion(tiff, tmp_path / "nowhere" / "o.zarr")
    with pytest.raises(BadRequest, match="keeps for its own use"):
        check_conversion(tiff, tmp_path / ".replaced")
    folder = tmp_path / "image.zarr"
    folder.mkdir()
    with pytest.raises(BadRequest, match="needs the option 'level'"):
        check_conversion(folder, tmp_path / "x.zarr", kind="extract-level")
    with pytest.raises(BadRequest, match="reads a file"):
        check_conversion(folder, tmp_path / "x.zarr", kind="tiff-to-ome-zarr")
    with pytest.raises(BadRequest, match="codec"):
        check_conversion(tiff, tmp_path / "o.zarr", ConversionOptions(codec="lzma"))
    checked = check_conversion(tiff, tmp_path / "o.zarr")
    assert checked.kind is KINDS["tiff-to-ome-zarr"] and checked.options.chunks is None
    assert sorted(tmp_path.iterdir()) == [tiff, folder]


def test_an_unreadable_source_and_an_unwritable_folder_are_refused_up_front(shared_tmp: Path):
    tiff = write_ome_tiff(shared_tmp / "a.ome.tif", np.zeros((3, 2, 32, 32), dtype=np.uint16))
    writable, locked = shared_tmp / "open", shared_tmp / "locked"
    writable.mkdir(mode=0o777)
    writable.chmod(0o777)
    locked.mkdir(mode=0o555)
    tiff.chmod(0o600)

    def outcomes() -> list[str]:
        found = []
        for destination in (writable / "o.zarr", locked / "o.zarr"):
            try:
                check_conversion(tiff, destination)
            except (Forbidden, NotFound, BadRequest) as err:
                found.append(err.message)
        return found

    unreadable = run_without_privileges(outcomes)["result"]
    assert unreadable == [f"You do not have permission to read '{tiff}'."] * 2
    tiff.chmod(0o644)
    assert run_without_privileges(outcomes)["result"] == [
        f"You do not have permission to write in '{locked}'."
    ]


def test_the_cli_offers_the_registrys_kinds() -> None:
    parser = argparse.ArgumentParser()
    from fileglancer_ext.cli.convert import add_parser

    add_parser(parser.add_subparsers())
    kind_choices = next(
        action.choices
        for sub in parser._subparsers._group_actions  # type: ignore[union-attr]
        for action in sub.choices["convert"]._actions
        if action.dest == "kind"
    )
    assert list(kind_choices) == ["auto", *KINDS]


def test_a_job_takes_exactly_the_registrys_kinds(tmp_path: Path) -> None:
    write_ome_tiff(tmp_path / "a.ome.tif", np.zeros((3, 2, 32, 32), dtype=np.uint16))
    registry = RootRegistry(load_roots([f"lab={tmp_path}"], str(tmp_path))[0])

    def kind_of(kind: str) -> str:
        body = {
            "kind": kind,
            "source": {"root": "lab", "path": "a.ome.tif"},
            "destination": {"root": "lab", "path": "a.ome.zarr"},
        }
        try:
            return parse_submission(body, registry).kind
        except BadRequest as err:
            return err.message

    assert kind_of("auto") == kind_of("tiff-to-ome-zarr") == "tiff-to-ome-zarr"
    assert kind_of("tiff-to-png").endswith(f"use one of auto, {', '.join(KINDS)}.")
    assert (
        kind_of("recompress")
        == "A 'recompress' conversion reads a Zarr folder; 'a.ome.tif' is not."
    )


def test_the_cli_runs_a_kind_asked_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiff = write_ome_tiff(tmp_path / "a.ome.tif", np.zeros((3, 2, 64, 64), dtype=np.uint16))
    image = tmp_path / "a.ome.zarr"
    assert main(["convert", str(tiff), str(image), "--quiet", "--levels", "2"]) == 0
    out = tmp_path / "one.ome.zarr"
    assert main(["convert", str(image), str(out), "--kind", "extract-level", "--quiet"]) == 2
    assert "needs the option 'level'" in capsys.readouterr().err
    assert main(["convert", str(image), str(out), "--kind", "extract-level", "--level", "1"]) == 0
    assert out.is_dir()
