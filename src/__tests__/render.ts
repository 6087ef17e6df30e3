/** Helpers for specs that render widgets into jsdom. */
import { Widget } from '@lumino/widgets';

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
