/** The favourites command of the browser's context menu, and where places are saved. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { CommandIDs, ROW_SELECTOR } from '../commands';
import { isDataset } from '../kinds';
import type { ISelectionModel } from '../selection';
import { BrowserModel } from './browserModel';
import { IPlaces, IPlacesStorage, PlacesModel } from './placesModel';

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
