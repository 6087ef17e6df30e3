/** Failed requests in the words the panels show them in. */
import { FileglancerAPIError } from '../api';
import type { LoadState } from '../inspector/inspectorModel';

/** What went wrong, as the UI distinguishes it. */
export type RequestErrorKind =
  'forbidden' | 'not_found' | 'offline' | 'bad_request' | 'failed';

export interface IRequestError {
  kind: RequestErrorKind;
  /** One sentence for the user ("This folder no longer exists."). */
  title: string;
  /** The server's own message, or the exception text. */
  detail: string;
  /** HTTP status; 0 when the server could not be reached, -1 for a non-HTTP failure. */
  status: number;
}

/**
 * Map a failed request about a `thing` ("folder", "entry") to what the UI shows:
 * 403, 404, no server (status 0), 400, anything else.
 */
export function describeRequestError(
  error: unknown,
  thing = 'folder'
): IRequestError {
  if (!(error instanceof FileglancerAPIError)) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      kind: 'failed',
      title: `The ${thing} could not be read.`,
      detail,
      status: -1
    };
  }
  const { status, message: detail } = error;
  switch (status) {
    case 0:
      return {
        kind: 'offline',
        title: 'Cannot reach the server.',
        detail,
        status
      };
    case 403:
      return {
        kind: 'forbidden',
        title: `You do not have permission to open this ${thing}.`,
        detail,
        status
      };
    case 404:
      return {
        kind: 'not_found',
        title: `This ${thing} no longer exists.`,
        detail,
        status
      };
    case 400:
      return {
        kind: 'bad_request',
        title: `The server could not read this ${thing}.`,
        detail,
        status
      };
    default:
      return {
        kind: 'failed',
        title: `The ${thing} could not be read.`,
        detail,
        status
      };
  }
}

/** What a request about a `thing` ends in: its value, or its failure described. */
export async function loadState<T>(
  request: () => Promise<T>,
  thing: string
): Promise<LoadState<T>> {
  try {
    return { status: 'ready', value: await request() };
  } catch (error) {
    return { status: 'error', error: describeRequestError(error, thing) };
  }
}
