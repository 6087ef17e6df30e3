"""Validation of OME-NGFF datasets: the official JSON schemas plus structural checks.

`validate_dataset` reads only metadata documents (never chunks) and never raises for bad
data: malformed JSON, unreadable files and folders that are not OME-Zarr all become errors
in the returned `ValidationReport`. The CLI (`fileglancer-ext validate`) and the REST API
both call it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError
from referencing.exceptions import Unresolvable

from ..errors import BadRequest, NotFound
from ..system.confined_io import ANYWHERE, TooLarge, Within, read_bounded
from .detect import MAX_METADATA_BYTES
from .model import dtype_name, numpy_dtype
from .ngff_schemas import NGFF_VERSIONS, UnknownSchema, get_validator, load_schemas

# A plate can list thousands of wells; checking that each exists must stay quick.
MAX_CHECKED_WELLS = 100
# Each schema error becomes one Problem; a badly broken document should not flood a report.
MAX_SCHEMA_ERRORS = 200

# The schema that applies to each kind of OME-NGFF group.
SCHEMA_BY_KIND = {
    "image": "image",
    "label-image": "label",
    "plate": "plate",
    "well": "well",
    "bioformats2raw": "bf2raw",
    "series": "ome",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful) with a dataset.

    `file` is the metadata file relative to the dataset (".zattrs", "s1/.zarray",
    "zarr.json"), `pointer` a slash-separated path inside that document
    ("multiscales/0/axes/2/unit", empty for the whole file), `source` "schema" when an
    official JSON schema found it and "structure" for checks no schema can make.
    """

    file: str
    pointer: str
    message: str
    source: str

    @property
    def location(self) -> str:
        """The file and the place in it, as a URI fragment: ".zattrs#/multiscales/0/axes"."""
        return f"{self.file}#/{self.pointer}" if self.pointer else self.file

    def to_json(self) -> dict[str, str]:
        return {"location": self.location, **asdict(self)}


@dataclass
class ValidationReport:
    """The outcome of validating one dataset; `valid` is True when there are no errors.

    `version` is the OME-NGFF version validated against (None when it could not be
    told), `kind` one of image / label-image / labels / plate / well / bioformats2raw /
    series, or None when the folder is not OME-NGFF at all. Warnings never make a dataset
    invalid.
    """

    version: str | None = None
    kind: str | None = None
    zarr_format: int | None = None
    schema: str | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, file: str, pointer: str, message: str, source: str = "structure") -> None:
        self.errors.append(Problem(file, pointer, message, source))

    def warn(self, file: str, pointer: str, message: str, source: str = "structure") -> None:
        self.warnings.append(Problem(file, pointer, message, source))

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "version": self.version,
            "kind": self.kind,
            "zarr_format": self.zarr_format,
            "schema": self.schema,
            "errors": [problem.to_json() for problem in self.errors],
            "warnings": [problem.to_json() for problem in self.warnings],
        }


def validate_dataset(
    path: Path,
    *,
    metadata_only: bool = False,
    schema: str | None = None,
    version: str | None = None,
    within: Within = ANYWHERE,
    documents: Mapping[Path, bytes] | None = None,
) -> ValidationReport:
    """Validate the OME-NGFF group at `path` and return the report.

    Metadata files are read with `confined_io`: regular files inside `within` only.
    `documents` maps paths to the bytes to validate in place of theirs on disk: a metadata
    edit is validated as the dataset would be once written, before anything is written.

    `metadata_only=True` checks the group's own metadata document only: the schema and the
    rules of the spec inside that document (axes order, transformation order), not its
    levels, labels, wells or a plate's layout. `schema` names the
    official schema to use instead of the one chosen by kind (e.g. "strict_image") and
    `version` the spec version to validate against instead of the declared one.

    Raises NotFound when `path` does not exist and BadRequest for an unknown `schema` or
    `version` override; every problem with the data itself goes into the report.
    """
    path = Path(path)
    if not path.exists():
        raise NotFound(f"no such file or folder: {path.name}")
    _check_overrides(schema, version)
    token = _WITHIN.set(within)
    replaced = _DOCUMENTS.set({os.fspath(p): raw for p, raw in (documents or {}).items()})
    try:
        return _validate(path, metadata_only, schema, version)
    finally:
        _DOCUMENTS.reset(replaced)
        _WITHIN.reset(token)


def _validate(
    path: Path, metadata_only: bool, schema: str | None, version: str | None
) -> ValidationReport:
    report = ValidationReport()
    group = _read_group(path, report)
    # Without OME metadata there is nothing to validate, unless a schema is named: then
    # its errors say precisely what is missing.
    if group is None or (not group.has_ome and schema is None):
        return report
    report.zarr_format = group.zarr_format
    report.kind = _kind_of(group.ome)
    report.version = version or _declared_version(group, report.kind, path)
    if report.version is None:
        report.error(group.file, "", _missing_version_message(group))
        return report
    if report.version not in NGFF_VERSIONS:
        known = ", ".join(NGFF_VERSIONS)
        report.error(
            group.file,
            group.prefix + "version",
            f"unknown OME-NGFF version {report.version!r}; expected one of {known}",
        )
        return report
    _check_format_matches_version(group, report)
    _validate_against_schema(group, report, schema)
    _check_document(group, report)
    if not metadata_only:
        _check_structure(path, group, report)
    return report


