/** Test doubles shared by the specs: entries, roots and a paging fake server. */
import type {
  EntryKind,
  IEditable,
  IEntry,
  IListResponse,
  IMetaResponse,
  INodeResponse,
  IRoot,
  IShareLink
} from '../api';
import {
  createFileglancerAPI,
  FileglancerAPIError,
  IFileglancerAPI
} from '../api';
import { BrowserModel } from '../browser/browserModel';
import { IListRequest, ListingModel } from '../browser/listingModel';
import { RootsModel } from '../browser/rootsModel';
import { SelectionModel } from '../selection';
import shardedMetaFixture from './fixtures/meta-zarr-v3-sharded.json';

export function makeRoot(name: string, overrides: Partial<IRoot> = {}): IRoot {
  return {
    name,
    title: `Title ${name}`,
    path: `/data/${name}`,
    smb_url: null,
    unc_path: null,
    available: true,
    problem: null,
    ...overrides
  };
}

export function makeEntry(
  path: string,
  overrides: Partial<IEntry> = {}
): IEntry {
  const name = path.split('/').pop() ?? path;
  const kind: EntryKind = overrides.kind ?? 'file';
  return {
    name,
    path,
    is_dir: kind !== 'file' && kind !== 'tiff' && kind !== 'ome-tiff',
    kind,
    zarr_format: null,
    ome_version: null,
    problem: null,
    size: 10,
    mtime: 1_700_000_000,
    mode: '-rw-r--r--',
    owner: 'ada',
    is_symlink: false,
    readable: true,
    contents_path: `demo/${path}`,
    previewable: false,
    ...overrides
  };
}

/** A data link of the user, active, made now, that never expires. */
export function makeLink(overrides: Partial<IShareLink> = {}): IShareLink {
  const token = overrides.token ?? 'T0KEN';
  return {
    id: `id-${token}`,
    token,
    owner: 'ada',
    root: 'demo',
    path: '',
    label: null,
    created: '2026-11-26T04:00:00Z',
    expires: null,
    last_access: null,
    revoked: false,
    active: true,
    url: `http://localhost:8888/fileglancer/s/${token}/`,
    target_exists: true,
    ...overrides
  };
}

export function makeNode(root: string, entry: IEntry): INodeResponse {
  return { ...entry, root };
}

/** A request the fake server received, with the means to answer it later. */
export interface IPendingPage {
  request: IListRequest;
  /** Answer with the page the fake directory holds for this request. */
  answer: () => void;
  fail: (error: Error) => void;
}

/**
 * A directory of `count` files named item-00001.txt... served in pages whose cursors are
 * "at:<offset>". Requests are held until the test answers them (in any order), unless
 * `autoAnswer` is set.
 */
export class FakeDirectory {
  constructor(
    public count: number,
    options: { autoAnswer?: boolean; dir?: string } = {}
  ) {
    this.autoAnswer = options.autoAnswer ?? false;
    this.dir = options.dir ?? '';
  }

  autoAnswer: boolean;
  dir: string;
  readonly requests: IListRequest[] = [];
  readonly pending: IPendingPage[] = [];

  /** The entry at `index` of the listing for `request` (sorted by name, filtered). */
  names(request: IListRequest): string[] {
    const width = 5;
    let names = Array.from(
      { length: this.count },
      (_, i) => `item-${String(i + 1).padStart(width, '0')}.txt`
    );
    if (request.filter) {
      names = names.filter(name => name.includes(request.filter ?? ''));
    }
    if (request.order === 'desc') {
      names.reverse();
    }
    return names;
  }

  page(request: IListRequest): IListResponse {
    const names = this.names(request);
    const offset = request.cursor ? Number(request.cursor.split(':')[1]) : 0;
    const limit = request.limit ?? 200;
    const slice = names.slice(offset, offset + limit);
    const end = offset + slice.length;
    const prefix = request.path ? `${request.path}/` : '';
    return {
      path: request.path,
      contents_path: `demo/${request.path}`.replace(/\/$/, ''),
      entries: slice.map(name => makeEntry(`${prefix}${name}`)),
      total: names.length,
      next_cursor: end < names.length ? `at:${end}` : null,
      sort: request.sort ?? 'name',
      order: request.order ?? 'asc'
    };
  }

  fetch = (request: IListRequest): Promise<IListResponse> => {
    this.requests.push({ ...request });
    if (this.autoAnswer) {
      return Promise.resolve(this.page(request));
    }
    return new Promise<IListResponse>((resolve, reject) => {
      this.pending.push({
        request,
        answer: () => resolve(this.page(request)),
        fail: reject
      });
    });
  };

  /** Answer the oldest held request. */
  answerNext(): void {
    const next = this.pending.shift();
    if (!next) {
      throw new Error('no request is waiting for an answer');
    }
    next.answer();
  }

