/**
 * The members of a big group, a page at a time: the summary lists the first page, and
 * "Show more" asks `GET members` for the next one and appends it.
 */
import * as React from 'react';
import { ISignal, Signal } from '@lumino/signaling';

import { useSignal } from '../common/hooks';
import { describeRequestError } from '../common/requestError';

/** What a page says: its members, how many there are in all, whether more follow. */
export interface IPageOf<T> {
  members: T[];
  members_total: number;
  members_offset?: number;
  members_truncated: boolean;
}

/** Fetches the page that starts at `offset`. */
export type PageLoader<T> = (offset: number) => Promise<IPageOf<T>>;

export class MemberPages<T> {
  constructor(
    first: IPageOf<T>,
    private readonly _load?: PageLoader<T>
  ) {
    this._start = first.members_offset ?? 0;
    this._items = [...first.members];
    this._total = first.members_total;
    this._more = first.members_truncated;
  }

  /** Every member fetched so far, in order. */
  get items(): readonly T[] {
    return this._items;
  }

  get total(): number {
    return this._total;
  }

  /** Whether more members follow and can be fetched. */
  get canLoadMore(): boolean {
    return this._more && this._load !== undefined;
  }

  get more(): boolean {
    return this._more;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** Why the last "more" failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Fetch and append the next page; a second call while one is under way does nothing. */
  async loadMore(): Promise<void> {
    if (!this.canLoadMore || this._loading || !this._load) {
      return;
    }
    this._loading = true;
    this._error = null;
    this._changed.emit();
    try {
      const page = await this._load(this._start + this._items.length);
      this._items = [...this._items, ...page.members];
      this._total = page.members_total;
      // An empty page means the group shrank meanwhile: nothing more to ask for.
      this._more = page.members_truncated && page.members.length > 0;
    } catch (error) {
      this._error = describeRequestError(error, 'group').detail;
    } finally {
      this._loading = false;
      this._changed.emit();
    }
  }

  private readonly _start: number;
  private _items: T[];
  private _total: number;
  private _more: boolean;
  private _loading = false;
  private _error: string | null = null;
  private _changed = new Signal<this, void>(this);
}

/** The pages of `first`'s group, kept while `first` stays the same summary. */
export function useMemberPages<T>(
  first: IPageOf<T>,
  load?: PageLoader<T>
): MemberPages<T> {
  // A new summary (another selection, a reload) starts over; `load` follows it.
  const pages = React.useMemo(() => new MemberPages(first, load), [first]);
  useSignal(pages.changed);
  return pages;
}
