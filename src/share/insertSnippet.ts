/**
 * "Insert into notebook": put a snippet into the active cell of the notebook the user last
 * worked in, at its cursor, through JupyterLab's own notebook command (the notebook
 * tracker behind it decides which notebook and cell). Without an open notebook, says so.
 */
import { Notification } from '@jupyterlab/apputils';
import type { CommandRegistry } from '@lumino/commands';

/** JupyterLab's "Replace Selection in Notebook Cell" (the notebook tracker's current cell). */
export const REPLACE_SELECTION_COMMAND = 'notebook:replace-selection';

/** Insert `code` into the active notebook's active cell; false (and a notice) without one. */
export async function insertIntoNotebook(
  commands: CommandRegistry,
  code: string
): Promise<boolean> {
  if (
    !commands.hasCommand(REPLACE_SELECTION_COMMAND) ||
    !commands.isEnabled(REPLACE_SELECTION_COMMAND)
  ) {
    Notification.warning(
      'No notebook is open: open a notebook, click into a cell, then insert the snippet.',
      { autoClose: 5000 }
    );
    return false;
  }
  await commands.execute(REPLACE_SELECTION_COMMAND, { text: code });
  return true;
}
