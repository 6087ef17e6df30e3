/**
 * Editing an OME-Zarr image's metadata in place: the editable fields `GET meta` reports,
 * a change (`PATCH meta`, or its preview with `dry_run`), undoing the last change and the
 * channel windows computed from the data. Every write names the ETag it was based on
 * (`If-Match`), so a change made meanwhile by someone else is refused (412), not lost.
 */
import { APIClient, JSONValue, rootPath } from './client';

/** One axis as the editor shows it (NGFF `axes`). */
export interface IEditableAxis {
  name: string;
  type: string | null;
  unit: string | null;
}

/** A channel's display window and the range it lies in (unknown: null). */
export interface IChannelWindow {
  start: number;
  end: number;
  min: number | null;
  max: number | null;
}

/** One omero channel as the editor shows it; `color` is RRGGBB. */
export interface IEditableChannel {
  index?: number;
  label: string | null;
  color: string | null;
  window: IChannelWindow | null;
  active: boolean | null;
}

/** The editable fields of an image (`editable` in `GET meta`). */
export interface IEditable {
  etag: string;
  version: string | null;
  name: string | null;
  axes: IEditableAxis[];
  /** Level 0's scale, one per axis (null: it declares none). */
  pixel_sizes: Array<number | null> | null;
  translation: number[] | null;
  /** The scale of the time axis, when the image has one (may be absent). */
  time_spacing?: number | null;
  channels: IEditableChannel[];
  /** The values the data type holds: the range of a window not yet set. */
  dtype_range?: [number, number] | null;
  /** False for OME-NGFF versions that store no scale (0.1-0.3): sizes stay as they are. */
  geometry_editable?: boolean;
  writable: boolean;
  reason_not_writable?: string | null;
  can_undo: boolean;
}

/** A change to one channel, by its index; fields left out stay as they are. */
export interface IChannelEdit {
  index: number;
  label?: string;
  color?: string;
  window?: { start: number; end: number };
  active?: boolean;
}

/** The body of `PATCH meta`: only the fields that change. */
export interface IMetaEdit {
  name?: string;
  axes?: IEditableAxis[];
  /** One per axis; null keeps an axis's size as it is. */
  pixel_sizes?: Array<number | null>;
  translation?: number[];
  time_spacing?: number;
  channels?: IChannelEdit[];
  /** Compute the windows of every channel (true) or of these channels from the data. */
  auto_contrast?: true | number[];
  /** Say what would change, write nothing. */
  dry_run?: boolean;
}

/** One field's value before and after a change. */
export interface IEditChange {
  field: string;
  old: JSONValue;
  new: JSONValue;
}

/** The answer to a change, its preview or an undo. */
export interface IEditResponse {
  editable: IEditable;
  changes: IEditChange[];
  etag: string;
}

/** A suggested window of one channel. */
export interface ISuggestedWindow {
  index: number;
  start: number;
  end: number;
  min: number;
  max: number;
}

/** `GET auto-contrast`: a suggested window per channel. */
export interface IAutoContrast {
  channels: ISuggestedWindow[];
}

/** A channel's suggestion as the server may also spell it: `{index, window: {...}}`. */
type SuggestionAnswer =
  ISuggestedWindow | { index: number; window: Omit<ISuggestedWindow, 'index'> };

export interface IEditAPI {
  /** Change the image's metadata, unless it changed since `etag` was read (412). */
  editMeta(
    root: string,
    path: string,
    etag: string,
    edit: IMetaEdit
  ): Promise<IEditResponse>;
  /** Restore the metadata as it was before the last change (409: nothing to undo). */
  undoMetaEdit(
    root: string,
    path: string,
    etag: string
  ): Promise<IEditResponse>;
  /** Windows for every channel, computed from a small part of the data. */
  getAutoContrast(root: string, path: string): Promise<IAutoContrast>;
}

export function editAPI(client: APIClient): IEditAPI {
  return {
    editMeta: (root, path, etag, edit) =>
      client.send<IEditResponse>(
        'PATCH',
        `meta/${rootPath(root, path)}`,
        edit,
        {
          'If-Match': etag
        }
      ),
    undoMetaEdit: (root, path, etag) =>
      client.send<IEditResponse>(
        'POST',
        `meta-undo/${rootPath(root, path)}`,
        {},
        { 'If-Match': etag }
      ),
    getAutoContrast: async (root, path) => {
      const answer = await client.request<{ channels: SuggestionAnswer[] }>(
        `auto-contrast/${rootPath(root, path)}`
      );
      return {
        channels: answer.channels.map(channel =>
          'window' in channel
            ? { index: channel.index, ...channel.window }
            : channel
        )
      };
    }
  };
}
