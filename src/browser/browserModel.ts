/**
 * The browser's actions in one place: the roots, the listing and the selection, and what
 * "open", "go to parent", "inspect" and "reveal" mean across them. The React views and
 * the commands (context menu, palette, JupyterLab's file browser) all call this.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { FileglancerAPIError } from '../api';
import type { IEntry, IFileglancerAPI, INodeResponse, IRoot } from '../api';
import type { LabIcon } from '@jupyterlab/ui-components';
import { isDataset, kindIcon } from '../kinds';
import { outsideRootsMessage, parsePathInput } from '../pathInput';
import {
  joinPath,
  normalizePath,
  parentPath,
  relativeToRoot
} from '../common/paths';
import { SelectionModel } from '../selection';
import { ListingModel } from './listingModel';
import { RootsModel } from './rootsModel';

/** Fetches one entry with its kind confirmed. */
export type NodeFetcher = (
  root: string,
  path: string
) => Promise<INodeResponse>;

export interface IBrowserModelOptions {
  roots: RootsModel;
  listing: ListingModel;
  selection: SelectionModel;
  /**
   * Reads one entry with its kind confirmed (`getNode`), and the user's data links, to
   * open a pasted link of theirs at its dataset (`listLinks`).
   */
  api: Pick<IFileglancerAPI, 'getNode' | 'listLinks'>;
}

/** A typed path that does not name a place to go, with the reason in words. */
export class PathInputError extends Error {}

export class BrowserModel {
  constructor(options: IBrowserModelOptions) {
    this.roots = options.roots;
    this.listing = options.listing;
    this.selection = options.selection;
    const api = (this._api = options.api);
    this._fetchNode = (root, path) => api.getNode(root, path);
    this.roots.changed.connect(this._onRootsChanged, this);
  }

  readonly roots: RootsModel;
  readonly listing: ListingModel;
  readonly selection: SelectionModel;

  /** Emitted when the user asks to inspect an entry (the inspector panel should show). */
  get inspectRequested(): ISignal<this, IEntry> {
    return this._inspectRequested;
  }

  /**
   * True while the listing shows the top of the only root, opened without the user
   * asking: a saved location may still take its place.
   */
  get openedAutomatically(): boolean {
    return this._openedAutomatically;
  }

  /** The root the listing shows, with its aliases, or null. */
  get currentRoot(): IRoot | null {
    return this.findRoot(this.listing.root);
  }

  /** The configured root named `name`, when the roots are loaded. */
  findRoot(name: string | null): IRoot | null {
    const state = this.roots.state;
    if (name === null || state.status !== 'ready') {
      return null;
    }
    return state.roots.find(root => root.name === name) ?? null;
  }

  /**
   * Show `path` of the root `rootName`. When `select` is given (a child's path), that
   * child is selected once the first page is in, if it is there.
   */
  async navigate(
    rootName: string,
    path: string,
    select: string | null = null
  ): Promise<void> {
    const target = normalizePath(path);
    this._openedAutomatically = false;
    const done = this.listing.navigate(rootName, target);
    this.roots.select(rootName);
    await done;
    if (select === null) {
      return;
    }
    const index = this.listing.indexOf(select);
    const root = this.findRoot(rootName);
    const entry = this.listing.entryAt(index);
    if (root && entry && this.listing.root === rootName) {
      this.selection.select(root, entry);
    }
  }

  /** Go to the parent folder, selecting the folder we came from. */
  async goToParent(): Promise<void> {
    const root = this.listing.root;
    const parent = parentPath(this.listing.path);
    if (root === null || parent === null) {
      return;
    }
    await this.navigate(root, parent, this.listing.path);
  }

  /** True when there is a parent folder to go to. */
  get canGoToParent(): boolean {
    return this.listing.root !== null && this.listing.path !== '';
  }

  /** Select an entry of the listing shown. */
  select(entry: IEntry): void {
    const root = this.currentRoot;
    if (root) {
      this.selection.select(root, entry);
    }
  }

