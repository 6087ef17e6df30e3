"""File series: a folder of TIFF planes, one file per (t, c, z), as one image.

A pattern names the axes where the numbers are: `img_t{t}_z{z}_c{c}.tif` (`*` matches any
text). `guess_pattern` proposes one from the names alone (the number runs that vary become
axes, named by the letters before them: t/time/frame, c/ch/channel/w, z/slice/plane);
tifffile's `parse_filenames` parses the names against it. `read_file_series` builds the
model's `FileSeries` for the inspector and the Convert form; `series_grid` is what the
conversion reads, refusing gaps and duplicates with a message naming the file.

Detection (`detect_kind`, once per folder of a listing page) looks at `SAMPLE_NAMES` names
only, never stats them; the inspector and a conversion list the folder's names (no stat).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from ..system.confined_io import ANYWHERE, Within, open_file
from .detect import OME_TIFF_SUFFIXES, TIFF_SUFFIXES, tiff_from_handle
from .jsonio import short
from .model import FileSeries

SAMPLE_NAMES = 64  # names detection reads from a folder
PATTERN_AXES = "tcz"  # OME order; y and x are the plane's
MAX_PATTERN = 255
_DIGITS = re.compile(r"(\d+)")
_PART = re.compile(r"(\{[^{}]*\}|\*)")
# The word before a number that names its axis.
_AXIS_WORDS = {
    **dict.fromkeys(("t", "tp", "time", "frame", "timepoint"), "t"),
    **dict.fromkeys(("c", "ch", "channel", "w", "wavelength"), "c"),
    **dict.fromkeys(("z", "slice", "plane", "focal", "section"), "z"),
}


class SeriesError(ValueError):
    """A pattern or a set of names that make no series; the message names the file."""


def is_tiff_name(name: str) -> bool:
    lower = name.lower()
    return not name.startswith(".") and lower.endswith(TIFF_SUFFIXES + OME_TIFF_SUFFIXES)


def sample_names(folder: str, limit: int = SAMPLE_NAMES) -> tuple[list[str], bool]:
    """Up to `limit` entries' names (files only) in the folder's own order, and whether
    a subfolder was among them; ([], False) when it cannot be read."""
    try:
        with os.scandir(folder) as entries:
            sample = list(islice(entries, limit))
    except OSError:
        return [], False
    folders = any(e.is_dir(follow_symlinks=False) for e in sample)
    return [e.name for e in sample if not e.is_dir(follow_symlinks=False)], folders


def looks_like_series(folder: str) -> bool:
    """Whether a sample of the folder's names are TIFF planes numbered by one pattern: at
    least two, most of the sample, no subfolder among it."""
    names, folders = sample_names(folder)
    tiffs = [n for n in names if is_tiff_name(n)]
    if folders or len(tiffs) < 2 or 2 * len(tiffs) < len(names):
        return False
    return guess_pattern(tiffs) is not None


def guess_pattern(names: Iterable[str]) -> str | None:
    """The pattern most TIFF names share, numbers that vary as `{t}`, `{c}`, `{z}`; None
    when fewer than two names share one or no number varies."""
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for name in names:
        if is_tiff_name(name) and "{" not in name and "}" not in name and "*" not in name:
            parts = _DIGITS.split(name)
            groups.setdefault(tuple(parts[0::2]), []).append(parts[1::2])
    if not groups:
        return None
    texts, numbers = max(groups.items(), key=lambda item: len(item[1]))
    if len(numbers) < 2:
        return None
    varying = [i for i in range(len(texts) - 1) if len({int(n[i]) for n in numbers}) > 1]
    if not varying or len(varying) > len(PATTERN_AXES):
        return None
    axes: dict[int, str] = {}
    for i in varying:  # named by the word before the number, where it says
        word = re.search(r"([a-z]*)[^a-z0-9]*$", texts[i].lower())
        axis = _AXIS_WORDS.get(word.group(1) if word else "")
        if axis is not None and axis not in axes.values():
            axes[i] = axis
    for i in varying:  # the others: z, then t, then c (as an unnamed page stack)
        if i not in axes:
            axes[i] = next(a for a in "ztc" if a not in axes.values())
    pattern = texts[0]
    for i, text in enumerate(texts[1:]):
        pattern += ("{" + axes[i] + "}" if i in axes else numbers[0][i]) + text
    return pattern


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression of a pattern (named groups t, c, z); SeriesError saying
    what is wrong with it."""
    if not pattern or len(pattern) > MAX_PATTERN or "/" in pattern or "\x00" in pattern:
        raise SeriesError(f"{pattern!r} is no file name pattern")
    regex, seen = "", []
    for part in _PART.split(pattern):
        if part == "*":
            regex += ".*?"
        elif part.startswith("{") and part.endswith("}"):
            axis = part[1:-1].strip().lower()
            if axis not in PATTERN_AXES or len(axis) != 1:
                raise SeriesError(f"the pattern's {part} is no axis: use {{t}}, {{c}} or {{z}}")
            if axis in seen:
                raise SeriesError(f"the pattern names {{{axis}}} twice")
            seen.append(axis)
            regex += f"(?P<{axis}>\\d+)"
        elif "{" in part or "}" in part:
            raise SeriesError(f"the pattern has an unmatched brace: {pattern!r}")
        else:
            regex += re.escape(part)
    if not seen:
        raise SeriesError("the pattern names no axis: put {z}, {t} or {c} where the numbers are")
    return re.compile(f"^{regex}$")


