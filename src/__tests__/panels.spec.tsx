import { Widget } from '@lumino/widgets';

import type { IListResponse, INodeResponse } from '../api';
import { BrowserModel } from '../browser/browserModel';
import { BrowserPanel, FILTER_DEBOUNCE_MS } from '../browser/BrowserPanel';
import { IListRequest, ListingModel } from '../browser/listingModel';
import { RootsModel } from '../browser/rootsModel';
import { InspectorModel } from '../inspector/inspectorModel';
import { InspectorPanel } from '../inspector/InspectorPanel';
import { SelectionModel } from '../selection';
import {
  apiError,
  fakeAPI,
  FakeDirectory,
  makeEntry,
  makeNode,
  makeRoot
} from './fakes';
import { show, until } from './render';

function rows(panel: Widget): HTMLElement[] {
  return Array.from(
    panel.node.querySelectorAll<HTMLElement>('.jp-Fileglancer-row[data-path]')
  );
}

function press(target: Element, key: string, init: KeyboardEventInit = {}) {
  target.dispatchEvent(
    new KeyboardEvent('keydown', { key, bubbles: true, ...init })
  );
}

/** The demo tree: a dataset, a plain folder and files; "big" has 1000 files. */
function demoListing(request: IListRequest): Promise<IListResponse> {
  const big = new FakeDirectory(1000, { autoAnswer: true });
  if (request.path === 'big') {
    return big.fetch(request);
  }
  if (request.path === 'secret') {
    return Promise.reject(apiError(403, 'Permission denied'));
  }
  if (request.path === 'empty' || request.filter === 'zzz') {
    return Promise.resolve({ ...big.page(request), entries: [], total: 0 });
  }
  const entries = [
    makeEntry('cells.ome.zarr', {
      kind: 'ome-zarr',
      zarr_format: 2,
      ome_version: '0.4',
      size: null
    }),
    makeEntry('plain', { kind: 'directory', size: null }),
    makeEntry('notes.txt', { size: 1536 })
  ].map(entry =>
    request.path ? { ...entry, path: `${request.path}/${entry.name}` } : entry
  );
  return Promise.resolve({
    path: request.path,
    contents_path: request.path,
    entries,
    total: entries.length,
    next_cursor: null,
    sort: request.sort ?? 'name',
    order: request.order ?? 'asc'
  });
}

async function makePanel(
  fetchPage: (request: IListRequest) => Promise<IListResponse> = demoListing,
  nodes: Record<string, INodeResponse> = {}
): Promise<{
  panel: BrowserPanel;
  model: BrowserModel;
  requests: IListRequest[];
}> {
  const requests: IListRequest[] = [];
  const roots = new RootsModel(
    fakeAPI({
      getRoots: async () => ({
        roots: [
          makeRoot('home'),
          makeRoot('gone', {
            available: false,
            problem: '/data/gone does not exist'
          })
        ]
      })
    })
  );
  await roots.refresh();
  const model = new BrowserModel({
    roots,
    listing: new ListingModel(request => {
      requests.push(request);
      return fetchPage(request);
    }),
    selection: new SelectionModel(),
    api: fakeAPI({
      getNode: async (root, path) => {
        const node = nodes[path];
        if (!node) {
          throw apiError(404, 'no such path');
        }
        return node;
      }
    })
  });
  const panel = new BrowserPanel(model);
  await show(panel);
  return { panel, model, requests };
}

