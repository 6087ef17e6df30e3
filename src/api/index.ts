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

/** A JSON value as the server parsed it from a metadata file. */
export type JSONValue =
  string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/** One codec of a Zarr array (v3 `codecs`, or a v2 compressor / filter). */
export interface ICodec {
  name: string;
  configuration?: { [key: string]: JSONValue } | null;
}

/** The array half of `GET meta/...`: shape, type, chunking and encoding. */
export interface IArrayMeta {
  zarr_format: number | null;
  shape: number[];
  data_type: JSONValue;
  dtype: string | null;
  itemsize: number | null;
  chunk_shape: number[] | null;
  shard_shape: number[] | null;
  chunks_per_shard: number | null;
  codecs: ICodec[] | null;
  compressor: { [key: string]: JSONValue } | null;
  filters: Array<{ [key: string]: JSONValue }> | null;
  fill_value: JSONValue;
  order: string | null;
  chunk_key_encoding: JSONValue;
  dimension_separator: string | null;
  dimension_names: Array<string | null> | null;
  attributes: { [key: string]: JSONValue } | null;
  chunks_expected: number | null;
  logical_bytes: number | null;
}

/** One member of a group, as its group lists it. */
export interface IGroupMember {
  name: string;
  kind: EntryKind | string;
  shape: number[] | null;
  dtype: string | null;
}

export interface IGroupMeta {
  members: IGroupMember[];
  members_total: number;
  /** Where this page of members starts (absent from older servers: 0). */
  members_offset?: number;
  /** More members follow this page. */
  members_truncated: boolean;
  consolidated: boolean;
}

/** An N5 group's child, as listed in its summary and in `GET members`. */
export interface IN5Child {
  name: string;
  kind: string;
  shape_c_order: number[] | null;
  data_type: string | null;
}

/** `GET members/{root}/{path}?offset=&limit=`: one page of a big group's members (for an
 * N5 group, its children). */
export interface IMembersPage<T = IGroupMember | IN5Child> {
  kind: EntryKind;
  members: T[];
  members_total: number;
  members_offset: number;
  members_truncated: boolean;
  consolidated: boolean;
  problems: Array<{ file: string; message: string }>;
}

/** A number with its unit ("micrometer", "nm", ...). */
export interface IQuantity {
  value: number;
  unit: string | null;
}

export interface IOmeAxis {
  name: string;
  type: string | null;
  unit: string | null;
}

/** One resolution level of a multiscale image. */
export interface IOmeDataset {
  path: string;
  shape: number[] | null;
  chunks: number[] | null;
  shard_shape: number[] | null;
  dtype: string | null;
  codecs: ICodec[] | null;
  fill_value: JSONValue;
  chunks_expected: number | null;
  logical_bytes: number | null;
  scale: number[] | null;
  translation: number[] | null;
  world_scale: number[] | null;
  world_translation: number[] | null;
  /** Per spatial axis name. */
  pixel_size: { [axis: string]: IQuantity } | null;
}

export interface IOmeMultiscale {
  name: string | null;
  version: string | null;
  type: string | null;
  axes: IOmeAxis[];
  axes_inferred: boolean;
  datasets: IOmeDataset[];
  coordinate_transformations: JSONValue;
  time_spacing: IQuantity | number | null;
  metadata: JSONValue;
}

/** One omero channel; writers may add wavelength keys (`emission_wavelength`, ...). */
export interface IOmeroChannel {
  label: string | null;
  color: string | null;
  active: boolean | null;
  window: {
    min?: number | null;
    max?: number | null;
    start?: number | null;
    end?: number | null;
  } | null;
  family: string | null;
  coefficient: number | null;
  inverted: boolean | null;
  [wavelength: string]: JSONValue;
}

export interface IOmero {
  name: string | null;
  id: number | string | null;
  channels: IOmeroChannel[];
  rdefs: {
    defaultZ: number | null;
    defaultT: number | null;
    model: string | null;
  };
}

export interface IOmeLabel {
  name: string;
  version?: string | null;
  colors?: JSONValue;
  properties?: JSONValue;
  source?: JSONValue;
}

