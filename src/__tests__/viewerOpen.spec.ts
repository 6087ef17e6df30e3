import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { Thumbnail } from '../inspector/sections/OverviewSection';
import { SelectionModel } from '../selection';
import { ImageViewerWidget } from '../viewer/ImageViewer';
import {
  IImageViewerAPI,
  imageViewerAPI,
  linkViewerAPI
} from '../viewer/viewerApi';
import { OPEN_VIEWER, registerViewerCommand } from '../viewer/viewerCommands';
import {
  firstTimeOpened,
  IViewerOpener,
  openFromCard
} from '../viewer/viewerOutput';
import { IViewerInfo, initialState } from '../viewer/viewerState';
import {
  isLinkBase,
  locateRealPath,
  parseLinkURL,
  restoreView,
  saveView,
  viewerErrorText
} from '../viewer/viewerTarget';
import { makeRoot } from './fakes';
import { show, until } from './render';

const INFO: IViewerInfo = {
  root: 'lab',
  path: 'cells.ome.zarr',
  width: 256,
  height: 256,
  tileSize: 256,
  maxScale: 0,
  levels: [{ width: 256, height: 256, downsample: 1 }],
  z: 16,
  t: 1,
  dtype: 'uint16',
  channels: [
    {
      name: 'DAPI',
      color: '0000FF',
      active: true,
      window: { start: 100, end: 2000, min: 0, max: 65535 }
    },
    {
      name: 'GFP',
      color: '00FF00',
      active: false,
      window: { start: 0, end: 500, min: 0, max: 65535 }
    }
  ],
  pixelSize: null,
  labels: ['cells']
};

describe('a data link URL', () => {
  it('becomes the link server viewer base and the path in the share', () => {
    expect(
      parseLinkURL(
        'https://lab.example/hub/services/links/fileglancer/s/Ab_9-x/a%20b/cells.ome.zarr/'
      )
    ).toEqual({
      base: 'https://lab.example/hub/services/links/fileglancer/view/Ab_9-x/',
      path: 'a b/cells.ome.zarr'
    });
    expect(parseLinkURL('http://127.0.0.1:8888/fileglancer/s/tok')).toEqual({
      base: 'http://127.0.0.1:8888/fileglancer/view/tok/',
      path: ''
    });
  });

  it("views a TIFF's virtual OME-Zarr as the TIFF", () => {
    expect(
      parseLinkURL('https://h/fileglancer/s/t/dir/cells.ome.tif/ome.zarr/')
        ?.path
    ).toBe('dir/cells.ome.tif');
  });

  it('is refused when it is no data link', () => {
    for (const url of [
      'https://h/data/cells.zarr',
      'https://h/fileglancer/s/',
      'https://h/fileglancer/s/bad$token/x',
      'ftp://h/fileglancer/s/t/x',
      'https://h/fileglancer/s/t/%E0%A4%A',
      'not a url'
    ]) {
      expect(parseLinkURL(url)).toBeNull();
    }
  });

  it('is read through the public routes, root names through the user server', async () => {
    const asked: string[] = [];
    const link = linkViewerAPI(async url => {
      asked.push(url);
      return INFO;
    });
    const base = 'https://h/fileglancer/view/tok/';
    await link.viewerInfo(base, 'a b/cells.ome.zarr');
    await link.pixelValues(base, '', { x: 1, y: 2, z: 3, t: 0 });
    expect(asked).toEqual([
      'https://h/fileglancer/view/tok/info/a%20b/cells.ome.zarr',
      'https://h/fileglancer/view/tok/pixel?x=1&y=2&z=3&t=0'
    ]);
    expect(link.tileURL(base, 'c.zarr', 'scale=0')).toBe(
      'https://h/fileglancer/view/tok/tile/c.zarr?scale=0'
    );
    const authenticated: IImageViewerAPI = {
      viewerInfo: async () => ({ ...INFO, root: 'mine' }),
      pixelValues: () => new Promise(() => undefined),
      tileURL: () => 'authenticated'
    };
    const api = imageViewerAPI(authenticated, link);
    expect(isLinkBase(base) && !isLinkBase('lab')).toBe(true);
    expect(api.tileURL('lab', 'x', 'q')).toBe('authenticated');
    expect(api.tileURL(base, 'x', 'q')).toBe(
      'https://h/fileglancer/view/tok/tile/x?q'
    );
    expect([api.crossOrigin?.(base), api.crossOrigin?.('lab')]).toEqual([
      'Anonymous',
      false
    ]);
  });
});

