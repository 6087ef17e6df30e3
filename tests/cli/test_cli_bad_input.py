"""Bad input to `fileglancer-ext`, run as a real process: a one-line error and a non-zero
exit status, or (for malformed datasets, as the inspector shows them) the description with
its problems; never a traceback."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile

from fileglancer_ext.links.store import ShareLinkStore
from tests.test_bad_input import BAD_ARRAYS, HUGE, ZARRAY

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
NOT_UTF8 = b"\xff\xfe.zarr"


def run(*args: str | bytes, strict_output: bool = False) -> subprocess.CompletedProcess:
    """`fileglancer-ext ARGS`; with `strict_output`, stdout and stderr refuse what is not
    UTF-8, as in a UTF-8 locale other than C.UTF-8."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "ignore"}
    if strict_output:
        env["PYTHONIOENCODING"] = "utf-8:strict"
    command = [os.fsencode(BIN / "fileglancer-ext"), *map(os.fsencode, args)]
    result = subprocess.run(command, capture_output=True, env=env, timeout=120)
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode("utf-8", "replace"), stderr
    )


def one_line_error(result: subprocess.CompletedProcess, code: int = 2) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("fileglancer-ext"), result.stderr
    return lines[-1]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Arrays with metadata out of bounds, a TIFF, and a good array whose name is not UTF-8
    (plus a symlink to it)."""
    root = tmp_path / "data"
    root.mkdir()
    for name, write, shape, chunks, _ in BAD_ARRAYS:
        write(root / name, shape, chunks)
    weird = os.path.join(os.fsencode(root), NOT_UTF8)
    os.mkdir(weird)
    doc = {**ZARRAY, "shape": [4, 4], "chunks": [2, 2]}
    with open(os.path.join(weird, b".zarray"), "w") as handle:
        json.dump(doc, handle)
    os.symlink(weird, root / "to-weird")
    tifffile.imwrite(root / "a.tif", np.zeros((64, 64), np.uint8))
    return root


def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'links.sqlite3'}"


@pytest.mark.parametrize(("name", "field"), [(a[0], a[4]) for a in BAD_ARRAYS])
def test_info_describes_array_metadata_out_of_bounds_as_malformed(data: Path, name, field):
    result = run("info", str(data / name))
    assert result.returncode == 0, result.stderr
    problems = [line for line in result.stdout.splitlines() if "problem:" in line]
    assert any(field in line and "out of bounds" in line for line in problems), result.stdout
    summary = json.loads(run("info", "--json", str(data / name)).stdout)
    assert summary["problems"]


@pytest.mark.parametrize("name", [a[0] for a in BAD_ARRAYS])
@pytest.mark.parametrize("suffix", [".ome.zarr", ".tif"])
def test_convert_refuses_array_metadata_out_of_bounds(data: Path, tmp_path: Path, name, suffix):
    destination = tmp_path / f"out{suffix}"
    result = run("convert", str(data / name), str(destination), "--quiet")
    if name.endswith(".n5"):  # no converter reads N5: refused before anything starts
        assert "N5 datasets cannot be converted" in one_line_error(result, 2)
    else:
        line = one_line_error(result, 1)
        assert "out of bounds" in line or "not a Zarr array" in line or "dimensions" in line
    assert not destination.exists()


@pytest.mark.parametrize("command", ["info", "stats", "validate"])
def test_a_name_that_is_not_utf8_is_read_and_printed_escaped(data: Path, command):
    path = os.path.join(os.fsencode(data), NOT_UTF8)
    result = run(command, path, strict_output=True)
    assert result.returncode in (0, 1), result.stderr  # validate: 1, not OME-Zarr
    assert "\\udcff\\udcfe.zarr" in result.stdout.splitlines()[0]


@pytest.mark.parametrize(
    "args",
    [
        [NOT_UTF8],
        [b"to-weird"],  # the link would record its target
        [b"to-weird", b"--label", b"\xff"],
    ],
    ids=["named", "through-a-symlink", "label"],
)
def test_links_create_refuses_what_is_not_utf8(data: Path, tmp_path: Path, args):
    url = store_url(tmp_path)
    path, *options = args
    full = os.path.join(os.fsencode(data), path)
    line = one_line_error(run("links", "create", "--database-url", url, full, *options))
    assert "UTF-8" in line or "Unicode" in line
    store = ShareLinkStore.from_url(url)
    try:
        assert store.list_for_owner(getpass.getuser(), include_inactive=True) == []
    finally:
        store.close()


@pytest.mark.parametrize(
    "args",
    [
        ["info", "{data}/good", "--members-limit", HUGE],
        ["info", "{data}/good", "--members-offset", "²"],
        ["stats", "{data}", "--processes", HUGE],
        ["convert", "{data}/a.tif", "{data}/out.zarr", "--workers", "99999999999999999999"],
        ["serve-links", "--database-url", "{store}", "--port", "99999999999999999"],
        ["demo", "{data}/demo", "--data-only", "--many-files", HUGE],
        ["links", "create", "{data}/huge2.zarr", "--database-url", "{store}", "--expires-in", HUGE],
        [
            "links",
            "create",
            "{data}/huge2.zarr",
            "--database-url",
            "{store}",
            "--expires-in",
            "1e400",
        ],
        [
            "links",
            "create",
            "{data}/huge2.zarr",
            "--database-url",
            "{store}",
            "--expires-in",
            "nan",
        ],
    ],
    ids=lambda args: " ".join(a[:12] for a in args[:4]),
)
def test_numbers_out_of_range_are_usage_errors(data: Path, tmp_path: Path, args):
    filled = [a.format(data=data, store=store_url(tmp_path)) for a in args]
    line = one_line_error(run(*filled))
    assert HUGE not in line
