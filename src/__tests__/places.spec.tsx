import { BrowserModel } from '../browser/browserModel';
import { BrowserPanel } from '../browser/BrowserPanel';
import {
  serverFavouritesStorage,
  trackRecentDatasets
} from '../browser/placesCommands';
import {
  IPlace,
  IPlaces,
  MAX_RECENT,
  placeDetails,
  PlacesModel
} from '../browser/placesModel';
import { SelectionModel } from '../selection';
import { fakeBrowser, makeEntry, makeNode, makeRoot, settle } from './fakes';
import { show, until } from './render';

/** An in-memory state database that keeps what was saved as JSON would. */
function memoryStorage(initial: IPlaces | null = null) {
  let saved = initial ? JSON.stringify(initial) : null;
  return {
    load: async () => (saved ? (JSON.parse(saved) as IPlaces) : null),
    save: async (places: IPlaces) => {
      saved = JSON.stringify(places);
    },
    saved: () => (saved ? (JSON.parse(saved) as IPlaces) : null)
  };
}

const place = (path: string, kind = 'ome-zarr' as const) => ({
  root: 'demo',
  path,
  name: path.split('/').pop() ?? path,
  kind
});

/** A browser of the one root "demo", where every path is an OME-Zarr. */
async function browserOfDemo(): Promise<BrowserModel> {
  const { model } = await fakeBrowser({
    roots: [makeRoot('demo')],
    api: {
      getNode: async (root, path) =>
        makeNode(root, makeEntry(path, { kind: 'ome-zarr' }))
    }
  });
  return model;
}

describe('PlacesModel', () => {
  it('stars and un-stars places, and keeps them across a reload', async () => {
    const storage = memoryStorage();
    const first = new PlacesModel(storage);
    expect(first.toggleFavourite(place('a.zarr'))).toBe(true);
    first.toggleFavourite(place('b'));
    expect(first.toggleFavourite(place('a.zarr'))).toBe(false);
    await Promise.resolve();
    const reloaded = new PlacesModel(storage);
    await reloaded.restore();
    expect(reloaded.favourites.map(p => p.path)).toEqual(['b']);
    expect(reloaded.isFavourite('demo', 'b')).toBe(true);
  });

  it('keeps the newest recent datasets first, each once, at most ten', () => {
    const model = new PlacesModel();
    for (let i = 0; i < 12; i++) {
      model.addRecent(place(`d${i}.zarr`));
    }
    model.addRecent(place('d5.zarr'));
    expect(model.recent).toHaveLength(MAX_RECENT);
    expect(model.recent[0].path).toBe('d5.zarr');
    expect(model.recent.filter(p => p.path === 'd5.zarr')).toHaveLength(1);
  });

  it('drops malformed saved records instead of failing', async () => {
    const storage = memoryStorage({
      favourites: [place('ok'), { root: 1 } as never],
      recent: 'nonsense' as never
    });
    const model = new PlacesModel(storage);
    await model.restore();
    expect(model.favourites.map(p => p.path)).toEqual(['ok']);
    expect(model.recent).toEqual([]);
  });

  it('records the datasets the user selects, not plain folders', () => {
    const selection = new SelectionModel();
    const model = new PlacesModel();
    trackRecentDatasets(selection, model);
    selection.select(
      makeRoot('demo'),
      makeEntry('plain', { kind: 'directory' })
    );
    selection.select(
      makeRoot('demo'),
      makeEntry('x/cells.zarr', { kind: 'ome-zarr' })
    );
    expect(model.recent.map(p => p.path)).toEqual(['x/cells.zarr']);
  });
});

describe('telling places of the same name apart', () => {
  it('adds the root and the shortest parent path that differs', () => {
    const cells = [
      'a/run1/cells.ome.zarr',
      'a/run2/cells.ome.zarr',
      'b/run1/cells.ome.zarr',
      'cells.ome.zarr'
    ].map(path => place(path));
    expect(placeDetails([...cells, place('a/other.zarr')])).toEqual([
      'demo › a/run1',
      'demo › …/run2',
      'demo › b/run1',
      'demo',
      'demo'
    ]);
    // Same path in two roots: the root alone tells them apart.
    expect(
      placeDetails([
        place('x/cells.zarr'),
        { ...place('x/cells.zarr'), root: 'lab' }
      ])
    ).toEqual(['demo', 'lab']);
  });

  it('shows the detail beside the name, and the full path as the tooltip', async () => {
    const model = await browserOfDemo();
    const places = new PlacesModel();
    places.toggleFavourite(place('a/run1/cells.ome.zarr'));
    places.toggleFavourite(place('b/run1/cells.ome.zarr'));
    const panel = new BrowserPanel(model, places);
    await show(panel);
    const item = () =>
      panel.node.querySelector<HTMLElement>(
        '[data-place="demo:b/run1/cells.ome.zarr"]'
      );
    await until(() => expect(item()).not.toBeNull());
    expect(
      item()!.querySelector('.jp-Fileglancer-placeDetail')?.textContent
    ).toBe('demo › b/run1');
    expect(item()!.title).toBe('/data/demo/b/run1/cells.ome.zarr');
    panel.dispose();
  });
});

