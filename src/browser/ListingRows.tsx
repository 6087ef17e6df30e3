/**
 * The pieces of the listing grid: its sortable column headers and one row per entry (a
 * placeholder while the entry's page is loading). Rows carry the attributes the context
 * menu's selector and the tests match: data-path, data-kind, aria-selected.
 */
import type { LabIcon } from '@jupyterlab/ui-components';
import * as React from 'react';
import { RowComponentProps } from 'react-window';

import type { IEntry, SortKey } from '../api';
import {
  isDataset,
  kindBadge,
  kindDescription,
  kindName,
  kindIcon
} from '../kinds';
import { formatFullTime, formatShortTime, formatBytes } from '../common/format';
import { ListingModel } from './listingModel';

/** Height of one row in pixels (fixed, so the list can place any row without measuring). */
export const ROW_HEIGHT = 24;

/** The CSS class of an entry row: the context menu's selector uses it. */
export const ROW_CLASS = 'jp-Fileglancer-row';

export const COLUMNS: Array<{
  key: SortKey;
  label: string;
  className: string;
}> = [
  { key: 'name', label: 'Name', className: 'jp-Fileglancer-nameCell' },
  { key: 'kind', label: 'Kind', className: 'jp-Fileglancer-kindCell' },
  { key: 'size', label: 'Size', className: 'jp-Fileglancer-sizeCell' },
  { key: 'mtime', label: 'Modified', className: 'jp-Fileglancer-mtimeCell' }
];

/** The DOM id of a row, for aria-activedescendant. */
export function rowId(index: number): string {
  return `jp-Fileglancer-row-${index}`;
}

export function ColumnHeaders(props: { listing: ListingModel }): JSX.Element {
  const { listing } = props;
  return (
    <div className="jp-Fileglancer-columns" role="row" aria-rowindex={1}>
      {COLUMNS.map(column => {
        const active = listing.sort === column.key;
        const direction = listing.order === 'asc' ? 'ascending' : 'descending';
        return (
          <div
            key={column.key}
            role="columnheader"
            aria-sort={active ? direction : 'none'}
            className={`jp-Fileglancer-column ${column.className}`}
            data-sort-key={column.key}
          >
            <button
              type="button"
              className="jp-Fileglancer-columnButton"
              title={`Sort by ${column.label.toLowerCase()}`}
              onClick={() => void listing.toggleSort(column.key)}
            >
              {column.label}
              {active && (
                <span className="jp-Fileglancer-sortArrow" aria-hidden="true">
                  {listing.order === 'asc' ? '▲' : '▼'}
                </span>
              )}
            </button>
          </div>
        );
      })}
    </div>
  );
}

/** What every row needs besides its index (react-window re-renders rows when it changes). */
export interface IRowProps {
  entries: readonly IEntry[];
  /** Changes whenever `entries` grows, so placeholders turn into rows. */
  loadedCount: number;
  selectedPath: string | null;
  pendingIndex: number | null;
  now: Date;
  onRowClick: (entry: IEntry) => void;
  onRowOpen: (entry: IEntry) => void;
  /** The icon of an entry (a plain file's from JupyterLab's file types); its kind's by default. */
  iconFor?: (entry: IEntry) => LabIcon;
  /** A dataset row is being dragged (e.g. into a notebook cell). */
  onRowDragStart?: (entry: IEntry, event: React.DragEvent) => void;
}

/** What every row of the grid carries: its id, place and ARIA position. */
function rowAttributes(
  index: number,
  style: React.CSSProperties,
  selected: boolean
) {
  return {
    id: rowId(index),
    style,
    role: 'row',
    'aria-rowindex': index + 2,
    'aria-selected': selected
  };
}

export function Row(props: RowComponentProps<IRowProps>): JSX.Element {
  const { index, style, entries, selectedPath, pendingIndex, now } = props;
  const entry = entries[index];
  if (!entry) {
    const pending = pendingIndex === index;
    return (
      <div
        {...rowAttributes(index, style, pending)}
        className={`${ROW_CLASS} jp-mod-placeholder${pending ? ' jp-mod-selected' : ''}`}
      >
        <div role="gridcell" className="jp-Fileglancer-cell">
          Loading…
        </div>
      </div>
    );
  }
  const selected = entry.path === selectedPath;
  const badge = kindBadge(entry);
  const Icon = props.iconFor?.(entry) ?? kindIcon(entry.kind);
  const classes = [ROW_CLASS];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (isDataset(entry.kind)) {
    classes.push('jp-mod-dataset');
  }
  if (!entry.readable) {
    classes.push('jp-mod-unreadable');
  }
  return (
    <div
      {...rowAttributes(index, style, selected)}
      className={classes.join(' ')}
      data-path={entry.path}
      data-name={entry.name}
      data-kind={entry.kind}
      data-index={index}
      title={entry.problem ? `${entry.name}: ${entry.problem}` : entry.name}
      onMouseDown={event => {
        // Select on a right-button press, before the context menu opens for this row.
        if (event.button === 2) {
          props.onRowClick(entry);
        }
      }}
      onClick={() => props.onRowClick(entry)}
      onDoubleClick={() => props.onRowOpen(entry)}
      draggable={isDataset(entry.kind) && props.onRowDragStart !== undefined}
      onDragStart={event => props.onRowDragStart?.(entry, event)}
    >
      <div
        role="gridcell"
        className="jp-Fileglancer-cell jp-Fileglancer-nameCell"
      >
        <Icon.react
          tag="span"
          className="jp-Fileglancer-kindIcon"
          title={kindDescription(entry)}
        />
        <span className="jp-Fileglancer-name">{entry.name}</span>
        {badge && (
          // Shown instead of the kind column when the sidebar is narrow.
          <span
            className="jp-Fileglancer-badge jp-Fileglancer-inlineBadge"
            data-kind={entry.kind}
          >
            {badge}
          </span>
        )}
        {entry.is_symlink && (
          <span className="jp-Fileglancer-symlink" title="Symbolic link">
            ↪
          </span>
        )}
        {entry.problem && (
          <span className="jp-Fileglancer-problemMark" aria-label="Problem">
            !
          </span>
        )}
      </div>
      <div
        role="gridcell"
        className="jp-Fileglancer-cell jp-Fileglancer-kindCell"
        title={kindDescription(entry)}
      >
        {badge ? (
          <span className="jp-Fileglancer-badge" data-kind={entry.kind}>
            {badge}
          </span>
        ) : (
          kindName(entry.kind)
        )}
      </div>
      <div
        role="gridcell"
        className="jp-Fileglancer-cell jp-Fileglancer-sizeCell"
      >
        {entry.is_dir && entry.size === null ? '' : formatBytes(entry.size)}
      </div>
      <div
        role="gridcell"
        className="jp-Fileglancer-cell jp-Fileglancer-mtimeCell"
        title={formatFullTime(entry.mtime)}
      >
        {formatShortTime(entry.mtime, now)}
      </div>
    </div>
  );
}
