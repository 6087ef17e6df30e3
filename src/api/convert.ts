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

/**
 * Metadata an OME-Zarr output says over what the source says: pixel sizes and units by
 * axis ("t", "z", "y", "x"; a unit also for "space", every space axis), the axes' names in
 * order as letters of "tczyx" ("cyx": a plain TIFF's pages are channels), the image's name,
 * and the channels' labels and colours (RRGGBB) in channel order.
 */
export interface IConversionMetadata {
  pixel_sizes?: { [axis: string]: number };
  units?: { [axis: string]: string };
  axis_names?: string;
  image_name?: string;
  channel_labels?: string[];
  channel_colors?: string[];
}

/** Conversion options; every key is optional and has the server's default. */
export interface IConversionOptions extends IConversionMetadata {
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
