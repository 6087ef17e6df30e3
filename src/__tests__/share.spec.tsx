import { Clipboard, Notification } from '@jupyterlab/apputils';

import type {
  ICreateLinkRequest,
  IMetaResponse,
  IShareLink,
  IViewersResponse
} from '../api';
import { IInspectorActions, InspectorPanel } from '../inspector/InspectorPanel';
import {
  insertIntoNotebook,
  REPLACE_SELECTION_COMMAND
} from '../share/insertSnippet';
import { CommandRegistry } from '@lumino/commands';
import { LinkEvents } from '../share/linkEvents';
import { LinksModel } from '../share/linksModel';
import { formatFullTime, formatShortTime } from '../common/format';
import { LinksPanel } from '../share/LinksPanel';
import { ShareModel } from '../share/shareModel';
import {
  apiError,
  datasetAPI,
  fakeAPI,
  makeEntry,
  makeLink as makeAnyLink,
  makeRoot,
  settle
} from './fakes';
import omeMetaFixture from './fixtures/meta-ome-zarr-0.4.json';
import { show, showInspector, until } from './render';

const omeMeta = omeMetaFixture as unknown as IMetaResponse;
const ROOT = makeRoot('demo');
const ENTRY = makeEntry('ome-zarr-0.4/cells.ome.zarr', {
  kind: 'ome-zarr',
  zarr_format: 2,
  ome_version: '0.4'
});

/** The user's link to ENTRY. */
const makeLink = (overrides: Partial<IShareLink> = {}): IShareLink =>
  makeAnyLink({ id: 'abc123', path: ENTRY.path, ...overrides });

/**
 * A fake server holding at most one link to the dataset: `GET viewers` answers with
 * viewers and link snippets only while the link exists, like the real route.
 */
class FakeShareServer {
  link: IShareLink | null = null;
  created: ICreateLinkRequest[] = [];
  revoked: string[] = [];
  failCreate: Error | null = null;
  /** What a shared TIFF's answer adds: its virtual OME-Zarr, or why there is none. */
  virtualImage: IViewersResponse['virtual_image'];
  noViewers = false;

  getViewers = async (): Promise<IViewersResponse> => {
    const link = this.link;
    return {
      virtual_image: this.virtualImage,
      kind: 'ome-zarr',
      data_url: link?.url ?? null,
      link,
      viewers:
        link && !this.noViewers
          ? [
              {
                name: 'Neuroglancer',
                url: `https://ng.example/#!{"source":"zarr2://${link.url}"}`
              },
              {
                name: 'vizarr',
                url: `https://vizarr.example/?source=${link.url}`
              }
            ]
          : [],
      snippets: [
        {
          language: 'python',
          title: 'zarr-python',
          code: 'import zarr\nzarr.open_group("/data/demo/cells.ome.zarr")',
          target: 'local'
        },
        ...(link
          ? [
              {
                language: 'python',
                title: 'fsspec',
                code: `fsspec.get_mapper("${link.url}")`,
                target: 'link' as const
              }
            ]
          : [])
      ],
      paths: {
        linux: '/data/demo/ome-zarr-0.4/cells.ome.zarr',
        mac: 'smb://fs/demo/ome-zarr-0.4/cells.ome.zarr',
        windows: null
      }
    };
  };

  createLink = async (request: ICreateLinkRequest): Promise<IShareLink> => {
    if (this.failCreate) {
      throw this.failCreate;
    }
    this.created.push(request);
    this.link = makeLink({
      expires: request.expires_in ? '2026-12-03T04:00:00Z' : null
    });
    return this.link;
  };

  shortened: Array<{ url: string; label?: string | null }> = [];

  createShortLink = async (request: { url: string; label?: string | null }) => {
    this.shortened.push(request);
    return {
      key: 'K3Y',
      url: request.url,
      label: request.label ?? null,
      created: '2026-11-26T04:00:00Z',
      updated: '2026-11-26T04:00:00Z',
      short_url: 'http://localhost:8888/fileglancer/v/K3Y'
    };
  };

