/**
 * The image viewer as a user meets it: open the demo OME-Zarr from the inspector's View
 * button, zoom, change z, hide a channel and move a contrast slider, and read the pixels
 * of the rendered canvas each time; each channel's histogram of the view follows the zoom
 * and its "auto" button sets the window; the demo N5 and OME-TIFF open through the command.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { inspectDemo, inspector, VIEWER, viewerCanvas } from './helpers';

/** Wait until the canvas shows something other than `before` and return it. */
async function changedFrom(
  page: IJupyterLabPageFixture,
  before: number[]
): Promise<number[]> {
  let now = before;
  await expect
    .poll(
      async () => {
        now = await viewerCanvas(page, { sums: true });
        return now.join(',') !== before.join(',');
      },
      { timeout: 20000 }
    )
    .toBe(true);
  // Let the remaining tiles of this state arrive.
  await page.waitForTimeout(800);
  return viewerCanvas(page, { sums: true });
}

/** A channel's histogram: what it counted (data-count) and the sum of its canvas bytes. */
async function histogramOf(
  page: IJupyterLabPageFixture,
  channel: number
): Promise<{ count: string; pixels: number }> {
  const histogram = page.locator(
    `${VIEWER} [data-channel="${channel}"] [data-testid="viewer-histogram"]`
  );
  const count = (await histogram.getAttribute('data-count')) ?? '';
  const pixels = await histogram.locator('canvas').evaluate(element => {
    const canvas = element as HTMLCanvasElement;
    const context = canvas.getContext('2d');
    if (!context) {
      return 0;
    }
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    return data.reduce((sum, value) => sum + value, 0);
  });
  return { count, pixels };
}

async function drawn(page: IJupyterLabPageFixture): Promise<number[]> {
  return changedFrom(page, [0, 0, 0]);
}