describe('BrowserPanel: roots', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists every root with its title and marks unavailable ones with the reason', async () => {
    const { panel } = await makePanel();
    const items = Array.from(
      panel.node.querySelectorAll('.jp-Fileglancer-root')
    );
    expect(items.map(item => item.getAttribute('data-root'))).toEqual([
      'home',
      'gone'
    ]);
    expect(items[0].textContent).toContain('Title home');
    expect(items[1].classList.contains('jp-mod-unavailable')).toBe(true);
    expect(items[1].textContent).toContain('/data/gone does not exist');
    expect(panel.node.textContent).toContain('Choose a root above');
    panel.dispose();
  });

  it('shows the server error instead of the list', async () => {
    const roots = new RootsModel(
      fakeAPI({
        getRoots: async () => {
          throw new Error('The server answered 403 Forbidden');
        }
      })
    );
    await roots.refresh();
    const model = new BrowserModel({
      roots,
      listing: new ListingModel(demoListing),
      selection: new SelectionModel(),
      api: fakeAPI()
    });
    const panel = new BrowserPanel(model);
    await show(panel);
    expect(panel.node.querySelector('[role="alert"]')?.textContent).toContain(
      '403 Forbidden'
    );
    panel.dispose();
  });

  it('opens a root when it is clicked, with breadcrumbs and its entries', async () => {
    const { panel, model } = await makePanel();
    (panel.node.querySelector('[data-root="home"]') as HTMLElement).click();
    await until(() => expect(rows(panel)).toHaveLength(3));
    expect(model.roots.selected).toBe('home');
    expect(
      panel.node
        .querySelector('[data-root="home"]')
        ?.classList.contains('jp-mod-selected')
    ).toBe(true);
    expect(
      panel.node.querySelector('.jp-Fileglancer-crumb.jp-mod-root')?.textContent
    ).toBe('Title home');
    // An unavailable root cannot be opened.
    (panel.node.querySelector('[data-root="gone"]') as HTMLElement).click();
    expect(model.roots.selected).toBe('home');
    panel.dispose();
  });
});

