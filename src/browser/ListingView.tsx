/**
 * The folder's contents: sortable column headers over a virtualized list (only the rows
 * in view are in the DOM, see ListingRows.tsx), with the loading, empty and error states,
 * paging ahead of the viewport, and keyboard navigation.
 */
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';
import { List, ListImperativeAPI } from 'react-window';

import type { IEntry } from '../api';
import { useSignal } from '../common/hooks';
import { linuxPath } from '../common/paths';
import { BrowserModel } from './browserModel';
import { openSnippet, SNIPPET_MIME } from './dragSnippet';
import { isMoveKey, moveSelection } from './keyboard';
import { IListingError, ListingModel } from './listingModel';
import {
  ColumnHeaders,
  COLUMNS,
  IRowProps,
  Row,
  ROW_HEIGHT,
  rowId
} from './ListingRows';

/** Rows past the last visible one whose page should already be on its way. */
const PREFETCH_ROWS = 300;

/** The error of a listing, with Retry (and the way up when the folder is gone). */
export function ListingError(props: {
  error: IListingError;
  onRetry: () => void;
  onParent?: () => void;
}): JSX.Element {
  const { error } = props;
  return (
    <div
      className="jp-Fileglancer-status jp-Fileglancer-listingError"
      role="alert"
      data-error-kind={error.kind}
    >
      <p className="jp-Fileglancer-errorTitle">{error.title}</p>
      {error.detail && error.detail !== error.title && (
        <p className="jp-Fileglancer-errorDetail">{error.detail}</p>
      )}
      <div className="jp-Fileglancer-errorActions">
        <Button small onClick={props.onRetry}>
          Retry
        </Button>
        {props.onParent && error.kind === 'not_found' && (
          <Button small minimal onClick={props.onParent}>
            Go to the parent folder
          </Button>
        )}
      </div>
    </div>
  );
}

/** "1,234 items", with a progress bar of the entries loaded while more are coming. */
function ListingFooter(props: { listing: ListingModel }): JSX.Element {
  const { listing } = props;
  const count = listing.total.toLocaleString('en-US');
  const noun = listing.total === 1 ? 'item' : 'items';
  const loaded = listing.entries.length;
  return (
    <div className="jp-Fileglancer-listingFooter" aria-live="polite">
      <span className="jp-Fileglancer-count">
        {count} {noun}
        {listing.filter ? ' matching the filter' : ''}
      </span>
      {listing.hasMore && (
        <>
          <progress
            className="jp-Fileglancer-progress"
            aria-label="Entries loaded"
            value={loaded}
            max={listing.total}
          />
          <span className="jp-Fileglancer-loaded">
            {loaded.toLocaleString('en-US')} of {count} loaded
          </span>
        </>
      )}
    </div>
  );
}

/** Seconds since the component appeared, updated every second. */
function useElapsedSeconds(): number {
  const [seconds, setSeconds] = React.useState(0);
  React.useEffect(() => {
    const start = Date.now();
    const timer = window.setInterval(
      () => setSeconds(Math.floor((Date.now() - start) / 1000)),
      1000
    );
    return () => window.clearInterval(timer);
  }, []);
  return seconds;
}

/**
 * While the first page is on its way: a moving progress bar, the folder's name and, for
 * a slow folder (one of a hundred thousand files, slow storage), the time so far.
 */
export function FolderLoading(props: { listing: ListingModel }): JSX.Element {
  const seconds = useElapsedSeconds();
  const name = props.listing.path.split('/').pop() || 'the folder';
  return (
    <div
      className="jp-Fileglancer-status jp-Fileglancer-folderLoading"
      aria-busy="true"
      role="status"
    >
      <progress
        className="jp-Fileglancer-progress"
        aria-label={`Reading ${name}`}
      />
      <span>
        Reading {name === 'the folder' ? name : `“${name}”`}…
        {seconds >= 2 ? ` ${seconds} s` : ''}
      </span>
    </div>
  );
}

