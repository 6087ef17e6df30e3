/** Short links: short public redirects to long viewer URLs. */
import { APIClient } from './client';

/** A short, public redirect to a (long) viewer URL. */
export interface IShortLink {
  key: string;
  url: string;
  label: string | null;
  created: string;
  updated: string;
  /** The public address that redirects to `url`. */
  short_url: string;
}

export interface IShortLinksAPI {
  createShortLink(request: {
    url: string;
    label?: string | null;
  }): Promise<IShortLink>;
}

export function shortLinksAPI(client: APIClient): IShortLinksAPI {
  return {
    createShortLink: request =>
      client.send<IShortLink>('POST', 'short-links', request)
  };
}
