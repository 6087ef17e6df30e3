import { APIClient } from '../api/client';
import {
  barHeights,
  binSpan,
  debounce,
  histogramAPI,
  histogramQuery,
  valueToX,
  visibleRegion,
  xToValue
} from '../viewer/histogram';
import { IViewState } from '../viewer/viewerState';

const IMAGE = { width: 2048, height: 1024 };

const STATE: IViewState = {
  z: 8,
  t: 2,
  labels: [],
  channels: [0, 1, 2].map(index => ({
    index,
    name: `c${index}`,
    color: 'FFFFFF',
    visible: index !== 1,
    start: 0,
    end: 100,
    min: 0,
    max: 65535
  }))
};

describe('the visible region', () => {
  it('is the viewport in whole pixels, cut to the image', () => {
    expect(
      visibleRegion(IMAGE, { x: 10.4, y: 20.6, width: 100.2, height: 50 })
    ).toEqual({ x0: 10, y0: 20, x1: 111, y1: 71 });
    // Zoomed out: the viewport is larger than the image and around it.
    expect(
      visibleRegion(IMAGE, { x: -500, y: -300, width: 4000, height: 2000 })
    ).toEqual({ x0: 0, y0: 0, x1: 2048, y1: 1024 });
    expect(
      visibleRegion(IMAGE, { x: 1900, y: 1000, width: 400, height: 400 })
    ).toEqual({ x0: 1900, y0: 1000, x1: 2048, y1: 1024 });
  });

  it('is null when the image is out of view', () => {
    expect(
      visibleRegion(IMAGE, { x: 2100, y: 0, width: 100, height: 100 })
    ).toBeNull();
    expect(
      visibleRegion(IMAGE, { x: -200, y: 0, width: 100, height: 100 })
    ).toBeNull();
  });

  it('is asked for on the plane, for every channel, shown or not', () => {
    const query = new URLSearchParams(
      histogramQuery(STATE, { x0: 1, y0: 2, x1: 300, y1: 400 }, 64)
    );
    expect(Object.fromEntries(query)).toEqual({
      x0: '1',
      y0: '2',
      x1: '300',
      y1: '400',
      z: '8',
      t: '2',
      channels: '0,1,2',
      bins: '64'
    });
  });
});

describe('bins on the slider', () => {
  const histogram = {
    range: [100, 356] as [number, number],
    counts: [1, 0, 9, 99]
  };

  it('places bins side by side over the whole width', () => {
    expect(binSpan(histogram, 0, 256)).toEqual([0, 64]);
    expect(binSpan(histogram, 3, 256)).toEqual([192, 256]);
    expect(binSpan(histogram, 1, 128)).toEqual([32, 64]);
  });

  it('maps values to positions and back, keeping them on the histogram', () => {
    expect(valueToX(histogram.range, 100, 256)).toBe(0);
    expect(valueToX(histogram.range, 228, 256)).toBe(128);
    expect(valueToX(histogram.range, 0, 256)).toBe(0);
    expect(valueToX(histogram.range, 1e6, 256)).toBe(256);
    expect(xToValue(histogram.range, 128, 256)).toBe(228);
    expect(
      xToValue(histogram.range, valueToX(histogram.range, 300, 200), 200)
    ).toBeCloseTo(300);
    expect(valueToX([5, 5], 5, 256)).toBe(0); // an empty range: no division by zero
  });

  it('draws log counts: the fullest bin full height, empty bins none', () => {
    const heights = barHeights(histogram.counts, 40);
    expect(heights[3]).toBe(40);
    expect(heights[1]).toBe(0);
    expect(heights[0]).toBeGreaterThanOrEqual(1);
    expect(heights[2]).toBeCloseTo((Math.log1p(9) / Math.log1p(99)) * 40);
    expect(heights[2]).toBeGreaterThan(40 * (9 / 99) * 2); // log, not linear
    expect(barHeights([0, 0], 40)).toEqual([0, 0]);
  });
});

describe('debounce', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('calls once, with the last arguments, after the calls rest', () => {
    const calls: string[] = [];
    const ask = debounce((query: string) => calls.push(query), 300);
    ask('a');
    jest.advanceTimersByTime(200);
    ask('b');
    jest.advanceTimersByTime(200);
    ask('c');
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(300);
    expect(calls).toEqual(['c']);
    ask('d');
    ask.cancel();
    jest.advanceTimersByTime(1000);
    expect(calls).toEqual(['c']);
  });
});

describe('the histogram API', () => {
  it('asks a data link server publicly and the user server by root name', async () => {
    const asked: string[] = [];
    const client = {
      request: async (path: string) => {
        asked.push(`server:${path}`);
        return { level: 0, channels: [] };
      }
    } as unknown as APIClient;
    const api = histogramAPI(client, async url => {
      asked.push(`public:${url}`);
      return { level: 1, channels: [] };
    });
    await api.histogram('lab', 'a/cells.ome.zarr', 'x0=0');
    await api.histogram('https://h/fileglancer/view/tok/', 'a b.zarr', 'x0=0');
    expect(asked).toEqual([
      'server:histogram/lab/a/cells.ome.zarr?x0=0',
      'public:https://h/fileglancer/view/tok/histogram/a%20b.zarr?x0=0'
    ]);
  });
});
