/**
 * Converting as a user does it: the demo OME-TIFF becomes an OME-Zarr from the Inspector's
 * Convert tab, the job runs in the background with its progress in "Conversion jobs", a
 * notification says it is done, and "Show result" opens the new dataset in the inspector.
 * A conversion onto an existing name is refused in the form.
 */
import { expect, test } from '@jupyterlab/galata';

import { goTo, inspector, INSPECTOR_ID, openRoot, row } from './helpers';

test.describe('Fileglancer conversions', () => {
  test('convert the demo OME-TIFF to OME-Zarr and open the result', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    await goTo(page, 'tiff');
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'tiff/cells.ome.tif').click();
    const panel = inspector(page);
    await panel.locator('[data-tab="convert"]').click();
    const form = panel.locator('[data-tab-panel="convert"] form');
    await expect(form.locator('input[name="destination"]')).toHaveValue(
      'tiff/cells.ome.zarr'
    );
    await form.locator('select[name="ngff_version"]').selectOption('0.5');
    // A retry of this test finds the first try's output: replace it.
    await form.locator('input[name="overwrite"]').check();
    await page.screenshot({ path: testInfo.outputPath('convert-form.png') });
    await form.locator('[data-action="start-conversion"]').click();

    // The jobs view opens and follows the job to its end.
    const job = page.locator('.jp-Fileglancer-jobs [data-job]').first();
    await expect(job).toBeVisible();
    await expect(job).toHaveAttribute('data-state', 'done', {
      timeout: 60_000
    });
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Conversion done' })
    ).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('convert-jobs.png') });

    await job.locator('[data-action="open-result"]').click();
    await expect(panel.locator('.jp-Fileglancer-summaryName')).toHaveText(
      'cells.ome.zarr'
    );
    await expect(panel.locator('.jp-Fileglancer-badge')).toHaveText(
      'OME-Zarr 0.5'
    );
    await expect(panel.locator('.jp-Fileglancer-validationBadge')).toHaveText(
      'Valid OME-NGFF 0.5'
    );

    // Converting again onto the same name is refused, and says why.
    await row(page, 'tiff/cells.ome.tif').click();
    await panel.locator('[data-tab="convert"]').click();
    await form.locator('[data-action="start-conversion"]').click();
    await expect(form.locator('[role="alert"]')).toContainText('exists');
  });
});
