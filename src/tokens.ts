/** The interfaces this extension offers to other plugins. */
import { Token } from '@lumino/coreutils';

import type { ISelectionModel } from './selection';

export type { ISelectedEntry, ISelectionModel } from './selection';

/**
 * The Fileglancer selection: the entry selected in the browser, with its root. The
 * inspector's metadata tabs (and other plugins) follow it.
 */
export const IFileglancerSelection = new Token<ISelectionModel>(
  'fileglancer-ext:selection',
  'The entry selected in the Fileglancer browser.'
);