  /**
   * Open an entry the way a double-click or Enter does: step into a plain folder;
   * open a plain file (a notebook, a text file) in JupyterLab when it can; inspect a
   * dataset (a Zarr or N5 folder, a TIFF), or a file JupyterLab cannot reach.
   */
  async open(entry: IEntry): Promise<void> {
    if (entry.kind === 'directory') {
      await this.openAsFolder(entry);
      return;
    }
    if (this.canOpenFile(entry)) {
      this.select(entry);
      this._fileOpener?.(entry.contents_path as string);
      return;
    }
    this.inspect(entry);
  }

  /**
   * Who opens plain files: JupyterLab's document manager, given the file's Contents
   * path (index.ts sets it; without one, files are inspected).
   */
  setFileOpener(opener: ((contentsPath: string) => void) | null): void {
    this._fileOpener = opener;
  }

  /**
   * Where plain files get their icons: JupyterLab's file types (IDocumentRegistry), so a
   * notebook looks like a notebook here too.
   */
  setFileTypeIcons(lookup: ((name: string) => LabIcon | null) | null): void {
    this._fileTypeIcon = lookup;
  }

  /** The icon of an entry: its file type's for a plain file, its kind's otherwise. */
  iconFor(entry: Pick<IEntry, 'kind' | 'name'>): LabIcon {
    const typed =
      entry.kind === 'file' && this._fileTypeIcon
        ? this._fileTypeIcon(entry.name)
        : null;
    return typed ?? kindIcon(entry.kind);
  }

  /** True for a plain file JupyterLab serves (it has a Contents path) when there is an opener. */
  canOpenFile(entry: IEntry): boolean {
    return (
      this._fileOpener !== null &&
      entry.kind === 'file' &&
      typeof entry.contents_path === 'string'
    );
  }

  /** Step into any folder, datasets included (the context menu's "Open as folder"). */
  async openAsFolder(entry: IEntry): Promise<void> {
    const root = this.listing.root;
    if (root === null || !entry.is_dir) {
      return;
    }
    await this.navigate(root, entry.path);
  }

  /** Select an entry and ask for the inspector. */
  inspect(entry: IEntry): void {
    this.select(entry);
    this._inspectRequested.emit(entry);
  }

  /**
   * Show `path` of `rootName` as the user would find it: its parent folder listed, the
   * entry itself selected and inspected. Used by JupyterLab's own file browser.
   * Rejects with the server's error when the path cannot be described.
   */
  async reveal(rootName: string, path: string): Promise<void> {
    const target = normalizePath(path);
    const node = await this._fetchNode(rootName, target);
    if (node.is_dir && !isDataset(node.kind)) {
      await this.navigate(rootName, target);
    }
    await this._selectAndInspect(rootName, target, node);
  }

  /**
   * List the parent of `target` (unless `navigate` already listed the folder itself), and
   * select and inspect `target` there.
   */
  private async _selectAndInspect(
    rootName: string,
    target: string,
    node: INodeResponse
  ): Promise<void> {
    if (!(node.is_dir && !isDataset(node.kind))) {
      await this.navigate(rootName, parentPath(target) ?? '', target);
    }
    const root = this.findRoot(rootName);
    if (!root) {
      return;
    }
    const index = this.listing.indexOf(target);
    // Prefer the listing's object so the row shows as selected; the node stands in for
    // an entry beyond the first page (or for a root itself).
    const entry = this.listing.entryAt(index) ?? node;
    this.selection.select(root, entry);
    this._inspectRequested.emit(entry);
  }

  /**
   * Go to a path the user typed (relative to the root, or absolute inside it) the way
   * double-click and Enter open it: a plain folder is listed; a dataset or a file is
   * selected in its folder and inspected. Rejects with the server's error (e.g. 404) so
   * the path box can say what is wrong; the listing stays where it was then.
   */
  async goToPath(rootName: string, typed: string): Promise<void> {
    const root = this.findRoot(rootName);
    const target = root
      ? relativeToRoot(typed, root.path)
      : normalizePath(typed);
    const node = await this._fetchNode(rootName, target);
    if (node.is_dir && !isDataset(node.kind)) {
      await this.navigate(rootName, target);
      return;
    }
    await this._selectAndInspect(rootName, target, node);
  }

