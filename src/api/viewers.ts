/** Viewers, code snippets and path forms of a dataset. */
import type { EntryKind } from './browse';
import { APIClient, rootPath } from './client';
import type { IShareLink } from './links';

export interface IViewerLink {
  name: string;
  url: string;
}

export interface ICodeSnippet {
  language: string;
  title: string;
  code: string;
  /** Whether the code reads the local path or the data link. */
  target: 'local' | 'link';
}

/** `GET viewers/{root}/{path}`: viewers (with a data link), snippets and path forms. */
export interface IViewersResponse {
  kind: EntryKind;
  /** The dataset's data link URL, or null when it has none. */
  data_url: string | null;
  link: IShareLink | null;
  viewers: IViewerLink[];
  snippets: ICodeSnippet[];
  paths: { linux: string; mac: string | null; windows: string | null };
  /**
   * A shared TIFF: the URL of its virtual OME-Zarr (the viewers above open it), or
   * why the file cannot be served so. Absent for other kinds.
   */
  virtual_image?: { url: string | null; problem: string | null };
}

export interface IViewersAPI {
  getViewers(root: string, path: string): Promise<IViewersResponse>;
}

export function viewersAPI(client: APIClient): IViewersAPI {
  return {
    getViewers: (root, path) =>
      client.request<IViewersResponse>(`viewers/${rootPath(root, path)}`)
  };
}
