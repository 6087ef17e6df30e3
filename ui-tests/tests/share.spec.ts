/**
 * Sharing as a user does it: turn on the data link of the demo OME-Zarr in the Share tab,
 * read the dataset through that link with no Jupyter login, see the viewers, list the
 * link under "My data links", revoke it there, and find the URL dead at once.
 */
import { expect, test } from '@jupyterlab/galata';
import { request as httpRequest } from '@playwright/test';

import { goTo, inspector, INSPECTOR_ID, openRoot, row } from './helpers';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test.describe('Fileglancer data links', () => {
  test('share a dataset, read it through its link, and revoke it', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    await goTo(page, 'ome-zarr-0.5');
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'ome-zarr-0.5/cells.ome.zarr').click();
    const panel = inspector(page);
    await panel.locator('[data-tab="share"]').click();

    const toggle = panel.locator('[data-tab-panel="share"] [role="switch"]');
    await expect(toggle).toBeVisible();
    if (await toggle.isChecked()) {
      await toggle.click(); // a link left by an earlier try of this test
    }
    await expect(toggle).not.toBeChecked();
    await expect(panel.locator('[data-tab-panel="share"]')).toContainText(
      'Create a data link'
    );
    await toggle.click();
    await expect(toggle).toBeChecked();
    const url = await panel
      .locator('[data-tab-panel="share"] [aria-label="Data link URL"]')
      .inputValue();
    expect(url).toMatch(/\/fileglancer\/s\/[A-Za-z0-9_-]{20,}\/$/);
    await expect(
      panel.locator('button[data-viewer="Neuroglancer"]')
    ).toBeVisible();
    await expect(panel.locator('button[data-viewer="vizarr"]')).toBeVisible();
    await expect(
      panel.locator('[data-action="short-link"][data-for="Neuroglancer"]')
    ).toBeVisible();
    await expect(
      panel.locator('[data-snippet][data-target="link"]').first()
    ).toContainText(url);
    await page.screenshot({ path: testInfo.outputPath('share-tab.png') });

    // Anyone with the URL reads the dataset: a client without Jupyter's cookies or token.
    const anonymous = await httpRequest.newContext();
    const metadata = await anonymous.get(`${url}zarr.json`);
    expect(metadata.status()).toBe(200);
    expect(metadata.headers()['access-control-allow-origin']).toBe('*');
    expect((await metadata.json()).attributes.ome.version).toBe('0.5');

    // The link is listed under "My data links", where it can be revoked.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('fileglancer:open-data-links');
    });
    const links = page.locator('.jp-Fileglancer-links');
    const linkRow = links.locator('[data-link]', {
      hasText: 'ome-zarr-0.5/cells.ome.zarr'
    });
    await expect(linkRow).toHaveCount(1);
    await page.screenshot({ path: testInfo.outputPath('data-links.png') });
    await linkRow.locator('[data-action="revoke"]').click();
    // Revoking cannot be undone: JupyterLab's dialog asks first.
    await page.locator('.jp-Dialog button.jp-mod-accept').click();
    await expect(linkRow).toHaveCount(0);

    // Dead at once, for everyone.
    expect((await anonymous.get(`${url}zarr.json`)).status()).toBe(404);
    await anonymous.dispose();
  });
});