def validate_metadata(
    attributes: Any, version: str, schema_name: str, *, file: str = ".zattrs"
) -> list[Problem]:
    """Schema problems of `attributes` (.zattrs, or for 0.5 zarr.json's `attributes`).

    Returns every error the official `schema_name` schema of `version` finds, sorted by
    place, each as a Problem in `file`. Raises UnknownSchema for an unknown schema.
    """
    validator = get_validator(version, schema_name)
    prefix = "attributes/" if file.endswith("zarr.json") else ""
    problems: list[Problem] = []
    try:
        found = sorted(validator.iter_errors(attributes), key=_document_order)
    except Unresolvable as err:  # a schema refers to one we do not have: say so, never fetch
        return [Problem(file, "", f"the {schema_name} schema cannot be resolved: {err}", "schema")]
    except RecursionError:  # absurdly deep nesting in the document
        return [Problem(file, "", "the metadata is nested too deeply to validate", "schema")]
    for err in found[:MAX_SCHEMA_ERRORS]:
        pointer = prefix + "/".join(str(part) for part in err.absolute_path)
        problems.append(Problem(file, pointer.rstrip("/"), _describe(err), "schema"))
    if len(found) > MAX_SCHEMA_ERRORS:
        more = len(found) - MAX_SCHEMA_ERRORS
        problems.append(Problem(file, "", f"... and {more} more schema errors", "schema"))
    return problems


def _document_order(err: ValidationError) -> list[tuple[int, int, str]]:
    # Array indices compare as numbers, so multiscales/0/datasets/10 comes after /2.
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in err.absolute_path]


# --- reading the group ----------------------------------------------------------------------


@dataclass
class Group:
    """The metadata of an OME-Zarr group as read from disk.

    `attributes` is what the schemas validate (.zattrs, or zarr.json's `attributes`),
    `ome` the object holding the OME-NGFF keys (the same dict for Zarr v2, the "ome"
    member for v3), `prefix` the pointer from the file's root to `ome`. `has_ome` is
    False for a plain Zarr group (already reported as an error).
    """

    zarr_format: int
    file: str
    attributes: dict[str, Any]
    ome: dict[str, Any]
    prefix: str
    has_ome: bool = True


# Where the validation under way may read (`validate_dataset`'s `within`): one call's
# setting, seen by the file reads deep in the checks without passing it through each.
_WITHIN: ContextVar[Within] = ContextVar("validate_within", default=ANYWHERE)
# Documents validated in place of the files at these paths (`validate_dataset`'s `documents`).
_DOCUMENTS: ContextVar[Mapping[str, bytes] | None] = ContextVar("validate_documents", default=None)


def read_json(path: Path) -> tuple[Any, str | None]:
    """(document, None) for a readable JSON file; (None, reason) otherwise. Never raises."""
    try:
        raw = (_DOCUMENTS.get() or {}).get(os.fspath(path))
        if raw is None:
            raw = read_bounded(path, _WITHIN.get(), limit=MAX_METADATA_BYTES)
    except TooLarge as err:
        size = err.size if err.size is not None else f"over {err.limit}"
        return None, f"{path.name} is too large for a metadata file ({size} bytes)"
    except FileNotFoundError:
        return None, f"{path.name} does not exist"
    except IsADirectoryError:
        return None, f"{path.name} is a folder, not a metadata file"
    except OSError as err:
        return None, f"cannot read {path.name}: {err.strerror or err}"
    try:
        return json.loads(raw), None
    except (ValueError, RecursionError) as err:
        return None, f"{path.name} is not valid JSON: {err}"


def _read_group(path: Path, report: ValidationReport) -> Group | None:
    """The group's metadata, or None after recording why there is none."""
    if not path.is_dir():
        report.error(path.name, "", "not a folder: an OME-Zarr dataset is a Zarr group folder")
        return None
    if (path / "zarr.json").exists():
        return _read_v3_group(path, report)
    if (path / ".zarray").exists():
        report.zarr_format = 2
        report.error(".zarray", "", "a plain Zarr array, not an OME-Zarr group")
        return None
    if (path / ".zattrs").exists():
        return _read_v2_group(path, report)
    if (path / ".zgroup").exists():
        report.zarr_format = 2
        report.error(".zgroup", "", "a plain Zarr group without OME-NGFF metadata (no .zattrs)")
        return None
    report.error(".", "", "not a Zarr dataset: no zarr.json, .zgroup, .zattrs or .zarray here")
    return None


