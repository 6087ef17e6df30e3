"""The inspector's metadata summary of one path: Zarr v2/v3, OME-NGFF 0.1-0.5 and N5.

`summarize(path)` reads metadata documents only (each bounded by `MAX_METADATA_BYTES`; the
bioformats2raw OME-XML by 50 MiB), never chunks, and returns a JSON-ready dict::

    {
      "kind": "ome-zarr",            # detect_kind's kind
      "zarr_format": 2 | 3 | None,
      "ome_version": "0.4" | None,
      "array": ARRAY | None,         # Zarr arrays (zarr_meta.array_v2 / array_v3)
      "group": {"members": [{"name", "kind", "shape", "dtype"}], "members_total",
                "members_offset", "members_truncated", "consolidated"} | None,
      "ome": OME | None,             # ome.ome_summary: multiscales (axes, datasets with
                                     # shape/chunks/dtype/pixel_size), omero, labels,
                                     # image_label, plate, well, bioformats2raw
      "n5": {"dataset": ..., "group": ...} | None,
      "tiff": TIFF | None,           # formats.tiff.tiff_summary, for tiff / ome-tiff files
      "series": SERIES | None,       # formats.series.series_json, for a tiff-series folder
      "raw": {"<file relative to path>": <parsed JSON, or None when unparseable>},
      "problems": [{"file": "<relative file>" | "." | None, "message": str}],
    }

"raw" holds the summarized node's own documents and those of its pyramid levels and labels
(group members' documents are summarized, not copied). A problem's "file" is relative to
`path`, "." meaning the folder itself. Relative paths taken from metadata (levels, labels)
that are absolute, contain ".." or lead out through a symlink are refused with a problem:
metadata never makes this module read files outside `path`.

Each section is rendered from the dataset model (`formats.model`: ZarrArray, OmeGroup /
NgffImage, N5Dataset / N5Group, TiffSeries), read once per request.

ARRAY has: zarr_format, shape, data_type (as stored), dtype (the plain name, "uint16"),
byte_order ("little" / "big", None for one byte), dtype_code (numpy's, "<u2"), itemsize,
chunk_shape (inner chunks when sharded), shard_shape, chunks_per_shard, codecs ([{name,
configuration}]; for v2 the filters then the compressor), compressor and filters (v2, as
stored), fill_value, order (v2), chunk_key_encoding, dimension_separator, dimension_names
(v2: xarray's _ARRAY_DIMENSIONS), attributes, chunks_expected (chunk files, or shard files
when sharded) and logical_bytes (prod(shape) * itemsize).

TIFF and OME-TIFF files (kinds "tiff" / "ome-tiff", confirmed by their magic bytes) get a
"tiff" section (`formats.tiff.tiff_summary`: series, levels, tiling, compression, pixel
sizes, channels), read from IFDs and descriptions only; "tiff" is None for other kinds.
A folder of numbered TIFF planes (kind "tiff-series") gets a "series" section: the pattern
(guessed from the names), axes and sizes, the first plane's shape and type, the file count.

Bad metadata never raises: each unreadable, oversized or malformed file becomes a problem
and the rest is still summarized.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import BadRequest, NotFound
from ..system.confined_io import ANYWHERE, Within
from .detect import detect_kind
from .n5 import children_page, n5_summary
from .ome import group_attrs, ome_summary
from .series import read_file_series, series_json
from .tiff import tiff_summary
from .zarr_meta import MetadataReader, consolidated_members, listed_members, read_array

_OME_KINDS = ("ome-zarr", "ome-zarr-plate", "ome-zarr-well", "ome-zarr-labels", "bioformats2raw")


MEMBER_LIMIT = 200


def summarize(
    path: Path,
    *,
    member_limit: int = MEMBER_LIMIT,
    member_offset: int = 0,
    within: Within = ANYWHERE,
) -> dict[str, Any]:
    """The metadata summary of `path` (see the module docstring for its shape).

    Every file is read with `confined_io`: a regular file inside `within`, else a problem.

    `member_limit` bounds the group members (and N5 children) listed with their metadata,
    from `member_offset` on (`group_members` pages through them alone); `members_total`
    still counts them all. Raises `NotFound` only when `path` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise NotFound(f"{path.name or path} does not exist")
    is_dir = path.is_dir()
    # One selected file: worth checking a TIFF's magic bytes and OME-XML.
    info = detect_kind(path, is_dir=is_dir, confirm=not is_dir, within=within)
    reader = MetadataReader(path, within)
    result: dict[str, Any] = {
        "kind": info.kind,
        "zarr_format": info.zarr_format,
        "ome_version": info.ome_version,
        "array": None,
        "group": None,
        "ome": None,
        "n5": None,
        "tiff": None,
        "series": None,
        "raw": reader.raw,
        "problems": reader.problems,
    }
    if not is_dir:
        # Detection's word on the name (a text file named .tif, an .ome.tif without
        # OME-XML); damage is for tiff_summary to describe.
        if info.problem is not None and not info.problem.startswith("damaged"):
            reader.problem(path, info.problem)
        if info.kind in ("tiff", "ome-tiff"):
            result["tiff"] = tiff_summary(reader, path)
        return result
    if info.kind == "zarr-array":
        result["array"] = read_array(reader, path)
    elif info.kind == "zarr-group" or info.kind in _OME_KINDS:
        result["group"] = _group(reader, path, info.zarr_format, member_limit, member_offset)
        attrs, _ = group_attrs(reader, path)
        if info.kind in _OME_KINDS or "image-label" in attrs:
            result["ome"] = ome_summary(reader, path, attrs)
            if result["ome_version"] is None:
                result["ome_version"] = result["ome"]["version"]
    elif info.kind in ("n5-array", "n5-group"):
        result["n5"] = n5_summary(reader, path, limit=member_limit)
    elif info.kind == "tiff-series":
        series = read_file_series(path, within=within)
        if series is not None:
            result["series"] = series_json(series)
            if series.problem is not None:
                reader.problem(path, series.problem)
    return result


