/** The mime-renderer plugin that draws `fileglancer_ext.show(...)` outputs. */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { DATASET_MIME, DatasetOutput } from './DatasetOutput';

const extension: IRenderMime.IExtension = {
  id: 'fileglancer-ext:dataset-output',
  description: 'Draws fileglancer_ext.show() outputs: a dataset summary.',
  rendererFactory: {
    safe: true,
    mimeTypes: [DATASET_MIME],
    createRenderer: () => new DatasetOutput()
  },
  rank: 0,
  dataType: 'json'
};

export default extension;
