/** Data links: public, read-only URLs of datasets, owned by the user who made them. */
import { APIClient } from './client';

/** A data link: a public, read-only URL of one dataset (see the README's Share links). */
export interface IShareLink {
  id: string;
  token: string;
  owner: string;
  root: string;
  path: string;
  label: string | null;
  /** ISO 8601 times (UTC); `expires` null for never. */
  created: string;
  expires: string | null;
  last_access: string | null;
  revoked: boolean;
  active: boolean;
  /** The public URL of the shared folder (ends in "/"). */
  url: string;
  /** Whether the shared path still exists. */
  target_exists: boolean | null;
}

export interface ICreateLinkRequest {
  root: string;
  path: string;
  /** Seconds until the link stops working; omitted or null for never. */
  expires_in?: number | null;
  label?: string | null;
}

export interface ILinksAPI {
  /** The user's active data links, all of them or those of one (root, path). */
  listLinks(filter?: { root: string; path: string }): Promise<IShareLink[]>;
  createLink(request: ICreateLinkRequest): Promise<IShareLink>;
  /** Change a link's label or expiry (`expires_in` null: never expires). */
  updateLink(
    id: string,
    changes: { label?: string | null; expires_in?: number | null }
  ): Promise<IShareLink>;
  /** Revoke a link for good: its URL stops working at once. */
  revokeLink(id: string): Promise<IShareLink>;
}

export function linksAPI(client: APIClient): ILinksAPI {
  return {
    listLinks: async filter => {
      const query = filter ? `?${new URLSearchParams(filter)}` : '';
      return (await client.request<{ links: IShareLink[] }>(`links${query}`))
        .links;
    },
    createLink: request => client.send<IShareLink>('POST', 'links', request),
    updateLink: (id, changes) =>
      client.send<IShareLink>(
        'PATCH',
        `links/${encodeURIComponent(id)}`,
        changes
      ),
    revokeLink: id =>
      client.send<IShareLink>('DELETE', `links/${encodeURIComponent(id)}`)
  };
}
