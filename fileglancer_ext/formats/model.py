"""The typed model of a dataset: immutable objects built once per request from its metadata.

Zarr arrays (`ZarrArray`), OME-NGFF images, plates, wells and bioformats2raw layouts
(`OmeGroup`, `NgffImage`, `Plate`, `Well`, `Bioformats2raw`), N5 datasets and pyramids
(`N5Dataset`, `N5Group`, `N5Pyramid`), TIFF series (`TiffSeries`, built by
`formats.tiff`) and folders of TIFF planes (`FileSeries`, built by `formats.series`). The
summary, health, statistics, thumbnails, viewers, `open()` and the
conversion inputs take these objects instead of parsing metadata themselves; validation
alone reads raw JSON.

Every tolerance of imperfect metadata is decided here, each marked "Tolerance:". Readers
never raise for bad data: what they could not make sense of is a problem on the
`MetadataReader` and the field is None, so that an inspector still describes the rest.

Why no library models these (measured on odd but real documents, see the tests):
ome-zarr-models refuses a numeric level path, NGFF 0.1-0.3 without axes, axes as plain
strings, a scale of the wrong length and omero channels without window or colour; zarr's
`ArrayV2Metadata` / `ArrayV3Metadata` refuse unknown codecs and a v2 array without
fill_value; pydantic-zarr refuses a v3 array without codecs, a shape of the wrong type and
unknown dtypes. All of them reject the whole document, where an inspector must describe
what is readable. zarr's data type parsing is used (it tolerates v3 extension types such as
"string" or numpy.datetime64), with numpy as the fallback, and ome-types parses OME-XML.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..system.confined_io import ANYWHERE, Within
from .jsonio import MetadataReader, child, short

# Bounds of array metadata (see `int_list`): Zarr and N5 store sizes as 64-bit ints.
MAX_NDIM = 32
MAX_EXTENT = 2**63 - 1
MAX_LIST = 500  # labels, wells, series, levels: enough for any UI, bounded for hostile metadata
MAX_OME_XML_BYTES = 50 * 1024 * 1024

# OME-NGFF 0.1/0.2 have no "axes": the spec fixes the order to (t, c, z, y, x), trailing.
_IMPLIED_AXES = "tczyx"
_AXIS_TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}


# --- numbers and data types -------------------------------------------------------------------


def int_list(value: Any, *, low: int = 0) -> list[int] | None:
    """`value` as a list of shape-like ints, or None when it is anything else: at most
    MAX_NDIM of them, each at least `low` (1 for chunk sizes), and their product (the
    elements of an array or of a chunk) at most MAX_EXTENT. Metadata beyond these bounds
    (a shape of 10**400, a chunk of 0) describes no array that can exist, and would
    overflow floats or divide by zero in every figure computed from it."""
    if not isinstance(value, list | tuple) or len(value) > MAX_NDIM:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= low for v in value):
        return None
    if max(value, default=0) > MAX_EXTENT or math.prod(value) > MAX_EXTENT:
        return None
    return list(value)


def int_list_problem(field: str, value: Any, *, low: int = 0) -> str:
    """Why `int_list(value, low=low)` refused `value`, for a problem message."""
    numbers = isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )
    if not numbers:
        return f"{field} has the wrong type"
    return (
        f"{field} out of bounds: at most {MAX_NDIM} whole numbers from {low} up, "
        "with a product below 2**63"
    )


def grid_count(shape: Any, chunks: Any) -> int | None:
    """How many chunks (or shards) a regular grid of `chunks` over `shape` has."""
    if shape is None or chunks is None or len(shape) != len(chunks) or 0 in chunks:
        return None
    return math.prod(-(-s // c) for s, c in zip(shape, chunks, strict=True))


def numpy_dtype(value: Any) -> np.dtype | None:
    """The numpy dtype that a v2 `dtype` or v3 `data_type` names, or None when unknown."""
    try:
        if isinstance(value, list):  # v2 structured dtype: [[name, type, shape?], ...]
            return np.dtype([tuple(field) for field in value])
        if isinstance(value, str):
            if value.startswith("r") and value[1:].isdigit():  # v3 raw bits, e.g. "r16"
                return np.dtype(f"V{int(value[1:]) // 8}")
            return np.dtype(value)
    except Exception:  # numpy raises TypeError, ValueError, OverflowError... on odd names
        pass
    return None


# zarr's variable-length types, which numpy gives no fixed-size dtype: the names shown.
_VARIABLE_LENGTH = {"VariableLengthUTF8": "string", "VariableLengthBytes": "bytes"}
# v2 object arrays name their element type by the filter that encodes them.
_OBJECT_CODECS = ("vlen-utf8", "vlen-bytes", "vlen-array", "json2", "msgpack2", "pickle")


def zarr_data_type(
    value: Any, zarr_format: int, object_codec: str | None = None
) -> tuple[np.dtype | None, str | None]:
    """(numpy dtype, name) of a Zarr `dtype` / `data_type`: zarr's own parser first (it
    knows v3 extension types: "string", numpy.datetime64 objects; and v2 object arrays by
    their `object_codec`, e.g. "vlen-utf8"), then numpy's. The name is None when the dtype
    names itself (`dtype_name`).

    Tolerance: variable-length strings have no fixed-size numpy dtype; they are named
    "string" (and variable-length bytes "bytes") rather than left without a data type.
    """
    try:
        from zarr.core.dtype import get_data_type_from_json

        doc = value if zarr_format == 3 else {"name": value, "object_codec_id": object_codec}
        zdtype = get_data_type_from_json(doc, zarr_format=zarr_format)
        found = zdtype.to_native_dtype()
        name = _VARIABLE_LENGTH.get(type(zdtype).__name__)
        if isinstance(found, np.dtype) and found.kind != "T":  # StringDType: no fixed size
            return found, name
        if name is not None:
            return None, name
    except Exception:  # unknown names, and zarr versions without this API
        pass
    return numpy_dtype(value), None


def _object_codec(filters: Any) -> str | None:
    """The filter that encodes a v2 object array's elements ("vlen-utf8"), if any."""
    for codec in filters if isinstance(filters, list) else []:
        if isinstance(codec, dict) and codec.get("id") in _OBJECT_CODECS:
            return codec["id"]
    return None


def dtype_name(dtype: np.dtype) -> str:
    """The name a person reads: "uint16", "float32", "bool", "datetime64[ns]"; fixed-size
    strings as "U10" / "S5", raw bytes as v3's "r32", records as "structured"."""
    if dtype.fields is not None:
        return "structured"
    if dtype.kind in "US":
        return dtype.str.lstrip("<>|=")
    if dtype.kind == "V":
        return f"r{dtype.itemsize * 8}"
    if dtype.kind == "O":
        return "object"
    return dtype.name