@dataclass(frozen=True)
class SeriesGrid:
    """The files of a series by position: `files[k]` is the plane at the flat index k of
    `shape` (the pattern's axes in OME order); `starts` the first number of each axis."""

    pattern: str
    axes: str  # the pattern's axes, in OME order
    shape: tuple[int, ...]
    starts: tuple[int, ...]
    files: tuple[str, ...]

    def file_at(self, index: tuple[int, ...]) -> str:
        return self.files[int(np.ravel_multi_index(index, self.shape))]


def series_grid(names: Iterable[str], pattern: str) -> SeriesGrid:
    """Parse the names matching `pattern` (tifffile's `parse_filenames`) into a complete
    grid; SeriesError naming the file for no match, a duplicate or a gap."""
    grid, problem = parse_series(names, pattern)
    if problem is not None:
        raise SeriesError(problem)
    return grid


def parse_series(names: Iterable[str], pattern: str) -> tuple[SeriesGrid, str | None]:
    """The grid of the names matching `pattern`, and what makes it incomplete (a
    duplicate or a gap, naming the file), or None; SeriesError when nothing matches."""
    from tifffile import natural_sorted, parse_filenames

    regex = pattern_regex(pattern)
    matching = natural_sorted([n for n in names if regex.match(n)])
    if not matching:
        raise SeriesError(f"no file in the folder matches the pattern {pattern!r}")
    dims, shape, indices, files = parse_filenames(matching, regex)
    first = regex.match(files[0])
    assert first is not None
    order = [dims.index(a) for a in PATTERN_AXES if a in dims]
    axes = "".join(dims[i] for i in order)
    shape = tuple(shape[i] for i in order)
    starts = tuple(int(first[dims[i]]) - indices[0][i] for i in order)
    grid = np.array([[index[i] for i in order] for index in indices], dtype=np.int64)
    flat = np.ravel_multi_index(grid.T, shape)
    by_flat = np.argsort(flat, kind="stable")
    found = SeriesGrid(pattern, axes, shape, starts, tuple(files[i] for i in by_flat))
    same = np.flatnonzero(flat[by_flat][1:] == flat[by_flat][:-1])
    if same.size:
        a, b = files[by_flat[same[0]]], files[by_flat[same[0] + 1]]
        where = _position(axes, starts, tuple(grid[by_flat[same[0]]]))
        return found, f"{b} and {a} are both the plane at {where}: one is a duplicate"
    total = math.prod(shape)
    if total != len(files):
        present = np.zeros(total, dtype=bool)
        present[flat] = True
        gap = tuple(int(i) for i in np.unravel_index(int(np.argmin(present)), shape))
        widths = {a: len(first[a]) for a in axes}
        values = {a: starts[k] + gap[k] for k, a in enumerate(axes)}
        missing = _fill(pattern, values, widths)
        return found, (
            f"{missing} is missing (the plane at {_position(axes, starts, gap)}): "
            f"{len(files)} files match {pattern!r}, a complete series has {total}"
        )
    return found, None


def _position(axes: str, starts: tuple[int, ...], index: tuple[int, ...]) -> str:
    return ", ".join(f"{a}={s + int(i)}" for a, s, i in zip(axes, starts, index, strict=True))


