/**
 * Remember the folder the browser shows (root and path) in JupyterLab's state database,
 * and open it again on the next start, so a reload lands where the user was.
 */
import { IStateDB } from '@jupyterlab/statedb';
import { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { BrowserModel } from './browserModel';

export const LOCATION_STATE_KEY = 'fileglancer-ext:location';

interface ILocation {
  root: string;
  path: string;
}

function isLocation(value: ReadonlyPartialJSONValue | undefined): value is {
  root: string;
  path: string;
} {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const record = value as { root?: unknown; path?: unknown };
  return typeof record.root === 'string' && typeof record.path === 'string';
}

/** Resolves once the roots have loaded (or failed to). */
function rootsSettled(model: BrowserModel): Promise<void> {
  if (model.roots.state.status !== 'loading') {
    return Promise.resolve();
  }
  return new Promise(resolve => {
    const onChange = () => {
      if (model.roots.state.status !== 'loading') {
        model.roots.changed.disconnect(onChange);
        resolve();
      }
    };
    model.roots.changed.connect(onChange);
  });
}

/**
 * Open the saved location (when its root is still available and nothing else was opened
 * meanwhile), then save every new location.
 */
export async function restoreLocation(
  model: BrowserModel,
  state: IStateDB
): Promise<void> {
  let saved: ReadonlyPartialJSONValue | undefined;
  try {
    saved = await state.fetch(LOCATION_STATE_KEY);
  } catch {
    saved = undefined;
  }
  await rootsSettled(model);
  if (
    isLocation(saved) &&
    (model.listing.root === null || model.openedAutomatically) &&
    model.findRoot(saved.root)?.available
  ) {
    await model.navigate(saved.root, saved.path);
  }
  let last = '';
  model.listing.changed.connect(() => {
    const { root, path } = model.listing;
    if (root === null || model.listing.status !== 'ready') {
      return;
    }
    const location: ILocation = { root, path };
    const key = JSON.stringify(location);
    if (key !== last) {
      last = key;
      void state.save(LOCATION_STATE_KEY, { root, path });
    }
  });
}
