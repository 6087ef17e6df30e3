/**
 * What the inspector shows: the selected entry, re-read from the server (`GET node/...`)
 * so that its kind is confirmed from its content (e.g. a TIFF's magic bytes), with the
 * loading and error states of that request. For a dataset it then reads the metadata
 * (`GET meta/...`) and the storage statistics (`GET stats/...`, polled while the server is
 * still walking a large dataset). A newer selection always wins: answers to an older one
 * are dropped and its polling stops. An editable OME-Zarr image gets a `MetadataEditor`;
 * after it saves, the metadata, viewers, snippets and preview are read again in place.
 */
import { ISignal, Signal } from '@lumino/signaling';

import type {
  IEditFix,
  IEditResponse,
  IEntry,
  IFileglancerAPI,
  IHealthFix,
  IMembersPage,
  IMetaResponse,
  INodeResponse,
  IRoot,
  IStatsResponse
} from '../api';
import { isDataset } from '../kinds';
import {
  describeRequestError,
  IRequestError,
  loadState
} from '../common/requestError';
import type { ISelectedEntry, ISelectionModel } from '../selection';
import { ShareModel, ShareModelAPI } from '../share/shareModel';
import type { InspectorTab } from './DatasetDetails';
import { MetadataEditor, MetadataEditorAPI } from './metadataEditor';

export type NodeFetcher = (
  root: string,
  path: string
) => Promise<INodeResponse>;

export type MetaFetcher = (
  root: string,
  path: string
) => Promise<IMetaResponse>;

export type StatsFetcher = (
  root: string,
  path: string
) => Promise<IStatsResponse>;

export type InspectorState =
  | { status: 'empty' }
  | { status: 'loading'; root: IRoot; entry: IEntry }
  | { status: 'ready'; root: IRoot; entry: IEntry }
  | { status: 'error'; root: IRoot; entry: IEntry; error: IRequestError };

/** One request's progress: not asked (e.g. a plain folder), under way, answered, failed. */
export type LoadState<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'error'; error: IRequestError };

/** How to reach the server; tests pass fakes. */
export type MembersFetcher = (
  root: string,
  path: string,
  offset: number
) => Promise<IMembersPage>;

/** The part of the API the inspector calls (the Share tab's part included). */
export type InspectorModelAPI = Pick<
  IFileglancerAPI,
  'getNode' | 'getMeta' | 'getStats' | 'getMembers' | 'thumbnailURL'
> &
  MetadataEditorAPI &
  ShareModelAPI;

export interface IInspectorOptions {
  /** Milliseconds between two stats requests while the server is computing. */
  statsPollInterval?: number;
  /** The Share tab's model (data link, viewers, snippets) that follows the selection. */
  share?: ShareModel;
}

export const STATS_POLL_MS = 1000;

/** Longer edge of the preview the thumbnail opens (the thumbnail route's maximum). */
export const LARGE_PREVIEW_SIZE = 1024;

const IDLE = { status: 'idle' } as const;
const LOADING = { status: 'loading' } as const;

export class InspectorModel {
  constructor(
    selection: ISelectionModel,
    api: InspectorModelAPI,
    options: IInspectorOptions = {}
  ) {
    this._fetchNode = (root, path) => api.getNode(root, path);
    this._fetchMeta = (root, path) => api.getMeta(root, path);
    this._fetchStats = (root, path) => api.getStats(root, path);
    this._fetchMembers = (root, path, offset) =>
      api.getMembers(root, path, offset);
    this._pollInterval = options.statsPollInterval ?? STATS_POLL_MS;
    this.share = options.share ?? new ShareModel(api);
    this._thumbnailUrl = (root, path, size, version) =>
      api.thumbnailURL(root, path, size, version);
    this._editAPI = api;
    this._selection = selection;
    selection.changed.connect(this._onSelection, this);
    if (selection.current) {
      void this._load(selection.current);
    }
  }

  /** The data link, viewers and snippets of the selected dataset. */
  readonly share: ShareModel;

  get state(): InspectorState {
    return this._state;
  }

  /** The metadata of the selected dataset. */
  get meta(): LoadState<IMetaResponse> {
    return this._meta;
  }

  /** The storage statistics of the selected dataset (may say "computing"). */
  get stats(): LoadState<IStatsResponse> {
    return this._stats;
  }

  /**
   * The tab the user looks at; kept when the selection moves to another dataset, except
   * Convert (an action on one source), which gives way to Overview.
   */
  get tab(): InspectorTab {
    return this._tab;
  }

