import { ISignal, Signal } from '@lumino/signaling';

import type { IFileglancerAPI, IRoot, IRootsResponse } from '../api';

/** What the browser knows about the roots right now. */
export type RootsState =
  | { status: 'loading' }
  | { status: 'ready'; roots: IRoot[] }
  | { status: 'error'; message: string };

/**
 * Holds the configured roots and the selected one; emits `changed` on every update so
 * that views re-render. The roots come from the injected API (a fake in tests).
 */
export class RootsModel {
  constructor(api: Pick<IFileglancerAPI, 'getRoots'>) {
    this._fetchRoots = () => api.getRoots();
  }

  get state(): RootsState {
    return this._state;
  }

  get selected(): string | null {
    return this._selected;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Reload the roots from the server. Never rejects: failures become the error state. */
  async refresh(): Promise<void> {
    const request = ++this._requestCount;
    this._setState({ status: 'loading' });
    try {
      const { roots } = await this._fetchRoots();
      if (request !== this._requestCount) {
        return; // a newer refresh has started; its answer wins
      }
      if (this._selected && !roots.some(root => root.name === this._selected)) {
        this._selected = null;
      }
      this._setState({ status: 'ready', roots });
    } catch (error) {
      if (request !== this._requestCount) {
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this._setState({ status: 'error', message });
    }
  }

  /** Select an available root by name; unknown or unavailable roots are ignored. */
  select(name: string): void {
    if (this._state.status !== 'ready') {
      return;
    }
    const root = this._state.roots.find(candidate => candidate.name === name);
    if (!root || !root.available || this._selected === name) {
      return;
    }
    this._selected = name;
    this._changed.emit();
  }

  private _setState(state: RootsState): void {
    this._state = state;
    this._changed.emit();
  }

  private _fetchRoots: () => Promise<IRootsResponse>;
  private _state: RootsState = { status: 'loading' };
  private _selected: string | null = null;
  private _requestCount = 0;
  private _changed = new Signal<this, void>(this);
}
