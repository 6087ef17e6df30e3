"""Paginated, cached directory listings built on `os.scandir`, for folders of millions of files.

`DirectoryLister.list_page` answers one page of a directory; `describe` answers one entry.
Both work on a real, already-confined path (see `RootRegistry.resolve`) and name only the
user's relative path in their errors.

How it stays fast on a folder of a million chunk files:

- A *scan* reads the names (and is-a-folder from `d_type`) once with `os.scandir` and sorts
  them naturally, with numpy (see `natural_order`), not with a Python key per name.
  Nothing else is read for all entries, except the sizes and modification times when a
  listing is sorted by them: once per scan, again for a new first page once they are
  `STATS_MAX_AGE_SECONDS` old (files change size without their folder changing).
- A *snapshot* (a "view") is one ordering of a scan: sort, order, hidden, filter applied.
  Views index into their scan, so re-sorting or filtering a folder never reads it again.
  Pages are slices of a view; only the entries on a page are stat-ed and get their kind
  detected (`detect_kind`, no content read) and owner looked up.
- A request without a cursor stats the folder once; a view is reused while the folder's
  (device, inode, mtime_ns, size) stamp is unchanged. A scan whose folder changed less than
  `RACY_SECONDS` before the scan started is not reused by later requests: coarse mtime
  clocks (a tick of a few ms locally, a second or two on some network filesystems) cannot
  tell that folder's next change apart.
- Views live in an LRU bounded by count and by the entries their scans hold.

Ordering, as JupyterLab's own file browser does it: folders first, whatever the sort and
order; `desc` reverses the order inside the folders and inside the files.

- `name`: natural and case-insensitive ("2.9" < "2.10", "item-9" < "item-10"); names whose
  keys tie ("A" and "a", "7" and "007") are ordered by their exact name, so the order is total.
- `size`, `mtime`: by that value, then by name. Folders have no size: by name in `size` sort.
- `kind`: by a coarse kind read from the name alone (folders: `.ome.zarr`, `.zarr`, `.n5`,
  then plain; files: OME-TIFF, TIFF, then the others grouped by extension), then by name.
  Running `detect_kind` on every entry would open up to five files per folder of a million.

Cursors are opaque (urlsafe base64 of a small JSON). While the snapshot a cursor came from
is cached, the next page is that snapshot's next slice: every entry exactly once, even if
the folder changes meanwhile. When the snapshot has gone (evicted, or the server
restarted while a browser kept scrolling), the listing is rebuilt and continues after
the last entry the cursor carries (keyset continuation) instead of failing: entries seen
before are not repeated (bar those whose size or mtime changed, in those sorts), new ones
after the position are included. A cursor for another folder or other parameters, or a
malformed one, is a `BadRequest`.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import json
import os
import pwd
import re
import secrets
import stat
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BadRequest, FileglancerError, Forbidden, NotFound
from ..formats.detect import OME_TIFF_SUFFIXES, TIFF_SUFFIXES, KindInfo, detect_kind
from ..system.confined_io import ANYWHERE, Within
from .natural_sort import natural_key, natural_order

SORTS = ("name", "size", "mtime", "kind")
ORDERS = ("asc", "desc")
DEFAULT_LIMIT = 200
MAX_LIMIT = 5000
# Longer than any file name can be (255 bytes): such a filter could never match anything.
MAX_FILTER_LENGTH = 1024
MAX_CURSOR_LENGTH = 8192
MAX_DIGITS = 19  # of a whole number in a query: 64 bits
RACY_SECONDS = 2.0
# Sizes and mtimes change without the folder changing (a file being written): a sort by them
# reads them again for a new first page once they are this old.
STATS_MAX_AGE_SECONDS = 60.0

NOT_UTF8_PROBLEM = "the name is not UTF-8: it cannot be opened, shared or converted here"

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
_GLOB_CHARS = frozenset("*?[")


# --- the request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingRequest:
    """What one page of a listing asks for. Invalid values raise BadRequest on construction."""

    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    sort: str = "name"
    order: str = "asc"
    hidden: bool = False
    filter: str = ""

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadRequest(f"Unknown sort '{self.sort}'; use one of: {', '.join(SORTS)}.")
        if self.order not in ORDERS:
            raise BadRequest(f"Unknown order '{self.order}'; use 'asc' or 'desc'.")
        if isinstance(self.limit, bool) or not 1 <= self.limit <= MAX_LIMIT:
            raise BadRequest(f"The limit must be a whole number from 1 to {MAX_LIMIT}.")
        if len(self.filter) > MAX_FILTER_LENGTH:
            raise BadRequest(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
        if self.cursor is not None:
            _Cursor.decode(self.cursor)  # fail early, with the request, on a malformed one

    @classmethod
    def from_query(cls, get: Callable[[str], str | None]) -> ListingRequest:
        """Parse query arguments: `get(name)` returns the value or None when absent.

        Empty values mean the default. Raises BadRequest naming the bad argument.
        """
        limit_text = (get("limit") or "").strip()
        limit = whole_number(limit_text) if limit_text else DEFAULT_LIMIT
        if limit is None:
            shown = limit_text if len(limit_text) <= 20 else f"{limit_text[:20]}..."
            raise BadRequest(
                f"The limit must be a whole number from 1 to {MAX_LIMIT}, not '{shown}'."
            )
        return cls(
            cursor=get("cursor") or None,
            limit=limit,
            sort=get("sort") or "name",
            order=get("order") or "asc",
            hidden=_parse_bool("hidden", get("hidden")),
            filter=get("filter") or "",
        )


def whole_number(text: str) -> int | None:
    """`text` as a whole number in ASCII digits, or None. Reads at most MAX_DIGITS digits,
    more than any bound of the API needs: int() raises ValueError past 4,300 digits, and
    accepts digits that are not ASCII ("²".isdigit() is true too)."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
        return None
    return int(text)


