/**
 * Every command of the extension: the ids in one namespace, the browser's commands and
 * its entries' context menu. (JupyterLab's own file browser gets its two commands in
 * fileBrowserMenu.ts.)
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, InputDialog, Notification } from '@jupyterlab/apputils';
import {
  copyIcon,
  folderIcon,
  linkIcon,
  moveUpIcon,
  refreshIcon
} from '@jupyterlab/ui-components';

import type { IEntry, IRoot } from './api';
import { describePathError } from './browser/Breadcrumbs';
import { BrowserModel } from './browser/browserModel';
import { ROW_CLASS } from './browser/ListingRows';
import { hiddenFilesIcon, inspectorIcon } from './common/icons';
import { pathForms } from './common/paths';
import { isDataset } from './kinds';

/** Every command id of the extension, in one place. */
export namespace CommandIDs {
  export const openBrowser = 'fileglancer:open-browser';
  export const openInspector = 'fileglancer:open-inspector';
  export const refreshRoots = 'fileglancer:refresh-roots';
  export const refresh = 'fileglancer:refresh';
  export const goToParent = 'fileglancer:go-to-parent';
  export const toggleHidden = 'fileglancer:toggle-hidden';
  export const copyPathLinux = 'fileglancer:copy-path-linux';
  export const copyPathMac = 'fileglancer:copy-path-mac';
  export const copyPathWindows = 'fileglancer:copy-path-windows';
  export const openInFileBrowser = 'fileglancer:open-in-file-browser';
  export const inspect = 'fileglancer:inspect';
  export const openAsFolder = 'fileglancer:open-as-folder';
  export const inspectFromFileBrowser = 'fileglancer:inspect-from-file-browser';
  export const copyPathFromFileBrowser =
    'fileglancer:copy-path-from-file-browser';
  export const openDataLinks = 'fileglancer:open-data-links';
  export const openJobs = 'fileglancer:open-jobs';
  export const convert = 'fileglancer:convert';
  export const toggleFavourite = 'fileglancer:toggle-favourite';
  export const goToPath = 'fileglancer:go-to-path';
  export const focusBrowser = 'fileglancer:focus-browser';
  export const inspectSelected = 'fileglancer:inspect-selected';
  export const createDataLink = 'fileglancer:create-data-link';
  export const open = 'fileglancer:open';
}

/** The command palette category of our commands. */
export const PALETTE_CATEGORY = 'Fileglancer';

/** The commands that make sense without a right-clicked entry. */
export const PALETTE_COMMANDS = [
  CommandIDs.focusBrowser,
  CommandIDs.goToPath,
  CommandIDs.inspectSelected,
  CommandIDs.createDataLink,
  CommandIDs.convert,
  CommandIDs.openBrowser,
  CommandIDs.openInspector,
  CommandIDs.refreshRoots,
  CommandIDs.refresh,
  CommandIDs.goToParent,
  CommandIDs.toggleHidden,
  CommandIDs.openDataLinks,
  CommandIDs.openJobs
];

/** The context menu's selector: loaded entry rows of the Fileglancer browser. */
export const ROW_SELECTOR = `.jp-Fileglancer-browser .${ROW_CLASS}[data-path]`;

/** JupyterLab's operating command that shows a contents path in its file browser. */
const FILEBROWSER_GO_TO_PATH = 'filebrowser:go-to-path';

/** Copy `text` to the clipboard and say so. */
export function copyWithNotice(text: string, what: string): void {
  Clipboard.copyToSystem(text);
  Notification.success(`Copied the ${what}: ${text}`, { autoClose: 4000 });
}

/** The entry the commands act on: the one selected (a right-click selects its row). */
function selectedEntry(
  model: BrowserModel
): { root: IRoot; entry: IEntry } | null {
  return model.selection.current;
}

export interface IBrowserCommandOptions {
  browserId: string;
  inspectorId: string;
  /**
   * Makes a data link to (root, path), telling the other views (the Share tab, the
   * "Data links" view); without it there is no "Create Data Link".
   */
  createLink?: (root: string, path: string) => Promise<{ url: string }>;
}

/** The element to focus in the browser panel: the listing, else the chosen root, else the first. */
function browserFocusTarget(browserId: string): HTMLElement | null {
  const panel = document.getElementById(browserId);
  return (
    panel?.querySelector<HTMLElement>('.jp-Fileglancer-listing') ??
    panel?.querySelector<HTMLElement>('.jp-Fileglancer-root.jp-mod-selected') ??
    panel?.querySelector<HTMLElement>('.jp-Fileglancer-root') ??
    null
  );
}

