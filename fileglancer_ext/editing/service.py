"""Editing an OME-Zarr image's metadata in place: preview, write, undo, auto contrast.

`edit_metadata` reads the image through the dataset model (`formats.model`), applies the
requested OME fields (`editing.fields`) to the raw group document, validates the dataset as
it would be (the official schema of its version and the structural checks), and only then
writes every touched document at once (`editing.documents`). The ETag is a hash of the
group document's bytes: a client that read an older version gets 412, not a silent overwrite.

Undo: the previous bytes of every document an edit replaced are kept beside the group
document, in `.fileglancer-undo.json`, written in the same all-or-nothing step as the edit.
Beside the data rather than in the server's database because the CLI edits without a
server, because whoever may write the dataset may undo its edit, and because the record
goes wherever the dataset is moved; it holds only metadata the folder held anyway. One
level: an undo restores the bytes exactly and removes the record; an undo after the
document changed otherwise (another tool, another edit) is refused.

The REST handlers (`editing.handlers`) and the CLI (`fileglancer-ext edit`) call these.
"""

from __future__ import annotations

import base64
import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import (
    BadRequest,
    Conflict,
    FileglancerError,
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
)
from ..formats.jsonio import MetadataError, MetadataReader, parse_document, read_raw
from ..formats.model import NgffImage, read_ome
from ..formats.validate import validate_dataset
from ..roots import RootRegistry
from ..system.confined_io import ANYWHERE, Within
from . import documents as docs
from .contrast import channel_windows
from .fields import (
    InvalidValue,
    apply_axes,
    apply_channels,
    apply_geometry,
    check_request,
    diff,
    editable_view,
)

MAX_UNDO_BYTES = 64 * 2**20


@dataclass(frozen=True)
class EditTarget:
    """An image group to edit: its real `folder`, where reads may lead (`within`), and the
    folder above which no consolidated metadata is looked for (`top`, the root)."""

    folder: Path
    within: Within = ANYWHERE
    top: Path | None = None


@dataclass
class EditResult:
    editable: dict[str, Any]
    changes: list[dict[str, Any]]
    etag: str
    written: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "editable": self.editable,
            "changes": self.changes,
            "etag": self.etag,
            "written": self.written,
        }


@dataclass
class _Current:
    """The image as it is on disk now."""

    doc_path: Path
    raw: bytes
    doc: dict[str, Any]
    ome: dict[str, Any]  # inside `doc`
    zarr_format: int
    image: NgffImage
    consolidated: list[Path] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return docs.etag_of(self.raw)


def _read(target: EditTarget) -> _Current:
    folder = target.folder
    if not folder.is_dir():
        raise BadRequest("Not an OME-Zarr image: this is a file, not a Zarr group.")
    v3 = (folder / "zarr.json").exists()
    doc_path = folder / ("zarr.json" if v3 else ".zattrs")
    raw = docs.read_document_bytes(doc_path, target.within, doc_path.name)
    if raw is None:
        raise BadRequest("Not an OME-Zarr image: there is no zarr.json or .zattrs here.")
    doc = parse_document(raw, doc_path.name)
    ome: Any = doc
    if v3:
        if doc.get("node_type") != "group":
            raise BadRequest("Not an OME-Zarr image: this is an array, not a group.")
        attributes = doc.get("attributes")
        ome = attributes.get("ome") if isinstance(attributes, dict) else None
    multiscales = ome.get("multiscales") if isinstance(ome, dict) else None
    if not isinstance(multiscales, list) or not multiscales or not isinstance(multiscales[0], dict):
        raise BadRequest(
            "Not an OME-Zarr image (no multiscales here): open one of its images to edit it."
        )
    reader = MetadataReader(folder, target.within)
    image = read_ome(reader, folder, ome).image
    if image is None or not image.levels:
        raise BadRequest("This OME-Zarr image has no levels to edit.")
    current = _Current(doc_path, raw, doc, ome, 3 if v3 else 2, image)
    current.consolidated = _consolidated_documents(target, current.zarr_format)
    return current


def _consolidated_documents(target: EditTarget, zarr_format: int) -> list[Path]:
    found = []
    for folder in docs.ancestors(target.folder, target.top):
        if zarr_format == 2 and (folder / ".zmetadata").is_file():
            found.append(folder / ".zmetadata")
        elif zarr_format == 3 and (folder / "zarr.json").is_file():
            raw = docs.read_document_bytes(folder / "zarr.json", target.within, "zarr.json")
            try:
                doc = parse_document(raw or b"{}", "zarr.json")
            except MetadataError:
                continue
            if isinstance(doc.get("consolidated_metadata"), dict):
                found.append(folder / "zarr.json")
    return found