  set tab(tab: InspectorTab) {
    if (tab !== this._tab) {
      this._tab = tab;
      this._changed.emit();
    }
  }

  /** The conversion the Convert tab starts from (a health warning's fix), or null. */
  get convertPreset(): IHealthFix | null {
    return this._convertPreset;
  }

  /** Open the Convert tab filled in with `fix`. */
  applyFix(fix: IHealthFix): void {
    this._convertPreset = fix;
    this._tab = 'convert';
    this._changed.emit();
  }

  /** The editor of the selected image's metadata, or null when it has none to edit. */
  get editor(): MetadataEditor | null {
    return this._editor;
  }

  /** The Metadata tab shows the editor instead of the metadata. */
  get editing(): boolean {
    return this._editing && this._editor !== null;
  }

  /** The field the editor opened at (a health warning's fix), or null. */
  get editFocus(): string | null {
    return this._editFocus;
  }

  /** Open the editor on the Metadata tab, at `field` if given. */
  startEditing(field: string | null = null): void {
    if (!this._editor) {
      return;
    }
    this._editor.reset();
    this._editing = true;
    this._editFocus = field;
    this._tab = 'metadata';
    this._changed.emit();
  }

  /** Back to the metadata as it is (the draft is dropped). */
  stopEditing(): void {
    this._editor?.reset();
    this._editing = false;
    this._editFocus = null;
    this._changed.emit();
  }

  /** Apply a health warning's fix made in place: auto contrast, or the editor at a field. */
  applyEditFix(fix: IEditFix): Promise<boolean> {
    if (fix.action === 'edit') {
      this.startEditing(fix.field);
      return Promise.resolve(this.editing);
    }
    if (!this._editor) {
      return Promise.resolve(false);
    }
    // Its outcome (and the new windows) show on the Metadata tab.
    this._tab = 'metadata';
    this._changed.emit();
    return this._editor.applyAutoContrast();
  }

  /** Fetches pages of the selected group's members, from an offset on. */
  get membersLoader(): ((offset: number) => Promise<IMembersPage>) | undefined {
    const state = this._state;
    if (state.status !== 'ready') {
      return undefined;
    }
    const { root, entry } = state;
    return offset => this._fetchMembers(root.name, entry.path, offset);
  }

  /** The preview of the selected dataset, or null when the server says it can draw none. */
  get thumbnailUrl(): string | null {
    return this._previewUrl(undefined);
  }

  /** The larger preview the thumbnail opens on click (the route's largest size). */
  get largeThumbnailUrl(): string | null {
    return this._previewUrl(LARGE_PREVIEW_SIZE);
  }

