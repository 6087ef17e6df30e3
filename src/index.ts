import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';

import { createFileglancerAPI } from './api';
import { BrowserModel } from './browser/browserModel';
import { BrowserPanel } from './browser/BrowserPanel';
import { ListingModel } from './browser/listingModel';
import { restoreLocation } from './browser/locationState';
import {
  registerFavouriteCommand,
  serverFavouritesStorage,
  stateDBStorage,
  trackRecentDatasets
} from './browser/placesCommands';
import { PlacesModel } from './browser/placesModel';
import { RootsModel } from './browser/rootsModel';
import {
  CommandIDs,
  PALETTE_CATEGORY,
  PALETTE_COMMANDS,
  registerBrowserCommands
} from './commands';
import { registerConvertCommands } from './convert/convertCommands';
import { registerFileBrowserCommands } from './fileBrowserMenu';
import { fileglancerIcon, inspectorIcon } from './common/icons';
import { InspectorModel } from './inspector/inspectorModel';
import { InspectorPanel } from './inspector/InspectorPanel';
import { ISelectionModel, SelectionModel } from './selection';
import { insertIntoNotebook } from './share/insertSnippet';
import { LinkEvents } from './share/linkEvents';
import { registerDataLinksCommand } from './share/linksCommand';
import { ShareModel } from './share/shareModel';
import { IFileglancerAPI, IFileglancerSelection } from './tokens';
import { OPEN_VIEWER, registerViewerCommand } from './viewer/viewerCommands';
import { viewerOutputPlugin } from './viewer/viewerPlugin';

const PLUGIN_ID = 'fileglancer-ext:plugin';
const API_PLUGIN_ID = 'fileglancer-ext:api';
export const BROWSER_ID = 'fileglancer-browser';
export const INSPECTOR_ID = 'fileglancer-inspector';

/** The one client of the Fileglancer server API, over JupyterLab's server settings. */
const apiPlugin: JupyterFrontEndPlugin<IFileglancerAPI> = {
  id: API_PLUGIN_ID,
  description: 'The client of the Fileglancer server API.',
  autoStart: true,
  provides: IFileglancerAPI,
  activate: (): IFileglancerAPI => createFileglancerAPI()
};

/** The Fileglancer sidebar browser and metadata inspector. */
const plugin: JupyterFrontEndPlugin<ISelectionModel> = {
  id: PLUGIN_ID,
  description: 'Browse, inspect, share and convert Zarr / OME-Zarr data.',
  autoStart: true,
  provides: IFileglancerSelection,
  requires: [IFileglancerAPI, ISettingRegistry],
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    IDefaultFileBrowser,
    IStateDB,
    IDocumentManager
  ],
  activate: (
    app: JupyterFrontEnd,
    api: IFileglancerAPI,
    settingRegistry: ISettingRegistry,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    state: IStateDB | null,
    docManager: IDocumentManager | null
  ): ISelectionModel => {
    const selection = new SelectionModel();
    const model = new BrowserModel({
      roots: new RootsModel(api),
      listing: new ListingModel(({ root, path, ...params }) =>
        api.listDirectory(root, path, params)
      ),
      selection,
      api
    });

    // Plain files open with JupyterLab's document manager and show its file-type icons.
    if (docManager) {
      model.setFileOpener(path => void docManager.openOrReveal(path));
    }
    const docRegistry = app.docRegistry;
    model.setFileTypeIcons(
      name => docRegistry.getFileTypesForPath(name)[0]?.icon ?? null
    );

    const places = new PlacesModel(
      serverFavouritesStorage(api, state ? stateDBStorage(state) : null)
    );
    trackRecentDatasets(selection, places);
    const browser = new BrowserPanel(model, places);
    browser.id = BROWSER_ID;
    browser.title.icon = fileglancerIcon;
    browser.title.caption = 'Fileglancer';
    app.shell.add(browser, 'left', { rank: 150 });

    const jobs = registerConvertCommands(app, model, restorer, api);
    const linkEvents = new LinkEvents();
    const inspectorModel = new InspectorModel(selection, api, {
      share: new ShareModel(api, linkEvents)
    });
    const inspector = new InspectorPanel(inspectorModel, {
      showLinks: () => void app.commands.execute(CommandIDs.openDataLinks),
      submitConversion: request => jobs.submit(request),
      conversionStarted: () => void app.commands.execute(CommandIDs.openJobs),
      insertSnippet: code => void insertIntoNotebook(app.commands, code),
      openViewer: (root, path) =>
        void app.commands.execute(OPEN_VIEWER, { root, path })
    });
    inspector.id = INSPECTOR_ID;
    inspector.title.icon = inspectorIcon;
    inspector.title.caption = 'Fileglancer Inspector';
    app.shell.add(inspector, 'right', { rank: 150 });

    if (restorer) {
      restorer.add(browser, BROWSER_ID);
      restorer.add(inspector, INSPECTOR_ID);
    }

    const ids = { browserId: BROWSER_ID, inspectorId: INSPECTOR_ID };
    registerBrowserCommands(app, model, {
      ...ids,
      createLink: async (root, path) => {
        const link = await api.createLink({ root, path });
        linkEvents.emit(link.id, null); // the Share tab and "Data links" show it
        return link;
      }
    });
    registerDataLinksCommand(app, restorer, api, linkEvents);
    registerFavouriteCommand(app, model, places);
    registerViewerCommand(app, selection, undefined, restorer);
    if (fileBrowser) {
      registerFileBrowserCommands(app, model, fileBrowser, { ...ids, api });
    }
    if (palette) {
      for (const command of [...PALETTE_COMMANDS, OPEN_VIEWER]) {
        palette.addItem({
          command,
          category: PALETTE_CATEGORY,
          args: { isPalette: true }
        });
      }
    }
    model.inspectRequested.connect(() => {
      void app.commands.execute(CommandIDs.openInspector);
    });

    void model.roots.refresh();

    Promise.all([settingRegistry.load(PLUGIN_ID), app.restored])
      .then(async ([settings]) => {
        const applyShowHidden = () =>
          void model.listing.setShowHidden(
            settings.get('showHidden').composite === true
          );
        applyShowHidden();
        settings.changed.connect(applyShowHidden);
        model.setShowHiddenSaver(show => settings.set('showHidden', show));

        if (settings.get('openPanelsOnStart').composite === true) {
          app.shell.activateById(BROWSER_ID);
          app.shell.activateById(INSPECTOR_ID);
        }
        // Favourites first: restoring the location selects an entry, which is recorded.
        await places.restore().catch(reason => {
          console.warn('fileglancer-ext: could not read favourites.', reason);
        });
        return state ? restoreLocation(model, state) : undefined;
      })
      .catch(reason => {
        console.error('fileglancer-ext: could not load its settings.', reason);
      });

    return selection;
  }
};

export default [apiPlugin, plugin, viewerOutputPlugin];
