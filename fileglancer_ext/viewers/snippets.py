"""Ready-to-run code that opens a dataset: `fileglancer_ext.open` (every kind), zarr-python,
dask, ome-zarr-py, napari, fsspec, and tifffile for TIFF and OME-TIFF.

`code_snippets(summary, location, target)` returns `[{"language", "title", "code",
"target"}]` for one place the data can be read from: `target="local"` for a path on the
server's file system, `"link"` for a share link's URL. For OME-Zarr, array snippets open
the first pyramid level at the path its metadata declares (it may be "0", "s0", ...).
Each snippet is complete (imports included) and ends by printing the shape and dtype.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict
from urllib.parse import quote

Target = Literal["local", "link"]

# Kinds whose folder ome-zarr-py's Reader and napari-ome-zarr open as an image.
_OME_IMAGE_KINDS = frozenset({"ome-zarr"})
# Kinds `fileglancer_ext.open` reads (`notebook.opening`), from a path or a data link.
_OPENABLE_KINDS = frozenset(
    {"ome-zarr", "zarr-array", "bioformats2raw", "n5-array", "n5-group", "tiff", "ome-tiff"}
)
_TIFF_KINDS = frozenset({"tiff", "ome-tiff"})


class Snippet(TypedDict):
    language: str
    title: str
    code: str
    target: Target


def first_level_path(summary: dict[str, Any]) -> str | None:
    """The declared path of the first level of the first multiscale, or None."""
    multiscales = (summary.get("ome") or {}).get("multiscales") or []
    datasets = multiscales[0].get("datasets") if multiscales else None
    path = datasets[0].get("path") if datasets else None
    return path if isinstance(path, str) and path else None


def code_snippets(
    summary: dict[str, Any], location: str, target: Target, *, file_name: str | None = None
) -> list[Snippet]:
    """Snippets that read the dataset of `summary` from `location` (a path or a URL).

    A data link to a single file (a TIFF) is answered at `<link>/<its name>` too: with
    `file_name`, link snippets read that URL, whose suffix tells readers it is a TIFF.

    Empty for kinds no snippet applies to (plain groups, plates, folders).
    `fileglancer_ext.open` comes first: it reads every kind, from a path or a link alike.
    """
    kind = summary.get("kind")
    if target == "link" and file_name and kind in _TIFF_KINDS:
        location = location.rstrip("/") + "/" + quote(file_name)
    loc = repr(location)  # a valid Python literal for any path or URL
    snippets: list[Snippet] = []

    def add(title: str, code: str, language: str = "python") -> None:
        snippets.append({"language": language, "title": title, "code": code, "target": target})

    level = first_level_path(summary) if kind in _OME_IMAGE_KINDS else None
    if kind in _OME_IMAGE_KINDS and level is None:
        return snippets  # no usable multiscale: nothing we could point a reader at
    if kind in _OPENABLE_KINDS:
        add("fileglancer_ext.open", _fileglancer_open(loc))
    if kind in _TIFF_KINDS:
        add("tifffile", _tifffile(loc, target))
        return snippets
    if kind == "zarr-array":
        add("zarr-python", _zarr_array(loc))
        add("dask.array", _dask(loc, None))
    elif level is not None:
        add("zarr-python", _zarr_level(loc, level))
        add("dask.array", _dask(loc, level))
        add("ome-zarr-py", _ome_zarr(loc))
        add("napari", _napari(loc))
    if target == "link" and (kind == "zarr-array" or level is not None):
        add("fsspec", _fsspec(loc, level, kind))
    return snippets


def _zarr_array(loc: str) -> str:
    return (
        "import zarr\n\n"
        f'image = zarr.open_array({loc}, mode="r")\n'
        "print(image.shape, image.dtype)\n"
    )


def _zarr_level(loc: str, level: str) -> str:
    return (
        "import zarr\n\n"
        f'group = zarr.open_group({loc}, mode="r")\n'
        f"image = group[{level!r}]  # the full-resolution level\n"
        "print(image.shape, image.dtype)\n"
    )


def _dask(loc: str, level: str | None) -> str:
    component = "" if level is None else f", component={level!r}"
    return (
        "import dask.array as da\n\n"
        f"image = da.from_zarr({loc}{component})\n"
        "print(image.shape, image.dtype)\n"
    )


def _ome_zarr(loc: str) -> str:
    return (
        "from ome_zarr.io import parse_url\n"
        "from ome_zarr.reader import Reader\n\n"
        f"reader = Reader(parse_url({loc}))\n"
        "image_node = next(iter(reader()))  # the image itself comes first\n"
        "pyramid = image_node.data  # one dask array per level, full resolution first\n"
        "image = pyramid[0]\n"
        "print(image.shape, image.dtype)\n"
    )


def _napari(loc: str) -> str:
    return (
        "import napari\n\n"
        "viewer = napari.Viewer()\n"
        f'viewer.open({loc}, plugin="napari-ome-zarr")\n'
        "napari.run()\n"
    )


def _fsspec(loc: str, level: str | None, kind: str | None) -> str:
    if kind == "zarr-array" or level is None:
        open_line = 'image = zarr.open_array(store, mode="r")\n'
    else:
        open_line = f'image = zarr.open_group(store, mode="r")[{level!r}]\n'
    return (
        "import fsspec\nimport zarr\n\n"
        f"store = fsspec.get_mapper({loc})\n"
        f"{open_line}"
        "print(image.shape, image.dtype)\n"
    )


def _fileglancer_open(loc: str) -> str:
    return (
        "import fileglancer_ext\n\n"
        f"image = fileglancer_ext.open({loc})  # lazy: data is read when computed\n"
        "print(image.shape, image.dtype)\n"
    )


def _tifffile(loc: str, target: Target) -> str:
    if target == "link":
        source = f'fsspec.open({loc}, "rb").open()'
        imports = "import dask.array as da\nimport fsspec\nimport tifffile\nimport zarr\n\n"
    else:
        source = loc
        imports = "import dask.array as da\nimport tifffile\nimport zarr\n\n"
    return (
        f"{imports}"
        f"tif = tifffile.TiffFile({source})\n"
        "# Level 0 of the first series, read tile by tile as a computation needs it.\n"
        'image = da.from_zarr(zarr.open_array(tif.series[0].aszarr(level=0), mode="r"))\n'
        "print(image.shape, image.dtype)\n"
    )