def _read_v3_group(path: Path, report: ValidationReport) -> Group | None:
    report.zarr_format = 3
    doc, problem = read_json(path / "zarr.json")
    if problem is not None:
        report.error("zarr.json", "", problem)
        return None
    if not isinstance(doc, dict):
        report.error("zarr.json", "", "zarr.json must be a JSON object")
        return None
    if doc.get("node_type") == "array":
        report.error("zarr.json", "node_type", "a plain Zarr array, not an OME-Zarr group")
        return None
    if doc.get("node_type") != "group":
        report.error("zarr.json", "node_type", 'node_type must be "group" for an OME-Zarr')
    attributes = doc.get("attributes")
    if not isinstance(attributes, dict):
        report.error("zarr.json", "attributes", "a Zarr group without OME-NGFF metadata")
        return None
    ome = attributes.get("ome")
    if not isinstance(ome, dict):
        report.error(
            "zarr.json",
            "attributes/ome",
            'a Zarr v3 group without OME-NGFF metadata: attributes has no "ome" object',
        )
        return Group(3, "zarr.json", attributes, {}, "attributes/ome/", has_ome=False)
    return Group(3, "zarr.json", attributes, ome, "attributes/ome/")


def _read_v2_group(path: Path, report: ValidationReport) -> Group | None:
    report.zarr_format = 2
    doc, problem = read_json(path / ".zattrs")
    if problem is not None:
        report.error(".zattrs", "", problem)
        return None
    if not isinstance(doc, dict):
        report.error(".zattrs", "", ".zattrs must be a JSON object")
        return None
    if not (path / ".zgroup").exists():
        report.error(".zgroup", "", "missing .zgroup: a Zarr v2 group needs one")
    if _kind_of(doc) is None:
        report.error(".zattrs", "", "a Zarr group without OME-NGFF metadata in .zattrs")
        return Group(2, ".zattrs", doc, doc, "", has_ome=False)
    return Group(2, ".zattrs", doc, doc, "")


# --- kind and version ----------------------------------------------------------------------


def _kind_of(ome: dict[str, Any]) -> str | None:
    """The OME-NGFF kind these attributes declare; plate wins over bioformats2raw (spec)."""
    if "multiscales" in ome:
        return "label-image" if "image-label" in ome else "image"
    if "image-label" in ome:
        return "label-image"
    for key, kind in (
        ("plate", "plate"),
        ("well", "well"),
        ("bioformats2raw.layout", "bioformats2raw"),
        ("series", "series"),
    ):
        if key in ome:
            return kind
    if "labels" in ome:
        return "labels"
    return None


def _declared_version(group: Group, kind: str | None, path: Path) -> str | None:
    """The version the metadata declares (as text), or None when it declares none."""
    ome = group.ome
    if group.zarr_format == 3 and kind != "labels":
        return _as_version(ome.get("version"))
    candidates: list[Any] = []
    multiscales = ome.get("multiscales")
    if isinstance(multiscales, list) and multiscales and isinstance(multiscales[0], dict):
        candidates.append(multiscales[0].get("version"))
    for key in ("plate", "well", "image-label"):
        if isinstance(ome.get(key), dict):
            candidates.append(ome[key].get("version"))
    candidates.append(ome.get("version"))
    for candidate in candidates:
        if _as_version(candidate) is not None:
            return _as_version(candidate)
    if kind in ("bioformats2raw", "series"):
        # Introduced by spec 0.4 without a version field; in Zarr v2 they can only be 0.4.
        return "0.4"
    if kind == "labels":
        return _labels_version(ome, path, group.zarr_format)
    return None


def _labels_version(ome: dict[str, Any], path: Path, zarr_format: int) -> str | None:
    # A 0.4 labels group declares no version of its own (and ome-zarr writes 0.5 ones
    # without one too); its label images do.
    labels = ome.get("labels")
    child = _child(path, labels[0]) if isinstance(labels, list) and labels else None
    if child is None:
        return None
    name = ".zattrs" if zarr_format == 2 else "zarr.json"
    doc, problem = read_json(child / name)
    if problem is not None or not isinstance(doc, dict):
        return None
    if zarr_format == 3:
        attributes = doc.get("attributes")
        inner = attributes.get("ome") if isinstance(attributes, dict) else None
        return _as_version(inner.get("version")) if isinstance(inner, dict) else None
    return _declared_version(Group(2, name, doc, doc, ""), _kind_of(doc), path)


