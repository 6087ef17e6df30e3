"""Generate the built-in demo data set.

The demo data is synthesised locally (never downloaded) with the same libraries real
pipelines use (zarr, ome-zarr, tifffile), so the browser sees genuine files: OME-Zarr 0.4
and 0.5 pyramids, plain and sharded Zarr arrays, OME-TIFF and plain TIFF, a folder of TIFF
planes (a file series) and a folder with many small files. Image content is deterministic
(seeded) gaussian "cells" on a gentle gradient, so thumbnails show something recognisable.

Every dataset is written into a hidden staging directory next to its final location and
renamed into place when complete, so an interrupted run never leaves a dataset that looks
valid. Existing datasets are kept unless ``overwrite=True``, which makes repeated runs quick.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

KIND_OME_ZARR = "ome-zarr"
KIND_ZARR_ARRAY = "zarr-array"
KIND_TIFF = "tiff"
KIND_OME_TIFF = "ome-tiff"
KIND_N5_GROUP = "n5-group"
KIND_FOLDER = "directory"
KIND_TIFF_SERIES = "tiff-series"


@dataclass(frozen=True)
class DemoDataset:
    name: str  # relative path inside the demo folder, e.g. "ome-zarr-0.4/cells.ome.zarr"
    kind: str  # the detected kind: "ome-zarr", "zarr-array", "tiff", "ome-tiff", "directory"
    description: str  # one human sentence


OME_ZARR_V04 = DemoDataset(
    "ome-zarr-0.4/cells.ome.zarr",
    KIND_OME_ZARR,
    "Three-channel 3D image of synthetic cells as an OME-NGFF 0.4 (Zarr v2) pyramid,"
    " with its nuclei as a label image.",
)
OME_ZARR_V05 = DemoDataset(
    "ome-zarr-0.5/cells.ome.zarr",
    KIND_OME_ZARR,
    "The same three-channel cell image and labels as an OME-NGFF 0.5 (Zarr v3) pyramid.",
)
ZARR_V2_ARRAY = DemoDataset(
    "zarr-v2/volume.zarr",
    KIND_ZARR_ARRAY,
    "A plain float32 Zarr v2 volume with Blosc compression and a few attributes.",
)
ZARR_V3_SHARDED = DemoDataset(
    "zarr-v3/sharded.zarr",
    KIND_ZARR_ARRAY,
    "A uint16 Zarr v3 volume stored in shards of many zstd-compressed chunks.",
)
OME_TIFF = DemoDataset(
    "tiff/cells.ome.tif",
    KIND_OME_TIFF,
    "The three-channel cell image as a tiled, compressed OME-TIFF with a SubIFD pyramid.",
)
PLAIN_TIFF = DemoDataset(
    "tiff/stack.tif",
    KIND_TIFF,
    "A plain 20-page 8-bit TIFF stack without OME metadata.",
)
N5_PYRAMID = DemoDataset(
    "n5/nuclei.n5",
    KIND_N5_GROUP,
    "The nuclei channel as an N5 multiscale group (s0-s2) with n5-viewer pixel sizes.",
)
FILE_SERIES = DemoDataset(
    "series/cells-planes",
    KIND_TIFF_SERIES,
    "A folder of 40 single-plane TIFFs, cells_z00_c0.tif ...: 20 z planes of two channels.",
)
MANY_FILES = DemoDataset(
    "many-files",
    KIND_FOLDER,
    "A folder with thousands of small text files and a couple of subfolders.",
)

DEMO_DATASETS: tuple[DemoDataset, ...] = (
    OME_ZARR_V04,
    OME_ZARR_V05,
    ZARR_V2_ARRAY,
    ZARR_V3_SHARDED,
    OME_TIFF,
    PLAIN_TIFF,
    N5_PYRAMID,
    FILE_SERIES,
    MANY_FILES,
)

# Shared by the OME-Zarr and OME-TIFF datasets so they show the same image.
CELLS_SHAPE = (3, 16, 256, 256)  # (c, z, y, x)
CELLS_PYRAMID_LEVELS = 3  # level 0 plus two levels halved in y and x
PIXEL_SIZE_UM = {"z": 2.0, "y": 0.5, "x": 0.5}
CHANNEL_NAMES = ("DAPI", "GFP", "mCherry")
CHANNEL_COLORS = ("0000FF", "00FF00", "FF0000")
LABEL_NAME = "nuclei"  # the OME-Zarr images' label image, labels/nuclei

# Staging directories older than this are leftovers of an interrupted run, not a live writer.
STALE_STAGING_AGE_S = 3600.0


# --- public entry point -------------------------------------------------------------------


def write_demo_data(
    destination: Path, *, many_files: int = 5000, overwrite: bool = False
) -> list[DemoDataset]:
    """Write every demo dataset under destination (created if missing); return what was written.

    If a dataset already exists it is left alone unless overwrite=True (so running the demo
    twice is quick). The returned list always names every demo dataset, in a stable order:
    after this call each of them exists under destination.
    """
    if many_files < 0:
        raise ValueError(f"many_files must be >= 0, got {many_files}")
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)

    writers: dict[DemoDataset, Callable[[Path], None]] = {
        OME_ZARR_V04: lambda path: _write_ome_zarr(path, ngff_version="0.4"),
        OME_ZARR_V05: lambda path: _write_ome_zarr(path, ngff_version="0.5"),
        ZARR_V2_ARRAY: _write_zarr_v2_volume,
        ZARR_V3_SHARDED: _write_zarr_v3_sharded_volume,
        OME_TIFF: _write_ome_tiff,
        PLAIN_TIFF: _write_plain_tiff_stack,
        N5_PYRAMID: _write_n5_pyramid,
        FILE_SERIES: _write_file_series,
        MANY_FILES: lambda path: _write_many_files(path, many_files),
    }
    for dataset in DEMO_DATASETS:
        final = destination / dataset.name
        _remove_stale_staging_dirs(final)
        if final.exists() and not overwrite:
            log.debug("Demo dataset %s already exists; keeping it", final)
            continue
        started = time.perf_counter()
        _write_atomically(final, writers[dataset], overwrite=overwrite)
        log.info("Wrote demo dataset %s in %.2f s", final, time.perf_counter() - started)
    return list(DEMO_DATASETS)


# --- atomic placement ---------------------------------------------------------------------


def _write_atomically(final: Path, write: Callable[[Path], None], *, overwrite: bool) -> None:
    """Run write() on a path inside a hidden sibling staging dir, then rename it into place.

    The rename is atomic on one filesystem, so readers see either nothing or a complete
    dataset. The staging dir also receives the replaced dataset, so one rmtree cleans up.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(final), dir=final.parent))
    try:
        built = staging / final.name
        write(built)
        if final.exists():
            if not overwrite:
                return  # another writer finished first; keep its copy, discard ours
            final.rename(staging / "replaced")
        built.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging_prefix(final: Path) -> str:
    return f".{final.name}.tmp-"


