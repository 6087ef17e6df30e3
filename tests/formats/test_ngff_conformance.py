"""The official OME-NGFF conformance suites (0.4 and 0.5), run through `validate_dataset`.

Every case's `data` is written as a real Zarr group on disk and validated with
metadata_only=True against the schema its suite names (the suites test the schemas, so
`strict_image_suite.json` validates with strict_image, not with the kind's default). The
same cases also go through the CLI: all in-process, a sample as real subprocesses.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fileglancer_ext.cli import main
from fileglancer_ext.formats.validate import validate_dataset

# In the repository's test data (tests/data/), wherever in tests/ this module lies. A missing
# folder fails test_the_suites_are_all_there: a clone must never skip the suites quietly.
TESTS = next(folder for folder in Path(__file__).parents if folder.name == "tests")
SUITES = TESTS / "data" / "ngff-conformance"
VERSIONS = ("0.4", "0.5")


@dataclass(frozen=True)
class Case:
    version: str
    suite: str  # file stem, e.g. "strict_image_suite"
    schema: str  # e.g. "strict_image"
    index: int
    data: Any
    valid: bool

    @property
    def id(self) -> str:
        return f"{self.version}/{self.suite}/{self.index}"


def _schema_name(suite: dict[str, Any]) -> str:
    # "schemas/strict_image.schema" -> "strict_image"
    return Path(suite["schema"]["id"]).name.removesuffix(".schema")


def _case_id(case: dict[str, Any], index: int, stem: str, version: str) -> str:
    # Most descriptions are "TBD"; "formerly" names the original test file.
    label = case.get("description") or ""
    if label in ("", "TBD"):
        label = case.get("formerly") or ""
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")[:60]
    return f"{version}/{stem}/{index}-{label}"


def load_cases() -> list[Any]:
    params = []
    for version in VERSIONS:
        for suite_file in sorted((SUITES / version / "tests").glob("*.json")):
            suite = json.loads(suite_file.read_text())
            for index, case in enumerate(suite["tests"]):
                item = Case(
                    version,
                    suite_file.stem,
                    _schema_name(suite),
                    index,
                    case["data"],
                    case["valid"],
                )
                case_id = _case_id(case, index, suite_file.stem, version)
                params.append(pytest.param(item, id=case_id))
    return params


CASES = load_cases()


def write_group(folder: Path, case: Case) -> Path:
    """The case's data as a Zarr group: .zattrs for 0.4, zarr.json `attributes` for 0.5.

    The 0.5 suites' data is the whole `attributes` object ({"ome": {...}}), as the 0.5
    schemas describe "the zarr.json attributes key".
    """
    group = folder / "case.zarr"
    group.mkdir()
    if case.version == "0.5":
        doc = {"zarr_format": 3, "node_type": "group", "attributes": case.data}
        (group / "zarr.json").write_text(json.dumps(doc))
    else:
        (group / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
        (group / ".zattrs").write_text(json.dumps(case.data))
    return group


def cli_arguments(group: Path, case: Case) -> list[str]:
    return [
        "validate",
        "--metadata-only",
        "--json",
        "--schema",
        case.schema,
        "--ngff-version",
        case.version,
        str(group),
    ]


def test_the_suites_are_all_there():
    assert SUITES.is_dir(), f"the conformance suites are missing from {SUITES}"
    suites = {(case.values[0].version, case.values[0].suite) for case in CASES}
    assert len(suites) == 16  # 8 suite files for each of 0.4 and 0.5
    assert len(CASES) > 150
    assert len(EXAMPLES) == 20  # 10 example documents for each version


@pytest.mark.parametrize("case", CASES)
def test_conformance_case(tmp_path: Path, case: Case):
    group = write_group(tmp_path, case)
    # The suite's version too: several valid 0.4 plate/well/label cases declare none.
    report = validate_dataset(group, metadata_only=True, schema=case.schema, version=case.version)
    assert report.valid == case.valid, [problem.to_json() for problem in report.errors]
    if not case.valid:
        assert report.errors and all(problem.location for problem in report.errors)


@pytest.mark.parametrize("case", CASES)
def test_conformance_case_through_the_cli(tmp_path: Path, case: Case, capsys):
    group = write_group(tmp_path, case)
    code = main(cli_arguments(group, case))
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] == case.valid
    assert code == (0 if case.valid else 1)


def load_examples() -> list[Any]:
    """The spec's example documents: each folder's .config.json names their schema."""
    params = []
    for version in VERSIONS:
        for config in sorted((SUITES / version / "examples").glob("*/.config.json")):
            schema = Path(json.loads(config.read_text())["schema"]).name.removesuffix(".schema")
            for example in sorted(config.parent.glob("[!.]*.json")):
                # Some examples carry whole-line // comments, which JSON does not allow.
                lines = example.read_text().splitlines()
                data = json.loads("\n".join(x for x in lines if not x.strip().startswith("//")))
                item = Case(version, config.parent.name, schema, 0, data, True)
                params.append(
                    pytest.param(item, id=f"{version}/{config.parent.name}/{example.stem}")
                )
    return params


EXAMPLES = load_examples()


def write_example(folder: Path, case: Case) -> Path:
    """0.5 examples are whole zarr.json documents, 0.4 ones the .zattrs."""
    if case.version == "0.4":
        return write_group(folder, case)
    group = folder / "example.zarr"
    group.mkdir()
    (group / "zarr.json").write_text(json.dumps(case.data))
    return group


@pytest.mark.parametrize("case", EXAMPLES)
def test_spec_examples_are_valid(tmp_path: Path, case: Case):
    group = write_example(tmp_path, case)
    report = validate_dataset(group, metadata_only=True, schema=case.schema, version=case.version)
    assert report.valid, [problem.to_json() for problem in report.errors]
    # Without overrides too: the version and the kind's schema are found from the data.
    # The label example is only the image-label part; a real label image is an image.
    report = validate_dataset(group, metadata_only=True)
    assert report.version == case.version
    assert report.valid is (case.suite != "label_strict"), report.errors


def _subprocess_sample() -> list[Any]:
    # Each subprocess costs ~2 s of imports: one valid and one invalid case per version.
    sample: list[Any] = []
    if not CASES:
        return sample  # test_the_suites_are_all_there fails instead
    for version in VERSIONS:
        for valid in (True, False):
            sample.append(
                next(
                    p
                    for p in CASES
                    if p.values[0].version == version and p.values[0].valid is valid
                )
            )
    return sample


@pytest.mark.parametrize("case", _subprocess_sample())
def test_conformance_sample_through_the_console_script(tmp_path: Path, case: Case):
    group = write_group(tmp_path, case)
    command = [str(Path(sys.executable).parent / "fileglancer-ext"), *cli_arguments(group, case)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == (0 if case.valid else 1), result.stderr
    assert json.loads(result.stdout)["valid"] == case.valid


def test_the_schemas_ship_with_the_package_and_need_no_ngff_zarr():
    """Validation reads the schemas from fileglancer_ext itself (ngff-zarr is no dependency):
    with ngff_zarr unimportable, every version's schemas load and a case still validates."""
    from fileglancer_ext.formats import ngff_schemas

    folder = Path(ngff_schemas.__file__).parent / "schemas"
    assert (folder / "LICENSE.md").is_file()
    code = """
import sys
sys.modules["ngff_zarr"] = None  # any import of it raises ImportError
from fileglancer_ext.formats.ngff_schemas import NGFF_VERSIONS, schema_names, get_validator
names = {version: schema_names(version) for version in NGFF_VERSIONS}
assert "strict_plate" in names["0.4"] and "ome_zarr" in names["0.5"], names
assert not get_validator("0.5", "strict_image").is_valid({"ome": {"version": "0.5"}})
print(sum(map(len, names.values())))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(list(folder.glob("*/*.schema"))) == 33
