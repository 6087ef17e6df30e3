/**
 * The entry the user has selected in the Fileglancer browser. The browser writes it and
 * the inspector (and any later plugin, through the IFileglancerSelection token) reads it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { IEntry, IRoot } from './api';

/** A selected entry and the root it lives in. */
export interface ISelectedEntry {
  root: IRoot;
  entry: IEntry;
}

/** Read access to the current selection, for other plugins. */
export interface ISelectionModel {
  readonly current: ISelectedEntry | null;
  readonly changed: ISignal<ISelectionModel, ISelectedEntry | null>;
}

/** Holds one selected entry; emits `changed` only when the selection really changes. */
export class SelectionModel implements ISelectionModel {
  get current(): ISelectedEntry | null {
    return this._current;
  }

  get changed(): ISignal<this, ISelectedEntry | null> {
    return this._changed;
  }

  /** Select `entry` of `root` (a fresh object for the same path still counts as new data). */
  select(root: IRoot, entry: IEntry): void {
    const current = this._current;
    if (current && current.root === root && current.entry === entry) {
      return;
    }
    this._current = { root, entry };
    this._changed.emit(this._current);
  }

  clear(): void {
    if (this._current === null) {
      return;
    }
    this._current = null;
    this._changed.emit(null);
  }

  /** True when `path` in the root named `rootName` is the selected entry. */
  isSelected(rootName: string, path: string): boolean {
    const current = this._current;
    return (
      current !== null &&
      current.root.name === rootName &&
      current.entry.path === path
    );
  }

  private _current: ISelectedEntry | null = null;
  private _changed = new Signal<this, ISelectedEntry | null>(this);
}
