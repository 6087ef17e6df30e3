/**
 * The metadata editor as a user meets it: edit a pixel size and a channel colour of an
 * OME-Zarr image, preview the change, save it, see the inspector and its preview change at
 * once, then undo it and see the old values back.
 *
 * The server (ui-tests/jupyter_server_test_config.py) serves "editing/cells.ome.zarr", a
 * copy of the demo OME-Zarr 0.4 image (c, z, y, x; 2 × 0.5 × 0.5 µm; DAPI, GFP, mCherry),
 * so the other specs see the demo image as it was written.
 */
import { expect, test } from '@jupyterlab/galata';

import type { Locator } from '@playwright/test';

import { inspectDemo, inspector } from './helpers';

/** The preview's URL and its mean red, green and blue, read from its decoded pixels. */
async function previewPixels(
  panel: Locator
): Promise<{ src: string; mean: number[] }> {
  const thumbnail = panel.locator('.jp-Fileglancer-thumbnail');
  await expect(thumbnail).toHaveAttribute('data-state', 'loaded');
  return thumbnail.locator('img').evaluate(async element => {
    const img = element as HTMLImageElement;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(img, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) {
      sum[0] += data[i];
      sum[1] += data[i + 1];
      sum[2] += data[i + 2];
    }
    const pixels = data.length / 4;
    return { src: img.src, mean: sum.map(value => value / pixels) };
  });
}

test.describe('Fileglancer metadata editor', () => {
  test('edits a pixel size and a channel colour, previews, saves and undoes', async ({
    page
  }, testInfo) => {
    await inspectDemo(page, 'editing/cells.ome.zarr');

    const panel = inspector(page);
    await expect(panel.locator('[role="tablist"]')).toBeVisible();
    const before = await previewPixels(panel);

    await panel.locator('[data-tab="metadata"]').click();
    const levels = panel.locator('[data-table="levels"] tbody tr');
    const gfp = panel
      .locator('[data-table="channels"] tbody tr')
      .nth(1)
      .locator('.jp-Fileglancer-swatch');
    await expect(levels.nth(0)).toContainText('2 × 0.5 × 0.5 µm');
    await expect(gfp).toHaveAttribute('data-color', '#00FF00');

    // Edit: y's pixel size (axis 2 of c, z, y, x) and GFP's colour.
    await panel.locator('[data-action="edit-metadata"]').click();
    const editor = panel.locator('[data-section="metadata-editor"]');
    await expect(editor).toBeVisible();
    await editor.locator('[data-edit="pixel_sizes.2"]').fill('0.25');
    await editor.locator('[data-edit="channels.1.color"]').fill('#ff00ff');

    // Preview: the server's dry run says old -> new, and writes nothing.
    await editor.locator('[data-action="preview-edit"]').click();
    const preview = editor.locator('[data-section="edit-preview"]');
    await expect(preview.locator('[data-change="pixel_sizes[2]"]')).toHaveText(
      'pixel_sizes[2]: 0.5 → 0.25'
    );
    await expect(
      preview.locator('[data-change="channels[1].color"]')
    ).toHaveText('channels[1].color: 00FF00 → FF00FF');
    await page.screenshot({ path: testInfo.outputPath('edit-preview.png') });

    // Save: the Metadata tab shows the new values, every level kept at its factor.
    await editor.locator('[data-action="save-edit"]').click();
    await expect(editor).toHaveCount(0);
    await expect(levels.nth(0)).toContainText('2 × 0.25 × 0.5 µm');
    await expect(levels.nth(2)).toContainText('2 × 1 × 2 µm');
    await expect(gfp).toHaveAttribute('data-color', '#FF00FF');
    await page.screenshot({ path: testInfo.outputPath('edit-saved.png') });

    // The preview is drawn again (a new URL, not a cached picture): GFP is magenta now.
    await panel.locator('[data-tab="overview"]').click();
    await expect(
      panel.locator('.jp-Fileglancer-thumbnail img')
    ).not.toHaveAttribute('src', before.src);
    const after = await previewPixels(panel);
    expect(after.mean[0]).toBeGreaterThan(before.mean[0] + 1);
    expect(after.mean[1]).toBeLessThan(before.mean[1] - 1);

    // Undo: the old values, and the old picture, are back.
    await panel.locator('[data-tab="metadata"]').click();
    await panel.locator('[data-action="undo-edit"]').click();
    await expect(levels.nth(0)).toContainText('2 × 0.5 × 0.5 µm');
    await expect(gfp).toHaveAttribute('data-color', '#00FF00');
    await expect(panel.locator('[data-action="undo-edit"]')).toHaveCount(0);
    await page.screenshot({ path: testInfo.outputPath('edit-undone.png') });
    await panel.locator('[data-tab="overview"]').click();
    const undone = await previewPixels(panel);
    expect(undone.src).not.toBe(after.src);
    expect(undone.mean[1]).toBeCloseTo(before.mean[1], 0);
  });
});
