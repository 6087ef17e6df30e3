/**
 * The figures the Overview shows, gathered from whichever part of a metadata summary
 * describes the dataset's main array: the array itself (Zarr), the first (full-resolution)
 * level of an OME-Zarr image in its declared order, or an N5 dataset. Pure, so the panel
 * and the tests agree on what "the shape" of a pyramid is.
 */
import type {
  ICodec,
  IMetaResponse,
  IOmeMultiscale,
  IQuantity,
  JSONValue
} from '../api';
import { trimNumber } from '../common/format';
import { channelColor, unitSymbol } from './format';

export interface IArrayFacts {
  /** Where the figures come from: "array", the level path of an image, or "n5". */
  source: string;
  shape: number[] | null;
  /** One name per dimension, or null when the metadata names none. */
  dimensionNames: Array<string | null> | null;
  dtype: string | null;
  chunks: number[] | null;
  shards: number[] | null;
  codecs: ICodec[] | null;
  fillValue: JSONValue | undefined;
  /** How many chunk (or shard) files the shape and chunking imply. */
  chunksExpected: number | null;
  logicalBytes: number | null;
}

/** The first multiscale image of an OME-Zarr, if it declares one. */
export function firstMultiscale(meta: IMetaResponse): IOmeMultiscale | null {
  const multiscales = meta.ome?.multiscales;
  return multiscales && multiscales.length > 0 ? multiscales[0] : null;
}

/** The main array's figures, or null for a dataset without one (a plate, a group). */
export function arrayFacts(meta: IMetaResponse): IArrayFacts | null {
  const array = meta.array;
  if (array) {
    return {
      source: 'array',
      shape: array.shape,
      dimensionNames: array.dimension_names,
      dtype: array.dtype,
      chunks: array.chunk_shape,
      shards: array.shard_shape,
      codecs: array.codecs,
      fillValue: array.fill_value,
      chunksExpected: array.chunks_expected,
      logicalBytes: array.logical_bytes
    };
  }
  const multiscale = firstMultiscale(meta);
  const level = multiscale?.datasets[0];
  if (multiscale && level) {
    return {
      source: level.path,
      shape: level.shape,
      dimensionNames: multiscale.axes.map(axis => axis.name),
      dtype: level.dtype,
      chunks: level.chunks,
      shards: level.shard_shape,
      codecs: level.codecs,
      fillValue: level.fill_value,
      chunksExpected: level.chunks_expected,
      logicalBytes: level.logical_bytes
    };
  }
  const series = meta.tiff?.series[0];
  if (series) {
    const level = series.levels[0];
    const tile = level?.tile ?? null;
    return {
      source: 'tiff',
      shape: series.shape,
      dimensionNames: series.dims,
      dtype: series.dtype,
      chunks: tile ? tiffChunks(series.dims, series.shape, tile) : null,
      shards: null,
      codecs: level?.compression
        ? [{ name: level.compression, configuration: null }]
        : null,
      fillValue: undefined,
      chunksExpected: null,
      logicalBytes: series.logical_bytes
    };
  }
  const n5 = meta.n5 as {
    dataset?: { [key: string]: JSONValue } | null;
    group?: {
      multiscale?: {
        levels?: Array<{
          path: string;
          shape_c_order: number[] | null;
          block_shape_c_order?: number[] | null;
          data_type: string | null;
        }>;
      } | null;
    } | null;
  } | null;
  const first = n5?.group?.multiscale?.levels?.[0];
  if (first) {
    // An N5 pyramid: the figures of its full-resolution level, as for an OME-Zarr image.
    return {
      source: first.path,
      shape: first.shape_c_order,
      dimensionNames: null,
      dtype: first.data_type,
      chunks: first.block_shape_c_order ?? null,
      shards: null,
      codecs: null,
      fillValue: undefined,
      chunksExpected: null,
      logicalBytes: null
    };
  }
  const dataset = n5?.dataset;
  if (dataset) {
    const compression = dataset.compression as {
      type?: string;
      settings?: { [key: string]: JSONValue };
    } | null;
    return {
      source: 'n5',
      shape: (dataset.shape_c_order as number[] | null) ?? null,
      dimensionNames: null,
      dtype: (dataset.dtype as string | null) ?? null,
      chunks: (dataset.block_shape_c_order as number[] | null) ?? null,
      shards: null,
      codecs: compression?.type
        ? [
            {
              name: compression.type,
              configuration: compression.settings ?? null
            }
          ]
        : null,
      fillValue: undefined,
      chunksExpected: (dataset.chunks_expected as number | null) ?? null,
      logicalBytes: (dataset.logical_bytes as number | null) ?? null
    };
  }
  return null;
}

/**
 * The spatial pixel size of one level: "2 × 0.5 × 0.5 µm" (in the order of `axes`) when
 * every axis has the same unit, otherwise "z 2 µm, y 0.5 nm"; "—" when unknown.
 */
