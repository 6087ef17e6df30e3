/** "Open in viewer": one main-area image viewer, opened on an image of a root. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { imageIcon } from '@jupyterlab/ui-components';

import { ROW_SELECTOR } from '../commands';
import { registerMainAreaView } from '../common/mainAreaView';
import { ISelectionModel } from '../selection';
import { ImageViewerWidget } from './ImageViewer';
import { IImageViewerAPI, imageViewerAPI } from './viewerApi';

export const OPEN_VIEWER = 'fileglancer:open-viewer';
const VIEW_COMMAND = 'fileglancer:image-viewer';

/** Register `fileglancer:open-viewer` ({root, path}; else the selected entry). */
export function registerViewerCommand(
  app: JupyterFrontEnd,
  selection: ISelectionModel,
  api: IImageViewerAPI = imageViewerAPI()
): void {
  let target = { root: '', path: '' };
  // Not restored after a reload: the image it showed is not kept.
  registerMainAreaView(app, null, {
    command: VIEW_COMMAND,
    label: 'Image Viewer',
    caption: 'View the image in the main area',
    icon: imageIcon,
    id: 'fileglancer-image-viewer',
    title: 'Image Viewer',
    restoreName: 'fileglancer-image-viewer',
    create: () => new ImageViewerWidget(api, target.root, target.path),
    refresh: content => content.showImage(target.root, target.path)
  });
  app.commands.addCommand(OPEN_VIEWER, {
    label: 'Open in Viewer',
    caption: 'View the selected image (pan, zoom, z, t, channels, contrast)',
    icon: imageIcon,
    isEnabled: args =>
      typeof args.root === 'string' || selection.current !== null,
    // In the browser's context menu: only for what the server can draw.
    isVisible: args =>
      typeof args.root === 'string' ||
      selection.current?.entry.previewable === true,
    execute: async args => {
      const current = selection.current;
      target =
        typeof args.root === 'string'
          ? { root: args.root, path: String(args.path ?? '') }
          : { root: current?.root.name ?? '', path: current?.entry.path ?? '' };
      return app.commands.execute(VIEW_COMMAND);
    }
  });
  app.contextMenu.addItem({
    command: OPEN_VIEWER,
    selector: ROW_SELECTOR,
    rank: 1.5
  });
}
