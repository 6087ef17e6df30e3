/**
 * The typed client of the fileglancer REST API. Every call to the server goes through
 * `requestAPI`, so URL building, auth and error decoding live in one place.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** One configured file share, as `GET /fileglancer/api/roots` describes it. */
export interface IRoot {
  name: string;
  title: string;
  path: string;
  smb_url: string | null;
  unc_path: string | null;
  available: boolean;
  problem: string | null;
}

export interface IRootsResponse {
  roots: IRoot[];
}

/** What the server detected a directory entry to be. */
export type EntryKind =
  | 'directory'
  | 'file'
  | 'zarr-array'
  | 'zarr-group'
  | 'ome-zarr'
  | 'ome-zarr-plate'
  | 'ome-zarr-well'
  | 'ome-zarr-labels'
  | 'bioformats2raw'
  | 'n5-array'
  | 'n5-group'
  | 'tiff'
  | 'ome-tiff';

/** One directory entry, as `GET list/...` and `GET node/...` describe it. */
export interface IEntry {
  name: string;
  /** POSIX path relative to the root ("" is the root itself). */
  path: string;
  is_dir: boolean;
  kind: EntryKind;
  zarr_format: number | null;
  ome_version: string | null;
  problem: string | null;
  size: number | null;
  /** Modification time in seconds since the epoch. */
  mtime: number;
  mode: string;
  owner: string | null;
  is_symlink: boolean;
  readable: boolean;
  /** The path in JupyterLab's Contents API, or null when outside the server's root_dir. */
  contents_path: string | null;
}

/** `GET node/{root}/{path}`: one entry with its kind confirmed from its content. */
export interface INodeResponse extends IEntry {
  root: string;
}

export type SortKey = 'name' | 'size' | 'mtime' | 'kind';
export type SortOrder = 'asc' | 'desc';

/** The query of one page of a directory listing. */
export interface IListParams {
  /** Opaque cursor of the next page; omitted (or null) for the first page. */
  cursor?: string | null;
  /** Page size: the server defaults to 200 and caps at 5000. */
  limit?: number;
  sort?: SortKey;
  order?: SortOrder;
  hidden?: boolean;
  filter?: string;
}

/** One page of a directory listing. */
export interface IListResponse {
  path: string;
  contents_path: string | null;
  entries: IEntry[];
  /** Entries in the whole (filtered) listing, not just this page. */
  total: number;
  next_cursor: string | null;
  sort: SortKey;
  order: SortOrder;
}

/** `GET locate`: where a JupyterLab contents path lies among the roots. */
export interface ILocateResponse {
  root: string;
  path: string;
}

export interface IVersionResponse {
  version: string;
  api_version: number;
}

/** An error answered by the server: `code` is stable, `message` is for people. */
export class FileglancerAPIError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
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
        `The server answered ${response.status} ${response.statusText}`
    );
  }
  return body as T;
}

export function getRoots(
  settings?: ServerConnection.ISettings
): Promise<IRootsResponse> {
  return requestAPI<IRootsResponse>('roots', {}, settings);
}

export function getVersion(
  settings?: ServerConnection.ISettings
): Promise<IVersionResponse> {
  return requestAPI<IVersionResponse>('version', {}, settings);
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
    .map(segment => encodeURIComponent(segment))
    .join('/');
}

/** `{root}` or `{root}/{path}`, every segment URL-encoded. */
function rootPath(root: string, path: string): string {
  const encoded = encodePath(path);
  const base = encodeURIComponent(root);
  return encoded ? `${base}/${encoded}` : base;
}

/** The query string of a listing request (empty values are left out). */
export function listQuery(params: IListParams): string {
  const query = new URLSearchParams();
  if (params.cursor) {
    query.set('cursor', params.cursor);
  }
  if (params.limit !== undefined) {
    query.set('limit', String(params.limit));
  }
  if (params.sort) {
    query.set('sort', params.sort);
  }
  if (params.order) {
    query.set('order', params.order);
  }
  if (params.hidden !== undefined) {
    query.set('hidden', params.hidden ? 'true' : 'false');
  }
  if (params.filter) {
    query.set('filter', params.filter);
  }
  return query.toString();
}

/** One page of the directory `path` (relative to `root`). */
export function listDirectory(
  root: string,
  path: string,
  params: IListParams = {},
  settings?: ServerConnection.ISettings
): Promise<IListResponse> {
  const query = listQuery(params);
  const endPoint = `list/${rootPath(root, path)}${query ? `?${query}` : ''}`;
  return requestAPI<IListResponse>(endPoint, {}, settings);
}

/** One entry, its kind confirmed from its content (e.g. TIFF magic bytes). */
export function getNode(
  root: string,
  path: string,
  settings?: ServerConnection.ISettings
): Promise<INodeResponse> {
  return requestAPI<INodeResponse>(
    `node/${rootPath(root, path)}`,
    {},
    settings
  );
}

/**
 * Map a JupyterLab contents path to a root and a root-relative path. Rejects with a
 * 404 FileglancerAPIError (code "not_in_a_root") when no root holds it.
 */
export function locate(
  contentsPath: string,
  settings?: ServerConnection.ISettings
): Promise<ILocateResponse> {
  const query = new URLSearchParams({ path: contentsPath });
  return requestAPI<ILocateResponse>(`locate?${query}`, {}, settings);
}
