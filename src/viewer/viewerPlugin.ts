/** The plugin that draws `fileglancer_ext.view(...)` outputs: cards that open the viewer. */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { IFileglancerAPI } from '../tokens';
import { OPEN_VIEWER } from './viewerCommands';
import { viewerOutputFactory } from './viewerOutput';

export const viewerOutputPlugin: JupyterFrontEndPlugin<void> = {
  id: 'fileglancer-ext:viewer-output',
  description:
    'Draws fileglancer_ext.view() outputs: a card that opens the viewer.',
  autoStart: true,
  requires: [IFileglancerAPI, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    api: IFileglancerAPI,
    rendermime: IRenderMimeRegistry
  ): void => {
    rendermime.addFactory(
      viewerOutputFactory({
        open: async args => {
          await app.commands.execute(OPEN_VIEWER, args);
        },
        roots: async () => (await api.getRoots()).roots
      }),
      0
    );
  }
};
