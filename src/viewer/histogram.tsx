/**
 * The contrast panel's histograms: per channel, the counts of the values in the visible
 * region (`GET histogram/{root}/{path}`, fileglancer_ext/tiles/histogram.py) on the
 * current z and t, drawn on a small canvas (log counts) under the channel's window, and an
 * "auto" button that sets the window to the server's suggested percentiles. Asked for
 * again (debounced) after pan, zoom, z and t changes.
 */
import { ServerConnection } from '@jupyterlab/services';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { APIClient, rootPath } from '../api/client';
import { linkViewURL, publicJSON } from './viewerApi';
import { IChannelState, IViewerInfo, IViewState } from './viewerState';
import { isLinkBase } from './viewerTarget';

/** How long the view must rest before its histograms are asked for. */
export const HISTOGRAM_DELAY_MS = 300;
/** Bins per channel. */
export const HISTOGRAM_BINS = 128;
/** Channels per request (the server's MAX_CHANNELS). */
const MAX_CHANNELS = 8;

/** A region [x0, x1) x [y0, y1) of level 0, in pixels. */
export interface IRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One channel's histogram: `counts` in equal bins over `range`. */
export interface IChannelHistogram {
  channel: number;
  name: string;
  range: [number, number];
  counts: number[];
  min: number | null;
  max: number | null;
  count: number;
  ignored: number;
  outside: [number, number];
  suggested: { start: number; end: number } | null;
}

/** `GET histogram/{root}/{path}?x0&y0&x1&y1&z&t&channels&bins`. */
export interface IHistogram {
  level: number;
  region: IRegion;
  z: number;
  t: number;
  dtype: string;
  channels: IChannelHistogram[];
}

export interface IHistogramAPI {
  histogram(root: string, path: string, query: string): Promise<IHistogram>;
}

/** A root name asks the user's own server; a data link's viewer base (see
 * viewerTarget.ts) the link server's public route, without credentials. */
export function histogramAPI(
  client: APIClient = new APIClient(ServerConnection.makeSettings()),
  fetchJSON: (url: string) => Promise<unknown> = publicJSON
): IHistogramAPI {
  return {
    histogram: async (root, path, query) =>
      isLinkBase(root)
        ? ((await fetchJSON(
            `${linkViewURL(root, 'histogram', path)}?${query}`
          )) as IHistogram)
        : client.request<IHistogram>(
            `histogram/${rootPath(root, path)}?${query}`
          )
  };
}

/** The part of `bounds` (image coordinates, as OpenSeadragon gives them) inside the
 * image, in whole pixels; null when none of the image is visible. */
export function visibleRegion(
  info: Pick<IViewerInfo, 'width' | 'height'>,
  bounds: { x: number; y: number; width: number; height: number }
): IRegion | null {
  const x0 = clamp(Math.floor(bounds.x), 0, info.width);
  const y0 = clamp(Math.floor(bounds.y), 0, info.height);
  const x1 = clamp(Math.ceil(bounds.x + bounds.width), 0, info.width);
  const y1 = clamp(Math.ceil(bounds.y + bounds.height), 0, info.height);
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

/** The query of the histograms of `region` on the state's plane, for every channel. */
export function histogramQuery(
  state: Pick<IViewState, 'z' | 't' | 'channels'>,
  region: IRegion,
  bins = HISTOGRAM_BINS
): string {
  return new URLSearchParams({
    x0: String(region.x0),
    y0: String(region.y0),
    x1: String(region.x1),
    y1: String(region.y1),
    z: String(state.z),
    t: String(state.t),
    channels: state.channels
      .slice(0, MAX_CHANNELS)
      .map(channel => channel.index)
      .join(','),
    bins: String(bins)
  }).toString();
}

/** Where `value` falls across a histogram `width` wide (0 at `range[0]`), kept inside. */
export function valueToX(
  range: [number, number],
  value: number,
  width: number
): number {
  const span = range[1] - range[0];
  if (!(span > 0)) {
    return 0;
  }
  return clamp(((value - range[0]) / span) * width, 0, width);
}

/** The value at `x` across a histogram `width` wide (`valueToX` backwards). */
export function xToValue(
  range: [number, number],
  x: number,
  width: number
): number {
  return range[0] + (clamp(x, 0, width) / width) * (range[1] - range[0]);
}

/** The left and right edge of bin `index` across a histogram `width` wide. */
export function binSpan(
  histogram: Pick<IChannelHistogram, 'range' | 'counts'>,
  index: number,
  width: number
): [number, number] {
  const [low, high] = histogram.range;
  const step = (high - low) / histogram.counts.length;
  return [
    valueToX(histogram.range, low + index * step, width),
    valueToX(histogram.range, low + (index + 1) * step, width)
  ];
}

/** Each bin's bar height out of `height`: log counts, the fullest bin `height` high, an
 * empty one 0, a bin of one value at least one pixel. */
export function barHeights(counts: number[], height: number): number[] {
  const top = Math.log1p(Math.max(0, ...counts));
  return counts.map(count =>
    count > 0 && top > 0 ? Math.max(1, (Math.log1p(count) / top) * height) : 0
  );
}

/** `fn`, called `ms` after the last of a burst of calls, with that call's arguments. */
export function debounce<A extends unknown[]>(
  fn: (...args: A) => void,
  ms: number
): { (...args: A): void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = (...args: A) => {
    if (timer !== undefined) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms);
  };
  debounced.cancel = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
  return debounced;
}

