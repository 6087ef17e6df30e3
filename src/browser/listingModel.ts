/**
 * The directory listing behind the virtualized list: the directory shown, its sort,
 * filter and hidden-files state, and the pages fetched so far.
 *
 * Pages come from an opaque-cursor API, so they load strictly in order: the view says
 * which row it needs (`ensureLoaded`) and the model fetches pages one after the other
 * until that row is loaded. Every change of directory, sort, filter or hidden-files
 * starts a new "generation": the pages are dropped, a first page (no cursor) is fetched,
 * and any answer still on its way for an older generation is ignored when it arrives.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IEntry, IListParams, IListResponse, SortKey, SortOrder } from '../api';
import { normalizePath } from '../common/paths';
import { describeRequestError, IRequestError } from '../common/requestError';

/** One page request: the directory and the listing parameters. */
export interface IListRequest extends IListParams {
  root: string;
  path: string;
}

/** Fetches one page; `listDirectory` in production, a fake in tests. */
export type ListFetcher = (request: IListRequest) => Promise<IListResponse>;

/** Why the listing failed; see describeRequestError. */
export type IListingError = IRequestError;

/** idle: no directory chosen; loading: first page on its way; ready / error: its outcome. */
export type ListingStatus = 'idle' | 'loading' | 'ready' | 'error';

/** The order a column sorts in on its first click: names A-Z, biggest and newest first. */
export const DEFAULT_ORDER: Record<SortKey, SortOrder> = {
  name: 'asc',
  kind: 'asc',
  size: 'desc',
  mtime: 'desc'
};

export interface IListingOptions {
  /** Size of the first page: small, so the folder shows at once (default 200). */
  firstPageSize?: number;
  /** Size of the following pages while scrolling (default 500). */
  pageSize?: number;
  /** The biggest page, used when the view jumps far ahead (default 5000, the server's cap). */
  maxPageSize?: number;
  sort?: SortKey;
  order?: SortOrder;
  showHidden?: boolean;
}

export class ListingModel {
  constructor(fetchPage: ListFetcher, options: IListingOptions = {}) {
    this._fetchPage = fetchPage;
    this._firstPageSize = options.firstPageSize ?? 200;
    this._pageSize = options.pageSize ?? 500;
    this._maxPageSize = options.maxPageSize ?? 5000;
    this._sort = options.sort ?? 'name';
    this._order = options.order ?? DEFAULT_ORDER[this._sort];
    this._showHidden = options.showHidden ?? false;
  }

  /** The root shown, or null before one is chosen. */
  get root(): string | null {
    return this._root;
  }

  /** The directory shown, relative to the root ("" is the root itself). */
  get path(): string {
    return this._path;
  }

  /** The directory's path in JupyterLab's Contents API (null when outside it). */
  get contentsPath(): string | null {
    return this._contentsPath;
  }

  get status(): ListingStatus {
    return this._status;
  }

  /** Why the first page failed (status "error"). */
  get error(): IListingError | null {
    return this._error;
  }

  /** Why a later page failed; the entries already loaded stay. */
  get pageError(): IListingError | null {
    return this._pageError;
  }

  /** The entries loaded so far, in the server's order. */
  get entries(): readonly IEntry[] {
    return this._entries;
  }

  /** Entries in the whole listing (loaded or not); the list's row count. */
  get total(): number {
    return this._total;
  }

  /** True while entries beyond the loaded ones remain on the server. */
  get hasMore(): boolean {
    return this._nextCursor !== null;
  }

  /** True while a page request is on its way. */
  get isFetching(): boolean {
    return this._inFlight;
  }

  get sort(): SortKey {
    return this._sort;
  }

  get order(): SortOrder {
    return this._order;
  }

  get filter(): string {
    return this._filter;
  }

  get showHidden(): boolean {
    return this._showHidden;
  }

  /** Grows whenever the loaded pages are thrown away (navigation, sort, filter, refresh). */
  get generation(): number {
    return this._generation;
  }