describe('BrowserPanel: listing', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows a badge and an icon for datasets, and the kind of plain entries', async () => {
    const { panel, model } = await makePanel();
    await model.navigate('home', '');
    await until(() => expect(rows(panel)).toHaveLength(3));
    const zarr = panel.node.querySelector('[data-path="cells.ome.zarr"]');
    expect(zarr?.getAttribute('data-kind')).toBe('ome-zarr');
    expect(zarr?.querySelector('.jp-Fileglancer-badge')?.textContent).toBe(
      'OME-Zarr 0.4'
    );
    expect(zarr?.querySelector('.jp-Fileglancer-kindIcon svg')).not.toBeNull();
    expect(
      panel.node.querySelector('[data-path="plain"] .jp-Fileglancer-kindCell')
        ?.textContent
    ).toBe('Folder');
    // Sizes in the binary units the inspector uses too (not "1.5 KB").
    expect(
      panel.node.querySelector(
        '[data-path="notes.txt"] .jp-Fileglancer-sizeCell'
      )?.textContent
    ).toBe('1.5 KiB');
    panel.dispose();
  });

  it('renders only the rows in view of a big folder', async () => {
    const { panel, model } = await makePanel();
    await model.navigate('home', 'big');
    await until(() => expect(rows(panel).length).toBeGreaterThan(0));
    expect(rows(panel).length).toBeLessThan(60);
    expect(model.listing.total).toBe(1000);
    expect(
      panel.node.querySelector('.jp-Fileglancer-count')?.textContent
    ).toContain('1,000 items');
    panel.dispose();
  });

  it('sorts when a column header is clicked, and says so with aria-sort', async () => {
    const { panel, model, requests } = await makePanel();
    await model.navigate('home', '');
    await until(() => expect(rows(panel)).toHaveLength(3));
    const header = (key: string) =>
      panel.node.querySelector(`[role="columnheader"][data-sort-key="${key}"]`);
    expect(header('name')?.getAttribute('aria-sort')).toBe('ascending');
    expect(header('size')?.getAttribute('aria-sort')).toBe('none');

    (header('size')?.querySelector('button') as HTMLElement).click();
    await until(() =>
      expect(header('size')?.getAttribute('aria-sort')).toBe('descending')
    );
    expect(header('name')?.getAttribute('aria-sort')).toBe('none');
    expect(requests.at(-1)).toMatchObject({ sort: 'size', order: 'desc' });

    (header('size')?.querySelector('button') as HTMLElement).click();
    await until(() =>
      expect(header('size')?.getAttribute('aria-sort')).toBe('ascending')
    );
    panel.dispose();
  });

  it('filters on the server once typing pauses', async () => {
    const { panel, model, requests } = await makePanel();
    await model.navigate('home', '');
    await until(() => expect(rows(panel)).toHaveLength(3));
    const input = panel.node.querySelector(
      '.jp-Fileglancer-filterInput'
    ) as HTMLInputElement;
    const setValue = Object.getOwnPropertyDescriptor(
      HTMLInputElement.prototype,
      'value'
    )?.set;
    for (const text of ['z', 'zz', 'zzz']) {
      setValue?.call(input, text);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    expect(requests).toHaveLength(1); // nothing yet: the box waits for a pause
    await new Promise(resolve => setTimeout(resolve, FILTER_DEBOUNCE_MS + 50));
    await until(() =>
      expect(panel.node.textContent).toContain('No entries match the filter.')
    );
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({ filter: 'zzz', cursor: null });
    panel.dispose();
  });

  it('shows progress while a folder loads: a bar, then the entries loaded so far', async () => {
    const server = new FakeDirectory(1000);
    const { panel, model } = await makePanel(server.fetch);
    const opened = model.navigate('home', 'big');
    await until(() =>
      expect(
        panel.node.querySelector('.jp-Fileglancer-folderLoading')?.textContent
      ).toContain('Reading “big”…')
    );
    expect(
      panel.node.querySelector('.jp-Fileglancer-folderLoading progress')
    ).not.toBeNull();
    server.answerNext();
    await opened;
    await until(() =>
      expect(
        panel.node.querySelector('.jp-Fileglancer-loaded')?.textContent
      ).toBe('200 of 1,000 loaded')
    );
    const bar = panel.node.querySelector<HTMLProgressElement>(
      '.jp-Fileglancer-listingFooter progress'
    );
    expect([bar?.value, bar?.max]).toEqual([200, 1000]);
    panel.dispose();
  });

  it('says when a folder is empty', async () => {
    const { panel, model } = await makePanel();
    await model.navigate('home', 'empty');
    await until(() =>
      expect(panel.node.textContent).toContain('This folder is empty.')
    );
    panel.dispose();
  });

  it('explains a forbidden folder and retries on request', async () => {
    const { panel, model, requests } = await makePanel();
    await model.navigate('home', 'secret');
    await until(() =>
      expect(
        panel.node.querySelector('.jp-Fileglancer-listingError')?.textContent
      ).toContain('You do not have permission')
    );
    const retry = Array.from(panel.node.querySelectorAll('button')).find(
      button => button.textContent === 'Retry'
    );
    retry?.click();
    await until(() => expect(requests).toHaveLength(2));
    panel.dispose();
  });

  it('offers Retry when the server cannot be reached', async () => {
    let down = true;
    const { panel, model } = await makePanel(request =>
      down
        ? Promise.reject(apiError(0, 'Failed to fetch'))
        : demoListing(request)
    );
    await model.navigate('home', '');
    await until(() =>
      expect(panel.node.textContent).toContain('Cannot reach the server.')
    );
    down = false;
    Array.from(panel.node.querySelectorAll('button'))
      .find(button => button.textContent === 'Retry')
      ?.click();
    await until(() => expect(rows(panel)).toHaveLength(3));
    panel.dispose();
  });

  it('moves the selection with the keyboard, opens with Enter and goes up with Backspace', async () => {
    const { panel, model } = await makePanel();
    await model.navigate('home', '');
    await until(() => expect(rows(panel)).toHaveLength(3));
    const grid = panel.node.querySelector('[role="grid"]') as HTMLElement;

    press(grid, 'ArrowDown');
    await until(() =>
      expect(model.selection.current?.entry.path).toBe('cells.ome.zarr')
    );
    press(grid, 'End');
    await until(() =>
      expect(model.selection.current?.entry.path).toBe('notes.txt')
    );
    await until(() =>
      expect(
        panel.node
          .querySelector('[data-path="notes.txt"]')
          ?.getAttribute('aria-selected')
      ).toBe('true')
    );
    press(grid, 'ArrowUp');
    await until(() =>
      expect(model.selection.current?.entry.path).toBe('plain')
    );

    press(grid, 'Enter'); // a plain folder: step in
    await until(() => expect(model.listing.path).toBe('plain'));
    press(grid, 'Backspace');
    await until(() => expect(model.listing.path).toBe(''));
    // Back in the parent, the folder we came from is selected.
    expect(model.selection.current?.entry.path).toBe('plain');
    press(grid, 'ArrowUp', { altKey: true }); // already at the root
    expect(model.listing.path).toBe('');
    panel.dispose();
  });

  it('End selects the last entry of a big folder once its page has loaded', async () => {
    const { panel, model, requests } = await makePanel();
    await model.navigate('home', 'big');
    await until(() => expect(rows(panel).length).toBeGreaterThan(0));
    const grid = panel.node.querySelector('[role="grid"]') as HTMLElement;
    press(grid, 'End');
    await until(() =>
      expect(model.selection.current?.entry.path).toBe('big/item-01000.txt')
    );
    expect(model.listing.entries.length).toBe(1000);
    const cursors = requests.map(request => request.cursor ?? null);
    expect(new Set(cursors).size).toBe(cursors.length);
    press(grid, 'Home');
    await until(() =>
      expect(model.selection.current?.entry.path).toBe('big/item-00001.txt')
    );
    panel.dispose();
  });

  it('inspects a dataset on double-click instead of entering it', async () => {
    const { panel, model } = await makePanel();
    await model.navigate('home', '');
    await until(() => expect(rows(panel)).toHaveLength(3));
    const inspected: string[] = [];
    model.inspectRequested.connect((_, entry) => inspected.push(entry.path));
    panel.node
      .querySelector('[data-path="cells.ome.zarr"]')
      ?.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    await until(() => expect(inspected).toEqual(['cells.ome.zarr']));
    expect(model.listing.path).toBe('');

    panel.node
      .querySelector('[data-path="plain"]')
      ?.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    await until(() => expect(model.listing.path).toBe('plain'));
    panel.dispose();
  });
});