def _as_version(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # some writers store 0.4 as a number; the schema will object
    return None


def _missing_version_message(group: Group) -> str:
    if group.zarr_format == 3:
        return "no OME-NGFF version: zarr.json attributes.ome.version is missing"
    return (
        'no OME-NGFF version: expected "version" in multiscales[0], plate, well or '
        "image-label of .zattrs"
    )


def _check_format_matches_version(group: Group, report: ValidationReport) -> None:
    # OME-NGFF 0.5 is Zarr v3 only; earlier versions are Zarr v2 only.
    v3_version = report.version == "0.5"
    if v3_version and group.zarr_format == 2:
        report.error(group.file, "", "OME-NGFF 0.5 must be stored as Zarr v3 (zarr.json)")
    elif not v3_version and group.zarr_format == 3:
        report.error(
            group.file,
            group.prefix + "version",
            f"OME-NGFF {report.version} must be stored as Zarr v2 (.zgroup and .zattrs)",
        )


# --- schema validation ---------------------------------------------------------------------


def _check_overrides(schema: str | None, version: str | None) -> None:
    if version is not None and version not in NGFF_VERSIONS:
        raise BadRequest(f"unknown OME-NGFF version {version!r}; known: {', '.join(NGFF_VERSIONS)}")
    if schema is None:
        return
    versions = [version] if version else list(NGFF_VERSIONS)
    if not any(schema in load_schemas(known) for known in versions):
        raise BadRequest(f"unknown OME-NGFF schema {schema!r}")


def _validate_against_schema(group: Group, report: ValidationReport, schema: str | None) -> None:
    version = report.version or ""
    names = _schemas_for(report.kind, version) if schema is None else [schema]
    if not names and report.kind == "labels":
        return  # no version of the spec has a schema for the labels list; checked as structure
    if not names:
        what = report.kind or "this group"
        report.warn(group.file, "", f"OME-NGFF {version} has no schema for {what}; not checked")
        return
    report.schema = ", ".join(names)
    for name in names:
        try:
            report.errors.extend(
                validate_metadata(group.attributes, version, name, file=group.file)
            )
        except UnknownSchema as err:
            report.error(group.file, "", str(err), source="schema")


def _schemas_for(kind: str | None, version: str) -> list[str]:
    available = load_schemas(version)
    if kind == "label-image":
        # A label image is an image too: both schemas apply.
        return [name for name in ("image", "label") if name in available]
    name = SCHEMA_BY_KIND.get(kind or "")
    return [name] if name in available else []


def _describe(err: ValidationError) -> str:
    """A plain-words message for one schema error: what is wrong and what is expected."""
    where = "/".join(str(part) for part in err.absolute_path) or "the document"
    value = err.validator_value
    match err.validator:
        case "type":
            expected = " or ".join(value) if isinstance(value, list) else value
            return f"{where} must be {_article(str(expected))}, got {_json_type(err.instance)}"
        case "required":
            return err.message.replace("is a required property", f"is required in {where}")
        case "enum":
            allowed = ", ".join(json.dumps(item) for item in value)
            return f"{where} is {json.dumps(err.instance)}; allowed: {allowed}"
        case "const":
            return f"{where} must be {json.dumps(value)}, got {json.dumps(err.instance)}"
        case "minItems":
            return f"{where} must have at least {value} item(s), has {len(err.instance)}"
        case "maxItems":
            return f"{where} must have at most {value} item(s), has {len(err.instance)}"
        case "uniqueItems":
            return f"{where} must not contain duplicates ({err.message})"
        case "anyOf" | "oneOf":
            # Name what each alternative objected to: one of them is the real mistake.
            reasons = list(dict.fromkeys(_describe(sub) for sub in err.context or []))[:3]
            hint = ": " + "; or ".join(reasons) if reasons else ""
            return f"{where} matches none of the allowed forms{hint}"
    message = err.message if len(err.message) <= 300 else err.message[:299] + "…"
    return f"{where}: {message}"


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _json_type(value: Any) -> str:
    for python_type, name in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (list, "array"),
        (dict, "object"),
    ):
        if isinstance(value, python_type):
            return name
    return "null"


def relative(path: Path, root: Path) -> str:
    """`path` relative to the dataset root, with forward slashes, for Problem.file."""
    return os.path.relpath(path, root).replace(os.sep, "/")


# --- structural checks ---------------------------------------------------------------------


def _check_structure(path: Path, group: Group, report: ValidationReport) -> None:
    """Checks across files that no schema can make; reads metadata documents only."""
    if report.kind in ("image", "label-image"):
        _check_multiscales(path, group, report)
        if (path / "labels").is_dir():
            image = _levels_and_version(group.ome)
            _check_labels_group(path / "labels", path, group.zarr_format, report, image)
        if report.kind == "label-image" and path.parent.name == "labels":
            _check_against_its_image(path, group, report)
    elif report.kind == "labels":
        parent = _read_ome(path.parent, group.zarr_format)[1]
        image = _levels_and_version(parent) if parent is not None else None
        _check_labels_group(path, path, group.zarr_format, report, image)
    elif report.kind == "plate":
        _check_plate_layout(group, report)
        _check_listed_groups(path, group, report, "plate", "wells", "well")
    elif report.kind == "well":
        _check_listed_groups(path, group, report, "well", "images", "field of view")