def _fill(pattern: str, values: dict[str, int], widths: dict[str, int]) -> str:
    """The file name `pattern` gives these numbers (zero-padded as the first file)."""

    def number(match: re.Match[str]) -> str:
        axis = match.group(1).strip().lower()
        return str(values[axis]).zfill(widths[axis])

    return re.sub(r"\{([^{}]*)\}", number, pattern)


def list_names(folder: Path) -> list[str]:
    """The names of the folder's entries (no stat): what a pattern is matched against."""
    with os.scandir(folder) as entries:
        return [entry.name for entry in entries]


@dataclass(frozen=True)
class Plane:
    """One file's image: its shape (2D) and dtype."""

    shape: tuple[int, ...]
    dtype: np.dtype


def read_plane(path: Path, within: Within = ANYWHERE) -> Plane:
    """The first series' shape and dtype of the TIFF at `path` (header and first IFD);
    SeriesError naming the file when it is unreadable or not one plane."""
    try:
        with open_file(path, within) as handle, tiff_from_handle(handle, path.name) as tif:
            if not tif.series:
                raise SeriesError(f"{path.name} holds no image")
            found = tif.series[0]
            shape = tuple(int(n) for n in found.shape if n != 1) or (1, 1)
            dtype = np.dtype(found.dtype)
    except SeriesError:
        raise
    except OSError as err:
        raise SeriesError(f"{path.name} cannot be read: {err.strerror or short(err)}") from None
    except Exception as err:  # tifffile raises many types on damaged files
        raise SeriesError(f"{path.name} is not a readable TIFF file: {short(err)}") from None
    if len(shape) != 2:
        raise SeriesError(
            f"{path.name} holds an image of shape {shape}; a file series needs one 2D "
            "plane per file"
        )
    return Plane(shape, dtype)


def check_planes(folder: Path, grid: SeriesGrid, within: Within = ANYWHERE) -> Plane:
    """The plane every file holds; SeriesError naming the first file whose shape or
    type differs from the first file's (headers only, one file at a time)."""
    first = read_plane(folder / grid.files[0], within)
    for name in grid.files[1:]:
        plane = read_plane(folder / name, within)
        if plane.shape != first.shape or plane.dtype != first.dtype:
            raise SeriesError(
                f"{name} holds a {plane.dtype} plane of {plane.shape[0]} x {plane.shape[1]}, "
                f"but {grid.files[0]} a {first.dtype} plane of {first.shape[0]} x "
                f"{first.shape[1]}: every file of a series must hold the same"
            )
    return first


def read_file_series(
    folder: Path, pattern: str | None = None, within: Within = ANYWHERE
) -> FileSeries | None:
    """The model of the folder as a file series, with the given or the guessed pattern;
    None when no pattern fits its names. Never raises for bad data: a gap, a duplicate or
    an unreadable first plane is the series' `problem`."""
    try:
        names = list_names(folder)
    except OSError:
        return None
    guessed = pattern is None
    pattern = pattern or guess_pattern(names)
    if pattern is None:
        return None
    plane = None
    try:
        grid, problem = parse_series(names, pattern)
    except SeriesError as err:
        return FileSeries(pattern, "", {}, {}, None, None, 0, guessed, str(err))
    try:
        plane = read_plane(folder / grid.files[0], within)
    except SeriesError as err:
        problem = problem or str(err)
    axes = grid.axes + "yx"
    sizes: dict[str, Any] = dict(zip(grid.axes, grid.shape, strict=True))
    if plane is not None:
        sizes.update(y=plane.shape[0], x=plane.shape[1])
    return FileSeries(
        pattern=pattern,
        axes=axes,
        sizes=sizes,
        starts=dict(zip(grid.axes, grid.starts, strict=True)),
        plane_shape=plane.shape if plane else None,
        dtype=plane.dtype.name if plane else None,
        file_count=len(grid.files),
        guessed=guessed,
        problem=problem,
    )


def series_json(series: FileSeries) -> dict[str, Any]:
    """The inspector's `series` section (and the Convert form's proposed pattern)."""
    return {
        "pattern": series.pattern,
        "guessed": series.guessed,
        "axes": series.axes,
        "sizes": dict(series.sizes),
        "starts": dict(series.starts),
        "plane_shape": list(series.plane_shape) if series.plane_shape else None,
        "dtype": series.dtype,
        "file_count": series.file_count,
        "problem": series.problem,
    }