describe('BrowserPanel: breadcrumbs and the path box', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('navigates to an ancestor when its crumb is clicked', async () => {
    const { panel, model } = await makePanel();
    await model.navigate('home', 'a/b/c');
    await until(() =>
      expect(panel.node.querySelectorAll('.jp-Fileglancer-crumb')).toHaveLength(
        4
      )
    );
    (
      panel.node.querySelector(
        '.jp-Fileglancer-crumb[data-path="a"]'
      ) as HTMLElement
    ).click();
    await until(() => expect(model.listing.path).toBe('a'));
    (
      panel.node.querySelector(
        '.jp-Fileglancer-crumb.jp-mod-root'
      ) as HTMLElement
    ).click();
    await until(() => expect(model.listing.path).toBe(''));
    panel.dispose();
  });

  it('goes to a typed path on Enter, reports an unknown one, and cancels on Escape', async () => {
    const { panel, model } = await makePanel(demoListing, {
      plain: makeNode('home', makeEntry('plain', { kind: 'directory' }))
    });
    await model.navigate('home', '');
    const edit = async () => {
      await until(() =>
        expect(
          panel.node.querySelector('[data-action="edit-path"]')
        ).not.toBeNull()
      );
      (
        panel.node.querySelector('[data-action="edit-path"]') as HTMLElement
      ).click();
      await until(() =>
        expect(
          panel.node.querySelector('.jp-Fileglancer-pathInput')
        ).not.toBeNull()
      );
      return panel.node.querySelector(
        '.jp-Fileglancer-pathInput'
      ) as HTMLInputElement;
    };
    const type = (input: HTMLInputElement, text: string) => {
      Object.getOwnPropertyDescriptor(
        HTMLInputElement.prototype,
        'value'
      )?.set?.call(input, text);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    };

    let input = await edit();
    type(input, 'nowhere');
    input.form?.requestSubmit();
    await until(() =>
      expect(
        panel.node.querySelector('.jp-Fileglancer-pathError')?.textContent
      ).toBe('"nowhere" does not exist in this root.')
    );
    expect(model.listing.path).toBe('');

    type(input, 'plain/');
    input.form?.requestSubmit();
    await until(() => expect(model.listing.path).toBe('plain'));
    await until(() =>
      expect(panel.node.querySelector('.jp-Fileglancer-pathInput')).toBeNull()
    );

    input = await edit();
    type(input, 'somewhere');
    press(input, 'Escape');
    await until(() =>
      expect(panel.node.querySelector('.jp-Fileglancer-pathInput')).toBeNull()
    );
    expect(model.listing.path).toBe('plain');
    panel.dispose();
  });
});

