/**
 * How the inspector writes dataset figures: shapes with their axis names ("c 3 × z 16 ×
 * y 256 × x 256"), quantities with units, codecs. Every helper is pure. Sizes, counts and
 * times are written by `common/format` (one formatter for the whole extension).
 */

import type { ICodec } from '../api';
import { trimNumber } from '../common/format';

/**
 * A shape with its axis names when known: "c 3 × z 16 × y 256 × x 256", or "128 × 512".
 * Names are used only when there is one per dimension.
 */
export function formatShape(
  shape: number[] | null | undefined,
  names?: Array<string | null> | null
): string {
  if (!shape) {
    return '—';
  }
  if (shape.length === 0) {
    return 'scalar';
  }
  const named = names && names.length === shape.length;
  return shape
    .map((size, i) => {
      const name = named ? names[i] : null;
      return name ? `${name} ${size}` : String(size);
    })
    .join(' × ');
}

/** "2.5 micrometer", "0.5 µm"; the unit left out when unknown. */
export function formatQuantity(
  value: number | null | undefined,
  unit?: string | null
): string {
  if (value === null || value === undefined) {
    return '—';
  }
  const number = trimNumber(value, 6);
  return unit ? `${number} ${unit}` : number;
}

/** A `{value, unit}` as "520 nm"; "—" when there is none. */
export function formatMaybeQuantity(
  quantity: { value: number; unit: string | null } | null | undefined
): string {
  return quantity ? formatQuantity(quantity.value, quantity.unit) : '—';
}

/** "1.79×" (uncompressed over stored); "—" when unknown. */
export function formatRatio(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) {
    return '—';
  }
  return `${trimNumber(ratio, ratio < 10 ? 2 : 1)}×`;
}

/** A CSS colour for an omero hex colour ("00FF00" -> "#00FF00"), or null. */
export function channelColor(color: string | null | undefined): string | null {
  if (!color || !/^[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/.test(color)) {
    return null;
  }
  return `#${color}`;
}

/** Pretty JSON (two-space indent) of a metadata file. */
export function prettyJSON(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** The settings of a codec as "cname=zstd, clevel=5"; nested values as compact JSON. */
function codecSettings(configuration: ICodec['configuration']): string {
  if (!configuration) {
    return '';
  }
  return Object.entries(configuration)
    .filter(([key]) => key !== 'codecs' && key !== 'index_codecs')
    .map(([key, value]) =>
      typeof value === 'object' && value !== null
        ? `${key}=${JSON.stringify(value)}`
        : `${key}=${String(value)}`
    )
    .join(', ');
}

/** "blosc (cname=zstd, clevel=5)"; "bytes" for a codec without settings. */
export function describeCodec(codec: ICodec): string {
  const settings = codecSettings(codec.configuration);
  return settings ? `${codec.name} (${settings})` : codec.name;
}

/**
 * The codec chain as the data passes through it, one line each. A sharding codec's inner
 * codecs follow it, indented by their depth, because they are what compresses the chunks.
 */
export function codecLines(
  codecs: ICodec[] | null | undefined,
  depth = 0
): Array<{ depth: number; text: string }> {
  const lines: Array<{ depth: number; text: string }> = [];
  for (const codec of codecs ?? []) {
    lines.push({ depth, text: describeCodec(codec) });
    const inner = codec.configuration?.codecs;
    if (Array.isArray(inner)) {
      lines.push(...codecLines(inner as unknown as ICodec[], depth + 1));
    }
  }
  return lines;
}

/** Short symbols of the OME-NGFF (UDUNITS-2) unit names that are common in microscopy. */
const UNIT_SYMBOLS: { [unit: string]: string } = {
  angstrom: 'Å',
  nanometer: 'nm',
  micrometer: 'µm',
  // N5 and ImageJ writers' spellings (n5-viewer's "um"), shown as OME's units are.
  um: 'µm',
  μm: 'µm',
  micron: 'µm',
  microns: 'µm',
  nm: 'nm',
  millimeter: 'mm',
  centimeter: 'cm',
  meter: 'm',
  nanosecond: 'ns',
  microsecond: 'µs',
  millisecond: 'ms',
  second: 's',
  minute: 'min',
  hour: 'h'
};

/** "µm" for "micrometer"; an unknown unit as it is. */
export function unitSymbol(unit: string | null | undefined): string {
  return unit ? (UNIT_SYMBOLS[unit] ?? unit) : '';
}