export function pixelSizeText(
  pixelSize: { [axis: string]: IQuantity } | null,
  axes: string[]
): string {
  const sizes = axes
    .filter(axis => pixelSize && axis in pixelSize)
    .map(axis => ({ axis, ...pixelSize![axis] }));
  if (sizes.length === 0) {
    return '—';
  }
  const units = new Set(sizes.map(size => size.unit ?? ''));
  if (units.size === 1) {
    const unit = unitSymbol(sizes[0].unit);
    const values = sizes.map(size => trimNumber(size.value, 6)).join(' × ');
    return unit ? `${values} ${unit}` : values;
  }
  return sizes
    .map(size =>
      `${size.axis} ${trimNumber(size.value, 6)} ${unitSymbol(size.unit)}`.trim()
    )
    .join(', ');
}

/** Wavelength-like extra keys a writer may put on an omero channel. */
export function channelWavelengths(channel: {
  [key: string]: JSONValue;
}): Array<{ key: string; value: JSONValue }> {
  return Object.entries(channel)
    .filter(([key]) => /wavelength/i.test(key))
    .map(([key, value]) => ({ key, value }));
}

/**
 * The chunk of a TIFF series that one tile holds: the tile's (y, x), all samples of a
 * pixel (RGB "s"), one of every other axis.
 */
export function tiffChunks(
  dims: string[],
  shape: number[],
  tile: number[]
): number[] {
  const [tileY, tileX] = tile.slice(-2);
  return dims.map((dim, i) => {
    if (dim === 'y') {
      return tileY;
    }
    if (dim === 'x') {
      return tileX;
    }
    return dim === 's' ? shape[i] : 1;
  });
}

/** N5's `pixelResolution` (`{dimensions, unit}` or a bare list). */
export interface IN5Resolution {
  dimensions?: number[] | null;
  unit?: string | null;
}

/** The spatial axis names of an array of `ndim` axes in C order, as OME names them. */
export function zyxNames(ndim: number | null | undefined): string[] {
  return ['z', 'y', 'x'].slice(Math.max(0, 3 - (ndim ?? 3)));
}

/**
 * An N5 pixel resolution, stored fastest axis first (x, y, z), in the C order every
 * other figure of the inspector uses, with OME's unit symbols: "1 × 0.25 × 0.25 µm".
 */
export function n5ResolutionText(
  resolution: IN5Resolution | null | undefined
): string {
  const dims = resolution?.dimensions;
  if (!Array.isArray(dims) || dims.length === 0) {
    return '—';
  }
  const axes = zyxNames(dims.length);
  const sizes: { [axis: string]: IQuantity } = {};
  [...dims].reverse().forEach((value, i) => {
    sizes[axes[i] ?? `d${i}`] = { value, unit: resolution?.unit ?? null };
  });
  return pixelSizeText(sizes, Object.keys(sizes));
}

/** The pixel size of the full-resolution level with its axes ("z, y, x"), or null. */
export function fullResolutionPixelSize(
  meta: IMetaResponse
): { axes: string[]; text: string } | null {
  const multiscale = firstMultiscale(meta);
  const level = multiscale?.datasets[0];
  if (multiscale && level?.pixel_size) {
    const axes = multiscale.axes
      .filter(axis => axis.type === 'space')
      .map(axis => axis.name);
    return { axes, text: pixelSizeText(level.pixel_size, axes) };
  }
  const series = meta.tiff?.series[0];
  if (series?.pixel_size) {
    const axes = series.dims.filter(dim => ['z', 'y', 'x'].includes(dim));
    return { axes, text: pixelSizeText(series.pixel_size, axes) };
  }
  const n5 = meta.n5 as {
    dataset?: { pixel_resolution?: IN5Resolution | null } | null;
    group?: { multiscale?: { pixel_resolution?: IN5Resolution | null } | null };
  } | null;
  const resolution =
    n5?.dataset?.pixel_resolution ?? n5?.group?.multiscale?.pixel_resolution;
  const dims = resolution?.dimensions;
  if (Array.isArray(dims) && dims.length > 0) {
    return { axes: zyxNames(dims.length), text: n5ResolutionText(resolution) };
  }
  return null;
}

/** The channels of an image (omero or TIFF/OME-XML): names and CSS colours. */
export function imageChannels(
  meta: IMetaResponse
): Array<{ name: string; color: string | null }> {
  const omero = meta.ome?.omero?.channels;
  if (omero && omero.length > 0) {
    return omero.map((channel, i) => ({
      name: channel.label ?? `Channel ${i}`,
      color: channelColor(channel.color)
    }));
  }
  const tiff = meta.tiff?.series[0]?.channels ?? [];
  return tiff.map((channel, i) => ({
    name: channel.name ?? `Channel ${i}`,
    color: channelColor(channel.color)
  }));
}
