/** The interfaces this extension offers to other plugins. */
import { Token } from '@lumino/coreutils';

import type { IFileglancerAPI as FileglancerAPI } from './api';
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

/** The client of the Fileglancer REST API: browse, inspect, links, jobs... */
export type IFileglancerAPI = FileglancerAPI;

/**
 * The one Fileglancer API client, created by the `fileglancer-ext:api` plugin; every
 * panel and model gets it from here instead of calling the server on its own.
 */
export const IFileglancerAPI = new Token<IFileglancerAPI>(
  'fileglancer-ext:api',
  'The client of the Fileglancer server API.'
);
