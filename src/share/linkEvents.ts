/**
 * News of data links changed in one part of the UI, for the others: a link revoked or
 * re-timed in the "Data links" view changes what the inspector's Share tab shows, and a
 * link made or revoked in the Share tab belongs in the "Data links" view.
 */
import { ISignal, Signal } from '@lumino/signaling';

export interface ILinkChange {
  /** The link's id. */
  id: string;
  /** Who changed it (a model ignores its own news). */
  source: unknown;
}

export class LinkEvents {
  get changed(): ISignal<this, ILinkChange> {
    return this._changed;
  }

  /** Say that `source` created, revoked or re-timed the link `id`. */
  emit(id: string, source: unknown): void {
    this._changed.emit({ id, source });
  }

  private _changed = new Signal<this, ILinkChange>(this);
}