describe('favourites on the server', () => {
  function fakeServer(initial: IPlace[] | null) {
    let stored: IPlace[] = initial ?? [];
    let saved = initial !== null;
    const puts: IPlace[][] = [];
    const api = {
      getFavourites: async () => ({ favourites: stored, saved }),
      saveFavourites: async (favourites: IPlace[]) => {
        puts.push(favourites);
        stored = favourites;
        saved = true;
        return { favourites, saved };
      }
    };
    return { api, puts };
  }

  it('moves the workspace favourites to the server once, and keeps recent ones local', async () => {
    const { api, puts } = fakeServer(null);
    const local = memoryStorage({
      favourites: [place('old/cells.zarr')],
      recent: [place('r.zarr')]
    });
    const model = new PlacesModel(serverFavouritesStorage(api, local));
    await model.restore();
    expect(model.favourites.map(p => p.path)).toEqual(['old/cells.zarr']);
    expect(model.recent.map(p => p.path)).toEqual(['r.zarr']);
    expect(puts).toEqual([[place('old/cells.zarr')]]);
    expect(local.saved()?.favourites).toEqual([]);

    // Another workspace (its own local state) reads the same favourites, without moving any.
    const other = new PlacesModel(
      serverFavouritesStorage(
        api,
        memoryStorage({ favourites: [place('z')], recent: [] })
      )
    );
    await other.restore();
    expect(other.favourites.map(p => p.path)).toEqual(['old/cells.zarr']);
    expect(puts).toHaveLength(1);

    // Starring saves to the server; a new recent dataset does not send the list again.
    other.toggleFavourite(place('new.zarr'));
    await settle();
    expect(puts.at(-1)?.map(p => p.path)).toEqual([
      'old/cells.zarr',
      'new.zarr'
    ]);
    other.addRecent(place('seen.zarr'));
    await settle();
    expect(puts).toHaveLength(2);
  });
});

describe('favourites when the server cannot be reached', () => {
  it('shows the workspace favourites instead of none', async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const api = {
      getFavourites: async () => {
        throw new Error('offline');
      },
      saveFavourites: async () => {
        throw new Error('offline');
      }
    };
    const local = memoryStorage({
      favourites: [place('kept.zarr')],
      recent: []
    });
    const model = new PlacesModel(serverFavouritesStorage(api, local));
    await model.restore();
    expect(model.favourites.map(p => p.path)).toEqual(['kept.zarr']);
    // Starring while offline keeps the list in the workspace, not lost.
    model.toggleFavourite(place('new.zarr'));
    await settle();
    expect(local.saved()?.favourites.map(p => p.path)).toEqual([
      'kept.zarr',
      'new.zarr'
    ]);
  });
});

describe('the favourites in the browser', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists favourites and recent datasets and goes back to one on click', async () => {
    const model = await browserOfDemo();
    const places = new PlacesModel();
    places.toggleFavourite(place('images/cells.zarr'));
    places.addRecent(place('other/x.zarr'));
    const panel = new BrowserPanel(model, places);
    await show(panel);
    await until(() =>
      expect(
        panel.node.querySelector('[data-places="favourites"]')
      ).not.toBeNull()
    );
    expect(
      panel.node.querySelector('[data-places="recent"]')?.textContent
    ).toContain('x.zarr');
    panel.node
      .querySelector<HTMLElement>('[data-place="demo:images/cells.zarr"]')!
      .click();
    await until(() =>
      expect(model.selection.current?.entry.path).toBe('images/cells.zarr')
    );
    expect(model.listing.path).toBe('images');

    panel.node.querySelector<HTMLElement>('[data-action="unstar"]')!.click();
    await until(() =>
      expect(panel.node.querySelector('[data-places="favourites"]')).toBeNull()
    );
    expect(panel.node.textContent).toContain('Favourites (0)');
    panel.dispose();
  });
});