test.describe('Fileglancer image viewer', () => {
  test('opens the demo OME-Zarr, zooms, changes z, hides a channel and sets contrast', async ({
    page
  }, testInfo) => {
    await inspectDemo(page, 'ome-zarr-0.4/cells.ome.zarr');
    await inspector(page).locator('[data-action="open-viewer"]').click();

    const viewer = page.locator(VIEWER);
    await expect(viewer.locator('[data-channel]')).toHaveCount(3);
    await expect(viewer.locator('[data-testid="scale-bar"]')).toContainText(
      'µm'
    );
    const first = await drawn(page);
    expect(Math.min(...first)).toBeGreaterThan(0); // blue, green and red all drawn
    // Each channel has a histogram of the whole image in view.
    const histograms = viewer.locator('[data-testid="viewer-histogram"]');
    await expect(histograms).toHaveCount(3);
    for (const channel of [0, 1, 2]) {
      await expect(histograms.nth(channel)).toHaveAttribute(
        'data-count',
        String(256 * 256)
      );
      expect((await histogramOf(page, channel)).pixels).toBeGreaterThan(0);
    }
    const wholeView = await histogramOf(page, 1);
    await page.screenshot({ path: testInfo.outputPath('viewer-opened.png') });

    // Zoom in on the centre: the scale bar shrinks to a shorter length, pixels change.
    const barBefore = await viewer
      .locator('[data-testid="scale-bar"]')
      .innerText();
    const canvas = viewer.locator('[data-testid="viewer-canvas"]');
    await canvas.hover();
    for (let i = 0; i < 4; i++) {
      await page.mouse.wheel(0, -200);
    }
    const zoomed = await changedFrom(page, first);
    await expect(viewer.locator('[data-testid="scale-bar"]')).not.toHaveText(
      barBefore
    );
    // The histograms now count the zoomed-in region only, and look different.
    await expect(histograms.nth(1)).not.toHaveAttribute(
      'data-count',
      wholeView.count
    );
    await expect
      .poll(async () => (await histogramOf(page, 1)).pixels)
      .not.toBe(wholeView.pixels);
    expect(
      Number(await histograms.nth(1).getAttribute('data-count'))
    ).toBeLessThan(256 * 256);
    await page.screenshot({ path: testInfo.outputPath('viewer-zoomed.png') });

    // Another z plane.
    await viewer.locator('[data-action="z-plane"]').fill('2');
    const otherZ = await changedFrom(page, zoomed);
    await page.screenshot({ path: testInfo.outputPath('viewer-z2.png') });

    // Hide DAPI (blue): no blue left.
    await viewer
      .locator('[data-channel="0"] [data-action="toggle-channel"]')
      .uncheck();
    const noBlue = await changedFrom(page, otherZ);
    expect(noBlue[2]).toBeLessThan(otherZ[2] * 0.05);
    expect(noBlue[1]).toBeGreaterThan(0);
    await page.screenshot({ path: testInfo.outputPath('viewer-no-dapi.png') });

    // A lower window end for GFP (green) makes it brighter.
    const gfpEnd = viewer.locator(
      '[data-channel="1"] [data-action="window-end"]'
    );
    const end = Number(await gfpEnd.inputValue());
    await gfpEnd.fill(String(Math.round(end / 4)));
    const brighter = await changedFrom(page, noBlue);
    expect(brighter[1]).toBeGreaterThan(noBlue[1] * 1.2);
    await page.screenshot({ path: testInfo.outputPath('viewer-contrast.png') });

    // "auto" sets GFP's window to the view's percentiles: the window, its overlay on the
    // histogram and the image change.
    const gfpWindow = viewer.locator(
      '[data-channel="1"] .jp-Fileglancer-viewerWindow'
    );
    const windowBefore = await gfpWindow.innerText();
    const histogramBefore = await histogramOf(page, 1);
    const endBefore = await gfpEnd.inputValue();
    await viewer
      .locator('[data-channel="1"] [data-action="auto-window"]')
      .click();
    await expect(gfpWindow).not.toHaveText(windowBefore);
    await expect(gfpEnd).not.toHaveValue(endBefore);
    await expect
      .poll(async () => (await histogramOf(page, 1)).pixels)
      .not.toBe(histogramBefore.pixels);
    await changedFrom(page, brighter);
    await viewer
      .locator('[data-channel="1"] [data-testid="viewer-histogram"]')
      .screenshot({ path: testInfo.outputPath('viewer-histogram-auto.png') });
    await page.screenshot({ path: testInfo.outputPath('viewer-auto.png') });
  });

  for (const path of ['n5/nuclei.n5', 'tiff/cells.ome.tif']) {
    test(`opens the demo ${path}, zooms, changes z, hides a channel and sets contrast`, async ({
      page
    }, testInfo) => {
      await page.evaluate(async target => {
        await window.jupyterapp.commands.execute('fileglancer:open-viewer', {
          root: 'demo',
          path: target
        });
      }, path);
      const viewer = page.locator(VIEWER);
      const name = path.split('/')[0];
      const first = await drawn(page);
      await viewer.locator('[data-testid="viewer-canvas"]').hover();
      for (let i = 0; i < 4; i++) {
        await page.mouse.wheel(0, -200);
      }
      const zoomed = await changedFrom(page, first);
      await viewer.locator('[data-action="z-plane"]').fill('1');
      let now = await changedFrom(page, zoomed);
      await page.screenshot({
        path: testInfo.outputPath(`viewer-${name}.png`)
      });
      // The last channel stays; any other is hidden (an image of one channel hides none).
      const channels = await viewer.locator('[data-channel]').count();
      expect(channels).toBeGreaterThan(0);
      const last = channels - 1;
      if (channels > 1) {
        await viewer
          .locator('[data-channel="0"] [data-action="toggle-channel"]')
          .uncheck();
        now = await changedFrom(page, now);
      }
      const end = viewer.locator(
        `[data-channel="${last}"] [data-action="window-end"]`
      );
      await end.fill(String(Math.round(Number(await end.inputValue()) / 4)));
      const brighter = await changedFrom(page, now);
      expect(brighter.reduce((a, b) => a + b)).toBeGreaterThan(
        now.reduce((a, b) => a + b)
      );
      await page.screenshot({
        path: testInfo.outputPath(`viewer-${name}-contrast.png`)
      });
    });
  }
});
