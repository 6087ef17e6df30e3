/** The viewer's two routes: the image's descriptor and the URL of one tile. */
import { ServerConnection } from '@jupyterlab/services';

import { APIClient, rootPath } from '../api/client';
import { IViewerInfo } from './viewerState';

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
}

export function imageViewerAPI(
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
