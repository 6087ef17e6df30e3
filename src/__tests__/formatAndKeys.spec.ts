import { formatBytes, formatFullTime, formatShortTime } from '../common/format';
import { moveSelection } from '../browser/keyboard';

describe('formatBytes', () => {
  it('writes every size in binary units, in the listing as in the inspector', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MiB');
    expect(formatBytes(4.4 * 1024 ** 3)).toBe('4.4 GiB');
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(-1)).toBe('—');
  });
});

describe('formatShortTime', () => {
  const now = new Date(2026, 10, 25, 12, 0, 0);
  const at = (date: Date) => date.getTime() / 1000;

  it('shows the time for today, the day this year, the date before', () => {
    expect(formatShortTime(at(new Date(2026, 10, 25, 9, 5)), now)).toBe(
      '09:05'
    );
    expect(formatShortTime(at(new Date(2026, 2, 3)), now)).toBe('Mar 3');
    expect(formatShortTime(at(new Date(2023, 2, 3)), now)).toBe('2023-03-03');
  });

  it('reads the ISO times of links and jobs as local times, like epoch seconds', () => {
    const local = new Date(2026, 10, 25, 9, 5, 7);
    expect(formatShortTime(local.toISOString(), now)).toBe('09:05');
    expect(formatFullTime(local.toISOString())).toBe('2026-11-25 09:05:07');
    expect(formatFullTime(at(local))).toBe('2026-11-25 09:05:07');
    expect(formatShortTime(null, now)).toBe('—');
    expect(formatFullTime('not a time')).toBe('—');
  });
});

describe('moveSelection', () => {
  it('moves by one, by a page, and to both ends, within the list', () => {
    expect(moveSelection('ArrowDown', 0, 100, 10)).toBe(1);
    expect(moveSelection('ArrowUp', 0, 100, 10)).toBe(0);
    expect(moveSelection('ArrowDown', 99, 100, 10)).toBe(99);
    expect(moveSelection('PageDown', 0, 100, 10)).toBe(9);
    expect(moveSelection('PageUp', 5, 100, 10)).toBe(0);
    expect(moveSelection('Home', 50, 100, 10)).toBe(0);
    expect(moveSelection('End', 50, 100_000, 10)).toBe(99_999);
  });

  it('starts at the first row (or the last for End) when nothing is selected', () => {
    expect(moveSelection('ArrowDown', -1, 100, 10)).toBe(0);
    expect(moveSelection('End', -1, 100, 10)).toBe(99);
  });

  it('has nowhere to go in an empty list', () => {
    expect(moveSelection('ArrowDown', -1, 0, 10)).toBe(-1);
  });
});
