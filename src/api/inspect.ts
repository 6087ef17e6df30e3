/** Inspection: a dataset's metadata, its group members, storage statistics and preview. */
import type { EntryKind } from './browse';
import { APIClient, JSONValue, rootPath } from './client';
import type { ConversionKind, IConversionOptions } from './convert';
import type { IEditable } from './edit';

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

/** A fix made in place: channel windows from the data, or the editor open at a field. */
export type IEditFix =
  { action: 'auto_contrast' } | { action: 'edit'; field: string };

/** Whether a health warning's fix is a conversion (else an edit in place). */
export function isConversionFix(fix: IHealthFix | IEditFix): fix is IHealthFix {
  return 'kind' in fix;
}

/** Why a valid dataset is still slow or hard to view, and how to fix it. */
export interface IHealthWarning {
  code: string;
  severity: 'warning' | 'info';
  message: string;
  fix: IHealthFix | IEditFix | null;
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
  /** A folder of numbered TIFF planes (absent from older servers). */
  series?: IFileSeriesMeta | null;
  /** The fields of an OME-Zarr image the editor may change (absent for other kinds). */
  editable?: IEditable | null;
}

/** A folder of TIFF planes, one file per (t, c, z), named by `pattern`. */
export interface IFileSeriesMeta {
  pattern: string;
  /** Whether the server guessed the pattern from the names. */
  guessed: boolean;
  /** OME order, "czyx": the pattern's axes, then the plane's. */
  axes: string;
  sizes: { [axis: string]: number };
  starts: { [axis: string]: number };
  plane_shape: number[] | null;
  dtype: string | null;
  file_count: number;
  /** A gap, a duplicate or an unreadable plane, naming the file. */
  problem: string | null;
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

export interface IInspectAPI {
  /** The metadata summary of the dataset at `path`. */
  getMeta(root: string, path: string): Promise<IMetaResponse>;
  /** Up to `limit` members of the group at `path`, from the `offset`-th (name order). */
  getMembers(
    root: string,
    path: string,
    offset: number,
    limit?: number
  ): Promise<IMembersPage>;
  /** Storage statistics of the dataset at `path` (poll while `state` is "computing"). */
  getStats(root: string, path: string): Promise<IStatsResponse>;
  /**
   * The URL of a PNG preview (longer edge `size` pixels), for an `<img>`; a new `version`
   * (the metadata's ETag after an edit) makes a new URL, so no cache serves the old one.
   */
  thumbnailURL(
    root: string,
    path: string,
    size?: number,
    version?: string
  ): string;
}

export function inspectAPI(client: APIClient): IInspectAPI {
  return {
    getMeta: (root, path) =>
      client.request<IMetaResponse>(`meta/${rootPath(root, path)}`),
    getMembers: (root, path, offset, limit = 200) =>
      client.request<IMembersPage>(
        `members/${rootPath(root, path)}?offset=${offset}&limit=${limit}`
      ),
    getStats: (root, path) =>
      client.request<IStatsResponse>(`stats/${rootPath(root, path)}`),
    thumbnailURL: (root, path, size = 256, version) =>
      `${client.url(`thumbnail/${rootPath(root, path)}`)}?size=${size}` +
      (version ? `&v=${encodeURIComponent(version)}` : '')
  };
}
