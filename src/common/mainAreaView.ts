/** A main-area view that one command opens (or re-focuses) and a reload restores. */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import type { LabIcon } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { Widget } from '@lumino/widgets';

export interface IMainAreaView<T extends Widget> {
  /** The command that opens the view. */
  command: string;
  label: string;
  caption: string;
  icon: LabIcon;
  /** The widget's id, also the tracker's namespace. */
  id: string;
  /** The tab's title. */
  title: string;
  /** The name the layout restorer keeps the view under. */
  restoreName: string;
  /** Makes the view's content when it is not open yet (from the command's arguments). */
  create: (args: ReadonlyPartialJSONObject) => T;
  /** Brings an open view's content up to date when the command is run again. */
  refresh: (content: T, args: ReadonlyPartialJSONObject) => void;
  /** The command's arguments a reload restores the content with (default: none). */
  restoreArgs?: (content: T) => ReadonlyPartialJSONObject;
}

/** Register the command of a single main-area view, and its restoration after a reload;
 * the tracker saves what `restoreArgs` gives when told to (`tracker.save`). */
export function registerMainAreaView<T extends Widget>(
  app: JupyterFrontEnd,
  restorer: ILayoutRestorer | null,
  view: IMainAreaView<T>
): WidgetTracker<MainAreaWidget<T>> {
  const tracker = new WidgetTracker<MainAreaWidget<T>>({
    namespace: view.id
  });
  app.commands.addCommand(view.command, {
    label: view.label,
    caption: view.caption,
    icon: view.icon,
    execute: args => {
      const open = tracker.currentWidget;
      if (open && !open.isDisposed) {
        view.refresh(open.content, args);
        app.shell.activateById(open.id);
        return open;
      }
      const widget = new MainAreaWidget({ content: view.create(args) });
      widget.id = view.id;
      widget.title.label = view.title;
      widget.title.icon = view.icon;
      widget.title.closable = true;
      void tracker.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      return widget;
    }
  });
  if (restorer) {
    const { restoreArgs } = view;
    void restorer.restore(tracker, {
      command: view.command,
      name: () => view.restoreName,
      args: restoreArgs ? widget => restoreArgs(widget.content) : undefined
    });
  }
  return tracker;
}
