/**
 * The Convert form's optional metadata (pixel sizes, units, axis names, image name,
 * channel labels and colours) as typed, and the job options built from it, so a plain TIFF
 * becomes a described OME-Zarr, or a wrong pixel size is corrected on the way. The server
 * checks them again against the source (an axis it lacks, more channels than it has).
 */
import type { IConversionMetadata } from '../api';
import {
  normalizeColor,
  SPACE_UNITS,
  TIME_UNITS
} from '../inspector/metadataEditor';

/** The axes of an OME-Zarr output, in their order. */
const OME_ORDER = 'tczyx';

/** One channel row of the form: a label and a colour (RRGGBB). */
export interface IChannelValues {
  label: string;
  color: string;
}

/** The metadata part of the form, as typed ("" everywhere: the source's own). */
export interface IMetadataValues {
  /** "z=2, y=0.5, x=0.5". */
  pixelSizes: string;
  /** "micrometer" (every space axis) or "z=micrometer, t=second". */
  units: string;
  /** "c, y, x" or "cyx". */
  axisNames: string;
  imageName: string;
  channels: IChannelValues[];
}

export const NO_METADATA: IMetadataValues = {
  pixelSizes: '',
  units: '',
  axisNames: '',
  imageName: '',
  channels: []
};

/** The colour a new channel row starts with: blue, green, red, magenta, cyan, yellow. */
export function defaultChannelColor(index: number): string {
  const colors = ['0000FF', '00FF00', 'FF0000', 'FF00FF', '00FFFF', 'FFFF00'];
  return colors[index] ?? 'FFFFFF';
}

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

/** The metadata options (none when nothing is given), or the first problem. */
export function buildMetadata(
  values: IMetadataValues
): IConversionMetadata | string {
  const metadata: IConversionMetadata = {};
  const sizes = pairs(values.pixelSizes);
  if (sizes === null) {
    return 'Pixel sizes: write them as z=2, y=0.5, x=0.5.';
  }
  for (const [axis, text] of sizes) {
    const size = Number(text);
    if (!'tzyx'.includes(axis) || axis.length !== 1) {
      return `Pixel sizes: ${axis} is not one of the axes t, z, y, x.`;
    }
    if (!Number.isFinite(size) || size <= 0) {
      return `Pixel sizes: ${axis}=${text} is not a number above 0.`;
    }
    metadata.pixel_sizes = { ...metadata.pixel_sizes, [axis]: size };
  }
  const unitText = values.units.trim();
  if (unitText) {
    const byAxis = unitText.includes('=')
      ? pairs(unitText)
      : [['space', unitText] as [string, string]];
    if (byAxis === null) {
      return 'Units: write one unit, or them as z=micrometer, t=second.';
    }
    for (const [axis, unit] of byAxis) {
      if (!['space', 't', 'z', 'y', 'x'].includes(axis)) {
        return `Units: ${axis} is not one of the axes t, z, y, x.`;
      }
      const time = axis === 't';
      if (!(time ? TIME_UNITS : SPACE_UNITS).includes(unit)) {
        return `Units: "${unit}" is not an OME-NGFF ${time ? 'time' : 'length'} unit (${time ? 'second' : 'micrometer'}, ...).`;
      }
      metadata.units = { ...metadata.units, [axis]: unit };
    }
  }
  const names = values.axisNames.replace(/[\s,]+/g, '').toLowerCase();
  if (names) {
    const order = [...names].map(name => OME_ORDER.indexOf(name));
    const sorted = [...order].sort((a, b) => a - b);
    if (
      new Set(names).size !== names.length ||
      order.includes(-1) ||
      order.some((at, i) => at !== sorted[i])
    ) {
      return 'Axis names: letters of t, c, z, y, x, each once, in that order.';
    }
    metadata.axis_names = names;
  }
  if (values.imageName.trim()) {
    metadata.image_name = values.imageName.trim();
  }
  if (values.channels.length > 0) {
    const labels: string[] = [];
    const colors: string[] = [];
    for (const [index, channel] of values.channels.entries()) {
      if (!channel.label.trim()) {
        return `Channel ${index}: give it a label.`;
      }
      const color = normalizeColor(channel.color);
      if (!color) {
        return `Channel ${index}: a colour is RRGGBB in hexadecimal.`;
      }
      labels.push(channel.label.trim());
      colors.push(color);
    }
    metadata.channel_labels = labels;
    metadata.channel_colors = colors;
  }
  return metadata;
}

/** The form's metadata values for options given (a preset), the reverse of `buildMetadata`. */
export function metadataValues(options: IConversionMetadata): IMetadataValues {
  const join = (map: { [axis: string]: number | string } | undefined) =>
    Object.entries(map ?? {})
      .map(([axis, value]) => `${axis}=${value}`)
      .join(', ');
  const units = options.units ?? {};
  const labels = options.channel_labels ?? [];
  const colors = options.channel_colors ?? [];
  return {
    pixelSizes: join(options.pixel_sizes),
    units:
      Object.keys(units).length === 1 && units.space
        ? units.space
        : join(units),
    axisNames: options.axis_names ?? '',
    imageName: options.image_name ?? '',
    channels: Array.from(
      { length: Math.max(labels.length, colors.length) },
      (_, i) => ({
        label: labels[i] ?? '',
        color: normalizeColor(colors[i]) || defaultChannelColor(i)
      })
    )
  };
}
