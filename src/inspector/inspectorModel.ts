/**
 * What the inspector shows: the selected entry, re-read from the server (`GET node/...`)
 * so that its kind is confirmed from its content (e.g. a TIFF's magic bytes), with the
 * loading and error states of that request. A newer selection always wins.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { getNode, IEntry, INodeResponse, IRoot } from '../api';
import { describeRequestError, IRequestError } from '../requestError';
import type { ISelectedEntry, ISelectionModel } from '../selection';

export type NodeFetcher = (
  root: string,
  path: string
) => Promise<INodeResponse>;

export type InspectorState =
  | { status: 'empty' }
  | { status: 'loading'; root: IRoot; entry: IEntry }
  | { status: 'ready'; root: IRoot; entry: IEntry }
  | { status: 'error'; root: IRoot; entry: IEntry; error: IRequestError };

export class InspectorModel {
  constructor(
    selection: ISelectionModel,
    fetchNode: NodeFetcher = (root, path) => getNode(root, path)
  ) {
    this._fetchNode = fetchNode;
    this._selection = selection;
    selection.changed.connect(this._onSelection, this);
    if (selection.current) {
      void this._load(selection.current);
    }
  }

  get state(): InspectorState {
    return this._state;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Read the selected entry from the server again. */
  reload(): Promise<void> {
    const current = this._selection.current;
    return current ? this._load(current) : Promise.resolve();
  }

  dispose(): void {
    this._selection.changed.disconnect(this._onSelection, this);
  }

  private _onSelection(_: ISelectionModel, selected: ISelectedEntry | null) {
    if (selected === null) {
      this._request += 1;
      this._setState({ status: 'empty' });
      return;
    }
    void this._load(selected);
  }

  private async _load(selected: ISelectedEntry): Promise<void> {
    const request = ++this._request;
    const { root, entry } = selected;
    // Show what the listing already knows while the confirmed description loads.
    this._setState({ status: 'loading', root, entry });
    try {
      const node = await this._fetchNode(root.name, entry.path);
      if (request === this._request) {
        this._setState({ status: 'ready', root, entry: node });
      }
    } catch (error) {
      if (request === this._request) {
        this._setState({
          status: 'error',
          root,
          entry,
          error: describeRequestError(error, 'entry')
        });
      }
    }
  }

  private _setState(state: InspectorState): void {
    this._state = state;
    this._changed.emit();
  }

  private _fetchNode: NodeFetcher;
  private _selection: ISelectionModel;
  private _state: InspectorState = { status: 'empty' };
  private _request = 0;
  private _changed = new Signal<this, void>(this);
}
