/** Favourites: the places a user starred, kept per user on the server. */
import type { EntryKind } from './browse';
import { APIClient } from './client';

/** One starred place: a root, a root-relative path, and its name and kind. */
export interface IFavourite {
  root: string;
  path: string;
  name: string;
  kind: EntryKind;
}

export interface IFavouritesResponse {
  favourites: IFavourite[];
  /** False until the user first saves: the browser then brings its workspace favourites. */
  saved: boolean;
}

export interface IFavouritesAPI {
  getFavourites(): Promise<IFavouritesResponse>;
  /** Replace the user's favourites with `favourites` (in this order). */
  saveFavourites(favourites: IFavourite[]): Promise<IFavouritesResponse>;
}

export function favouritesAPI(client: APIClient): IFavouritesAPI {
  return {
    getFavourites: () => client.send<IFavouritesResponse>('GET', 'favourites'),
    saveFavourites: favourites =>
      client.send<IFavouritesResponse>('PUT', 'favourites', { favourites })
  };
}