/** The column headers, the rows and the states of the folder shown. */
export function ListingView(props: { model: BrowserModel }): JSX.Element {
  const { model } = props;
  const { listing, selection } = model;
  useSignal(listing.changed);
  useSignal(selection.changed);

  const listRef = React.useRef<ListImperativeAPI>(null);
  const gridRef = React.useRef<HTMLDivElement>(null);
  const lastVisible = React.useRef(0);
  const [pendingIndex, setPendingIndex] = React.useState<number | null>(null);
  const [viewKey, setViewKey] = React.useState(listing.viewKey);

  // Another folder, order or filter: back to the top, forget the pending keyboard move.
  if (viewKey !== listing.viewKey) {
    setViewKey(listing.viewKey);
    setPendingIndex(null);
    lastVisible.current = 0;
  }
  React.useEffect(() => {
    const element = listRef.current?.element;
    if (element) {
      element.scrollTop = 0;
    }
  }, [viewKey]);

  const current = selection.current;
  const selectedPath =
    current && current.root.name === listing.root ? current.entry.path : null;
  const selectedIndex =
    selectedPath === null ? -1 : listing.indexOf(selectedPath);

  // Keep the pages coming while the viewport (or a keyboard jump) is beyond them, and
  // select the row a keyboard jump was waiting for once its page is in.
  React.useEffect(() => {
    listing.ensureLoaded(
      Math.max(lastVisible.current, pendingIndex ?? 0) + PREFETCH_ROWS
    );
    if (pendingIndex !== null) {
      const entry = listing.entryAt(pendingIndex);
      if (entry) {
        setPendingIndex(null);
        model.select(entry);
      }
    }
  });

  // Bring a selection made elsewhere (reveal, keyboard) into view.
  React.useEffect(() => {
    if (selectedIndex >= 0) {
      listRef.current?.scrollToRow({ index: selectedIndex, align: 'auto' });
    }
  }, [selectedIndex]);

  const onRowClick = React.useCallback(
    (entry: IEntry) => {
      setPendingIndex(null);
      model.select(entry);
      gridRef.current?.focus({ preventScroll: true });
    },
    [model]
  );
  const onRowOpen = React.useCallback(
    (entry: IEntry) => void model.open(entry),
    [model]
  );
  const iconFor = React.useCallback(
    (entry: IEntry) => model.iconFor(entry),
    [model]
  );
  const onRowDragStart = React.useCallback(
    (entry: IEntry, event: React.DragEvent) => {
      const root = model.currentRoot;
      if (!root) {
        return;
      }
      event.dataTransfer.setData(
        SNIPPET_MIME,
        openSnippet(linuxPath(root.path, entry.path))
      );
      event.dataTransfer.effectAllowed = 'copy';
    },
    [model]
  );
  const onRowsRendered = React.useCallback(
    (visible: { startIndex: number; stopIndex: number }) => {
      lastVisible.current = visible.stopIndex;
      listing.ensureLoaded(visible.stopIndex + PREFETCH_ROWS);
    },
    [listing]
  );

  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) {
      return; // keys typed into a button inside the grid are not ours
    }
    if (
      event.key === 'Backspace' ||
      (event.key === 'ArrowUp' && event.altKey)
    ) {
      event.preventDefault();
      void model.goToParent();
      return;
    }
    if (listing.status !== 'ready') {
      return;
    }
    if (isMoveKey(event.key)) {
      event.preventDefault();
      const element = listRef.current?.element;
      const pageRows = element
        ? Math.floor(element.clientHeight / ROW_HEIGHT)
        : 10;
      const from = pendingIndex ?? selectedIndex;
      const next = moveSelection(event.key, from, listing.total, pageRows);
      if (next < 0) {
        return;
      }
      listRef.current?.scrollToRow({ index: next, align: 'auto' });
      const entry = listing.entryAt(next);
      if (entry) {
        setPendingIndex(null);
        model.select(entry);
      } else {
        setPendingIndex(next);
        listing.ensureLoaded(next + PREFETCH_ROWS);
      }
      return;
    }
    if (event.key === 'Enter') {
      const entry = listing.entryAt(selectedIndex);
      if (entry) {
        event.preventDefault();
        void model.open(entry);
      }
    }
  };

  const rowProps = React.useMemo<IRowProps>(
    () => ({
      entries: listing.entries,
      loadedCount: listing.entries.length,
      selectedPath,
      pendingIndex,
      now: new Date(),
      onRowClick,
      onRowOpen,
      onRowDragStart,
      iconFor
    }),
    [
      onRowDragStart,
      listing.entries,
      listing.entries.length,
      selectedPath,
      pendingIndex,
      onRowClick,
      onRowOpen,
      iconFor
    ]
  );

  let body: JSX.Element;
  if (listing.status === 'loading' || listing.status === 'idle') {
    body = <FolderLoading key={listing.generation} listing={listing} />;
  } else if (listing.status === 'error' && listing.error) {
    body = (
      <ListingError
        error={listing.error}
        onRetry={() => void listing.retry()}
        onParent={
          model.canGoToParent ? () => void model.goToParent() : undefined
        }
      />
    );
  } else if (listing.total === 0) {
    body = (
      <div className="jp-Fileglancer-status jp-Fileglancer-emptyFolder">
        {listing.filter
          ? 'No entries match the filter.'
          : 'This folder is empty.'}
      </div>
    );
  } else {
    body = (
      <List
        className="jp-Fileglancer-rows"
        role="rowgroup"
        listRef={listRef}
        rowComponent={Row}
        rowCount={listing.total}
        rowHeight={ROW_HEIGHT}
        rowProps={rowProps}
        overscanCount={10}
        defaultHeight={ROW_HEIGHT * 20}
        onRowsRendered={onRowsRendered}
      />
    );
  }

  const activeIndex = pendingIndex ?? selectedIndex;
  return (
    <div className="jp-Fileglancer-listingPanel">
      <div
        ref={gridRef}
        className="jp-Fileglancer-listing"
        role="grid"
        aria-label="Folder contents"
        aria-rowcount={listing.total + 1}
        aria-colcount={COLUMNS.length}
        aria-busy={listing.status === 'loading'}
        aria-activedescendant={
          activeIndex >= 0 && listing.status === 'ready'
            ? rowId(activeIndex)
            : undefined
        }
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <ColumnHeaders listing={listing} />
        {body}
      </div>
      {listing.pageError && (
        <div className="jp-Fileglancer-pageError" role="alert">
          <span>Could not load more entries: {listing.pageError.title}</span>
          <Button small onClick={() => void listing.retry()}>
            Retry
          </Button>
        </div>
      )}
      {listing.status === 'ready' && <ListingFooter listing={listing} />}
    </div>
  );
}