export interface IOmePlate {
  name: string | null;
  version: string | null;
  rows: Array<string | null>;
  columns: Array<string | null>;
  wells: Array<{
    path: string | null;
    rowIndex: number | null;
    columnIndex: number | null;
  }>;
  wells_total: number;
  acquisitions: JSONValue;
  field_count: number | null;
}

export interface IOmeWell {
  version: string | null;
  images: Array<{ path: string | null; acquisition: number | null }>;
}

/** One image of a bioformats2raw OME-XML. */
export interface IOmeXmlImage {
  id: string | null;
  name: string | null;
  acquisition_date: string | null;
  dimension_order: string | null;
  size: { [axis: string]: number | null };
  type: string | null;
  physical_size: { [axis: string]: IQuantity | null };
  channels: Array<{
    id: string | null;
    name: string | null;
    emission_wavelength: IQuantity | null;
    excitation_wavelength: IQuantity | null;
    fluor: string | null;
  }>;
  objective: {
    instrument: string | null;
    id: string | null;
    model: string | null;
    manufacturer: string | null;
    nominal_magnification: number | null;
    lens_na: number | null;
    immersion: string | null;
  } | null;
}

export interface IBioformats2raw {
  layout: JSONValue;
  series: Array<string | number>;
  series_total: number;
  series_source: string;
  ome_xml: {
    images: IOmeXmlImage[];
    images_total: number;
    instruments: number;
  } | null;
}

/** The OME-NGFF half of `GET meta/...`. */
export interface IOmeMeta {
  version: string | null;
  multiscales: IOmeMultiscale[] | null;
  omero: IOmero | null;
  labels: IOmeLabel[] | null;
  image_label: IOmeLabel | null;
  plate: IOmePlate | null;
  well: IOmeWell | null;
  bioformats2raw: IBioformats2raw | null;
}

/** One finding of the OME-NGFF validator. */
export interface IValidationIssue {
  file: string | null;
  pointer: string | null;
  message: string;
  source: string | null;
  location: string | null;
}

export interface IValidation {
  valid: boolean;
  version: string | null;
  kind: string | null;
  zarr_format: number | null;
  schema: string | null;
  errors: IValidationIssue[];
  warnings: IValidationIssue[];
}

/** One resolution level of a TIFF series (level 0 first). */
export interface ITiffLevel {
  level: number;
  shape: number[];
  tile: number[] | null;
  rows_per_strip: number | null;
  compression: string | null;
  predictor: string | null;
  photometric: string | null;
  planar: string | null;
  subifd: boolean;
}

/** One image series of a TIFF file. */
export interface ITiffSeries {
  index: number;
  name: string | null;
  kind: string | null;
  /** tifffile's axes string ("CZYX"), and the same as lowercase names. */
  axes: string;
  dims: string[];
  shape: number[];
  dtype: string | null;
  logical_bytes: number | null;
  levels: ITiffLevel[];
  pixel_size: { [axis: string]: IQuantity } | null;
  channels: Array<{
    name: string | null;
    color: string | null;
    emission_wavelength: IQuantity | null;
    excitation_wavelength: IQuantity | null;
  }>;
}

/** The TIFF half of `GET meta/...` for TIFF and OME-TIFF files. */
export interface ITiffMeta {
  byteorder: string;
  bigtiff: boolean;
  file_size: number;
  flavors: string[];
  series_total: number;
  series: ITiffSeries[];
  ome_xml: { images: IOmeXmlImage[]; images_total: number } | null;
  imagej: { [key: string]: JSONValue } | null;
}

/** A conversion that fixes a health warning, for the Convert form to start from. */
export interface IHealthFix {
  kind: ConversionKind;
  options: IConversionOptions;
}

/** Why a valid dataset is still slow or hard to view, and how to fix it. */
export interface IHealthWarning {
  code: string;
  severity: 'warning' | 'info';
  message: string;
  fix: IHealthFix | null;
}