describe("the kernel's path", () => {
  const roots = [
    makeRoot('data', { path: '/data' }),
    makeRoot('lab', { path: '/data/lab' }),
    makeRoot('gone', { path: '/gone', available: false })
  ];

  it('maps to the deepest root holding it', () => {
    expect(locateRealPath('/data/lab/a/cells.ome.zarr', roots)).toEqual({
      root: 'lab',
      path: 'a/cells.ome.zarr'
    });
    expect(locateRealPath('/data/lab2/x', roots)).toEqual({
      root: 'data',
      path: 'lab2/x'
    });
    expect(locateRealPath('/data/lab/', roots)).toEqual({
      root: 'lab',
      path: ''
    });
    expect(locateRealPath('/gone/x', roots)).toBeNull();
    expect(locateRealPath('/elsewhere', roots)).toBeNull();
  });

  it('opens the viewer on its root and path, or says it is outside the roots', async () => {
    const opened: unknown[] = [];
    const opener: IViewerOpener = {
      open: async args => void opened.push(args),
      roots: async () => roots
    };
    const card = { id: '1', name: 'cells.ome.zarr' };
    expect(
      await openFromCard({ ...card, path: '/data/lab/cells.ome.zarr' }, opener)
    ).toBeNull();
    expect(
      await openFromCard({ ...card, url: 'https://h/fileglancer/s/t/' }, opener)
    ).toBeNull();
    expect(opened).toEqual([
      { root: 'lab', path: 'cells.ome.zarr' },
      { url: 'https://h/fileglancer/s/t/' }
    ]);
    expect(await openFromCard({ ...card, path: '/home/me/x' }, opener)).toBe(
      "'/home/me/x' is outside the folders Fileglancer serves ('data', 'lab'): the viewer reads only inside them."
    );
    expect(await openFromCard({ ...card, error: 'No such file' }, opener)).toBe(
      'No such file'
    );
    expect(opened).toHaveLength(2);
  });

  it('opens the viewer by itself once per view() call', () => {
    localStorage.clear();
    expect(firstTimeOpened('a')).toBe(true);
    expect(firstTimeOpened('a')).toBe(false);
    expect(firstTimeOpened('b')).toBe(true);
  });
});

describe('a restored viewer', () => {
  it('gets back its planes, channels, windows and labels where they fit', () => {
    let view = initialState(INFO);
    view = {
      ...view,
      z: 3,
      labels: ['cells'],
      channels: view.channels.map(c =>
        c.index === 1
          ? { ...c, visible: true, start: 10, end: 90 }
          : { ...c, visible: false }
      )
    };
    const saved = JSON.parse(JSON.stringify(saveView(view)));
    expect(restoreView(INFO, saved)).toEqual(view);
    // The image changed meanwhile: what no longer fits is its default again.
    const smaller = { ...INFO, z: 2, labels: [], channels: [INFO.channels[0]] };
    const restored = restoreView(smaller, {
      ...saved,
      channels: [
        ...saved.channels,
        { index: 0, visible: true, start: -5, end: 1e9 }
      ]
    });
    expect(restored.z).toBe(1);
    expect(restored.labels).toEqual([]);
    expect(restored.channels).toHaveLength(1);
    expect(restored.channels[0]).toMatchObject({ start: 0, end: 65535 });
    expect(restoreView(INFO, null)).toEqual(initialState(INFO));
  });

  it('says plainly that its image is gone', () => {
    const gone = Object.assign(new Error("'lab:x' does not exist"), {
      status: 404
    });
    expect(viewerErrorText('x', gone, true)).toMatch(
      /^x is no longer there: it was moved or deleted/
    );
    expect(viewerErrorText('x', gone, false)).toBe(
      "Cannot view x: 'lab:x' does not exist"
    );
  });

  it('is opened by the restorer with its image and view, and a data link URL too', async () => {
    const commands = new CommandRegistry();
    const added: Widget[] = [];
    const app = {
      commands,
      contextMenu: { addItem: () => undefined },
      shell: {
        add: (widget: Widget) => added.push(widget),
        activateById: () => undefined
      }
    } as unknown as JupyterFrontEnd;
    const restored: { command: string; args: (w: Widget) => unknown }[] = [];
    const restorer = {
      restore: async (_: unknown, options: never) => void restored.push(options)
    };
    const api: IImageViewerAPI = {
      viewerInfo: () => new Promise(() => undefined),
      pixelValues: () => new Promise(() => undefined),
      tileURL: () => ''
    };
    registerViewerCommand(app, new SelectionModel(), api, restorer as never);
    const saved = saveView(initialState(INFO));
    await commands.execute(restored[0].command, {
      root: 'lab',
      path: 'cells.ome.zarr',
      view: saved as never
    });
    const widget = added[0] as MainAreaWidget<ImageViewerWidget>;
    expect(restored[0].args(widget)).toEqual({
      root: 'lab',
      path: 'cells.ome.zarr',
      view: null // nothing shown yet: the image is still being read
    });
    await commands.execute(OPEN_VIEWER, {
      url: 'https://h/base/fileglancer/s/tok/cells.ome.zarr'
    });
    expect([widget.content.root, widget.content.path]).toEqual([
      'https://h/base/fileglancer/view/tok/',
      'cells.ome.zarr'
    ]);
    await expect(
      commands.execute(OPEN_VIEWER, { url: 'https://h/x' })
    ).rejects.toThrow('Not a data link URL');
  });
});

describe("the inspector's preview", () => {
  it('opens the viewer on a double-click, and the larger preview on a click', async () => {
    const opened: string[] = [];
    const widget = ReactWidget.create(
      React.createElement(Thumbnail, {
        url: 'small.png',
        largeUrl: 'large.png',
        name: 'cells.ome.zarr',
        onOpen: () => opened.push('viewer')
      })
    );
    await show(widget);
    const button = widget.node.querySelector('[data-action="large-preview"]')!;
    const click = (detail: number) =>
      button.dispatchEvent(new MouseEvent('click', { bubbles: true, detail }));
    click(1);
    click(2);
    button.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    expect(opened).toEqual(['viewer']);
    await new Promise(resolve => setTimeout(resolve, 400));
    expect(document.querySelector('.jp-Dialog')).toBeNull();
    click(1);
    await until(() =>
      expect(document.querySelector('.jp-Dialog')).not.toBeNull()
    );
    expect(opened).toEqual(['viewer']);
    widget.dispose();
  });
});
