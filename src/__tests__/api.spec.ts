import { ServerConnection } from '@jupyterlab/services';

import {
  encodePath,
  FileglancerAPIError,
  createFileglancerAPI,
  requestAPI
} from '../api';

type FetchCall = { url: string; init: RequestInit };

/** Server settings whose fetch answers with `respond` and records every call. */
function fakeServer(respond: (url: string) => Response | Promise<Response>): {
  settings: ServerConnection.ISettings;
  calls: FetchCall[];
} {
  const calls: FetchCall[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    calls.push({ url, init: init ?? {} });
    return respond(url);
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab.test/user/ada/',
    fetch: fetch as typeof window.fetch,
    Request: Request
  });
  return { settings, calls };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

/** The FileglancerAPIError a request rejects with; fails the test if it resolves. */
async function apiError(
  request: Promise<unknown>
): Promise<FileglancerAPIError> {
  try {
    await request;
  } catch (error) {
    expect(error).toBeInstanceOf(FileglancerAPIError);
    return error as FileglancerAPIError;
  }
  throw new Error('the request should have failed');
}

describe('requestAPI', () => {
  it('calls the fileglancer API under the server base URL', async () => {
    const { settings, calls } = fakeServer(() => json(200, { roots: [] }));
    await createFileglancerAPI(settings).getRoots();
    expect(calls).toHaveLength(1);
    // ServerConnection appends a cache-busting query string to GETs.
    const url = new URL(calls[0].url);
    expect(url.origin + url.pathname).toBe(
      'http://lab.test/user/ada/fileglancer/api/roots'
    );
  });

  it('returns the decoded JSON body', async () => {
    const root = {
      name: 'home',
      title: 'Home',
      path: '/home/ada',
      smb_url: null,
      unc_path: null,
      available: true,
      problem: null
    };
    const { settings } = fakeServer(() => json(200, { roots: [root] }));
    await expect(createFileglancerAPI(settings).getRoots()).resolves.toEqual({
      roots: [root]
    });
  });

  it('turns an error answer into FileglancerAPIError with the server code and message', async () => {
    const { settings } = fakeServer(() =>
      json(404, { error: 'not_found', message: 'No root named "x".' })
    );
    const error = await apiError(requestAPI('roots', {}, settings));
    expect(error).toBeInstanceOf(FileglancerAPIError);
    expect(error.status).toBe(404);
    expect(error.code).toBe('not_found');
    expect(error.message).toBe('No root named "x".');
  });

  it('explains an error answer that is not JSON', async () => {
    const { settings } = fakeServer(
      () =>
        new Response('<html>proxy error</html>', {
          status: 502,
          statusText: 'Bad Gateway'
        })
    );
    const error = await apiError(requestAPI('roots', {}, settings));
    expect(error.code).toBe('http_error');
    expect(error.message).toContain('502');
  });

  it('reports a network failure as status 0', async () => {
    const { settings } = fakeServer(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await apiError(requestAPI('roots', {}, settings));
    expect(error).toBeInstanceOf(FileglancerAPIError);
    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
  });
});

/** The path after the API prefix and the decoded query of a recorded call. */
function apiCall(url: string): { path: string; query: URLSearchParams } {
  const parsed = new URL(url);
  const prefix = '/user/ada/fileglancer/api/';
  expect(parsed.pathname.startsWith(prefix)).toBe(true);
  return {
    path: parsed.pathname.slice(prefix.length),
    query: parsed.searchParams
  };
}

describe('encodePath', () => {
  it('encodes each segment on its own and keeps the slashes between them', () => {
    expect(encodePath('my data/#1?/100%/a+b')).toBe(
      'my%20data/%231%3F/100%25/a%2Bb'
    );
  });

  it('encodes unicode as UTF-8', () => {
    expect(encodePath('café/ß')).toBe('caf%C3%A9/%C3%9F');
  });

  it('does not throw on a name that is not UTF-8 (a lone surrogate)', () => {
    expect(encodePath('a/\udcff\udcfe.zarr/x')).toBe(
      'a/%EF%BF%BD%EF%BF%BD.zarr/x'
    );
    expect(encodePath('\ud83d\ude00')).toBe('%F0%9F%98%80');
  });

  it('drops empty segments from leading, doubled and trailing slashes', () => {
    expect(encodePath('/a//b/')).toBe('a/b');
    expect(encodePath('')).toBe('');
  });
});

describe('listDirectory', () => {
  const page = {
    path: 'my data/#1',
    contents_path: null,
    entries: [],
    total: 0,
    next_cursor: null,
    sort: 'name',
    order: 'asc'
  };

  it('puts the encoded path in the URL and the parameters in the query', async () => {
    const { settings, calls } = fakeServer(() => json(200, page));
    const answer = await createFileglancerAPI(settings).listDirectory(
      'demo',
      'my data/#1?/',
      {
        cursor: 'abc+/=',
        limit: 500,
        sort: 'mtime',
        order: 'desc',
        hidden: true,
        filter: 'a b&c'
      }
    );
    expect(answer).toEqual(page);
    const { path, query } = apiCall(calls[0].url);
    expect(path).toBe('list/demo/my%20data/%231%3F');
    expect(query.get('cursor')).toBe('abc+/=');
    expect(query.get('limit')).toBe('500');
    expect(query.get('sort')).toBe('mtime');
    expect(query.get('order')).toBe('desc');
    expect(query.get('hidden')).toBe('true');
    expect(query.get('filter')).toBe('a b&c');
  });

  it('lists a root itself without a path and leaves out unset parameters', async () => {
    const { settings, calls } = fakeServer(() => json(200, page));
    await createFileglancerAPI(settings).listDirectory('scratch', '', {
      hidden: false
    });
    const { path, query } = apiCall(calls[0].url);
    expect(path).toBe('list/scratch');
    expect(query.get('hidden')).toBe('false');
    expect(query.has('cursor')).toBe(false);
    expect(query.has('filter')).toBe(false);
  });

  it('rejects with the server error of a forbidden folder', async () => {
    const { settings } = fakeServer(() =>
      json(403, { error: 'forbidden', message: 'Permission denied' })
    );
    const error = await apiError(
      createFileglancerAPI(settings).listDirectory('demo', 'secret', {})
    );
    expect(error.status).toBe(403);
    expect(error.message).toBe('Permission denied');
  });
});

describe('getNode and locate', () => {
  it('asks for one node by its encoded path', async () => {
    const { settings, calls } = fakeServer(() => json(200, { name: 'x' }));
    await createFileglancerAPI(settings).getNode(
      'demo',
      'tiff/cells 1.ome.tif'
    );
    expect(apiCall(calls[0].url).path).toBe('node/demo/tiff/cells%201.ome.tif');
  });

  it('passes the contents path as a query parameter', async () => {
    const { settings, calls } = fakeServer(() =>
      json(200, { root: 'demo', path: 'a b' })
    );
    await expect(
      createFileglancerAPI(settings).locate('demo/a b#?')
    ).resolves.toEqual({
      root: 'demo',
      path: 'a b'
    });
    const { path, query } = apiCall(calls[0].url);
    expect(path).toBe('locate');
    expect(query.get('path')).toBe('demo/a b#?');
  });

  it('rejects with not_in_a_root for a path outside every root', async () => {
    const { settings } = fakeServer(() =>
      json(404, { error: 'not_in_a_root', message: 'Not in a root.' })
    );
    const error = await apiError(
      createFileglancerAPI(settings).locate('elsewhere')
    );
    expect(error.status).toBe(404);
    expect(error.code).toBe('not_in_a_root');
  });
});

describe('createFileglancerAPI', () => {
  it('builds every feature’s URLs on the one server connection it was given', async () => {
    const { settings, calls } = fakeServer(() => json(200, { links: [] }));
    const api = createFileglancerAPI(settings);
    expect(api.thumbnailURL('demo', 'a b/cells.zarr', 128)).toBe(
      'http://lab.test/user/ada/fileglancer/api/thumbnail/demo/a%20b/cells.zarr?size=128'
    );
    await api.listLinks({ root: 'demo', path: 'a' });
    const url = new URL(calls[0].url);
    expect(url.origin + url.pathname).toBe(
      'http://lab.test/user/ada/fileglancer/api/links'
    );
    expect(url.searchParams.get('root')).toBe('demo');
  });
});