  /** Changes when the rows mean something else (other folder, order or filter), not on refresh. */
  get viewKey(): string {
    return JSON.stringify([
      this._root,
      this._path,
      this._sort,
      this._order,
      this._filter,
      this._showHidden
    ]);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The entry at `index`, or undefined while its page is not loaded. */
  entryAt(index: number): IEntry | undefined {
    return this._entries[index];
  }

  /** The index of the loaded entry with this root-relative path, or -1. */
  indexOf(path: string): number {
    return this._indexByPath.get(path) ?? -1;
  }

  /**
   * Show the directory `path` of `root`; resolves when its first page has been answered.
   * The filter is cleared: it was typed for the folder left behind.
   */
  navigate(root: string, path: string): Promise<void> {
    this._root = root;
    this._path = normalizePath(path);
    this._contentsPath = null;
    this._filter = '';
    return this._reload();
  }

  /** Sort by `key` in `order` (the key's default order when omitted). */
  setSort(key: SortKey, order: SortOrder = DEFAULT_ORDER[key]): Promise<void> {
    if (key === this._sort && order === this._order) {
      return Promise.resolve();
    }
    this._sort = key;
    this._order = order;
    return this._reloadIfShown();
  }

  /** A column header click: flip the order of the current key, or sort by a new key. */
  toggleSort(key: SortKey): Promise<void> {
    if (key === this._sort) {
      return this.setSort(key, this._order === 'asc' ? 'desc' : 'asc');
    }
    return this.setSort(key);
  }

  /** Show only entries whose name matches `filter` (the server does the matching). */
  setFilter(filter: string): Promise<void> {
    const trimmed = filter.trim();
    if (trimmed === this._filter) {
      return Promise.resolve();
    }
    this._filter = trimmed;
    return this._reloadIfShown();
  }

  setShowHidden(show: boolean): Promise<void> {
    if (show === this._showHidden) {
      return Promise.resolve();
    }
    this._showHidden = show;
    return this._reloadIfShown();
  }

  /** Reload the directory from its first page (a fresh server snapshot). */
  refresh(): Promise<void> {
    return this._reloadIfShown();
  }

  /**
   * After an error: reload when the first page failed; fetch the failed page again when
   * a later page failed for a passing reason (network, server error), or start over when
   * the server refused its cursor (e.g. an expired snapshot).
   */
  retry(): Promise<void> {
    if (this._status === 'error') {
      return this._reloadIfShown();
    }
    const failed = this._pageError;
    if (failed === null) {
      return Promise.resolve();
    }
    if (failed.status === 0 || failed.status >= 500) {
      this._pageError = null;
      const cursor = this._nextCursor;
      if (cursor !== null) {
        // The one deliberate second request of a cursor: its first one never arrived.
        this._requested.delete(cursor);
      }
      this._changed.emit();
      this._pump();
      return Promise.resolve();
    }
    return this._reloadIfShown();
  }

  /** Forget the directory (no root chosen). */
  clear(): void {
    this._root = null;
    this._path = '';
    this._contentsPath = null;
    this._resetPages();
    this._status = 'idle';
    this._changed.emit();
  }

  /**
   * Make sure the entries up to `index` get loaded: fetch the following pages, one at a
   * time, until they are. The view calls this with the last row it shows plus a margin,
   * so the next page is on its way before the user reaches it.
   */
  ensureLoaded(index: number): void {
    const last = Math.min(index, Math.max(this._total - 1, 0));
    if (last > this._wanted) {
      this._wanted = last;
    }
    this._pump();
  }

  private _reloadIfShown(): Promise<void> {
    if (this._root === null) {
      return Promise.resolve();
    }
    return this._reload();
  }

  private _reload(): Promise<void> {
    this._resetPages();
    this._status = 'loading';
    this._changed.emit();
    return this._fetch(null, this._firstPageSize);
  }

  private _resetPages(): void {
    this._generation += 1;
    this._entries = [];
    this._indexByPath = new Map();
    this._total = 0;
    this._nextCursor = null;
    this._requested = new Set();
    this._inFlight = false;
    this._wanted = -1;
    this._error = null;
    this._pageError = null;
  }

  /** Fetch the next page if the view wants more than is loaded and nothing is on its way. */
  private _pump(): void {
    const cursor = this._nextCursor;
    if (
      this._status !== 'ready' ||
      this._inFlight ||
      this._pageError !== null ||
      cursor === null ||
      this._entries.length > this._wanted
    ) {
      return;
    }
    if (this._requested.has(cursor)) {
      return;
    }
    const missing = this._wanted - this._entries.length + 1;
    const limit = Math.min(
      this._maxPageSize,
      Math.max(this._pageSize, missing)
    );
    void this._fetch(cursor, limit);
  }

  private async _fetch(cursor: string | null, limit: number): Promise<void> {
    const root = this._root;
    if (root === null) {
      return;
    }
    const generation = this._generation;
    if (cursor !== null) {
      this._requested.add(cursor);
    }
    this._inFlight = true;
    const request: IListRequest = {
      root,
      path: this._path,
      cursor,
      limit,
      sort: this._sort,
      order: this._order,
      hidden: this._showHidden,
      filter: this._filter
    };
    let response: IListResponse;
    try {
      response = await this._fetchPage(request);
    } catch (error) {
      if (generation !== this._generation) {
        return; // an answer for a folder or order no longer shown
      }
      this._inFlight = false;
      if (cursor === null) {
        this._status = 'error';
        this._error = describeRequestError(error, 'folder');
      } else {
        this._pageError = describeRequestError(error, 'folder');
      }
      this._changed.emit();
      return;
    }
    if (generation !== this._generation) {
      return;
    }
    this._inFlight = false;
    this._addPage(response, cursor === null);
    this._changed.emit();
    this._pump();
  }

  private _addPage(response: IListResponse, first: boolean): void {
    if (first) {
      this._path = normalizePath(response.path ?? this._path);
      this._contentsPath = response.contents_path ?? null;
      this._status = 'ready';
    }
    for (const entry of response.entries) {
      if (this._indexByPath.has(entry.path)) {
        continue; // already shown: a page boundary must never show a row twice
      }
      this._indexByPath.set(entry.path, this._entries.length);
      this._entries.push(entry);
    }
    let next = response.next_cursor ?? null;
    if (next !== null && this._requested.has(next)) {
      next = null; // a cursor that points back would loop forever: stop here
    }
    this._nextCursor = next;
    this._total =
      next === null
        ? this._entries.length
        : Math.max(response.total, this._entries.length);
  }

  private _fetchPage: ListFetcher;
  private _firstPageSize: number;
  private _pageSize: number;
  private _maxPageSize: number;

  private _root: string | null = null;
  private _path = '';
  private _contentsPath: string | null = null;
  private _sort: SortKey;
  private _order: SortOrder;
  private _filter = '';
  private _showHidden: boolean;

  private _status: ListingStatus = 'idle';
  private _error: IListingError | null = null;
  private _pageError: IListingError | null = null;
  private _entries: IEntry[] = [];
  private _indexByPath = new Map<string, number>();
  private _total = 0;
  private _nextCursor: string | null = null;
  private _requested = new Set<string>();
  private _inFlight = false;
  private _wanted = -1;
  private _generation = 0;
  private _changed = new Signal<this, void>(this);
}
