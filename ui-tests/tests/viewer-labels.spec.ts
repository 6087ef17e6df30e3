/**
 * The viewer's label overlay as a user meets it: the demo OME-Zarr carries its nuclei as
 * a label image (labels/nuclei); turning it on colours the nuclei in their image-label
 * colours, turning it off again gives back the channels alone (read from the canvas).
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { VIEWER, viewerCanvas } from './helpers';

/** How many values differ between two readings of the canvas. */
function differing(a: number[], b: number[]): number {
  let count = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    count += a[i] !== b[i] ? 1 : 0;
  }
  return count;
}

/** Wait until the canvas shows something and differs from `before` in many values,
 * then until it stops changing; return it. */
async function changedFrom(
  page: IJupyterLabPageFixture,
  before: number[]
): Promise<number[]> {
  await expect
    .poll(
      async () => {
        const now = await viewerCanvas(page, { step: 7 });
        return now.some(value => value > 0) ? differing(now, before) : 0;
      },
      { timeout: 20000 }
    )
    .toBeGreaterThan(1000);
  let now = await viewerCanvas(page, { step: 7 });
  for (let settled = false; !settled;) {
    await page.waitForTimeout(600); // the remaining tiles of this state
    const later = await viewerCanvas(page, { step: 7 });
    settled = differing(later, now) === 0;
    now = later;
  }
  return now;
}

test.describe('Fileglancer image viewer: labels', () => {
  test('the demo labels overlay the image and go again', async ({
    page
  }, testInfo) => {
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('fileglancer:open-viewer', {
        root: 'demo',
        path: 'ome-zarr-0.4/cells.ome.zarr'
      });
    });
    const viewer = page.locator(VIEWER);
    const toggle = viewer.locator(
      '[data-label="nuclei"] [data-action="toggle-label"]'
    );
    await expect(toggle).not.toBeChecked();
    const plain = await changedFrom(page, []);
    await page.screenshot({ path: testInfo.outputPath('labels-off.png') });

    await toggle.check();
    const overlaid = await changedFrom(page, plain);
    // Nuclei only: a part of the image, not all of it.
    expect(differing(overlaid, plain)).toBeLessThan(plain.length / 2);
    await page.screenshot({ path: testInfo.outputPath('labels-on.png') });

    await toggle.uncheck();
    const again = await changedFrom(page, overlaid);
    expect(differing(again, plain)).toBeLessThan(plain.length / 100);
    await page.screenshot({
      path: testInfo.outputPath('labels-off-again.png')
    });
  });
});