/** Add the browser's commands and the context menu of its rows. */
export function registerBrowserCommands(
  app: JupyterFrontEnd,
  model: BrowserModel,
  options: IBrowserCommandOptions
): void {
  const { commands } = app;
  const { listing } = model;

  commands.addCommand(CommandIDs.openBrowser, {
    label: 'Open the Fileglancer Browser',
    execute: () => app.shell.activateById(options.browserId)
  });
  commands.addCommand(CommandIDs.openInspector, {
    label: 'Open the Fileglancer Inspector',
    execute: () => app.shell.activateById(options.inspectorId)
  });
  commands.addCommand(CommandIDs.focusBrowser, {
    label: 'Focus the Fileglancer Browser',
    caption:
      'Show the Fileglancer browser and move the keyboard focus to its list',
    execute: async () => {
      app.shell.activateById(options.browserId);
      await new Promise(resolve => requestAnimationFrame(resolve));
      browserFocusTarget(options.browserId)?.focus();
    }
  });
  commands.addCommand(CommandIDs.goToPath, {
    label: args =>
      args.isPalette ? 'Go to Path in Fileglancer…' : 'Go to Path…',
    caption:
      'Open a folder or inspect a dataset by its path, smb:// or \\\\server path, or data link',
    execute: async args => {
      let typed = typeof args.path === 'string' ? args.path : null;
      if (typed === null) {
        const answer = await InputDialog.getText({
          title: 'Go to Path',
          label: 'A path, an smb:// or \\\\server\\share path, or a data link',
          placeholder: '/groups/lab/cells.ome.zarr'
        });
        if (!answer.button.accept || !answer.value?.trim()) {
          return;
        }
        typed = answer.value;
      }
      app.shell.activateById(options.browserId);
      try {
        await model.goToTyped(typed);
      } catch (error) {
        Notification.error(describePathError(error, typed.trim()), {
          autoClose: 6000
        });
      }
    }
  });
  commands.addCommand(CommandIDs.inspectSelected, {
    label: 'Inspect Selected',
    caption:
      'Show the entry selected in the Fileglancer browser in the inspector',
    icon: inspectorIcon,
    isEnabled: () => selectedEntry(model) !== null,
    execute: () => {
      const selected = selectedEntry(model);
      if (selected) {
        app.shell.activateById(options.inspectorId);
      }
    }
  });
  const createLink = options.createLink;
  if (createLink) {
    commands.addCommand(CommandIDs.createDataLink, {
      label: 'Create Data Link',
      caption:
        'Make a public data link to the selected dataset or folder and copy it',
      icon: linkIcon,
      isEnabled: () => {
        const entry = selectedEntry(model)?.entry;
        return !!entry && (entry.is_dir || isDataset(entry.kind));
      },
      execute: async () => {
        const selected = selectedEntry(model);
        if (!selected) {
          return;
        }
        try {
          const link = await createLink(
            selected.root.name,
            selected.entry.path
          );
          copyWithNotice(link.url, 'data link');
        } catch (error) {
          const message =
            error instanceof Error ? error.message : String(error);
          Notification.error(`Could not create a data link: ${message}`, {
            autoClose: 6000
          });
        }
      }
    });
  }
  commands.addCommand(CommandIDs.refreshRoots, {
    label: 'Reload the Fileglancer Roots',
    execute: () => model.roots.refresh()
  });
  commands.addCommand(CommandIDs.refresh, {
    label: 'Refresh the Fileglancer Folder',
    caption: 'List the folder shown in the Fileglancer browser again',
    icon: refreshIcon,
    isEnabled: () => listing.root !== null,
    execute: () => listing.refresh()
  });
  commands.addCommand(CommandIDs.goToParent, {
    label: 'Go to the Parent Folder in Fileglancer',
    icon: moveUpIcon,
    isEnabled: () => model.canGoToParent,
    execute: () => model.goToParent()
  });
  commands.addCommand(CommandIDs.toggleHidden, {
    label: 'Show Hidden Files in Fileglancer',
    icon: hiddenFilesIcon,
    isToggled: () => listing.showHidden,
    execute: () => model.toggleShowHidden()
  });

  /**
   * A "Copy Path" command; the macOS and Windows ones are hidden (not just disabled) for
   * a root that has no such address configured.
   */
  const copyCommand = (
    id: string,
    system: string,
    form: 'linux' | 'mac' | 'windows',
    missing: string
  ) => {
    const pathOf = (): string | null => {
      const selected = selectedEntry(model);
      return selected
        ? pathForms(selected.root, selected.entry.path)[form]
        : null;
    };
    commands.addCommand(id, {
      label: `Copy Path (${system})`,
      caption: () =>
        selectedEntry(model) && pathOf() === null
          ? missing
          : `Copy the ${system} path of this entry`,
      icon: copyIcon,
      isVisible: () => form === 'linux' || pathOf() !== null,
      isEnabled: () => pathOf() !== null,
      execute: () => {
        const path = pathOf();
        if (path !== null) {
          copyWithNotice(path, `${system} path`);
        }
      }
    });
  };
  copyCommand(CommandIDs.copyPathLinux, 'Linux', 'linux', 'Nothing selected');
  copyCommand(
    CommandIDs.copyPathMac,
    'macOS',
    'mac',
    'This root has no macOS (SMB) address configured'
  );
  copyCommand(
    CommandIDs.copyPathWindows,
    'Windows',
    'windows',
    'This root has no Windows (UNC) path configured'
  );

  commands.addCommand(CommandIDs.openInFileBrowser, {
    label: 'Open in JupyterLab File Browser',
    caption: () =>
      selectedEntry(model)?.entry.contents_path === null
        ? 'This entry is outside the folder JupyterLab serves'
        : 'Show this entry in JupyterLab’s file browser',
    icon: folderIcon,
    isEnabled: () => {
      const path = selectedEntry(model)?.entry.contents_path;
      return (
        typeof path === 'string' && commands.hasCommand(FILEBROWSER_GO_TO_PATH)
      );
    },
    execute: () => {
      const path = selectedEntry(model)?.entry.contents_path;
      if (typeof path !== 'string') {
        return;
      }
      return commands.execute(FILEBROWSER_GO_TO_PATH, { path });
    }
  });
  commands.addCommand(CommandIDs.open, {
    label: 'Open',
    caption: 'Open this file in JupyterLab',
    isVisible: () => {
      const entry = selectedEntry(model)?.entry;
      return !!entry && model.canOpenFile(entry);
    },
    execute: () => {
      const selected = selectedEntry(model);
      return selected ? model.open(selected.entry) : undefined;
    }
  });
  commands.addCommand(CommandIDs.inspect, {
    label: 'Inspect',
    caption: 'Show this entry in the Fileglancer inspector',
    icon: inspectorIcon,
    isEnabled: () => selectedEntry(model) !== null,
    execute: () => {
      const selected = selectedEntry(model);
      if (selected) {
        model.inspect(selected.entry);
      }
    }
  });
  commands.addCommand(CommandIDs.openAsFolder, {
    label: 'Open as Folder',
    caption: 'List the files inside this dataset',
    icon: folderIcon,
    isVisible: () => selectedEntry(model)?.entry.is_dir === true,
    isEnabled: () => selectedEntry(model)?.entry.is_dir === true,
    execute: () => {
      const selected = selectedEntry(model);
      return selected ? model.openAsFolder(selected.entry) : undefined;
    }
  });

  const menu: Array<[string, number]> = [
    [CommandIDs.open, 0],
    [CommandIDs.inspect, 1],
    [CommandIDs.createDataLink, 6],
    [CommandIDs.openAsFolder, 2],
    [CommandIDs.openInFileBrowser, 3],
    [CommandIDs.copyPathLinux, 10],
    [CommandIDs.copyPathMac, 11],
    [CommandIDs.copyPathWindows, 12]
  ];
  for (const [command, rank] of menu) {
    if (commands.hasCommand(command)) {
      app.contextMenu.addItem({ command, selector: ROW_SELECTOR, rank });
    }
  }
  app.contextMenu.addItem({
    type: 'separator',
    selector: ROW_SELECTOR,
    rank: 9
  });

  // Toolbars and the palette re-read isEnabled / isToggled when the listing moves.
  listing.changed.connect(() => {
    commands.notifyCommandChanged(CommandIDs.goToParent);
    commands.notifyCommandChanged(CommandIDs.refresh);
    commands.notifyCommandChanged(CommandIDs.toggleHidden);
  });
}