def _child(root: Path, name: Any) -> Path | None:
    """root/name for a relative path that stays inside root; None for anything else."""
    if not isinstance(name, str) or not name:
        return None
    parts = Path(name).parts
    if Path(name).is_absolute() or ".." in parts:
        return None
    return root.joinpath(*parts)


def _read_array(
    folder: Path, root: Path, zarr_format: int
) -> tuple[str, dict[str, Any] | None, str | None]:
    """(metadata file relative to root, its document, problem) of the Zarr array at
    `folder`; the document only when it describes an array with a valid shape."""
    name = ".zarray" if zarr_format == 2 else "zarr.json"
    file = relative(folder / name, root)
    if not folder.is_dir():
        return file, None, "does not exist"
    doc, problem = read_json(folder / name)
    if problem is not None and zarr_format == 2 and (folder / "zarr.json").exists():
        return file, None, "is a Zarr v3 node but the group is Zarr v2"
    if problem is not None and zarr_format == 3 and (folder / ".zarray").exists():
        return file, None, "is a Zarr v2 array but the group is Zarr v3"
    if problem is not None:
        return file, None, f"is not a Zarr array ({problem})"
    if not isinstance(doc, dict) or (zarr_format == 3 and doc.get("node_type") != "array"):
        return file, None, f"is not a Zarr array ({name} does not describe an array)"
    shape = doc.get("shape")
    if not isinstance(shape, list) or not all(isinstance(n, int) for n in shape):
        return file, None, f"has no valid shape in {name}"
    return file, doc, None


def _check_multiscales(path: Path, group: Group, report: ValidationReport) -> None:
    multiscales = group.ome.get("multiscales")
    if not isinstance(multiscales, list):
        return  # the schema has said what is wrong
    for index, multiscale in enumerate(multiscales):
        if isinstance(multiscale, dict):
            _check_one_multiscale(path, group, report, index, multiscale)


def _check_one_multiscale(
    path: Path, group: Group, report: ValidationReport, index: int, multiscale: dict[str, Any]
) -> None:
    base = f"{group.prefix}multiscales/{index}"
    axes = multiscale.get("axes")
    naxes = len(axes) if isinstance(axes, list) else None
    _check_transforms(multiscale, naxes, group.file, base, report)
    datasets = multiscale.get("datasets")
    if not isinstance(datasets, list):
        return
    names = _axis_names(axes) if report.version == "0.5" else None
    levels: list[tuple[str, list[int]]] = []
    integer_labels = True  # one error per label image: its levels share the data type
    for number, dataset in enumerate(datasets):
        if not isinstance(dataset, dict):
            continue
        pointer = f"{base}/datasets/{number}"
        _check_transforms(dataset, naxes, group.file, pointer, report)
        folder = _child(path, dataset.get("path"))
        if folder is None:
            report.error(group.file, pointer + "/path", "must be a relative path inside the group")
            continue
        file, doc, problem = _read_array(folder, path, group.zarr_format)
        if doc is None:
            report.error(group.file, pointer + "/path", f"level {dataset['path']!r} {problem}")
            continue
        shape = doc["shape"]
        if naxes is not None and len(shape) != naxes:
            report.error(
                file,
                "shape",
                f"has {len(shape)} dimensions but multiscales/{index} declares {naxes} axes",
            )
        if names is not None:
            _check_dimension_names(file, doc, names, report)
        if report.kind == "label-image" and integer_labels:
            integer_labels = _check_label_dtype(file, doc, report)
        levels.append((file, shape))
    _check_levels_shrink(levels, report)
    if index == 0 and levels:
        _check_omero_channels(group, report, axes, levels[0][1])


def _axis_names(axes: Any) -> list[str] | None:
    """The names of well-formed axes (objects with a string name); None otherwise (the
    schema has said what is wrong)."""
    if not isinstance(axes, list):
        return None
    names = [axis.get("name") if isinstance(axis, dict) else None for axis in axes]
    return names if all(isinstance(name, str) for name in names) else None  # type: ignore[return-value]


def _check_dimension_names(
    file: str, doc: dict[str, Any], names: list[str], report: ValidationReport
) -> None:
    """0.5: each level's zarr.json MUST carry `dimension_names` equal to the axes' names."""
    declared = doc.get("dimension_names")
    expected = json.dumps(names)
    if declared is None:
        report.error(
            file,
            "dimension_names",
            f"dimension_names is missing; OME-NGFF 0.5 requires the axes' names {expected}",
        )
    elif declared != names:
        report.error(
            file,
            "dimension_names",
            f"dimension_names {json.dumps(declared)} differ from the axes' names {expected}",
        )


# The label data types the spec allows (0.5 names them; 0.4: "only integer values").
LABEL_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64")


