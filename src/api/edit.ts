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

/** A channel's display window and the range it lies in. */
export interface IChannelWindow {
  start: number;
  end: number;
  min: number;
  max: number;
}

/** One omero channel as the editor shows it; `color` is RRGGBB. */
export interface IEditableChannel {
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
  /** Level 0's scale, one per axis. */
  pixel_sizes: number[];
  translation: number[] | null;
  /** The scale of the time axis, when the image has one (may be absent). */
  time_spacing?: number | null;
  channels: IEditableChannel[];
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
  pixel_sizes?: number[];
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

/** `GET auto-contrast`: a suggested window per channel. */
export interface IAutoContrast {
  channels: Array<{
    index: number;
    start: number;
    end: number;
    min: number;
    max: number;
  }>;
}

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
    getAutoContrast: (root, path) =>
      client.request<IAutoContrast>(`auto-contrast/${rootPath(root, path)}`)
  };
}
