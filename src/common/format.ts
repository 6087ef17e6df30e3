/** How sizes and times read in the listing and the inspector. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** "512 B", "1.5 KB", "23 MB" (powers of 1024, like most file browsers); "—" when unknown. */
export function formatSize(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) {
    return '—';
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) {
    return `${value} B`;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * A compact modification time for a narrow column: "14:05" today, "Mar 3" this year,
 * "2023-03-03" before. `now` is injectable for tests.
 */
export function formatShortTime(
  seconds: number,
  now: Date = new Date()
): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) {
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

/** The full local time, for tooltips and the inspector: "2024-03-03 14:05:09". */
export function formatFullTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) {
    return '—';
  }
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
