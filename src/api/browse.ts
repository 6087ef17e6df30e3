/** Browsing: the roots, directory listings, single entries and contents-path lookups. */
import { APIClient, rootPath } from './client';

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
  | 'ome-tiff'
  | 'tiff-series';

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
  /** Whether the server can draw a preview of it (`thumbnailURL`). */
  previewable: boolean;
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

export interface IBrowseAPI {
  getRoots(): Promise<IRootsResponse>;
  getVersion(): Promise<IVersionResponse>;
  /** One page of the directory `path` (relative to `root`). */
  listDirectory(
    root: string,
    path: string,
    params?: IListParams
  ): Promise<IListResponse>;
  /** One entry, its kind confirmed from its content (e.g. TIFF magic bytes). */
  getNode(root: string, path: string): Promise<INodeResponse>;
  /**
   * Map a JupyterLab contents path to a root and a root-relative path. Rejects with a
   * 404 FileglancerAPIError (code "not_in_a_root") when no root holds it.
   */
  locate(contentsPath: string): Promise<ILocateResponse>;
}

export function browseAPI(client: APIClient): IBrowseAPI {
  return {
    getRoots: () => client.request<IRootsResponse>('roots'),
    getVersion: () => client.request<IVersionResponse>('version'),
    listDirectory: (root, path, params = {}) => {
      const query = listQuery(params);
      return client.request<IListResponse>(
        `list/${rootPath(root, path)}${query ? `?${query}` : ''}`
      );
    },
    getNode: (root, path) =>
      client.request<INodeResponse>(`node/${rootPath(root, path)}`),
    locate: contentsPath => {
      const query = new URLSearchParams({ path: contentsPath });
      return client.request<ILocateResponse>(`locate?${query}`);
    }
  };
}