def _lock_folder(target: EditTarget) -> Path:
    """The top-most group an edit may touch: edits of two images of one plate take turns."""
    return list(docs.ancestors(target.folder, target.top))[-1]


def _check_if_match(current: _Current, if_match: str | None, *, required: bool) -> None:
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "Say which version you edit: send If-Match with the ETag you read."
            )
        return
    tags = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
    if "*" not in tags and current.etag not in tags:
        raise PreconditionFailed(
            "The metadata changed since you read it: reload it and make your change again."
        )


def _undo_path(target: EditTarget) -> Path:
    return target.folder / docs.UNDO_FILE


def _read_undo(target: EditTarget) -> dict[str, Any] | None:
    try:
        raw = read_raw(_undo_path(target), target.within, limit=MAX_UNDO_BYTES)
        record = parse_document(raw, docs.UNDO_FILE) if raw is not None else None
    except MetadataError:
        return None
    if not record or not isinstance(record.get("documents"), dict):
        return None
    return record


def _writable_reason(target: EditTarget, current: _Current) -> str | None:
    folders = [target.folder, *(p.parent for p in current.consolidated)]
    return docs.writable_reason(folders)


def editable(target: EditTarget) -> dict[str, Any]:
    """The editable fields of the image at `target` (`fields.editable_view`) with `etag`,
    `writable` (and `reason_not_writable`) and `can_undo`."""
    current = _read(target)
    view = editable_view(current.image)
    record = _read_undo(target)
    reason = _writable_reason(target, current)
    view.update(
        etag=current.etag,
        writable=reason is None,
        can_undo=record is not None and record.get("etag") == current.etag,
    )
    if reason is not None:
        view["reason_not_writable"] = reason
    return view


def auto_contrast(target: EditTarget, channels: Any = True) -> dict[str, Any]:
    """Windows computed from the data (`contrast.channel_windows`), nothing written."""
    current = _read(target)
    windows = channel_windows(target.folder, current.image, target.within, channels)
    return {
        "level": current.image.levels[-1].path,
        "channels": [{"index": index, "window": w} for index, w in windows.items()],
    }


def edit_metadata(
    target: EditTarget, changes: dict[str, Any], if_match: str | None, dry_run: bool = False
) -> EditResult:
    """Apply `changes` (the PATCH body's OME fields) to the image at `target`.

    Returns the new editable view, the changes field by field and the new ETag; with
    `dry_run` nothing is written (the preview). Raises PreconditionRequired without
    `if_match` (unless a dry run), PreconditionFailed when it is not the current ETag,
    InvalidValue naming a field, Forbidden when the folder is not writable and OutOfSpace
    when the disk is full (the old metadata is then intact).
    """
    if not isinstance(changes, dict):
        raise BadRequest("The changes must be a JSON object.")
    check_request(changes)
    with docs.locked(_lock_folder(target)):
        current = _read(target)
        _check_if_match(current, if_match, required=not dry_run)
        new_ome = copy.deepcopy(current.ome)
        renamed = _apply(target, current, new_ome, changes)
        documents = _new_documents(target, current, new_ome, renamed)
        new_image = read_ome(MetadataReader(target.folder, target.within), target.folder, new_ome)
        old_view = editable_view(current.image)
        new_view = editable_view(new_image.image or current.image)
        found = diff(old_view, new_view)
        if not found or current.raw == documents[current.doc_path]:
            return _result(target, current, current.raw, old_view, [], written=False)
        _validate(target, current, documents)
        new_raw = documents[current.doc_path]
        if dry_run:
            return _result(target, current, new_raw, new_view, found, written=False)
        _refuse_unwritable(target, current)
        previous = {path: _old_bytes(target, current, path) for path in documents}
        record = {
            "format": 1,
            "etag": docs.etag_of(new_raw),
            "documents": {
                os.path.relpath(path, target.folder): base64.b64encode(raw).decode()
                for path, raw in previous.items()
            },
        }
        documents[_undo_path(target)] = json.dumps(record).encode()
        docs.replace_documents(documents, target.within)
        _forget_cached(target)
        return _result(target, current, new_raw, new_view, found, written=True)


