/**
 * How every call reaches the server: URL building, auth (JupyterLab's server settings)
 * and error decoding live here, once. The feature modules beside it describe endpoints;
 * `createFileglancerAPI` (index.ts) puts them behind one interface.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A JSON value as the server parsed it from a metadata file. */
export type JSONValue =
  string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/**
 * An error answered by the server: `code` is stable, `message` is for people, `body` is
 * the whole decoded answer (e.g. the `field` of a 400 about one value).
 */
export class FileglancerAPIError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: { [key: string]: JSONValue } | null = null
  ) {
    super(message);
    this.name = 'FileglancerAPIError';
  }
}

/**
 * Call `{baseUrl}/fileglancer/api/{endPoint}` and decode the JSON answer.
 *
 * Throws FileglancerAPIError for an error status (with the server's code and message)
 * and for a network failure (status 0, code "network_error").
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, 'fileglancer', 'api', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new FileglancerAPIError(
      0,
      'network_error',
      `Cannot reach the server: ${String(error)}`
    );
  }
  const text = await response.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const detail = (body ?? {}) as { error?: string; message?: string };
    throw new FileglancerAPIError(
      response.status,
      detail.error ?? 'http_error',
      detail.message ??
        `The server answered ${response.status} ${response.statusText}`,
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? (body as { [key: string]: JSONValue })
        : null
    );
  }
  return body as T;
}

/** One server connection that the feature modules send their requests through. */
export class APIClient {
  constructor(
    readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /** `{baseUrl}/fileglancer/api/{endPoint}`, decoded (see `requestAPI`). */
  request<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
    return requestAPI<T>(endPoint, init, this.settings);
  }

  /**
   * A `method` request with `body` as JSON (POST, PATCH) or none (DELETE), and any extra
   * `headers` (`If-Match`).
   */
  send<T>(
    method: string,
    endPoint: string,
    body?: unknown,
    headers?: { [name: string]: string }
  ): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
    }
    if (headers) {
      init.headers = headers;
    }
    return this.request<T>(endPoint, init);
  }

  /** The absolute URL of an endpoint, for the browser to load itself (an `<img>`). */
  url(endPoint: string): string {
    return URLExt.join(this.settings.baseUrl, 'fileglancer', 'api', endPoint);
  }
}

/**
 * Encode a root-relative POSIX path for a URL: each segment on its own, so that names
 * with spaces, `#`, `?` or `%` survive; empty segments (doubled or trailing slashes)
 * are dropped.
 */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter(segment => segment.length > 0)
    .map(segment => encodeURIComponent(wellFormed(segment)))
    .join('/');
}

/**
 * A name with a lone surrogate (the server's spelling of a byte that is not UTF-8) with
 * U+FFFD in its place: encodeURIComponent throws on it, and the server refuses such names
 * with a message anyway.
 */
function wellFormed(text: string): string {
  return text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD'
  );
}

/** `{root}` or `{root}/{path}`, every segment URL-encoded. */
export function rootPath(root: string, path: string): string {
  const encoded = encodePath(path);
  const base = encodeURIComponent(root);
  return encoded ? `${base}/${encoded}` : base;
}
