/** The "Data links" main-area view: its command, and its restoration after a reload. */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { linkIcon } from '@jupyterlab/ui-components';

import { CommandIDs } from '../commands';
import { registerMainAreaView } from '../common/mainAreaView';
import type { LinkEvents } from './linkEvents';
import { LinksModel, LinksModelAPI } from './linksModel';
import { LinksPanel } from './LinksPanel';

/** Register the command that opens (or re-focuses) the list of the user's data links. */
export function registerDataLinksCommand(
  app: JupyterFrontEnd,
  restorer: ILayoutRestorer | null,
  api: LinksModelAPI,
  events?: LinkEvents
): void {
  registerMainAreaView(app, restorer, {
    command: CommandIDs.openDataLinks,
    label: 'Show My Data Links',
    caption: 'List, copy, change and revoke your Fileglancer data links',
    icon: linkIcon,
    id: 'fileglancer-data-links',
    title: 'Data links',
    restoreName: 'data-links',
    create: () => new LinksPanel(new LinksModel(api, events)),
    refresh: panel => void panel.model.refresh()
  });
}
