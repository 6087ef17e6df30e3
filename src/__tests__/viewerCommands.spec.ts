import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { ROW_SELECTOR } from '../commands';
import { SelectionModel } from '../selection';
import { ImageViewerWidget } from '../viewer/ImageViewer';
import { IImageViewerAPI } from '../viewer/viewerApi';
import { OPEN_VIEWER, registerViewerCommand } from '../viewer/viewerCommands';
import { makeEntry, makeRoot } from './fakes';

function setUp() {
  const commands = new CommandRegistry();
  const menuItems: Array<{ command?: string; selector: string }> = [];
  const added: Widget[] = [];
  const app = {
    commands,
    contextMenu: {
      addItem: (item: { command?: string; selector: string }) =>
        menuItems.push(item)
    },
    shell: {
      add: (widget: Widget) => added.push(widget),
      activateById: () => undefined
    }
  } as unknown as JupyterFrontEnd;
  const api: IImageViewerAPI = {
    viewerInfo: () => new Promise(() => undefined),
    pixelValues: () => new Promise(() => undefined),
    tileURL: () => ''
  };
  const selection = new SelectionModel();
  registerViewerCommand(app, selection, api);
  return { commands, menuItems, added, selection };
}

describe('Open in Viewer', () => {
  it('is in the browser context menu, shown only for what the server can draw', () => {
    const { commands, menuItems, selection } = setUp();
    expect(menuItems).toContainEqual(
      expect.objectContaining({ command: OPEN_VIEWER, selector: ROW_SELECTOR })
    );
    selection.select(makeRoot('demo'), makeEntry('notes.txt'));
    expect(commands.isVisible(OPEN_VIEWER, {})).toBe(false);
    selection.select(
      makeRoot('demo'),
      makeEntry('cells.ome.zarr', { kind: 'ome-zarr', previewable: true })
    );
    expect(commands.isVisible(OPEN_VIEWER, {})).toBe(true);
  });

  it('opens one main-area viewer and shows the next image in it', async () => {
    const { commands, added, selection } = setUp();
    selection.select(
      makeRoot('demo'),
      makeEntry('n5/nuclei.n5', { kind: 'n5-group', previewable: true })
    );
    await commands.execute(OPEN_VIEWER, {});
    expect(added).toHaveLength(1);
    const content = (added[0] as MainAreaWidget<ImageViewerWidget>).content;
    expect([content.root, content.path]).toEqual(['demo', 'n5/nuclei.n5']);

    await commands.execute(OPEN_VIEWER, {
      root: 'lab',
      path: 'a/cells.ome.tif'
    });
    expect(added).toHaveLength(1);
    expect([content.root, content.path]).toEqual(['lab', 'a/cells.ome.tif']);
  });
});
