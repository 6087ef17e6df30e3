/** Helpers for specs that render widgets into jsdom. */
import { Widget } from '@lumino/widgets';

import type { IEntry, IRoot } from '../api';
import type { InspectorTab } from '../inspector/DatasetDetails';
import {
  IInspectorOptions,
  InspectorModel,
  InspectorModelAPI
} from '../inspector/inspectorModel';
import { IInspectorActions, InspectorPanel } from '../inspector/InspectorPanel';
import { SelectionModel } from '../selection';
import { makeRoot } from './fakes';

/** Attach a widget to the document and wait for React to render it. */
export async function show(widget: Widget): Promise<void> {
  if (!widget.isAttached) {
    Widget.attach(widget, document.body);
  }
  await new Promise(resolve => setTimeout(resolve, 0));
  await new Promise(resolve => requestAnimationFrame(resolve));
}

/** Wait until `check` stops throwing (React renders asynchronously). */
export async function until(check: () => void, timeout = 2000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() - start > timeout) {
        throw error;
      }
      await new Promise(resolve => setTimeout(resolve, 10));
    }
  }
}

/**
 * An inspector over `api`, shown, with `entry` (of root "demo" unless `root`) selected;
 * its tabs render asynchronously: wait for them with `until`.
 */
export async function showInspector(
  entry: IEntry,
  api: InspectorModelAPI,
  options: {
    root?: IRoot;
    tab?: InspectorTab;
    model?: IInspectorOptions;
    actions?: IInspectorActions;
  } = {}
): Promise<{
  panel: InspectorPanel;
  model: InspectorModel;
  selection: SelectionModel;
}> {
  const selection = new SelectionModel();
  const model = new InspectorModel(selection, api, options.model);
  if (options.tab) {
    model.tab = options.tab;
  }
  const panel = new InspectorPanel(model, options.actions);
  await show(panel);
  selection.select(options.root ?? makeRoot('demo'), entry);
  return { panel, model, selection };
}

/** Type `text` into an input the way a user does (React listens to `input`). */
export function typeInto(input: HTMLInputElement, text: string): void {
  const setValue = Object.getOwnPropertyDescriptor(
    HTMLInputElement.prototype,
    'value'
  )?.set;
  setValue?.call(input, text);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
