/**
 * Two entries in JupyterLab's own file browser context menu: "Inspect with Fileglancer"
 * and "Copy Path (Linux)". The item's contents path is mapped to a Fileglancer root by
 * the server (`GET locate`); an item outside every root gets a clear notification.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { copyIcon } from '@jupyterlab/ui-components';

import { FileglancerAPIError, IFileglancerAPI, ILocateResponse } from './api';
import { BrowserModel } from './browser/browserModel';
import { CommandIDs, copyWithNotice } from './commands';
import { inspectorIcon } from './common/icons';
import { linuxPath } from './common/paths';

/** JupyterLab's selector for the items of its file browser listing. */
export const FILE_BROWSER_ITEM_SELECTOR = '.jp-DirListing-item[data-isdir]';

/** Maps a contents path to a root (`locate`). */
export type Locator = (contentsPath: string) => Promise<ILocateResponse>;

/**
 * Where a contents path lies among the roots; null (after telling the user why) when it
 * is in none of them or the server cannot say.
 */
async function locateOrExplain(
  contentsPath: string,
  locator: Locator
): Promise<ILocateResponse | null> {
  try {
    return await locator(contentsPath);
  } catch (error) {
    const shown = contentsPath || '/';
    if (error instanceof FileglancerAPIError && error.status === 404) {
      // The server's message says it is outside the roots and names them.
      Notification.warning(
        error.message ||
          `"${shown}" is outside the Fileglancer roots, so Fileglancer cannot show it.`,
        { autoClose: 6000 }
      );
    } else {
      const message = error instanceof Error ? error.message : String(error);
      Notification.error(
        `Fileglancer could not locate "${shown}": ${message}`,
        {
          autoClose: 6000
        }
      );
    }
    return null;
  }
}

export interface IFileBrowserMenuOptions {
  browserId: string;
  /** Locates a contents path among the roots. */
  api: Pick<IFileglancerAPI, 'locate'>;
}

/** Add the two commands and their items in the file browser's context menu. */
export function registerFileBrowserCommands(
  app: JupyterFrontEnd,
  model: BrowserModel,
  fileBrowser: IDefaultFileBrowser,
  options: IFileBrowserMenuOptions
): void {
  const locator: Locator = path => options.api.locate(path);
  const contents = app.serviceManager.contents;

  /** The contents path of the item right-clicked (JupyterLab selects it first). */
  const selectedPath = (): string | null => {
    const first = fileBrowser.selectedItems().next();
    if (first.done || !first.value) {
      return null;
    }
    return contents.localPath(first.value.path);
  };

  /** Run `action` on the selected item's root and path, once the server has located it. */
  const withLocatedSelection = async (
    action: (located: ILocateResponse, path: string) => Promise<void>
  ): Promise<void> => {
    const path = selectedPath();
    if (path === null) {
      return;
    }
    const located = await locateOrExplain(path, locator);
    if (located) {
      await action(located, path);
    }
  };

  app.commands.addCommand(CommandIDs.inspectFromFileBrowser, {
    label: 'Inspect with Fileglancer',
    caption: 'Show this item in the Fileglancer browser and inspector',
    icon: inspectorIcon,
    isEnabled: () => selectedPath() !== null,
    execute: () =>
      withLocatedSelection(async (located, path) => {
        app.shell.activateById(options.browserId);
        try {
          await model.reveal(located.root, located.path);
        } catch (error) {
          const message =
            error instanceof Error ? error.message : String(error);
          Notification.error(
            `Fileglancer could not open "${path}": ${message}`,
            {
              autoClose: 6000
            }
          );
        }
      })
  });

  app.commands.addCommand(CommandIDs.copyPathFromFileBrowser, {
    label: 'Copy Path (Linux)',
    caption: 'Copy the full Linux path of this item on the server',
    icon: copyIcon,
    isEnabled: () => selectedPath() !== null,
    execute: () =>
      withLocatedSelection(async located => {
        if (model.roots.state.status !== 'ready') {
          await model.roots.refresh();
        }
        const root = model.findRoot(located.root);
        if (!root) {
          Notification.error(`The root "${located.root}" is not known here.`);
          return;
        }
        copyWithNotice(linuxPath(root.path, located.path), 'Linux path');
      })
  });

  app.contextMenu.addItem({
    type: 'separator',
    selector: FILE_BROWSER_ITEM_SELECTOR,
    rank: 60
  });
  app.contextMenu.addItem({
    command: CommandIDs.inspectFromFileBrowser,
    selector: FILE_BROWSER_ITEM_SELECTOR,
    rank: 61
  });
  app.contextMenu.addItem({
    command: CommandIDs.copyPathFromFileBrowser,
    selector: FILE_BROWSER_ITEM_SELECTOR,
    rank: 62
  });
}
