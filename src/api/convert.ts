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
  | 'zarr-to-tiff'
  | 'recompress'
  | 'extract-level';

/**
 * Metadata to write into an OME-Zarr output, over what the source says: pixel sizes and
 * units by axis name, the axis names in order, channel labels and colours (RRGGBB).
 */
export interface IConversionMetadata {
  pixel_sizes?: { [axis: string]: number };
  units?: { [axis: string]: string };
  axis_names?: string[];
  channels?: Array<{ index: number; label?: string; color?: string }>;
}

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
  metadata?: IConversionMetadata;
}

export interface ISubmitJobRequest {
  kind: ConversionKind;
  source: IJobLocation;
  destination: IJobLocation;
  options: IConversionOptions;
}
