/** Where a navigation key moves the selection in a list of `total` rows. */

export type MoveKey =
  'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';

export function isMoveKey(key: string): key is MoveKey {
  return (
    key === 'ArrowUp' ||
    key === 'ArrowDown' ||
    key === 'Home' ||
    key === 'End' ||
    key === 'PageUp' ||
    key === 'PageDown'
  );
}

/**
 * The row index after pressing `key` with `current` selected (-1: nothing selected yet,
 * where End lands on the last row and any other key on the first). `pageRows` is how many rows
 * fit in the viewport. Returns -1 for an empty list.
 */
export function moveSelection(
  key: MoveKey,
  current: number,
  total: number,
  pageRows: number
): number {
  if (total <= 0) {
    return -1;
  }
  const last = total - 1;
  const page = Math.max(1, pageRows - 1);
  const clamp = (index: number) => Math.min(last, Math.max(0, index));
  if (current < 0) {
    return key === 'End' ? last : 0;
  }
  switch (key) {
    case 'ArrowUp':
      return clamp(current - 1);
    case 'ArrowDown':
      return clamp(current + 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageUp':
      return clamp(current - page);
    case 'PageDown':
      return clamp(current + page);
  }
}
