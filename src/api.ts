/**
 * The typed client of the fileglancer REST API. Every call to the server goes through
 * `requestAPI`, so URL building, auth and error decoding live in one place.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** One configured file share, as `GET /fileglancer/api/roots` describes it. */
export interface IRoot {
  name: string;
  title: string;
  path: string;
  smb_url: string | null;
  unc_path: string | null;
  available: boolean;
  problem: string | null;
}

export interface IRootsResponse {
  roots: IRoot[];
}

export interface IVersionResponse {
  version: string;
  api_version: number;
}

/** An error answered by the server: `code` is stable, `message` is for people. */
export class FileglancerAPIError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'FileglancerAPIError';
  }
}

/**
 * Call `{baseUrl}/fileglancer/api/{endPoint}` and decode the JSON answer.
 *
 * Throws FileglancerAPIError for an error status (with the server's code and message)
 * and for a network failure (status 0, code "network_error").
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, 'fileglancer', 'api', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new FileglancerAPIError(
      0,
      'network_error',
      `Cannot reach the server: ${String(error)}`
    );
  }
  const text = await response.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const detail = (body ?? {}) as { error?: string; message?: string };
    throw new FileglancerAPIError(
      response.status,
      detail.error ?? 'http_error',
      detail.message ??
        `The server answered ${response.status} ${response.statusText}`
    );
  }
  return body as T;
}

export function getRoots(
  settings?: ServerConnection.ISettings
): Promise<IRootsResponse> {
  return requestAPI<IRootsResponse>('roots', {}, settings);
}

export function getVersion(
  settings?: ServerConnection.ISettings
): Promise<IVersionResponse> {
  return requestAPI<IVersionResponse>('version', {}, settings);
}
