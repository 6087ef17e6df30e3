/**
 * The Share tab's state for the selected dataset: its data link (if any), the viewers that
 * can open it through that link, code snippets and path forms, all from one `GET viewers`
 * request; and the two actions, share (create a link) and stop sharing (revoke it).
 * A newer selection always wins over answers to an older one.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type {
  IFileglancerAPI,
  IShareLink,
  IShortLink,
  IViewersResponse
} from '../api';
import type { LoadState } from '../inspector/inspectorModel';
import { loadState } from '../common/requestError';
import type { ILinkChange, LinkEvents } from './linkEvents';

/** The part of the API the Share tab calls. */
export type ShareModelAPI = Pick<
  IFileglancerAPI,
  'getViewers' | 'createLink' | 'revokeLink' | 'createShortLink'
>;

/** Link lifetimes a user can pick, in seconds (null: never expires). */
export const EXPIRY_CHOICES: Array<{ label: string; seconds: number | null }> =
  [
    { label: 'Never expires', seconds: null },
    { label: 'Expires in 1 day', seconds: 86_400 },
    { label: 'Expires in 7 days', seconds: 7 * 86_400 },
    { label: 'Expires in 30 days', seconds: 30 * 86_400 },
    { label: 'Expires in 1 year', seconds: 365 * 86_400 }
  ];

export class ShareModel {
  /** `events`: where links made or revoked here are told, and changes elsewhere heard. */
  constructor(
    api: ShareModelAPI,
    private readonly _events?: LinkEvents
  ) {
    this._api = api;
    _events?.changed.connect(this._onLinkChanged, this);
  }

  dispose(): void {
    this._events?.changed.disconnect(this._onLinkChanged, this);
  }

  /** What the server says about the selected dataset. */
  get state(): LoadState<IViewersResponse> {
    return this._state;
  }

  /** The selected dataset's active data link, or null. */
  get link(): IShareLink | null {
    return this._state.status === 'ready' ? this._state.value.link : null;
  }

  /** True while a link is being created or revoked. */
  get busy(): boolean {
    return this._busy;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Read the viewers and link of (root, path); the selection moved there. */
  async load(root: string, path: string): Promise<void> {
    const request = ++this._request;
    this._target = { root, path };
    this._busy = false;
    this._set({ status: 'loading' });
    await this._read(request);
  }

  /** Nothing is selected (or it is not a dataset). */
  clear(): void {
    this._request += 1;
    this._target = null;
    this._busy = false;
    this._set({ status: 'idle' });
  }

  /**
   * Create a data link to the selected dataset. Returns the link, or throws the
   * request's error (a FileglancerAPIError with the server's message).
   */
  async share(expiresIn: number | null = null): Promise<IShareLink> {
    const target = this._requireTarget();
    return this._act(() =>
      this._api.createLink({ ...target, expires_in: expiresIn })
    );
  }

  /** Revoke the selected dataset's link: its URL stops working at once. */
  async stopSharing(): Promise<IShareLink> {
    const link = this.link;
    if (!link) {
      throw new Error('This dataset has no data link.');
    }
    return this._act(() => this._api.revokeLink(link.id));
  }

  /**
   * A short public URL that redirects to `viewerUrl` (a viewer state can be kilobytes
   * long: too long for chats and papers). Throws the request's error.
   */
  shortLink(viewerUrl: string, label: string): Promise<IShortLink> {
    return this._api.createShortLink({ url: viewerUrl, label });
  }

  private async _act(action: () => Promise<IShareLink>): Promise<IShareLink> {
    const request = this._request;
    this._busy = true;
    this._changed.emit();
    try {
      const link = await action();
      this._events?.emit(link.id, this);
      if (request === this._request) {
        await this._read(request);
      }
      return link;
    } finally {
      if (request === this._request) {
        this._busy = false;
        this._changed.emit();
      }
    }
  }

  private _onLinkChanged(_: LinkEvents, change: ILinkChange): void {
    // Revoked or re-timed in the "Data links" view: the tab must not show it as it was.
    if (change.source !== this && this.link?.id === change.id && !this._busy) {
      void this._read(this._request);
    }
  }

  private async _read(request: number): Promise<void> {
    const target = this._target;
    if (!target) {
      return;
    }
    const next = await loadState(
      () => this._api.getViewers(target.root, target.path),
      'dataset'
    );
    if (request === this._request) {
      this._set(next);
    }
  }

  private _requireTarget(): { root: string; path: string } {
    if (!this._target) {
      throw new Error('No dataset is selected.');
    }
    return this._target;
  }

  private _set(state: LoadState<IViewersResponse>): void {
    this._state = state;
    this._changed.emit();
  }

  private _api: ShareModelAPI;
  private _state: LoadState<IViewersResponse> = { status: 'idle' };
  private _target: { root: string; path: string } | null = null;
  private _busy = false;
  private _request = 0;
  private _changed = new Signal<this, void>(this);
}