def _remove_stale_staging_dirs(final: Path) -> None:
    """Delete staging dirs that an interrupted earlier run left next to final."""
    cutoff = time.time() - STALE_STAGING_AGE_S
    for leftover in final.parent.glob(_staging_prefix(final) + "*"):
        try:
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)
        except FileNotFoundError:
            pass  # removed concurrently


# --- synthetic image content --------------------------------------------------------------


@dataclass(frozen=True)
class _Blobs:
    """Anisotropic 3D gaussians: centers/sigmas are (n, 3) in (z, y, x) voxels."""

    centers: np.ndarray
    sigmas: np.ndarray
    amplitudes: np.ndarray


def _random_blobs(
    rng: np.random.Generator,
    count: int,
    extent: tuple[int, int, int],
    sigma: tuple[float, float, float],
    amplitude: tuple[float, float] = (0.5, 1.0),
) -> _Blobs:
    centers = rng.uniform(0.0, 1.0, (count, 3)) * np.asarray(extent, dtype=float)
    # One size factor per blob keeps each blob's aspect ratio, like real nuclei.
    sigmas = rng.uniform(0.7, 1.4, (count, 1)) * np.asarray(sigma, dtype=float)
    amplitudes = rng.uniform(*amplitude, count)
    return _Blobs(centers, sigmas, amplitudes)


