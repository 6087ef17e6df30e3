/**
 * A main-area list of the user's things (data links, conversion jobs): a title with a
 * refresh button, then the loading, error, empty or table state of one request.
 */
import type { ISignal } from '@lumino/signaling';
import * as React from 'react';

import type { LoadState } from '../inspector/inspectorModel';
import { Loading, RequestFailure } from '../inspector/sections/common';
import { useSignal } from './hooks';
import { PanelHeader } from './panelHeader';

/** What a list view shows and follows: one request's state, read again on demand. */
export interface IListModel<T> {
  readonly state: LoadState<T[]>;
  readonly changed: ISignal<unknown, void>;
  refresh(): Promise<void>;
}

export function ListView<T>(props: {
  className: string;
  title: string;
  /** What the list holds, for "Reading …" and the refresh tooltip ("your data links"). */
  what: string;
  /** data-action of the refresh button. */
  refreshAction: string;
  /** The list, drawn again whenever it changes. */
  model: IListModel<T>;
  /** Said when the list is empty. */
  empty: string;
  /** data-table of the table. */
  table: string;
  head: string[];
  row: (item: T) => JSX.Element;
}): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const state = model.state;
  return (
    <div className={props.className}>
      <PanelHeader
        title={props.title}
        tooltip={`Read ${props.what} again`}
        action={props.refreshAction}
        onRefresh={() => void model.refresh()}
      />
      {(state.status === 'idle' || state.status === 'loading') && (
        <Loading what={props.what} />
      )}
      {state.status === 'error' && <RequestFailure error={state.error} />}
      {state.status === 'ready' && state.value.length === 0 && (
        <p className="jp-Fileglancer-note">{props.empty}</p>
      )}
      {state.status === 'ready' && state.value.length > 0 && (
        <div className="jp-Fileglancer-tableWrap">
          <table className="jp-Fileglancer-table" data-table={props.table}>
            <thead>
              <tr>
                {props.head.map(head => (
                  <th key={head} scope="col">
                    {head}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{state.value.map(props.row)}</tbody>
          </table>
        </div>
      )}
    </div>
  );
}