  /** The cursors asked for, in order (null for a first page). */
  get cursors(): Array<string | null> {
    return this.requests.map(request => request.cursor ?? null);
  }
}

/** Let every pending promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}

export function apiError(
  status: number,
  message = 'nope'
): FileglancerAPIError {
  return new FileglancerAPIError(
    status,
    status === 0 ? 'network_error' : 'x',
    message
  );
}

/**
 * A fake of the whole API: the methods in `overrides` answer, every other one rejects
 * with a message naming it (so a test that reaches the server by surprise says where).
 */
export function fakeAPI(
  overrides: Partial<IFileglancerAPI> = {}
): IFileglancerAPI {
  const real = createFileglancerAPI();
  const fake = {} as Record<string, unknown>;
  for (const name of Object.keys(real)) {
    fake[name] =
      name === 'thumbnailURL'
        ? (root: string, path: string) => `/thumb/${root}/${path}`
        : () => Promise.reject(new Error(`${name} is not faked in this test`));
  }
  for (const [name, method] of Object.entries(overrides)) {
    if (method !== undefined) {
      fake[name] = method;
    }
  }
  return fake as unknown as IFileglancerAPI;
}

/**
 * The API an inspector sees for one dataset: `entry` with metadata `meta`, storage
 * statistics that never arrive and no preview image; `overrides` replace any of these.
 * Given several entries, a node is the one at its path, else the first.
 */
export function datasetAPI(
  entry: IEntry | IEntry[],
  meta: IMetaResponse,
  overrides: Partial<IFileglancerAPI> = {}
): IFileglancerAPI {
  const entries = Array.isArray(entry) ? entry : [entry];
  return fakeAPI({
    getNode: async (root, path) =>
      makeNode(root, entries.find(e => e.path === path) ?? entries[0]),
    getMeta: async () => meta,
    getStats: () => new Promise<never>(() => undefined),
    thumbnailURL: () => '',
    ...overrides
  });
}

/**
 * A browser over `roots` (read before it starts), whose folders each hold `files`
 * entries answered at once (or that lists with `listing`), with `api` for the rest.
 */
export async function fakeBrowser(options: {
  roots: IRoot[] | (() => IRoot[]);
  files?: number;
  listing?: ListingModel;
  api?: Partial<IFileglancerAPI>;
}): Promise<{ model: BrowserModel; server: FakeDirectory }> {
  const { roots } = options;
  const rootsModel = new RootsModel(
    fakeAPI({
      getRoots: async () => ({
        roots: typeof roots === 'function' ? roots() : roots
      })
    })
  );
  await rootsModel.refresh();
  const server = new FakeDirectory(options.files ?? 3, { autoAnswer: true });
  const model = new BrowserModel({
    roots: rootsModel,
    listing: options.listing ?? new ListingModel(server.fetch),
    selection: new SelectionModel(),
    api: fakeAPI(options.api)
  });
  return { model, server };
}

const shardedMeta = shardedMetaFixture as unknown as IMetaResponse;

/** `GET meta` of a Zarr group (no array, no OME metadata) whose members are `group`. */
export function zarrGroupMeta(group: IMetaResponse['group']): IMetaResponse {
  return {
    ...shardedMeta,
    kind: 'zarr-group',
    array: null,
    ome: null,
    group
  };
}

/** `GET meta` of an N5 group: no Zarr array, group or OME metadata, only `n5`. */
export function n5GroupMeta(n5: IMetaResponse['n5']): IMetaResponse {
  return {
    ...shardedMeta,
    kind: 'n5-group',
    zarr_format: null,
    array: null,
    group: null,
    ome: null,
    n5
  };
}

/** The editable fields of the demo's cells.ome.zarr (c, z, y, x). */
export function makeEditable(overrides: Partial<IEditable> = {}): IEditable {
  return {
    etag: '"e1"',
    version: '0.4',
    name: 'cells',
    axes: [
      { name: 'c', type: 'channel', unit: null },
      { name: 'z', type: 'space', unit: 'micrometer' },
      { name: 'y', type: 'space', unit: 'micrometer' },
      { name: 'x', type: 'space', unit: 'micrometer' }
    ],
    pixel_sizes: [1, 2, 0.5, 0.5],
    translation: null,
    channels: [
      {
        label: 'DAPI',
        color: '0000FF',
        window: { start: 0, end: 1000, min: 0, max: 65535 },
        active: true
      },
      {
        label: 'GFP',
        color: '00ff00',
        window: { start: 10, end: 2000, min: 0, max: 65535 },
        active: true
      }
    ],
    writable: true,
    can_undo: false,
    ...overrides
  };
}
