import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { linkIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import type { ILocateResponse, IRoot } from '../api';
import { BrowserModel } from '../browser/browserModel';
import {
  CommandIDs,
  PALETTE_COMMANDS,
  registerBrowserCommands,
  ROW_SELECTOR
} from '../commands';
import { registerMainAreaView } from '../common/mainAreaView';
import {
  FILE_BROWSER_ITEM_SELECTOR,
  registerFileBrowserCommands
} from '../fileBrowserMenu';
import {
  apiError,
  fakeAPI,
  fakeBrowser,
  makeEntry,
  makeNode,
  makeRoot,
  settle
} from './fakes';

interface IFakeApp {
  app: JupyterFrontEnd;
  commands: CommandRegistry;
  menuItems: Array<{ command?: string; selector: string }>;
  executed: Array<{ id: string; args: unknown }>;
  activated: string[];
}

function fakeApp(): IFakeApp {
  const commands = new CommandRegistry();
  const menuItems: Array<{ command?: string; selector: string }> = [];
  const executed: Array<{ id: string; args: unknown }> = [];
  const activated: string[] = [];
  commands.addCommand('filebrowser:go-to-path', {
    execute: args => {
      executed.push({ id: 'filebrowser:go-to-path', args });
    }
  });
  const app = {
    commands,
    contextMenu: {
      addItem: (item: { command?: string; selector: string }) => {
        menuItems.push(item);
      }
    },
    shell: { activateById: (id: string) => activated.push(id) },
    serviceManager: { contents: { localPath: (path: string) => path } }
  } as unknown as JupyterFrontEnd;
  return { app, commands, menuItems, executed, activated };
}

const lab: IRoot = makeRoot('lab', {
  path: '/groups/imaging',
  smb_url: 'smb://fs.example.org/imaging',
  unc_path: '\\\\fs.example.org\\imaging'
});
const scratch: IRoot = makeRoot('scratch', { path: '/scratch/ada' });

async function setup(): Promise<
  IFakeApp & {
    model: BrowserModel;
    copied: string[];
    opened: string[];
    links: string[];
  }
> {
  const { model } = await fakeBrowser({
    roots: [lab, scratch],
    api: {
      getNode: async (root, path) =>
        makeNode(
          root,
          makeEntry(path, { kind: 'ome-zarr', ome_version: '0.4' })
        )
    }
  });
  const fake = fakeApp();
  const opened: string[] = [];
  model.setFileOpener(path => opened.push(path));
  const links: string[] = [];
  registerBrowserCommands(fake.app, model, {
    browserId: 'browser',
    inspectorId: 'inspector',
    createLink: async (root, path) => {
      links.push(`${root}:${path}`);
      return { url: `https://data.example.org/fileglancer/s/T0KEN/` };
    }
  });
  const copied: string[] = [];
  jest.spyOn(Clipboard, 'copyToSystem').mockImplementation(value => {
    copied.push(String(value));
  });
  return { ...fake, model, copied, opened, links };
}

describe('browser commands', () => {
  afterEach(() => jest.restoreAllMocks());

  it('puts the entry commands in the context menu of loaded rows', async () => {
    const { menuItems } = await setup();
    const commands = menuItems
      .filter(item => item.command)
      .map(item => item.command);
    expect(commands).toEqual([
      CommandIDs.open,
      CommandIDs.inspect,
      CommandIDs.createDataLink,
      CommandIDs.openAsFolder,
      CommandIDs.openInFileBrowser,
      CommandIDs.copyPathLinux,
      CommandIDs.copyPathMac,
      CommandIDs.copyPathWindows
    ]);
    expect(menuItems.every(item => item.selector === ROW_SELECTOR)).toBe(true);
  });

  it('copies the three forms of the selected path', async () => {
    const { commands, model, copied } = await setup();
    await model.navigate('lab', 'my data');
    model.select(makeEntry('my data/a b.zarr', { kind: 'zarr-array' }));

    await commands.execute(CommandIDs.copyPathLinux);
    await commands.execute(CommandIDs.copyPathMac);
    await commands.execute(CommandIDs.copyPathWindows);
    expect(copied).toEqual([
      '/groups/imaging/my data/a b.zarr',
      'smb://fs.example.org/imaging/my%20data/a%20b.zarr',
      '\\\\fs.example.org\\imaging\\my data\\a b.zarr'
    ]);
  });

  it('disables the macOS and Windows forms for a root without those aliases', async () => {
    const { commands, model } = await setup();
    await model.navigate('scratch', '');
    model.select(makeEntry('x'));
    expect(commands.isEnabled(CommandIDs.copyPathLinux)).toBe(true);
    expect(commands.isEnabled(CommandIDs.copyPathMac)).toBe(false);
    expect(commands.isEnabled(CommandIDs.copyPathWindows)).toBe(false);
    expect(commands.caption(CommandIDs.copyPathMac)).toContain('no macOS');
  });

  it('hides the macOS and Windows forms when the root has no such address', async () => {
    const { commands, model } = await setup();
    await model.navigate('scratch', '');
    model.select(makeEntry('x'));
    expect(commands.isVisible(CommandIDs.copyPathLinux)).toBe(true);
    expect(commands.isVisible(CommandIDs.copyPathMac)).toBe(false);
    expect(commands.isVisible(CommandIDs.copyPathWindows)).toBe(false);
    await model.navigate('lab', '');
    model.select(makeEntry('y'));
    expect(commands.isVisible(CommandIDs.copyPathMac)).toBe(true);
    expect(commands.isVisible(CommandIDs.copyPathWindows)).toBe(true);
  });

  it('opens a plain file with JupyterLab, and offers Open only for such files', async () => {
    const { commands, model, opened } = await setup();
    await model.navigate('lab', '');
    model.select(
      makeEntry('analysis.ipynb', { contents_path: 'lab/analysis.ipynb' })
    );
    expect(commands.isVisible(CommandIDs.open)).toBe(true);
    await commands.execute(CommandIDs.open);
    expect(opened).toEqual(['lab/analysis.ipynb']);

    model.select(makeEntry('cells.ome.zarr', { kind: 'ome-zarr' }));
    expect(commands.isVisible(CommandIDs.open)).toBe(false);
    model.select(makeEntry('outside.txt', { contents_path: null }));
    expect(commands.isVisible(CommandIDs.open)).toBe(false);
  });

  it('has Go to Path, Inspect Selected, Create Data Link and Focus in the palette', async () => {
    const { commands, model, activated, copied, links } = await setup();
    for (const id of [
      CommandIDs.goToPath,
      CommandIDs.inspectSelected,
      CommandIDs.createDataLink,
      CommandIDs.focusBrowser,
      CommandIDs.convert
    ]) {
      expect(PALETTE_COMMANDS).toContain(id);
    }
    await commands.execute(CommandIDs.goToPath, {
      path: '/groups/imaging/ome/cells.ome.zarr'
    });
    expect([model.listing.root, model.listing.path]).toEqual(['lab', 'ome']);
    expect(model.selection.current?.entry.path).toBe('ome/cells.ome.zarr');

    expect(commands.isEnabled(CommandIDs.inspectSelected)).toBe(true);
    await commands.execute(CommandIDs.inspectSelected);
    expect(activated).toContain('inspector');

    await commands.execute(CommandIDs.createDataLink);
    expect(links).toEqual(['lab:ome/cells.ome.zarr']);
    expect(copied).toEqual(['https://data.example.org/fileglancer/s/T0KEN/']);

    await commands.execute(CommandIDs.focusBrowser);
    expect(activated).toContain('browser');
  });

  it('opens the entry in JupyterLab’s file browser only when it has a contents path', async () => {
    const { commands, model, executed } = await setup();
    await model.navigate('lab', '');
    model.select(makeEntry('outside', { contents_path: null }));
    expect(commands.isEnabled(CommandIDs.openInFileBrowser)).toBe(false);

    model.select(makeEntry('inside', { contents_path: 'lab/inside' }));
    expect(commands.isEnabled(CommandIDs.openInFileBrowser)).toBe(true);
    await commands.execute(CommandIDs.openInFileBrowser);
    expect(executed).toEqual([
      { id: 'filebrowser:go-to-path', args: { path: 'lab/inside' } }
    ]);
  });

  it('opens a dataset as a folder and goes back to the parent', async () => {
    const { commands, model } = await setup();
    await model.navigate('lab', 'plate');
    model.select(makeEntry('plate/A', { kind: 'ome-zarr-well' }));
    await commands.execute(CommandIDs.openAsFolder);
    expect(model.listing.path).toBe('plate/A');
    expect(commands.isEnabled(CommandIDs.goToParent)).toBe(true);
    await commands.execute(CommandIDs.goToParent);
    expect(model.listing.path).toBe('plate');
  });

  it('inspect asks for the inspector', async () => {
    const { commands, model } = await setup();
    const inspected: string[] = [];
    model.inspectRequested.connect((_, entry) => inspected.push(entry.path));
    await model.navigate('lab', '');
    model.select(makeEntry('cells.ome.zarr', { kind: 'ome-zarr' }));
    await commands.execute(CommandIDs.inspect);
    expect(inspected).toEqual(['cells.ome.zarr']);
  });
});

describe('file browser commands', () => {
  afterEach(() => jest.restoreAllMocks());

  function fileBrowserWith(path: string | null): IDefaultFileBrowser {
    return {
      selectedItems: () => (path === null ? [] : [{ path }])[Symbol.iterator]()
    } as unknown as IDefaultFileBrowser;
  }

  async function setupFileBrowser(
    selected: string | null,
    locator: (path: string) => Promise<ILocateResponse>
  ) {
    const base = await setup();
    registerFileBrowserCommands(
      base.app,
      base.model,
      fileBrowserWith(selected),
      {
        browserId: 'browser',
        api: fakeAPI({ locate: locator })
      }
    );
    return base;
  }

  it('adds its two items to JupyterLab’s file browser context menu', async () => {
    const { menuItems } = await setupFileBrowser('x', async () => ({
      root: 'lab',
      path: 'x'
    }));
    const ours = menuItems.filter(
      item => item.selector === FILE_BROWSER_ITEM_SELECTOR && item.command
    );
    expect(ours.map(item => item.command)).toEqual([
      CommandIDs.inspectFromFileBrowser,
      CommandIDs.copyPathFromFileBrowser
    ]);
  });

  it('copies the Linux path of a file browser item inside a root', async () => {
    const { commands, copied } = await setupFileBrowser(
      'imaging/a b/c.tif',
      async path => {
        expect(path).toBe('imaging/a b/c.tif');
        return { root: 'lab', path: 'a b/c.tif' };
      }
    );
    await commands.execute(CommandIDs.copyPathFromFileBrowser);
    expect(copied).toEqual(['/groups/imaging/a b/c.tif']);
  });

  it('reveals a file browser item in Fileglancer and asks for the inspector', async () => {
    const { commands, model, activated } = await setupFileBrowser(
      'imaging/cells.ome.zarr',
      async () => ({ root: 'lab', path: 'cells.ome.zarr' })
    );
    const inspected: string[] = [];
    model.inspectRequested.connect((_, entry) => inspected.push(entry.path));
    await commands.execute(CommandIDs.inspectFromFileBrowser);
    await settle();
    expect(activated).toContain('browser');
    expect(model.listing.root).toBe('lab');
    expect(model.selection.current?.entry.path).toBe('cells.ome.zarr');
    expect(inspected).toEqual(['cells.ome.zarr']);
  });

  it('says so, and copies nothing, for an item outside every root', async () => {
    const { commands, copied, model } = await setupFileBrowser(
      'notes.txt',
      async () => {
        throw apiError(
          404,
          "'notes.txt' is outside the shared folders. The shared folders are 'lab', 'scratch'."
        );
      }
    );
    const warning = jest.spyOn(Notification, 'warning');
    await commands.execute(CommandIDs.copyPathFromFileBrowser);
    await commands.execute(CommandIDs.inspectFromFileBrowser);
    expect(copied).toEqual([]);
    expect(model.listing.root).toBeNull();
    expect(warning).toHaveBeenCalledTimes(2);
    expect(warning.mock.calls[0][0]).toBe(
      "'notes.txt' is outside the shared folders. The shared folders are 'lab', 'scratch'."
    );
  });

  it('is disabled when nothing is selected in the file browser', async () => {
    const { commands } = await setupFileBrowser(null, async () => ({
      root: 'lab',
      path: ''
    }));
    expect(commands.isEnabled(CommandIDs.inspectFromFileBrowser)).toBe(false);
    expect(commands.isEnabled(CommandIDs.copyPathFromFileBrowser)).toBe(false);
  });
});

describe('registerMainAreaView', () => {
  it('opens one view, re-focuses it with a refresh, and restores it by name', async () => {
    const { app, commands, activated } = fakeApp();
    const added: Widget[] = [];
    (app.shell as unknown as { add: (widget: Widget) => void }).add = widget =>
      added.push(widget);
    const restored: Array<{ command: string; name: string }> = [];
    const restorer = {
      restore: async (
        _tracker: unknown,
        options: { command: string; name: () => string }
      ) => {
        restored.push({ command: options.command, name: options.name() });
      }
    } as unknown as ILayoutRestorer;
    let refreshed = 0;
    registerMainAreaView(app, restorer, {
      command: 'test:open-view',
      label: 'Open the view',
      caption: 'A test view',
      icon: linkIcon,
      id: 'test-view',
      title: 'Test view',
      restoreName: 'test',
      create: () => new Widget(),
      refresh: () => {
        refreshed += 1;
      }
    });
    expect(restored).toEqual([{ command: 'test:open-view', name: 'test' }]);
    const first = (await commands.execute('test:open-view')) as Widget;
    await settle();
    expect(first.id).toBe('test-view');
    expect(first.title.label).toBe('Test view');
    expect(first.title.closable).toBe(true);
    expect(refreshed).toBe(0);
    const second = await commands.execute('test:open-view');
    expect(second).toBe(first);
    expect(added).toEqual([first]);
    expect(refreshed).toBe(1);
    expect(activated).toEqual(['test-view', 'test-view']);
    first.dispose();
  });
});