def undo(target: EditTarget, if_match: str | None) -> EditResult:
    """Restore the bytes every document had before the last edit, exactly.

    Raises Conflict when there is nothing to undo, or when the metadata changed since that
    edit (another tool or edit: undoing would lose that change); PreconditionRequired /
    PreconditionFailed as `edit_metadata`.
    """
    with docs.locked(_lock_folder(target)):
        current = _read(target)
        _check_if_match(current, if_match, required=True)
        record = _read_undo(target)
        if record is None:
            raise Conflict("There is no edit to undo.")
        if record.get("etag") != current.etag:
            raise Conflict("The metadata changed since the last edit: there is nothing to undo.")
        allowed = _touchable(target, current)
        documents: dict[Path, bytes] = {}
        for rel, encoded in record["documents"].items():
            path = Path(os.path.normpath(target.folder / str(rel)))
            if path not in allowed or not isinstance(encoded, str):
                raise Conflict("The undo record names a file an edit never changes; not undone.")
            documents[path] = base64.b64decode(encoded)
        if current.doc_path not in documents:
            raise Conflict("The undo record does not hold the image's metadata; not undone.")
        _refuse_unwritable(target, current)
        old_view = editable_view(current.image)
        docs.replace_documents(documents, target.within)
        try:
            os.unlink(_undo_path(target))
        except OSError:
            pass  # its etag no longer matches: it will not be offered again
        _forget_cached(target)
        restored = _read(target)
        new_view = editable_view(restored.image)
        found = diff(old_view, new_view)
        return _result(target, restored, restored.raw, new_view, found, written=True)


# --- helpers ----------------------------------------------------------------------------------


def _apply(
    target: EditTarget, current: _Current, ome: dict[str, Any], changes: dict[str, Any]
) -> list[str] | None:
    image = current.image
    ms = ome["multiscales"][0]
    if "name" in changes:
        name = changes["name"]
        if not isinstance(name, str) or len(name) > 500:
            raise InvalidValue("name", "name must be a text of at most 500 characters.")
        ms["name"] = name
    renamed = apply_axes(ms, image, changes["axes"]) if "axes" in changes else None
    if {"pixel_sizes", "translation", "time_spacing"} & set(changes):
        apply_geometry(ms, image, changes)
    auto: dict[int, dict[str, float]] = {}
    if changes.get("auto_contrast") not in (None, False):
        auto = channel_windows(target.folder, image, target.within, changes["auto_contrast"])
    if "channels" in changes or auto:
        apply_channels(ome, image, changes.get("channels", []), auto)
    return renamed


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, indent=2).encode()


def _new_documents(
    target: EditTarget, current: _Current, new_ome: dict[str, Any], renamed: list[str] | None
) -> dict[Path, bytes]:
    """Every document's new bytes: the group's, its levels' (0.5 axis names), and the
    consolidated metadata that repeats them."""
    parsed: dict[Path, dict[str, Any]] = {}
    doc = copy.deepcopy(current.doc)
    if current.zarr_format == 3:
        doc["attributes"]["ome"] = new_ome
    else:
        doc = new_ome
    parsed[current.doc_path] = doc
    if renamed is not None and current.zarr_format == 3:
        for level in current.image.levels:
            path = target.folder / level.path / "zarr.json"
            raw = docs.read_document_bytes(path, target.within, f"{level.path}/zarr.json")
            if raw is None:
                continue
            level_doc = parse_document(raw, f"{level.path}/zarr.json")
            level_doc["dimension_names"] = list(renamed)
            parsed[path] = level_doc
    for consolidated in current.consolidated:
        if consolidated in parsed:
            whole = parsed[consolidated]
        else:
            raw = docs.read_document_bytes(consolidated, target.within, consolidated.name)
            whole = parse_document(raw or b"{}", consolidated.name)
        base = consolidated.parent
        if _update_consolidated(whole, base, parsed, current.zarr_format):
            parsed[consolidated] = whole
    return {path: _dump(value) for path, value in parsed.items()}


def _update_consolidated(
    whole: dict[str, Any], base: Path, parsed: dict[Path, dict[str, Any]], zarr_format: int
) -> bool:
    """Copy the changed documents into the consolidated metadata `whole` (of the group at
    `base`) where it lists them; whether anything changed."""
    changed = False
    if zarr_format == 2:
        entries = whole.get("metadata")
        for path, value in parsed.items():
            key = os.path.relpath(path, base)
            if isinstance(entries, dict) and key in entries:
                entries[key] = value
                changed = True
        return changed
    entries = (whole.get("consolidated_metadata") or {}).get("metadata")
    for path, value in parsed.items():
        key = os.path.relpath(path.parent, base)
        entry = entries.get(key) if isinstance(entries, dict) else None
        if not isinstance(entry, dict) or path.name != "zarr.json":
            continue
        for name in ("attributes", "dimension_names"):
            if name in value and entry.get(name) != value[name]:
                entry[name] = copy.deepcopy(value[name])
                changed = True
    return changed