  /** The selected dataset's preview at `size` (the route's default when undefined),
   * versioned by its metadata's ETag after an edit; null when there is none. */
  private _previewUrl(size: number | undefined): string | null {
    const state = this._state;
    if (state.status !== 'ready' || !state.entry.previewable) {
      return null;
    }
    const { root, entry } = state;
    return this._thumbnailUrl(
      root.name,
      entry.path,
      size,
      this._versionOf(root.name, entry.path)
    );
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Read the selected entry from the server again. */
  reload(): Promise<void> {
    const current = this._selection.current;
    return current ? this._load(current) : Promise.resolve();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._request += 1;
    this._stopPolling();
    this._setEditor(null);
    this.share.clear();
    this.share.dispose();
    this._selection.changed.disconnect(this._onSelection, this);
  }

  private _onSelection(_: ISelectionModel, selected: ISelectedEntry | null) {
    if (selected === null) {
      this._request += 1;
      this._stopPolling();
      this._meta = IDLE;
      this._stats = IDLE;
      this._setEditor(null);
      this.share.clear();
      this._setState({ status: 'empty' });
      return;
    }
    void this._load(selected);
  }

  private async _load(selected: ISelectedEntry): Promise<void> {
    const request = ++this._request;
    this._stopPolling();
    const { root, entry } = selected;
    const previous = this._state.status === 'empty' ? null : this._state;
    const moved =
      previous !== null &&
      (previous.root.name !== root.name || previous.entry.path !== entry.path);
    if (moved && this._tab === 'convert') {
      // The Convert form belongs to its source: another dataset (e.g. a conversion's
      // result, which would be offered a conversion back over the source) opens on
      // its Overview.
      this._tab = 'overview';
    }
    this._meta = IDLE;
    this._stats = IDLE;
    this._convertPreset = null;
    this._setEditor(null);
    this.share.clear();
    // Show what the listing already knows while the confirmed description loads.
    this._setState({ status: 'loading', root, entry });
    let node: INodeResponse;
    try {
      node = await this._fetchNode(root.name, entry.path);
    } catch (error) {
      if (request === this._request) {
        this._setState({
          status: 'error',
          root,
          entry,
          error: describeRequestError(error, 'entry')
        });
      }
      return;
    }
    if (request !== this._request) {
      return;
    }
    const dataset = isDataset(node.kind);
    if (dataset) {
      this._meta = LOADING;
      this._stats = LOADING;
    }
    this._setState({ status: 'ready', root, entry: node });
    if (dataset) {
      void this._loadMeta(request, root.name, node.path);
      void this._loadStats(request, root.name, node.path);
      void this.share.load(root.name, node.path);
    }
  }

  private async _loadMeta(
    request: number,
    root: string,
    path: string
  ): Promise<void> {
    const next = await loadState(() => this._fetchMeta(root, path), 'metadata');
    if (request === this._request) {
      this._meta = next;
      const editable = next.status === 'ready' ? next.value.editable : null;
      this._setEditor(
        editable
          ? new MetadataEditor(this._editAPI, root, path, editable)
          : null
      );
      this._changed.emit();
    }
  }

  /**
   * After a save, an undo or an auto contrast: read the entry, metadata, viewers and
   * snippets again, keeping what is shown until the new answers arrive, and give the
   * preview a new URL (the new ETag) so no cache shows the old picture.
   */
  private async _afterEdit(
    editor: MetadataEditor,
    answer: IEditResponse
  ): Promise<void> {
    const { root, path } = editor;
    this._versions.set(versionKey(root, path), answer.etag);
    this._editing = false;
    this._editFocus = null;
    this._changed.emit();
    const request = this._request;
    void this.share.load(root, path);
    try {
      const node = await this._fetchNode(root, path);
      if (request === this._request && this._state.status === 'ready') {
        this._setState({ ...this._state, entry: node });
      }
    } catch {
      // The entry's figures stay as they were; the metadata is what changed.
    }
    if (request === this._request) {
      await this._loadMeta(request, root, path);
    }
  }

  private _setEditor(editor: MetadataEditor | null): void {
    if (this._editor) {
      this._editor.saved.disconnect(this._onSaved, this);
    }
    this._editor = editor;
    if (editor) {
      editor.saved.connect(this._onSaved, this);
    } else {
      this._editing = false;
      this._editFocus = null;
    }
  }

  private _onSaved(editor: MetadataEditor, answer: IEditResponse): void {
    void this._afterEdit(editor, answer);
  }

  private _versionOf(root: string, path: string): string | undefined {
    return this._versions.get(versionKey(root, path));
  }

  private async _loadStats(
    request: number,
    root: string,
    path: string
  ): Promise<void> {
    const next = await loadState(() => this._fetchStats(root, path), 'dataset');
    if (request !== this._request) {
      return;
    }
    this._stats = next;
    this._changed.emit();
    if (next.status === 'ready' && next.value.state === 'computing') {
      this._pollTimer = setTimeout(() => {
        this._pollTimer = null;
        if (request === this._request) {
          void this._loadStats(request, root, path);
        }
      }, this._pollInterval);
    }
  }

  private _stopPolling(): void {
    if (this._pollTimer !== null) {
      clearTimeout(this._pollTimer);
      this._pollTimer = null;
    }
  }

  private _setState(state: InspectorState): void {
    this._state = state;
    this._changed.emit();
  }

  private _fetchNode: NodeFetcher;
  private _fetchMeta: MetaFetcher;
  private _fetchStats: StatsFetcher;
  private _fetchMembers: MembersFetcher;
  private _pollInterval: number;
  private _thumbnailUrl: (
    root: string,
    path: string,
    size?: number,
    version?: string
  ) => string;
  private _editAPI: MetadataEditorAPI;
  private _editor: MetadataEditor | null = null;
  private _editing = false;
  private _editFocus: string | null = null;
  /** The ETag after the last edit of each edited dataset, for its preview's URL. */
  private _versions = new Map<string, string>();
  private _tab: InspectorTab = 'overview';
  private _convertPreset: IHealthFix | null = null;
  private _pollTimer: ReturnType<typeof setTimeout> | null = null;
  private _selection: ISelectionModel;
  private _state: InspectorState = { status: 'empty' };
  private _meta: LoadState<IMetaResponse> = IDLE;
  private _stats: LoadState<IStatsResponse> = IDLE;
  private _request = 0;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

function versionKey(root: string, path: string): string {
  return `${root}\u0000${path}`;
}
