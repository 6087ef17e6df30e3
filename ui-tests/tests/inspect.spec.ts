/**
 * The inspector as a user meets it: select a demo dataset and read its preview, shape,
 * storage, channels and pixel sizes; select a broken OME-Zarr and read what is wrong.
 *
 * The server (ui-tests/jupyter_server_test_config.py) serves the demo data as the root
 * "demo", plus "invalid/broken.ome.zarr" whose metadata breaks the OME-NGFF spec, and
 * "groups/many-members.zarr", a group of 450 members listed 200 at a time.
 */
import { expect, test } from '@jupyterlab/galata';

import type { Locator } from '@playwright/test';

import { goTo, inspector, INSPECTOR_ID, openRoot, row } from './helpers';

/** The inspector shows a preview, and it is a real image the server drew. */
async function expectPreview(panel: Locator): Promise<void> {
  const thumbnail = panel.locator('.jp-Fileglancer-thumbnail');
  await expect(thumbnail).toHaveAttribute('data-state', 'loaded');
  const width = await thumbnail
    .locator('img')
    .evaluate(img => (img as HTMLImageElement).naturalWidth);
  expect(width).toBeGreaterThan(0);
}

test.describe('Fileglancer inspector', () => {
  test('shows the preview, figures, channels and pixel sizes of the demo OME-Zarr', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    await goTo(page, 'ome-zarr-0.4');
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'ome-zarr-0.4/cells.ome.zarr').click();

    const panel = inspector(page);
    const field = (name: string) => panel.locator(`[data-field="${name}"]`);
    await expect(panel.locator('[role="tablist"]')).toBeVisible();
    await expect(panel.locator('.jp-Fileglancer-validationBadge')).toHaveText(
      'Valid OME-NGFF 0.4'
    );
    await expect(field('shape')).toHaveText('c 3 × z 16 × y 256 × x 256');
    await expect(field('dtype')).toHaveText('uint16');
    await expect(field('chunks')).toHaveText('c 1 × z 16 × y 128 × x 128');
    await expect(field('codecs')).toContainText('zstd');

    // The preview is a real PNG drawn by the server from the smallest level.
    await expectPreview(panel);

    // Storage is measured on the server: every chunk of the demo data is there.
    await expect(field('stored_bytes')).toContainText(/[KM]iB/);
    await expect(field('chunk_files')).toContainText('expected');
    await expect(field('compression_ratio')).toContainText('×');
    await page.screenshot({
      path: testInfo.outputPath('inspector-overview.png')
    });

    await panel.locator('[data-tab="metadata"]').click();
    const channels = panel.locator('[data-table="channels"] tbody tr');
    await expect(channels).toHaveCount(3);
    await expect(channels.nth(0)).toContainText('DAPI');
    await expect(channels.nth(1)).toContainText('GFP');
    await expect(channels.nth(2)).toContainText('mCherry');
    await expect(
      channels.nth(1).locator('.jp-Fileglancer-swatch')
    ).toHaveAttribute('data-color', '#00FF00');
    const levels = panel.locator('[data-table="levels"] tbody tr');
    await expect(levels).toHaveCount(3);
    await expect(levels.nth(0)).toContainText('2 × 0.5 × 0.5 µm');
    await expect(levels.nth(2)).toContainText('2 × 2 × 2 µm');
    await page.screenshot({
      path: testInfo.outputPath('inspector-metadata.png')
    });

    await panel.locator('[data-tab="raw"]').click();
    await expect(panel.locator('[data-file=".zattrs"] pre')).toContainText(
      '"multiscales"'
    );
  });

  test('lists the errors of an OME-Zarr that breaks the spec', async ({
    page
  }, testInfo) => {
    await openRoot(page, 'demo');
    await goTo(page, 'invalid');
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'invalid/broken.ome.zarr').click();

    const panel = inspector(page);
    await expect(panel.locator('.jp-Fileglancer-validationBadge')).toHaveText(
      /^Invalid OME-NGFF 0\.4: \d+ errors$/
    );
    await panel.locator('[data-tab="validation"]').click();
    const errors = panel.locator('[data-level="error"] .jp-Fileglancer-issue');
    await expect(
      errors.filter({ hasText: "level '0' does not exist" })
    ).toHaveCount(1);
    await expect(
      errors.filter({ hasText: 'multiscales/0/axes/1' }).first()
    ).toContainText('.zattrs');
    await page.screenshot({
      path: testInfo.outputPath('inspector-invalid.png')
    });
  });

  test('pages through the members of a big Zarr group', async ({ page }) => {
    await openRoot(page, 'demo');
    await goTo(page, 'groups');
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'groups/many-members.zarr').click();

    const panel = inspector(page);
    await panel.locator('[data-tab="metadata"]').click();
    const members = panel.locator('[data-table="members"] tbody tr');
    const count = panel.locator('[data-field="members-count"]');
    const more = panel.locator('[data-action="more-members"]');
    await expect(members).toHaveCount(200);
    await expect(count).toHaveText('Showing 200 of 450 members.');
    await expect(more).toHaveText('Show 200 more members');
    await more.click();
    await expect(members).toHaveCount(400);
    await expect(more).toHaveText('Show 50 more members');
    await more.click();
    await expect(members).toHaveCount(450);
    await expect(count).toHaveText('450 members.');
    await expect(more).toHaveCount(0);
    await expect(members.nth(200)).toContainText('m200');
    await expect(members.last()).toContainText('m449');
    await expect(members.last()).toContainText('Zarr group');
  });

  test('previews the demo N5 pyramid and lists its levels', async ({
    page
  }) => {
    await openRoot(page, 'demo');
    await goTo(page, 'n5');
    await page.sidebar.openTab(INSPECTOR_ID);
    await row(page, 'n5/nuclei.n5').click();

    const panel = inspector(page);
    await expectPreview(panel);
    await expect(panel.locator('[data-field="shape"]')).toHaveText(
      '16 × 256 × 256'
    );

    await panel.locator('[data-tab="metadata"]').click();
    const levels = panel.locator('[data-table="n5-levels"] tbody tr');
    await expect(levels).toHaveCount(3);
    await expect(levels.nth(2)).toContainText('16 × 64 × 64');
    await expect(panel.locator('[data-field="n5-resolution"]')).toContainText(
      '2 × 0.5 × 0.5 µm'
    );
  });
});