def _touchable(target: EditTarget, current: _Current) -> set[Path]:
    """The documents an edit of this image may replace (what an undo may restore)."""
    paths = {current.doc_path, *current.consolidated}
    if current.zarr_format == 3:
        paths.update(target.folder / level.path / "zarr.json" for level in current.image.levels)
    return {Path(os.path.normpath(p)) for p in paths}


def _old_bytes(target: EditTarget, current: _Current, path: Path) -> bytes:
    if path == current.doc_path:
        return current.raw
    raw = docs.read_document_bytes(path, target.within, path.name)
    return raw if raw is not None else b""


def _validate(target: EditTarget, current: _Current, documents: dict[Path, bytes]) -> None:
    """Refuse an edit that makes the dataset less valid than it was."""
    before = validate_dataset(target.folder, within=target.within)
    after = validate_dataset(target.folder, within=target.within, documents=documents)
    known = {(p.file, p.pointer, p.message) for p in before.errors}
    new = [p for p in after.errors if (p.file, p.pointer, p.message) not in known]
    if new:
        problem = new[0]
        raise InvalidValue(
            _field_of(problem.pointer),
            f"The result would not be valid OME-NGFF {after.version}: {problem.message}",
        )


def _field_of(pointer: str) -> str:
    """The request field a validation problem is about, from its place in the document."""
    parts = pointer.removeprefix("attributes/").removeprefix("ome/").split("/")
    if "axes" in parts:
        at = parts.index("axes")
        rest = parts[at + 1 : at + 3]
        return "axes" + (f"[{rest[0]}]" if rest else "") + (f".{rest[1]}" if len(rest) > 1 else "")
    if "channels" in parts:
        at = parts.index("channels")
        rest = parts[at + 1 : at + 3]
        return (
            "channels" + (f"[{rest[0]}]" if rest else "") + (f".{rest[1]}" if len(rest) > 1 else "")
        )
    if "translation" in parts:
        return "translation"
    if "coordinateTransformations" in parts or "scale" in parts:
        return "pixel_sizes"
    if "name" in parts:
        return "name"
    return "metadata"


def _refuse_unwritable(target: EditTarget, current: _Current) -> None:
    reason = _writable_reason(target, current)
    if reason is not None:
        raise Forbidden(reason)


def _forget_cached(target: EditTarget) -> None:
    """Previews are cached by the documents' mtimes, which a quick second edit may share."""
    from ..inspection.thumbnails.core import clear_thumbnail_cache

    clear_thumbnail_cache()


def _result(
    target: EditTarget,
    current: _Current,
    raw: bytes,
    view: dict[str, Any],
    found: list[dict[str, Any]],
    *,
    written: bool,
) -> EditResult:
    etag = docs.etag_of(raw)
    record = _read_undo(target)
    reason = _writable_reason(target, current)
    view = {**view, "etag": etag, "writable": reason is None}
    view["can_undo"] = record is not None and record.get("etag") == etag
    if reason is not None:
        view["reason_not_writable"] = reason
    return EditResult(view, found, etag, written)


class MetadataEditor:
    """The editing functions for a user's (root, path), confined like every other reader:
    the path through `RootRegistry.resolve`, reads within the root, consolidated metadata
    looked for no higher than the root."""

    def __init__(self, registry: RootRegistry) -> None:
        self.registry = registry

    def target(self, root: str, path: str) -> EditTarget:
        location = self.registry.resolve(root, path)
        top = Path(os.path.realpath(self.registry.get(root).path))
        return EditTarget(location.real, self.registry.within(root), top)

    def editable(self, root: str, path: str) -> dict[str, Any]:
        return editable(self.target(root, path))

    def editable_or_none(self, root: str, path: str) -> dict[str, Any] | None:
        """`editable` for an OME-Zarr image; None for anything else (or unreadable)."""
        try:
            return editable(self.target(root, path))
        except (FileglancerError, OSError):  # the inspector answers without it
            return None

    def edit(
        self, root: str, path: str, changes: dict[str, Any], if_match: str | None
    ) -> EditResult:
        changes = dict(changes)
        dry_run = changes.pop("dry_run", False)
        if not isinstance(dry_run, bool):
            raise InvalidValue("dry_run", "dry_run must be true or false.")
        return edit_metadata(self.target(root, path), changes, if_match, dry_run)

    def undo(self, root: str, path: str, if_match: str | None) -> EditResult:
        return undo(self.target(root, path), if_match)

    def auto_contrast(self, root: str, path: str) -> dict[str, Any]:
        return auto_contrast(self.target(root, path))
