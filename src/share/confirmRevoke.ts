/**
 * Revoking a data link cannot be undone (its URL stops working for everyone it was sent
 * to), so both places that revoke ask first, with JupyterLab's dialog as for deletions.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';

import type { IShareLink } from '../api';

/** True when the user confirms revoking `link`. */
export async function confirmRevoke(
  link: Pick<IShareLink, 'root' | 'path'>
): Promise<boolean> {
  const result = await showDialog({
    title: 'Revoke the data link?',
    body:
      `The link to ${link.path || link.root} stops working at once for everyone ` +
      'it was sent to. A new link would have a different URL.',
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: 'Revoke', ariaLabel: 'Revoke the data link' })
    ],
    defaultButton: 0
  });
  return result.button.accept;
}