def byte_order(dtype: np.dtype | None) -> str | None:
    """ "little" / "big", None when the order does not matter (one byte, records)."""
    if dtype is None or dtype.itemsize <= 1 or dtype.fields is not None or dtype.kind in "SVO":
        return None
    order = dtype.byteorder
    if order == "=":
        return sys.byteorder
    return {"<": "little", ">": "big"}.get(order)


# --- Zarr arrays ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """One codec: v3 `{name, configuration}`; v2 filters and compressor mapped to the same."""

    name: str | None
    configuration: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "configuration": dict(self.configuration)}


@dataclass(frozen=True)
class ZarrArray:
    """A Zarr v2 or v3 array's metadata. Fields malformed in the document are None.

    `chunks` is what a reader reads (the inner chunk of a sharded v3 array), `shards` the
    shape of the stored files (sharded v3 only). `dtype` is the plain name ("uint16"),
    `byte_order` "little" / "big" (None when it does not matter), `dtype_code` numpy's code
    ("<u2"). `attributes` are v3 attributes or the v2 .zattrs.
    """

    zarr_format: int
    shape: tuple[int, ...] | None
    chunks: tuple[int, ...] | None
    shards: tuple[int, ...] | None
    dtype: str | None
    byte_order: str | None
    itemsize: int | None
    codecs: tuple[Codec, ...]
    fill_value: Any
    dimension_names: tuple[str | None, ...] | None
    order: str | None
    separator: str | None
    attributes: Mapping[str, Any]
    data_type: Any = None  # as stored
    compressor: Any = None  # v2, as stored
    filters: Any = None  # v2, as stored
    chunk_key_encoding: Codec | None = None
    numpy_dtype: np.dtype | None = field(default=None, compare=False)

    @property
    def dtype_code(self) -> str | None:
        return self.numpy_dtype.str if self.numpy_dtype is not None else None

    @property
    def ndim(self) -> int | None:
        return len(self.shape) if self.shape is not None else None

    @property
    def grid(self) -> tuple[int, ...] | None:
        """Chunks per dimension (inner chunks when sharded)."""
        if self.shape is None or self.chunks is None or len(self.shape) != len(self.chunks):
            return None
        return tuple(-(-s // c) for s, c in zip(self.shape, self.chunks, strict=True))

    @property
    def chunk_count(self) -> int | None:
        """How many chunks a reader reads for the whole array (inner chunks when sharded)."""
        return grid_count(self.shape, self.chunks)

    @property
    def file_count(self) -> int | None:
        """How many chunk files the array has when complete (shard files when sharded)."""
        return grid_count(self.shape, self.shards if self.shards is not None else self.chunks)

    @property
    def chunks_per_shard(self) -> int | None:
        return grid_count(self.shards, self.chunks) if self.shards is not None else None

    @property
    def uncompressed_bytes(self) -> int | None:
        if self.shape is None or self.itemsize is None:
            return None
        return math.prod(self.shape) * self.itemsize


def _check(reader: MetadataReader, meta: Path, field: str, ok: bool) -> None:
    if not ok:
        reader.problem(meta, f"malformed {reader.rel(meta)}: {field} has the wrong type")


def _dims(
    reader: MetadataReader, meta: Path, field: str, value: Any, *, low: int = 0
) -> tuple[int, ...] | None:
    """`int_list(value)` as a tuple, or None with a problem saying why not."""
    found = int_list(value, low=low)
    if found is None:
        problem = int_list_problem(field, value, low=low)
        reader.problem(meta, f"malformed {reader.rel(meta)}: {problem}")
        return None
    return tuple(found)


def _v3_codec(codec: Any) -> Codec:
    # Tolerance: v3 allows a bare name string for a codec without configuration.
    if isinstance(codec, str):
        return Codec(codec, {})
    if isinstance(codec, dict):
        config = codec.get("configuration")
        return Codec(codec.get("name"), config if isinstance(config, dict) else {})
    return Codec(None, {"value": codec})


def _numcodec(codec: Any) -> Codec:
    """A v2 numcodecs config `{"id": ..., **settings}` as a `Codec`."""
    if not isinstance(codec, dict):
        return Codec(None, {"value": codec})
    return Codec(codec.get("id"), {k: v for k, v in codec.items() if k != "id"})


def _names(value: Any) -> tuple[str | None, ...] | None:
    # Tolerance: a dimension name that is no string (a number) is shown as its text.
    if not isinstance(value, list):
        return None
    return tuple(v if v is None or isinstance(v, str) else str(v) for v in value)


def _dtype_fields(dtype: np.dtype | None, name: str | None = None) -> dict[str, Any]:
    return {
        "dtype": name or (dtype_name(dtype) if dtype is not None else None),
        "byte_order": byte_order(dtype),
        "itemsize": dtype.itemsize if dtype is not None else None,
        "numpy_dtype": dtype,
    }


def zarr_array_v2(
    reader: MetadataReader, path: Path, zarray: dict[str, Any], attrs: dict[str, Any] | None
) -> ZarrArray:
    """A v2 array from its `.zarray` and (optional) `.zattrs`; dimension names from xarray's
    `_ARRAY_DIMENSIONS` attribute."""
    meta = path / ".zarray"
    compressor, filters = zarray.get("compressor"), zarray.get("filters")
    dtype, name = zarr_data_type(zarray.get("dtype"), 2, _object_codec(filters))
    _check(reader, meta, "dtype", dtype is not None or name is not None)
    _check(reader, meta, "compressor", compressor is None or isinstance(compressor, dict))
    _check(reader, meta, "filters", filters is None or isinstance(filters, list))
    codecs = [_numcodec(f) for f in filters] if isinstance(filters, list) else []
    if isinstance(compressor, dict):
        codecs.append(_numcodec(compressor))
    attrs = attrs or {}
    # Tolerance: dimension_separator is optional in v2 and means "." when missing.
    separator = zarray.get("dimension_separator", ".")
    return ZarrArray(
        zarr_format=2,
        shape=_dims(reader, meta, "shape", zarray.get("shape")),
        chunks=_dims(reader, meta, "chunks", zarray.get("chunks"), low=1),
        shards=None,
        codecs=tuple(codecs),
        # Tolerance: a missing fill_value is None (no fill value), not an error.
        fill_value=zarray.get("fill_value"),
        dimension_names=_names(attrs.get("_ARRAY_DIMENSIONS")),
        order=zarray.get("order"),
        separator=separator,
        attributes=attrs,
        data_type=zarray.get("dtype"),
        compressor=compressor,
        filters=filters,
        chunk_key_encoding=Codec("v2", {"separator": separator}),
        **_dtype_fields(dtype, name),
    )


def _v3_byte_order(codecs: tuple[Codec, ...]) -> str | None:
    """The `bytes` codec's endian, inside a sharding codec too."""
    for codec in codecs:
        if codec.name == "bytes":
            endian = codec.configuration.get("endian")
            return endian if endian in ("little", "big") else None
        if codec.name == "sharding_indexed":
            inner = codec.configuration.get("codecs")
            if isinstance(inner, list):
                return _v3_byte_order(tuple(_v3_codec(c) for c in inner))
    return None


def zarr_array_v3(reader: MetadataReader, path: Path, doc: dict[str, Any]) -> ZarrArray:
    """A v3 array from its `zarr.json`. With a `sharding_indexed` first codec the chunk grid
    is the shard grid (`shards`) and the sharding configuration's chunk shape `chunks`."""
    meta = path / "zarr.json"
    grid_doc = doc.get("chunk_grid")
    grid_cfg = grid_doc.get("configuration") if isinstance(grid_doc, dict) else None
    grid_shape = grid_cfg.get("chunk_shape") if isinstance(grid_cfg, dict) else None
    grid = _dims(reader, meta, "chunk_grid", grid_shape, low=1)
    raw_codecs = doc.get("codecs")
    _check(reader, meta, "codecs", isinstance(raw_codecs, list))
    codecs = tuple(_v3_codec(c) for c in raw_codecs) if isinstance(raw_codecs, list) else ()
    shards, chunks = None, grid
    if codecs and codecs[0].name == "sharding_indexed":
        inner = codecs[0].configuration.get("chunk_shape")
        shards, chunks = grid, _dims(reader, meta, "sharding chunk_shape", inner, low=1)
    dtype, name = zarr_data_type(doc.get("data_type"), 3)
    order = _v3_byte_order(codecs)
    if dtype is not None and order is not None and dtype.itemsize > 1 and dtype.kind not in "SV":
        dtype = dtype.newbyteorder("<" if order == "little" else ">")
    key = doc.get("chunk_key_encoding")
    key_codec = _v3_codec(key) if key is not None else None
    separator = key_codec.configuration.get("separator") if key_codec is not None else None
    if separator is None and key_codec is not None:
        # Tolerance: the separator is optional: "/" for the default encoding, "." for v2.
        separator = {"default": "/", "v2": "."}.get(key_codec.name or "")
    attrs = doc.get("attributes")
    fields = _dtype_fields(dtype, name)
    if dtype is not None and name is None and isinstance(doc.get("data_type"), str):
        fields["dtype"] = doc["data_type"]  # v3 names are plain already ("uint16", "r16")
    return ZarrArray(
        zarr_format=3,
        shape=_dims(reader, meta, "shape", doc.get("shape")),
        chunks=chunks,
        shards=shards,
        codecs=codecs,
        fill_value=doc.get("fill_value"),
        dimension_names=_names(doc.get("dimension_names")),
        order=None,
        separator=separator,
        attributes=attrs if isinstance(attrs, dict) else {},
        data_type=doc.get("data_type"),
        chunk_key_encoding=key_codec,
        **fields,
    )


def read_zarr_array(
    source: MetadataReader | Path,
    path: Path | None = None,
    within: Within = ANYWHERE,
    *,
    keep_raw: bool = True,
) -> ZarrArray | None:
    """The array at `path` (v3 `zarr.json` first, then v2 `.zarray`), None when there is no
    array there. `source` is a `MetadataReader` (its problems collect what was wrong), or
    the path itself (a reader for it is made, confined to `within`)."""
    reader = source if isinstance(source, MetadataReader) else MetadataReader(Path(source), within)
    path = Path(path) if path is not None else reader.root
    doc = reader.read_object(path / "zarr.json", keep_raw=keep_raw)
    if doc is not None and doc.get("node_type") == "array":
        return zarr_array_v3(reader, path, doc)
    zarray = reader.read_object(path / ".zarray", keep_raw=keep_raw)
    if zarray is None:
        return None
    attrs = reader.read_object(path / ".zattrs", keep_raw=keep_raw)
    return zarr_array_v2(reader, path, zarray, attrs)


# --- OME-NGFF ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    name: str
    type: str | None
    unit: str | None


@dataclass(frozen=True)
class Level:
    """One resolution level. `path` is always a str; `scale` / `translation` are the world
    transform (the multiscale's transforms applied to the level's), None when absent or
    unusable; `own_scale` / `own_translation` are the level's own vectors as declared."""

    path: str
    scale: tuple[float, ...] | None
    translation: tuple[float, ...] | None
    array: ZarrArray | None = None
    own_scale: tuple[float, ...] | None = None
    own_translation: tuple[float, ...] | None = None

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self.array.shape if self.array is not None else None


@dataclass(frozen=True)
class Window:
    start: float | None
    end: float | None
    min: float | None
    max: float | None


@dataclass(frozen=True)
class Channel:
    """An omero channel; `extra` keeps family, coefficient, inverted and wavelengths."""

    label: str | None
    color: str | None  # "RRGGBB"
    window: Window | None
    active: bool | None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Omero:
    name: Any
    id: Any
    channels: tuple[Channel, ...]
    rdefs: Mapping[str, Any]


@dataclass(frozen=True)
class ImageLabel:
    version: Any
    colors: Any
    properties: Any
    source: Any


@dataclass(frozen=True)
class Label:
    name: str
    image_label: ImageLabel


@dataclass(frozen=True)
class NgffImage:
    """One multiscale image. `levels` are largest first; `axes_implied` when the metadata
    had no axes (NGFF 0.1/0.2: t, c, z, y, x, trailing)."""

    version: str | None
    name: str | None
    axes: tuple[Axis, ...]
    axes_implied: bool
    levels: tuple[Level, ...]
    channels: tuple[Channel, ...] = ()
    labels: tuple[str, ...] = ()
    type: str | None = None
    metadata: Any = None
    coordinate_transformations: Any = None  # the multiscale's, as stored
    declared_version: Any = None  # the multiscale's own "version", as stored

    def level(self, index: int) -> Level:
        return self.levels[index]

    @property
    def axis_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def space_axes(self) -> tuple[Axis, ...]:
        return tuple(a for a in self.axes if a.type == "space")

    def pixel_size(self, level: Level) -> dict[str, tuple[float, str | None]]:
        """`{axis name: (size, unit)}` of the space axes, from the level's world scale."""
        if level.scale is None or len(level.scale) != len(self.axes):
            return {}
        return {
            a.name: (level.scale[i], a.unit) for i, a in enumerate(self.axes) if a.type == "space"
        }

    @property
    def time_spacing(self) -> tuple[float, str | None] | None:
        first = self.levels[0].scale if self.levels else None
        found = None
        for i, axis in enumerate(self.axes):
            if axis.type == "time" and first is not None and i < len(first):
                found = (first[i], axis.unit)
        return found


@dataclass(frozen=True)
class PlateWell:
    path: Any
    row_index: Any
    column_index: Any


@dataclass(frozen=True)
class Plate:
    name: Any
    version: Any
    rows: tuple[Any, ...]
    columns: tuple[Any, ...]
    wells: tuple[PlateWell, ...]
    wells_total: int
    acquisitions: Any
    field_count: Any


@dataclass(frozen=True)
class WellImage:
    path: Any
    acquisition: Any


@dataclass(frozen=True)
class Well:
    version: Any
    images: tuple[WellImage, ...]


@dataclass(frozen=True)
class Bioformats2raw:
    """`series` from the OME group's list, else the numeric subgroups (`series_source`)."""

    layout: Any
    series: tuple[Any, ...]
    series_total: int
    series_source: str
    ome_xml: Mapping[str, Any] | None  # `ome_xml_summary` of OME/METADATA.ome.xml


@dataclass(frozen=True)
class OmeGroup:
    """Everything OME that one group declares; fields are None when it does not."""

    version: str | None
    images: tuple[NgffImage, ...] | None  # one per multiscale; None without "multiscales"
    omero: Omero | None = None
    labels: tuple[Label, ...] | None = None
    image_label: ImageLabel | None = None
    plate: Plate | None = None
    well: Well | None = None
    bioformats2raw: Bioformats2raw | None = None

    @property
    def image(self) -> NgffImage | None:
        return self.images[0] if self.images else None


def ome_attributes(
    reader: MetadataReader, path: Path, *, keep_raw: bool = True
) -> tuple[dict[str, Any], int]:
    """The OME attributes of the group at `path` and its zarr format (3, 2, or 0 if none).

    Tolerance: 0.5 keeps them under zarr.json attributes["ome"], up to 0.4 in .zattrs.
    """
    doc = reader.read_object(path / "zarr.json", keep_raw=keep_raw)
    if doc is not None:
        attrs = doc.get("attributes")
        ome = attrs.get("ome") if isinstance(attrs, dict) else None
        return (ome if isinstance(ome, dict) else {}), 3
    attrs = reader.read_object(path / ".zattrs", keep_raw=keep_raw)
    return (attrs if attrs is not None else {}), (2 if attrs is not None else 0)


def _text(value: Any) -> str | None:
    # Tolerance: some writers store versions (0.4) and names as numbers.
    if value is None or isinstance(value, bool):
        return None
    return value if isinstance(value, str) else str(value)


def _axes(raw: Any, ndim: int | None) -> tuple[tuple[Axis, ...], bool]:
    if isinstance(raw, list):
        axes = []
        for axis in raw:
            if isinstance(axis, str):  # Tolerance: 0.3 lists axes as bare names
                axes.append(Axis(axis, _AXIS_TYPES.get(axis), None))
            elif isinstance(axis, dict):
                name, kind, unit = axis.get("name"), axis.get("type"), axis.get("unit")
                name = name if isinstance(name, str) else str(name)
                # Tolerance: "type" is optional (0.4); t, c, z, y and x say what they are, so
                # pixel sizes, previews and open() treat such an axis alike.
                kind = kind if isinstance(kind, str) else _AXIS_TYPES.get(name.lower())
                axes.append(Axis(name, kind, unit if isinstance(unit, str) else None))
        return tuple(axes), False
    # Tolerance: 0.1/0.2 have no axes: the spec's t, c, z, y, x, the trailing ndim of them.
    names = _IMPLIED_AXES[-ndim:] if ndim else _IMPLIED_AXES
    return tuple(Axis(n, _AXIS_TYPES[n], None) for n in names), True


def _numbers(value: Any) -> tuple[float, ...] | None:
    # Finite and within a float's range: a scale of 10**400 (a JSON int) or NaN is no number
    # that can be multiplied, shown or handed to a viewer.
    ok = isinstance(value, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and abs(v) <= sys.float_info.max
        for v in value
    )
    return tuple(value) if ok else None


def _transforms(raw: Any) -> tuple[tuple[float, ...] | None, tuple[float, ...] | None]:
    """The scale and translation vectors of a coordinateTransformations list.

    Tolerance: vectors stored in a file ("path") or holding non-numbers are None.
    """
    scale = translation = None
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and item.get("type") == "scale":
            scale = _numbers(item.get("scale"))
        elif isinstance(item, dict) and item.get("type") == "translation":
            translation = _numbers(item.get("translation"))
    return scale, translation


def _lengths_fit(n: int, *vectors: tuple | None) -> bool:
    return all(v is None or len(v) == n for v in vectors)


def _combine(inner: tuple | None, outer: tuple | None, n: int, *, add: bool) -> tuple | None:
    """Level and global vectors combined (added or multiplied); None if any has a wrong length."""
    if (inner is None and outer is None) or not _lengths_fit(n, inner, outer):
        return None
    neutral = 0.0 if add else 1.0
    inner, outer = inner or (neutral,) * n, outer or (neutral,) * n
    combined = tuple(a + b if add else a * b for a, b in zip(inner, outer, strict=True))
    # Each vector may hold, and its product or sum still overflow: that is no size either.
    return combined if all(math.isfinite(v) for v in combined) else None


def _level_path(reader: MetadataReader, path: Path, value: Any) -> Any:
    # Tolerance: a numeric level path (`"path": 0`, written by some tools) means "0".
    if isinstance(value, int) and not isinstance(value, bool):
        reader.problem(
            path, f"level path {value} is a number, not a string: read as {str(value)!r}"
        )
        return str(value)
    return value


def _ngff_image(
    reader: MetadataReader,
    path: Path,
    ms: dict[str, Any],
    *,
    group_version: str | None,
    omero: Omero | None,
    labels: tuple[str, ...],
    read_arrays: bool = True,
) -> NgffImage:
    datasets = ms.get("datasets") if isinstance(ms.get("datasets"), list) else []
    if not datasets:
        reader.problem(path, "a multiscale has no datasets")
    found: list[tuple[str, ZarrArray | None, tuple | None, tuple | None]] = []
    for ds in datasets[:MAX_LIST]:
        ds = ds if isinstance(ds, dict) else {}  # Tolerance: a non-object dataset is empty
        level_path = _level_path(reader, path, ds.get("path"))
        array = None
        target = child(reader, path, level_path)
        if target is not None and read_arrays:
            array = read_zarr_array(reader, target)
            if array is None:
                reader.problem(target, f"level {level_path!r} has no array metadata")
        scale, translation = _transforms(ds.get("coordinateTransformations"))
        shown = level_path if isinstance(level_path, str) else str(level_path)
        found.append((shown, array, scale, translation))
    sizes = [math.prod(a.shape) if a is not None and a.shape else None for _, a, _, _ in found]
    if None not in sizes and sizes != sorted(sizes, reverse=True):
        # Tolerance: levels listed out of order are put largest first (stable sort).
        reader.problem(path, "the levels are listed out of order: shown largest first")
        order = sorted(range(len(found)), key=lambda i: -sizes[i])  # type: ignore[operator]
        found = [found[i] for i in order]
    ndim = next((len(a.shape) for _, a, _, _ in found if a is not None and a.shape), None)
    axes, implied = _axes(ms.get("axes"), ndim)
    n = len(axes)
    g_scale, g_translation = _transforms(ms.get("coordinateTransformations"))
    levels = []
    for level_path, array, own_scale, own_translation in found:
        # World = global(level(index)): scales multiply; the level's translation is scaled.
        scale = _combine(own_scale, g_scale, n, add=False)
        shift = own_translation
        if shift is not None and g_scale is not None and len(shift) == n == len(g_scale):
            shift = tuple(a * b for a, b in zip(shift, g_scale, strict=True))
        translation = _combine(shift, g_translation, n, add=True)
        if own_scale is not None and scale is None:
            # Tolerance: a scale of the wrong length is ignored, with a problem.
            fits = _lengths_fit(n, own_scale, g_scale)
            reason = "is out of range" if fits else "does not match the axes"
            reader.problem(path, f"level {level_path!r}: scale {reason}")
        if shift is not None and translation is None and _lengths_fit(n, shift, g_translation):
            reader.problem(path, f"level {level_path!r}: translation is out of range")
        levels.append(Level(level_path, scale, translation, array, own_scale, own_translation))
    declared = ms.get("version")
    return NgffImage(
        version=_text(declared) or group_version,
        name=_text(ms.get("name")),
        axes=axes,
        axes_implied=implied,
        levels=tuple(levels),
        channels=omero.channels if omero is not None else (),
        labels=labels,
        type=_text(ms.get("type")),
        metadata=ms.get("metadata"),
        coordinate_transformations=ms.get("coordinateTransformations"),
        declared_version=declared,
    )


def _float(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


def _channel(ch: dict[str, Any]) -> Channel:
    window = ch.get("window")
    color, label, active = ch.get("color"), ch.get("label"), ch.get("active")
    extra = {k: ch.get(k) for k in ("family", "coefficient", "inverted")}
    # Writers add wavelengths under various names (emissionWavelength, ...).
    extra.update({k: v for k, v in ch.items() if "wavelength" in k.lower()})
    return Channel(
        # Tolerance: a missing label, colour, window or active flag is None.
        label=label if isinstance(label, str) else _text(label),
        color=color if isinstance(color, str) else None,
        window=(
            Window(*(_float(window.get(k)) for k in ("start", "end", "min", "max")))
            if isinstance(window, dict)
            else None
        ),
        active=active if isinstance(active, bool) else None,
        extra=extra,
    )


def _omero(omero: dict[str, Any]) -> Omero:
    raw = omero.get("channels")
    channels = tuple(
        _channel(c) for c in (raw if isinstance(raw, list) else []) if isinstance(c, dict)
    )
    rdefs = omero.get("rdefs") if isinstance(omero.get("rdefs"), dict) else {}
    return Omero(
        omero.get("name"),
        omero.get("id"),
        channels,
        {k: rdefs.get(k) for k in ("defaultZ", "defaultT", "model")},
    )


def _image_label(label: Any) -> ImageLabel:
    label = label if isinstance(label, dict) else {}
    return ImageLabel(
        label.get("version"), label.get("colors"), label.get("properties"), label.get("source")
    )


def _labels(reader: MetadataReader, path: Path, names: list[Any]) -> tuple[Label, ...]:
    labels = []
    for name in names[:MAX_LIST]:
        target = child(reader, path, name)
        if target is None:
            continue
        attrs, _ = ome_attributes(reader, target)
        if not attrs:
            reader.problem(path / name, f"label {name!r} has no metadata")
        labels.append(Label(name, _image_label(attrs.get("image-label"))))
    return tuple(labels)


def _plate(plate: dict[str, Any]) -> Plate:
    def names(key: str) -> tuple[Any, ...]:
        items = plate.get(key) if isinstance(plate.get(key), list) else []
        return tuple(i.get("name") for i in items if isinstance(i, dict))

    wells = plate.get("wells") if isinstance(plate.get("wells"), list) else []
    return Plate(
        name=plate.get("name"),
        version=plate.get("version"),
        rows=names("rows"),
        columns=names("columns"),
        wells=tuple(
            PlateWell(w.get("path"), w.get("rowIndex"), w.get("columnIndex"))
            for w in wells[:MAX_LIST]
            if isinstance(w, dict)
        ),
        wells_total=len(wells),
        acquisitions=plate.get("acquisitions"),
        field_count=plate.get("field_count"),
    )


def _well(well: dict[str, Any]) -> Well:
    images = well.get("images") if isinstance(well.get("images"), list) else []
    return Well(
        well.get("version"),
        tuple(
            WellImage(i.get("path"), i.get("acquisition"))
            for i in images[:MAX_LIST]
            if isinstance(i, dict)
        ),
    )


def _bioformats2raw(reader: MetadataReader, path: Path, attrs: dict[str, Any]) -> Bioformats2raw:
    ome_dir = path / "OME"
    ome_attrs, _ = ome_attributes(reader, ome_dir) if ome_dir.is_dir() else ({}, 0)
    series = ome_attrs.get("series")
    source = "OME/series"
    if not isinstance(series, list):
        # Tolerance: without the OME group's series list, the numeric subgroups are series.
        source = "numeric subgroups"
        try:
            found = [p.name for p in path.iterdir() if p.is_dir() and p.name.isdigit()]
        except OSError as err:
            reader.problem(path, f"cannot list the series: {err.strerror or short(err)}")
            found = []
        series = sorted(found, key=int)
    xml_path = ome_dir / "METADATA.ome.xml"
    return Bioformats2raw(
        layout=attrs.get("bioformats2raw.layout"),
        series=tuple(series[:MAX_LIST]),
        series_total=len(series),
        series_source=source,
        ome_xml=_ome_xml(reader, xml_path) if xml_path.is_file() else None,
    )


def read_ome(reader: MetadataReader, path: Path, attrs: dict[str, Any] | None = None) -> OmeGroup:
    """The OME content of the group at `path` (its OME attributes read when not given)."""
    if attrs is None:
        attrs, _ = ome_attributes(reader, path)
    version = _text(attrs.get("version"))
    multiscales = attrs.get("multiscales")
    if multiscales is not None and not isinstance(multiscales, list):
        reader.problem(path, "multiscales is not a list")
    if version is None and isinstance(multiscales, list) and multiscales:
        if isinstance(multiscales[0], dict):
            version = _text(multiscales[0].get("version"))
    omero = _omero(attrs["omero"]) if isinstance(attrs.get("omero"), dict) else None
    labels = None
    if isinstance(attrs.get("labels"), list):  # this group is a labels group
        labels = _labels(reader, path, attrs["labels"])
    elif isinstance(multiscales, list) and (path / "labels").is_dir():
        labels_path = child(reader, path, "labels")
        label_attrs, _ = ome_attributes(reader, labels_path) if labels_path else ({}, 0)
        if isinstance(label_attrs.get("labels"), list):
            labels = _labels(reader, path / "labels", label_attrs["labels"])
    images = None
    if isinstance(multiscales, list):
        names = tuple(str(label.name) for label in labels or ())
        images = tuple(
            _ngff_image(reader, path, ms, group_version=version, omero=omero, labels=names)
            for ms in multiscales[:MAX_LIST]
            if isinstance(ms, dict)
        )
    if version is None and _is_layout(attrs) and not (path / "zarr.json").exists():
        # Tolerance: a bioformats2raw layout (or its OME "series" group) declares no
        # version; spec 0.4 introduced it and Zarr v2 holds nothing later, so it is 0.4
        # (as `validate` says). In 0.5 the version is in zarr.json.
        version = "0.4"
    plate = well = None
    if isinstance(attrs.get("plate"), dict):
        plate = _plate(attrs["plate"])
        version = version or _text(attrs["plate"].get("version"))
    if isinstance(attrs.get("well"), dict):
        well = _well(attrs["well"])
        version = version or _text(attrs["well"].get("version"))
    return OmeGroup(
        version=version,
        images=images,
        omero=omero,
        labels=labels,
        image_label=(
            _image_label(attrs["image-label"])
            if isinstance(attrs.get("image-label"), dict)
            else None
        ),
        plate=plate,
        well=well,
        bioformats2raw=(
            _bioformats2raw(reader, path, attrs) if "bioformats2raw.layout" in attrs else None
        ),
    )


def _is_layout(attrs: dict[str, Any]) -> bool:
    """A bioformats2raw layout's root, or its OME group listing the series."""
    return "bioformats2raw.layout" in attrs or isinstance(attrs.get("series"), list)


def read_ngff_image(
    source: MetadataReader | Path, path: Path | None = None, within: Within = ANYWHERE
) -> NgffImage | None:
    """The first multiscale image of the group at `path`, None when it declares none."""
    reader = source if isinstance(source, MetadataReader) else MetadataReader(Path(source), within)
    path = Path(path) if path is not None else reader.root
    attrs, _ = ome_attributes(reader, path)
    return read_ome(reader, path, attrs).image if "multiscales" in attrs else None


# --- OME-XML (ome-types) ----------------------------------------------------------------------


def _q(value: Any, unit: Any) -> dict[str, Any] | None:
    """A quantity with its unit's symbol (ome-types keeps units as enums)."""
    if value is None:
        return None
    return {"value": value, "unit": getattr(unit, "value", unit)}


def _ome_xml(reader: MetadataReader, path: Path) -> dict[str, Any] | None:
    """The OME-XML file at `path` summarized (see `ome_xml_summary`); None with a problem."""
    raw = reader.read_bytes(path, limit=MAX_OME_XML_BYTES)
    if raw is None:
        return None
    try:
        return ome_xml_summary(raw.decode("utf-8"))
    except Exception as err:  # ome-types raises parser and validation errors of many kinds
        reader.problem(path, f"cannot parse the OME-XML: {short(err)}")
        return None


def _color(channel: Any) -> str | None:
    """A channel's colour as "RRGGBB", None unless the XML sets one (ome-types defaults white)."""
    if "color" not in channel.model_fields_set or channel.color is None:
        return None
    red, green, blue = channel.color.as_rgb_tuple()[:3]
    return f"{red:02X}{green:02X}{blue:02X}"


def ome_xml_summary(xml: str, limit: int = MAX_LIST) -> dict[str, Any]:
    """Per image (the first `limit`): name, acquisition date, pixels, channels (colour,
    wavelengths), objective.

    Raises whatever ome-types raises for XML it cannot parse (callers make it a problem).
    """
    from ome_types import from_xml

    ome = from_xml(xml)
    objectives = {o.id: (inst.id, o) for inst in ome.instruments for o in inst.objectives}
    images = []
    for image in ome.images[:limit]:
        px = image.pixels
        objective = None
        if image.objective_settings is not None:
            inst_id, obj = objectives.get(image.objective_settings.id, (None, None))
            if obj is not None:
                objective = {
                    "instrument": inst_id,
                    "id": obj.id,
                    "model": obj.model,
                    "manufacturer": obj.manufacturer,
                    "nominal_magnification": obj.nominal_magnification,
                    "lens_na": obj.lens_na,
                    "immersion": getattr(obj.immersion, "value", obj.immersion),
                }
        channels = [
            {
                "id": ch.id,
                "name": ch.name,
                "emission_wavelength": _q(ch.emission_wavelength, ch.emission_wavelength_unit),
                "excitation_wavelength": _q(
                    ch.excitation_wavelength, ch.excitation_wavelength_unit
                ),
                "fluor": ch.fluor,
                "color": _color(ch),
            }
            for ch in px.channels
        ]
        images.append(
            {
                "id": image.id,
                "name": image.name,
                "acquisition_date": (
                    image.acquisition_date.isoformat() if image.acquisition_date else None
                ),
                "dimension_order": getattr(px.dimension_order, "value", None),
                "size": {a: getattr(px, f"size_{a.lower()}") for a in "XYZCT"},
                "type": getattr(px.type, "value", None),
                "physical_size": {
                    a: _q(getattr(px, f"physical_size_{a}"), getattr(px, f"physical_size_{a}_unit"))
                    for a in "xyz"
                },
                "time_increment": _q(px.time_increment, px.time_increment_unit),
                "channels": channels,
                "objective": objective,
            }
        )
    return {"images": images, "images_total": len(ome.images), "instruments": len(ome.instruments)}


# --- N5 ---------------------------------------------------------------------------------------

_N5_TYPES = {
    "uint8": "u1",
    "uint16": "u2",
    "uint32": "u4",
    "uint64": "u8",
    "int8": "i1",
    "int16": "i2",
    "int32": "i4",
    "int64": "i8",
    "float32": "f4",
    "float64": "f8",
}
# Keys with a meaning of their own; everything else in attributes.json is a user attribute.
_N5_DATASET_KEYS = ("dimensions", "blockSize", "dataType", "compression", "compressionType")


@dataclass(frozen=True)
class N5Compression:
    type: Any
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class PixelResolution:
    dimensions: Any
    unit: Any


@dataclass(frozen=True)
class N5Dataset:
    """An N5 dataset. `dimensions` / `block_size` as stored (fastest axis first, F order);
    `shape` / `block_shape` reversed (C order, as zarr-python and z5py show them)."""

    dimensions: tuple[int, ...] | None
    block_size: tuple[int, ...] | None
    data_type: Any  # as stored ("uint16")
    dtype: str | None
    byte_order: str | None  # N5 blocks are big-endian
    itemsize: int | None
    compression: N5Compression | None
    pixel_resolution: PixelResolution | None
    downsampling_factors: Any
    attributes: Mapping[str, Any]
    numpy_dtype: np.dtype | None = field(default=None, compare=False)

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self.dimensions[::-1] if self.dimensions is not None else None

    @property
    def block_shape(self) -> tuple[int, ...] | None:
        return self.block_size[::-1] if self.block_size is not None else None

    @property
    def dtype_code(self) -> str | None:
        return self.numpy_dtype.str if self.numpy_dtype is not None else None

    @property
    def chunk_count(self) -> int | None:
        return grid_count(self.dimensions, self.block_size)

    @property
    def uncompressed_bytes(self) -> int | None:
        if self.dimensions is None or not self.itemsize:
            return None
        return math.prod(self.dimensions) * self.itemsize


@dataclass(frozen=True)
class N5Child:
    """A child of an N5 group, as the group lists it."""

    name: str
    kind: str  # "n5-array" | "n5-group"
    dimensions: tuple[int, ...] | None
    data_type: Any
    downsampling_factors: Any
    block_size: tuple[int, ...] | None = None  # as stored (F order)

    @property
    def path(self) -> str:
        return self.name

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self.dimensions[::-1] if self.dimensions is not None else None

    @property
    def block_shape(self) -> tuple[int, ...] | None:
        return self.block_size[::-1] if self.block_size is not None else None


@dataclass(frozen=True)
class N5Pyramid:
    """n5-viewer / BigDataViewer / saalfeld-lab multiscale conventions of a group."""

    levels: tuple[N5Child, ...]  # the s0, s1, ... children in scale order
    scales: Any
    pixel_resolution: PixelResolution | None
    resolution: Any
    units: Any
    downsampling_factors: Any


@dataclass(frozen=True)
class N5Group:
    n5_version: Any
    attributes: Mapping[str, Any]
    children: tuple[N5Child, ...]
    children_total: int
    multiscale: N5Pyramid | None


def n5_compression(attrs: dict[str, Any]) -> N5Compression | None:
    # Tolerance: N5 before 1.0 had a bare `compressionType` string instead of an object.
    comp = attrs.get("compression")
    if isinstance(comp, dict):
        return N5Compression(comp.get("type"), {k: v for k, v in comp.items() if k != "type"})
    if isinstance(attrs.get("compressionType"), str):
        return N5Compression(attrs["compressionType"], {})
    return None


def pixel_resolution(value: Any) -> PixelResolution | None:
    # Tolerance: `pixelResolution` is stored as `{dimensions, unit}` or as a bare list.
    if isinstance(value, dict):
        return PixelResolution(value.get("dimensions"), value.get("unit"))
    if isinstance(value, list):
        return PixelResolution(value, None)
    return None


def is_n5_dataset(attrs: dict[str, Any]) -> bool:
    return "dimensions" in attrs and "dataType" in attrs


def n5_dataset(reader: MetadataReader, path: Path, attrs: dict[str, Any]) -> N5Dataset:
    """An N5 dataset from its `attributes.json` document."""
    meta = path / "attributes.json"
    dims = _dims(reader, meta, "dimensions", attrs.get("dimensions"))
    block = _dims(reader, meta, "blockSize", attrs.get("blockSize"), low=1)
    data_type = attrs.get("dataType")
    known = isinstance(data_type, str) and data_type in _N5_TYPES
    np_type = numpy_dtype(">" + _N5_TYPES[data_type]) if known else None
    if np_type is None:
        reader.problem(meta, f"attributes.json: unknown dataType {data_type!r}")
    return N5Dataset(
        dimensions=dims,
        block_size=block,
        data_type=data_type,
        compression=n5_compression(attrs),
        pixel_resolution=pixel_resolution(attrs.get("pixelResolution")),
        downsampling_factors=attrs.get("downsamplingFactors"),
        attributes={k: v for k, v in attrs.items() if k not in _N5_DATASET_KEYS},
        **_dtype_fields(np_type),
    )


def n5_child(name: str, attrs: dict[str, Any]) -> N5Child:
    dims = int_list(attrs.get("dimensions"))
    block = int_list(attrs.get("blockSize"), low=1)
    return N5Child(
        name=name,
        kind="n5-array" if is_n5_dataset(attrs) else "n5-group",
        dimensions=tuple(dims) if dims is not None else None,
        data_type=attrs.get("dataType"),
        downsampling_factors=attrs.get("downsamplingFactors"),
        block_size=tuple(block) if block is not None else None,
    )


def n5_pyramid(attrs: dict[str, Any], levels: tuple[N5Child, ...]) -> N5Pyramid | None:
    """The group's multiscale description, None when it has no levels and no scale keys."""
    if not levels and not any(k in attrs for k in ("scales", "downsamplingFactors")):
        return None
    return N5Pyramid(
        levels=levels,
        scales=attrs.get("scales"),
        pixel_resolution=pixel_resolution(attrs.get("pixelResolution")),
        resolution=attrs.get("resolution"),
        units=attrs.get("units"),
        downsampling_factors=attrs.get("downsamplingFactors"),
    )


# --- TIFF -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TiffLevel:
    level: int
    shape: tuple[int, ...]
    tile: tuple[int, int] | None
    rows_per_strip: int | None
    compression: str | None
    predictor: str | None
    photometric: str | None
    planar: str | None
    subifd: bool


@dataclass(frozen=True)
class TiffChannel:
    """A channel of a TIFF series; `window` its display range (ImageJ's min/max, Ranges)."""

    name: Any
    color: Any
    emission_wavelength: Any
    excitation_wavelength: Any
    window: Window | None = None


@dataclass(frozen=True)
class TiffSeries:
    """One series of a TIFF file (built by `formats.tiff` from tifffile's series).

    `axes` is tifffile's axes string ("CZYX"), `dims` the lowercase names; `pixel_size`
    `{axis: (value, unit)}`; `time_spacing` `(value, unit)` between time points (OME-XML's
    TimeIncrement, ImageJ's frame interval), None when unknown; `dtype` the plain name,
    `byte_order` the file's.
    """

    index: int
    name: str | None
    kind: str | None
    axes: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str | None
    byte_order: str | None
    itemsize: int | None
    logical_bytes: int
    levels: tuple[TiffLevel, ...]
    pixel_size: Mapping[str, tuple[Any, Any]]
    channels: tuple[TiffChannel, ...]
    numpy_dtype: np.dtype | None = field(default=None, compare=False)
    time_spacing: tuple[float, str | None] | None = None

    @property
    def dtype_code(self) -> str | None:
        return self.numpy_dtype.str if self.numpy_dtype is not None else None


@dataclass(frozen=True)
class FileSeries:
    """A folder of TIFF planes, one file per (t, c, z), named by a pattern such as
    `img_t{t}_z{z}_c{c}.tif` (built by `formats.series`; the conversion reads the same).

    `axes` in OME order ("tczyx"; the pattern's axes, then the plane's y and x), `sizes` one
    per axis; `starts` the first number of each pattern axis; `plane_shape` and `dtype` those
    of the first file (None when it is unreadable); `file_count` the files that match;
    `guessed` whether the pattern was guessed from the names; `problem` a gap, a duplicate
    or an unreadable first plane, naming the file, or None.

    Tolerance: names that do not match the pattern (a README, hidden files) are ignored.
    Tolerance: numbers need not start at 0 (z from 1) nor share one width (z9, z10).
    """

    pattern: str
    axes: str
    sizes: Mapping[str, int]
    starts: Mapping[str, int]
    plane_shape: tuple[int, ...] | None
    dtype: str | None
    file_count: int
    guessed: bool
    problem: str | None = None


# ImageJ's time units (Calibration.getTimeUnit, "sec" unless set) -> UDUNITS names.
_IMAGEJ_TIME_UNITS = {
    "sec": "second",
    "s": "second",
    "second": "second",
    "seconds": "second",
    "ms": "millisecond",
    "msec": "millisecond",
    "us": "microsecond",
    "\\u00B5s": "microsecond",  # ImageJ's escaped micro sign
    "µs": "microsecond",
    "min": "minute",
    "minute": "minute",
    "minutes": "minute",
    "h": "hour",
    "hr": "hour",
    "hour": "hour",
    "hours": "hour",
    "ns": "nanosecond",  # OME-XML's TimeIncrementUnit symbols share this table
}


def time_unit(unit: Any) -> str | None:
    """The UDUNITS name of an ImageJ or OME-XML time unit; None for no unit.

    Tolerance: an unknown time unit is kept as written.
    """
    text = getattr(unit, "value", unit)
    return _IMAGEJ_TIME_UNITS.get(text, text) if isinstance(text, str) and text else None


def ome_time_spacing(increment: Mapping[str, Any] | None) -> tuple[float, str | None] | None:
    """An OME-XML `TimeIncrement` (`ome_xml_summary`'s `{value, unit}`) as (value, unit);
    None without a positive increment."""
    value = _float((increment or {}).get("value"))
    if value is None or value <= 0:
        return None
    return value, time_unit((increment or {}).get("unit"))


def imagej_time_spacing(imagej: Mapping[str, Any] | None) -> tuple[float, str | None] | None:
    """ImageJ's frame interval (`finterval`, in `tunit`, seconds by default) as
    (value, UDUNITS unit); None without a positive interval.

    Tolerance: an unknown time unit is kept as written.
    """
    interval = _float((imagej or {}).get("finterval"))
    if interval is None or interval <= 0:
        return None
    return interval, time_unit((imagej or {}).get("tunit") or "sec")


def imagej_windows(imagej: Mapping[str, Any] | None, count: int) -> list[Window | None]:
    """The display range of each of `count` channels: ImageJ's `Ranges` (min, max per
    channel), else for a single channel its `min` / `max`. None where unknown."""
    imagej = imagej or {}
    ranges = imagej.get("Ranges")
    pairs: list[tuple[float | None, float | None]] = []
    if isinstance(ranges, list | tuple) and len(ranges) == 2 * count:
        pairs = [(_float(ranges[2 * i]), _float(ranges[2 * i + 1])) for i in range(count)]
    elif count == 1:
        pairs = [(_float(imagej.get("min")), _float(imagej.get("max")))]
    windows: list[Window | None] = [None] * count
    for index, (low, high) in enumerate(pairs):
        if low is not None and high is not None and low <= high:
            # A display range is where the ramp starts and ends; the data range is unknown.
            windows[index] = Window(start=low, end=high, min=None, max=None)
    return windows


def imagej_lut_colors(imagej: Mapping[str, Any] | None, count: int) -> list[str | None]:
    """The colour each of `count` channels' ImageJ LUT gives its brightest value, as
    "RRGGBB" (a red LUT is "FF0000"); Nones without one LUT per channel.

    Tolerance: a LUT that is not 3 x 256 values (ImageJ writes 8-bit RGB tables) has no colour.
    """
    luts = (imagej or {}).get("LUTs")
    if not isinstance(luts, list | tuple) or len(luts) != count:
        return [None] * count
    colors: list[str | None] = []
    for lut in luts:
        try:
            table = np.asarray(lut)
        except (TypeError, ValueError):
            table = np.zeros(0)
        if table.shape != (3, 256) or not np.issubdtype(table.dtype, np.number):
            colors.append(None)
            continue
        red, green, blue = (min(max(int(v), 0), 255) for v in table[:, 255])
        colors.append(f"{red:02X}{green:02X}{blue:02X}")
    return colors


def imagej_channel_names(
    imagej: Mapping[str, Any] | None, axes: str, shape: tuple[int, ...]
) -> list[str | None]:
    """The channel names ImageJ's slice `Labels` (one per plane) give, or Nones.

    Tolerance: ImageJ has no channel names, only a label per plane; they name the channels
    only when every plane of a channel has the same label (a channel-only stack, or labels
    repeated per channel). Per-plane labels ("t0 z3") name no channel.
    """
    count = int(shape[axes.index("C")]) if "C" in axes else 1
    labels = (imagej or {}).get("Labels")
    plane_axes = [i for i, a in enumerate(axes) if a not in "YXS"]
    planes = math.prod(int(shape[i]) for i in plane_axes)
    if not isinstance(labels, list | tuple) or len(labels) != planes or planes == 0:
        return [None] * count
    if "C" not in axes:
        return [labels[0]] if planes == 1 and isinstance(labels[0], str) else [None]
    plane_shape = tuple(int(shape[i]) for i in plane_axes)
    channel_at = plane_axes.index(axes.index("C"))
    names: list[set[Any]] = [set() for _ in range(count)]
    for plane, label in enumerate(labels):
        names[int(np.unravel_index(plane, plane_shape)[channel_at])].add(label)
    return [
        next(iter(found)) if len(found) == 1 and isinstance(next(iter(found)), str) else None
        for found in names
    ]


def dtype_fields(dtype: np.dtype | None) -> dict[str, Any]:
    """`dtype`, `byte_order`, `itemsize`, `numpy_dtype` of a numpy dtype, for the models."""
    return _dtype_fields(dtype)