def _check_label_dtype(file: str, doc: dict[str, Any], report: ValidationReport) -> bool:
    """The pixels of a label image MUST be integers (one of LABEL_DTYPES); False after
    reporting that they are not."""
    key = "dtype" if "dtype" in doc else "data_type"
    dtype = numpy_dtype(doc.get(key))
    if dtype is not None and dtype.kind in "iu" and dtype.itemsize in (1, 2, 4, 8):
        return True
    shown = dtype_name(dtype) if dtype is not None else json.dumps(doc.get(key))
    report.error(
        file,
        key,
        f"a label image holds {shown} pixels; labels must be integers ({', '.join(LABEL_DTYPES)})",
    )
    return False


# --- rules of the spec within one document ---------------------------------------------------

# Axis types in the order the spec requires: time, then channel or custom, then space.
_AXIS_RANK = {"time": 0, "space": 2}


def _check_document(group: Group, report: ValidationReport) -> None:
    """The MUSTs of 0.4 and 0.5 inside the group's own metadata that no schema expresses:
    axes ordered time, channel (or custom), space, with at most one time and one channel or
    custom axis; per transformation list at most one translation, listed after the scale."""
    if report.version not in ("0.4", "0.5") or report.kind not in ("image", "label-image"):
        return
    multiscales = group.ome.get("multiscales")
    for index, multiscale in enumerate(multiscales if isinstance(multiscales, list) else []):
        if not isinstance(multiscale, dict):
            continue
        base = f"{group.prefix}multiscales/{index}"
        _check_axes_order(multiscale.get("axes"), group.file, f"{base}/axes", report)
        _check_transform_order(multiscale, group.file, base, report)
        datasets = multiscale.get("datasets")
        for number, dataset in enumerate(datasets if isinstance(datasets, list) else []):
            if isinstance(dataset, dict):
                _check_transform_order(dataset, group.file, f"{base}/datasets/{number}", report)


def _check_axes_order(axes: Any, file: str, pointer: str, report: ValidationReport) -> None:
    if not isinstance(axes, list) or not all(isinstance(axis, dict) for axis in axes):
        return  # the schema has said what is wrong
    # An axis without a type ("SHOULD contain" one) counts as the spec's "null" type.
    ranks = [_AXIS_RANK.get(axis.get("type"), 1) for axis in axes]  # type: ignore[arg-type]
    described = [f"{axis.get('name')!r} ({axis.get('type') or 'no type'})" for axis in axes]
    if ranks.count(0) > 1:
        report.error(file, pointer, "axes may hold at most one time axis")
    if ranks.count(1) > 1:
        others = ", ".join(d for d, rank in zip(described, ranks, strict=True) if rank == 1)
        report.error(file, pointer, f"axes may hold at most one channel or custom axis: {others}")
    for position in range(1, len(ranks)):
        if ranks[position] < ranks[position - 1]:
            report.error(
                file,
                f"{pointer}/{position}",
                f"axis {described[position]} comes after {described[position - 1]}; axes must "
                "be ordered time, then channel (or custom), then space",
            )
            return


def _check_transform_order(
    holder: dict[str, Any], file: str, pointer: str, report: ValidationReport
) -> None:
    transforms = holder.get("coordinateTransformations")
    if not isinstance(transforms, list):
        return
    types = [t.get("type") if isinstance(t, dict) else None for t in transforms]
    where = f"{pointer}/coordinateTransformations"
    if types.count("translation") > 1:
        report.error(file, where, "at most one translation is allowed")
    if "translation" in types and "scale" in types:
        first = types.index("translation")
        if first < types.index("scale"):
            report.error(
                file,
                f"{where}/{first}",
                "the translation is listed before the scale; it must come after it",
            )


def _check_transforms(
    holder: dict[str, Any], naxes: int | None, file: str, pointer: str, report: ValidationReport
) -> None:
    transforms = holder.get("coordinateTransformations")
    if naxes is None or not isinstance(transforms, list):
        return
    for number, transform in enumerate(transforms):
        if not isinstance(transform, dict):
            continue
        for key in ("scale", "translation"):
            values = transform.get(key)
            if isinstance(values, list) and len(values) != naxes:
                report.error(
                    file,
                    f"{pointer}/coordinateTransformations/{number}/{key}",
                    f"{key} has {len(values)} values but there are {naxes} axes",
                )


def _check_levels_shrink(levels: list[tuple[str, list[int]]], report: ValidationReport) -> None:
    # Each level must be no larger than the one before it in every dimension.
    for (_, previous), (file, shape) in zip(levels, levels[1:], strict=False):
        if len(previous) != len(shape):
            continue  # already reported as a dimensionality error
        grown = [axis for axis, (a, b) in enumerate(zip(previous, shape, strict=True)) if b > a]
        if grown:
            report.error(
                file,
                "shape",
                f"shape {shape} is larger than the previous level's {previous} "
                f"(dimension {', '.join(map(str, grown))}); levels must not grow",
            )
        elif shape == previous:
            report.warn(file, "shape", f"shape {shape} is the same as the previous level's")


