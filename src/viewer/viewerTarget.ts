/**
 * What a viewer shows and how it comes back after a reload, without the DOM:
 * - a data link's URL (`.../fileglancer/s/{token}/{path}`) as the base of the link
 *   server's public viewer routes (`.../fileglancer/view/{token}/`) and a path in the
 *   share. A viewer's `root` is a root name or such a base: root names never hold "/".
 * - a path as the kernel sees it (`fileglancer_ext.view`), mapped to a root and a path
 *   by the roots' real paths.
 * - the view state a reload restores (z, t, channels shown, their windows, labels).
 */
import type { IRoot } from '../api';
import {
  IViewerInfo,
  IViewState,
  initialState,
  setWindow
} from './viewerState';

const SHARE_MARK = '/fileglancer/s/';
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** A TIFF's virtual OME-Zarr in a share: the viewer reads the TIFF itself. */
const VIRTUAL_TIFF = /\.(tiff?|btf|tf8|tf2|svs|ndpi|qptiff|scn)\/ome\.zarr$/i;

/** Where a data link's image is read: `base` ends in `/fileglancer/view/{token}/`. */
export interface ILinkTarget {
  base: string;
  /** The image's path inside the share, "/"-separated, decoded ("" for the link itself). */
  path: string;
}

/** The viewer routes of the data link `url`, or null when it is no data link URL. */
export function parseLinkURL(url: string): ILinkTarget | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return null;
  }
  const at = parsed.pathname.indexOf(SHARE_MARK);
  if (at < 0) {
    return null;
  }
  const [token, ...rest] = parsed.pathname
    .slice(at + SHARE_MARK.length)
    .split('/');
  if (!token || !TOKEN.test(token)) {
    return null;
  }
  let segments: string[];
  try {
    segments = rest.filter(Boolean).map(decodeURIComponent);
  } catch {
    return null; // a malformed %-escape
  }
  const prefix = parsed.pathname.slice(0, at);
  return {
    base: `${parsed.origin}${prefix}/fileglancer/view/${token}/`,
    path: segments.join('/').replace(VIRTUAL_TIFF, match => match.slice(0, -9))
  };
}

/** Whether a viewer's `root` is a data link's viewer base rather than a root name. */
export function isLinkBase(root: string): boolean {
  return root.includes('/');
}

/** The root (the deepest, of the available ones) and path of a real path; null
 * when no root holds it. Component-wise: `/data/lab` never holds `/data/lab2`. */
export function locateRealPath(
  real: string,
  roots: IRoot[]
): { root: string; path: string } | null {
  const clean = real.replace(/\/+$/, '') || '/';
  let found: { root: string; path: string; depth: number } | null = null;
  for (const root of roots) {
    if (!root.available) {
      continue;
    }
    const base = root.path.replace(/\/+$/, '');
    const inside =
      clean === base || clean.startsWith(base === '' ? '/' : `${base}/`);
    if (inside && (found === null || base.length > found.depth)) {
      const path = clean === base ? '' : clean.slice(base.length + 1);
      found = { root: root.name, path, depth: base.length };
    }
  }
  return found && { root: found.root, path: found.path };
}

/** What a reload keeps of a viewer's state (JSON). */
export interface ISavedView {
  z: number;
  t: number;
  channels: { index: number; visible: boolean; start: number; end: number }[];
  labels: string[];
}

export function saveView(view: IViewState): ISavedView {
  return {
    z: view.z,
    t: view.t,
    channels: view.channels.map(({ index, visible, start, end }) => ({
      index,
      visible,
      start,
      end
    })),
    labels: [...view.labels]
  };
}

/** The image's starting state with what was saved applied where it still fits the image
 * (planes inside it, channels it has, windows inside their ranges, labels it has). */
export function restoreView(
  info: IViewerInfo,
  saved: ISavedView | null | undefined
): IViewState {
  let view = initialState(info);
  if (!saved) {
    return view;
  }
  const inside = (value: unknown, count: number, fallback: number) =>
    typeof value === 'number' && Number.isInteger(value) && value >= 0
      ? Math.min(value, count - 1)
      : fallback;
  view = {
    ...view,
    z: inside(saved.z, info.z, view.z),
    t: inside(saved.t, info.t, view.t),
    labels: (saved.labels ?? []).filter(name => info.labels.includes(name))
  };
  for (const channel of saved.channels ?? []) {
    if (!view.channels.some(mine => mine.index === channel.index)) {
      continue;
    }
    view = {
      ...view,
      channels: view.channels.map(mine =>
        mine.index === channel.index
          ? { ...mine, visible: channel.visible !== false }
          : mine
      )
    };
    if (Number.isFinite(channel.start) && Number.isFinite(channel.end)) {
      view = setWindow(view, channel.index, channel.start, channel.end);
    }
  }
  return view;
}

/** What a viewer says when its image cannot be read: for a restored viewer whose image
 * is gone (404), that it was moved or deleted, or its link revoked. */
export function viewerErrorText(
  path: string,
  error: unknown,
  restored: boolean
): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { status?: unknown } | null)?.status;
  const name = path || 'the linked image';
  if (restored && status === 404) {
    return `${name} is no longer there: it was moved or deleted, or its data link was revoked or expired (${message})`;
  }
  return `Cannot view ${name}: ${message}`;
}
