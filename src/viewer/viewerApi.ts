/**
 * The viewer's routes: the image's descriptor, the values at a pixel and the URL of one
 * tile. A viewer's `root` is a root name (the user's own authenticated server) or a data
 * link's viewer base (`.../fileglancer/view/{token}/`, see viewerTarget.ts: the link
 * server's public routes, asked without credentials).
 */
import { ServerConnection } from '@jupyterlab/services';

import {
  APIClient,
  encodePath,
  FileglancerAPIError,
  rootPath
} from '../api/client';
import { IViewerInfo } from './viewerState';
import { isLinkBase } from './viewerTarget';

/** `GET pixel/...`: the values under the cursor. */
export interface IPixelValues {
  x: number;
  y: number;
  values: { channel: number; name: string; value: number | boolean }[];
}

export interface IImageViewerAPI {
  /** `GET viewer-info/{root}/{path}`: levels, planes, channels, pixel size. */
  viewerInfo(root: string, path: string): Promise<IViewerInfo>;
  /** `GET pixel/{root}/{path}?x&y&z&t`: each channel's value at a level-0 pixel. */
  pixelValues(
    root: string,
    path: string,
    where: { x: number; y: number; z: number; t: number }
  ): Promise<IPixelValues>;
  /** The URL of `GET tile/{root}/{path}?{query}` (a PNG). */
  tileURL(root: string, path: string, query: string): string;
  /** How tiles load: 'Anonymous' (CORS, no cookies) from a link server, else as usual. */
  crossOrigin?(root: string): 'Anonymous' | false;
}

/** The routes of the user's own server. */
export function authenticatedViewerAPI(
  client: APIClient = new APIClient(ServerConnection.makeSettings())
): IImageViewerAPI {
  return {
    viewerInfo: (root, path) =>
      client.request<IViewerInfo>(`viewer-info/${rootPath(root, path)}`),
    pixelValues: (root, path, { x, y, z, t }) =>
      client.request<IPixelValues>(
        `pixel/${rootPath(root, path)}?x=${x}&y=${y}&z=${z}&t=${t}`
      ),
    tileURL: (root, path, query) =>
      `${client.url(`tile/${rootPath(root, path)}`)}?${query}`
  };
}

/** The public viewer routes of a link server; `root` is the link's viewer base. */
/** The URL of a link server's public viewer route `kind` for `path` in the link. */
export function linkViewURL(base: string, kind: string, path: string): string {
  return `${base}${kind}${path ? `/${encodePath(path)}` : ''}`;
}

export function linkViewerAPI(
  fetchJSON: (url: string) => Promise<unknown> = publicJSON
): IImageViewerAPI {
  const url = linkViewURL;
  return {
    viewerInfo: async (base, path) =>
      (await fetchJSON(url(base, 'info', path))) as IViewerInfo,
    pixelValues: async (base, path, { x, y, z, t }) =>
      (await fetchJSON(
        `${url(base, 'pixel', path)}?x=${x}&y=${y}&z=${z}&t=${t}`
      )) as IPixelValues,
    tileURL: (base, path, query) => `${url(base, 'tile', path)}?${query}`,
    crossOrigin: () => 'Anonymous'
  };
}

/** A public route's JSON, fetched without credentials; its error as FileglancerAPIError. */
export async function publicJSON(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'omit' });
  } catch (error) {
    throw new FileglancerAPIError(
      0,
      'network_error',
      `Cannot reach the link server: ${String(error)}`
    );
  }
  const body = (await response.json().catch(() => null)) as {
    error?: string;
    message?: string;
  } | null;
  if (!response.ok) {
    throw new FileglancerAPIError(
      response.status,
      body?.error ?? 'http_error',
      body?.message ?? `The link server answered ${response.status}`
    );
  }
  return body;
}

/** The viewer's API: a root name reads through the user's server, a link's viewer base
 * through the link server. */
export function imageViewerAPI(
  authenticated: IImageViewerAPI = authenticatedViewerAPI(),
  link: IImageViewerAPI = linkViewerAPI()
): IImageViewerAPI {
  const pick = (root: string) => (isLinkBase(root) ? link : authenticated);
  return {
    viewerInfo: (root, path) => pick(root).viewerInfo(root, path),
    pixelValues: (root, path, where) =>
      pick(root).pixelValues(root, path, where),
    tileURL: (root, path, query) => pick(root).tileURL(root, path, query),
    crossOrigin: root => pick(root).crossOrigin?.(root) ?? false
  };
}