def _parse_bool(name: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadRequest(f"'{name}' must be true or false, not '{value}'.")


# --- cursors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cursor:
    """Where the next page starts: a snapshot and an offset, plus the last entry returned.

    `listing` fingerprints folder and parameters; the anchor (name, is_dir, sort value)
    lets a rebuilt listing continue after that entry when the snapshot has gone.
    """

    snapshot: str
    offset: int
    listing: str
    anchor_name: str
    anchor_is_dir: bool
    anchor_value: int | None

    def encode(self) -> str:
        payload = {
            "s": self.snapshot,
            "o": self.offset,
            "l": self.listing,
            "a": [self.anchor_name, int(self.anchor_is_dir), self.anchor_value],
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, text: str) -> _Cursor:
        """The cursor in `text`; BadRequest when it is not one this module wrote."""
        malformed = BadRequest("The cursor is malformed; request the first page without one.")
        if len(text) > MAX_CURSOR_LENGTH:
            raise malformed
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
            data = json.loads(raw)
            snapshot, offset, listing = data["s"], data["o"], data["l"]
            name, is_dir, value = data["a"]
        except (binascii.Error, ValueError, TypeError, KeyError, RecursionError):
            raise malformed from None
        valid = (
            isinstance(snapshot, str)
            and isinstance(listing, str)
            and isinstance(name, str)
            and name
            and "/" not in name
            and _is_int(offset)
            and offset > 0
            and is_dir in (0, 1)
            and (value is None or _is_int(value))
        )
        if not valid:
            raise malformed
        return cls(snapshot, offset, listing, name, bool(is_dir), value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- coarse kinds for sort=kind ---------------------------------------------------------------

_DIRECTORY_RANKS = ((".ome.zarr", 0), (".zarr", 1), (".n5", 2))
_PLAIN_DIRECTORY_RANK = 3
_OME_TIFF_RANK, _TIFF_RANK, _OTHER_FILE_RANK = 10, 11, 12


def coarse_kind(name: str, is_dir: bool) -> tuple[int, str]:
    """(rank, extension) that `sort=kind` orders by, from the name alone.

    Extensions group the other files (".csv" before ".json"); a purely numeric suffix, as
    in the chunk key "0.0.12", is no extension.
    """
    folded = name.casefold()
    if is_dir:
        for suffix, rank in _DIRECTORY_RANKS:
            if folded.endswith(suffix):
                return rank, ""
        return _PLAIN_DIRECTORY_RANK, ""
    if folded.endswith(OME_TIFF_SUFFIXES):
        return _OME_TIFF_RANK, ""
    if folded.endswith(TIFF_SUFFIXES):
        return _TIFF_RANK, ""
    stem, dot, extension = folded.rpartition(".")
    if not dot or not stem or extension.isdigit():
        extension = ""
    return _OTHER_FILE_RANK, extension


# --- scans and snapshots --------------------------------------------------------------------


@dataclass(frozen=True)
class _Stamp:
    """What tells that a folder changed: replaced (device, inode) or entries added/removed."""

    device: int
    inode: int
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class _Stats:
    """Sizes (-1: none to show) and mtimes (ns) of a scan's entries, read at `taken`."""

    sizes: np.ndarray
    mtimes: np.ndarray
    taken: float  # time.monotonic()

    @property
    def fresh(self) -> bool:
        return time.monotonic() - self.taken < STATS_MAX_AGE_SECONDS


class _Scan:
    """One read of a folder: its names in scandir order, and what is derived from them.

    Created and completed under the folder's lock; `stats` and `kind_codes` are filled in
    lazily, under that lock too. `kind_codes` never changes once set; `stats` may be
    replaced by newer ones, never changed: views keep the ones they were sorted by.
    """

    def __init__(self, directory: str, stamp: _Stamp, trusted: bool, names: list[str]):
        self.directory = directory
        self.stamp = stamp
        self.trusted = trusted
        self.names = names
        self.is_dir = np.zeros(len(names), dtype=bool)
        self.width = 0
        self.hidden = np.zeros(len(names), dtype=bool)
        self.dirs_by_name = np.zeros(0, dtype=np.intp)
        self.files_by_name = np.zeros(0, dtype=np.intp)
        self.stats: _Stats | None = None
        self.kind_codes: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.names)


_ViewKey = tuple[str, str, str, bool, str]  # directory, sort, order, hidden, filter


def _view_key(directory: Path, request: ListingRequest) -> _ViewKey:
    """What makes two requests the same listing: the folder, sort, order, hidden, filter."""
    return (os.fspath(directory), request.sort, request.order, request.hidden, request.filter)


@dataclass(eq=False)
class _View:
    """One snapshot: a scan's entries filtered and ordered; pages are slices of `order`."""

    id: str
    key: _ViewKey
    scan: _Scan
    order: np.ndarray  # scan indices, folders first
    n_dirs: int
    listing: str  # fingerprint of the key, carried by cursors
    stats: _Stats | None = None  # what a size or mtime sort ordered by

    @property
    def total(self) -> int:
        return int(self.order.size)

    @property
    def sort(self) -> str:
        return self.key[1]

    @property
    def descending(self) -> bool:
        return self.key[2] == "desc"

    def sort_value(self, index: int) -> int | None:
        """The size or mtime a scan entry is ordered by in this view, or None."""
        if self.stats is None:
            return None
        if self.sort == "size" and not self.scan.is_dir[index]:
            return int(self.stats.sizes[index])
        if self.sort == "mtime":
            return int(self.stats.mtimes[index])
        return None

    def full_key(self, name: str, is_dir: bool, value: int | None) -> tuple[Any, ...]:
        """The tuple this view's order sorts entries by, within the folder or file group."""
        tail = (natural_key(name, self.scan.width), name)
        if self.sort == "kind":
            return (coarse_kind(name, is_dir), *tail)
        if self.sort == "mtime" or (self.sort == "size" and not is_dir):
            return (value if value is not None else -1, *tail)
        return tail

    def position_after(self, cursor: _Cursor) -> int:
        """The index of the first entry that comes after the cursor's anchor (keyset)."""
        anchor = self.full_key(cursor.anchor_name, cursor.anchor_is_dir, cursor.anchor_value)
        lo, hi = (0, self.n_dirs) if cursor.anchor_is_dir else (self.n_dirs, self.total)
        names = self.scan.names
        while lo < hi:  # the entries at or before the anchor form a prefix of the group
            mid = (lo + hi) // 2
            index = int(self.order[mid])
            key = self.full_key(names[index], cursor.anchor_is_dir, self.sort_value(index))
            at_or_before = key >= anchor if self.descending else key <= anchor
            if at_or_before:
                lo = mid + 1
            else:
                hi = mid
        return lo


class _FolderLock:
    """A lock per folder, so two requests for one folder scan it once, others run freely."""

    __slots__ = ("lock", "__weakref__")

    def __init__(self) -> None:
        self.lock = threading.Lock()


# --- the lister -----------------------------------------------------------------------------


class DirectoryLister:
    """Lists folders page by page, caching snapshots; safe to call from many threads.

    `max_cached_listings` bounds the snapshots kept (an LRU); `max_cached_entries` bounds
    the entries the scans behind them hold (about 100 bytes each), never evicting the
    newest. `entry_is_readable(real_path)` says whether a symlink's resolved target may be
    shown (e.g. lies inside the configured roots); without it every target may. Kind
    detection reads metadata only inside `within` (`confined_io`), never from a FIFO.
    """

    def __init__(
        self,
        *,
        max_cached_listings: int = 64,
        max_cached_entries: int = 4_000_000,
        entry_is_readable: Callable[[Path], bool] | None = None,
        within: Within = ANYWHERE,
    ) -> None:
        self.max_cached_listings = max(1, max_cached_listings)
        self.max_cached_entries = max_cached_entries
        self.entry_is_readable = entry_is_readable
        self.within = within
        self._lock = threading.Lock()
        self._views: OrderedDict[str, _View] = OrderedDict()
        self._newest: dict[_ViewKey, str] = {}
        self._scans: weakref.WeakValueDictionary[str, _Scan] = weakref.WeakValueDictionary()
        self._folder_locks: weakref.WeakValueDictionary[str, _FolderLock] = (
            weakref.WeakValueDictionary()
        )
        self._owners: dict[int, str | None] = {}

    # -- public API

    def list_page(
        self,
        directory: Path,
        rel_path: str,
        request: ListingRequest,
        *,
        within: Within | None = None,
    ) -> dict[str, Any]:
        """One page of the folder at the real path `directory`, shown as `rel_path`; kinds
        detected from metadata inside `within` (default: the lister's).

        Returns {"path", "entries", "total", "offset", "next_cursor", "sort", "order"};
        `total` counts the entries after hidden/filter, `next_cursor` is None on the last
        page. Raises Forbidden when the folder cannot be read, NotFound when it is gone,
        BadRequest when it is not a folder or the cursor is malformed or for another listing.
        """
        rel_path = rel_path.strip("/")
        key = _view_key(directory, request)
        if request.cursor is None:
            view, start = self._current_view(key, rel_path), 0
        else:
            view, start = self._continue(key, rel_path, _Cursor.decode(request.cursor))
        stop = min(start + request.limit, view.total)
        indices = view.order[start:stop].tolist()
        within = within or self.within
        entries = [self._page_entry(view, index, rel_path, within) for index in indices]
        next_cursor = None
        if stop < view.total:
            last = indices[-1]
            next_cursor = _Cursor(
                view.id,
                stop,
                view.listing,
                view.scan.names[last],
                bool(view.scan.is_dir[last]),
                view.sort_value(last),
            ).encode()
        return {
            "path": rel_path,
            "entries": entries,
            "total": view.total,
            "offset": start,
            "next_cursor": next_cursor,
            "sort": request.sort,
            "order": request.order,
        }

    def describe(
        self, path: Path, rel_path: str, *, confirm: bool = True, within: Within | None = None
    ) -> dict[str, Any]:
        """The listing entry of the one path `path`, shown as `rel_path`.

        With `confirm` the kind is checked against the content (TIFF magic bytes, a folder
        that cannot be entered). Raises NotFound when nothing is there, Forbidden when it
        cannot be looked at.
        """
        rel_path = rel_path.strip("/")
        name = rel_path.rpartition("/")[2]
        within = within or self.within
        entry = self._entry(os.fspath(path), name, rel_path, None, confirm=confirm, within=within)
        if entry is None:
            raise NotFound(f"'{rel_path or '/'}' does not exist.")
        return entry

    @staticmethod
    def cursor_after(directory: Path, request: ListingRequest, name: str, is_dir: bool) -> str:
        """A cursor for `request` on `directory` that continues right after the entry `name`
        (a folder when `is_dir`), whether or not it still exists: keyset continuation, for
        callers (the S3 listing) that remember a position by name rather than by cursor.
        Only for sorts by name (other sorts also need the entry's size or mtime)."""
        key = _view_key(directory, request)
        # No snapshot id: `_continue` finds none and rebuilds the position by keyset.
        return _Cursor("", 1, _fingerprint(key), name, is_dir, None).encode()

    def clear(self) -> None:
        """Forget every cached snapshot (cursors then continue by keyset)."""
        with self._lock:
            self._views.clear()
            self._newest.clear()

    # -- snapshots

    def _current_view(self, key: _ViewKey, rel_path: str) -> _View:
        """An up-to-date snapshot for `key`: cached when the folder is unchanged, else built."""
        directory = key[0]
        stamp = _stamp(directory, rel_path)  # the one stat a cached first page costs
        with self._lock:
            view = self._cached_view(key, stamp)
            if view is not None:
                return view
            folder_lock = self._folder_locks.get(directory)
            if folder_lock is None:
                folder_lock = self._folder_locks[directory] = _FolderLock()
        with folder_lock.lock:
            with self._lock:  # another thread may have built it while this one waited
                view = self._cached_view(key, stamp)
                scan = self._scans.get(directory)
            if view is not None:
                return view
            if scan is None or scan.stamp != stamp or not scan.trusted:
                scan = _read_folder(directory, rel_path, stamp)
                with self._lock:
                    self._scans[directory] = scan
            # Re-sorts and other filters of an unchanged folder start from its last scan.
            try:
                view = self._build_view(scan, key)
            except OSError as err:  # e.g. removed before a sort by size could stat it
                raise _listing_error(err, rel_path) from None
            with self._lock:
                self._remember(view)
        return view

    def _cached_view(self, key: _ViewKey, stamp: _Stamp) -> _View | None:
        # Called with self._lock held.
        view_id = self._newest.get(key)
        view = self._views.get(view_id) if view_id is not None else None
        if view is None or view.scan.stamp != stamp or not view.scan.trusted:
            return None
        if view.stats is not None and not view.stats.fresh:
            return None
        self._views.move_to_end(view.id)
        return view

    def _continue(self, key: _ViewKey, rel_path: str, cursor: _Cursor) -> tuple[_View, int]:
        """The snapshot and start offset a cursor points to; rebuilt by keyset when gone."""
        if cursor.listing != _fingerprint(key):
            raise BadRequest(
                "The cursor belongs to another listing (a different folder, sort, order, "
                "hidden or filter); request the first page without one."
            )
        with self._lock:
            view = self._views.get(cursor.snapshot)
            if view is not None:
                self._views.move_to_end(view.id)
        if view is None or view.key != key:
            view = self._current_view(key, rel_path)
            return view, view.position_after(cursor)
        if cursor.offset > view.total:
            raise BadRequest("The cursor is malformed; request the first page without one.")
        return view, cursor.offset

    def _remember(self, view: _View) -> None:
        # Called with self._lock held. Evicts least recently used snapshots beyond the bounds.
        self._views[view.id] = view
        self._newest[view.key] = view.id
        while len(self._views) > 1 and (
            len(self._views) > self.max_cached_listings
            or self._cached_entries() > self.max_cached_entries
        ):
            _, old = self._views.popitem(last=False)
            if self._newest.get(old.key) == old.id:
                del self._newest[old.key]

    def _cached_entries(self) -> int:
        scans = {id(view.scan): len(view.scan) for view in self._views.values()}
        return sum(scans.values())

    def _build_view(self, scan: _Scan, key: _ViewKey) -> _View:
        """Filter and order a scan for `key`; reads sizes/mtimes when missing or stale."""
        _, sort, order, hidden, pattern = key
        dirs, files = scan.dirs_by_name, scan.files_by_name
        keep = _selection(scan, hidden, pattern)
        if keep is not None:
            dirs, files = dirs[keep[dirs]], files[keep[files]]
        values: np.ndarray | None = None
        stats: _Stats | None = None
        if sort in ("size", "mtime"):
            if scan.stats is None or not scan.stats.fresh:
                scan.stats = self._read_stats(scan)
            stats = scan.stats
            values = stats.sizes if sort == "size" else stats.mtimes
        elif sort == "kind":
            values = _kind_codes(scan)
        if values is not None:
            # Stable sorts of the name-ordered indices: ties stay in name order.
            if sort != "size":  # folders have no size: they stay in name order
                dirs = dirs[np.argsort(values[dirs], kind="stable")]
            files = files[np.argsort(values[files], kind="stable")]
        if order == "desc":
            dirs, files = dirs[::-1], files[::-1]
        return _View(
            id=secrets.token_hex(8),
            key=key,
            scan=scan,
            order=np.concatenate((dirs, files)),
            n_dirs=int(dirs.size),
            listing=_fingerprint(key),
            stats=stats,
        )

    def _read_stats(self, scan: _Scan) -> _Stats:
        """The sizes and mtimes of every scan entry, as its page would show them.

        A symlink counts with its target's values when the target may be shown, else with
        its own mtime and no size (-1); an entry gone since the scan counts as (-1, 0).
        """
        taken = time.monotonic()
        sizes: list[int] = []
        mtimes: list[int] = []
        fd = os.open(scan.directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            for name in scan.names:
                size, mtime_ns = self._sort_values(fd, scan.directory, name)
                sizes.append(size)
                mtimes.append(mtime_ns)
        finally:
            os.close(fd)
        return _Stats(np.array(sizes, dtype=np.int64), np.array(mtimes, dtype=np.int64), taken)

    def _sort_values(self, fd: int, directory: str, name: str) -> tuple[int, int]:
        # Relative to an open folder: no path walk per entry, a million times over.
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            return -1, 0
        if not stat.S_ISLNK(st.st_mode):
            return st.st_size, st.st_mtime_ns
        target, problem = self._follow(os.path.join(directory, name), st)
        return (-1 if problem else target.st_size), target.st_mtime_ns

    # -- entries

    def _page_entry(self, view: _View, index: int, rel_dir: str, within: Within) -> dict[str, Any]:
        scan = view.scan
        name = scan.names[index]
        rel = f"{rel_dir}/{name}" if rel_dir else name
        is_dir = bool(scan.is_dir[index])
        path = os.path.join(scan.directory, name)
        entry = self._entry(path, name, rel, is_dir, confirm=False, within=within)
        if entry is None:
            return _vanished_entry(name, rel, is_dir)
        if not _is_utf8(name):  # shown, but no URL, request or link can name it
            entry.update(problem=NOT_UTF8_PROBLEM, readable=False, previewable=False)
        return entry

    def _entry(
        self,
        path: str,
        name: str,
        rel: str,
        is_dir_hint: bool | None,
        *,
        confirm: bool,
        within: Within,
    ) -> dict[str, Any] | None:
        """The entry dict for `path`, or None when it no longer exists.

        Symlinks show their target's size, mtime, mode and owner when the target exists
        and may be shown; otherwise the link's own, not readable, with a problem.
        """
        try:
            link = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PermissionError:
            if is_dir_hint is None:
                raise Forbidden(f"You do not have permission to look at '{rel}'.") from None
            return _unreadable_entry(name, rel, is_dir_hint, "permission denied")
        except OSError as err:
            if is_dir_hint is None:
                raise NotFound(f"'{rel}' cannot be opened: {err.strerror}.") from None
            return _unreadable_entry(name, rel, is_dir_hint, err.strerror or "cannot be read")
        is_symlink = stat.S_ISLNK(link.st_mode)
        st, problem = self._follow(path, link) if is_symlink else (link, None)
        if problem is None:
            is_dir = stat.S_ISDIR(st.st_mode)
            info = detect_kind(Path(path), is_dir=is_dir, confirm=confirm, within=within)
            wanted = os.R_OK | os.X_OK if is_dir else os.R_OK
            readable = os.access(path, wanted)
        else:
            is_dir, readable = False, False
            info = KindInfo("file", problem=problem)
        return {
            "name": name,
            "path": rel,
            "is_dir": is_dir,
            **info.to_json(),
            "size": None if is_dir or problem else st.st_size,
            "mtime": st.st_mtime,
            "mode": stat.filemode(st.st_mode),
            "owner": self._owner(st.st_uid),
            "is_symlink": is_symlink,
            "readable": readable,
            "previewable": readable and info.previewable,
        }

    def _follow(self, path: str, link: os.stat_result) -> tuple[os.stat_result, str | None]:
        """The stat of a symlink's target and None, or the link's own stat and a problem."""
        try:
            target = os.stat(path)
        except OSError:
            return link, "broken symbolic link"
        if self.entry_is_readable is not None:
            if not self.entry_is_readable(Path(os.path.realpath(path))):
                return link, "symbolic link to a place outside the shared folders"
        return target, None

    def _owner(self, uid: int) -> str | None:
        # Races are harmless: at worst two threads look the same uid up.
        try:
            return self._owners[uid]
        except KeyError:
            pass
        try:
            owner: str | None = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = None
        self._owners[uid] = owner
        return owner


# --- helpers --------------------------------------------------------------------------------


def _fingerprint(key: _ViewKey) -> str:
    """A short digest of folder and parameters: cursors carry it, not the server's path."""
    text = json.dumps(list(key), ensure_ascii=True)
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _stamp(directory: str, rel_path: str) -> _Stamp:
    try:
        st = os.stat(directory)
    except OSError as err:
        raise _listing_error(err, rel_path) from None
    if not stat.S_ISDIR(st.st_mode):
        raise _listing_error(NotADirectoryError(), rel_path)
    return _Stamp(st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def _read_folder(directory: str, rel_path: str, stamp: _Stamp) -> _Scan:
    """Scan a folder and sort its names; errors as for `list_page`."""
    started = time.time_ns()
    names: list[str] = []
    dir_indices: list[int] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                names.append(entry.name)
                try:
                    # d_type answers without a syscall; only symlinks are followed.
                    if entry.is_dir():
                        dir_indices.append(len(names) - 1)
                except OSError:
                    pass  # an entry we cannot stat: list it as a file
    except OSError as err:
        raise _listing_error(err, rel_path) from None
    trusted = started - stamp.mtime_ns >= RACY_SECONDS * 1e9
    scan = _Scan(directory, stamp, trusted, names)
    scan.is_dir[dir_indices] = True
    natural = natural_order(names)
    scan.width, scan.hidden = natural.width, natural.hidden
    in_order_is_dir = scan.is_dir[natural.order]
    scan.dirs_by_name = natural.order[in_order_is_dir]
    scan.files_by_name = natural.order[~in_order_is_dir]
    return scan


def _selection(scan: _Scan, hidden: bool, pattern: str) -> np.ndarray | None:
    """Which scan entries a view keeps (a mask), or None for all."""
    keep: np.ndarray | None = None if hidden else ~scan.hidden
    if pattern:
        matches = _name_matcher(pattern)
        found = np.fromiter(map(matches, scan.names), dtype=bool, count=len(scan))
        keep = found if keep is None else keep & found
    return keep


def _name_matcher(pattern: str) -> Callable[[str], bool]:
    """Case-insensitive: a glob when the filter has * ? or [, else a substring."""
    if _GLOB_CHARS.intersection(pattern):
        regex = re.compile(fnmatch.translate(pattern), re.IGNORECASE)
        return lambda name: regex.match(name) is not None
    needle = pattern.casefold()
    return lambda name: needle in name.casefold()


def _kind_codes(scan: _Scan) -> np.ndarray:
    """Per scan entry, an integer that orders like its `coarse_kind` (computed once)."""
    if scan.kind_codes is None:
        kinds = [coarse_kind(n, d) for n, d in zip(scan.names, scan.is_dir.tolist(), strict=True)]
        codes = {kind: code for code, kind in enumerate(sorted(set(kinds)))}
        scan.kind_codes = np.array([codes[kind] for kind in kinds], dtype=np.int64)
    return scan.kind_codes


def _listing_error(err: OSError, rel_path: str) -> FileglancerError:
    """The error for a folder that cannot be listed, naming only the user's path."""
    shown = rel_path or "/"
    if isinstance(err, PermissionError):
        return Forbidden(f"You do not have permission to list '{shown}'.")
    if isinstance(err, NotADirectoryError):
        return BadRequest(f"'{shown}' is not a folder.")
    if isinstance(err, FileNotFoundError):
        return NotFound(f"'{shown}' does not exist.")
    return FileglancerError(f"'{shown}' cannot be listed: {err.strerror or 'input/output error'}.")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")  # os.fsdecode turned bytes that are not UTF-8 into surrogates
    except UnicodeEncodeError:
        return False
    return True


def _vanished_entry(name: str, rel: str, is_dir: bool) -> dict[str, Any]:
    """An entry removed since its snapshot: kept, so that pages keep their length."""
    return _unreadable_entry(name, rel, is_dir, "no longer exists")


def _unreadable_entry(name: str, rel: str, is_dir: bool, problem: str) -> dict[str, Any]:
    kind = KindInfo("directory" if is_dir else "file", problem=problem)
    return {
        "name": name,
        "path": rel,
        "is_dir": is_dir,
        **kind.to_json(),
        "size": None,
        "mtime": None,
        "mode": None,
        "owner": None,
        "is_symlink": False,
        "readable": False,
        "previewable": False,
    }


__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ORDERS",
    "SORTS",
    "DirectoryLister",
    "ListingRequest",
    "coarse_kind",
]
