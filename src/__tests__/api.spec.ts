import { ServerConnection } from '@jupyterlab/services';

import { FileglancerAPIError, getRoots, requestAPI } from '../api';

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
    await getRoots(settings);
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
    await expect(getRoots(settings)).resolves.toEqual({ roots: [root] });
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
