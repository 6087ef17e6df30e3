import { StateDB } from '@jupyterlab/statedb';

import { BrowserModel } from '../browser/browserModel';
import { ListingModel } from '../browser/listingModel';
import { LOCATION_STATE_KEY, restoreLocation } from '../browser/locationState';
import { RootsModel } from '../browser/rootsModel';
import { SelectionModel } from '../selection';
import { fakeAPI, FakeDirectory, makeRoot, settle } from './fakes';

function makeModel(): BrowserModel {
  return new BrowserModel({
    roots: new RootsModel(
      fakeAPI({
        getRoots: async () => ({
          roots: [makeRoot('demo'), makeRoot('gone', { available: false })]
        })
      })
    ),
    listing: new ListingModel(new FakeDirectory(3, { autoAnswer: true }).fetch),
    selection: new SelectionModel(),
    api: fakeAPI()
  });
}

describe('restoreLocation', () => {
  it('opens the saved folder once the roots have loaded', async () => {
    const state = new StateDB();
    await state.save(LOCATION_STATE_KEY, { root: 'demo', path: 'a/b' });
    const model = makeModel();
    const restored = restoreLocation(model, state);
    await model.roots.refresh();
    await restored;
    expect(model.listing.root).toBe('demo');
    expect(model.listing.path).toBe('a/b');
    expect(model.roots.selected).toBe('demo');
  });

  it('ignores a saved root that is no longer available', async () => {
    const state = new StateDB();
    await state.save(LOCATION_STATE_KEY, { root: 'gone', path: '' });
    const model = makeModel();
    await model.roots.refresh();
    await restoreLocation(model, state);
    // The only available root stays open at its top.
    expect([model.listing.root, model.listing.path]).toEqual(['demo', '']);
  });

  it('saves each folder the user opens', async () => {
    const state = new StateDB();
    const model = makeModel();
    await model.roots.refresh();
    await restoreLocation(model, state);
    await model.navigate('demo', 'x/y');
    await settle();
    expect(await state.fetch(LOCATION_STATE_KEY)).toEqual({
      root: 'demo',
      path: 'x/y'
    });
  });
});
