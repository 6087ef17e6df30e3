/**
 * Favourites (folders and datasets the user starred, kept per user on the server) and
 * recently inspected datasets (kept in the workspace's state). Each place is a root and a
 * path with what the listing knew of it (name and kind, for its icon).
 */
import { ISignal, Signal } from '@lumino/signaling';

import type { EntryKind } from '../api';

export interface IPlace {
  root: string;
  path: string;
  name: string;
  kind: EntryKind;
}

export interface IPlaces {
  favourites: IPlace[];
  recent: IPlace[];
}

/** Where the places are kept; tests pass an in-memory one. */
export interface IPlacesStorage {
  load: () => Promise<IPlaces | null>;
  save: (places: IPlaces) => Promise<void>;
}

/** How many recent datasets are remembered. */
export const MAX_RECENT = 10;

const samePlace = (
  a: { root: string; path: string },
  root: string,
  path: string
) => a.root === root && a.path === path;

function isPlace(value: unknown): value is IPlace {
  const place = value as IPlace;
  return (
    typeof place === 'object' &&
    place !== null &&
    typeof place.root === 'string' &&
    typeof place.path === 'string' &&
    typeof place.name === 'string' &&
    typeof place.kind === 'string'
  );
}

export class PlacesModel {
  constructor(storage: IPlacesStorage | null = null) {
    this._storage = storage;
  }

  get favourites(): readonly IPlace[] {
    return this._places.favourites;
  }

  get recent(): readonly IPlace[] {
    return this._places.recent;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Read the saved places (a malformed record is dropped, not fatal). */
  async restore(): Promise<void> {
    const saved = this._storage ? await this._storage.load() : null;
    if (saved) {
      const list = (value: unknown) =>
        Array.isArray(value) ? value.filter(isPlace) : [];
      this._places = {
        favourites: list(saved.favourites),
        recent: list(saved.recent).slice(0, MAX_RECENT)
      };
      this._changed.emit();
    }
  }

  isFavourite(root: string, path: string): boolean {
    return this._places.favourites.some(place => samePlace(place, root, path));
  }

  /** Star or un-star a place; returns whether it is a favourite now. */
  toggleFavourite(place: IPlace): boolean {
    const starred = this.isFavourite(place.root, place.path);
    const favourites = starred
      ? this._places.favourites.filter(
          p => !samePlace(p, place.root, place.path)
        )
      : [...this._places.favourites, { ...place }];
    this._update({ ...this._places, favourites });
    return !starred;
  }

  /** Put a dataset at the top of the recent list. */
  addRecent(place: IPlace): void {
    const rest = this._places.recent.filter(
      p => !samePlace(p, place.root, place.path)
    );
    this._update({
      ...this._places,
      recent: [{ ...place }, ...rest].slice(0, MAX_RECENT)
    });
  }

  clearRecent(): void {
    this._update({ ...this._places, recent: [] });
  }

  private _update(places: IPlaces): void {
    this._places = places;
    this._changed.emit();
    if (this._storage) {
      this._storage.save(places).catch(reason => {
        console.warn('fileglancer-ext: could not save favourites.', reason);
      });
    }
  }

  private _storage: IPlacesStorage | null;
  private _places: IPlaces = { favourites: [], recent: [] };
  private _changed = new Signal<this, void>(this);
}

/**
 * What tells each place apart from the others of the same name: its root, plus the
 * shortest tail of its parent path that no other place of that name and root shares
 * ("lab › run1" for lab/a/run1/cells.ome.zarr beside lab/b/run2/cells.ome.zarr). A
 * leading "…/" says the parent path was cut.
 */
export function placeDetails(
  places: readonly Pick<IPlace, 'root' | 'path' | 'name'>[]
): string[] {
  const parents = places.map(place => {
    const parts = place.path.split('/').filter(Boolean);
    return parts.slice(0, -1);
  });
  return places.map((place, index) => {
    const mine = parents[index];
    const rivals = places
      .map((other, at) => ({ other, at }))
      .filter(
        ({ other, at }) =>
          at !== index &&
          other.root === place.root &&
          (other.name || other.root) === (place.name || place.root)
      )
      .map(({ at }) => parents[at]);
    let depth = 0;
    const tail = (parts: string[], n: number) =>
      n === 0 ? '' : parts.slice(-n).join('/');
    while (
      depth < mine.length &&
      rivals.some(rival => tail(rival, depth) === tail(mine, depth))
    ) {
      depth += 1;
    }
    if (depth === 0) {
      return place.root;
    }
    const cut = depth < mine.length ? '…/' : '';
    return `${place.root} › ${cut}${tail(mine, depth)}`;
  });
}
