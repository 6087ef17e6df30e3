/**
 * "Open in viewer": one main-area image viewer, opened on an image of a root or of a data
 * link, and brought back by a reload with its image and view state.
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { imageIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { ROW_SELECTOR } from '../commands';
import { registerMainAreaView } from '../common/mainAreaView';
import { ISelectionModel } from '../selection';
import { ImageViewerWidget } from './ImageViewer';
import { IImageViewerAPI, imageViewerAPI } from './viewerApi';
import { ISavedView, parseLinkURL } from './viewerTarget';

export const OPEN_VIEWER = 'fileglancer:open-viewer';
const VIEW_COMMAND = 'fileglancer:image-viewer';
/** How long view changes wait for the next one before the restorer saves them. */
const SAVE_DELAY_MS = 300;

/** What the viewer shows: a root and path (`root` may be a link's viewer base). */
interface ITarget {
  root: string;
  path: string;
  view: ISavedView | null;
}

function targetOf(args: ReadonlyPartialJSONObject): ITarget {
  return {
    root: String(args.root ?? ''),
    path: String(args.path ?? ''),
    view: (args.view as unknown as ISavedView | undefined) ?? null
  };
}

/**
 * Register `fileglancer:open-viewer`: `{root, path}`, `{url}` (a data link's URL), else
 * the selected entry. A reload restores the viewer (`restorer`) with its image, planes,
 * channels and windows.
 */
export function registerViewerCommand(
  app: JupyterFrontEnd,
  selection: ISelectionModel,
  api: IImageViewerAPI = imageViewerAPI(),
  restorer: ILayoutRestorer | null = null
): void {
  const tracker = registerMainAreaView(app, restorer, {
    command: VIEW_COMMAND,
    label: 'Image Viewer',
    caption: 'View the image in the main area',
    icon: imageIcon,
    id: 'fileglancer-image-viewer',
    title: 'Image Viewer',
    restoreName: 'fileglancer-image-viewer',
    create: args => {
      const { root, path, view } = targetOf(args);
      return new ImageViewerWidget(api, root, path, view);
    },
    refresh: (content, args) => {
      const { root, path, view } = targetOf(args);
      content.showImage(root, path, view);
    },
    restoreArgs: content => ({
      root: content.root,
      path: content.path,
      view: content.savedView as unknown as ReadonlyPartialJSONObject | null
    })
  });
  tracker.widgetAdded.connect((_, widget) => {
    let timer: number | undefined;
    widget.content.stateChanged.connect(() => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void tracker.save(widget), SAVE_DELAY_MS);
    });
    widget.disposed.connect(() => window.clearTimeout(timer));
  });
  app.commands.addCommand(OPEN_VIEWER, {
    label: 'Open in Viewer',
    caption:
      'View the selected image (pan, zoom, z, t, channels, contrast); ' +
      'or {root, path}, or the {url} of a data link',
    icon: imageIcon,
    isEnabled: args =>
      typeof args.root === 'string' ||
      typeof args.url === 'string' ||
      selection.current !== null,
    // In the browser's context menu: only for what the server can draw.
    isVisible: args =>
      typeof args.root === 'string' ||
      typeof args.url === 'string' ||
      selection.current?.entry.previewable === true,
    execute: async args => {
      const current = selection.current;
      let target: { root: string; path: string };
      if (typeof args.url === 'string') {
        const link = parseLinkURL(args.url);
        if (!link) {
          throw new Error(
            `Not a data link URL: ${args.url} (expected .../fileglancer/s/<token>/...)`
          );
        }
        target = { root: link.base, path: link.path };
      } else if (typeof args.root === 'string') {
        target = { root: args.root, path: String(args.path ?? '') };
      } else {
        target = {
          root: current?.root.name ?? '',
          path: current?.entry.path ?? ''
        };
      }
      return app.commands.execute(VIEW_COMMAND, target);
    }
  });
  app.contextMenu.addItem({
    command: OPEN_VIEWER,
    selector: ROW_SELECTOR,
    rank: 1.5
  });
}
