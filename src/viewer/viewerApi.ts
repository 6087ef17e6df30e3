/** The viewer's two routes: the image's descriptor and the URL of one tile. */
import { ServerConnection } from '@jupyterlab/services';

import { APIClient, rootPath } from '../api/client';
import { IViewerInfo } from './viewerState';

export interface IImageViewerAPI {
  /** `GET viewer-info/{root}/{path}`: levels, planes, channels, pixel size. */
  viewerInfo(root: string, path: string): Promise<IViewerInfo>;
  /** The URL of `GET tile/{root}/{path}?{query}` (a PNG). */
  tileURL(root: string, path: string, query: string): string;
}

export function imageViewerAPI(
  client: APIClient = new APIClient(ServerConnection.makeSettings())
): IImageViewerAPI {
  return {
    viewerInfo: (root, path) =>
      client.request<IViewerInfo>(`viewer-info/${rootPath(root, path)}`),
    tileURL: (root, path, query) =>
      `${client.url(`tile/${rootPath(root, path)}`)}?${query}`
  };
}
