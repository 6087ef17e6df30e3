import { LabIcon } from '@jupyterlab/ui-components';

import type { INodeResponse } from '../api';
import { BrowserModel } from '../browser/browserModel';
import { ListingModel } from '../browser/listingModel';
import { RootsModel } from '../browser/rootsModel';
import { SelectionModel } from '../selection';
import {
  apiError,
  fakeAPI,
  fakeBrowser,
  FakeDirectory,
  makeEntry,
  makeNode,
  makeRoot,
  settle
} from './fakes';

/** A browser over roots "demo" and "scratch" whose folders all hold 50 files. */
async function makeBrowser(
  nodes: Record<string, INodeResponse> = {}
): Promise<{ model: BrowserModel; server: FakeDirectory }> {
  return fakeBrowser({
    roots: [
      makeRoot('demo'),
      makeRoot('scratch'),
      makeRoot('gone', { available: false })
    ],
    files: 50,
    api: {
      getNode: async (root, path) => {
        const node = nodes[`${root}:${path}`];
        if (!node) {
          throw apiError(404, `${path} does not exist`);
        }
        return node;
      }
    }
  });
}

describe('BrowserModel', () => {
  it('lists the top of a root when it is chosen in the roots list', async () => {
    const { model } = await makeBrowser();
    model.roots.select('scratch');
    await settle();
    expect(model.listing.root).toBe('scratch');
    expect(model.listing.path).toBe('');
    expect(model.listing.status).toBe('ready');
    expect(model.currentRoot?.title).toBe('Title scratch');
  });

  it('marks the root of a programmatic navigation as selected', async () => {
    const { model } = await makeBrowser();
    await model.navigate('demo', 'a/b');
    expect(model.roots.selected).toBe('demo');
    expect(model.listing.path).toBe('a/b');
  });

  it('steps into a plain folder but inspects a dataset when opened', async () => {
    const { model } = await makeBrowser();
    await model.navigate('demo', '');
    const inspected: string[] = [];
    model.inspectRequested.connect((_, entry) => inspected.push(entry.path));

    const zarr = makeEntry('cells.ome.zarr', {
      kind: 'ome-zarr',
      ome_version: '0.4'
    });
    await model.open(zarr);
    expect(model.listing.path).toBe('');
    expect(inspected).toEqual(['cells.ome.zarr']);
    expect(model.selection.current?.entry).toBe(zarr);

    await model.open(makeEntry('plain', { kind: 'directory' }));
    expect(model.listing.path).toBe('plain');
  });

  it('opens a dataset as a folder on request', async () => {
    const { model } = await makeBrowser();
    await model.navigate('demo', '');
    await model.openAsFolder(makeEntry('volume.zarr', { kind: 'zarr-array' }));
    expect(model.listing.path).toBe('volume.zarr');
    await model.openAsFolder(makeEntry('a.txt')); // a file is no folder
    expect(model.listing.path).toBe('volume.zarr');
  });

  it('goes to the parent and selects the folder it came from', async () => {
    const server = new FakeDirectory(0, { autoAnswer: true });
    const listing = new ListingModel(async request => {
      if (request.path === 'a') {
        return {
          ...server.page(request),
          entries: [makeEntry('a/b', { kind: 'directory' })],
          total: 1
        };
      }
      return server.page(request);
    });
    const { model } = await fakeBrowser({ roots: [makeRoot('demo')], listing });
    await model.navigate('demo', 'a/b');
    expect(model.canGoToParent).toBe(true);
    await model.goToParent();
    expect(model.listing.path).toBe('a');
    expect(model.selection.current?.entry.path).toBe('a/b');

    await model.goToParent();
    await model.goToParent(); // at the root already: nothing happens
    expect(model.listing.path).toBe('');
    expect(model.canGoToParent).toBe(false);
  });

  it('goes to a typed folder, or to the folder of a typed file', async () => {
    const { model } = await makeBrowser({
      'demo:tiff': makeNode('demo', makeEntry('tiff', { kind: 'directory' })),
      'demo:many-files/item-00002.txt': makeNode(
        'demo',
        makeEntry('many-files/item-00002.txt')
      )
    });
    await model.navigate('demo', '');
    await model.goToPath('demo', '/data/demo/tiff/');
    expect(model.listing.path).toBe('tiff');

    await model.goToPath('demo', 'many-files/item-00002.txt');
    expect(model.listing.path).toBe('many-files');
    expect(model.selection.current?.entry.path).toBe(
      'many-files/item-00002.txt'
    );
  });

  it('rejects a typed path that does not exist and stays where it was', async () => {
    const { model } = await makeBrowser();
    await model.navigate('demo', 'here');
    await expect(model.goToPath('demo', 'nowhere')).rejects.toMatchObject({
      status: 404
    });
    expect(model.listing.path).toBe('here');
  });

  it('reveals an entry: its folder listed, the entry selected and inspected', async () => {
    const file = makeEntry('deep/item-00003.txt');
    const { model } = await makeBrowser({
      'demo:deep/item-00003.txt': makeNode('demo', file)
    });
    const inspected: string[] = [];
    model.inspectRequested.connect((_, entry) => inspected.push(entry.path));
    await model.reveal('demo', 'deep/item-00003.txt');
    expect(model.listing.path).toBe('deep');
    // The listing's own entry is selected, so its row shows as selected.
    expect(model.selection.current?.entry).toBe(
      model.listing.entryAt(model.listing.indexOf('deep/item-00003.txt'))
    );
    expect(inspected).toEqual(['deep/item-00003.txt']);
  });

  it('reveals a plain folder by opening it', async () => {
    const { model } = await makeBrowser({
      'demo:sub': makeNode('demo', makeEntry('sub', { kind: 'directory' }))
    });
    await model.reveal('demo', 'sub');
    expect(model.listing.path).toBe('sub');
    expect(model.selection.current?.entry.path).toBe('sub');
  });

  it('saves the show-hidden choice through the setting when there is one', async () => {
    const { model, server } = await makeBrowser();
    await model.navigate('demo', '');
    const saved: boolean[] = [];
    model.setShowHiddenSaver(async show => {
      saved.push(show);
    });
    await model.toggleShowHidden();
    expect(saved).toEqual([true]);
    expect(model.listing.showHidden).toBe(true);
    expect(server.requests.at(-1)?.hidden).toBe(true);
  });

  it('still toggles hidden files when saving the setting fails', async () => {
    const { model } = await makeBrowser();
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    model.setShowHiddenSaver(async () => {
      throw new Error('read-only settings');
    });
    await model.toggleShowHidden();
    expect(model.listing.showHidden).toBe(true);
  });

  it('clears the listing when its root disappears from the server', async () => {
    let roots = [makeRoot('demo'), makeRoot('scratch')];
    const { model } = await fakeBrowser({ roots: () => roots });
    await model.navigate('scratch', '');
    roots = [makeRoot('demo')];
    await model.roots.refresh();
    expect(model.listing.root).toBeNull();
    expect(model.listing.status).toBe('idle');
  });

  it('opens the only available root at once', async () => {
    const rootsModel = new RootsModel(
      fakeAPI({
        getRoots: async () => ({
          roots: [makeRoot('demo'), makeRoot('gone', { available: false })]
        })
      })
    );
    const model = new BrowserModel({
      roots: rootsModel,
      listing: new ListingModel(
        new FakeDirectory(3, { autoAnswer: true }).fetch
      ),
      selection: new SelectionModel(),
      api: fakeAPI()
    });
    await rootsModel.refresh();
    await settle();
    expect([model.listing.root, model.listing.path]).toEqual(['demo', '']);
    expect(model.roots.selected).toBe('demo');
    expect(model.listing.status).toBe('ready');
    expect(model.openedAutomatically).toBe(true);
    await model.navigate('demo', 'a');
    expect(model.openedAutomatically).toBe(false);
  });

  it('waits for a choice when several roots are available', async () => {
    const { model } = await makeBrowser();
    await model.roots.refresh();
    await settle();
    expect(model.listing.root).toBeNull();
  });

  it("opens a plain file with JupyterLab on double-click, with its file type's icon", async () => {
    const { model } = await makeBrowser();
    await model.navigate('demo', '');
    const notebook = makeEntry('analysis.ipynb');
    const inspected: string[] = [];
    model.inspectRequested.connect((_, entry) => inspected.push(entry.path));

    await model.open(notebook); // no document manager: inspected
    expect(inspected).toEqual(['analysis.ipynb']);

    const opened: string[] = [];
    model.setFileOpener(path => opened.push(path));
    await model.open(notebook);
    expect(opened).toEqual(['demo/analysis.ipynb']);
    expect(inspected).toHaveLength(1);

    const notebookIcon = new LabIcon({
      name: 'test:notebook',
      svgstr: '<svg/>'
    });
    model.setFileTypeIcons(name =>
      name.endsWith('.ipynb') ? notebookIcon : null
    );
    expect(model.iconFor(notebook)).toBe(notebookIcon);
    expect(model.iconFor(makeEntry('x.zarr', { kind: 'zarr-array' }))).not.toBe(
      notebookIcon
    );
  });
});
