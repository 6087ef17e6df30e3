"""Kind detection: what an entry is (Zarr, OME-Zarr, N5, TIFF...), from its name and metadata.

A listing page asks for the kind of up to thousands of entries, so detection never reads
chunks or pixels and never lists a whole directory: it probes a handful of well-known
metadata file names, reads at most one small JSON document (or, for a confirmed TIFF, its
header and first IFD), reads at most `series.SAMPLE_NAMES` names of a plain folder (a folder
of numbered TIFF planes is a "tiff-series") and never raises. Whatever goes wrong becomes
`KindInfo.problem`, so the browser can still show the entry, with a warning.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..system.confined_io import ANYWHERE, Within, open_file
from .jsonio import MAX_METADATA_BYTES, MetadataError, parse_document, read_raw

KINDS = (
    "directory",
    "file",
    "zarr-array",
    "zarr-group",
    "ome-zarr",
    "ome-zarr-plate",
    "ome-zarr-well",
    "ome-zarr-labels",
    "bioformats2raw",
    "n5-array",
    "n5-group",
    "tiff",
    "ome-tiff",
    "tiff-series",
)

__all__ = [
    "KINDS",
    "MAX_METADATA_BYTES",
    "PREVIEWABLE_KINDS",
    "KindInfo",
    "TIFF_MAGICS",
    "detect_kind",
]

# The kinds the thumbnail renderer draws (an image pyramid, a plain array, a TIFF): the
# listing says so per entry, so that the browser does not keep its own copy of this list.
PREVIEWABLE_KINDS = frozenset(
    (
        "ome-zarr",
        "ome-zarr-labels",
        "bioformats2raw",
        "zarr-array",
        "n5-array",
        "n5-group",
        "tiff",
        "ome-tiff",
    )
)

OME_TIFF_SUFFIXES = (".ome.tif", ".ome.tiff", ".ome.btf")
TIFF_SUFFIXES = (".tif", ".tiff", ".btf", ".tf8")
# Classic TIFF and BigTIFF, little- and big-endian.
TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")

# OME-NGFF keys that make a group an image, checked in this order: the spec says a
# bioformats2raw root that also has "plate" is a plate.
_OME_KIND_BY_KEY = (
    ("multiscales", "ome-zarr"),
    ("plate", "ome-zarr-plate"),
    ("well", "ome-zarr-well"),
    ("bioformats2raw.layout", "bioformats2raw"),
)
_NODE_TYPE_ARRAY = re.compile(rb'"node_type"\s*:\s*"array"')


@dataclass(frozen=True)
class KindInfo:
    """The detected kind of one entry. `problem` is a human sentence, or None when all is well.

    `zarr_format` is 2 or 3 for the Zarr-based kinds, `ome_version` the OME-NGFF version
    string ("0.1".."0.5") when the metadata declares one.
    """

    kind: str
    zarr_format: int | None = None
    ome_version: str | None = None
    problem: str | None = None

    @property
    def previewable(self) -> bool:
        """Whether `GET thumbnail` can draw this kind of entry."""
        return self.kind in PREVIEWABLE_KINDS

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "zarr_format": self.zarr_format,
            "ome_version": self.ome_version,
            "problem": self.problem,
        }


def detect_kind(
    path: Path, *, is_dir: bool, confirm: bool = False, within: Within = ANYWHERE
) -> KindInfo:
    """The kind of the entry at `path`; never raises.

    `is_dir` comes from the caller's scandir entry, saving a stat. Directories are told
    apart by their metadata files; files by their suffix. `confirm=True` (the one entry a
    user selected) also checks content: a TIFF's magic bytes and OME-XML, and whether a
    directory can be entered at all. Symlinks are followed: check that an entry stays
    inside its root (`RootRegistry.is_inside`) before asking for its kind. The files read
    must be regular files inside `within` (`confined_io`): a FIFO named like metadata, or
    a metadata file symlinked out of the roots, is a problem, never read.
    """
    if is_dir:
        return _detect_directory(os.fspath(path), confirm=confirm, within=within)
    return _detect_file(os.fspath(path), confirm=confirm, within=within)


# --- directories ----------------------------------------------------------------------------


class _Metadata:
    """One metadata document as read from disk: parsed JSON, or the reason it is unusable."""

    def __init__(self, name: str, raw: bytes | None, problem: str | None) -> None:
        self.name = name
        self.raw = raw or b""
        self.problem = problem
        self.doc: dict[str, Any] = {}
        if problem is None:
            self._parse()

    def _parse(self) -> None:
        try:
            self.doc = parse_document(self.raw, self.name)
        except MetadataError as err:
            self.problem = err.message


def _detect_directory(dirpath: str, *, confirm: bool, within: Within) -> KindInfo:
    # os.access(F_OK) answers "is it there" without raising, the cheapest probe for the
    # common case of a plain folder (five misses, no exception objects).
    for name, classify in _DIRECTORY_PROBES:
        meta_path = os.path.join(dirpath, name)
        if os.access(meta_path, os.F_OK):
            meta = _read_metadata(meta_path, name, within)
            if meta is not None:
                return classify(meta)
    if confirm and not os.access(dirpath, os.R_OK | os.X_OK):
        # Probes in a folder we cannot enter all miss; say so for the selected entry.
        return KindInfo("directory", problem="cannot read this folder: permission denied")
    from .series import looks_like_series  # it builds on this module

    if looks_like_series(dirpath):  # a bounded sample of names, nothing stat-ed or read
        return KindInfo("tiff-series")
    return KindInfo("directory")


def _read_metadata(meta_path: str, name: str, within: Within) -> _Metadata | None:
    """Read one metadata file, bounded; None when it is not a readable regular file after all."""
    try:
        raw = read_raw(meta_path, within, name=name)
    except MetadataError as err:  # too large, unreadable, a FIFO, a symlink out of the roots
        if err.reason == "folder":
            return None  # a folder that happens to bear the name
        return _Metadata(name, None, err.message)
    if raw is None:
        return None  # removed meanwhile
    return _Metadata(name, raw, None)


def _classify_zarr_v3(meta: _Metadata) -> KindInfo:
    node_type = meta.doc.get("node_type")
    if meta.problem is not None:
        # Unparseable, but the name says Zarr v3; a cheap look at the bytes tells arrays apart.
        kind = "zarr-array" if _NODE_TYPE_ARRAY.search(meta.raw) else "zarr-group"
        return KindInfo(kind, zarr_format=3, problem=meta.problem)
    if node_type == "array":
        return KindInfo("zarr-array", zarr_format=3)
    if node_type == "group":
        problem = None
    elif node_type is None:
        problem = "zarr.json has no node_type"
    else:
        problem = f"zarr.json has an unknown node_type {node_type!r}"
    attributes = meta.doc.get("attributes")
    ome = attributes.get("ome") if isinstance(attributes, dict) else None
    if isinstance(ome, dict):
        kind = _ome_kind(ome)
        if kind is not None:
            return KindInfo(kind, zarr_format=3, ome_version=_version(ome.get("version")))
    return KindInfo("zarr-group", zarr_format=3, problem=problem)


def _classify_zarr_v2_array(meta: _Metadata) -> KindInfo:
    return KindInfo("zarr-array", zarr_format=2, problem=meta.problem)


def _classify_zarr_v2_attrs(meta: _Metadata) -> KindInfo:
    kind = _ome_kind(meta.doc)
    if kind is None:
        return KindInfo("zarr-group", zarr_format=2, problem=meta.problem)
    return KindInfo(kind, zarr_format=2, ome_version=_v2_ome_version(meta.doc, kind))


def _classify_zarr_v2_group(meta: _Metadata) -> KindInfo:
    # Only reached without .zattrs: the group document itself carries nothing to classify.
    return KindInfo("zarr-group", zarr_format=2, problem=meta.problem)


def _classify_n5(meta: _Metadata) -> KindInfo:
    if "dimensions" in meta.doc and "dataType" in meta.doc:
        return KindInfo("n5-array")
    return KindInfo("n5-group", problem=meta.problem)


# Probe order: Zarr v3 first (the newest), a v2 array before its optional .zattrs, and
# .zattrs before .zgroup because the attributes are what tell OME-Zarr apart.
_DIRECTORY_PROBES: tuple[tuple[str, Callable[[_Metadata], KindInfo]], ...] = (
    ("zarr.json", _classify_zarr_v3),
    (".zarray", _classify_zarr_v2_array),
    (".zattrs", _classify_zarr_v2_attrs),
    (".zgroup", _classify_zarr_v2_group),
    ("attributes.json", _classify_n5),
)


def _ome_kind(attrs: dict[str, Any]) -> str | None:
    """The OME-NGFF kind that these group attributes declare, or None for a plain group."""
    for key, kind in _OME_KIND_BY_KEY:
        if key in attrs:
            return kind
    # A labels group lists its label images and is not an image itself.
    if isinstance(attrs.get("labels"), list):
        return "ome-zarr-labels"
    return None


def _v2_ome_version(attrs: dict[str, Any], kind: str) -> str | None:
    """OME-NGFF <= 0.4 keeps the version inside the object that declares the kind."""
    inner: Any = None
    if kind == "ome-zarr":
        multiscales = attrs.get("multiscales")
        if isinstance(multiscales, list) and multiscales:
            inner = multiscales[0]
    elif kind in ("ome-zarr-plate", "ome-zarr-well"):
        inner = attrs.get(kind.removeprefix("ome-zarr-"))
    version = inner.get("version") if isinstance(inner, dict) else None
    return _version(version if version is not None else attrs.get("version"))


def _version(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # some writers store 0.4 as a number
    return None


# --- files ----------------------------------------------------------------------------------


def _detect_file(filepath: str, *, confirm: bool, within: Within) -> KindInfo:
    name = os.path.basename(filepath).lower()
    if name.endswith(OME_TIFF_SUFFIXES):
        kind = "ome-tiff"
    elif name.endswith(TIFF_SUFFIXES):
        kind = "tiff"
    else:
        return KindInfo("file")
    if not confirm:
        return KindInfo(kind)
    return _confirm_tiff(filepath, kind, suffix=_matching_suffix(name), within=within)


def _matching_suffix(name: str) -> str:
    for suffix in OME_TIFF_SUFFIXES + TIFF_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return os.path.splitext(name)[1]


def _confirm_tiff(filepath: str, kind: str, *, suffix: str, within: Within) -> KindInfo:
    """Check the magic bytes, then ask tifffile (header and first IFD only) about OME-XML."""
    try:
        handle = open_file(filepath, within)
    except OSError as err:
        return KindInfo(kind, problem=f"cannot read this file: {err.strerror or _short(err)}")
    with handle:
        return _confirm_open_tiff(handle, os.path.basename(filepath), kind, suffix)


def _confirm_open_tiff(handle: BinaryIO, name: str, kind: str, suffix: str) -> KindInfo:
    try:
        magic = handle.read(4)
    except OSError as err:
        return KindInfo(kind, problem=f"cannot read this file: {err.strerror or _short(err)}")
    if magic not in TIFF_MAGICS:
        return KindInfo("file", problem=f"named {suffix} but not a TIFF file")
    try:
        handle.seek(0)
        is_ome = _first_page_is_ome(handle, name)
    except struct.error:  # tifffile unpacking a header or IFD that the file cuts off
        return KindInfo(kind, problem="damaged TIFF file: truncated")
    except Exception as err:  # tifffile raises many types on corrupt files; never fail a listing
        return KindInfo(kind, problem=f"damaged TIFF file: {_short(err)}")
    if is_ome:
        return KindInfo("ome-tiff")
    if kind == "ome-tiff":
        return KindInfo("tiff", problem=f"named {suffix} but has no OME-XML metadata")
    return KindInfo("tiff")


def tiff_from_handle(handle: BinaryIO, name: str) -> Any:
    """A `tifffile.TiffFile` that reads the file open as `handle` (see `confined_io`) and no
    other: a multi-file OME-TIFF is read as this file alone, since its other files would
    be opened by name, unchecked. `name` (a base name) is how tifffile names it."""
    import tifffile

    return tifffile.TiffFile(handle, name=name, _multifile=False)


def _first_page_is_ome(handle: BinaryIO, name: str) -> bool:
    """Whether the first page holds OME-XML; ValueError when the file is cut short.

    tifffile reads only the header and the first IFD here (plus the offset of the next one);
    it logs, rather than raises, some damage further on, which is not ours to judge.
    """
    with tiff_from_handle(handle, name) as tif:
        if not tif.pages:
            raise ValueError("no image in the file")
        page = tif.pages.first
        pieces = zip(page.dataoffsets, page.databytecounts, strict=False)
        ends = [offset + count for offset, count in pieces]
        if ends and max(ends) > tif.filehandle.size:
            raise ValueError("truncated: the first image ends past the end of the file")
        return bool(tif.is_ome)


def _short(err: BaseException, limit: int = 160) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
