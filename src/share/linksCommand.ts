/** The "Data links" main-area view: its command, and its restoration after a reload. */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { linkIcon } from '@jupyterlab/ui-components';

import { CommandIDs } from '../commands';
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
  const tracker = new WidgetTracker<MainAreaWidget<LinksPanel>>({
    namespace: 'fileglancer-data-links'
  });
  app.commands.addCommand(CommandIDs.openDataLinks, {
    label: 'Show My Data Links',
    caption: 'List, copy, change and revoke your Fileglancer data links',
    icon: linkIcon,
    execute: () => {
      const open = tracker.currentWidget;
      if (open && !open.isDisposed) {
        void open.content.model.refresh();
        app.shell.activateById(open.id);
        return open;
      }
      const widget = new MainAreaWidget({
        content: new LinksPanel(new LinksModel(api, events))
      });
      widget.id = 'fileglancer-data-links';
      widget.title.label = 'Data links';
      widget.title.icon = linkIcon;
      widget.title.closable = true;
      void tracker.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      return widget;
    }
  });
  if (restorer) {
    void restorer.restore(tracker, {
      command: CommandIDs.openDataLinks,
      name: () => 'data-links'
    });
  }
}
