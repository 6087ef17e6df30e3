import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { BrowserPanel } from './browser/BrowserPanel';
import { RootsModel } from './browser/rootsModel';
import { CommandIDs, PALETTE_CATEGORY } from './commands';
import { fileglancerIcon, inspectorIcon } from './icons';
import { InspectorPanel } from './inspector/InspectorPanel';

const PLUGIN_ID = 'fileglancer-ext:plugin';
export const BROWSER_ID = 'fileglancer-browser';
export const INSPECTOR_ID = 'fileglancer-inspector';

/** The Fileglancer sidebar browser and metadata inspector. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Browse, inspect, share and convert Zarr / OME-Zarr data.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => {
    const model = new RootsModel();
    const browser = new BrowserPanel(model);
    browser.id = BROWSER_ID;
    browser.title.icon = fileglancerIcon;
    browser.title.caption = 'Fileglancer';
    app.shell.add(browser, 'left', { rank: 150 });

    const inspector = new InspectorPanel();
    inspector.id = INSPECTOR_ID;
    inspector.title.icon = inspectorIcon;
    inspector.title.caption = 'Fileglancer Inspector';
    app.shell.add(inspector, 'right', { rank: 150 });

    if (restorer) {
      restorer.add(browser, BROWSER_ID);
      restorer.add(inspector, INSPECTOR_ID);
    }

    app.commands.addCommand(CommandIDs.openBrowser, {
      label: 'Open the Fileglancer Browser',
      execute: () => app.shell.activateById(BROWSER_ID)
    });
    app.commands.addCommand(CommandIDs.openInspector, {
      label: 'Open the Fileglancer Inspector',
      execute: () => app.shell.activateById(INSPECTOR_ID)
    });
    app.commands.addCommand(CommandIDs.refreshRoots, {
      label: 'Reload the Fileglancer Roots',
      execute: () => model.refresh()
    });
    if (palette) {
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category: PALETTE_CATEGORY });
      }
    }

    void model.refresh();

    Promise.all([settingRegistry.load(PLUGIN_ID), app.restored])
      .then(([settings]) => {
        if (settings.get('openPanelsOnStart').composite === true) {
          app.shell.activateById(BROWSER_ID);
          app.shell.activateById(INSPECTOR_ID);
        }
      })
      .catch(reason => {
        console.error('fileglancer-ext: could not load its settings.', reason);
      });
  }
};

export default plugin;