def _jittered(blobs: _Blobs, rng: np.random.Generator, sigma_scale: float) -> _Blobs:
    """Blobs around the same centres but wider, e.g. cytoplasm around nuclei."""
    centers = blobs.centers + rng.normal(0.0, 1.0, blobs.centers.shape)
    amplitudes = rng.uniform(0.3, 0.7, len(blobs.amplitudes))
    return _Blobs(centers, blobs.sigmas * sigma_scale, amplitudes)


def _render_blobs(
    blobs: _Blobs, shape: tuple[int, int, int], origin: tuple[int, int, int] = (0, 0, 0)
) -> np.ndarray:
    """Render the part of the blobs that falls in the box shape+origin, as float32.

    Each blob only touches its +-3 sigma bounding box, built from three 1D gaussians, so
    rendering costs about the blobs' volume rather than count x image size.
    """
    out = np.zeros(shape, dtype=np.float32)
    box_lo = np.asarray(origin)
    box_hi = box_lo + np.asarray(shape)
    for center, sigma, amplitude in zip(blobs.centers, blobs.sigmas, blobs.amplitudes, strict=True):
        lo = np.maximum(np.floor(center - 3 * sigma).astype(int), box_lo)
        hi = np.minimum(np.ceil(center + 3 * sigma).astype(int) + 1, box_hi)
        if np.any(hi <= lo):
            continue
        gz, gy, gx = (
            np.exp(-0.5 * ((np.arange(a, b) - c) / s) ** 2).astype(np.float32)
            for a, b, c, s in zip(lo, hi, center, sigma, strict=True)
        )
        region = tuple(slice(a - o, b - o) for a, b, o in zip(lo, hi, box_lo, strict=True))
        out[region] += amplitude * gz[:, None, None] * gy[None, :, None] * gx[None, None, :]
    return out


