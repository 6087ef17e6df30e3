/** What a conversion is: its kind, source, destination and options (run as a job). */

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
  | 'series-to-ome-zarr'
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
  /** A series or scene, or 'all' (unset: all of a multi-series OME-TIFF or CZI). */
  series?: number | 'all';
  /** A folder of TIFF planes: their names, e.g. 'img_t{t}_z{z}_c{c}.tif' (unset: guessed). */
  pattern?: string | null;
  level?: number | null;
  overwrite?: boolean;
  tiff_compression?: string;
  ome_tiff?: boolean;
}

export interface ISubmitJobRequest {
  kind: ConversionKind;
  source: IJobLocation;
  destination: IJobLocation;
  options: IConversionOptions;
}