  revokeLink = async (id: string): Promise<IShareLink> => {
    this.revoked.push(id);
    const link = { ...this.link!, revoked: true, active: false };
    this.link = null;
    return link;
  };
}

async function inspectShared(
  server: FakeShareServer,
  events?: LinkEvents,
  actions?: IInspectorActions
): Promise<InspectorPanel> {
  const { panel } = await showInspector(ENTRY, datasetAPI(ENTRY, omeMeta), {
    root: ROOT,
    tab: 'share',
    model: { share: new ShareModel(server, events) },
    actions
  });
  await until(() =>
    expect(
      panel.node.querySelector('[data-tab-panel="share"] [role="switch"]')
    ).not.toBeNull()
  );
  return panel;
}

/** Answer the confirmation dialog JupyterLab shows (Revoke or Cancel); returns its text. */
async function answerDialog(accept: boolean): Promise<string> {
  let dialog: HTMLElement | null = null;
  await until(() => {
    dialog = document.body.querySelector<HTMLElement>('.jp-Dialog');
    expect(dialog).not.toBeNull();
  });
  const text = dialog!.textContent ?? '';
  dialog!
    .querySelector<HTMLButtonElement>(
      accept ? 'button.jp-mod-accept' : 'button.jp-mod-reject'
    )!
    .click();
  await until(() =>
    expect(document.body.querySelector('.jp-Dialog')).toBeNull()
  );
  return text;
}

function toggle(panel: InspectorPanel): HTMLInputElement {
  return panel.node.querySelector<HTMLInputElement>(
    '[data-tab-panel="share"] [role="switch"]'
  )!;
}

