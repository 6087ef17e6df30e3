/**
 * How sizes, counts and times read everywhere in the extension (listing, inspector, jobs,
 * data links): one formatter each, so that the same figure reads the same in every panel.
 *
 * Sizes are in binary units (KiB, MiB, GiB: powers of 1024), as `du -h`, `ls -h` and
 * JupyterLab's file browser count them, and named so that "MB" is never mistaken for
 * 10^6 bytes; the exact byte count goes into a tooltip (`exactBytes`). Times are the
 * user's local time, never a raw ISO string.
 */

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

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** A time the server sent: seconds since the epoch, or an ISO 8601 string. */
export type TimeValue = number | string | null | undefined;

/** The Date of a server time, or null when there is none or it does not parse. */
export function toDate(value: TimeValue): Date | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const date = new Date(typeof value === 'number' ? value * 1000 : value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A compact time for a narrow column: "14:05" today, "Mar 3" this year, "2023-03-03"
 * before; "—" when unknown. `now` is injectable for tests.
 */
export function formatShortTime(
  value: TimeValue,
  now: Date = new Date()
): string {
  const date = toDate(value);
  if (date === null) {
    return '—';
  }
  const sameDay =
    date.getFullYear() === now.getFullYear() &&
    date.getMonth() === now.getMonth() &&
    date.getDate() === now.getDate();
  if (sameDay) {
    return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }
  if (date.getFullYear() === now.getFullYear()) {
    return date.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
  }
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The full local time, for tooltips and the inspector: "2024-03-03 14:05:09"; "—" when unknown. */
export function formatFullTime(value: TimeValue): string {
  const date = toDate(value);
  if (date === null) {
    return '—';
  }
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