let sharedAPI: IHistogramAPI | null = null;

/** The server's histogram API, made once. */
export function defaultHistogramAPI(): IHistogramAPI {
  sharedAPI ??= histogramAPI();
  return sharedAPI;
}

/** The histograms of the visible `region` on the state's plane: asked for
 * `HISTOGRAM_DELAY_MS` after the region, z, t or channels last changed; the answer of an
 * older request is dropped. */
export function useViewHistograms(
  api: IHistogramAPI,
  root: string,
  path: string,
  view: IViewState | null,
  region: IRegion | null
): { histogram: IHistogram | null; error: string } {
  const [histogram, setHistogram] = useState<IHistogram | null>(null);
  const [error, setError] = useState('');
  const latest = useRef('');
  const query = view && region ? histogramQuery(view, region) : '';
  const ask = useMemo(
    () =>
      debounce((wanted: string) => {
        api.histogram(root, path, wanted).then(
          found => {
            if (latest.current === wanted) {
              setHistogram(found);
              setError('');
            }
          },
          (reason: unknown) => {
            if (latest.current === wanted) {
              setHistogram(null); // not the old region's counts under a new view
              setError(
                reason instanceof Error ? reason.message : String(reason)
              );
            }
          }
        );
      }, HISTOGRAM_DELAY_MS),
    [api, root, path]
  );
  useEffect(() => () => ask.cancel(), [ask]);
  useEffect(() => {
    latest.current = query;
    if (query) {
      ask(query);
    }
  }, [ask, query]);
  return { histogram, error };
}

const WIDTH = 256;
const HEIGHT = 40;

/** A channel's histogram of the view with its window over it, and the "auto" button. */
export function ChannelHistogram(props: {
  channel: IChannelState;
  histogram: IChannelHistogram | undefined;
  level: number | undefined;
  error: string;
  onAuto: (start: number, end: number) => void;
}): JSX.Element {
  const { channel, histogram, level, error, onAuto } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (context && histogram) {
      drawHistogram(context, histogram, channel);
    } else {
      context?.clearRect(0, 0, WIDTH, HEIGHT);
    }
  }, [histogram, channel.start, channel.end, channel.color]);
  const suggested = histogram?.suggested;
  return (
    <div
      className="jp-Fileglancer-viewerHistogram"
      data-testid="viewer-histogram"
      data-level={level ?? ''}
      data-count={histogram?.count ?? ''}
      data-error={error || undefined}
      title={
        histogram
          ? `values ${histogram.min ?? '–'} to ${histogram.max ?? '–'} in view (level ${level})`
          : error || 'histogram of the view'
      }
    >
      <canvas
        ref={canvas}
        width={WIDTH}
        height={HEIGHT}
        aria-label={`${channel.name} histogram of the view`}
      />
      <button
        type="button"
        className="jp-mod-styled jp-Fileglancer-viewerAuto"
        data-action="auto-window"
        disabled={!suggested}
        title="Set the window to the 0.1 and 99.9 percentiles of the view"
        onClick={() => suggested && onAuto(suggested.start, suggested.end)}
      >
        auto
      </button>
    </div>
  );
}

/** Bars (log counts) in the channel's colour; the part outside its window greyed. */
function drawHistogram(
  context: CanvasRenderingContext2D,
  histogram: IChannelHistogram,
  channel: IChannelState
): void {
  context.clearRect(0, 0, WIDTH, HEIGHT);
  context.fillStyle = 'rgba(127, 127, 127, 0.15)';
  context.fillRect(0, 0, WIDTH, HEIGHT);
  context.fillStyle = `#${channel.color}`;
  barHeights(histogram.counts, HEIGHT).forEach((bar, index) => {
    const [left, right] = binSpan(histogram, index, WIDTH);
    context.fillRect(left, HEIGHT - bar, Math.max(1, right - left), bar);
  });
  const start = valueToX(histogram.range, channel.start, WIDTH);
  const end = valueToX(histogram.range, channel.end, WIDTH);
  context.fillStyle = 'rgba(96, 96, 96, 0.7)';
  context.fillRect(0, 0, start, HEIGHT);
  context.fillRect(end, 0, WIDTH - end, HEIGHT);
  context.fillStyle = 'rgba(255, 255, 255, 0.9)';
  context.fillRect(Math.min(start, WIDTH - 1), 0, 1, HEIGHT);
  context.fillRect(Math.max(0, end - 1), 0, 1, HEIGHT);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