describe('the Share tab', () => {
  let copied: string[];
  let notices: string[];

  beforeEach(() => {
    copied = [];
    notices = [];
    jest
      .spyOn(Clipboard, 'copyToSystem')
      .mockImplementation(value => void copied.push(String(value)));
    jest.spyOn(Notification, 'success').mockImplementation(message => {
      notices.push(`success: ${message}`);
      return '';
    });
    jest.spyOn(Notification, 'error').mockImplementation(message => {
      notices.push(`error: ${message}`);
      return '';
    });
  });

  afterEach(() => {
    document.body.innerHTML = '';
    jest.restoreAllMocks();
  });

  it('says where a shared TIFF is served as OME-Zarr, or why it is not', async () => {
    const server = new FakeShareServer();
    server.link = makeLink();
    server.virtualImage = {
      url: 'http://localhost/fileglancer/s/T/a.tif/ome.zarr/',
      problem: null
    };
    let panel = await inspectShared(server);
    await until(() =>
      expect(
        panel.node.querySelector('[data-note="virtual-image"]')?.textContent
      ).toContain('/a.tif/ome.zarr/')
    );
    expect(panel.node.querySelector('[data-viewer="vizarr"]')).not.toBeNull();
    panel.dispose();
    server.virtualImage = {
      url: null,
      problem:
        'Its tiles are compressed with X, which this server cannot decode.'
    };
    server.noViewers = true;
    panel = await inspectShared(server);
    await until(() =>
      expect(
        panel.node.querySelector('[data-note="virtual-image"]')?.textContent
      ).toContain('cannot decode')
    );
    expect(panel.node.textContent).not.toContain('No configured viewer');
    panel.dispose();
  });

  it('offers only local code and no viewers until the dataset is shared', async () => {
    const panel = await inspectShared(new FakeShareServer());
    expect(toggle(panel).checked).toBe(false);
    expect(panel.node.querySelector('[data-viewer]')).toBeNull();
    expect(panel.node.textContent).toContain(
      'Create a data link to open this dataset'
    );
    expect(
      Array.from(panel.node.querySelectorAll('[data-snippet]')).map(s =>
        s.getAttribute('data-target')
      )
    ).toEqual(['local']);
    expect(
      panel.node.querySelector('[data-field="path-mac"]')?.textContent
    ).toBe('smb://fs/demo/ome-zarr-0.4/cells.ome.zarr');
    expect(panel.node.querySelector('[data-field="path-windows"]')).toBeNull();
    panel.dispose();
  });

  it('creates a link with the chosen expiry, copies it, and offers the viewers', async () => {
    const server = new FakeShareServer();
    const panel = await inspectShared(server);
    const expiry = panel.node.querySelector<HTMLSelectElement>(
      '[data-tab-panel="share"] select[aria-label="Link expiry"]'
    )!;
    expiry.value = '2';
    expiry.dispatchEvent(new Event('change', { bubbles: true }));
    toggle(panel).click();
    await until(() =>
      expect(
        panel.node.querySelector('[data-viewer="Neuroglancer"]')
      ).not.toBeNull()
    );
    expect(server.created).toEqual([
      {
        root: 'demo',
        path: 'ome-zarr-0.4/cells.ome.zarr',
        expires_in: 7 * 86_400
      }
    ]);
    expect(toggle(panel).checked).toBe(true);
    expect(
      panel.node.querySelector<HTMLInputElement>('[aria-label="Data link URL"]')
        ?.value
    ).toBe('http://localhost:8888/fileglancer/s/T0KEN/');
    expect(copied).toEqual(['http://localhost:8888/fileglancer/s/T0KEN/']);
    expect(notices[0]).toMatch(/^success: Data link created and copied/);
    expect(panel.node.textContent).toContain(
      `Expires ${formatFullTime('2026-12-03T04:00:00Z')}`
    );
    expect(panel.node.textContent).not.toContain('T04:00:00Z');
    expect(
      Array.from(panel.node.querySelectorAll('[data-snippet]')).map(s =>
        s.getAttribute('data-target')
      )
    ).toEqual(['local', 'link']);

    const opened: string[] = [];
    jest.spyOn(window, 'open').mockImplementation(url => {
      opened.push(String(url));
      return null;
    });
    panel.node.querySelector<HTMLElement>('[data-viewer="vizarr"]')!.click();
    expect(opened).toEqual([
      'https://vizarr.example/?source=http://localhost:8888/fileglancer/s/T0KEN/'
    ]);
    panel.dispose();
  });

  it('copies a short link that opens a viewer', async () => {
    const server = new FakeShareServer();
    server.link = makeLink();
    const panel = await inspectShared(server);
    panel.node
      .querySelector<HTMLElement>(
        '[data-action="short-link"][data-for="Neuroglancer"]'
      )!
      .click();
    await until(() =>
      expect(copied).toEqual(['http://localhost:8888/fileglancer/v/K3Y'])
    );
    expect(server.shortened).toEqual([
      {
        url: 'https://ng.example/#!{"source":"zarr2://http://localhost:8888/fileglancer/s/T0KEN/"}',
        label: 'Neuroglancer: ome-zarr-0.4/cells.ome.zarr'
      }
    ]);
    panel.dispose();
  });

  it('revokes the link when the toggle is turned off', async () => {
    const server = new FakeShareServer();
    server.link = makeLink();
    const panel = await inspectShared(server);
    expect(toggle(panel).checked).toBe(true);
    toggle(panel).click();
    expect(await answerDialog(true)).toContain('Revoke the data link?');
    await until(() => expect(toggle(panel).checked).toBe(false));
    expect(server.revoked).toEqual(['abc123']);
    expect(notices).toEqual([
      'success: Data link revoked: its URL no longer works.'
    ]);
    expect(panel.node.querySelector('[data-viewer]')).toBeNull();
    panel.dispose();
  });

  it('keeps the link when the revoke is cancelled in the dialog', async () => {
    const server = new FakeShareServer();
    server.link = makeLink();
    const panel = await inspectShared(server);
    toggle(panel).click();
    expect(await answerDialog(false)).toContain('stops working');
    await settle();
    expect(server.revoked).toEqual([]);
    expect(toggle(panel).checked).toBe(true);
    expect(notices).toEqual([]);
    panel.dispose();
  });

  it('says why a link could not be made and leaves the toggle off', async () => {
    const server = new FakeShareServer();
    server.failCreate = apiError(
      403,
      "You do not have permission to read 'x' in 'demo'."
    );
    const panel = await inspectShared(server);
    toggle(panel).click();
    await until(() => expect(notices.length).toBe(1));
    expect(notices[0]).toBe(
      "error: Could not create a data link: You do not have permission to read 'x' in 'demo'."
    );
    await settle();
    expect(toggle(panel).checked).toBe(false);
    expect(toggle(panel).disabled).toBe(false);
    panel.dispose();
  });

  it('copies a snippet', async () => {
    const panel = await inspectShared(new FakeShareServer());
    panel.node
      .querySelector<HTMLElement>(
        '[data-snippet="zarr-python"] [data-action="copy-snippet"]'
      )!
      .click();
    await until(() => expect(copied.length).toBe(1));
    expect(copied[0]).toContain('zarr.open_group');
    panel.dispose();
  });

  it('inserts a snippet into the active notebook, or says there is none', async () => {
    const commands = new CommandRegistry();
    const inserted: string[] = [];
    const panel = await inspectShared(new FakeShareServer(), undefined, {
      insertSnippet: code => void insertIntoNotebook(commands, code)
    });
    const insert = () =>
      panel.node
        .querySelector<HTMLElement>(
          '[data-snippet="zarr-python"] [data-action="insert-snippet"]'
        )!
        .click();
    const warnings: string[] = [];
    jest.spyOn(Notification, 'warning').mockImplementation(message => {
      warnings.push(String(message));
      return '';
    });
    insert(); // no notebook open: JupyterLab's notebook command is not there
    await until(() => expect(warnings).toHaveLength(1));
    expect(warnings[0]).toMatch(/^No notebook is open/);

    let notebookOpen = false;
    commands.addCommand(REPLACE_SELECTION_COMMAND, {
      isEnabled: () => notebookOpen,
      execute: args => void inserted.push(String(args.text))
    });
    insert(); // the command exists, but no notebook is current
    await until(() => expect(warnings).toHaveLength(2));
    notebookOpen = true;
    insert();
    await until(() => expect(inserted).toHaveLength(1));
    expect(inserted[0]).toContain('zarr.open_group');
    panel.dispose();
  });

  it('offers no Insert button where there is no notebook to insert into', async () => {
    const panel = await inspectShared(new FakeShareServer());
    expect(
      panel.node.querySelector('[data-action="copy-snippet"]')
    ).not.toBeNull();
    expect(
      panel.node.querySelector('[data-action="insert-snippet"]')
    ).toBeNull();
    panel.dispose();
  });

  it('drops an answer for a dataset that is no longer selected', async () => {
    let answer: (value: IViewersResponse) => void = () => undefined;
    const server = new FakeShareServer();
    const model = new ShareModel(
      fakeAPI({
        ...server,
        getViewers: () => new Promise(resolve => (answer = resolve))
      })
    );
    const loading = model.load('demo', 'a.zarr');
    model.clear();
    answer(await server.getViewers());
    await loading;
    expect(model.state).toEqual({ status: 'idle' });
  });
});