/** `GET meta/{root}/{path}`: everything the metadata files of a dataset say. */
export interface IMetaResponse {
  kind: EntryKind;
  zarr_format: number | null;
  ome_version: string | null;
  root: string;
  path: string;
  array: IArrayMeta | null;
  group: IGroupMeta | null;
  ome: IOmeMeta | null;
  n5: { [key: string]: JSONValue } | null;
  /** Each metadata file (relative path) parsed, or null when unreadable. */
  raw: { [file: string]: JSONValue };
  problems: Array<{ file: string; message: string }>;
  validation: IValidation | null;
  /** Health warnings (absent from older servers). */
  health?: IHealthWarning[];
  /** TIFF and OME-TIFF files (absent from older servers). */
  tiff?: ITiffMeta | null;
}

/** The storage figures of a dataset or of one of its levels. */
export interface IStorageFigures {
  stored_bytes: number;
  allocated_bytes: number;
  files: number;
  chunk_files: number;
  chunks_expected: number | null;
  chunks_missing: number | null;
  logical_bytes: number | null;
  compression_ratio: number | null;
}

export interface IStatsDone extends IStorageFigures {
  state: 'done';
  levels?: Array<IStorageFigures & { path: string }> | null;
}

export interface IStatsComputing {
  state: 'computing';
  files_seen: number;
  bytes_seen: number;
  started: number;
}

/** `GET stats/{root}/{path}`: done, or still walking a large dataset. */
export type IStatsResponse = IStatsDone | IStatsComputing;

/** The metadata summary of the dataset at `path`. */
export function getMeta(
  root: string,
  path: string,
  settings?: ServerConnection.ISettings
): Promise<IMetaResponse> {
  return requestAPI<IMetaResponse>(
    `meta/${rootPath(root, path)}`,
    {},
    settings
  );
}

/** Up to `limit` members of the group at `path`, from the `offset`-th (name order). */
export function getMembers(
  root: string,
  path: string,
  offset: number,
  limit = 200,
  settings?: ServerConnection.ISettings
): Promise<IMembersPage> {
  return requestAPI<IMembersPage>(
    `members/${rootPath(root, path)}?offset=${offset}&limit=${limit}`,
    {},
    settings
  );
}

/** Storage statistics of the dataset at `path` (poll while `state` is "computing"). */
export function getStats(
  root: string,
  path: string,
  settings?: ServerConnection.ISettings
): Promise<IStatsResponse> {
  return requestAPI<IStatsResponse>(
    `stats/${rootPath(root, path)}`,
    {},
    settings
  );
}

/** The URL of a PNG preview (longer edge `size` pixels), for an `<img>`. */
export function thumbnailURL(
  root: string,
  path: string,
  size = 256,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  const url = URLExt.join(
    settings.baseUrl,
    'fileglancer',
    'api',
    'thumbnail',
    rootPath(root, path)
  );
  return `${url}?size=${size}`;
}

/** A data link: a public, read-only URL of one dataset (see the README's Share links). */
export interface IShareLink {
  id: string;
  token: string;
  owner: string;
  root: string;
  path: string;
  label: string | null;
  /** ISO 8601 times (UTC); `expires` null for never. */
  created: string;
  expires: string | null;
  last_access: string | null;
  revoked: boolean;
  active: boolean;
  /** The public URL of the shared folder (ends in "/"). */
  url: string;
  /** Whether the shared path still exists. */
  target_exists: boolean | null;
}

export interface ICreateLinkRequest {
  root: string;
  path: string;
  /** Seconds until the link stops working; omitted or null for never. */
  expires_in?: number | null;
  label?: string | null;
}

/** The user's active data links, all of them or those of one (root, path). */
export async function listLinks(
  filter?: { root: string; path: string },
  settings?: ServerConnection.ISettings
): Promise<IShareLink[]> {
  const query = filter ? `?${new URLSearchParams(filter)}` : '';
  const answer = await requestAPI<{ links: IShareLink[] }>(
    `links${query}`,
    {},
    settings
  );
  return answer.links;
}

export function createLink(
  request: ICreateLinkRequest,
  settings?: ServerConnection.ISettings
): Promise<IShareLink> {
  return requestAPI<IShareLink>(
    'links',
    { method: 'POST', body: JSON.stringify(request) },
    settings
  );
}

/** Change a link's label or expiry (`expires_in` null: never expires). */
export function updateLink(
  id: string,
  changes: { label?: string | null; expires_in?: number | null },
  settings?: ServerConnection.ISettings
): Promise<IShareLink> {
  return requestAPI<IShareLink>(
    `links/${encodeURIComponent(id)}`,
    { method: 'PATCH', body: JSON.stringify(changes) },
    settings
  );
}

