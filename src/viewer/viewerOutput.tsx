/**
 * `fileglancer_ext.view(path)` in a notebook: a small card, "Image viewer: <name> — Open",
 * that opens the main-area viewer through `fileglancer:open-viewer` when it first appears
 * (once per call: a reloaded notebook does not open it again) and on every click. The
 * kernel sends its resolved path, mapped here to a root by the roots' real paths, or a
 * data link's URL (fileglancer_ext/notebook/viewing.py).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import * as React from 'react';

import type { IRoot } from '../api';
import { locateRealPath } from './viewerTarget';

export const VIEWER_MIME = 'application/vnd.fileglancer.viewer+json';
/** Where the ids of the cards that already opened the viewer are kept (the newest). */
const OPENED_KEY = 'fileglancer-ext:viewer-cards-opened';
const OPENED_KEPT = 200;

/** What `view()` sends. */
export interface IViewerCardData {
  id: string;
  name: string;
  path?: string;
  url?: string;
  /** Why the kernel could not send something to open. */
  error?: string;
}

/** How a card opens the viewer: `OPEN_VIEWER`'s arguments, and the roots to map a path. */
export interface IViewerOpener {
  open(args: { root: string; path: string } | { url: string }): Promise<void>;
  roots(): Promise<IRoot[]>;
}

/** Open the viewer on what the card names; the message to show when it cannot. */
export async function openFromCard(
  data: IViewerCardData,
  opener: IViewerOpener
): Promise<string | null> {
  if (data.error) {
    return data.error;
  }
  try {
    if (data.url) {
      await opener.open({ url: data.url });
      return null;
    }
    const roots = await opener.roots();
    const found = locateRealPath(data.path ?? '', roots);
    if (!found) {
      const names = roots
        .filter(root => root.available)
        .map(root => `'${root.name}'`);
      return (
        `'${data.path}' is outside the folders Fileglancer serves` +
        (names.length ? ` (${names.join(', ')})` : '') +
        ': the viewer reads only inside them.'
      );
    }
    await opener.open(found);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Whether the card `id` opened the viewer already (in this browser); records it if not. */
export function firstTimeOpened(
  id: string,
  storage: Storage = localStorage
): boolean {
  let opened: string[] = [];
  try {
    const kept: unknown = JSON.parse(storage.getItem(OPENED_KEY) ?? '[]');
    opened = Array.isArray(kept) ? kept.filter(x => typeof x === 'string') : [];
  } catch {
    opened = [];
  }
  if (opened.includes(id)) {
    return false;
  }
  try {
    storage.setItem(
      OPENED_KEY,
      JSON.stringify([...opened, id].slice(-OPENED_KEPT))
    );
  } catch {
    // storage full or refused: the card still opens (perhaps again after a reload)
  }
  return true;
}

export function ViewerCard(props: {
  data: IViewerCardData;
  opener: IViewerOpener;
  /** Open at once (a fresh, trusted output). */
  autoOpen: boolean;
}): JSX.Element {
  const { data, opener, autoOpen } = props;
  const [message, setMessage] = React.useState<string | null>(
    data.error ?? null
  );
  const [busy, setBusy] = React.useState(false);
  const open = React.useCallback(() => {
    setBusy(true);
    void openFromCard(data, opener).then(found => {
      setMessage(found);
      setBusy(false);
    });
  }, [data, opener]);
  React.useEffect(() => {
    if (autoOpen && !data.error) {
      open();
    }
  }, []);
  return (
    <div
      className="jp-Fileglancer-viewerCard"
      data-state={message ? 'error' : 'ready'}
    >
      <span>
        Image viewer: <strong title={data.url ?? data.path}>{data.name}</strong>
      </span>
      {' — '}
      <button
        type="button"
        className="jp-mod-styled jp-mod-accept"
        data-action="open-viewer"
        disabled={busy || Boolean(data.error)}
        onClick={open}
      >
        Open
      </button>
      {message && (
        <p className="jp-Fileglancer-error" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}

/** The renderer of VIEWER_MIME outputs. */
export class ViewerOutput extends ReactWidget implements IRenderMime.IRenderer {
  constructor(private readonly _opener: IViewerOpener) {
    super();
    this.addClass('jp-Fileglancer-outputWidget');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._data = model.data[VIEWER_MIME] as unknown as IViewerCardData;
    // Only a trusted output (one this user ran) opens a panel by itself, once per call.
    this._autoOpen =
      model.trusted &&
      Boolean(this._data?.id) &&
      firstTimeOpened(this._data.id);
    this.update();
    return this.renderPromise ?? Promise.resolve();
  }

  render(): JSX.Element | null {
    return this._data ? (
      <ViewerCard
        key={this._data.id}
        data={this._data}
        opener={this._opener}
        autoOpen={this._autoOpen}
      />
    ) : null;
  }

  private _data: IViewerCardData | null = null;
  private _autoOpen = false;
}

/** The renderer factory, given how to open the viewer. */
export function viewerOutputFactory(
  opener: IViewerOpener
): IRenderMime.IRendererFactory {
  return {
    safe: true, // it shows text and a button; opening by itself needs a trusted output
    mimeTypes: [VIEWER_MIME],
    createRenderer: () => new ViewerOutput(opener)
  };
}
