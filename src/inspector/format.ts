/**
 * How the inspector writes dataset figures: binary sizes ("4.4 MiB"), large counts
 * ("1.2 M"), shapes with their axis names ("c 3 × z 16 × y 256 × x 256"), quantities
 * with units. Every helper is pure; the exact value goes into a title attribute.
 */

import type { ICodec } from '../api';

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** "512 B", "4.4 MiB", "1.25 TiB"; "—" for an unknown or invalid value. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '—';
  }
  if (bytes < 0) {
    return '—';
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) {
    return `${value} B`;
  }
  return `${trimNumber(value, value < 10 ? 2 : value < 100 ? 1 : 0)} ${BINARY_UNITS[unit]}`;
}

/** "1,234,567 bytes": the exact figure for a tooltip. */
export function exactBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '';
  }
  return `${formatExact(bytes)} bytes`;
}

/** "1,234,567". */
export function formatExact(value: number): string {
  return value.toLocaleString('en-US');
}

const COUNT_UNITS: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k']
];

/** "950", "12.3 k", "1.2 M" (powers of 1000); "—" when unknown. */
export function formatCount(count: number | null | undefined): string {
  if (count === null || count === undefined || !Number.isFinite(count)) {
    return '—';
  }
  const magnitude = Math.abs(count);
  for (const [size, suffix] of COUNT_UNITS) {
    if (magnitude >= size) {
      const value = count / size;
      return `${trimNumber(value, Math.abs(value) < 100 ? 1 : 0)} ${suffix}`;
    }
  }
  return trimNumber(count, 2);
}

/** A number with at most `digits` decimals and no trailing zeros ("2", "0.5", "1.25"). */
export function trimNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  return String(Number(value.toFixed(digits)));
}

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