describe('the Data links view', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    jest.restoreAllMocks();
  });

  it('lists the links, changes an expiry and revokes one', async () => {
    jest.spyOn(Notification, 'success').mockImplementation(() => '');
    let links = [
      makeLink(),
      makeLink({
        id: 'def456',
        path: 'gone.zarr',
        label: 'for Bob',
        expires: '2026-12-01T00:00:00Z',
        last_access: '2026-11-26T05:06:07Z',
        target_exists: false
      })
    ];
    const updates: Array<[string, number | null | undefined]> = [];
    const model = new LinksModel(
      fakeAPI({
        listLinks: async () => links,
        revokeLink: async id => {
          const link = links.find(l => l.id === id)!;
          links = links.filter(l => l.id !== id);
          return link;
        },
        updateLink: async (id, changes) => {
          updates.push([id, changes.expires_in]);
          return links[0];
        }
      })
    );
    const panel = new LinksPanel(model);
    await show(panel);
    await until(() =>
      expect(panel.node.querySelectorAll('[data-link]').length).toBe(2)
    );
    const second = panel.node.querySelector('[data-link="def456"]')!;
    expect(second.textContent).toContain('demo/gone.zarr');
    expect(second.textContent).toContain('(no longer exists)');
    expect(second.textContent).toContain('for Bob');
    // Times in the user's local time, as everywhere else: never the raw ISO string.
    expect(second.textContent).not.toContain('T05:06');
    expect(second.textContent).toContain(
      formatShortTime('2026-11-26T05:06:07Z')
    );
    const expires = second.querySelector('[data-column="expires"]');
    expect(expires?.textContent).toBe(formatShortTime('2026-12-01T00:00:00Z'));
    expect(expires?.getAttribute('title')).toBe(
      formatFullTime('2026-12-01T00:00:00Z')
    );

    const select = panel.node.querySelector<HTMLSelectElement>(
      '[data-link="abc123"] select'
    )!;
    select.value = '1';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await until(() => expect(updates).toEqual([['abc123', 86_400]]));

    panel.node
      .querySelector<HTMLElement>(
        '[data-link="def456"] [data-action="revoke"]'
      )!
      .click();
    await answerDialog(false); // cancelled: nothing revoked
    await settle();
    expect(panel.node.querySelectorAll('[data-link]').length).toBe(2);
    panel.node
      .querySelector<HTMLElement>(
        '[data-link="def456"] [data-action="revoke"]'
      )!
      .click();
    await answerDialog(true);
    await until(() =>
      expect(panel.node.querySelectorAll('[data-link]').length).toBe(1)
    );
    panel.dispose();
  });

  it('and the Share tab keep each other current', async () => {
    jest.spyOn(Notification, 'success').mockImplementation(() => '');
    const server = new FakeShareServer();
    const events = new LinkEvents();
    const listed: number[] = [];
    const links = new LinksPanel(
      new LinksModel(
        fakeAPI({
          listLinks: async () => {
            listed.push(Date.now());
            return server.link ? [server.link] : [];
          },
          revokeLink: server.revokeLink
        }),
        events
      )
    );
    await show(links);
    await until(() => expect(listed).toHaveLength(1));
    const inspector = await inspectShared(server, events);
    expect(links.node.querySelectorAll('[data-link]')).toHaveLength(0);

    toggle(inspector).click(); // shared from the inspector: the list shows it
    await until(() =>
      expect(links.node.querySelectorAll('[data-link]')).toHaveLength(1)
    );

    links.node
      .querySelector<HTMLElement>(
        '[data-link="abc123"] [data-action="revoke"]'
      )!
      .click(); // revoked from the list: the Share tab turns its switch off
    await answerDialog(true);
    await until(() => expect(toggle(inspector).checked).toBe(false));
    expect(server.revoked).toEqual(['abc123']);
    expect(inspector.node.querySelector('[data-viewer]')).toBeNull();
    inspector.dispose();
    links.dispose();
    const before = listed.length;
    events.emit('abc123', null); // disposed models no longer listen
    await settle();
    expect(listed).toHaveLength(before);
  });

  it('says when there are no links, and why the list could not be read', async () => {
    const empty = new LinksPanel(
      new LinksModel(fakeAPI({ listLinks: async () => [] }))
    );
    await show(empty);
    await until(() =>
      expect(empty.node.textContent).toContain('You have no active data links.')
    );
    empty.dispose();
    const failing = new LinksPanel(
      new LinksModel(
        fakeAPI({
          listLinks: async () => {
            throw apiError(0, 'Failed to fetch');
          }
        })
      )
    );
    await show(failing);
    await until(() =>
      expect(
        failing.node.querySelector('[role="alert"]')?.textContent
      ).toContain('Cannot reach the server.')
    );
    failing.dispose();
  });
});