/** Revoke a link for good: its URL stops working at once. */
export function revokeLink(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<IShareLink> {
  return requestAPI<IShareLink>(
    `links/${encodeURIComponent(id)}`,
    { method: 'DELETE' },
    settings
  );
}

export interface IViewerLink {
  name: string;
  url: string;
}

export interface ICodeSnippet {
  language: string;
  title: string;
  code: string;
  /** Whether the code reads the local path or the data link. */
  target: 'local' | 'link';
}

/** `GET viewers/{root}/{path}`: viewers (with a data link), snippets and path forms. */
export interface IViewersResponse {
  kind: EntryKind;
  /** The dataset's data link URL, or null when it has none. */
  data_url: string | null;
  link: IShareLink | null;
  viewers: IViewerLink[];
  snippets: ICodeSnippet[];
  paths: { linux: string; mac: string | null; windows: string | null };
}

export function getViewers(
  root: string,
  path: string,
  settings?: ServerConnection.ISettings
): Promise<IViewersResponse> {
  return requestAPI<IViewersResponse>(
    `viewers/${rootPath(root, path)}`,
    {},
    settings
  );
}

/** Where a conversion reads or writes: a path of a root. */
export interface IJobLocation {
  root: string;
  path: string;
}

/** The conversion kinds the server runs ("auto": chosen from the source and destination). */
export type ConversionKind =
  | 'auto'
  | 'tiff-to-ome-zarr'
  | 'czi-to-ome-zarr'
  | 'zarr-to-tiff'
  | 'recompress'
  | 'extract-level';

/** Conversion options; every key is optional and has the server's default. */
export interface IConversionOptions {
  ngff_version?: '0.4' | '0.5';
  chunks?: number[] | null;
  shards?: number[] | null;
  codec?: string;
  compression_level?: number;
  levels?: number | null;
  downsampling?: 'mean' | 'mode' | 'nearest' | null;
  labels?: boolean;
  series?: number;
  level?: number | null;
  overwrite?: boolean;
  tiff_compression?: string;
  ome_tiff?: boolean;
}

export type JobState =
  'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** A conversion job as the server reports it. */
export interface IJob {
  id: string;
  owner: string;
  kind: ConversionKind;
  source: IJobLocation;
  destination: IJobLocation;
  options: IConversionOptions;
  state: JobState;
  /** 0 to 1. */
  progress: number;
  bytes_done: number | null;
  bytes_total: number | null;
  stage: string | null;
  eta_seconds: number | null;
  error: { code: string; message: string } | null;
  created: string;
  started: string | null;
  finished: string | null;
  result: { [key: string]: JSONValue } | null;
}

export interface ISubmitJobRequest {
  kind: ConversionKind;
  source: IJobLocation;
  destination: IJobLocation;
  options: IConversionOptions;
}

export function submitJob(
  request: ISubmitJobRequest,
  settings?: ServerConnection.ISettings
): Promise<IJob> {
  return requestAPI<IJob>(
    'jobs',
    { method: 'POST', body: JSON.stringify(request) },
    settings
  );
}

/** The user's jobs, newest first. */
export async function listJobs(
  settings?: ServerConnection.ISettings
): Promise<IJob[]> {
  return (await requestAPI<{ jobs: IJob[] }>('jobs', {}, settings)).jobs;
}

/** Cancel a queued or running job; nothing it wrote is left behind. */
export function cancelJob(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<IJob> {
  return requestAPI<IJob>(
    `jobs/${encodeURIComponent(id)}`,
    { method: 'DELETE' },
    settings
  );
}

/** A short, public redirect to a (long) viewer URL. */
export interface IShortLink {
  key: string;
  url: string;
  label: string | null;
  created: string;
  updated: string;
  /** The public address that redirects to `url`. */
  short_url: string;
}

export function createShortLink(
  request: { url: string; label?: string | null },
  settings?: ServerConnection.ISettings
): Promise<IShortLink> {
  return requestAPI<IShortLink>(
    'short-links',
    { method: 'POST', body: JSON.stringify(request) },
    settings
  );
}