  /**
   * Go to whatever the user pasted: a path relative to the current root, a Linux path,
   * `smb://` or `\\server\share` path of a root, a `file://` URL, or one of the user's
   * data links. Rejects with a PathInputError that says why a path names no place, or
   * with the server's error (e.g. 404) for a place that is not there.
   */
  async goToTyped(typed: string): Promise<void> {
    const state = this.roots.state;
    const roots = state.status === 'ready' ? state.roots : [];
    const parsed = parsePathInput(typed, roots, this.listing.root);
    if (parsed.kind === 'error') {
      throw new PathInputError(parsed.message);
    }
    if (parsed.kind === 'root') {
      try {
        return await this.goToPath(parsed.root, parsed.path);
      } catch (error) {
        // "/elsewhere" under no root, and not in the current root either.
        if (
          parsed.outside &&
          error instanceof FileglancerAPIError &&
          error.status === 404
        ) {
          throw new PathInputError(outsideRootsMessage(typed.trim(), roots));
        }
        throw error;
      }
    }
    const links = await this._api.listLinks();
    const link = links.find(found => found.token === parsed.token);
    if (!link) {
      throw new PathInputError(
        'That data link is not one of yours, or it no longer works.'
      );
    }
    return this.goToPath(link.root, joinPath(link.path, parsed.path));
  }

  /**
   * Where the show-hidden choice is saved (the `showHidden` setting). The setting's
   * change then reaches the listing through `listing.setShowHidden`.
   */
  setShowHiddenSaver(save: ((show: boolean) => Promise<void>) | null): void {
    this._saveShowHidden = save;
  }

  /** The toolbar toggle: flip showing hidden entries, through the setting when there is one. */
  async toggleShowHidden(): Promise<void> {
    const next = !this.listing.showHidden;
    if (this._saveShowHidden) {
      try {
        await this._saveShowHidden(next);
        // The settings registry usually applies the change already; make sure.
        await this.listing.setShowHidden(next);
        return;
      } catch (reason) {
        console.warn('fileglancer-ext: could not save showHidden.', reason);
      }
    }
    await this.listing.setShowHidden(next);
  }

  /** Keep the listing on the root chosen in the roots list. */
  private _onRootsChanged(): void {
    const selected = this.roots.selected;
    if (selected === null) {
      const shown = this.listing.root;
      if (this.roots.state.status !== 'ready') {
        return;
      }
      if (shown === null) {
        this._openSingleRoot(this.roots.state.roots);
        return;
      }
      if (this.findRoot(shown)?.available) {
        this.roots.select(shown); // navigated before the roots had loaded
      } else {
        this.listing.clear(); // the root is gone or unavailable after a reload
        this.selection.clear();
      }
      return;
    }
    if (selected !== this.listing.root) {
      this.selection.clear();
      void this.listing.navigate(selected, '');
    }
  }

  /** With one available root there is nothing to choose: open it at once. */
  private _openSingleRoot(roots: IRoot[]): void {
    const available = roots.filter(root => root.available);
    if (available.length === 1) {
      this._openedAutomatically = true;
      this.roots.select(available[0].name);
    }
  }

  private _api: Pick<IFileglancerAPI, 'getNode' | 'listLinks'>;
  private _fetchNode: NodeFetcher;
  private _openedAutomatically = false;
  private _fileOpener: ((contentsPath: string) => void) | null = null;
  private _fileTypeIcon: ((name: string) => LabIcon | null) | null = null;
  private _saveShowHidden: ((show: boolean) => Promise<void>) | null = null;
  private _inspectRequested = new Signal<this, IEntry>(this);
}
