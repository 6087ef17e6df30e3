/**
 * The Convert form's optional metadata (pixel sizes, units, axis names, channel labels
 * and colours) as typed, and the `metadata` option of the job built from it, so a plain
 * TIFF becomes a described OME-Zarr, or a wrong pixel size is corrected on the way.
 */
import type { IConversionMetadata } from '../api';
import {
  normalizeColor,
  SPACE_UNITS,
  TIME_UNITS
} from '../inspector/metadataEditor';

/** One channel row of the form: a label and a colour (RRGGBB, "" for none). */
export interface IChannelValues {
  label: string;
  color: string;
}

/** The metadata part of the form, as typed ("" everywhere: the source's own). */
export interface IMetadataValues {
  /** "z=2, y=0.5, x=0.5". */
  pixelSizes: string;
  /** "micrometer" (every axis given a pixel size) or "z=micrometer, t=second". */
  units: string;
  /** "t, c, z, y, x". */
  axisNames: string;
  channels: IChannelValues[];
}

export const NO_METADATA: IMetadataValues = {
  pixelSizes: '',
  units: '',
  axisNames: '',
  channels: []
};

/** "z=2, y=0.5" -> [["z", "2"], ["y", "0.5"]]; null when a part has no "=". */
function pairs(text: string): Array<[string, string]> | null {
  const parts = text
    .split(/[,;]/)
    .map(part => part.trim())
    .filter(Boolean);
  const result: Array<[string, string]> = [];
  for (const part of parts) {
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(part);
    if (!match) {
      return null;
    }
    result.push([match[1], match[2]]);
  }
  return result;
}

/** The `metadata` option, undefined when nothing is given, or the first problem. */
export function buildMetadata(
  values: IMetadataValues
): IConversionMetadata | undefined | string {
  const metadata: IConversionMetadata = {};
  const sizes = pairs(values.pixelSizes);
  if (sizes === null) {
    return 'Pixel sizes: write them as z=2, y=0.5, x=0.5.';
  }
  if (sizes.length > 0) {
    metadata.pixel_sizes = {};
    for (const [axis, text] of sizes) {
      const size = Number(text);
      if (!Number.isFinite(size) || size <= 0) {
        return `Pixel sizes: ${axis}=${text} is not a number above 0.`;
      }
      metadata.pixel_sizes[axis] = size;
    }
  }
  const unitText = values.units.trim();
  if (unitText) {
    const known = [...SPACE_UNITS, ...TIME_UNITS];
    const byAxis: Array<[string, string]> | null = unitText.includes('=')
      ? pairs(unitText)
      : sizes.map(([axis]) => [axis, unitText]);
    if (byAxis === null) {
      return 'Units: write one unit, or them as z=micrometer, t=second.';
    }
    if (byAxis.length === 0) {
      return 'Units: name the axes (z=micrometer), or give pixel sizes.';
    }
    metadata.units = {};
    for (const [axis, unit] of byAxis) {
      if (!known.includes(unit)) {
        return `Units: "${unit}" is not an OME-NGFF unit (micrometer, nanometer, second...).`;
      }
      metadata.units[axis] = unit;
    }
  }
  const names = values.axisNames
    .split(/[\s,]+/)
    .map(name => name.trim())
    .filter(Boolean);
  if (names.length > 0) {
    if (new Set(names).size !== names.length) {
      return 'Axis names: each name once.';
    }
    metadata.axis_names = names;
  }
  const channels: NonNullable<IConversionMetadata['channels']> = [];
  for (const [index, channel] of values.channels.entries()) {
    const entry: { index: number; label?: string; color?: string } = { index };
    if (channel.label.trim()) {
      entry.label = channel.label.trim();
    }
    if (channel.color) {
      const color = normalizeColor(channel.color);
      if (!color) {
        return `Channel ${index}: a colour is RRGGBB in hexadecimal.`;
      }
      entry.color = color;
    }
    if (entry.label !== undefined || entry.color !== undefined) {
      channels.push(entry);
    }
  }
  if (channels.length > 0) {
    metadata.channels = channels;
  }
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

/** The form's metadata values for an option given (a preset), the reverse of `buildMetadata`. */
export function metadataValues(
  metadata: IConversionMetadata | undefined
): IMetadataValues {
  if (!metadata) {
    return NO_METADATA;
  }
  const join = (map: { [axis: string]: number | string } | undefined) =>
    Object.entries(map ?? {})
      .map(([axis, value]) => `${axis}=${value}`)
      .join(', ');
  const channels: IChannelValues[] = [];
  for (const channel of metadata.channels ?? []) {
    while (channels.length <= channel.index) {
      channels.push({ label: '', color: '' });
    }
    channels[channel.index] = {
      label: channel.label ?? '',
      color: normalizeColor(channel.color)
    };
  }
  return {
    pixelSizes: join(metadata.pixel_sizes),
    units: join(metadata.units),
    axisNames: (metadata.axis_names ?? []).join(', '),
    channels
  };
}
