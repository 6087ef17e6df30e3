"""The core install stays lean: heavy optional parts are extras, and a missing one says
which extra to install instead of failing with a bare ImportError."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPOSITORY = next(folder for folder in Path(__file__).parents if folder.name == "tests").parent


def _project() -> dict:
    return tomllib.loads((REPOSITORY / "pyproject.toml").read_text("utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    return {r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip() for r in requirements}


def test_heavy_optional_parts_are_extras_not_core_dependencies():
    project = _project()
    core = {name.lower() for name in _names(project["dependencies"])}
    # ngff-zarr (only its schema files were used; cmake, wasmtime, itkwasm: ~200 MB), the
    # CZI reader, the S3 clients and the notebook's labelled arrays.
    assert not core & {"ngff-zarr", "pylibczirw", "s3fs", "boto3", "xarray"}, core
    extras = project["optional-dependencies"]
    assert _names(extras["czi"]) == {"pylibCZIrw"}
    assert "xarray" in _names(extras["notebook"])
    # The test extra installs everything.
    assert "fileglancer-ext[czi,notebook,postgres,dask]" in extras["test"]


def test_converting_a_czi_without_the_czi_extra_names_the_extra(tmp_path: Path):
    """The real command line, in a process where pylibCZIrw cannot be imported."""
    source = tmp_path / "scan.czi"
    source.write_bytes(b"ZISRAWFILE" + bytes(100))
    code = f"""
import sys
sys.modules["pylibCZIrw"] = None  # as if the czi extra were not installed
from fileglancer_ext.cli import main
sys.exit(main(["convert", {str(source)!r}, {str(tmp_path / "out.ome.zarr")!r}]))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "install fileglancer-ext[czi]" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
