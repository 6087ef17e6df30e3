/**
 * A folder of TIFF planes as a user meets it: the browser badges the demo file series, the
 * inspector summarizes it, the Convert form proposes the pattern it guessed from the file
 * names, and the job makes one valid OME-Zarr of the two channels of 20 planes.
 */
import { expect, test } from '@jupyterlab/galata';

import { badge, goTo, inspector, INSPECTOR_ID, openRoot, row } from './helpers';

test.describe('Fileglancer file series', () => {
  test('convert the demo file series to one OME-Zarr from the Convert form', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    await goTo(page, 'series');
    await expect(badge(row(page, 'series/cells-planes'))).toHaveText(
      'TIFF series'
    );
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'series/cells-planes').click();
    const panel = inspector(page);
    await panel.locator('[data-tab="metadata"]').click();
    const section = panel.locator('[data-section="file-series"]');
    await expect(section.locator('[data-field="series-shape"]')).toContainText(
      'c 2 × z 20 × y 128 × x 128'
    );
    await expect(section.locator('[data-field="series-files"]')).toHaveText(
      '40'
    );

    await panel.locator('[data-tab="convert"]').click();
    const form = panel.locator('[data-tab-panel="convert"] form');
    await expect(form.locator('input[name="pattern"]')).toHaveValue(
      'cells_z{z}_c{c}.tif'
    );
    await expect(form.locator('input[name="destination"]')).toHaveValue(
      'series/cells-planes.ome.zarr'
    );
    await form.locator('select[name="ngff_version"]').selectOption('0.5');
    // A retry of this test finds the first try's output: replace it.
    await form.locator('input[name="overwrite"]').check();
    await page.screenshot({ path: testInfo.outputPath('series-form.png') });
    await form.locator('[data-action="start-conversion"]').click();

    const job = page.locator('.jp-Fileglancer-jobs [data-job]').first();
    await expect(job).toHaveAttribute('data-state', 'done', {
      timeout: 60_000
    });
    await job.locator('[data-action="open-result"]').click();
    await expect(panel.locator('.jp-Fileglancer-summaryName')).toHaveText(
      'cells-planes.ome.zarr'
    );
    await expect(panel.locator('.jp-Fileglancer-validationBadge')).toHaveText(
      'Valid OME-NGFF 0.5'
    );
  });
});
