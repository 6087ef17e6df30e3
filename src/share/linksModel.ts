/**
 * The "Data links" view's state: every active link of the user, with the actions on
 * one link (revoke, change its expiry). Re-read after each action so the view shows
 * what the server holds.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { IFileglancerAPI, IShareLink } from '../api';
import type { LoadState } from '../inspector/inspectorModel';
import { loadState } from '../common/requestError';
import type { ILinkChange, LinkEvents } from './linkEvents';

/** The part of the API the data links view calls. */
export type LinksModelAPI = Pick<
  IFileglancerAPI,
  'listLinks' | 'revokeLink' | 'updateLink'
>;

export class LinksModel {
  /** `events`: where changes made here are told, and changes made elsewhere heard. */
  constructor(
    api: LinksModelAPI,
    private readonly _events?: LinkEvents
  ) {
    this._api = api;
    _events?.changed.connect(this._onLinkChanged, this);
  }

  dispose(): void {
    this._events?.changed.disconnect(this._onLinkChanged, this);
  }

  get state(): LoadState<IShareLink[]> {
    return this._state;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Read the user's links again. */
  async refresh(): Promise<void> {
    const request = ++this._request;
    if (this._state.status !== 'ready') {
      this._set({ status: 'loading' });
    }
    const next = await loadState(() => this._api.listLinks(), 'link list');
    if (request === this._request) {
      this._set(next);
    }
  }

  /** Revoke one link; throws the request's error. */
  async revoke(id: string): Promise<void> {
    await this._api.revokeLink(id);
    this._events?.emit(id, this);
    await this.refresh();
  }

  /** Give one link a new lifetime from now (null: never expires); throws on failure. */
  async setExpiry(id: string, seconds: number | null): Promise<void> {
    await this._api.updateLink(id, { expires_in: seconds });
    this._events?.emit(id, this);
    await this.refresh();
  }

  private _onLinkChanged(_: LinkEvents, change: ILinkChange): void {
    // A link made or revoked in the Share tab: re-read the list once it is on show.
    if (change.source !== this && this._state.status !== 'idle') {
      void this.refresh();
    }
  }

  private _set(state: LoadState<IShareLink[]>): void {
    this._state = state;
    this._changed.emit();
  }

  private _api: LinksModelAPI;
  private _state: LoadState<IShareLink[]> = { status: 'idle' };
  private _request = 0;
  private _changed = new Signal<this, void>(this);
}
