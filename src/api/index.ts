/**
 * The typed client of the fileglancer REST API, one module per feature. The plugin
 * creates one `IFileglancerAPI` (`createFileglancerAPI`) and hands it to the models;
 * tests hand them a fake or a client whose settings point at a stub server.
 */
import { ServerConnection } from '@jupyterlab/services';

import { browseAPI, IBrowseAPI } from './browse';
import { APIClient } from './client';
import { editAPI, IEditAPI } from './edit';
import { favouritesAPI, IFavouritesAPI } from './favourites';
import { IInspectAPI, inspectAPI } from './inspect';
import { IJobsAPI, jobsAPI } from './jobs';
import { ILinksAPI, linksAPI } from './links';
import { IShortLinksAPI, shortLinksAPI } from './shortlinks';
import { IViewersAPI, viewersAPI } from './viewers';

export * from './browse';
export * from './client';
export * from './convert';
export * from './edit';
export * from './favourites';
export * from './inspect';
export * from './jobs';
export * from './links';
export * from './shortlinks';
export * from './viewers';

/** Every call the extension makes to its server. */
export interface IFileglancerAPI
  extends
    IBrowseAPI,
    IInspectAPI,
    IEditAPI,
    ILinksAPI,
    IViewersAPI,
    IShortLinksAPI,
    IJobsAPI,
    IFavouritesAPI {}

/** The API over one server connection (JupyterLab's own settings by default). */
export function createFileglancerAPI(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): IFileglancerAPI {
  const client = new APIClient(settings);
  return {
    ...browseAPI(client),
    ...inspectAPI(client),
    ...editAPI(client),
    ...linksAPI(client),
    ...viewersAPI(client),
    ...shortLinksAPI(client),
    ...jobsAPI(client),
    ...favouritesAPI(client)
  };
}