def _gradient(height: int, width: int, direction: float) -> np.ndarray:
    """A 2D ramp from 0 to 1 along the given angle (radians), as float32."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = np.cos(direction) * xx / width + np.sin(direction) * yy / height
    return ((ramp - ramp.min()) / (ramp.max() - ramp.min())).astype(np.float32)


def _quantize_in_place(image: np.ndarray, dtype: type[np.integer], full_scale: float) -> np.ndarray:
    """Scale a float32 image where ~1.0 is bright to an integer type, clipping overflow.

    Works in place (image is overwritten) because the sharded volume's slabs are 64 MB each.
    """
    image *= full_scale
    np.rint(image, out=image)
    np.clip(image, 0, np.iinfo(dtype).max, out=image)
    return image.astype(dtype)


def _cells_image(seed: int = 2024) -> np.ndarray:
    """The (c, z, y, x) uint16 cell image: nuclei, cytoplasm around them, and puncta."""
    return _cells(seed)[0]


def _cells(seed: int = 2024) -> tuple[np.ndarray, _Blobs]:
    """The cell image (`_cells_image`) and its nuclei."""
    rng = np.random.default_rng(seed)
    _, depth, height, width = CELLS_SHAPE
    extent = (depth, height, width)
    nuclei = _random_blobs(rng, 45, extent, sigma=(2.0, 7.0, 7.0))
    cytoplasm = _jittered(nuclei, rng, sigma_scale=2.0)
    puncta = _random_blobs(rng, 250, extent, sigma=(1.0, 1.8, 1.8), amplitude=(0.3, 1.0))
    channels = []
    for index, blobs in enumerate((nuclei, cytoplasm, puncta)):
        background = 0.04 + 0.06 * _gradient(height, width, direction=index * 2.1)
        channels.append(_render_blobs(blobs, extent) + background)
    return _quantize_in_place(np.stack(channels), np.uint16, full_scale=20000), nuclei


def _nuclei_labels(nuclei: _Blobs) -> np.ndarray:
    """The (z, y, x) uint16 segmentation of the nuclei: nucleus i (from 1) fills the
    ellipsoid of 1.5 sigma around its centre; where two overlap, the first one wins."""
    labels = np.zeros(CELLS_SHAPE[1:], np.uint16)
    for number, (center, sigma) in enumerate(zip(nuclei.centers, nuclei.sigmas, strict=True), 1):
        lo = np.maximum(np.floor(center - 1.5 * sigma).astype(int), 0)
        hi = np.minimum(np.ceil(center + 1.5 * sigma).astype(int) + 1, labels.shape)
        if np.any(hi <= lo):
            continue
        grid = np.ogrid[tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))]
        inside = (
            sum(((g - c) / s) ** 2 for g, c, s in zip(grid, center, sigma, strict=True)) <= 2.25
        )
        region = labels[tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))]
        region[inside & (region == 0)] = number
    return labels


def _label_colors(count: int) -> list[dict]:
    """`image-label` colours of labels 1..count: hues a golden angle apart, opaque."""
    import colorsys

    colors = []
    for number in range(1, count + 1):
        red, green, blue = colorsys.hsv_to_rgb((number * 0.618034) % 1.0, 0.85, 1.0)
        rgba = [round(red * 255), round(green * 255), round(blue * 255), 255]
        colors.append({"label-value": number, "rgba": rgba})
    return colors


def _downsample_yx(image: np.ndarray) -> np.ndarray:
    """Halve the last two axes by 2x2 averaging, keeping the dtype."""
    *lead, height, width = image.shape
    binned = image.reshape(*lead, height // 2, 2, width // 2, 2).mean(axis=(-3, -1))
    return binned.astype(image.dtype)


# --- OME-Zarr ----------------------------------------------------------------------------


def _omero_metadata(image: np.ndarray) -> dict:
    """OMERO rendering settings: channel names, hex colours and per-channel display windows."""
    limit = float(np.iinfo(image.dtype).max)
    channels = []
    for index, (name, color) in enumerate(zip(CHANNEL_NAMES, CHANNEL_COLORS, strict=True)):
        plane = image[index]
        channels.append(
            {
                "label": name,
                "color": color,
                "active": True,
                "window": {
                    "min": 0.0,
                    "max": limit,
                    "start": float(np.percentile(plane, 1)),
                    "end": float(np.percentile(plane, 99.9)),
                },
            }
        )
    return {"name": "cells", "channels": channels, "rdefs": {"model": "color"}}


def _write_ome_zarr(path: Path, *, ngff_version: str) -> None:
    import zarr

    with warnings.catch_warnings():
        # ome_zarr.writer warns about its own deprecated Scaler default at import time.
        warnings.simplefilter("ignore", DeprecationWarning)
        from ome_zarr.format import FormatV04, FormatV05
        from ome_zarr.writer import write_image, write_labels

    fmt = FormatV04() if ngff_version == "0.4" else FormatV05()
    image, nuclei = _cells()
    group = zarr.open_group(path, mode="w", zarr_format=fmt.zarr_format)
    write_image(
        image,
        group,
        # Integer factors downsample y and x only; z is too thin to halve.
        scale_factors=[2**level for level in range(1, CELLS_PYRAMID_LEVELS)],
        fmt=fmt,
        axes=["c", "z", "y", "x"],
        scale={"c": 1.0, **PIXEL_SIZE_UM},
        axes_units={axis: "micrometer" for axis in PIXEL_SIZE_UM},
        name="cells",
        storage_options={"chunks": (1, CELLS_SHAPE[1], 128, 128)},
        omero=_omero_metadata(image),
    )
    # The nuclei's segmentation as the image's label image `labels/nuclei` (NGFF labels).
    write_labels(
        _nuclei_labels(nuclei),
        group,
        name=LABEL_NAME,
        scaler=None,  # the scale factors, as for the image: not ome-zarr's default Scaler
        scale_factors=[2**level for level in range(1, CELLS_PYRAMID_LEVELS)],
        fmt=fmt,
        axes=["z", "y", "x"],
        scale=PIXEL_SIZE_UM,
        axes_units={axis: "micrometer" for axis in PIXEL_SIZE_UM},
        storage_options={"chunks": (CELLS_SHAPE[1], 128, 128)},
        label_metadata={"colors": _label_colors(len(nuclei.centers))},
    )


# --- N5 ----------------------------------------------------------------------------------


def _write_n5_pyramid(path: Path) -> None:
    """The nuclei channel, (z, y, x), as N5 levels s0-s2 written by tensorstore. N5 lists
    dimensions fastest first; pixel sizes follow the n5-viewer conventions."""
    import tensorstore as ts

    level = _cells_image()[0]
    resolution = [PIXEL_SIZE_UM["x"], PIXEL_SIZE_UM["y"], PIXEL_SIZE_UM["z"]]
    for index in range(CELLS_PYRAMID_LEVELS):
        factors = [2**index, 2**index, 1]
        spec = {
            "driver": "n5",
            "kvstore": {"driver": "file", "path": str(path / f"s{index}")},
            "metadata": {
                "dimensions": list(reversed(level.shape)),
                "blockSize": [64, 64, level.shape[0]],
                "dataType": "uint16",
                "compression": {"type": "gzip", "level": 5},
            },
            "create": True,
        }
        store = ts.open(spec).result()
        store.T.write(level).result()
        attributes = json.loads((path / f"s{index}" / "attributes.json").read_text())
        attributes["downsamplingFactors"] = factors
        (path / f"s{index}" / "attributes.json").write_text(json.dumps(attributes))
        level = _downsample_yx(level)
    group = {
        "n5": "4.0.0",
        "axes": ["x", "y", "z"],
        "pixelResolution": {"dimensions": resolution, "unit": "um"},
        "scales": [[2**i, 2**i, 1] for i in range(CELLS_PYRAMID_LEVELS)],
    }
    (path / "attributes.json").write_text(json.dumps(group))


# --- plain Zarr arrays -------------------------------------------------------------------


def _write_zarr_v2_volume(path: Path) -> None:
    import numcodecs
    import zarr

    shape = (64, 256, 256)
    rng = np.random.default_rng(7)
    blobs = _random_blobs(rng, 80, shape, sigma=(3.0, 8.0, 8.0))
    volume = _render_blobs(blobs, shape) + 0.05 * _gradient(shape[1], shape[2], direction=0.6)
    # Multiples of 1/256 leave the low mantissa bits zero, so Blosc compresses ~8x better.
    volume = np.round(volume * 256) / 256
    array = zarr.create_array(
        path,
        shape=shape,
        dtype="float32",
        chunks=(32, 64, 64),
        compressors=numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),
        zarr_format=2,
        attributes={
            "description": "Synthetic fluorescence volume (fileglancer-ext demo data)",
            "voxel_size": [1.0, 0.5, 0.5],
            "voxel_unit": "micrometer",
            "axes": ["z", "y", "x"],
        },
    )
    array[:] = volume


def _write_zarr_v3_sharded_volume(path: Path) -> None:
    import zarr
    from zarr.codecs import ZstdCodec

    shape = (128, 512, 512)
    shards = (64, 256, 256)
    rng = np.random.default_rng(11)
    blobs = _random_blobs(rng, 220, shape, sigma=(3.5, 6.0, 6.0))
    background = 0.04 + 0.04 * _gradient(shape[1], shape[2], direction=2.4)
    array = zarr.create_array(
        path,
        shape=shape,
        dtype="uint16",
        chunks=(32, 64, 64),
        shards=shards,
        compressors=ZstdCodec(level=3),
        dimension_names=["z", "y", "x"],
        attributes={
            "description": "Sharded synthetic volume (fileglancer-ext demo data)",
            "voxel_size": [1.0, 0.25, 0.25],
            "voxel_unit": "micrometer",
        },
    )
    # Whole-shard slabs: bounded memory, and no shard is ever read back to be updated.
    for z0 in range(0, shape[0], shards[0]):
        slab_shape = (shards[0], shape[1], shape[2])
        slab = _render_blobs(blobs, slab_shape, origin=(z0, 0, 0))
        slab += background
        array[z0 : z0 + shards[0]] = _quantize_in_place(slab, np.uint16, full_scale=3000)


# --- TIFF --------------------------------------------------------------------------------


def _write_ome_tiff(path: Path) -> None:
    import tifffile

    image = _cells_image()
    levels = [image]
    for _ in range(1, CELLS_PYRAMID_LEVELS):
        levels.append(_downsample_yx(levels[-1]))
    metadata = {
        "axes": "CZYX",
        "Name": "cells",
        "PhysicalSizeX": PIXEL_SIZE_UM["x"],
        "PhysicalSizeXUnit": "µm",
        "PhysicalSizeY": PIXEL_SIZE_UM["y"],
        "PhysicalSizeYUnit": "µm",
        "PhysicalSizeZ": PIXEL_SIZE_UM["z"],
        "PhysicalSizeZUnit": "µm",
        "Channel": {
            "Name": list(CHANNEL_NAMES),
            "Color": [_ome_xml_color(color) for color in CHANNEL_COLORS],
        },
    }
    # The horizontal predictor makes zlib effective on smooth 16-bit data.
    options = {
        "photometric": "minisblack",
        "tile": (64, 64),
        "compression": "zlib",
        "predictor": True,
    }
    with tifffile.TiffWriter(path, ome=True) as tif:
        tif.write(levels[0], subifds=len(levels) - 1, metadata=metadata, **options)
        # Reduced levels go into the SubIFDs of the pages just written (OME-TIFF pyramid).
        for level in levels[1:]:
            tif.write(level, subfiletype=1, metadata=None, **options)


def _ome_xml_color(hex_rgb: str) -> int:
    """OME-XML stores colours as RGBA packed into a signed 32-bit integer."""
    rgba = (int(hex_rgb, 16) << 8) | 0xFF
    return rgba - (1 << 32) if rgba >= 1 << 31 else rgba


def _write_plain_tiff_stack(path: Path) -> None:
    import tifffile

    shape = (20, 256, 256)
    blobs = _random_blobs(np.random.default_rng(5), 60, shape, sigma=(2.0, 6.0, 6.0))
    stack = _render_blobs(blobs, shape) + 0.1 * _gradient(shape[1], shape[2], direction=0.0)
    # metadata=None: no tifffile/ImageJ/OME description, just 20 ordinary pages.
    tifffile.imwrite(
        path,
        _quantize_in_place(stack, np.uint8, full_scale=200),
        photometric="minisblack",
        metadata=None,
    )


def _write_file_series(path: Path) -> None:
    """Two channels of 20 z planes, one small TIFF per plane, as a microscope exports them."""
    import tifffile

    path.mkdir()
    shape = (20, 128, 128)
    for channel in range(2):
        rng = np.random.default_rng(11 + channel)
        blobs = _random_blobs(rng, 30, shape, sigma=(2.0, 4.0, 4.0))
        stack = _quantize_in_place(_render_blobs(blobs, shape), np.uint16, full_scale=4000)
        for z, plane in enumerate(stack):
            tifffile.imwrite(
                path / f"cells_z{z:02d}_c{channel}.tif",
                plane,
                # Pixels per centimetre (TIFF knows no micrometre unit).
                resolution=(1e4 / PIXEL_SIZE_UM["x"], 1e4 / PIXEL_SIZE_UM["y"]),
                resolutionunit="CENTIMETER",
                metadata=None,
            )


# --- many files --------------------------------------------------------------------------


def _write_many_files(path: Path, count: int) -> None:
    """count small files named item-00001.txt ... plus a couple of nested subfolders."""
    path.mkdir()
    width = max(5, len(str(count)))
    # Plain writes without fsync: the atomic rename of the whole folder is what matters.
    for number in range(1, count + 1):
        (path / f"item-{number:0{width}d}.txt").write_text(
            f"Demo item {number} of {count}.\n", encoding="utf-8"
        )
    subfolders = {
        "subfolder-a": 3,
        "subfolder-b": 2,
        "subfolder-b/nested": 2,
    }
    for relative, files in subfolders.items():
        folder = path / relative
        folder.mkdir(parents=True)
        for number in range(1, files + 1):
            (folder / f"note-{number}.txt").write_text(
                f"Note {number} in {relative}.\n", encoding="utf-8"
            )