def group_members(
    path: Path, *, offset: int = 0, limit: int = MEMBER_LIMIT, within: Within = ANYWHERE
) -> dict[str, Any]:
    """One page of the members of the Zarr group (OME-Zarr included) or the children of the
    N5 group at `path`, in name order: `members`, `members_total`, `members_offset`,
    `members_truncated` (more follow), `consolidated`, plus `kind` and `problems`.

    Raises `NotFound` when `path` does not exist, `BadRequest` when it is no group.
    """
    path = Path(path)
    if not path.exists():
        raise NotFound(f"{path.name or path} does not exist")
    info = detect_kind(path, is_dir=path.is_dir(), within=within)
    reader = MetadataReader(path, within)
    if info.kind == "zarr-group" or info.kind in _OME_KINDS:
        page = _group(reader, path, info.zarr_format, limit, offset)
    elif info.kind == "n5-group":
        page = children_page(reader, path, offset=offset, limit=limit)
    else:
        raise BadRequest(f"{path.name} is no Zarr or N5 group: it has no members to list.")
    return {"kind": info.kind, **page, "problems": reader.problems}


def _group(
    reader: MetadataReader, path: Path, zarr_format: int | None, limit: int, offset: int = 0
) -> dict:
    """Members of a Zarr group, from consolidated metadata when present, else from disk."""
    if zarr_format == 3:
        doc = reader.read_object(path / "zarr.json") or {}
        consolidated = doc.get("consolidated_metadata")
        inline = consolidated.get("metadata") if isinstance(consolidated, dict) else None
        if isinstance(inline, dict):
            return consolidated_members(inline, 3, limit, offset)
    elif zarr_format == 2:
        reader.read_object(path / ".zgroup")
        zmeta = reader.read_object(path / ".zmetadata")
        docs = zmeta.get("metadata") if zmeta is not None else None
        if isinstance(docs, dict):
            return consolidated_members(docs, 2, limit, offset)
        if zmeta is not None:
            reader.problem(path / ".zmetadata", "malformed .zmetadata: no metadata object")
    return listed_members(reader, path, limit, offset)