def _check_omero_channels(
    group: Group, report: ValidationReport, axes: Any, shape: list[int]
) -> None:
    omero = group.ome.get("omero")
    channels = omero.get("channels") if isinstance(omero, dict) else None
    if not isinstance(channels, list) or not isinstance(axes, list) or len(axes) != len(shape):
        return
    for position, axis in enumerate(axes):
        name = axis.get("name") if isinstance(axis, dict) else axis
        kind = axis.get("type") if isinstance(axis, dict) else None
        if (name == "c" or kind == "channel") and shape[position] != len(channels):
            report.warn(
                group.file,
                group.prefix + "omero/channels",
                f"omero lists {len(channels)} channel(s) but the {name!r} axis has "
                f"{shape[position]}",
            )
            return


def _read_ome(folder: Path, zarr_format: int) -> tuple[str, dict[str, Any] | None, str]:
    """(metadata file name, OME object or None, pointer prefix to it) of the group at
    `folder`: .zattrs up to 0.4, zarr.json's attributes["ome"] in 0.5."""
    name = ".zattrs" if zarr_format == 2 else "zarr.json"
    doc, _ = read_json(folder / name)
    if zarr_format == 3:
        attributes = doc.get("attributes") if isinstance(doc, dict) else None
        doc = attributes.get("ome") if isinstance(attributes, dict) else None
    return (
        name,
        doc if isinstance(doc, dict) else None,
        "attributes/ome/" if zarr_format == 3 else "",
    )


# (number of levels, declared version) of an image or label image.
ImageFacts = tuple[int, str | None]


def _levels_and_version(ome: dict[str, Any]) -> ImageFacts | None:
    """The first multiscale's number of levels and the declared version of an OME object;
    None when it has no usable multiscales."""
    multiscales = ome.get("multiscales")
    first = multiscales[0] if isinstance(multiscales, list) and multiscales else None
    if not isinstance(first, dict) or not isinstance(first.get("datasets"), list):
        return None
    return len(first["datasets"]), _as_version(ome.get("version") or first.get("version"))


def _check_labels_group(
    folder: Path, root: Path, zarr_format: int, report: ValidationReport, image: ImageFacts | None
) -> None:
    """Every label image that a labels group lists must exist as a Zarr group, with as
    many levels as its `image`, (0.5) the same version, and integer pixels."""
    name, doc, prefix = _read_ome(folder, zarr_format)
    file = relative(folder / name, root)
    if doc is None:
        report.warn(file, "", "a labels folder without readable labels metadata")
        return
    if zarr_format == 3 and "version" not in doc:
        # The spec's examples carry it and a version "MUST be consistent within a
        # hierarchy"; no sentence requires it here, so a warning (ome-zarr-py 0.18 omits it).
        report.warn(
            file,
            prefix.rstrip("/"),
            'the labels group declares no "version"; OME-NGFF 0.5 groups carry it in "ome"',
        )
    labels = doc.get("labels")
    if not isinstance(labels, list):
        report.error(file, prefix + "labels", "a labels group must list its label images")
        return
    for number, label in enumerate(labels[:MAX_CHECKED_WELLS]):  # bounded as wells are
        child = _child(folder, label)
        if child is None or not _is_group(child, zarr_format):
            report.error(file, f"{prefix}labels/{number}", f"label image {label!r} is missing")
            continue
        label_name, ome, _ = _read_ome(child, zarr_format)
        facts = _levels_and_version(ome) if ome is not None else None
        if facts is None:
            continue  # validating the label image itself says what is wrong
        _compare_with_image(relative(child / label_name, root), prefix, facts, image, report)
        for dataset in ome["multiscales"][0]["datasets"]:  # type: ignore[index]
            level = _child(child, dataset.get("path")) if isinstance(dataset, dict) else None
            if level is None:
                continue
            array_file, array, _ = _read_array(level, root, zarr_format)
            if array is not None and not _check_label_dtype(array_file, array, report):
                break  # one error per label image: its levels share the data type


def _compare_with_image(
    file: str,
    prefix: str,
    label: ImageFacts,
    image: ImageFacts | None,
    report: ValidationReport,
) -> None:
    """A label image has as many levels as its image and, in 0.5, the same version."""
    if image is None:
        return
    if label[0] != image[0]:
        report.error(
            file,
            f"{prefix}multiscales/0/datasets",
            f"the label image has {label[0]} level(s) but its image has {image[0]}; "
            "they must have the same number",
        )
    versions = (label[1], image[1])
    if report.version == "0.5" and None not in versions and versions[0] != versions[1]:
        report.error(
            file,
            f"{prefix}version",
            f"the label image declares version {label[1]} but its image {image[1]}; the "
            "version must be consistent within a hierarchy",
        )


def _check_against_its_image(path: Path, group: Group, report: ValidationReport) -> None:
    """A label image validated on its own (image/labels/name): as many levels as the image."""
    label = _levels_and_version(group.ome)
    parent = _read_ome(path.parent.parent, group.zarr_format)[1]
    image = _levels_and_version(parent) if parent is not None else None
    if label is not None and image is not None:
        _compare_with_image(group.file, group.prefix, label, image, report)


