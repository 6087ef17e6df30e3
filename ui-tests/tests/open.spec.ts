/**
 * Opening things the way JupyterLab users expect: a plain file opens in JupyterLab (with
 * its file-type icon), a pasted dataset path is inspected, and the keyboard reaches the
 * browser from anywhere.
 */
import { expect, test } from '@jupyterlab/galata';

import {
  browser,
  goTo,
  grid,
  inspector,
  INSPECTOR_ID,
  openRoot,
  row
} from './helpers';

test.describe('Opening from the Fileglancer browser', () => {
  test('a plain file opens in JupyterLab on double-click and from Open', async ({
    page
  }) => {
    // A notebook in the root shows JupyterLab's notebook icon.
    const notebook = {
      cells: [],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5
    };
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      'demo/analysis.ipynb'
    );
    await openRoot(page, 'demo');
    await expect(
      row(page, 'analysis.ipynb').locator(
        '.jp-Fileglancer-kindIcon svg[data-icon="ui-components:notebook"]'
      )
    ).toHaveCount(1);
    await page.contents.deleteFile('demo/analysis.ipynb');

    await goTo(page, 'many-files');
    const file = row(page, 'many-files/item-00001.txt');
    await file.dblclick();
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'item-00001.txt'
      })
    ).toBeVisible();

    await row(page, 'many-files/item-00002.txt').click({ button: 'right' });
    await page.locator('.lm-Menu').getByText('Open', { exact: true }).click();
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'item-00002.txt'
      })
    ).toBeVisible();
  });

  test('a dataset path pasted into the path box is inspected', async ({
    page
  }) => {
    await openRoot(page, 'demo');
    await page.sidebar.openTab(INSPECTOR_ID);
    await goTo(page, 'ome-zarr-0.4/cells.ome.zarr');
    await expect(
      browser(page).locator('.jp-Fileglancer-crumb[aria-current="location"]')
    ).toHaveText('ome-zarr-0.4');
    await expect(row(page, 'ome-zarr-0.4/cells.ome.zarr')).toHaveAttribute(
      'aria-selected',
      'true'
    );
    await expect(
      inspector(page).locator('.jp-Fileglancer-summaryName')
    ).toHaveText('cells.ome.zarr');
  });

  test('Alt+Shift+G focuses the browser', async ({ page }) => {
    await openRoot(page, 'demo');
    await page.sidebar.openTab('filebrowser');
    await page.locator('body').press('Alt+Shift+G');
    await expect(grid(page)).toBeFocused();
  });

  test('Go to Path and the other commands are in the palette and the View menu', async ({
    page
  }) => {
    await page.menu.openLocator('View>Fileglancer');
    const menu = page.locator('.lm-Menu').last();
    for (const label of [
      'Focus the Fileglancer Browser',
      'Go to Path…',
      'Inspect Selected',
      'Create Data Link'
    ]) {
      await expect(menu.getByText(label, { exact: true })).toBeVisible();
    }
    await menu.getByText('Go to Path…', { exact: true }).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('input').fill('/nowhere/cells.zarr');
    await dialog.locator('.jp-mod-accept').click();
    await expect(page.locator('.Toastify__toast').last()).toContainText(
      'is outside the roots. The roots are: Demo data'
    );

    await page.keyboard.press('Control+Shift+C');
    await page
      .locator('.lm-CommandPalette-input')
      .fill('Go to Path in Fileglancer');
    await expect(
      page.locator('.lm-CommandPalette-item', {
        hasText: 'Go to Path in Fileglancer…'
      })
    ).toBeVisible();
  });
});