describe('InspectorPanel', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('explains what to do when nothing is selected', async () => {
    const panel = new InspectorPanel(
      new InspectorModel(new SelectionModel(), fakeAPI({ getNode: jest.fn() }))
    );
    await show(panel);
    expect(panel.node.textContent).toContain('No dataset selected');
    panel.dispose();
  });

  it('shows the selected entry with its confirmed kind and location', async () => {
    const selection = new SelectionModel();
    const entry = makeEntry('cells.ome.zarr', {
      kind: 'ome-zarr',
      zarr_format: 2,
      ome_version: '0.4',
      size: null,
      owner: 'ada',
      mode: 'drwxr-xr-x'
    });
    const pending = () => new Promise<never>(() => undefined);
    const panel = new InspectorPanel(
      new InspectorModel(
        selection,
        fakeAPI({
          getNode: async () => makeNode('home', entry),
          getMeta: pending,
          getStats: pending
        })
      )
    );
    await show(panel);
    selection.select(makeRoot('home'), entry);
    await until(() =>
      expect(
        panel.node
          .querySelector('.jp-Fileglancer-inspectorBody')
          ?.getAttribute('data-status')
      ).toBe('ready')
    );
    const field = (name: string) =>
      panel.node.querySelector(`[data-field="${name}"]`)?.textContent;
    expect(panel.node.querySelector('.jp-Fileglancer-badge')?.textContent).toBe(
      'OME-Zarr 0.4'
    );
    expect(field('kind')).toBe('OME-Zarr image, NGFF 0.4, Zarr v2');
    expect(field('root')).toBe('Title home');
    expect(field('path')).toBe('/data/home/cells.ome.zarr');
    expect(field('owner')).toBe('ada');
    expect(field('mode')).toBe('drwxr-xr-x');
    // A dataset's metadata is read next; its tabs appear once it is there.
    expect(panel.node.querySelector('[aria-busy="true"]')?.textContent).toBe(
      'Reading metadata…'
    );
    panel.dispose();
  });

  it('shows an error with Retry when the entry cannot be read', async () => {
    const selection = new SelectionModel();
    const panel = new InspectorPanel(
      new InspectorModel(
        selection,
        fakeAPI({
          getNode: async () => {
            throw apiError(403, 'Permission denied');
          }
        })
      )
    );
    await show(panel);
    selection.select(makeRoot('home'), makeEntry('secret.zarr'));
    await until(() =>
      expect(panel.node.querySelector('[role="alert"]')?.textContent).toContain(
        'You do not have permission to open this entry.'
      )
    );
    panel.dispose();
  });
});
