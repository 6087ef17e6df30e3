/** The favourites command of the browser's context menu, and where places are saved. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { CommandIDs, ROW_SELECTOR } from '../commands';
import { isDataset } from '../kinds';
import type { ISelectionModel } from '../selection';
import { BrowserModel } from './browserModel';
import type { IFileglancerAPI } from '../api';
import { IPlace, IPlaces, IPlacesStorage, PlacesModel } from './placesModel';

const STATE_KEY = 'fileglancer-ext:places';

/** Places kept in JupyterLab's state database (per user and workspace). */
export function stateDBStorage(state: IStateDB): IPlacesStorage {
  return {
    load: async () =>
      ((await state.fetch(STATE_KEY)) as IPlaces | undefined) ?? null,
    save: async places => {
      await state.save(
        STATE_KEY,
        places as unknown as ReadonlyPartialJSONValue
      );
    }
  };
}

/**
 * Favourites on the server (per user, in every workspace), recent datasets in `local`
 * (the workspace's state). The first time a user's server list is read and they never
 * saved one, the favourites this workspace kept are moved to the server, once.
 */
export function serverFavouritesStorage(
  api: Pick<IFileglancerAPI, 'getFavourites' | 'saveFavourites'>,
  local: IPlacesStorage | null
): IPlacesStorage {
  let sent = '';
  const send = async (favourites: IPlace[]) => {
    const key = JSON.stringify(favourites);
    if (key !== sent) {
      await api.saveFavourites(favourites);
      sent = key;
    }
  };
  return {
    load: async () => {
      const [server, kept] = await Promise.all([
        api.getFavourites().catch(reason => {
          console.warn(
            'fileglancer-ext: favourites not on the server.',
            reason
          );
          return null;
        }),
        local ? local.load().catch(() => null) : Promise.resolve(null)
      ]);
      if (server === null) {
        return kept; // the workspace's own, until the server answers again
      }
      const recent = Array.isArray(kept?.recent) ? kept.recent : [];
      let favourites: IPlace[] = server.favourites;
      sent = JSON.stringify(favourites);
      const workspace = Array.isArray(kept?.favourites) ? kept.favourites : [];
      if (!server.saved && workspace.length > 0) {
        favourites = workspace;
        await send(favourites);
        await local?.save({ favourites: [], recent });
      }
      return { favourites, recent };
    },
    save: async places => {
      let failure: unknown = null;
      await send([...places.favourites]).catch(reason => {
        failure = reason;
      });
      // Kept in the workspace too while the server cannot take them.
      await local?.save({
        favourites: failure === null ? [] : [...places.favourites],
        recent: places.recent
      });
      if (failure !== null) {
        throw failure;
      }
    }
  };
}

/** Remember each dataset the user selects among the recent ones. */
export function trackRecentDatasets(
  selection: ISelectionModel,
  places: PlacesModel
): void {
  selection.changed.connect((_, selected) => {
    if (selected && isDataset(selected.entry.kind)) {
      places.addRecent({
        root: selected.root.name,
        path: selected.entry.path,
        name: selected.entry.name,
        kind: selected.entry.kind
      });
    }
  });
}

/** "Add to Favourites" / "Remove from Favourites" on the browser's rows. */
export function registerFavouriteCommand(
  app: JupyterFrontEnd,
  model: BrowserModel,
  places: PlacesModel
): void {
  const current = () => model.selection.current;
  app.commands.addCommand(CommandIDs.toggleFavourite, {
    label: () => {
      const selected = current();
      return selected &&
        places.isFavourite(selected.root.name, selected.entry.path)
        ? 'Remove from Favourites'
        : 'Add to Favourites';
    },
    isEnabled: () => current() !== null,
    execute: () => {
      const selected = current();
      if (selected) {
        places.toggleFavourite({
          root: selected.root.name,
          path: selected.entry.path,
          name: selected.entry.name,
          kind: selected.entry.kind
        });
      }
    }
  });
  app.contextMenu.addItem({
    command: CommandIDs.toggleFavourite,
    selector: ROW_SELECTOR,
    rank: 5
  });
}