def _check_plate_layout(group: Group, report: ValidationReport) -> None:
    """Wells that agree with the rows and columns: each path is "row/column" of names the
    plate lists, at its rowIndex and columnIndex, and no two wells share a path. What no
    schema can check; one pass over the wells (a plate may list thousands)."""
    plate = group.ome.get("plate")
    wells = plate.get("wells") if isinstance(plate, dict) else None
    if not isinstance(wells, list):
        return  # the schema has said what is wrong
    base = f"{group.prefix}plate"
    problems = _BoundedProblems(report, group.file, f"{base}/wells")
    rows, columns = _names(plate.get("rows")), _names(plate.get("columns"))
    row_set, column_set = set(rows or ()), set(columns or ())
    first_of_path: dict[str, int] = {}
    for number, well in enumerate(wells):
        if not isinstance(well, dict):
            continue
        pointer = f"{base}/wells/{number}"
        path = well.get("path")
        named: list[str | None] = [None, None]  # not "row/column": the schema's pattern says so
        if isinstance(path, str):
            first = first_of_path.setdefault(path, number)
            # Two identical entries are the schema's uniqueItems error already.
            if first != number and well != wells[first]:
                problems.add(f"{pointer}/path", f"well {path!r} is also wells/{first}")
            if path.count("/") == 1:
                named = list(path.split("/"))
        for what, key, names, known, name in (
            ("row", "rowIndex", rows, row_set, named[0]),
            ("column", "columnIndex", columns, column_set, named[1]),
        ):
            found = _well_place_problem(what, key, names, known, well.get(key), name, path)
            if found is not None:
                problems.add(f"{pointer}/{found[0]}", found[1])
    problems.finish()


def _well_place_problem(
    what: str,
    key: str,
    names: list[str] | None,
    known: set[str],
    index: Any,
    name: str | None,
    path: Any,
) -> tuple[str, str] | None:
    """(key, message) when a well's `key` (rowIndex) or the `what` (row) its path names is
    not among the plate's `names` of rows (`known` as a set), or when the two disagree."""
    if names is None:
        return None  # the schema has said what is wrong with the list
    valid_index = isinstance(index, int) and not isinstance(index, bool)
    if valid_index and not 0 <= index < len(names):
        return key, f"{key} {index} is not a {what} of the plate, which has {len(names)}"
    if name is None:
        return None
    if name not in known:
        return "path", f"{what} {name!r} of the path {path!r} is not in {what}s"
    if valid_index and names[index] != name:
        return key, f"{key} {index} is {what} {names[index]!r}; the path {path!r} is in {name!r}"
    return None


def _names(entries: Any) -> list[str] | None:
    """The names of a plate's rows (or columns), in order; None for a malformed list."""
    if not isinstance(entries, list):
        return None
    names = [entry.get("name") if isinstance(entry, dict) else None for entry in entries]
    return names if all(isinstance(name, str) for name in names) else None


class _BoundedProblems:
    """Structural errors at one place of a document, at most MAX_SCHEMA_ERRORS of them,
    then one that counts the rest (a plate of thousands of bad wells)."""

    def __init__(self, report: ValidationReport, file: str, pointer: str) -> None:
        self.report, self.file, self.pointer = report, file, pointer
        self.count = 0

    def add(self, pointer: str, message: str) -> None:
        self.count += 1
        if self.count <= MAX_SCHEMA_ERRORS:
            self.report.error(self.file, pointer, message)

    def finish(self) -> None:
        if self.count > MAX_SCHEMA_ERRORS:
            more = self.count - MAX_SCHEMA_ERRORS
            self.report.error(self.file, self.pointer, f"... and {more} more such errors")


def _check_listed_groups(
    path: Path, group: Group, report: ValidationReport, key: str, member: str, what: str
) -> None:
    """The groups a plate lists as wells (or a well as images) must exist; bounded."""
    holder = group.ome.get(key)
    entries = holder.get(member) if isinstance(holder, dict) else None
    if not isinstance(entries, list):
        return  # the schema has said what is wrong
    for number, entry in enumerate(entries[:MAX_CHECKED_WELLS]):
        if not isinstance(entry, dict):
            continue
        child = _child(path, entry.get("path"))
        if child is None or not _is_group(child, group.zarr_format):
            report.error(
                group.file,
                f"{group.prefix}{key}/{member}/{number}/path",
                f"{what} {entry.get('path')!r} is listed but missing",
            )
    if len(entries) > MAX_CHECKED_WELLS:
        report.warn(
            group.file,
            f"{group.prefix}{key}/{member}",
            f"checked that the first {MAX_CHECKED_WELLS} of {len(entries)} {member} exist",
        )


def _is_group(folder: Path, zarr_format: int) -> bool:
    names = (".zgroup", ".zattrs") if zarr_format == 2 else ("zarr.json",)
    return any((folder / name).is_file() for name in names)
